package tests

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"ccproxy/model"
	"ccproxy/probe"
	"ccproxy/probe/probetest"
)

// regBlob is a .reg line holding a connection-settings blob.
func regBlob(t *testing.T, name string, b model.ConnBlob) string {
	t.Helper()
	data, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	hex := make([]string, len(data))
	for i, c := range data {
		hex[i] = fmt.Sprintf("%02x", c)
	}
	return `"` + name + `"=hex:` + strings.Join(hex, ",") + "\r\n"
}

// compareMachine is a connector machine whose ways to route lead to different proxies:
// WinHTTP (legacy and advanced) to one, SYSTEM's Internet Options to another, NETWORK
// SERVICE's to automatic detection.
func compareMachine(t *testing.T, l *checkLab, name, winhttpProxy, systemProxy string) (reg, adv string) {
	t.Helper()
	wininet := func(flags uint32, proxy string) string {
		return regBlob(t, "DefaultConnectionSettings", model.ConnBlob{Version: model.WinINetVersionIE7, Counter: 3, Flags: flags, Proxy: proxy, Bypass: "<local>", WinINet: true, Trailing: model.NewWinINetTrailing(model.WinINetVersionIE7)})
	}
	s := regHeader + winhttpKey + "\r\n" +
		regBlob(t, "WinHttpSettings", model.ConnBlob{Version: model.WinHTTPVersionNew, Flags: model.FlagDirect | model.FlagProxy, Proxy: winhttpProxy, Bypass: "<local>"}) + "\r\n" +
		`[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\CitrixWorkspaceCloudAgentSystem]` + "\r\n" + `"ObjectName"="LocalSystem"` + "\r\n" + `"Start"=dword:00000002` + "\r\n\r\n" +
		`[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\CitrixConfigSyncService]` + "\r\n" + `"ObjectName"="NT AUTHORITY\\NetworkService"` + "\r\n" + `"Start"=dword:00000002` + "\r\n\r\n" +
		`[HKEY_USERS\.DEFAULT\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections]` + "\r\n" + wininet(model.FlagDirect|model.FlagProxy, systemProxy) + "\r\n" +
		`[HKEY_USERS\S-1-5-20\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections]` + "\r\n" + wininet(model.FlagDirect|model.FlagAutoDetect, "") + "\r\n"
	reg = checkWrite(t, l.dir, name+".reg", planUTF16(s))
	adv = checkWrite(t, l.dir, name+"-advproxy.txt", []byte("\r\nCurrent WinHTTP advanced proxy settings:\r\n\r\n{\r\n\t\"ProxyIsEnabled\":\ttrue,\r\n\t\"Proxy\":\t\""+winhttpProxy+"\",\r\n\t\"ProxyBypass\":\t\"<local>\",\r\n\t\"AutoDetect\":\tfalse\r\n}\r\n"))
	return reg, adv
}

// resolveAll sends every lab host to addr on direct routes.
func resolveAll(addr string) []string {
	var out []string
	for _, h := range []string{"citrix.cloud.com", "trust.citrixworkspacesapi.net", "registry.citrixworkspacesapi.net", "agenthub.citrixworkspacesapi.net", "ocsp.digicert.com"} {
		out = append(out, "--resolve", h+"="+addr)
	}
	return out
}

