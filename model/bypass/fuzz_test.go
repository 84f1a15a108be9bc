package bypass

import (
	"reflect"
	"strings"
	"testing"
)

var bypassSeeds = []string{
	dotnetBypass,
	"",
	"<local>",
	"<-loopback>;<local>",
	"localhost;*.contoso.com",
	"*.42",
	"<local>;*.corp.example;10.*",
	"Lol;<local>",
	"10.0.0.0/8;192.168.*.*;172.16.1.1",
	"http://intranet:8080;https://[2002::11]:443;ms*;*int*",
	"a.example,b.example",
	"2002::11;[fd00::]/8;intranet/path",
	"\u00a0intranet; bücher.example",
}

func FuzzParse(f *testing.F) {
	for _, s := range bypassSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		l := Parse(raw)
		again := Parse(l.String())
		if !reflect.DeepEqual(again.Entries, l.Entries) {
			t.Fatalf("String() does not re-parse to the same entries:\n%q -> %q\n%+v\n%+v", raw, l.String(), l.Entries, again.Entries)
		}
		for _, e := range l.Entries {
			if e.Value == "" || strings.ContainsAny(e.Value, "; \t\r\n\v\f") {
				t.Fatalf("entry %q holds a separator or is empty", e.Value)
			}
			if (e.Kind == KindInvalid || e.WindowsMayIgnore) && e.Note == "" {
				t.Fatalf("entry %q (%s) is flagged without a note", e.Value, e.Kind)
			}
			host, ok := hostOf(e)
			if !ok {
				continue
			}
			scheme := e.Scheme
			if scheme == "" {
				scheme = "https"
			}
			for _, stack := range []Stack{StackWinHTTP, StackWinINet} {
				m := l.Match(stack, host, e.Port, scheme)
				if !m.Bypassed {
					t.Fatalf("%s: list %q holds %q but does not bypass host %q: %+v", stack, raw, e.Value, host, m)
				}
			}
		}
	})
}

// hostOf is the host a URL would carry for the entry to name it; ok is false for entries
// that name no single host.
func hostOf(e Entry) (string, bool) {
	switch e.Kind {
	case KindExact, KindIPLiteral, KindWildcard, KindIPPattern:
		return e.Host(), true
	case KindIPv6:
		return "[" + e.Host() + "]", true
	}
	return "", false
}

// isRedactBoundaryString: a proxy string's entries are split on ';' and white space, so
// a password cannot hold them (they end the entry).
func isRedactBoundaryString(s string) bool { return strings.ContainsAny(s, "; \t\r\n\v\f") }

func FuzzParseProxy(f *testing.F) {
	for _, s := range []string{
		"proxy.contoso.com:8080",
		"ftp=p:3128;http=p:3128;https=p:3128;socks=p:1080",
		"google.com:42",
		"a:42",
		"http://p:8080",
		"[::1]:8080",
		"socks5://p",
		"p:99999;gopher=x",
	} {
		f.Add(s, "", "", "", "")
	}
	f.Add("", "user", "pass", "p:8080", "")
	f.Add("http=", "alice", "S3cret!", "p:8080", ";https=q:1")
	f.Add("https=https://", "bob", "pa@ss:w/rd", "[::1]:3128", "")
	f.Add("x ", "u=v", "//secret", "p", "")
	f.Fuzz(func(t *testing.T, prefix, user, pass, host, suffix string) {
		raw := prefix
		if pass != "" {
			raw += user + ":" + pass + "@" + host + suffix
		}
		p := ParseProxy(raw)
		_ = p.For("http")
		_ = p.For("https")
		_ = p.String()
		for i := 0; i < len(p.Raw); i++ {
			if p.Raw[i] == '@' && !strings.HasSuffix(p.Raw[:i], "***") {
				t.Fatalf("Raw %q keeps userinfo", p.Raw)
			}
		}
		for _, e := range p.Entries {
			if strings.Contains(e.Host, "@") {
				t.Fatalf("Host %q keeps userinfo", e.Host)
			}
			if !e.Valid && e.Note == "" {
				t.Fatalf("invalid entry without a note: %+v", e)
			}
			if e.Valid && (e.Port < 0 || e.Port > 65535 || e.Host == "") {
				t.Fatalf("valid entry out of range: %+v", e)
			}
		}
		if pass == "" || len(pass) < 4 || strings.ContainsAny(pass, "@*") || isRedactBoundaryString(pass) {
			return
		}
		for _, other := range []string{prefix + user, host + suffix} {
			if strings.Contains(other, pass) {
				return
			}
		}
		if strings.Contains(p.Raw, pass) {
			t.Fatalf("Raw %q contains the password %q", p.Raw, pass)
		}
		// Notes are fixed sentences plus names taken from the input; a password that
		// happens to be a word of those sentences ("pass") is not a leak.
		var fixed strings.Builder
		for _, e := range ParseProxy(prefix + user + ":\x01@" + host + suffix).Entries {
			fixed.WriteString(e.Note + "\n")
		}
		for _, e := range p.Entries {
			if strings.Contains(e.Host, pass) {
				t.Fatalf("entry %+v contains the password %q", e, pass)
			}
			if strings.Contains(e.Note, pass) && !strings.Contains(fixed.String(), pass) {
				t.Fatalf("entry note %q contains the password %q", e.Note, pass)
			}
		}
		if strings.Contains(p.String(), pass) {
			t.Fatalf("String() %q contains the password %q", p.String(), pass)
		}
	})
}

