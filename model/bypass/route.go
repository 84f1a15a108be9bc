package bypass

import (
	"ccproxy/jsonin"
	"net/netip"
	"net/url"
	"strings"

	"golang.org/x/net/idna"
)

// RouteResult says how a stack would send one URL.
type RouteResult struct {
	Input  string // the URL as given, trimmed, its credentials replaced by ***
	URL    string // normalised, without credentials
	Scheme string
	Host   string // as written in the URL, IPv6 without brackets
	Port   int    // the URL's port or its scheme's default
	Direct bool
	Proxy  *ProxyEntry // the proxy used; nil when Direct
	Match  Match       // the bypass decision, made even when no proxy applies
	Notes  []string
}

// URLError is a URL that route cannot read. ExitCode maps it to 2 (bad input).
type URLError struct {
	URL string // already redacted
	Msg string
}

func (e *URLError) Error() string { return "url " + quote(e.URL) + ": " + e.Msg }

// ExitCode maps a bad URL to 2, as for any bad input.
func (e *URLError) ExitCode() int { return 2 }

func urlErr(raw, msg string) error {
	return &URLError{URL: jsonin.RedactURL(raw), Msg: jsonin.RedactCredentials(msg)}
}

// Route decides whether the stack sends rawURL through the manual proxy p or directly,
// given the bypass list l. rawURL may be a full http or https URL, or a bare host or
// host:port, which is read as https. Auto-detection and PAC scripts are outside it: the
// caller reports those, since their outcome depends on the network.
func Route(p Proxy, l List, stack Stack, rawURL string) (RouteResult, error) {
	u, err := parseRouteURL(rawURL)
	if err != nil {
		return RouteResult{}, err
	}
	var r RouteResult
	r.Input = u.input
	r.Scheme = u.scheme
	r.Host = u.host
	r.Port = u.port
	r.URL = u.normalised
	if u.hadCredentials {
		r.Notes = append(r.Notes, "the URL's credentials were removed; they play no part in routing")
	}
	if u.idn != "" {
		r.Notes = append(r.Notes, "the internationalized name "+u.idn+" is routed as its IDNA form "+u.host+", the form Windows and .NET match against the bypass list")
	}

	hostForMatch := u.host
	if strings.Contains(hostForMatch, ":") {
		hostForMatch = "[" + hostForMatch + "]"
	}
	r.Match = l.Match(stack, hostForMatch, u.port, u.scheme)

	pe := p.For(u.scheme)
	switch {
	case pe == nil:
		r.Direct = true
		if len(p.Entries) == 0 {
			r.Notes = append(r.Notes, "no proxy is set: direct")
		} else {
			r.Notes = append(r.Notes, "the proxy string has no entry for "+u.scheme+" URLs and no bare entry: direct")
			if stack == StackWinINet && p.For("socks") != nil {
				r.Notes = append(r.Notes, "WinINet may send it through the socks= proxy instead; WinHTTP does not")
			}
		}
	case r.Match.Bypassed:
		r.Direct = true
		r.Notes = append(r.Notes, "bypassed ("+bypassWhy(r.Match)+"): the proxy "+pe.Address()+" is not used")
	default:
		cp := *pe
		r.Proxy = &cp
		if !pe.Valid {
			r.Notes = append(r.Notes, "the proxy entry for "+u.scheme+" URLs is not valid ("+pe.Note+"); Windows may fail to connect")
		}
		if stack == StackWinHTTP && (pe.ProxyScheme == "socks" || pe.Scheme == "socks") {
			r.Notes = append(r.Notes, "WinHTTP does not support SOCKS proxies")
		}
	}
	return r, nil
}

func bypassWhy(m Match) string {
	switch m.Reason {
	case ReasonLoopback:
		return "Windows' implicit bypass"
	case ReasonLocal:
		return "<local>: a host name without a '.'"
	default:
		if m.Entry != nil {
			return "entry " + quote(m.Entry.Value)
		}
		return m.Reason
	}
}

type routeURL struct {
	input          string
	scheme, host   string
	port           int
	normalised     string
	hadCredentials bool
	idn            string // the host as written when it was an internationalized name
}

