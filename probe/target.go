package probe

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// TargetError is a --host, --internal or --resolve value that cannot be read.
type TargetError struct {
	Value string
	Msg   string
}

func (e *TargetError) Error() string { return strconv.Quote(e.Value) + ": " + e.Msg }

// ExitCode maps a bad value to 2, as for any bad input.
func (e *TargetError) ExitCode() int { return 2 }

const targetHint = "hint: give host, host:port, [IPv6]:port or an http:// or https:// URL"

// ParseTarget reads an extra endpoint: host, host:port, [IPv6]:port, a bare IPv6 address,
// or an http:// or https:// URL whose path becomes the health path. source is SourceHost
// (probed as https unless the URL says http) or SourceInternal (a TCP connection unless a
// URL says otherwise, expected to go direct). The port defaults to 443, or 80 for http.
func ParseTarget(value, source string) (Target, error) {
	bad := func(msg string) (Target, error) {
		return Target{}, &TargetError{Value: value, Msg: msg + "; " + targetHint}
	}
	s := strings.TrimSpace(value)
	if s == "" {
		return bad("empty")
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f || s[i] == ';' || s[i] == ',' {
			return bad("holds white space, a separator or a non-ASCII character; give one host per value")
		}
	}
	t := Target{Required: true, Source: source, Kind: KindHTTPS, Purpose: "given with --host"}
	if source == SourceInternal {
		t.Kind, t.ExpectDirect, t.Purpose = KindTCP, true, "internal resource given with --internal: must bypass the proxy (R7)"
	}
	hostport := s
	if i := strings.Index(s, "://"); i >= 0 {
		switch strings.ToLower(s[:i]) {
		case "https":
			t.Kind = KindHTTPS
		case "http":
			t.Kind = KindHTTP
		default:
			return bad("only http:// and https:// URLs can be probed")
		}
		u, err := url.Parse(s)
		if err != nil {
			return bad("not a URL")
		}
		if u.User != nil {
			return bad("holds a user name or password")
		}
		if u.Fragment != "" {
			return bad("a URL with a #fragment")
		}
		hostport = u.Host
		path := u.EscapedPath()
		if u.RawQuery != "" {
			path += "?" + u.RawQuery
		}
		if path != "" && path != "/" {
			t.HealthPath = path
		}
	} else if strings.ContainsAny(s, "/?#@") {
		return bad("a path, query or user name needs a full URL")
	}
	host, port, msg := splitTargetHost(hostport)
	if msg != "" {
		return bad(msg)
	}
	t.Host = host
	t.Port = port
	if t.Port == 0 {
		t.Port = defaultPort(schemeOf(t))
		if source == SourceInternal && !strings.Contains(s, "://") {
			// R7 asks that the host go direct: its route is what is checked. A domain
			// controller need not serve 443, so the connection is reported but cannot fail
			// the run; HOST:PORT (or a URL) asks for that port, which then must answer.
			t.Required = false
			t.Purpose = "internal resource given with --internal: must bypass the proxy (R7); the connection to port 443 is informative (give HOST:PORT to require a port)"
		}
	}
	return t, nil
}

// splitTargetHost splits host[:port], [v6][:port] or a bare v6 address and checks both.
func splitTargetHost(s string) (host string, port int, msg string) {
	rest := ""
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", 0, "unclosed [ around an IPv6 address"
		}
		host, rest = s[1:end], s[end+1:]
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", 0, "not an IPv6 address inside [ ]"
		}
		host = a.String()
		if rest != "" && !strings.HasPrefix(rest, ":") {
			return "", 0, "unexpected text after ]"
		}
	case strings.Count(s, ":") > 1:
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", 0, "not a host name or IPv6 address"
		}
		return a.String(), 0, ""
	default:
		host = s
		if i := strings.IndexByte(s, ':'); i >= 0 {
			host, rest = s[:i], s[i:]
		}
		if msg := checkHostName(host); msg != "" {
			return "", 0, msg
		}
		host = strings.ToLower(host)
	}
	if rest != "" {
		p, err := strconv.Atoi(rest[1:])
		if err != nil || p < 1 || p > 65535 || rest[1:] != strconv.Itoa(p) {
			return "", 0, "port must be a number from 1 to 65535"
		}
		port = p
	}
	return host, port, ""
}

func checkHostName(h string) string {
	if h == "" {
		return "no host name"
	}
	if a, err := netip.ParseAddr(h); err == nil {
		if a.Zone() != "" {
			return "an address with a zone cannot be probed"
		}
		return ""
	}
	if len(h) > 253 {
		return "host name longer than 253 characters"
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" {
			return "empty label (leading, trailing or double '.')"
		}
		if len(label) > 63 {
			return "a label longer than 63 characters"
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
			case c == '*':
				return "a wildcard names many hosts; give one host"
			default:
				return fmt.Sprintf("character %q is not allowed in a host name", c)
			}
		}
	}
	return ""
}

// ParseResolve reads a --resolve value, HOST=ADDRESS[,ADDRESS...], which makes a direct
// probe connect to the addresses given instead of looking HOST up in DNS.
func ParseResolve(value string) (host string, addrs []string, err error) {
	bad := func(msg string) (string, []string, error) {
		return "", nil, &TargetError{Value: value, Msg: msg + "; hint: give HOST=ADDRESS, such as dc01.corp.example=10.0.0.5"}
	}
	h, list, ok := strings.Cut(strings.TrimSpace(value), "=")
	if !ok {
		return bad("no '='")
	}
	h = strings.TrimSpace(h)
	if msg := checkHostName(h); msg != "" {
		return bad(msg)
	}
	if _, err := netip.ParseAddr(h); err == nil {
		return bad("an IP address needs no lookup")
	}
	for _, a := range strings.Split(list, ",") {
		ip, err := netip.ParseAddr(strings.Trim(strings.TrimSpace(a), "[]"))
		if err != nil || ip.Zone() != "" {
			return bad(fmt.Sprintf("%q is not an IP address", strings.TrimSpace(a)))
		}
		addrs = append(addrs, ip.String())
	}
	return strings.ToLower(h), addrs, nil
}