// The services' proxy wants authentication, SYSTEM's own proxy works, direct is refused
// and the proxy to try refuses CONNECT to an IP address: --compare says which route works,
// probes the route WinHTTP's two settings share once, and names the fix.
func TestCheckCompareRoutes(t *testing.T) {
	l := newCheckLab(t)
	auth := checkProxy(t, probetest.ProxyOptions{Mode: probetest.AuthRequired})
	good := checkProxy(t, probetest.ProxyOptions{Mode: probetest.Tunnel})
	noIP := checkProxy(t, probetest.ProxyOptions{Mode: probetest.Tunnel, RefuseIPLiterals: true})
	reg, adv := compareMachine(t, l, "machine", auth.Addr, good.Addr)
	// Nothing listens on 127.0.0.2 at the lab's ports: direct connections are refused.
	args := append([]string{"--from", reg, "--user", "system", "--advproxy", adv, "--compare", "--proxy", noIP.Addr, "--ip-literal", "192.0.2.10:" + strconv.Itoa(l.up.Port)}, resolveAll("127.0.0.2")...)
	r, doc := l.run(t, args...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (the main route, --proxy, fails R8): %s", r.code, r.stdout)
	}
	// With --proxy the top of the document is that proxy's run, as without --compare.
	checkExpect(t, doc, map[string]string{"routing.source": "proxyFlag", "ipLiteral.proxyRefuses": "true", "allRequiredReachable": "true"})
	checkExpect(t, doc, map[string]string{
		"compare.candidates.#.id":     `["winhttp","advanced","wininet:S-1-5-20","wininet:S-1-5-18","direct","proxyFlag"]`,
		"compare.candidates.#.route":  `["winhttp","winhttp",null,"wininet:S-1-5-18","direct","proxyFlag"]`,
		"compare.candidates.2.known":  "false",
		"compare.routes.#.id":         `["winhttp","wininet:S-1-5-18","direct","proxyFlag"]`,
		"compare.routes.0.candidates": `["winhttp","advanced"]`,
		"compare.routes.#.pass":       `[false,true,false,false]`,
		"compare.routes.1.proxy":      good.Addr,
		"compare.routes.1.bypass":     "<local>",
		"compare.routes.2.proxy":      "",
		"compare.working":             `["wininet:S-1-5-18"]`,
		"compare.fix":                 "",
	})
	if why := doc.Get("compare.candidates.2.reason").String(); !strings.Contains(why, "WPAD") {
		t.Errorf("the auto-detecting account's reason %q does not say WPAD", why)
	}
	fails := map[string]string{"winhttp": "proxyAuthRequired", "direct": "tcpRefused", "wininet:S-1-5-18": ""}
	for id, want := range fails {
		route := doc.Get(`compare.routes.#(id=="` + id + `")`)
		if n := route.Get("endpoints.#").Int(); n != 5 {
			t.Errorf("%s: %d endpoints, want 5", id, n)
		}
		for _, e := range route.Get("endpoints").Array() {
			if got := e.Get("failure").String(); got != want {
				t.Errorf("%s %s: failure %q, want %q", id, e.Get("host"), got, want)
			}
		}
	}
	checkExpect(t, doc, map[string]string{`compare.routes.#(id=="direct").endpoints.0.direct`: "true", `compare.routes.#(id=="winhttp").endpoints.0.proxy`: auth.Addr})
	if m := doc.Get("compare.message").String(); !strings.Contains(m, "1 of 4 distinct routes pass") || !strings.Contains(m, "not probed: wininet:S-1-5-20") {
		t.Errorf("message %q", m)
	}

	// Without --proxy the main route is the services' own: it fails, and the fix names the
	// route that works.
	args = append([]string{"--from", reg, "--user", "system", "--advproxy", adv, "--compare", "--ip-literal", "192.0.2.10:" + strconv.Itoa(l.up.Port)}, resolveAll("127.0.0.2")...)
	r, doc = l.run(t, args...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	want := "ccproxy plan --proxy " + good.Addr + ` --bypass "<local>"`
	checkExpect(t, doc, map[string]string{"routing.source": "winhttp", "routing.proxy": auth.Addr, "counts.failed": "5", "compare.fix": want, "compare.routes.#": "3"})
	if m := doc.Get("compare.message").String(); !strings.Contains(m, "the main route (winhttp, advanced) fails") || !strings.Contains(m, want) {
		t.Errorf("message %q", m)
	}
	// test judges the services' route from that check and takes its fix.
	checkDoc := checkWrite(t, l.dir, "check.json", r.stdout)
	tr := run(t, nil, "test", "--from", reg, "--user", "system", "--check", checkDoc)
	f := gjson.GetBytes(tr.stdout, `findings.#(id=="servicesRouteReaches")`)
	checkExpect(t, f, map[string]string{"status": "fail", "remediation.command": want, "requirements.#": "3", "requirements.2": "R8"})
	if m := f.Get("message").String(); !strings.Contains(m, "0 of 5 required endpoints reached") || !strings.Contains(m, "wininet:S-1-5-18") {
		t.Errorf("message %q", m)
	}
	if tr.code != 1 {
		t.Errorf("test exit %d, want 1", tr.code)
	}
	// A fix that is not the command ccproxy writes for a working route of the document is
	// never passed on as the next step: the document is input.
	forged := strings.Replace(string(r.stdout), strconv.Quote(want)[1:len(strconv.Quote(want))-1], `ccproxy plan --direct; Remove-Item -Recurse C:\\Windows`, -1)
	if forged == string(r.stdout) {
		t.Fatal("the fix was not found in the document to forge it")
	}
	tr = run(t, nil, "test", "--from", reg, "--user", "system", "--check", checkWrite(t, l.dir, "forged.json", []byte(forged)), "--format", "json")
	f = gjson.GetBytes(tr.stdout, `findings.#(id=="servicesRouteReaches")`)
	if f.Get("status").String() != "fail" || strings.Contains(f.Get("remediation").Raw, "Remove-Item") || f.Get("remediation.command").String() != "" {
		t.Errorf("a forged fix was taken: %s", f.Raw)
	}
	// The same check judged against a machine whose WinHTTP now names the working proxy is
	// of another configuration: not checked, never a pass.
	fixed, _ := compareMachine(t, l, "fixed", good.Addr, good.Addr)
	tr = run(t, nil, "test", "--from", fixed, "--user", "system", "--check", checkDoc)
	f = gjson.GetBytes(tr.stdout, `findings.#(id=="servicesRouteReaches")`)
	if f.Get("status").String() != "notChecked" || !strings.Contains(f.Get("message").String(), "another configuration") {
		t.Errorf("stale check: %s", f.Raw)
	}

	// The text form says the same.
	tr = run(t, nil, append([]string{"check", "--catalog", l.catalog, "--ca-file", l.caFile, "--format", "text", "--from", reg, "--user", "system", "--advproxy", adv,
		"--compare", "--ip-literal", "192.0.2.10:" + strconv.Itoa(l.up.Port)}, resolveAll("127.0.0.2")...)...)
	for _, s := range []string{"routes compared", "wininet:S-1-5-18", "not probed", want} {
		if !strings.Contains(string(tr.stdout), s) {
			t.Errorf("text lacks %q:\n%s", s, tr.stdout)
		}
	}
}

// When direct works and the services' proxy too, every route passes and there is no fix.
func TestCheckCompareAllPass(t *testing.T) {
	l := newCheckLab(t)
	good := checkProxy(t, probetest.ProxyOptions{Mode: probetest.Tunnel})
	reg, _ := compareMachine(t, l, "fixed", good.Addr, good.Addr)
	r, doc := l.run(t, append([]string{"--from", reg, "--user", "system", "--compare", "--ip-literal", "192.0.2.10:" + strconv.Itoa(l.up.Port)}, resolveAll("127.0.0.1")...)...)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0: %s", r.code, r.stdout)
	}
	checkExpect(t, doc, map[string]string{
		// The source holds no advanced settings: not probed, with the reason.
		"compare.candidates.1.known": "false",
		// WinHTTP and SYSTEM's Internet Options name the same proxy and bypass list: one route.
		"compare.routes.#.id":         `["winhttp","direct"]`,
		"compare.routes.0.candidates": `["winhttp","wininet:S-1-5-18"]`,
		"compare.working":             `["winhttp","wininet:S-1-5-18","direct"]`,
		"compare.fix":                 "",
		"ok":                          "true",
	})
	tr := run(t, nil, "test", "--from", reg, "--user", "system", "--check", checkWrite(t, l.dir, "check.json", r.stdout))
	if f := gjson.GetBytes(tr.stdout, `findings.#(id=="servicesRouteReaches")`); f.Get("status").String() != "pass" || f.Get("remediation").Type.String() != "Null" {
		t.Errorf("a passing check: %s", f.Raw)
	}
	// A check of direct access says nothing of a machine whose WinHTTP now names a proxy.
	direct := `{"schema":"ccproxy/check@1","routing":{"source":"winhttp","proxy":null},"startedAt":"2026-01-01T00:00:00Z","ok":true,"counts":{"required":1,"requiredPassed":1}}`
	tr = run(t, nil, "test", "--from", reg, "--user", "system", "--check", checkWrite(t, l.dir, "direct-check.json", []byte(direct)))
	if f := gjson.GetBytes(tr.stdout, `findings.#(id=="servicesRouteReaches")`); f.Get("status").String() != "notChecked" {
		t.Errorf("a direct check of a proxied machine: %s", f.Raw)
	}
	// A check of --proxy says nothing of the services' route.
	r, _ = l.run(t, "--proxy", good.Addr, "--ip-literal", "192.0.2.10:"+strconv.Itoa(l.up.Port))
	tr = run(t, nil, "test", "--from", reg, "--user", "system", "--check", checkWrite(t, l.dir, "proxy-check.json", r.stdout))
	if f := gjson.GetBytes(tr.stdout, `findings.#(id=="servicesRouteReaches")`); f.Get("status").String() != "notChecked" || !strings.Contains(f.Get("message").String(), "--proxy") {
		t.Errorf("a check of --proxy: %s", f.Raw)
	}
	// Without --compare the document has no compare object.
	_, doc = l.run(t, "--from", reg, "--user", "system", "--ip-literal", "192.0.2.10:"+strconv.Itoa(l.up.Port))
	if c := doc.Get("compare"); c.Type.String() != "Null" {
		t.Errorf("compare without --compare: %s", c.Raw)
	}
}

