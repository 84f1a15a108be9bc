package bypass

import (
	"strings"
	"testing"
)

func TestParseProxyEntries(t *testing.T) {
	tests := []struct {
		in      string
		want    ProxyEntry
		noteHas string
	}{
		{"proxy.corp.example:8080", ProxyEntry{Host: "proxy.corp.example", Port: 8080, Valid: true}, ""},
		{"Proxy.Corp.Example:8080", ProxyEntry{Host: "proxy.corp.example", Port: 8080, Valid: true}, ""},
		{"p", ProxyEntry{Host: "p", Valid: true}, "80"},
		{"http://p:8080", ProxyEntry{ProxyScheme: "http", Host: "p", Port: 8080, Valid: true}, ""},
		{"http://p:8080/", ProxyEntry{ProxyScheme: "http", Host: "p", Port: 8080, Valid: true}, ""},
		{"HTTPS://p", ProxyEntry{ProxyScheme: "https", Host: "p", Valid: true}, "443"},
		{"socks=p:1080", ProxyEntry{Scheme: "socks", Host: "p", Port: 1080, Valid: true}, ""},
		{"socks=p", ProxyEntry{Scheme: "socks", Host: "p", Valid: true}, "1080"},
		{"socks5://p:1080", ProxyEntry{ProxyScheme: "socks", Host: "p", Port: 1080, Valid: true}, "socks5"},
		{"HTTP=p:3128", ProxyEntry{Scheme: "http", Host: "p", Port: 3128, Valid: true}, ""},
		{"https=http://p:3128", ProxyEntry{Scheme: "https", ProxyScheme: "http", Host: "p", Port: 3128, Valid: true}, ""},
		{"ftp=p:21", ProxyEntry{Scheme: "ftp", Host: "p", Port: 21, Valid: true}, ""},
		{"[::1]:8080", ProxyEntry{Host: "::1", Port: 8080, Valid: true}, ""},
		{"[2001:DB8::1]", ProxyEntry{Host: "2001:db8::1", Valid: true}, "80"},
		{"10.0.0.1:3128", ProxyEntry{Host: "10.0.0.1", Port: 3128, Valid: true}, ""},
		{"user:pass@p:8080", ProxyEntry{Host: "p", Port: 8080, HasCredentials: true}, "credentials"},
		{"http://user@p:8080", ProxyEntry{ProxyScheme: "http", Host: "p", Port: 8080, HasCredentials: true}, "credentials"},
		{"http=u:p@ss@p:8080", ProxyEntry{Scheme: "http", Host: "p", Port: 8080, HasCredentials: true}, "credentials"},
		{"p:0", ProxyEntry{}, "1 to 65535"},
		{"p:65536", ProxyEntry{}, "1 to 65535"},
		{"p:99999", ProxyEntry{}, "1 to 65535"},
		{"p:", ProxyEntry{}, "1 to 65535"},
		{"p:http", ProxyEntry{}, "1 to 65535"},
		{"::1:8080", ProxyEntry{}, "brackets"},
		{"[::1", ProxyEntry{}, "unclosed"},
		{"[p]:80", ProxyEntry{}, "IPv6"},
		{"gopher=p:70", ProxyEntry{Scheme: "gopher"}, "unknown scheme"},
		{"ftp://p:21", ProxyEntry{}, "unknown proxy scheme"},
		{"http://p:8080/path", ProxyEntry{ProxyScheme: "http"}, "path"},
		{"http=", ProxyEntry{Scheme: "http"}, "no proxy host"},
		{":8080", ProxyEntry{}, "no proxy host"},
		{"pro*xy:80", ProxyEntry{}, "not a host"},
		{"prox,y:80", ProxyEntry{}, "not a host"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p := ParseProxy(tt.in)
			if len(p.Entries) != 1 {
				t.Fatalf("got %d entries", len(p.Entries))
			}
			got := p.Entries[0]
			note := got.Note
			got.Note = ""
			if got != tt.want {
				t.Errorf("got %+v, want %+v (note %q)", got, tt.want, note)
			}
			if !strings.Contains(note, tt.noteHas) {
				t.Errorf("note %q, want it to mention %q", note, tt.noteHas)
			}
			if !got.Valid && note == "" {
				t.Errorf("an invalid entry needs a note")
			}
		})
	}
}

func TestParseProxyIEPerScheme(t *testing.T) {
	p := ParseProxy("ftp=p:3128;http=p:3128;https=p:3128;socks=p:1080")
	want := []string{"ftp", "http", "https", "socks"}
	if len(p.Entries) != len(want) {
		t.Fatalf("got %+v", p.Entries)
	}
	for i, s := range want {
		if e := p.Entries[i]; e.Scheme != s || !e.Valid || e.Host != "p" {
			t.Errorf("entry %d = %+v, want scheme %s", i, e, s)
		}
	}
	if p.String() != "ftp=p:3128;http=p:3128;https=p:3128;socks=p:1080" {
		t.Errorf("String() = %q", p.String())
	}
}

