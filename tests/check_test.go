package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"ccproxy/commands"
	"ccproxy/probe"
	"ccproxy/probe/probetest"
	"ccproxy/schema/schematest"
)

// checkLab is a loopback Citrix Cloud: upstreams with certificates from a test CA that the
// test catalog declares as expected, and the files 'check' reads.
type checkLab struct {
	dir     string
	ca      *probetest.CA
	up      *probetest.Server
	expired *probetest.Server
	plain   *probetest.Server
	catalog string // ccproxy/catalog@1 file naming the hosts on the lab's ports
	caFile  string
}

func newCheckLab(t *testing.T, upstream ...probetest.UpstreamOptions) *checkLab {
	t.Helper()
	l := &checkLab{dir: t.TempDir(), ca: probetest.MustCA("ccproxy Test Root CA", "ccproxy Test")}
	var err error
	uo := probetest.UpstreamOptions{}
	if len(upstream) > 0 {
		uo = upstream[0]
	}
	if l.up, err = probetest.NewTLSUpstream(l.ca, uo); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.up.Close)
	if l.expired, err = probetest.NewTLSUpstream(l.ca, probetest.UpstreamOptions{Expired: true}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.expired.Close)
	if l.plain, err = probetest.NewHTTPUpstream(uo); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.plain.Close)
	l.caFile = checkWrite(t, l.dir, "roots.pem", l.ca.PEM())
	l.catalog = l.writeCatalog(t, "catalog.json", false)
	return l
}

// writeCatalog writes a catalog of the lab's hosts; withExpired adds one served with an
// expired certificate.
func (l *checkLab) writeCatalog(t *testing.T, name string, withExpired bool) string {
	t.Helper()
	entry := func(pattern string, hosts []string, port int, kind string, health any) map[string]any {
		return map[string]any{
			"pattern": pattern, "probeHosts": hosts, "ports": []int{port}, "purpose": "test " + pattern,
			"source": "check_test.go", "kind": kind, "expectedIssuers": []string{"ccproxy Test"}, "healthPath": health, "required": true,
		}
	}
	entries := []any{
		entry("*.citrixworkspacesapi.net", []string{"trust.citrixworkspacesapi.net", "registry.citrixworkspacesapi.net"}, l.up.Port, "https", nil),
		entry("*.citrixworkspacesapi.net", []string{"agenthub.citrixworkspacesapi.net"}, l.up.Port, "https", "/root/ping"),
		entry("*.cloud.com", []string{"citrix.cloud.com"}, l.up.Port, "https", nil),
		entry("*.digicert.com", []string{"ocsp.digicert.com"}, l.plain.Port, "revocation", nil),
	}
	if withExpired {
		entries = append(entries, entry("*.blob.core.windows.net", []string{"cwsproduction.blob.core.windows.net"}, l.expired.Port, "https", nil))
	}
	b, err := json.Marshal(map[string]any{"schema": "ccproxy/catalog@1", "regions": map[string]any{"commercial": entries}})
	if err != nil {
		t.Fatal(err)
	}
	return checkWrite(t, l.dir, name, b)
}

