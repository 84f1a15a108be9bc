package bypass

// Matching semantics
//
// A host is matched against a bypass list as written in the URL: case-insensitive, with
// no DNS resolution, so "server" and "server.corp.example" are different hosts even when
// they resolve to the same address. The first rule that applies decides:
//
//  1. Implicit loopback. "localhost", any 127.x.x.x literal and [::1] are bypassed without
//     any entry (Reason "loopback"). Under WinINet a <-loopback> entry turns this off; under
//     WinHTTP <-loopback> is reported to have no effect, so loopback stays bypassed and a
//     note says so.
//  2. Entries, in list order; the first that matches wins (Reason "entry", or "local" for
//     <local>):
//     - <local>: a host name without a '.', and not an IP literal: "foo" matches, "foo.com"
//       and "[::1]" do not.
//     - exact name or IP literal: equal ignoring case; IPv6 literals compare as addresses,
//       so [2002::11] matches [2002:0:0::11].
//     - wildcard: '*' matches any run of characters, dots included, anywhere in the entry
//       (WinINet's reading): "ms*" matches "msn.com", "*int*" matches "printer",
//       "*.foo.com" matches "www.foo.com" but not "foo.com", "162*" matches "162.1.1.1".
//       WinHTTP's documentation allows only a left-most '*'; when an entry with another
//       '*' decides a WinHTTP match, a note says the services may not honour it.
//     - IP pattern: "10.*" matches "10.1.2.3", "192.168.*.*" matches "192.168.0.1"; the
//       same wildcard rule, applied to the host as written.
//     - IPv6 in brackets, with or without '*': "[*:f8b0:4005:80a::200e]" matches
//       "[2a00:f8b0:4005:80a::200e]".
//     - "http://" or "https://" before an entry restricts it to URLs of that scheme; a
//       ":port" after it restricts it to that port (the URL's port, or its scheme's default).
//     - CIDR ranges (10.0.0.0/8) and invalid entries never match: Windows does not
//       support them. A note says when a CIDR range would have covered the host.
//  3. Nothing matched: Reason "noMatch", the proxy is used.

import (
	"net/netip"
	"strings"
)

// Stack is the Windows HTTP stack whose rules apply.
type Stack string

const (
	StackWinHTTP Stack = "winhttp" // services: the Cloud Connector services, Windows Update
	StackWinINet Stack = "wininet" // interactive programs: browsers, the installer
)

// Match reasons.
const (
	ReasonLoopback = "loopback"
	ReasonLocal    = "local"
	ReasonEntry    = "entry"
	ReasonNoMatch  = "noMatch"
)

// Match is the outcome of matching one host against a bypass list.
type Match struct {
	Bypassed bool
	Entry    *Entry // the entry that decided, nil for loopback and noMatch
	Reason   string // one of the Reason* constants
	// Caveat says why the stack may not honour the deciding entry (Caveat), "" when none;
	// it is among Notes too.
	Caveat string
	Notes  []string
}

// DefaultPort is the port a URL of the scheme uses when it names none; 0 when unknown.
func DefaultPort(scheme string) int {
	switch strings.ToLower(scheme) {
	case "http":
		return 80
	case "https":
		return 443
	case "ftp":
		return 21
	case "socks":
		return 1080
	}
	return 0
}

// Match decides whether a URL of the given scheme to host:port bypasses the proxy.
// host may carry IPv6 brackets; port 0 means the scheme's default.
func (l List) Match(stack Stack, host string, port int, scheme string) Match {
	var m Match
	if stack != StackWinHTTP && stack != StackWinINet {
		m.Notes = append(m.Notes, "unknown stack "+quote(string(stack))+", matched with WinHTTP's rules")
		stack = StackWinHTTP
	}
	scheme = strings.ToLower(scheme)
	if port == 0 {
		port = DefaultPort(scheme)
	}
	h := newTarget(host)

	if h.isLoopback() {
		noLoop := l.Has(KindNoLoopback)
		switch {
		case !noLoop:
			m.Bypassed, m.Reason = true, ReasonLoopback
			return m
		case stack == StackWinHTTP:
			m.Bypassed, m.Reason = true, ReasonLoopback
			m.Notes = append(m.Notes, "<-loopback> is reported to have no effect in WinHTTP, so loopback is still bypassed")
			return m
		default:
			m.Notes = append(m.Notes, "<-loopback> stops WinINet's implicit loopback bypass")
		}
	}

	for i := range l.Entries {
		e := &l.Entries[i]
		if e.Scheme != "" && e.Scheme != scheme {
			continue
		}
		if e.Port != 0 && e.Port != port {
			continue
		}
		switch e.Kind {
		case KindLocal:
			if h.ip.IsValid() || strings.Contains(h.name, ".") || h.name == "" {
				continue
			}
			m.Bypassed, m.Entry, m.Reason = true, e, ReasonLocal
			return m
		case KindCIDR:
			if h.ip.IsValid() {
				if pfx, err := netip.ParsePrefix(e.Host()); err == nil && pfx.Contains(h.ip.Unmap()) {
					m.Notes = append(m.Notes, "entry "+quote(e.Value)+" covers this address, but Windows does not support CIDR ranges, so it is not applied")
				}
			}
			continue
		case KindExact, KindIPLiteral, KindIPv6, KindWildcard, KindIPPattern:
			if !h.matches(e) {
				continue
			}
			m.Bypassed, m.Entry, m.Reason = true, e, ReasonEntry
			if c := Caveat(*e, stack); c != "" {
				m.Caveat = "entry " + quote(e.Value) + ": " + c
				m.Notes = append(m.Notes, m.Caveat)
			}
			return m
		}
	}
	m.Reason = ReasonNoMatch
	return m
}

// target is a host as written in a URL, prepared for matching.
type target struct {
	name string     // lower-case, without IPv6 brackets
	ip   netip.Addr // valid when the host is an IP literal
}

func newTarget(host string) target {
	h := strings.ToLower(host)
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") && len(h) >= 2 {
		h = h[1 : len(h)-1]
	}
	t := target{name: h}
	if a, err := netip.ParseAddr(h); err == nil && a.Zone() == "" {
		t.ip = a
	}
	return t
}

func (t target) isLoopback() bool {
	if t.name == "localhost" {
		return true
	}
	return t.ip.IsValid() && t.ip.IsLoopback()
}

func (t target) matches(e *Entry) bool {
	pat := e.Host()
	if pat == "" {
		return false
	}
	if !strings.Contains(pat, "*") {
		if t.ip.IsValid() {
			if a, err := netip.ParseAddr(pat); err == nil {
				return a == t.ip
			}
		}
		return pat == t.name
	}
	if glob(pat, t.name) {
		return true
	}
	// An IPv6 pattern is written against the compressed form; the URL may not use it.
	return t.ip.Is6() && glob(pat, t.ip.String())
}

// glob matches s against pat where '*' matches any run of bytes, empty included.
// Both are already lower-case.
func glob(pat, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pat) && pat[p] == '*':
			star, mark = p, i
			p++
		case p < len(pat) && pat[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pat) && pat[p] == '*' {
		p++
	}
	return p == len(pat)
}

func quote(s string) string { return "\"" + RedactCredentials(s) + "\"" }
