package probe

import (
	"net"
	"strconv"
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	cases := []struct {
		in, source string
		host       string
		port       int
		kind, path string
		err        string
	}{
		{"trust.citrixworkspacesapi.net", SourceHost, "trust.citrixworkspacesapi.net", 443, KindHTTPS, "", ""},
		{"Citrix.Cloud.COM:8443", SourceHost, "citrix.cloud.com", 8443, KindHTTPS, "", ""},
		{"https://agenthub.citrixworkspacesapi.net/root/ping", SourceHost, "agenthub.citrixworkspacesapi.net", 443, KindHTTPS, "/root/ping", ""},
		{"http://ocsp.digicert.com", SourceHost, "ocsp.digicert.com", 80, KindHTTP, "", ""},
		{"http://crl3.digicert.com:8080/DigiCertGlobalRootG2.crl?x=1", SourceHost, "crl3.digicert.com", 8080, KindHTTP, "/DigiCertGlobalRootG2.crl?x=1", ""},
		{"[2001:db8::1]:443", SourceHost, "2001:db8::1", 443, KindHTTPS, "", ""},
		{"2001:db8::1", SourceHost, "2001:db8::1", 443, KindHTTPS, "", ""},
		{"10.0.0.5", SourceInternal, "10.0.0.5", 443, KindTCP, "", ""},
		{"dc01.corp.example:389", SourceInternal, "dc01.corp.example", 389, KindTCP, "", ""},
		{"vda_01:3389", SourceInternal, "vda_01", 3389, KindTCP, "", ""},
		{"https://hv01.corp.example", SourceInternal, "hv01.corp.example", 443, KindHTTPS, "", ""},
		{"", SourceHost, "", 0, "", "", "empty"},
		{"host:0", SourceHost, "", 0, "", "", "port must be"},
		{"host:65536", SourceHost, "", 0, "", "", "port must be"},
		{"host:+1", SourceHost, "", 0, "", "", "port must be"},
		{"*.cloud.com", SourceHost, "", 0, "", "", "wildcard"},
		{"a b", SourceHost, "", 0, "", "", "white space"},
		{"a;b", SourceHost, "", 0, "", "", "separator"},
		{"ftp://x", SourceHost, "", 0, "", "", "only http:// and https://"},
		{"https://u:p@x", SourceHost, "", 0, "", "", "user name or password"},
		{"x/path", SourceHost, "", 0, "", "", "needs a full URL"},
		{"[::1", SourceHost, "", 0, "", "", "unclosed"},
		{"[10.0.0.1]:443", SourceHost, "", 0, "", "", "not an IPv6 address"},
		{"a..b", SourceHost, "", 0, "", "", "empty label"},
		{"fe80::1%eth0", SourceHost, "", 0, "", "", "not a host name or IPv6"},
		{"h\u00e9.example", SourceHost, "", 0, "", "", "non-ASCII"},
	}
	for _, c := range cases {
		got, err := ParseTarget(c.in, c.source)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseTarget(%q) error %v, want one containing %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseTarget(%q): %v", c.in, err)
			continue
		}
		// An internal host without a port is checked for its route only (R7): its connection
		// is informative; HOST:PORT and URLs require the port to answer.
		wantRequired := c.source != SourceInternal || strings.Contains(c.in, "://") || strings.Contains(strings.TrimPrefix(c.in, "["), "]:") || strings.Count(c.in, ":") == 1
		if got.Host != c.host || got.Port != c.port || got.Kind != c.kind || got.HealthPath != c.path || got.Source != c.source || got.Required != wantRequired {
			t.Errorf("ParseTarget(%q) = %+v", c.in, got)
		}
		if got.ExpectDirect != (c.source == SourceInternal) {
			t.Errorf("ParseTarget(%q) expectDirect %v", c.in, got.ExpectDirect)
		}
	}
}

func TestParseResolve(t *testing.T) {
	h, a, err := ParseResolve("DC01.corp.example=10.0.0.5,[fd00::5]")
	if err != nil || h != "dc01.corp.example" || strings.Join(a, " ") != "10.0.0.5 fd00::5" {
		t.Errorf("got %q %v %v", h, a, err)
	}
	for _, bad := range []string{"dc01", "=10.0.0.1", "dc01=", "dc01=host", "10.0.0.1=10.0.0.2", "*.x=1.2.3.4"} {
		if _, _, err := ParseResolve(bad); err == nil {
			t.Errorf("ParseResolve(%q) accepted", bad)
		}
	}
}

func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{
		"trust.citrixworkspacesapi.net", "citrix.cloud.com:443", "https://agenthub.citrixworkspacesapi.net/root/ping",
		"http://ocsp.digicert.com", "[2001:db8::1]:8443", "2001:db8::1", "10.0.0.5:389", "<customer>.xendesktop.net",
		"https://[::1]:1/%41?q", "host:", "[::1]x", "http://:80",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, internal bool) {
		source := SourceHost
		if internal {
			source = SourceInternal
		}
		tg, err := ParseTarget(s, source)
		if err != nil {
			return
		}
		if tg.Host == "" || tg.Port < 1 || tg.Port > 65535 {
			t.Fatalf("ParseTarget(%q) = %+v", s, tg)
		}
		// The address it dials reads back as the same host and port.
		back, err := ParseTarget(tg.Address(), source)
		if err != nil || back.Host != tg.Host || back.Port != tg.Port {
			t.Fatalf("ParseTarget(%q) = %s:%d, its address %q reads back as %+v, %v", s, tg.Host, tg.Port, tg.Address(), back, err)
		}
		h, p, err := net.SplitHostPort(tg.Address())
		if err != nil || h != tg.Host || p != strconv.Itoa(tg.Port) {
			t.Fatalf("address %q does not split into %s and %d", tg.Address(), tg.Host, tg.Port)
		}
	})
}

func FuzzParseResolve(f *testing.F) {
	for _, s := range []string{"dc01.corp.example=10.0.0.5", "h=1.2.3.4,::1", "h=[fd00::1]", "=", "h=", "h=1.2.3.4,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, addrs, err := ParseResolve(s)
		if err != nil {
			return
		}
		if h == "" || len(addrs) == 0 || h != strings.ToLower(h) {
			t.Fatalf("ParseResolve(%q) = %q %v", s, h, addrs)
		}
		for _, a := range addrs {
			if net.ParseIP(a) == nil {
				t.Fatalf("ParseResolve(%q) address %q", s, a)
			}
		}
	})
}