// idnaHost is the ASCII (IDNA) form of an internationalized host name, which is what
// Windows and .NET match against the bypass list and resolve: WinHTTP takes host names
// in their ASCII form (WinHttpCrackUrl with ICU_DECODE/IdnToAscii, RFC 5891), and .NET's
// HttpWindowsProxy matches Uri.IdnHost. The UTS #46 lookup profile maps case and
// compatibility forms first, as browsers and .NET do. isIDN is false for an ASCII host.
func idnaHost(host string) (ascii string, isIDN bool, err error) {
	for i := 0; i < len(host); i++ {
		if host[i] >= 0x80 {
			a, err := idna.Lookup.ToASCII(host)
			if err != nil {
				return "", true, err
			}
			return a, true, nil
		}
	}
	return host, false, nil
}

const urlHint = "pass a URL such as https://example.com, a host name, or host:port"

func parseRouteURL(raw string) (routeURL, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return routeURL{}, urlErr(raw, "empty; "+urlHint)
	}
	for i := 0; i < len(s); i++ {
		if isSep(s[i]) && s[i] != ';' {
			return routeURL{}, urlErr(raw, "contains whitespace; quote one URL per argument and encode spaces in paths as %20")
		}
	}
	if i := strings.Index(s, "://"); i >= 0 {
		sch := strings.ToLower(s[:i])
		if sch != "http" && sch != "https" {
			if !isSchemeName(s[:i]) {
				return routeURL{}, urlErr(raw, "not a URL; "+urlHint)
			}
			return routeURL{}, urlErr(raw, "scheme "+quote(sch)+" is not routed through a proxy by WinHTTP; use an http:// or https:// URL")
		}
	} else {
		s = "https://" + s
	}
	// A URL holding an '@' may hold a password, and one with '/', '?', '#' or '\\' in it makes
	// net/url (and WinHttpCrackUrl) end the authority inside the password, so a part of it
	// becomes the "host" or "port". Then no message quotes what the parse made of the URL:
	// the URL itself is shown by the URL rule (jsonin.RedactURL), which hides up to the last '@'.
	secret := strings.Contains(s[strings.Index(s, "://")+3:], "@")
	show := func(part string) string {
		if secret {
			return ""
		}
		return " " + part
	}
	u, err := url.Parse(s)
	if err != nil {
		if secret {
			return routeURL{}, urlErr(raw, "not a URL; "+urlHint+"; a password holding / ? # or \\ must be percent-encoded")
		}
		return routeURL{}, urlErr(raw, "not a URL ("+trimURLErr(err)+"); "+urlHint)
	}
	if u.Host == "" {
		return routeURL{}, urlErr(raw, "no host; "+urlHint)
	}
	r := routeURL{input: jsonin.RedactURL(strings.TrimSpace(raw)), scheme: strings.ToLower(u.Scheme), hadCredentials: u.User != nil || secret}
	host := u.Hostname()
	if ascii, isIDN, err := idnaHost(host); err != nil {
		if secret {
			return routeURL{}, urlErr(raw, "host is not a valid internationalized domain name; "+urlHint)
		}
		return routeURL{}, urlErr(raw, "host "+quote(host)+" is not a valid internationalized domain name ("+err.Error()+"); "+urlHint)
	} else if isIDN {
		r.idn = host
		host = ascii
		if p := u.Port(); p != "" {
			u.Host = host + ":" + p
		} else {
			u.Host = host
		}
	}
	if strings.HasPrefix(u.Host, "[") {
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() {
			return routeURL{}, urlErr(raw, "not an IPv6 address inside [ ]; "+urlHint)
		}
	} else if !validHostPattern(host) || strings.Contains(host, "*") || host == "" {
		return routeURL{}, urlErr(raw, "host"+show(quote(host))+" is not a host name or IP address; "+urlHint)
	}
	r.host = strings.ToLower(host)
	r.port = DefaultPort(r.scheme)
	if ps := u.Port(); ps != "" {
		p, ok := parsePort(ps)
		if !ok {
			return routeURL{}, urlErr(raw, "port"+show(ps)+" out of range (1-65535)")
		}
		r.port = p
	} else if strings.HasSuffix(u.Host, ":") {
		return routeURL{}, urlErr(raw, "empty port after ':'; "+urlHint)
	}
	u.User = nil
	u.Scheme = r.scheme
	r.normalised = jsonin.RedactURL(u.String())
	return r, nil
}

// trimURLErr keeps net/url's reason without its repetition of the (possibly secret) input.
func trimURLErr(err error) string {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err.Error()
	}
	return err.Error()
}
