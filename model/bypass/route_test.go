package bypass

import (
	"errors"
	"strings"
	"testing"
)

func TestRoute(t *testing.T) {
	const list = "<local>;*.corp.example;10.*;http://plain.example"
	tests := []struct {
		name    string
		proxy   string
		stack   Stack
		url     string
		wantURL string
		scheme  string
		host    string
		port    int
		direct  bool
		via     string // Address of the proxy used, "" when direct
		reason  string
		noteHas string
	}{
		{"bare host defaults to https", "p:8080", StackWinHTTP, "cloud.com", "https://cloud.com", "https", "cloud.com", 443, false, "p:8080", ReasonNoMatch, ""},
		{"host:port", "p:8080", StackWinHTTP, "cloud.com:8443", "https://cloud.com:8443", "https", "cloud.com", 8443, false, "p:8080", ReasonNoMatch, ""},
		{"full url with path", "p:8080", StackWinHTTP, "HTTPS://Login.Cloud.Com/a/b?c=d", "https://Login.Cloud.Com/a/b?c=d", "https", "login.cloud.com", 443, false, "p:8080", ReasonNoMatch, ""},
		{"http url", "p:8080", StackWinHTTP, "http://cloud.com", "http://cloud.com", "http", "cloud.com", 80, false, "p:8080", ReasonNoMatch, ""},
		{"bypassed by wildcard", "p:8080", StackWinHTTP, "https://dc1.corp.example", "https://dc1.corp.example", "https", "dc1.corp.example", 443, true, "", ReasonEntry, "*.corp.example"},
		{"bypassed by local", "p:8080", StackWinHTTP, "intranet", "https://intranet", "https", "intranet", 443, true, "", ReasonLocal, "<local>"},
		{"bypassed by ip pattern", "p:8080", StackWinINet, "http://10.1.2.3:8080/x", "http://10.1.2.3:8080/x", "http", "10.1.2.3", 8080, true, "", ReasonEntry, "10.*"},
		{"loopback", "p:8080", StackWinHTTP, "http://127.0.0.1:9000", "http://127.0.0.1:9000", "http", "127.0.0.1", 9000, true, "", ReasonLoopback, "implicit bypass"},
		// Internationalized names are decided on their IDNA form, as Windows and .NET do.
		{"idn host", "p:8080", StackWinHTTP, "https://b\u00e9b\u00e9.eu/", "https://xn--bb-bjab.eu/", "https", "xn--bb-bjab.eu", 443, false, "p:8080", ReasonNoMatch, "IDNA form xn--bb-bjab.eu"},
		{"idn host, upper case, bypassed by its suffix", "p:8080", StackWinHTTP, "B\u00dcCHER.corp.example:8443", "https://xn--bcher-kva.corp.example:8443", "https", "xn--bcher-kva.corp.example", 8443, true, "", ReasonEntry, "xn--bcher-kva"},
		{"ipv6 loopback", "p:8080", StackWinHTTP, "[::1]:8443", "https://[::1]:8443", "https", "::1", 8443, true, "", ReasonLoopback, ""},
		{"scheme-restricted entry, matching scheme", "p:8080", StackWinHTTP, "http://plain.example", "http://plain.example", "http", "plain.example", 80, true, "", ReasonEntry, ""},
		{"scheme-restricted entry, other scheme", "p:8080", StackWinHTTP, "https://plain.example", "https://plain.example", "https", "plain.example", 443, false, "p:8080", ReasonNoMatch, ""},
		{"no proxy", "", StackWinHTTP, "cloud.com", "https://cloud.com", "https", "cloud.com", 443, true, "", ReasonNoMatch, "no proxy is set"},
		{"per-scheme http only", "http=h:3128", StackWinHTTP, "https://cloud.com", "https://cloud.com", "https", "cloud.com", 443, true, "", ReasonNoMatch, "no entry for https"},
		{"per-scheme https", "http=h:3128;https=s:3129", StackWinHTTP, "https://cloud.com", "https://cloud.com", "https", "cloud.com", 443, false, "s:3129", ReasonNoMatch, ""},
		{"socks only, winhttp", "socks=k:1080", StackWinHTTP, "https://cloud.com", "https://cloud.com", "https", "cloud.com", 443, true, "", ReasonNoMatch, "no entry"},
		{"socks only, wininet", "socks=k:1080", StackWinINet, "https://cloud.com", "https://cloud.com", "https", "cloud.com", 443, true, "", ReasonNoMatch, "socks= proxy"},
		{"socks proxy under winhttp", "socks://k:1080", StackWinHTTP, "https://cloud.com", "https://cloud.com", "https", "cloud.com", 443, false, "k:1080", ReasonNoMatch, "SOCKS"},
		{"invalid proxy entry", "p:99999", StackWinHTTP, "https://cloud.com", "https://cloud.com", "https", "cloud.com", 443, false, "", ReasonNoMatch, "not valid"},
		{"credentials removed from url", "p:8080", StackWinHTTP, "https://bob:hunter2@cloud.com", "https://cloud.com", "https", "cloud.com", 443, false, "p:8080", ReasonNoMatch, "credentials"},
		{"trailing dot kept as written", "p:8080", StackWinHTTP, "https://intranet.", "https://intranet.", "https", "intranet.", 443, false, "p:8080", ReasonNoMatch, ""},
		{"surrounding spaces trimmed", "p:8080", StackWinHTTP, "  cloud.com  ", "https://cloud.com", "https", "cloud.com", 443, false, "p:8080", ReasonNoMatch, ""},
	}
	l := Parse(list)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Route(ParseProxy(tt.proxy), l, tt.stack, tt.url)
			if err != nil {
				t.Fatalf("Route: %v", err)
			}
			if r.URL != tt.wantURL || r.Scheme != tt.scheme || r.Host != tt.host || r.Port != tt.port {
				t.Errorf("got url=%q scheme=%s host=%q port=%d, want url=%q scheme=%s host=%q port=%d",
					r.URL, r.Scheme, r.Host, r.Port, tt.wantURL, tt.scheme, tt.host, tt.port)
			}
			if r.Direct != tt.direct {
				t.Errorf("Direct = %v, want %v (notes %q)", r.Direct, tt.direct, r.Notes)
			}
			if r.Direct && r.Proxy != nil {
				t.Errorf("a direct route has a proxy: %+v", r.Proxy)
			}
			if !r.Direct && r.Proxy == nil {
				t.Fatalf("a proxied route has no proxy")
			}
			if r.Proxy != nil && r.Proxy.Address() != tt.via {
				t.Errorf("proxy %q, want %q", r.Proxy.Address(), tt.via)
			}
			if r.Match.Reason != tt.reason {
				t.Errorf("Match.Reason = %s, want %s", r.Match.Reason, tt.reason)
			}
			if !strings.Contains(strings.Join(r.Notes, "|"), tt.noteHas) {
				t.Errorf("notes %q, want one mentioning %q", r.Notes, tt.noteHas)
			}
			if strings.Contains(r.URL, "hunter2") || strings.Contains(strings.Join(r.Notes, "|"), "hunter2") {
				t.Errorf("credentials leaked")
			}
		})
	}
}

