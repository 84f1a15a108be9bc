package bypass

import (
	"ccproxy/jsonin"
	"net/netip"
	"strconv"
	"strings"
)

// ProxyEntry is one entry of a Windows proxy string:
// [<scheme>=][<proxyScheme>://]<server>[:<port>].
type ProxyEntry struct {
	Scheme         string `json:"scheme"`         // "" for a bare entry (every scheme without its own), else http, https, ftp or socks
	ProxyScheme    string `json:"proxyScheme"`    // http, https or socks from a scheme:// prefix; "" when none
	Host           string `json:"host"`           // without userinfo; IPv6 without brackets
	Port           int    `json:"port"`           // 0 when absent: the proxy scheme's default applies
	HasCredentials bool   `json:"hasCredentials"` // user:pass@ was written; the secret is never kept
	Valid          bool   `json:"valid"`
	Note           string `json:"note"`
}

// Address is host:port as Windows writes it, with IPv6 in brackets; the port is left out
// when absent.
func (e ProxyEntry) Address() string {
	h := e.Host
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	if e.Port == 0 {
		return h
	}
	return h + ":" + strconv.Itoa(e.Port)
}

// EffectivePort is the port Windows connects to: the written one, or the default of the
// proxy's scheme (80 for an HTTP proxy, 443 for https://, 1080 for SOCKS).
func (e ProxyEntry) EffectivePort() int {
	if e.Port != 0 {
		return e.Port
	}
	return defaultProxyPort(e)
}

func defaultProxyPort(e ProxyEntry) int {
	switch {
	case e.ProxyScheme == "socks" || (e.ProxyScheme == "" && e.Scheme == "socks"):
		return 1080
	case e.ProxyScheme == "https":
		return 443
	}
	return 80
}

// Proxy is a parsed proxy string.
type Proxy struct {
	Raw     string       `json:"raw"` // as given, with credentials replaced by ***
	Entries []ProxyEntry `json:"entries"`
}

// ParseProxy reads a proxy string such as "p:8080", "http://p:8080", "[::1]:8080" or
// "http=p:3128;https=p:3128;socks=p:1080". It never fails: unusable entries are kept
// with Valid false and a Note.
func ParseProxy(raw string) Proxy {
	p := Proxy{Raw: RedactCredentials(raw)}
	seen := map[string]bool{}
	if n := countSeps(raw); n > 0 {
		p.Entries = make([]ProxyEntry, 0, n)
	}
	eachSep(raw, func(tok string) {
		e := parseProxyEntry(tok)
		if seen[e.Scheme] {
			what := "bare entry"
			if e.Scheme != "" {
				what = e.Scheme + "= entry"
			}
			e.Note = joinNotes(e.Note, "a second "+what+"; only the first one is used")
		}
		seen[e.Scheme] = true
		p.Entries = append(p.Entries, e)
	})
	return p
}

// String is the proxy string with credentials removed and entries joined by ";".
func (p Proxy) String() string {
	parts := make([]string, len(p.Entries))
	for i, e := range p.Entries {
		var b strings.Builder
		if e.Scheme != "" {
			b.WriteString(e.Scheme + "=")
		}
		if e.ProxyScheme != "" {
			b.WriteString(e.ProxyScheme + "://")
		}
		b.WriteString(e.Address())
		parts[i] = b.String()
	}
	return strings.Join(parts, ";")
}

// For is the entry WinHTTP (and .NET) uses for a URL of the given scheme, or nil for a
// direct connection: the scheme's own entry, else the first bare entry. A socks= entry is
// used only for the socks scheme, because WinHTTP does not send http or https through it.
// The entry may be invalid; callers report that rather than guess what Windows does.
func (p Proxy) For(scheme string) *ProxyEntry {
	scheme = strings.ToLower(scheme)
	for i := range p.Entries {
		if p.Entries[i].Scheme == scheme && scheme != "" {
			return &p.Entries[i]
		}
	}
	// A bare entry is IE's "same proxy for all protocols", which covers http, https and ftp
	// but never makes a SOCKS proxy of an HTTP one.
	if scheme == "socks" {
		return nil
	}
	for i := range p.Entries {
		if p.Entries[i].Scheme == "" {
			return &p.Entries[i]
		}
	}
	return nil
}