func checkWrite(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// netsh writes the WinHTTP state a connector with this proxy and bypass list would show.
func (l *checkLab) netsh(t *testing.T, proxy, bypassList string) string {
	t.Helper()
	text := fmt.Sprintf("\r\nCurrent WinHTTP proxy settings:\r\n\r\n    Proxy Server(s) :  %s\r\n    Bypass List     :  %s\r\n\r\n", proxy, bypassList)
	return checkWrite(t, l.dir, "netsh-"+strconv.Itoa(probetest.Port(proxy))+".txt", []byte(text))
}

func checkProxy(t *testing.T, o probetest.ProxyOptions) *probetest.Proxy {
	t.Helper()
	p, err := probetest.NewProxy(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// checkRun runs the binary with the lab's catalog and roots and checks the contract.
func (l *checkLab) run(t *testing.T, args ...string) (result, gjson.Result) {
	t.Helper()
	base := []string{"check", "--catalog", l.catalog, "--ca-file", l.caFile, "--compress"}
	r := run(t, nil, append(base, args...)...)
	if r.code == 2 || r.code == 3 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if err := schematest.CheckContract(r.stdout); err != nil {
		t.Errorf("contract: %v", err)
	}
	if err := schematest.Validate(r.stdout); err != nil {
		t.Errorf("schema: %v", err)
	}
	if len(r.stderr) != 0 {
		t.Errorf("stderr is not a terminal, yet: %s", r.stderr)
	}
	return r, gjson.ParseBytes(r.stdout)
}

func checkEndpoint(t *testing.T, doc gjson.Result, host string) gjson.Result {
	t.Helper()
	e := doc.Get(`endpoints.#(host=="` + host + `")`)
	if !e.Exists() {
		t.Fatalf("no endpoint %s in %s", host, doc.Raw)
	}
	return e
}

func checkExpect(t *testing.T, doc gjson.Result, want map[string]string) {
	t.Helper()
	for path, v := range want {
		if got := doc.Get(path); got.String() != v {
			t.Errorf("%s = %s, want %s", path, got.Raw, v)
		}
	}
}

func TestCheckTunnellingProxyAllPass(t *testing.T) {
	l := newCheckLab(t)
	p := checkProxy(t, probetest.ProxyOptions{Mode: probetest.Tunnel})
	ip := "192.0.2.10:" + strconv.Itoa(l.up.Port)
	r, doc := l.run(t, "--from", l.netsh(t, p.Addr, "<local>;*.corp.example"),
		"--internal", "dc1.corp.example:"+strconv.Itoa(l.up.Port), "--resolve", "dc1.corp.example=127.0.0.1",
		"--ip-literal", ip)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0: %s", r.code, r.stdout)
	}
	checkExpect(t, doc, map[string]string{
		"schema": "ccproxy/check@1", "ok": "true", "allRequiredReachable": "true", "allRoutesAsExpected": "true",
		"counts.total": "6", "counts.passed": "6", "endpoints.#": "6",
		"routing.source": "winhttp", "routing.proxy": p.Addr, "routing.bypass": "<local>;*.corp.example",
		"catalog.source": "file", "catalog.entries": "5", "interception.verdict": "none",
		"ipLiteral.status": "pass", "ipLiteral.target": ip, "ipLiteral.proxyRefuses": "false", "ipLiteral.statusCode": "200",
		"limits.concurrency": "7", "limits.stageTimeoutMs": "5000", "limits.deadlineMs": "30000",
	})
	trust := checkEndpoint(t, doc, "trust.citrixworkspacesapi.net")
	checkExpect(t, trust, map[string]string{
		"status": "pass", "failure": "", "route.direct": "false", "route.proxy": p.Addr,
		"stages.#.name": `["tcp","proxyConnect","tls"]`, "tls.version": "1.3", "tls.sni": "trust.citrixworkspacesapi.net",
		"tls.verified": "true", "tls.issuerExpected": "true", "tls.chain.#": "2", "interception.verdict": "none",
	})
	if nb := trust.Get("tls.chain.0.notBefore").String(); !strings.HasSuffix(nb, "Z") {
		t.Errorf("notBefore %q is not RFC 3339 UTC", nb)
	}
	if fp := trust.Get("tls.chain.1.sha256").String(); len(fp) != 64 || strings.ToLower(fp) != fp {
		t.Errorf("fingerprint %q", fp)
	}
	checkExpect(t, checkEndpoint(t, doc, "agenthub.citrixworkspacesapi.net"), map[string]string{"http.statusCode": "200", "stages.3.name": "http"})
	checkExpect(t, checkEndpoint(t, doc, "ocsp.digicert.com"), map[string]string{"kind": "http", "stages.#.name": `["tcp","http"]`, "status": "pass"})
	checkExpect(t, checkEndpoint(t, doc, "dc1.corp.example"), map[string]string{
		"source": "internal", "kind": "tcp", "route.direct": "true", "route.bypassEntry": "*.corp.example",
		"route.expectDirect": "true", "route.asExpected": "true", "stages.#.name": `["dns","tcp"]`, "status": "pass",
	})
}

func TestCheckResigningProxy(t *testing.T) {
	l := newCheckLab(t)
	p := checkProxy(t, probetest.ProxyOptions{Mode: probetest.Resign, ResignCA: probetest.MustCA("Zscaler Intermediate Root CA", "Zscaler Inc.")})
	r, doc := l.run(t, "--proxy", p.Addr, "--ip-literal", "192.0.2.10:"+strconv.Itoa(l.up.Port))
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	checkExpect(t, doc, map[string]string{"ok": "false", "interception.verdict": "detected", "interception.detected.#": "4", "counts.intercepted": "4", "routing.source": "proxyFlag"})
	if iss := doc.Get("interception.issuers.0").String(); !strings.Contains(iss, "Zscaler Intermediate Root CA") {
		t.Errorf("issuers %s", doc.Get("interception.issuers").Raw)
	}
	e := checkEndpoint(t, doc, "citrix.cloud.com")
	checkExpect(t, e, map[string]string{"status": "fail", "failure": "tlsInterception", "interception.verdict": "detected"})
	ev := e.Get("interception.evidence.#.kind").String()
	for _, k := range []string{"issuerNotExpected", "inspectionProduct", "nonPublicRoot"} {
		if !strings.Contains(ev, k) {
			t.Errorf("evidence %s lacks %s", ev, k)
		}
	}
	if d := e.Get(`interception.evidence.#(kind=="issuerNotExpected").detail`).String(); !strings.Contains(d, "Zscaler") {
		t.Errorf("issuer evidence %q does not name the issuer", d)
	}
	// Revocation over plain HTTP is not inspected.
	checkExpect(t, checkEndpoint(t, doc, "ocsp.digicert.com"), map[string]string{"status": "pass", "interception.verdict": "unknown"})
}

func TestCheckAuthenticatingProxy(t *testing.T) {
	l := newCheckLab(t)
	p := checkProxy(t, probetest.ProxyOptions{Mode: probetest.AuthRequired})
	r, doc := l.run(t, "--from", l.netsh(t, p.Addr, "(none)"), "--ip-literal", "192.0.2.10")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	checkExpect(t, doc, map[string]string{"ok": "false", "allRequiredReachable": "false", "counts.failed": "5", "ipLiteral.failure": "proxyAuthRequired", "routing.bypass": ""})
	for _, e := range doc.Get("endpoints").Array() {
		if e.Get("failure").String() != "proxyAuthRequired" || !strings.Contains(e.Get("message").String(), "unauthenticated proxy") {
			t.Errorf("%s: %s %s", e.Get("host"), e.Get("failure"), e.Get("message"))
		}
	}
}

func TestCheckProxyRefusingIPLiterals(t *testing.T) {
	l := newCheckLab(t)
	p := checkProxy(t, probetest.ProxyOptions{Mode: probetest.Tunnel, RefuseIPLiterals: true})
	r, doc := l.run(t, "--proxy", p.Addr, "--ip-literal", "192.0.2.10")
	// The host names pass, but the connector's Service Bus traffic needs CONNECT to an IP
	// address (R8): the run fails.
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	checkExpect(t, doc, map[string]string{
		"ok": "false", "allRequiredReachable": "true", "ipLiteral.status": "fail", "ipLiteral.proxyRefuses": "true", "ipLiteral.statusCode": "403",
		"ipLiteral.failure": "proxyDenied", "ipLiteral.target": "192.0.2.10:443", "ipLiteral.proxy": p.Addr,
	})
	if m := doc.Get("ipLiteral.message").String(); !strings.Contains(m, "R8") {
		t.Errorf("message %q", m)
	}
}

func TestCheckSilentProxy(t *testing.T) {
	l := newCheckLab(t)
	p := checkProxy(t, probetest.ProxyOptions{Mode: probetest.Silent})
	t.Run("stage timeout", func(t *testing.T) {
		r, doc := l.run(t, "--proxy", p.Addr, "--stage-timeout", "300ms", "--ip-literal", "192.0.2.10")
		if r.code != 1 {
			t.Fatalf("exit %d, want 1", r.code)
		}
		checkExpect(t, doc, map[string]string{"counts.failed": "5", "deadlineReached": "false", "ipLiteral.failure": "timeout"})
		for _, e := range doc.Get("endpoints").Array() {
			if e.Get("failure").String() != "timeout" {
				t.Errorf("%s: %s", e.Get("host"), e.Get("failure"))
			}
		}
	})
	t.Run("deadline", func(t *testing.T) {
		r, doc := l.run(t, "--proxy", p.Addr, "--stage-timeout", "20s", "--deadline", "400ms")
		if r.code != 1 {
			t.Fatalf("exit %d, want 1", r.code)
		}
		checkExpect(t, doc, map[string]string{"deadlineReached": "true", "counts.notChecked": "5", "counts.passed": "0", "endpoints.#": "5", "ipLiteral.status": "notChecked"})
		for _, e := range doc.Get("endpoints").Array() {
			if e.Get("status").String() != "notChecked" || e.Get("failure").Type != gjson.Null {
				t.Errorf("%s: %s %s", e.Get("host"), e.Get("status"), e.Get("failure").Raw)
			}
		}
	})
}

func TestCheckExpiredCertificate(t *testing.T) {
	l := newCheckLab(t)
	l.catalog = l.writeCatalog(t, "with-expired.json", true)
	p := checkProxy(t, probetest.ProxyOptions{Mode: probetest.Tunnel})
	r, doc := l.run(t, "--proxy", p.Addr, "--ip-literal", "192.0.2.10")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	e := checkEndpoint(t, doc, "cwsproduction.blob.core.windows.net")
	checkExpect(t, e, map[string]string{"status": "fail", "failure": "certificateInvalid", "tls.verified": "false", "interception.verdict": "none"})
	if !strings.Contains(e.Get("tls.verifyError").String(), "expired") {
		t.Errorf("verifyError %s", e.Get("tls.verifyError").Raw)
	}
	checkExpect(t, doc, map[string]string{"counts.passed": "5", "counts.failed": "1", "interception.verdict": "none"})
}

// An internal host the bypass list does not cover goes through the proxy: R7.
func TestCheckMisroutedInternalHost(t *testing.T) {
	l := newCheckLab(t)
	p := checkProxy(t, probetest.ProxyOptions{Mode: probetest.Tunnel})
	r, doc := l.run(t, "--proxy", p.Addr, "--bypass", "*.corp.example", "--ip-literal", "192.0.2.10",
		"--internal", "vda1.other.example:"+strconv.Itoa(l.up.Port), "--internal", "dc1.corp.example:"+strconv.Itoa(l.up.Port), "--resolve", "dc1.corp.example=127.0.0.1")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	checkExpect(t, doc, map[string]string{"allRequiredReachable": "true", "allRoutesAsExpected": "false", "counts.misrouted": "1", "routing.bypass": "*.corp.example"})
	checkExpect(t, checkEndpoint(t, doc, "vda1.other.example"), map[string]string{"route.direct": "false", "route.asExpected": "false", "stages.#.name": `["tcp","proxyConnect"]`})
	checkExpect(t, checkEndpoint(t, doc, "dc1.corp.example"), map[string]string{"route.direct": "true", "route.asExpected": "true"})
}

func TestCheckDirect(t *testing.T) {
	l := newCheckLab(t)
	r, doc := l.run(t, "--direct", "--host", "https://citrix.cloud.com:"+strconv.Itoa(l.up.Port)+"/root/ping",
		"--resolve", "citrix.cloud.com=127.0.0.1", "--resolve", "trust.citrixworkspacesapi.net=127.0.0.1",
		"--resolve", "registry.citrixworkspacesapi.net=127.0.0.1", "--resolve", "agenthub.citrixworkspacesapi.net=127.0.0.1",
		"--resolve", "ocsp.digicert.com=127.0.0.1")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0: %s", r.code, r.stdout)
	}
	checkExpect(t, doc, map[string]string{
		"routing.source": "direct", "routing.proxy": "", "counts.total": "6", "counts.passed": "6",
		"ipLiteral.status": "notChecked",
	})
	host := doc.Get(`endpoints.#(source=="host")`)
	checkExpect(t, host, map[string]string{"host": "citrix.cloud.com", "http.statusCode": "200", "stages.#.name": `["dns","tcp","tls","http"]`, "route.direct": "true"})
}

func TestCheckBadInput(t *testing.T) {
	l := newCheckLab(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--direct", "--concurrency", "2000"}, "--concurrency: 2000 is out of range"},
		{[]string{"--direct", "--host", "*.cloud.com"}, "a wildcard names many hosts"},
		{[]string{"--direct", "--internal", "dc1:99999"}, "port must be a number"},
		{[]string{"--direct", "--bypass", "x"}, "--bypass: only goes with --proxy"},
		{[]string{"--proxy", "http://u:secret@p:8080"}, "--proxy"},
		{[]string{"--direct", "--resolve", "dc1"}, "--resolve"},
		{[]string{"--direct", "--ip-literal", "dc1.corp.example"}, "--ip-literal"},
		{[]string{"--direct", "--stage-timeout", "-1s"}, "--stage-timeout"},
		{[]string{"--direct", "--ca-file", "no-such.pem"}, "no-such.pem: cannot read"},
		{[]string{"--proxy", "p:1", "--direct"}, "--direct"},
		{[]string{"--from", "examples/nothing-configured.reg", "--region", "mars"}, "--region"},
	}
	for _, c := range cases {
		args := append([]string{"check", "--catalog", l.catalog}, c.args...)
		r := run(t, nil, args...)
		if r.code != 2 || !bytes.Contains(r.stderr, []byte(c.want)) || len(r.stdout) != 0 {
			t.Errorf("%v: exit %d, stderr %s; want 2 and %q", c.args, r.code, r.stderr, c.want)
		}
		if bytes.Contains(r.stderr, []byte("secret")) {
			t.Errorf("%v: a password reached stderr: %s", c.args, r.stderr)
		}
	}
	pem := checkWrite(t, l.dir, "empty.pem", []byte("not a certificate\n"))
	r := run(t, nil, "check", "--direct", "--catalog", l.catalog, "--ca-file", pem)
	if r.code != 2 || !bytes.Contains(r.stderr, []byte("no PEM certificate")) {
		t.Errorf("empty --ca-file: exit %d, %s", r.code, r.stderr)
	}
}

// Progress goes to stderr only when it is a terminal; the document stays on stdout.
func TestCheckProgressOnTerminal(t *testing.T) {
	l := newCheckLab(t)
	p := checkProxy(t, probetest.ProxyOptions{Mode: probetest.Tunnel})
	var out, errb bytes.Buffer
	env := commands.NewEnv(bytes.NewReader(nil), &out, &errb)
	env.StderrIsTerminal = true
	// The clock also decides certificate validity, so it stays near the real one.
	now := time.Now().UTC().Truncate(time.Second)
	env.Now = func() time.Time { return now }
	code := commands.Main(env, []string{"check", "--catalog", l.catalog, "--ca-file", l.caFile, "--proxy", p.Addr, "--ip-literal", "192.0.2.10"})
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	if !strings.Contains(errb.String(), "checked 5/5") {
		t.Errorf("no progress on a terminal: %q", errb.String())
	}
	// 192.0.2.10:443 leads nowhere: the proxy's 502 says nothing about IP literals.
	checkExpect(t, gjson.ParseBytes(out.Bytes()), map[string]string{"ipLiteral.status": "fail", "ipLiteral.statusCode": "502", "ipLiteral.proxyRefuses": ""})
	doc := gjson.ParseBytes(out.Bytes())
	if doc.Get("startedAt").String() != now.Format(time.RFC3339) {
		t.Errorf("startedAt %s, want the injected clock", doc.Get("startedAt"))
	}
	var c probe.Check
	if err := json.Unmarshal(out.Bytes(), &c); err != nil || len(c.Endpoints) != 5 {
		t.Errorf("document does not read back: %v", err)
	}
}

// --internal HOST checks the route R7 asks for; a domain controller that serves nothing on
// 443 is reported but does not fail the run. --internal HOST:PORT requires that port.
func TestCheckInternalRouteOnly(t *testing.T) {
	l := newCheckLab(t)
	p := checkProxy(t, probetest.ProxyOptions{Mode: probetest.Tunnel})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	from := l.netsh(t, p.Addr, "<local>;*.corp.example")
	r, doc := l.run(t, "--from", from, "--internal", "dc1.corp.example", "--resolve", "dc1.corp.example=127.0.0.2", "--ip-literal", "192.0.2.10:"+strconv.Itoa(l.up.Port))
	dc := checkEndpoint(t, doc, "dc1.corp.example")
	if r.code != 0 || dc.Get("required").Bool() || !dc.Get("route.direct").Bool() || !dc.Get("route.asExpected").Bool() {
		t.Errorf("--internal HOST: exit %d, endpoint %s", r.code, dc.Raw)
	}
	r, doc = l.run(t, "--from", from, "--internal", "dc1.corp.example:"+strconv.Itoa(closed), "--resolve", "dc1.corp.example=127.0.0.1", "--ip-literal", "192.0.2.10:"+strconv.Itoa(l.up.Port))
	dc = checkEndpoint(t, doc, "dc1.corp.example")
	if r.code != 1 || !dc.Get("required").Bool() || dc.Get("status").String() != "fail" {
		t.Errorf("--internal HOST:PORT with the port closed: exit %d, endpoint %s", r.code, dc.Raw)
	}
}

// The endpoints' Date headers show the local clock's skew: beyond five minutes the check
// fails, naming it; within, it passes.
func TestCheckClockSkew(t *testing.T) {
	l := newCheckLab(t, probetest.UpstreamOptions{DateSkew: 10 * time.Minute})
	p := checkProxy(t, probetest.ProxyOptions{Mode: probetest.Tunnel})
	r, doc := l.run(t, "--proxy", p.Addr)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	checkExpect(t, doc, map[string]string{"ok": "false", "allRequiredReachable": "true", "clock.status": "fail"})
	if s := doc.Get("clock.skewSeconds").Int(); s < 590 || s > 610 {
		t.Errorf("skew %d s, want about 600", s)
	}
	if m := doc.Get("clock.message").String(); !strings.Contains(m, "behind") || !strings.Contains(m, "w32tm") {
		t.Errorf("message %q", m)
	}
	good := newCheckLab(t)
	r, doc = good.run(t, "--proxy", p.Addr)
	if r.code != 0 || doc.Get("clock.status").String() != "pass" || doc.Get("clock.answers").Int() == 0 {
		t.Errorf("clock in sync: exit %d, clock %s", r.code, doc.Get("clock").Raw)
	}
}