// A proxy string and bypass list as set by `netsh winhttp set proxy` on a Cloud Connector.
func TestRouteDotnetVectorsThroughProxy(t *testing.T) {
	p := ParseProxy("proxy.corp.example:8080")
	l := Parse(dotnetBypass)
	for url, direct := range map[string]bool{
		"http://localhost/":                    true,
		"http://127.0.0.1/":                    true,
		"http://[::1]/":                        true,
		"http://foo/":                          true,
		"http://www.foo.com/":                  true,
		"http://WWW.FOO.COM/":                  true,
		"http://foo.com/":                      false,
		"http://bar.com/":                      true,
		"http://162.1.1.1/":                    true,
		"http://[2002::11]/":                   true,
		"http://[2a01:5b40:0:248::52]/":        false,
		"https://customers.cloud.com/":         false,
		"https://[2a00:1:f8b0:4005:80a::200e]": true,
	} {
		for _, stack := range []Stack{StackWinHTTP, StackWinINet} {
			r, err := Route(p, l, stack, url)
			if err != nil {
				t.Fatalf("%s: %v", url, err)
			}
			if r.Direct != direct {
				t.Errorf("%s %s: Direct = %v, want %v (%+v)", stack, url, r.Direct, direct, r.Match)
			}
		}
	}
}