// --service-bus probes the namespace on 443 as the catalog's Service Bus entry requires and
// on Azure Relay's other ports as optional, labelled as not Citrix-documented.
func TestCheckServiceBusPorts(t *testing.T) {
	l := newCheckLab(t)
	host := "cc-example.servicebus.windows.net"
	args := append([]string{"--direct", "--service-bus", "cc-example", "--resolve", host + "=127.0.0.2"}, resolveAll("127.0.0.1")...)
	r, doc := l.run(t, args...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (nothing answers for the namespace on 443)", r.code)
	}
	sb := doc.Get(`endpoints.#(source=="serviceBus")#`)
	if got := sb.Get("#.port").Raw; got != "[443,5671,9350,9351,9352,9353,9354]" {
		t.Fatalf("service bus ports %s", got)
	}
	// The lab's catalog has no Service Bus entry: 443 keeps --service-bus's own purpose and
	// is required, as the embedded catalog's entry is.
	if got := sb.Get("#.required").Raw; got != "[true,false,false,false,false,false,false]" {
		t.Errorf("required %s", got)
	}
	for _, e := range sb.Array()[1:] {
		if p := e.Get("purpose").String(); !strings.Contains(p, "not in Citrix's documentation") || e.Get("kind").String() != "tcp" || e.Get("failure").String() != "tcpRefused" {
			t.Errorf("%d: %s", e.Get("port").Int(), e.Raw)
		}
	}
	// The optional ports fail without failing more than the one required endpoint.
	checkExpect(t, doc, map[string]string{"counts.required": "6", "counts.requiredPassed": "5", "counts.total": "12"})
	if r := run(t, nil, "check", "--direct", "--service-bus", "https://x.servicebus.windows.net:443"); r.code != 2 || !strings.Contains(string(r.stderr), "--service-bus") {
		t.Errorf("a URL for --service-bus: exit %d %s", r.code, r.stderr)
	}
}