func FuzzRedactCredentials(f *testing.F) {
	for _, s := range []string{"", "user:pass@p:8080", `"http://u:p@q:1"`, "***@x", "a@b@c", "x=y://@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := RedactCredentials(s)
		if RedactCredentials(out) != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, out, RedactCredentials(out))
		}
		for i := 0; i < len(out); i++ {
			if out[i] == '@' && !strings.HasSuffix(out[:i], "***") {
				t.Fatalf("%q -> %q keeps userinfo", s, out)
			}
		}
		if !strings.Contains(s, "@") && out != s {
			t.Fatalf("%q changed without any '@': %q", s, out)
		}
	})
}

func FuzzRoute(f *testing.F) {
	f.Add("proxy.corp.example:8080", dotnetBypass, "winhttp", "https://www.foo.com/x")
	f.Add("http=h:1;https=s:2", "<local>", "wininet", "intranet")
	f.Add("socks=k:1080", "<-loopback>", "wininet", "http://127.0.0.1:8080")
	f.Add("", "", "winhttp", "")
	f.Add("p:8080", "10.0.0.0/8", "winhttp", "[::1]:443")
	f.Add("u:p@x:1", "*", "curl", "https://bob:hunter2@cloud.com:99999")
	f.Add("p", "ms*", "winhttp", "%%%")
	f.Add("p:8080", "*.corp.example", "winhttp", "https://b\u00e9b\u00e9.eu:8443/")
	f.Fuzz(func(t *testing.T, proxy, list, stack, url string) {
		r, err := Route(ParseProxy(proxy), Parse(list), Stack(stack), url)
		if err != nil {
			var msg = err.Error()
			if !strings.HasPrefix(msg, "url ") {
				t.Fatalf("error %q does not name the url", msg)
			}
			if ue, ok := err.(*URLError); !ok || ue.ExitCode() != 2 {
				t.Fatalf("error %T is not a URLError", err)
			}
			return
		}
		if r.Direct == (r.Proxy != nil) {
			t.Fatalf("Direct=%v with proxy %+v", r.Direct, r.Proxy)
		}
		if r.Proxy != nil && r.Match.Bypassed {
			t.Fatalf("a bypassed URL goes through the proxy: %+v", r)
		}
		if r.Port < 1 || r.Port > 65535 {
			t.Fatalf("port %d", r.Port)
		}
		if r.Scheme != "http" && r.Scheme != "https" {
			t.Fatalf("scheme %q", r.Scheme)
		}
		if r.Host == "" {
			t.Fatalf("no host for %q", url)
		}
		// An internationalized name is decided on its IDNA (ASCII) form.
		for i := 0; i < len(r.Host); i++ {
			if r.Host[i] >= 0x80 {
				t.Fatalf("host %q is not ASCII", r.Host)
			}
		}
	})
}