func TestRouteInputRedacted(t *testing.T) {
	for in, want := range map[string]string{
		"  cloud.com ":                    "cloud.com",
		"https://bob:hunter2@cloud.com/x": "https://***@cloud.com/x",
		"bob:hunter2@cloud.com":           "***@cloud.com",
		"https://bob:hun@ter2@cloud.com":  "https://***@cloud.com",
		"https://bob@cloud.com:8443?a=b":  "https://***@cloud.com:8443?a=b",
		// The URL rule hides to the last '@' (a password may hold '/', '?' or '#' unencoded):
		// an '@' in a path or query hides more than the userinfo, the safe side.
		"https://cloud.com/@team/x":           "https://***@team/x",
		"https://cloud.com/?u=bob:hunter2@x":  "https://***@x",
		"https://b:p@cloud.com/a@b?c=d@e#f@g": "https://***@g",
		"https://bob:80/hunter2@cloud.com/":   "https://***@cloud.com/",
	} {
		r, err := Route(Proxy{}, List{}, StackWinHTTP, in)
		if err != nil {
			t.Fatalf("Route(%q): %v", in, err)
		}
		if r.Input != want {
			t.Errorf("Route(%q).Input = %q, want %q", in, r.Input, want)
		}
	}
}

func TestRouteErrors(t *testing.T) {
	tests := []struct{ in, has string }{
		{"", "empty"},
		{"   ", "empty"},
		{"https://cloud .com", "whitespace"},
		{"cloud.com\tx", "whitespace"},
		{"ftp://files.example", "http:// or https://"},
		{"socks://p", "http:// or https://"},
		{"://x", "not a URL"},
		{"1http://x", "not a URL"},
		{"https://", "no host"},
		{"https:///path", "no host"},
		{"https://cloud.com:99999", "out of range"},
		{"https://cloud.com:0", "out of range"},
		{"https://cloud.com:", "empty port"},
		{"cloud.com:abc", "not a URL"},
		{"https://[zz]/", "invalid host"},
		{"https://a\u202eb.example", "internationalized"}, // a bidi control is no IDNA label
		{"https://a_b!c", "not a host name"},
		{"https://*.cloud.com", "not a host name"},
		{"%%%", "not a URL"},
		{"https://bob:hunter2@cloud.com:99999", "out of range"},
		// A password holding / ? # or \ ends net/url's authority inside it: no part of it shows.
		{"https://bob:hunter2/x@cloud.com/", "not a URL"},
		{"https://bob:hunter2?x@cloud.com/", "not a URL"},
		{"https://bob:hunter2#x@cloud.com/", "not a URL"},
		{"https://bob:hunter2\\x@cloud.com/", "not a URL"},
		{"https://bob_x:hunter2/x@cloud.com/", "not a URL"},
		{"https://bob:99999/hunter2@cloud.com/", "out of range"},
	}
	for _, tt := range tests {
		_, err := Route(ParseProxy("p:8080"), Parse(""), StackWinHTTP, tt.in)
		if err == nil {
			t.Errorf("Route(%q): no error", tt.in)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.has) {
			t.Errorf("Route(%q): %q, want it to mention %q", tt.in, msg, tt.has)
		}
		if strings.Contains(msg, "hunter2") {
			t.Errorf("Route(%q): error leaks credentials: %q", tt.in, msg)
		}
		var ue *URLError
		if !errors.As(err, &ue) || ue.ExitCode() != 2 {
			t.Errorf("Route(%q): error %T is not a URLError with exit code 2", tt.in, err)
		}
		if !strings.HasPrefix(msg, "url ") || msg != strings.ToLower(msg[:1])+msg[1:] {
			t.Errorf("Route(%q): message shape %q", tt.in, msg)
		}
	}
}