// A --check that is not a check document is refused with its place, and stdin serves one input.
func TestTestCheckBadInput(t *testing.T) {
	dir := t.TempDir()
	state := run(t, nil, "get", "--from", "examples/ie-winhttp-matching.reg").stdout
	for _, c := range []struct {
		name, doc string
		want      []string
	}{
		{"wrong type", `{"schema":"ccproxy/check@1","routing":{"source":"winhttp"},"startedAt":"2026-01-01T00:00:00Z","ok":"yes","counts":{"required":1,"requiredPassed":1}}`, []string{"$.ok", "true or false"}},
		{"a state", string(state), []string{"ccproxy/state@1", "ccproxy/check@1"}},
		{"credential in a wrong slot", `{"schema":"ccproxy/check@1","routing":{"source":"winhttp","proxy":5},"startedAt":"2026-01-01T00:00:00Z","ok":false,"counts":{"required":1,"requiredPassed":0},"region":"http://alice:s3cret-pw@proxy:8080"}`, []string{"$.routing.proxy"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := checkWrite(t, dir, "check.json", []byte(c.doc))
			r := run(t, nil, "test", "--from", "examples/ie-winhttp-matching.reg", "--check", p)
			if r.code != 2 || len(r.stdout) != 0 {
				t.Fatalf("exit %d, stdout %s", r.code, r.stdout)
			}
			for _, w := range c.want {
				if !strings.Contains(string(r.stderr), w) {
					t.Errorf("stderr %s lacks %q", r.stderr, w)
				}
			}
			if strings.Contains(string(r.stderr), "s3cret") {
				t.Errorf("credential in %s", r.stderr)
			}
		})
	}
	r := run(t, []byte("{}"), "test", "--from", "-", "--check", "-")
	if r.code != 2 || !strings.Contains(string(r.stderr), "standard input is used for 2 inputs (--from - and --check -)") {
		t.Errorf("two readers of stdin: exit %d %s", r.code, r.stderr)
	}
}

// The domain names the check document's kind without importing probe: the two agree.
func TestCheckSchemaNames(t *testing.T) {
	if model.SchemaCheck != probe.SchemaCheck {
		t.Errorf("model.SchemaCheck %q, probe.SchemaCheck %q", model.SchemaCheck, probe.SchemaCheck)
	}
}
