package compliance

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"ccproxy/jsonin"
	"ccproxy/model"
	"ccproxy/model/bypass"
)

const internalHint = "hint: name one host, IP address or host:port per value, such as dc01.corp.example, 10.0.0.5 or [fd00::5]"

// MaxInternal bounds the internal resources one run checks. Each becomes a finding of its
// own (about 800 bytes of JSON), so an unbounded list cost output and memory without end
// (200,000 hosts: 241 MB of output, 1.2 GB of memory). A connector reaches tens of internal
// resources (domain controllers, hypervisors, StoreFront, the VDAs' networks), not thousands.
const MaxInternal = 10000

func tooManyInternal(input string) error {
	return &model.InputError{Input: input, Msg: fmt.Sprintf("more than %d internal resources; hint: list the ones the connector itself reaches (domain controllers, hypervisor and StoreFront hosts)", MaxInternal)}
}

// ParseInternal validates --internal values: a host name, an IPv4 or IPv6 address, with an
// optional port or http(s):// prefix, but no path, credentials or wildcard. It returns them
// trimmed, lower-cased and without duplicates. A bad value is an input error (exit 2).
func ParseInternal(values []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, v := range values {
		h, why := checkInternal(v)
		if why != "" {
			return nil, &model.InputError{Input: "--internal", Msg: fmt.Sprintf("%s: %s; %s", quoted(v), why, internalHint)}
		}
		if !seen[h] {
			if len(out) == MaxInternal {
				return nil, tooManyInternal("--internal")
			}
			seen[h] = true
			out = append(out, h)
		}
	}
	return out, nil
}

// ParseInternalFile reads one internal resource per line; blank lines and '#' comments are
// skipped. It accepts the encodings Windows tools write (UTF-16 with a BOM, for instance).
func ParseInternalFile(name string, data []byte) ([]string, error) {
	text, _, err := jsonin.Decode(name, data)
	if err != nil {
		var je *jsonin.Error
		if errors.As(err, &je) && strings.Contains(je.Msg, "empty") {
			return nil, &model.InputError{Input: name, Msg: "no host names; " + internalHint}
		}
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	for i, line := range strings.Split(string(text), "\n") {
		if j := strings.IndexByte(line, '#'); j >= 0 {
			line = line[:j]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		h, why := checkInternal(line)
		if why != "" {
			return nil, &model.InputError{Input: name, Place: "line " + strconv.Itoa(i+1), Msg: fmt.Sprintf("%s: %s; %s", quoted(line), why, internalHint)}
		}
		if !seen[h] {
			if len(out) == MaxInternal {
				return nil, tooManyInternal(name)
			}
			seen[h] = true
			out = append(out, h)
		}
	}
	if len(out) == 0 {
		return nil, &model.InputError{Input: name, Msg: "no host names (only blank lines and comments); " + internalHint}
	}
	return out, nil
}

// checkInternal returns the normalised value, or why it is not one internal resource.
func checkInternal(v string) (string, string) {
	t := strings.TrimSpace(v)
	if t == "" {
		return "", "empty host name"
	}
	// A byte that is not UTF-8 would become U+FFFD, which no IDNA form holds (UTS #46
	// disallows it), so the host could never be routed.
	if !utf8.ValidString(t) {
		return "", "holds a byte that is not UTF-8 text; give the host name as text"
	}
	for _, c := range t {
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == ',' {
			return "", "holds a separator (white space, ';' or ','); give each host its own --internal"
		}
	}
	for _, c := range t {
		// A control character is no part of a host: say that alone, not what a URL parser
		// makes of it.
		if c < 0x20 || c == 0x7f || c >= 0x80 && c <= 0x9f || c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069 {
			return "", "holds the control character " + jsonin.Visible(string(c)) + ", which no host name holds"
		}
	}
	rest := t
	if i := strings.Index(rest, "://"); i >= 0 {
		scheme := strings.ToLower(rest[:i])
		if scheme != "http" && scheme != "https" {
			return "", "only http:// and https:// prefixes are understood"
		}
		rest = rest[i+3:]
	}
	if strings.Contains(rest, "/") {
		if e := bypass.Parse(rest).Entries; len(e) == 1 && e[0].Kind == bypass.KindCIDR {
			return "", rest + " is an address range; --internal takes a host: " + bypass.CIDRHint(e[0].Host())
		}
	}
	if strings.Contains(rest, "@") {
		return "", "holds a user name or password; give the host only"
	}
	if _, err := netip.ParsePrefix(strings.NewReplacer("[", "", "]", "").Replace(rest)); err == nil {
		// 10.0.0.0/8 is a CIDR block: a path is not what anyone meant by it.
		return "", rest + " is an address range; --internal takes a host: name each one in the range that must bypass the proxy"
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		if rest[i:] != "/" {
			return "", "a URL with a path, query or fragment; give the host only (bypass lists match hosts, not paths)"
		}
		t = strings.TrimSuffix(t, "/")
		rest = rest[:i]
	}
	if rest == "" {
		return "", "no host name"
	}
	if strings.Contains(rest, "*") {
		return "", "a wildcard names many hosts; name one host (wildcards belong in the bypass list)"
	}
	// An IPv6 address is easy to type without brackets; it can only mean the address.
	if a, err := netip.ParseAddr(rest); err == nil && a.Is6() {
		t = strings.TrimSuffix(t, rest) + "[" + rest + "]"
	}
	if _, err := bypass.Route(bypass.Proxy{}, bypass.List{}, bypass.StackWinHTTP, t); err != nil {
		var ue *bypass.URLError
		if errors.As(err, &ue) {
			// Its hint is route's (pass a URL); --internal's own follows.
			msg, _, _ := strings.Cut(ue.Msg, "; pass a URL")
			return "", msg
		}
		return "", err.Error()
	}
	return strings.ToLower(t), ""
}

// bypassEntryFor is the bypass-list entry that covers an internal resource: its host, with
// IPv6 in brackets, without scheme or port, so it matches every URL to that host.
func bypassEntryFor(e RouteEntry) string {
	if strings.Contains(e.Host, ":") {
		return "[" + e.Host + "]"
	}
	return e.Host
}

// quoted shows a value given as a host or URL in a message; its userinfo, which
// checkInternal refuses, is hidden whole, a password holding '@' or white space included:
// the value is one value, hidden up to its last '@' (jsonin.RedactProxyEntry).
func quoted(s string) string {
	s = jsonin.RedactProxyEntry(s)
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return strconv.Quote(s)
}
