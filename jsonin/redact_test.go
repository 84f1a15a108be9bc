package jsonin

import (
	"encoding/json"
	"math/rand"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"http://wpad/proxy.pac", "http://wpad/proxy.pac"},
		{"http://u:p@wpad/proxy.pac", "http://***@wpad/proxy.pac"},
		{"http://u:P@ssw0rd@wpad/p.pac", "http://***@wpad/p.pac"},
		{"http://u:a;b,c'd=e!$&()*+%40@wpad:80/p.pac", "http://***@wpad:80/p.pac"},
		// A password with '/', '?', '#' or '\' is not percent-encoded on Windows: the userinfo
		// runs to the last '@', and an '@' in a path or query hides more (the safe side).
		{"http://UQUd:QZQ/VKV/JMJ@wpad.corp.example/proxy.pac", "http://***@wpad.corp.example/proxy.pac"},
		{"http://u:a?b#c\\d@wpad/p.pac", "http://***@wpad/p.pac"},
		{"http://u:p@wpad:80/p.pac?x=@y#@z", "http://***@z"},
		{"u:a/b@wpad/p.pac", "***@wpad/p.pac"},
		{"https://tok@h", "https://***@h"},
		{"http://h/a@b", "http://***@b"},
		{"//u:p@h/x", "//***@h/x"},
		{"u:p@h/x", "***@h/x"},
		{"http://***@h/x", "http://***@h/x"},
		{"HTTP://u:p@[::1]:8080", "HTTP://***@[::1]:8080"},
	} {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactProxyList(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"p:8080", "p:8080"},
		{"u:P@ssw0rd@p:8080", "***@p:8080"},
		{"user@p", "***@p"},
		{`http=u:a=b,c'd"e/f:g@p:1;https=https://v:x@q:2 socks=w@s`, "http=***@p:1;https=https://***@q:2 socks=***@s"},
		{"u:a://b@p", "***@p"},
		{"<local>;*.corp;u:p@h", "<local>;*.corp;***@h"},
		{"http=***@p:1", "http=***@p:1"},
	} {
		if got := RedactProxyList(tt.in); got != tt.want {
			t.Errorf("RedactProxyList(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactValue(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"http://u:a;b@w/p.pac", "http://***@w/p.pac"},
		{"http=u:a/b@p:1;https=v@q:2", "http=***@p:1;https=***@q:2"},
		{"<local>;*.corp", "<local>;*.corp"},
	} {
		if got := RedactValue(tt.in); got != tt.want {
			t.Errorf("RedactValue(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactCredentialsText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"ccproxy/state@1", "ccproxy/state@1"},
		{"write to admin@corp.example", "write to admin@corp.example"},
		{`desired.json: $.proxy: "user:pass@p:99999" port out of range`, `desired.json: $.proxy: "***@p:99999" port out of range`},
		{"proxy u:P@ssw0rd@p:8080 refused", "proxy ***@p:8080 refused"},
		{`pac "http://u:a;b,c'd@w/p.pac" unreachable`, `pac "http://***@w/p.pac" unreachable`},
		{`proxy "http=u:pa"ss,x@p:1" is bad`, `proxy "http=***@p:1" is bad`},
		{"(u:p@h)", "(***@h)"},
		{"u:se://cret@h", "***@h"},
		{"x http://h/a@b", "x http://***@b"},
		{`"u:x\\y@h"`, `"***@h"`},
	} {
		got := RedactCredentials(tt.in)
		if got != tt.want {
			t.Errorf("RedactCredentials(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := RedactCredentials(got); again != got {
			t.Errorf("not idempotent: %q -> %q", got, again)
		}
	}
}

func TestRedactJSONKeepsStructure(t *testing.T) {
	in := `{"schema":"ccproxy/state@1","proxy":"u:pa\"ss\\x@p:1","pac":"http://u:p;q@w/x","n":[1,"a@b"]}`
	got := string(RedactJSON([]byte(in)))
	want := `{"schema":"ccproxy/state@1","proxy":"***@p:1","pac":"http://***@w/x","n":[1,"a@b"]}`
	if got != want {
		t.Errorf("RedactJSON:\n got %s\nwant %s", got, want)
	}
	if !json.Valid([]byte(got)) {
		t.Errorf("not JSON: %s", got)
	}
}

// Passwords drawn over each slot's alphabet never survive that slot's redactor, nor the
// free-text one that sees the slot's value inside a message.
func TestRedactPasswordsPerSlot(t *testing.T) {
	rng := rand.New(rand.NewSource(22))
	var proxyAlphabet, urlAlphabet []byte
	for c := byte('!'); c < 0x7f; c++ {
		if c != ';' {
			proxyAlphabet = append(proxyAlphabet, c)
		}
	}
	// RFC 3986: userinfo = *( unreserved / pct-encoded / sub-delims / ":" ), and '@', '/',
	// '?', '#' and '\' as people (and WinINet) write them anyway.
	urlAlphabet = []byte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@%/?#\\")
	draw := func(alpha []byte) string {
		n := 6 + rng.Intn(14)
		b := make([]byte, n)
		for i := range b {
			b[i] = alpha[rng.Intn(len(alpha))]
		}
		return string(b)
	}
	for i := 0; i < 2000; i++ {
		pw := draw(proxyAlphabet)
		for _, v := range []string{"u:" + pw + "@p:8080", "http=u:" + pw + "@p:1;https=https://v:" + pw + "@[::1]:2", "<local>;u:" + pw + "@h"} {
			for name, got := range map[string]string{"proxy": RedactProxyList(v), "text": RedactCredentials(`proxy "` + v + `" is bad`)} {
				if strings.Contains(got, pw) || strings.Contains(got, ":"+pw[:4]) {
					t.Fatalf("%s: %q -> %q shows the password %q", name, v, got, pw)
				}
			}
		}
		pw = draw(urlAlphabet)
		for _, v := range []string{"http://u:" + pw + "@wpad/p.pac", "https://" + pw + "@h:8443/x?y#z"} {
			for name, got := range map[string]string{"url": RedactURL(v), "text": RedactCredentials(`pac "` + v + `" is bad`)} {
				if strings.Contains(got, pw) || strings.Contains(got, "//"+pw[:4]) || strings.Contains(got, ":"+pw[:4]) {
					t.Fatalf("%s: %q -> %q shows the password %q", name, v, got, pw)
				}
			}
		}
	}
}

func FuzzRedactProxyList(f *testing.F) {
	f.Add("http=", "u", "P@ss w0rd", "p:8080")
	f.Fuzz(func(t *testing.T, prefix, user, pass, host string) {
		if len(pass) < 4 || strings.ContainsAny(pass, "; \t\r\n\v\f") || strings.ContainsAny(host, "@; \t\r\n\v\f") || strings.Contains(prefix+user+host, pass) {
			return
		}
		// What the redactor keeps (the prefix, "***@" and the host) may spell the password by
		// chance ("@000" against the host "000100"): that is not the password shown.
		if strings.Contains(prefix+"***@"+host, pass) {
			return
		}
		got := RedactProxyList(prefix + user + ":" + pass + "@" + host)
		if strings.Contains(got, pass) {
			t.Fatalf("%q shows %q", got, pass)
		}
	})
}

func FuzzRedactURL(f *testing.F) {
	f.Add("http", "u", "P@ss;w0rd,'=", "wpad.corp.example/p.pac")
	f.Fuzz(func(t *testing.T, scheme, user, pass, rest string) {
		// RFC 3986 userinfo characters, '@' included, and the unencoded / ? # \ that Windows
		// takes; the host and path hold no '@' here.
		ok := func(s string) bool {
			for i := 0; i < len(s); i++ {
				if strings.IndexByte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@%/?#\\", s[i]) < 0 {
					return false
				}
			}
			return true
		}
		if len(pass) < 4 || !ok(pass) || !ok(user) || !isSchemeName(scheme) || strings.ContainsAny(rest, "@") || strings.Contains(scheme+user+rest, pass) {
			return
		}
		// What the redactor keeps may spell the password by chance (the scheme "A000" and the
		// kept "://" spell "000:"): that is not the password shown.
		if strings.Contains("pac "+scheme+"://***@"+rest+" failed", pass) {
			return
		}
		u := scheme + "://" + user + ":" + pass + "@" + rest
		for name, got := range map[string]string{"url": RedactURL(u), "value": RedactValue(u), "text": RedactCredentials("pac " + u + " failed")} {
			if strings.Contains(got, pass) {
				t.Fatalf("%s: %q -> %q shows %q", name, u, got, pass)
			}
		}
	})
}