func TestParseProxySeparatorsAndDuplicates(t *testing.T) {
	p := ParseProxy("  http=a:1   https=b:2 ;; http=c:3 ")
	if len(p.Entries) != 3 {
		t.Fatalf("got %+v", p.Entries)
	}
	if !strings.Contains(p.Entries[2].Note, "only the first") {
		t.Errorf("duplicate not noted: %q", p.Entries[2].Note)
	}
	if e := p.For("http"); e == nil || e.Host != "a" {
		t.Errorf("For(http) = %+v, want a", e)
	}
	if len(ParseProxy("").Entries) != 0 || len(ParseProxy(" ; ").Entries) != 0 {
		t.Errorf("empty proxy strings should have no entries")
	}
}

func TestProxyFor(t *testing.T) {
	tests := []struct {
		proxy  string
		scheme string
		want   string // Address of the chosen entry, "" for direct
	}{
		{"p:8080", "http", "p:8080"},
		{"p:8080", "https", "p:8080"},
		{"p:8080", "HTTPS", "p:8080"},
		{"http=h:1;https=s:2", "http", "h:1"},
		{"http=h:1;https=s:2", "https", "s:2"},
		{"http=h:1", "https", ""},
		{"https=s:2", "http", ""},
		{"http=h:1;b:9", "https", "b:9"},
		{"b:9;http=h:1", "http", "h:1"},
		{"socks=k:1080", "http", ""},
		{"socks=k:1080", "https", ""},
		{"socks=k:1080", "socks", "k:1080"},
		{"socks=k:1080;b:9", "https", "b:9"},
		{"", "https", ""},
		{"http=p:99999", "http", ""}, // invalid entries are still chosen; their Address is empty
		{"[::1]:3128", "https", "[::1]:3128"},
	}
	for _, tt := range tests {
		p := ParseProxy(tt.proxy)
		e := p.For(tt.scheme)
		got := ""
		if e != nil {
			got = e.Address()
		}
		if got != tt.want {
			t.Errorf("ParseProxy(%q).For(%q) = %q, want %q", tt.proxy, tt.scheme, got, tt.want)
		}
	}
	if e := ParseProxy("http=p:99999").For("http"); e == nil || e.Valid {
		t.Errorf("For should return the invalid http entry so callers can report it, got %+v", e)
	}
}

func TestProxyEffectivePort(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"p", 80}, {"p:3128", 3128}, {"https://p", 443}, {"socks=p", 1080}, {"socks://p", 1080}, {"http=socks://p", 1080},
	}
	for _, tt := range tests {
		if got := ParseProxy(tt.in).Entries[0].EffectivePort(); got != tt.want {
			t.Errorf("%q: EffectivePort = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestRedactCredentials(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"p:8080", "p:8080"},
		{"user:pass@p:8080", "***@p:8080"},
		{"user@p:8080", "***@p:8080"},
		{"@p:8080", "***@p:8080"},
		{"http://user:pass@p:8080", "http://***@p:8080"},
		{"http=user:pass@p:8080;https=https://u:p@q:1", "http=***@p:8080;https=https://***@q:1"},
		{"u:p@ss:w/rd@p:8080", "***@p:8080"},
		{"u:pa=ss@p", "***@p"},
		{"u:pa://ss@p", "***@p"},
		{"user:pass@[::1]:8080", "***@[::1]:8080"},
		{"a user:x@p b", "a ***@p b"},
		{"u:P@ssw0rd@p:8080", "***@p:8080"},
		{`u:a"b,c'd=e/f@p:1 g:h@q`, "***@p:1 ***@q"},
		{"***@p", "***@p"},
		{"http://***@p", "http://***@p"},
	}
	for _, tt := range tests {
		got := RedactCredentials(tt.in)
		if got != tt.want {
			t.Errorf("RedactCredentials(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := RedactCredentials(got); again != got {
			t.Errorf("not idempotent: %q -> %q", got, again)
		}
	}
}

func TestParseProxyRawRedacted(t *testing.T) {
	p := ParseProxy("http=alice:S3cret!@p:8080;https=https://bob:hunter2@q:443")
	if strings.Contains(p.Raw, "S3cret") || strings.Contains(p.Raw, "hunter2") || strings.Contains(p.Raw, "alice") {
		t.Errorf("Raw leaks credentials: %q", p.Raw)
	}
	if p.Raw != "http=***@p:8080;https=https://***@q:443" {
		t.Errorf("Raw = %q", p.Raw)
	}
	for _, e := range p.Entries {
		if !e.HasCredentials || strings.Contains(e.Host, "@") || strings.Contains(e.Note, "S3cret") {
			t.Errorf("entry %+v", e)
		}
	}
	if s := p.String(); strings.Contains(s, "@") {
		t.Errorf("String() keeps userinfo: %q", s)
	}
}
