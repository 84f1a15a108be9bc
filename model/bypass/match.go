package bypass

// Matching semantics
//
// A host is matched against a bypass list as written in the URL: case-insensitive, with
// no DNS resolution, so "server" and "server.corp.example" are different hosts even when
// they resolve to the same address. The first rule that applies decides:
//
//  1. Windows' implicit bypass (ImplicitRule): localhost, loopback, 127.0.0.1, [::1],
//     169.254.0.0/16 and [fe80::]/10 go direct without any entry (Reason "loopback"); other
//     127.x.x.x addresses are not in it and carry a note. Under WinINet a <-loopback> entry
//     takes these hosts out, in list order read from the last entry (matchOrdered); under
//     WinHTTP <-loopback> is reported to have no effect, and a note says so.
//  2. Entries, in list order; the first that matches wins (Reason "entry", or "local" for
//     <local>):
//     - <local>: a host name without a '.', and not an IP literal: "foo" matches, "foo.com"
//       and "[::1]" do not.
//     - exact name or IP literal: equal ignoring case; IPv6 literals compare as addresses,
//       so [2002::11] matches [2002:0:0::11].
//     - wildcard: '*' matches any run of characters, dots included, anywhere in the entry
//       (WinINet's reading): "ms*" matches "msn.com", "*int*" matches "printer",
//       "*.foo.com" matches "www.foo.com" but not "foo.com", "162*" matches "162.1.1.1".
//       Caveat says when a stack may not honour the entry that decided (for WinHTTP, a
//       '*' that is not left-most); the match carries it.
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

	noLoop := l.Has(KindNoLoopback)
	if stack == StackWinINet && noLoop {
		return l.matchOrdered(h, port, scheme)
	}
	if h.isImplicit() {
		m.Bypassed, m.Reason = true, ReasonLoopback
		m.Notes = append(m.Notes, ImplicitRule)
		if noLoop {
			m.Notes = append(m.Notes, "<-loopback> is reported to have no effect in WinHTTP, so the implicit bypass still applies")
		}
		return m
	}
	if h.ip.IsValid() && h.ip.Unmap().IsLoopback() {
		m.Notes = append(m.Notes, notImplicitNote)
	}

	for i := range l.Entries {
		e := &l.Entries[i]
		hit, note := e.matchHost(h, port, scheme)
		if note != "" {
			m.Notes = append(m.Notes, note)
		}
		if !hit {
			continue
		}
		m.Bypassed, m.Entry, m.Reason = true, e, ReasonEntry
		if e.Kind == KindLocal {
			m.Reason = ReasonLocal
		}
		if c := Caveat(*e, stack); c != "" {
			m.Caveat = "entry " + quote(e.Value) + ": " + c
			m.Notes = append(m.Notes, m.Caveat)
		}
		return m
	}
	m.Reason = ReasonNoMatch
	return m
}

// matchHost reports whether e bypasses the host, and a note when a CIDR range would have.
func (e *Entry) matchHost(h target, port int, scheme string) (bool, string) {
	if e.Scheme != "" && e.Scheme != scheme {
		return false, ""
	}
	if e.Port != 0 && e.Port != port {
		return false, ""
	}
	switch e.Kind {
	case KindLocal:
		return !h.ip.IsValid() && !strings.Contains(h.name, ".") && h.name != "", ""
	case KindCIDR:
		if h.ip.IsValid() {
			if pfx, err := netip.ParsePrefix(e.Host()); err == nil && pfx.Contains(h.ip.Unmap()) {
				return false, "entry " + quote(e.Value) + " covers this address, but Windows does not support CIDR ranges, so it is not applied"
			}
		}
	case KindExact, KindIPLiteral, KindIPv6, KindWildcard, KindIPPattern:
		return h.matches(e), ""
	}
	return false, ""
}

// matchOrdered is WinINet's reading of a list that holds <-loopback>, as Chromium documents
// and implements it "to match WinInet" (proxy_bypass_rules.cc, ProxyBypassRules::Matches):
// the entries are read from the last to the first and the first that applies decides, so
// "localhost;<-loopback>" sends localhost to the proxy and "<-loopback>;localhost" bypasses
// it; <-loopback> applies to the hosts of the implicit bypass; when no entry applies, the
// implicit bypass does.
func (l List) matchOrdered(h target, port int, scheme string) Match {
	var m Match
	for i := len(l.Entries) - 1; i >= 0; i-- {
		e := &l.Entries[i]
		if e.Kind == KindNoLoopback {
			if h.isImplicit() {
				m.Reason = ReasonNoMatch
				m.Notes = append(m.Notes, "<-loopback> (read last to first, as WinINet does) takes this host out of the implicit bypass: it goes to the proxy unless a later entry bypasses it")
				return m
			}
			continue
		}
		hit, note := e.matchHost(h, port, scheme)
		if note != "" {
			m.Notes = append(m.Notes, note)
		}
		if hit {
			m.Bypassed, m.Entry, m.Reason = true, e, ReasonEntry
			if e.Kind == KindLocal {
				m.Reason = ReasonLocal
			}
			return m
		}
	}
	if h.isImplicit() {
		m.Bypassed, m.Reason = true, ReasonLoopback
		m.Notes = append(m.Notes, ImplicitRule)
		return m
	}
	m.Reason = ReasonNoMatch
	return m
}

// ImplicitRule names the rule that decided an implicit bypass. Chromium documents Windows'
// implicit bypass as "localhost, loopback, 127.0.0.1, [::1], 169.254/16, [FE80::]/10"
// (net/proxy_resolution/proxy_bypass_rules.cc, MatchesImplicitRules, "On Windows the implicit
// rules are"), and its net/docs/proxy.md calls this consistent with Windows' own proxy
// support. Wine's WinHTTP bypasses nothing implicitly and .NET's HttpWindowsProxy bypasses
// loopback only under <local>; neither describes Windows, so Chromium's list decides, for
// both stacks. All of 127.0.0.0/8 is not in it: Chromium's own, wider list is not Windows'.
const ImplicitRule = "Windows' implicit bypass (localhost, loopback, 127.0.0.1, [::1], 169.254.0.0/16, [fe80::]/10 go direct without an entry; Chromium's notes on Windows)"

const notImplicitNote = "a loopback address, but Windows' implicit bypass names 127.0.0.1 alone (Chromium's notes on Windows): without an entry for it, it goes to the proxy; .NET bypasses all of 127.0.0.0/8 only under <local>"

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

// isImplicit: the host is in Windows' implicit bypass (ImplicitRule).
func (t target) isImplicit() bool {
	if t.name == "localhost" || t.name == "loopback" {
		return true
	}
	if !t.ip.IsValid() {
		return false
	}
	a := t.ip
	return a == netip.MustParseAddr("127.0.0.1") || a == netip.IPv6Loopback() || a.IsLinkLocalUnicast()
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