func parseProxyEntry(tok string) ProxyEntry {
	e := ProxyEntry{HasCredentials: strings.Contains(tok, "@")}
	rest := tok

	// scheme= comes before any "://"; an '=' later on belongs to userinfo.
	if i := strings.IndexByte(rest, '='); i >= 0 && isSchemeName(rest[:i]) {
		s := strings.ToLower(rest[:i])
		switch s {
		case "http", "https", "ftp", "socks":
			e.Scheme = s
		default:
			e.Scheme = s
			return bad(e, "unknown scheme "+strconv.Quote(s)+"=; Windows knows http=, https=, ftp= and socks=")
		}
		rest = rest[i+1:]
	}
	if i := strings.Index(rest, "://"); i >= 0 && isSchemeName(rest[:i]) {
		s := strings.ToLower(rest[:i])
		switch s {
		case "http", "https", "socks":
			e.ProxyScheme = s
		case "socks4", "socks4a", "socks5", "socks5h":
			e.ProxyScheme = "socks"
			e.Note = s + ":// is read as socks://"
		default:
			return bad(e, "unknown proxy scheme "+strconv.Quote(s)+"://; use http://, https:// or socks://")
		}
		rest = rest[i+3:]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	if strings.HasSuffix(rest, "/") && strings.Count(rest, "/") == 1 {
		rest = rest[:len(rest)-1]
	}
	if strings.Contains(rest, "/") {
		return bad(e, "a proxy is host:port; remove the path")
	}

	host, port, ok := splitHostPort(rest)
	if strings.HasPrefix(host, "[") {
		if !strings.HasSuffix(host, "]") {
			return bad(e, "unclosed [ around an IPv6 address")
		}
		host = host[1 : len(host)-1]
		if a, err := netip.ParseAddr(host); err != nil || !a.Is6() {
			return bad(e, "not an IPv6 address inside [ ]")
		}
	} else if strings.Contains(host, ":") {
		if a, err := netip.ParseAddr(host); err == nil && a.Is6() {
			return bad(e, "write an IPv6 proxy address in brackets: ["+host+"]:port")
		}
		return bad(e, "not host:port")
	}
	if !ok {
		return bad(e, "port must be a number from 1 to 65535")
	}
	if host == "" {
		return bad(e, "no proxy host")
	}
	if !validHostPattern(host) || strings.Contains(host, "*") {
		if _, err := netip.ParseAddr(host); err != nil {
			return bad(e, "not a host name or IP address")
		}
	}
	e.Host = strings.ToLower(host)
	e.Port = port
	e.Valid = true

	if e.HasCredentials {
		e.Valid = false
		e.Note = joinNotes(e.Note, "credentials (a user name and password before an @) are not part of the Windows proxy syntax; remove them and set up proxy authentication separately")
	}
	if e.Port == 0 {
		e.Note = joinNotes(e.Note, "no port: Windows uses "+strconv.Itoa(defaultProxyPort(e))+", the default for this kind of proxy")
	}
	return e
}

func bad(e ProxyEntry, note string) ProxyEntry {
	e.Valid = false
	e.Host = ""
	e.Port = 0
	e.Note = joinNotes(e.Note, note)
	return e
}

func joinNotes(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// isSchemeName: RFC 3986 scheme characters.
func isSchemeName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// RedactCredentials replaces the userinfo (user:password@ or user@) of every entry of a
// proxy string or bypass list with ***, by the grammar of that slot (jsonin.RedactProxyList).
func RedactCredentials(s string) string { return jsonin.RedactProxyList(s) }

// HasCredentials says whether any entry was written with user:password@.
func (p Proxy) HasCredentials() bool {
	for _, e := range p.Entries {
		if e.HasCredentials {
			return true
		}
	}
	return false
}
