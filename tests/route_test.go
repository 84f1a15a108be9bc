package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"ccproxy/model"
	"ccproxy/schema/schematest"
)

func TestRouteGolden(t *testing.T) {
	for _, tt := range []struct {
		golden string
		args   []string
	}{
		{"ie-winhttp-matching", []string{"--from", "../examples/ie-winhttp-matching.reg", "https://citrix.cloud.com", "http://ocsp.digicert.com", "dc01.corp.example", "fileserver", "10.0.0.5", "https://192.168.10.20:8443/api", "localhost", "[fd00::1]"}},
		{"per-scheme-proxy", []string{"--from", "../examples/per-scheme-proxy.reg", "https://citrix.cloud.com", "http://crl3.digicert.com", "vda01.corp.example"}},
		{"per-scheme-proxy-wininet", []string{"--from", "../examples/per-scheme-proxy.reg", "--stack", "wininet", "https://citrix.cloud.com", "vda01"}},
		{"winhttp-views-disagree-wow64", []string{"--from", "../examples/winhttp-views-disagree.reg", "--view", "wow64", "https://citrix.cloud.com"}},
		{"ie-pac-only-wininet", []string{"--from", "../examples/ie-pac-only.reg", "--stack", "wininet", "https://citrix.cloud.com"}},
		{"netsh-show-proxy", []string{"--from", "../examples/netsh-show-proxy.txt", "https://citrix.cloud.com", "https://svc:secret@app.corp.example/x"}},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			r := testcmdRun(t, nil, nil, append([]string{"route"}, tt.args...)...)
			if r.code != 0 || len(r.stderr) != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if err := schematest.CheckContract(r.stdout); err != nil {
				t.Errorf("contract: %v", err)
			}
			if err := schematest.Validate(r.stdout); err != nil {
				t.Errorf("schema: %v", err)
			}
			if strings.Contains(string(r.stdout), "secret") {
				t.Error("credentials in the output")
			}
			golden(t, filepath.Join("route", tt.golden+".json"), r.stdout)
		})
	}
}

func TestRouteDecisions(t *testing.T) {
	r := testcmdRun(t, nil, nil, "route", "--from", "../examples/ie-winhttp-matching.reg", "--compress", "https://citrix.cloud.com", "dc01.corp.example", "10.0.20.15")
	doc := gjson.ParseBytes(r.stdout)
	for i, want := range []string{"proxy|proxy.corp.example:8080|noMatch|", "direct||entry|*.corp.example", "direct||entry|10.0.20.15"} {
		x := doc.Get(fmt.Sprintf("routes.%d", i))
		got := strings.Join([]string{x.Get("decision").String(), x.Get("proxy.address").String(), x.Get("bypass.reason").String(), x.Get("bypass.entry").String()}, "|")
		if got != want {
			t.Errorf("route %d: %s, want %s", i, got, want)
		}
	}
	// The example's entries are ones WinHTTP honours: no caveat on any decision.
	for i := 0; i < 3; i++ {
		if c := doc.Get(fmt.Sprintf("routes.%d.bypass.caveat", i)); c.Type != gjson.Null {
			t.Errorf("route %d: caveat %s on the example's own entry", i, c.Raw)
		}
	}
	if doc.Get("settings.stack").String() != "winhttp" || doc.Get("settings.view").String() != "native" {
		t.Errorf("settings %s", doc.Get("settings"))
	}
}

func TestRouteErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--from", "examples/ie-winhttp-matching.reg", "ftp://files.example"}, `scheme \"ftp\"`},
		{[]string{"--from", "examples/ie-winhttp-matching.reg", "https://a b"}, "white"},
		{[]string{"--from", "examples/ie-winhttp-matching.reg", "https://svc:secret@x:99999"}, "out of range"},
		{[]string{"--from", "examples/netsh-show-proxy.txt", "--stack", "wininet", "x.example"}, "holds no WinINet"},
		{[]string{"--from", "examples/system-account-autodetect.reg", "--view", "wow64", "x.example"}, "holds no 32-bit"},
		{[]string{"--from", "examples/ie-winhttp-matching.reg"}, "url"},
		{[]string{"--from", "examples/ie-winhttp-matching.reg", "--stack", "curl", "x"}, "curl"},
	} {
		r := run(t, nil, append([]string{"route"}, tt.args...)...)
		lines := strings.Split(strings.TrimSpace(string(r.stderr)), "\n")
		if r.code != 2 || len(r.stdout) != 0 || len(lines) != 1 || !strings.Contains(lines[0], tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tt.args, r.code, r.stderr, tt.want)
		}
		if strings.Contains(string(r.stderr), "secret") {
			t.Errorf("%v: credentials on stderr", tt.args)
		}
	}
}

