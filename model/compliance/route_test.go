package compliance

import (
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"

	"ccproxy/model"
	"ccproxy/model/bypass"
)

func exitCode(err error) int {
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return -1
}

func TestRoute(t *testing.T) {
	st := machine{
		native: proxied("http=p.corp.example:3128;https=p.corp.example:3129", "<local>;*.corp.example;10.*;https://secure.example:8443"),
		wow64:  direct(),
		ie:     ie(model.FlagDirect|model.FlagProxy|model.FlagAutoDetect, "ie.corp.example:8080", "*.ie.example", ""),
	}.state(t)
	d, err := Route(st, bypass.StackWinHTTP, "", []string{"https://citrix.cloud.com", "http://ocsp.digicert.com", "DC01.corp.example", "10.2.3.4", "https://secure.example:8443/x", "https://secure.example", "localhost:8080"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Schema != SchemaRoute || d.Settings.Stack != "winhttp" || *d.Settings.View != ViewNative || *d.Settings.Mode != "proxy" || !strings.Contains(d.Settings.Detail, "services") {
		t.Errorf("settings %+v", d.Settings)
	}
	type row struct {
		decision, proxy, reason, entry string
		port                           int
		note                           string
	}
	want := []row{
		{"proxy", "p.corp.example:3129", "noMatch", "", 443, ""},
		{"proxy", "p.corp.example:3128", "noMatch", "", 80, ""},
		{"direct", "", "entry", "*.corp.example", 443, ""},
		{"direct", "", "entry", "10.*", 443, "left-most"},
		{"direct", "", "entry", "https://secure.example:8443", 8443, ""},
		{"proxy", "p.corp.example:3129", "noMatch", "", 443, ""},
		{"direct", "", "loopback", "", 8080, ""},
	}
	for i, w := range want {
		r := d.Routes[i]
		proxy := ""
		if r.Proxy != nil {
			proxy = r.Proxy.Address
		}
		if r.Decision != w.decision || proxy != w.proxy || r.Bypass.Reason != w.reason || str(r.Bypass.Entry) != w.entry || r.Port != w.port {
			t.Errorf("%s: got %s %s %s %q port %d, want %+v", r.Input, r.Decision, proxy, r.Bypass.Reason, str(r.Bypass.Entry), r.Port, w)
		}
		if w.note != "" && !strings.Contains(strings.Join(r.Notes, " "), w.note) {
			t.Errorf("%s: notes %v, want %q", r.Input, r.Notes, w.note)
		}
		if r.Notes == nil {
			t.Errorf("%s: nil notes", r.Input)
		}
	}

	w, err := Route(st, bypass.StackWinHTTP, ViewWOW64, []string{"citrix.cloud.com"})
	if err != nil || w.Routes[0].Decision != "direct" || !strings.Contains(w.Settings.Detail, "32-bit") {
		t.Errorf("wow64 view: %+v, %v", w, err)
	}
	i, err := Route(st, bypass.StackWinINet, "", []string{"citrix.cloud.com", "a.ie.example", "10.2.3.4"})
	if err != nil {
		t.Fatal(err)
	}
	if i.Settings.View != nil || !strings.Contains(strings.Join(i.Settings.Notes, " "), "auto-detect") || i.Routes[0].Proxy.Address != "ie.corp.example:8080" || i.Routes[1].Decision != "direct" || i.Routes[2].Decision != "proxy" {
		t.Errorf("wininet: %+v", i)
	}
	if strings.Contains(strings.Join(i.Routes[1].Notes, " "), "left-most") {
		t.Error("a WinINet decision carries WinHTTP's wildcard note")
	}
}

func TestRouteErrors(t *testing.T) {
	netsh := machine{native: proxied("p:8080", ""), noWOW64Key: true, noIE: true}.state(t)
	for _, tt := range []struct {
		stack bypass.Stack
		view  string
		url   string
		want  string
	}{
		{bypass.StackWinINet, "", "a.com", "holds no WinINet"},
		{bypass.StackWinHTTP, ViewWOW64, "a.com", "holds no 32-bit (WOW6432Node) WinHTTP settings"},
		{bypass.StackWinHTTP, "", "ftp://a.com", `scheme "ftp"`},
		{bypass.StackWinHTTP, "", "", "empty"},
		{bypass.Stack("dns"), "", "a.com", "not a stack"},
	} {
		_, err := Route(netsh, tt.stack, tt.view, []string{tt.url})
		if err == nil || !strings.Contains(err.Error(), tt.want) || exitCode(err) != 2 {
			t.Errorf("%s %s %q: %v (exit %d), want %q", tt.stack, tt.view, tt.url, err, exitCode(err), tt.want)
		}
	}
	bad := machine{rawNative: []byte{1, 2}, noWOW64Key: true, noIE: true, live: true}.state(t)
	if _, err := Route(bad, bypass.StackWinHTTP, "", []string{"a.com"}); err == nil || !strings.Contains(err.Error(), "cannot be decoded") {
		t.Errorf("undecodable value: %v", err)
	}
}

// manyHosts is a spread of names and addresses: bypassed by each kind of entry, by none,
// by <local>, loopback, IPv6, with ports and schemes.
func manyHosts() []string {
	hosts := []string{"localhost", "127.0.0.1", "[::1]", "fileserver", "FILESERVER", "dc01", "corp.example", "x.corp.example", "a.b.corp.example",
		"10.0.0.1", "10.255.255.255", "100.1.1.1", "192.168.10.5", "192.168.1.5", "[fd00::1]", "[2001:db8::5]", "citrix.cloud.com",
		"agenthub.citrixworkspacesapi.net", "http://x.corp.example", "https://x.corp.example:8443", "http://10.1.1.1:8080", "vda-01.corp.example",
		"msn.com", "ms-update.example", "printer", "intranet.example", "a.intranet.example", "host.example:443", "http://host.example", "[fd00::1]:8443"}
	for i := 0; i < 40; i++ {
		hosts = append(hosts, fmt.Sprintf("vda%02d.corp.example", i), fmt.Sprintf("10.%d.%d.%d", i, i*3%256, i*7%256), fmt.Sprintf("srv%d.other.example", i), fmt.Sprintf("192.168.%d.%d", i%12, i))
	}
	return hosts
}

// The internal-resource check (R7) and 'route' must never disagree: a host fails the check
// exactly when route sends it through the proxy.
func TestRouteAndInternalCheckAgree(t *testing.T) {
	hosts, err := ParseInternal(manyHosts())
	if err != nil {
		t.Fatal(err)
	}
	bypassLists := []string{"", "<local>", "<local>;*.corp.example;10.*;192.168.10.*", "*.corp.example;[fd00::1];ms*;*int*", "corp.example;http://x.corp.example;10.1.1.1:8080;<-loopback>", "10.0.0.0/8;*"}
	for _, b := range bypassLists {
		for _, p := range []string{"proxy.corp.example:8080", "https=p:3128", "http=p:3128;https=p:3129"} {
			st := machine{native: proxied(p, b), wow64: direct(), ie: ie(model.FlagDirect, "", "", "")}.state(t)
			r := Evaluate(st, Options{Internal: hosts})
			d, err := Route(st, bypass.StackWinHTTP, ViewNative, hosts)
			if err != nil {
				t.Fatal(err)
			}
			got := byID(r)
			for i, h := range hosts {
				f := got[CheckInternalBypassed+":"+h]
				route := d.Routes[i]
				if (f.Status == StatusFail) != (route.Decision == "proxy") {
					t.Errorf("proxy %q bypass %q host %s: test says %s, route says %s", p, b, h, f.Status, route.Decision)
				}
				if f.Status != StatusPass && f.Status != StatusFail && f.Status != StatusWarn {
					t.Errorf("host %s: status %s", h, f.Status)
				}
			}
		}
	}
}

func TestParseInternal(t *testing.T) {
	good := map[string]string{
		"dc01.corp.example":         "dc01.corp.example",
		"  DC01.Corp.Example ":      "dc01.corp.example",
		"10.0.0.5":                  "10.0.0.5",
		"fd00::5":                   "[fd00::5]",
		"[fd00::5]:8443":            "[fd00::5]:8443",
		"https://vda.corp.example/": "https://vda.corp.example",
		"http://fd00::5":            "http://[fd00::5]",
		"host:8080":                 "host:8080",
		"fileserver":                "fileserver",
	}
	for in, want := range good {
		got, err := ParseInternal([]string{in})
		if err != nil || len(got) != 1 || got[0] != want {
			t.Errorf("ParseInternal(%q) = %v, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]string{
		"":                              "empty host name",
		"   ":                           "empty host name",
		"https://vda.corp.example/path": "a URL with a path",
		"vda.corp.example/x":            "a URL with a path",
		"vda?x=1":                       "a URL with a path, query",
		"10.0.0.0/8":                    "10.0.0.0/8 is an address range; --internal takes a host",
		"fd00::/8":                      "fd00::/8 is an address range",
		"[fd00::]/8":                    "is an address range",
		"a b":                           "separator",
		"a;b":                           "separator",
		"a,b":                           "separator",
		"*.corp.example":                "wildcard",
		"ftp://a.example":               "only http:// and https://",
		"user:pw@host":                  "user name or password",
		"host:99999":                    "port 99999 out of range",
		"!!!":                           "not a host name",
		"https://":                      "no host name",
		"a\u202eb.example":              `holds the control character \u202e`,
		"h\x01st":                       `holds the control character \x01, which no host name holds; hint: name one host`,
		"https://h\x1bst/":              `holds the control character \x1b`,
	}
	for in, want := range bad {
		_, err := ParseInternal([]string{"ok.example", in})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "--internal: ") || exitCode(err) != 2 || strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseInternal(%q) = %v (exit %d), want %q", in, err, exitCode(err), want)
		}
		if err != nil && strings.Contains(err.Error(), "pass a URL") {
			t.Errorf("ParseInternal(%q): two hints that disagree: %v", in, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Errorf("credentials echoed: %v", err)
		}
	}
	got, err := ParseInternal([]string{"a.example", "A.example", "b.example"})
	if err != nil || !reflect.DeepEqual(got, []string{"a.example", "b.example"}) {
		t.Errorf("duplicates: %v, %v", got, err)
	}
}

func TestParseInternalFile(t *testing.T) {
	text := "# domain controllers\r\ndc01.corp.example\r\n\r\n  dc02.corp.example   # second\r\n10.0.0.5\r\ndc01.corp.example\r\n"
	got, err := ParseInternalFile("hosts.txt", []byte(text))
	if err != nil || !reflect.DeepEqual(got, []string{"dc01.corp.example", "dc02.corp.example", "10.0.0.5"}) {
		t.Errorf("got %v, %v", got, err)
	}
	// Windows PowerShell 5.1's '>' writes UTF-16LE with a BOM.
	b := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(text)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	if got2, err := ParseInternalFile("hosts.txt", b); err != nil || !reflect.DeepEqual(got2, got) {
		t.Errorf("UTF-16: %v, %v", got2, err)
	}
	for _, tt := range []struct{ text, want string }{
		{"dc01\nhttps://x/y\n", `hosts.txt: line 2: "https://x/y": a URL with a path`},
		{"# nothing\n\n", "hosts.txt: no host names (only blank lines and comments)"},
		{"", "hosts.txt: no host names"},
		{"a b\n", "hosts.txt: line 1"},
	} {
		_, err := ParseInternalFile("hosts.txt", []byte(tt.text))
		if err == nil || !strings.Contains(err.Error(), tt.want) || exitCode(err) != 2 {
			t.Errorf("%q: %v, want %q", tt.text, err, tt.want)
		}
	}
}

func FuzzParseInternal(f *testing.F) {
	for _, s := range append(manyHosts(), "", "https://a/b", "*.x", "a b", "user:pw@h", "[::1", "h:0", "http://[fd00::1]:1/") {
		f.Add(s)
	}
	empty := machine{native: proxied("p:8080", "<local>"), noWOW64Key: true, noIE: true}.state(f)
	s, err := settingsFor(empty, bypass.StackWinHTTP, ViewNative)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, err := ParseInternal([]string{v})
		if err != nil {
			if exitCode(err) != 2 || strings.Contains(err.Error(), "\n") {
				t.Fatalf("%q: %v", v, err)
			}
			return
		}
		h := got[0]
		if h == "" || strings.ContainsAny(h, " ;,*@?#") {
			t.Fatalf("%q accepted as %q", v, h)
		}
		// Whatever is accepted routes, and normalising again changes nothing.
		if _, err := s.route(h); err != nil {
			t.Fatalf("%q accepted as %q, which does not route: %v", v, h, err)
		}
		again, err := ParseInternal([]string{h})
		if err != nil || again[0] != h {
			t.Fatalf("%q -> %q -> %v, %v", v, h, again, err)
		}
	})
}

func FuzzParseInternalFile(f *testing.F) {
	f.Add([]byte("# dcs\ndc01\n10.0.0.1 # x\n"))
	f.Add([]byte{0xFF, 0xFE, 'a', 0, '\n', 0})
	f.Add([]byte("https://x/y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParseInternalFile("f.txt", data)
		if err != nil {
			if exitCode(err) != 2 || strings.Contains(err.Error(), "\n") {
				t.Fatalf("%v", err)
			}
			return
		}
		if len(got) == 0 {
			t.Fatal("no hosts and no error")
		}
		if _, err := ParseInternal(got); err != nil {
			t.Fatalf("file accepted %v, flags refuse: %v", got, err)
		}
	})
}

// An internationalized internal host is checked on its IDNA form, and the fix adds that
// form, the only one a Windows bypass list can hold.
func TestInternalIDN(t *testing.T) {
	hosts, err := ParseInternal([]string{"B\u00fcCHER.lab.example"})
	if err != nil {
		t.Fatal(err)
	}
	st := machine{native: proxied("p.corp.example:8080", "<local>"), wow64: proxied("p.corp.example:8080", "<local>"), noIE: true}.state(t)
	f := byID(Evaluate(st, Options{Internal: hosts}))[CheckInternalBypassed+":"+hosts[0]]
	if f.Status != StatusFail || f.Remediation == nil || f.Remediation.Command == nil || *f.Remediation.Command != "ccproxy plan --add-bypass xn--bcher-kva.lab.example" {
		t.Errorf("%s %+v", f.Status, f.Remediation)
	}
}

// At most MaxInternal distinct internal resources: repeats do not count, one more is refused
// with an error that names the input.
func TestInternalLimit(t *testing.T) {
	var lines []string
	for i := 0; i < MaxInternal; i++ {
		lines = append(lines, fmt.Sprintf("h%d.corp.example", i))
	}
	lines = append(lines, "h0.corp.example", "H1.corp.example")
	if hosts, err := ParseInternalFile("internal.txt", []byte(strings.Join(lines, "\n"))); err != nil || len(hosts) != MaxInternal {
		t.Fatalf("%d hosts, %v", len(hosts), err)
	}
	if hosts, err := ParseInternal(lines); err != nil || len(hosts) != MaxInternal {
		t.Fatalf("flags: %d hosts, %v", len(hosts), err)
	}
	lines = append(lines, "one-more.corp.example")
	_, err := ParseInternalFile("internal.txt", []byte(strings.Join(lines, "\n")))
	var ie *model.InputError
	if !errors.As(err, &ie) || ie.Input != "internal.txt" || !strings.Contains(err.Error(), "more than 10000 internal resources") {
		t.Errorf("file: %v", err)
	}
	if _, err := ParseInternal(lines); !errors.As(err, &ie) || ie.Input != "--internal" {
		t.Errorf("flags: %v", err)
	}
}