// routeHosts spans every way a host can meet a bypass list.
func routeHosts() []string {
	hosts := []string{"localhost", "127.0.0.1", "127.9.9.9", "[::1]", "fileserver", "FileServer", "dc01", "corp.example", "dc01.corp.example", "DC01.CORP.EXAMPLE",
		"a.b.corp.example", "corp.example.evil.example", "10.0.0.1", "10.255.0.1", "100.0.0.1", "192.168.10.1", "192.168.10.254", "192.168.100.1", "192.168.1.10",
		"[fd00::1]", "[2001:db8::10]", "citrix.cloud.com", "trust.citrixworkspacesapi.net", "http://ocsp.digicert.com", "https://x.corp.example:8443",
		"http://10.1.1.1:8080", "https://vda.corp.example", "socks.corp.example", "proxy.corp.example", "wpad", "wpad.corp.example", "host.example:80",
		"http://fileserver:8080", "[fd00::1]:8443", "xn--caf-dma.example", "a-b_c.corp.example"}
	for i := 0; i < 25; i++ {
		hosts = append(hosts, fmt.Sprintf("vda%03d.corp.example", i), fmt.Sprintf("10.%d.%d.%d", i*9%256, i*31%256, i), fmt.Sprintf("192.168.%d.%d", 8+i%4, i*10), fmt.Sprintf("app%d.partner.example", i), fmt.Sprintf("host%d", i))
	}
	return hosts
}

// 'route' and 'test --internal' must agree on every host, on every example machine and
// through the --internal-file path too: a host fails the test exactly when route sends it
// through the proxy.
func TestRouteAndTestAgree(t *testing.T) {
	hosts := routeHosts()
	list := filepath.Join(t.TempDir(), "internal.txt")
	if err := os.WriteFile(list, []byte("# every host\n"+strings.Join(hosts, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range exampleMachines(t) {
		from := "../examples/" + name
		route := testcmdRun(t, nil, nil, append([]string{"route", "--from", from, "--compress"}, hosts...)...)
		if route.code != 0 {
			t.Fatalf("%s: route exit %d: %s", name, route.code, route.stderr)
		}
		args := []string{"test", "--from", from, "--compress"}
		for _, h := range hosts {
			args = append(args, "--internal", h)
		}
		for _, run := range [][]string{args, {"test", "--from", from, "--compress", "--internal-file", list}} {
			test := testcmdRun(t, nil, nil, run...)
			if test.code != 0 && test.code != 1 {
				t.Fatalf("%s: test exit %d: %s", name, test.code, test.stderr)
			}
			status := map[string]string{}
			for _, f := range gjson.GetBytes(test.stdout, "findings").Array() {
				if f.Get("check").String() == "internalBypassed" {
					status[f.Get("subject").String()] = f.Get("status").String()
				}
			}
			checked := 0
			for _, x := range gjson.GetBytes(route.stdout, "routes").Array() {
				subject := strings.ToLower(x.Get("input").String())
				st, ok := status[subject]
				if !ok {
					t.Errorf("%s: test has no finding for %s", name, subject)
					continue
				}
				checked++
				if (st == "fail") != (x.Get("decision").String() == "proxy") {
					t.Errorf("%s: %s: test says %s, route says %s (%s)", name, subject, st, x.Get("decision"), x.Get("notes"))
				}
			}
			if checked != len(hosts) {
				t.Errorf("%s: compared %d of %d hosts", name, checked, len(hosts))
			}
		}
	}
}

// Without --from, route reads the live registry.
func TestRouteLive(t *testing.T) {
	boot := testcmdNow.Add(-time.Hour)
	proxy := &model.ConnBlob{Version: model.WinHTTPVersionNew, Flags: model.FlagDirect | model.FlagProxy, Proxy: "proxy.corp.example:8080", Bypass: "<local>;*.corp.example"}
	user := &model.ConnBlob{Version: model.WinINetVersionIE7, Flags: model.FlagDirect, WinINet: true, Trailing: make([]byte, 32)}
	live := testcmdLive(t, proxy, user, boot, boot)
	r := testcmdRun(t, nil, live, "route", "--compress", "https://citrix.cloud.com", "dc01.corp.example")
	doc := gjson.ParseBytes(r.stdout)
	if r.code != 0 || doc.Get("source.kind").String() != "registry" || doc.Get("routes.0.decision").String() != "proxy" || doc.Get("routes.1.decision").String() != "direct" {
		t.Errorf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	r = testcmdRun(t, nil, live, "route", "--stack", "wininet", "--compress", "https://citrix.cloud.com")
	if gjson.GetBytes(r.stdout, "routes.0.decision").String() != "direct" || gjson.GetBytes(r.stdout, "settings.detail").String() != `WinINet settings of CORP\admin (S-1-5-21-1-2-3-1001): the Cloud Connector installer` {
		t.Errorf("wininet: %s", r.stdout)
	}
}
