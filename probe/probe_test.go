package probe_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ccproxy/probe"
	"ccproxy/probe/probetest"
)

// fixture is a test CA that the test catalog trusts, and upstreams signed by it.
type fixture struct {
	ca      *probetest.CA
	up      *probetest.Server // HTTPS, valid
	expired *probetest.Server // HTTPS, expired certificates
	plain   *probetest.Server // HTTP, for revocation hosts
}

const testCAName = "ccproxy Test Root CA"

var expected = []string{"ccproxy Test"}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ca := probetest.MustCA(testCAName, "ccproxy Test")
	up, err := probetest.NewTLSUpstream(ca, probetest.UpstreamOptions{Status: map[string]int{"/broken": 503}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(up.Close)
	exp, err := probetest.NewTLSUpstream(ca, probetest.UpstreamOptions{Expired: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(exp.Close)
	// Revocation hosts answer 404 at their root; only their CRL and OCSP paths exist.
	plain, err := probetest.NewHTTPUpstream(probetest.UpstreamOptions{Status: map[string]int{"/": 404, "/missing": 404}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(plain.Close)
	return &fixture{ca: ca, up: up, expired: exp, plain: plain}
}

func newProxy(t *testing.T, o probetest.ProxyOptions) *probetest.Proxy {
	t.Helper()
	p, err := probetest.NewProxy(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// via routes everything through proxy except the hosts in direct, which map to the entry
// that bypassed them.
func via(proxy string, direct map[string]string) probe.RouteFunc {
	return func(host string, port int, scheme string) (string, bool, string) {
		if e, ok := direct[host]; ok {
			return "", true, e
		}
		if proxy == "" {
			return "", true, ""
		}
		return proxy, false, ""
	}
}

func (f *fixture) opts(route probe.RouteFunc) probe.Options {
	return probe.Options{
		Concurrency: 4, StageTimeout: 3 * time.Second, Deadline: 20 * time.Second,
		Resolver: probetest.Resolver, RootCAs: f.ca.Pool(), PublicCAs: []string{testCAName},
		Route: route,
	}
}

// catalog is a small catalog on the fixture's ports: three https hosts (one with a health
// path), one revocation host on plain HTTP, and an internal host the bypass sends direct.
func (f *fixture) catalog() []probe.Target {
	return []probe.Target{
		{Host: "trust.citrixworkspacesapi.net", Port: f.up.Port, Kind: probe.KindHTTPS, Purpose: "trust", Required: true, ExpectedIssuers: expected, Source: probe.SourceCatalog},
		{Host: "agenthub.citrixworkspacesapi.net", Port: f.up.Port, Kind: probe.KindHTTPS, Purpose: "agent hub", Required: true, ExpectedIssuers: expected, HealthPath: "/root/ping", Source: probe.SourceCatalog},
		{Host: "citrix.cloud.com", Port: f.up.Port, Kind: probe.KindHTTPS, Purpose: "console", Required: true, ExpectedIssuers: expected, Source: probe.SourceCatalog},
		{Host: "ocsp.digicert.com", Port: f.plain.Port, Kind: probe.KindHTTP, Purpose: "revocation", Required: true, Source: probe.SourceCatalog},
		{Host: "dc1.corp.example", Port: f.up.Port, Kind: probe.KindTCP, Purpose: "internal", Required: true, Source: probe.SourceInternal, ExpectDirect: true},
	}
}

func stageNames(e probe.Endpoint) string {
	var n []string
	for _, s := range e.Stages {
		n = append(n, s.Name)
	}
	return strings.Join(n, ",")
}

func failure(e probe.Endpoint) string {
	if e.Failure == nil {
		return ""
	}
	return *e.Failure
}

func find(t *testing.T, r probe.Result, host string) probe.Endpoint {
	t.Helper()
	for _, e := range r.Endpoints {
		if e.Host == host {
			return e
		}
	}
	t.Fatalf("no endpoint %s in the result", host)
	return probe.Endpoint{}
}

func TestTunnellingProxyAllPass(t *testing.T) {
	f := newFixture(t)
	p := newProxy(t, probetest.ProxyOptions{Mode: probetest.Tunnel})
	o := f.opts(via(p.Addr, map[string]string{"dc1.corp.example": "*.corp.example"}))
	o.IPLiteralTarget = "127.0.0.1:" + strconv.Itoa(f.up.Port)
	var mu sync.Mutex
	var progress []int
	o.Progress = func(done, total int, host string) {
		mu.Lock()
		progress = append(progress, done)
		mu.Unlock()
		if total != 5 {
			t.Errorf("progress total %d, want 5", total)
		}
	}
	targets := f.catalog()
	r := probe.Run(context.Background(), targets, o)

	if len(r.Endpoints) != len(targets) {
		t.Fatalf("%d endpoints, want %d", len(r.Endpoints), len(targets))
	}
	for i, e := range r.Endpoints {
		if e.Host != targets[i].Host {
			t.Errorf("endpoint %d is %s, want %s (order kept)", i, e.Host, targets[i].Host)
		}
		if e.Status != probe.StatusPass {
			t.Errorf("%s: status %s (%s: %v), want pass", e.Host, e.Status, failure(e), e.Message)
		}
	}
	wantStages := map[string]string{
		"trust.citrixworkspacesapi.net":    "tcp,proxyConnect,tls",
		"agenthub.citrixworkspacesapi.net": "tcp,proxyConnect,tls,http",
		"ocsp.digicert.com":                "tcp,http",
		"dc1.corp.example":                 "dns,tcp",
	}
	for h, want := range wantStages {
		if got := stageNames(find(t, r, h)); got != want {
			t.Errorf("%s: stages %s, want %s", h, got, want)
		}
	}
	tr := find(t, r, "trust.citrixworkspacesapi.net")
	if tr.Route.Direct || tr.Route.Proxy == nil || *tr.Route.Proxy != p.Addr {
		t.Errorf("trust route %+v, want through %s", tr.Route, p.Addr)
	}
	if tr.TLS == nil || tr.TLS.Version == nil || *tr.TLS.Version != "1.3" || !tr.TLS.VersionOK {
		t.Fatalf("tls %+v, want version 1.3", tr.TLS)
	}
	if tr.TLS.SNI == nil || *tr.TLS.SNI != "trust.citrixworkspacesapi.net" {
		t.Errorf("sni %v", tr.TLS.SNI)
	}
	if !tr.TLS.Verified || tr.TLS.IssuerExpected == nil || !*tr.TLS.IssuerExpected || !tr.TLS.RootPublic {
		t.Errorf("tls verified=%v issuerExpected=%v rootPublic=%v", tr.TLS.Verified, tr.TLS.IssuerExpected, tr.TLS.RootPublic)
	}
	if len(tr.TLS.Chain) != 2 {
		t.Fatalf("chain of %d, want leaf and CA", len(tr.TLS.Chain))
	}
	sum := sha256.Sum256(f.ca.Cert.Raw)
	if tr.TLS.Chain[1].SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("CA fingerprint %s, want %x", tr.TLS.Chain[1].SHA256, sum)
	}
	if !strings.Contains(tr.TLS.Chain[0].Issuer, testCAName) || !strings.Contains(tr.TLS.Chain[0].Subject, "trust.citrixworkspacesapi.net") {
		t.Errorf("leaf %+v", tr.TLS.Chain[0])
	}
	if tr.TLS.Chain[0].NotAfter.Location() != time.UTC {
		t.Errorf("notAfter not UTC")
	}
	if tr.Interception.Verdict != probe.VerdictNone || len(tr.Interception.Evidence) != 0 {
		t.Errorf("interception %+v, want none", tr.Interception)
	}
	ah := find(t, r, "agenthub.citrixworkspacesapi.net")
	if ah.HTTP == nil || ah.HTTP.StatusCode == nil || *ah.HTTP.StatusCode != 200 || ah.HTTP.URL != "https://agenthub.citrixworkspacesapi.net:"+strconv.Itoa(f.up.Port)+"/root/ping" {
		t.Errorf("health http %+v", ah.HTTP)
	}
	dc := find(t, r, "dc1.corp.example")
	if !dc.Route.Direct || dc.Route.BypassEntry == nil || *dc.Route.BypassEntry != "*.corp.example" || !dc.Route.AsExpected {
		t.Errorf("bypassed host route %+v, want direct by *.corp.example", dc.Route)
	}
	if !r.OK || !r.AllRequiredReachable || !r.AllRoutesAsExpected || r.Interception.Verdict != probe.VerdictNone {
		t.Errorf("overall ok=%v reachable=%v routes=%v interception=%s", r.OK, r.AllRequiredReachable, r.AllRoutesAsExpected, r.Interception.Verdict)
	}
	if r.Counts != (probe.Counts{Total: 5, Passed: 5, Required: 5, RequiredPassed: 5}) {
		t.Errorf("counts %+v", r.Counts)
	}
	if r.IPLiteral.Status != probe.StatusPass || r.IPLiteral.ProxyRefuses == nil || *r.IPLiteral.ProxyRefuses || r.IPLiteral.StatusCode == nil || *r.IPLiteral.StatusCode != 200 || r.IPLiteral.DurationMs <= 0 {
		t.Errorf("ip literal %+v, want the proxy to accept", r.IPLiteral)
	}
	if len(progress) != 5 || progress[4] != 5 {
		t.Errorf("progress %v, want 1..5", progress)
	}
}

func TestResigningProxyIsInterception(t *testing.T) {
	f := newFixture(t)
	inspector := probetest.MustCA("Zscaler Intermediate Root CA", "Zscaler Inc.")
	p := newProxy(t, probetest.ProxyOptions{Mode: probetest.Resign, ResignCA: inspector})
	o := f.opts(via(p.Addr, map[string]string{"dc1.corp.example": "*.corp.example"}))
	r := probe.Run(context.Background(), f.catalog(), o)

	for _, h := range []string{"trust.citrixworkspacesapi.net", "agenthub.citrixworkspacesapi.net", "citrix.cloud.com"} {
		e := find(t, r, h)
		if e.Status != probe.StatusFail || failure(e) != probe.FailInterception {
			t.Errorf("%s: %s/%s, want fail/tlsInterception", h, e.Status, failure(e))
		}
		if e.Interception.Verdict != probe.VerdictDetected {
			t.Errorf("%s: verdict %s", h, e.Interception.Verdict)
		}
		kinds := map[string]string{}
		for _, ev := range e.Interception.Evidence {
			kinds[ev.Kind] = ev.Detail
		}
		for _, k := range []string{probe.EvidenceIssuerNotExpected, probe.EvidenceInspectionProduct, probe.EvidenceNonPublicRoot} {
			if _, ok := kinds[k]; !ok {
				t.Errorf("%s: no %s evidence in %+v", h, k, e.Interception.Evidence)
			}
		}
		if !strings.Contains(kinds[probe.EvidenceIssuerNotExpected], "Zscaler Intermediate Root CA") {
			t.Errorf("%s: issuer evidence %q does not name the issuer", h, kinds[probe.EvidenceIssuerNotExpected])
		}
		if e.Message == nil || !strings.Contains(*e.Message, "R2") || !strings.Contains(*e.Message, "names Zscaler") {
			t.Errorf("%s: message %v", h, e.Message)
		}
	}
	if stageNames(find(t, r, "agenthub.citrixworkspacesapi.net")) != "tcp,proxyConnect,tls" {
		t.Errorf("no http stage may follow an intercepted handshake")
	}
	if e := find(t, r, "dc1.corp.example"); e.Status != probe.StatusPass {
		t.Errorf("the direct host is not behind the inspector: %s", e.Status)
	}
	if r.OK || r.Interception.Verdict != probe.VerdictDetected || len(r.Interception.Detected) != 3 || r.Counts.Intercepted != 3 {
		t.Errorf("overall ok=%v interception %+v counts %+v", r.OK, r.Interception, r.Counts)
	}
	if len(r.Interception.Issuers) != 1 || !strings.Contains(r.Interception.Issuers[0], "Zscaler") {
		t.Errorf("issuers %v", r.Interception.Issuers)
	}
}

// An inspection root installed in the machine's store verifies; the unexpected issuer and
// the non-public root still give it away.
func TestInstalledInspectionRoot(t *testing.T) {
	f := newFixture(t)
	inspector := probetest.MustCA("Contoso Web Filter Root", "Contoso")
	p := newProxy(t, probetest.ProxyOptions{Mode: probetest.Resign, ResignCA: inspector})
	o := f.opts(via(p.Addr, nil))
	o.RootCAs.AddCert(inspector.Cert)
	targets := []probe.Target{
		{Host: "trust.citrixworkspacesapi.net", Port: f.up.Port, Kind: probe.KindHTTPS, Required: true, ExpectedIssuers: expected, Source: probe.SourceCatalog},
		{Host: "extra.example", Port: f.up.Port, Kind: probe.KindHTTPS, Required: true, Source: probe.SourceHost},
	}
	r := probe.Run(context.Background(), targets, o)
	e := r.Endpoints[0]
	if !e.TLS.Verified || e.TLS.RootPublic || e.Interception.Verdict != probe.VerdictDetected || failure(e) != probe.FailInterception {
		t.Errorf("catalog host: verified=%v rootPublic=%v verdict=%s failure=%s", e.TLS.Verified, e.TLS.RootPublic, e.Interception.Verdict, failure(e))
	}
	// Without expected issuers a non-public root alone is only a suspicion.
	x := r.Endpoints[1]
	if x.Interception.Verdict != probe.VerdictSuspected || x.Status != probe.StatusPass || x.TLS.IssuerExpected != nil {
		t.Errorf("extra host: verdict=%s status=%s issuerExpected=%v", x.Interception.Verdict, x.Status, x.TLS.IssuerExpected)
	}
	if r.Interception.Verdict != probe.VerdictDetected || len(r.Interception.Suspected) != 1 {
		t.Errorf("summary %+v", r.Interception)
	}
}

func TestAuthenticatingProxy(t *testing.T) {
	f := newFixture(t)
	p := newProxy(t, probetest.ProxyOptions{Mode: probetest.AuthRequired})
	o := f.opts(via(p.Addr, map[string]string{"dc1.corp.example": "*.corp.example"}))
	o.IPLiteralTarget = "127.0.0.1:443"
	r := probe.Run(context.Background(), f.catalog(), o)
	for _, h := range []string{"trust.citrixworkspacesapi.net", "ocsp.digicert.com"} {
		e := find(t, r, h)
		if e.Status != probe.StatusFail || failure(e) != probe.FailProxyAuth {
			t.Errorf("%s: %s/%s, want proxyAuthRequired", h, e.Status, failure(e))
		}
		if e.Message == nil || !strings.Contains(*e.Message, "Negotiate, NTLM") || !strings.Contains(*e.Message, "unauthenticated") {
			t.Errorf("%s: message %v", h, e.Message)
		}
	}
	if r.IPLiteral.Status != probe.StatusFail || r.IPLiteral.Failure == nil || *r.IPLiteral.Failure != probe.FailProxyAuth || r.IPLiteral.ProxyRefuses != nil {
		t.Errorf("ip literal %+v", r.IPLiteral)
	}
	if r.OK || r.AllRequiredReachable || r.Counts.RequiredPassed != 1 {
		t.Errorf("ok=%v reachable=%v counts=%+v", r.OK, r.AllRequiredReachable, r.Counts)
	}
}

func TestProxyRefusingIPLiterals(t *testing.T) {
	f := newFixture(t)
	p := newProxy(t, probetest.ProxyOptions{Mode: probetest.Tunnel, RefuseIPLiterals: true})
	o := f.opts(via(p.Addr, nil))
	targets := f.catalog()[:3]
	r := probe.Run(context.Background(), targets, o)
	c := r.IPLiteral
	// Derived from the first catalog https host, as no address was given.
	if c.DerivedFrom == nil || *c.DerivedFrom != "trust.citrixworkspacesapi.net" || c.Target == nil || *c.Target != "127.0.0.1:"+strconv.Itoa(f.up.Port) {
		t.Errorf("ip literal target %v from %v", c.Target, c.DerivedFrom)
	}
	if c.Status != probe.StatusFail || c.ProxyRefuses == nil || !*c.ProxyRefuses || c.StatusCode == nil || *c.StatusCode != 403 || !strings.Contains(c.Message, "R8") {
		t.Errorf("ip literal %+v, want the refusal reported", c)
	}
	if c.Proxy == nil || *c.Proxy != p.Addr {
		t.Errorf("ip literal proxy %v", c.Proxy)
	}
	if !r.AllRequiredReachable {
		t.Errorf("host names still pass through the proxy")
	}
}

func TestSilentProxyTimesOut(t *testing.T) {
	f := newFixture(t)
	p := newProxy(t, probetest.ProxyOptions{Mode: probetest.Silent})
	o := f.opts(via(p.Addr, nil))
	o.StageTimeout = 300 * time.Millisecond
	o.IPLiteralTarget = "127.0.0.1:443"
	r := probe.Run(context.Background(), f.catalog()[:4], o)
	for _, e := range r.Endpoints {
		if e.Status != probe.StatusFail || failure(e) != probe.FailTimeout {
			t.Errorf("%s: %s/%s, want fail/timeout", e.Host, e.Status, failure(e))
		}
		last := e.Stages[len(e.Stages)-1]
		want := probe.StageProxyConnect
		if e.Kind == probe.KindHTTP {
			want = probe.StageHTTP
		}
		if last.Name != want || last.OK {
			t.Errorf("%s: last stage %+v, want a failed %s", e.Host, last, want)
		}
	}
	if r.DeadlineReached {
		t.Errorf("the stage timeout, not the deadline, should have ended these")
	}
	if r.IPLiteral.Failure == nil || *r.IPLiteral.Failure != probe.FailTimeout {
		t.Errorf("ip literal %+v", r.IPLiteral)
	}
}

// A deadline shorter than the stage timeout: nothing finishes, nothing passes, all appear.
func TestDeadlineLeavesEndpointsNotChecked(t *testing.T) {
	f := newFixture(t)
	p := newProxy(t, probetest.ProxyOptions{Mode: probetest.Silent})
	o := f.opts(via(p.Addr, nil))
	o.StageTimeout = 20 * time.Second
	o.Deadline = 300 * time.Millisecond
	o.Concurrency = 2
	targets := f.catalog()[:4]
	r := probe.Run(context.Background(), targets, o)
	if len(r.Endpoints) != len(targets) {
		t.Fatalf("%d endpoints, want %d", len(r.Endpoints), len(targets))
	}
	for _, e := range r.Endpoints {
		if e.Status != probe.StatusNotChecked || e.Failure != nil || e.Message == nil {
			t.Errorf("%s: %s/%s, want notChecked with a reason", e.Host, e.Status, failure(e))
		}
	}
	if !r.DeadlineReached || r.OK || r.AllRequiredReachable || r.Counts.NotChecked != len(targets) {
		t.Errorf("deadlineReached=%v ok=%v counts=%+v", r.DeadlineReached, r.OK, r.Counts)
	}
	if r.IPLiteral.Status != probe.StatusNotChecked {
		t.Errorf("ip literal %s", r.IPLiteral.Status)
	}
}

// A deadline that cuts a run in the middle: finished endpoints keep their result, the rest
// are notChecked; none is reported twice or lost.
func TestDeadlineMidRun(t *testing.T) {
	f := newFixture(t)
	p := newProxy(t, probetest.ProxyOptions{Mode: probetest.Tunnel, Delay: 150 * time.Millisecond})
	o := f.opts(via(p.Addr, nil))
	o.Concurrency = 1
	o.Deadline = 500 * time.Millisecond
	var targets []probe.Target
	for i := 0; i < 12; i++ {
		targets = append(targets, probe.Target{Host: "h" + strconv.Itoa(i) + ".citrixworkspacesapi.net", Port: f.up.Port, Kind: probe.KindHTTPS, Required: true, ExpectedIssuers: expected, Source: probe.SourceCatalog})
	}
	r := probe.Run(context.Background(), targets, o)
	notChecked := 0
	for i, e := range r.Endpoints {
		if e.Host != targets[i].Host {
			t.Errorf("endpoint %d is %s", i, e.Host)
		}
		switch e.Status {
		case probe.StatusNotChecked:
			notChecked++
		case probe.StatusPass:
		default:
			t.Errorf("%s: %s/%s, want pass or notChecked", e.Host, e.Status, failure(e))
		}
	}
	if notChecked == 0 || r.AllRequiredReachable {
		t.Errorf("12 x 150 ms one at a time cannot finish in 500 ms; notChecked=%d", notChecked)
	}
}

func TestExpiredCertificate(t *testing.T) {
	f := newFixture(t)
	p := newProxy(t, probetest.ProxyOptions{Mode: probetest.Tunnel})
	targets := []probe.Target{{Host: "downloads.cloud.com", Port: f.expired.Port, Kind: probe.KindHTTPS, Required: true, ExpectedIssuers: expected, Source: probe.SourceCatalog}}
	r := probe.Run(context.Background(), targets, f.opts(via(p.Addr, nil)))
	e := r.Endpoints[0]
	if e.Status != probe.StatusFail || failure(e) != probe.FailCertificate {
		t.Fatalf("%s/%s, want certificateInvalid", e.Status, failure(e))
	}
	if e.TLS.Verified || e.TLS.VerifyError == nil || !strings.Contains(*e.TLS.VerifyError, "expired") {
		t.Errorf("verify error %v", e.TLS.VerifyError)
	}
	// The right CA with the wrong dates is not interception.
	if e.Interception.Verdict != probe.VerdictNone || !e.TLS.RootPublic {
		t.Errorf("verdict %s evidence %+v", e.Interception.Verdict, e.Interception.Evidence)
	}
	if !e.TLS.Chain[0].NotAfter.Before(time.Now()) {
		t.Errorf("leaf notAfter %s", e.TLS.Chain[0].NotAfter)
	}
}

func TestFailureClasses(t *testing.T) {
	f := newFixture(t)
	deny := newProxy(t, probetest.ProxyOptions{Mode: probetest.Tunnel, DenyHosts: []string{"blocked.cloud.com", "blocked.digicert.com"}})
	old, err := probetest.NewTLSUpstream(f.ca, probetest.UpstreamOptions{MaxVersion: tls.VersionTLS11})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(old.Close)
	closed := closedPort(t)
	noDNS := func(ctx context.Context, host string) ([]string, error) {
		if host == "nx.corp.example" {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		return probetest.Resolver(ctx, host)
	}
	direct := map[string]string{"nx.corp.example": "<local>", "closed.corp.example": "<local>", "old.corp.example": "<local>"}
	cases := []struct {
		target  probe.Target
		failure string
		stage   string
		message string
	}{
		{probe.Target{Host: "blocked.cloud.com", Port: f.up.Port, Kind: probe.KindHTTPS}, probe.FailProxyDenied, probe.StageProxyConnect, "403 Forbidden"},
		{probe.Target{Host: "nx.corp.example", Port: 443, Kind: probe.KindHTTPS}, probe.FailDNS, probe.StageDNS, "cannot resolve nx.corp.example"},
		{probe.Target{Host: "closed.corp.example", Port: closed, Kind: probe.KindHTTPS}, probe.FailTCPRefused, probe.StageTCP, "cannot connect to closed.corp.example"},
		{probe.Target{Host: "old.corp.example", Port: old.Port, Kind: probe.KindHTTPS, ExpectedIssuers: expected}, probe.FailTLSHandshake, probe.StageTLS, "TLS 1.1"},
		{probe.Target{Host: "agenthub.citrixworkspacesapi.net", Port: f.up.Port, Kind: probe.KindHTTPS, HealthPath: "/broken", ExpectedIssuers: expected}, probe.FailHTTP, probe.StageHTTP, "503"},
		{probe.Target{Host: "crl3.digicert.com", Port: f.plain.Port, Kind: probe.KindHTTP, HealthPath: "/missing"}, probe.FailHTTP, probe.StageHTTP, "404 Not Found"},
		{probe.Target{Host: "crl4.digicert.com", Port: f.plain.Port, Kind: probe.KindHTTP}, "", probe.StageHTTP, ""},
		{probe.Target{Host: "blocked.digicert.com", Port: f.plain.Port, Kind: probe.KindHTTP}, probe.FailProxyDenied, probe.StageHTTP, "did not forward GET"},
	}
	var targets []probe.Target
	for _, c := range cases {
		c.target.Required = true
		c.target.Source = probe.SourceHost
		targets = append(targets, c.target)
	}
	o := f.opts(via(deny.Addr, direct))
	o.Resolver = noDNS
	r := probe.Run(context.Background(), targets, o)
	for i, c := range cases {
		e := r.Endpoints[i]
		if failure(e) != c.failure {
			t.Errorf("%s: failure %q (%v), want %q", e.Host, failure(e), e.Message, c.failure)
			continue
		}
		last := e.Stages[len(e.Stages)-1]
		if last.Name != c.stage {
			t.Errorf("%s: last stage %s, want %s", e.Host, last.Name, c.stage)
		}
		if c.failure == "" {
			if e.Status != probe.StatusPass {
				t.Errorf("%s: status %s", e.Host, e.Status)
			}
			continue
		}
		if e.Status != probe.StatusFail || last.OK || e.Message == nil || !strings.Contains(*e.Message, c.message) {
			t.Errorf("%s: status %s, stage ok %v, message %v, want one naming %q", e.Host, e.Status, last.OK, e.Message, c.message)
		}
	}
}

// A plain HTTP path that does not exist without a health path is still an answer: the
// revocation host is reachable. With a health path it would be an httpError.
func TestRevocationHostAnswers(t *testing.T) {
	f := newFixture(t)
	targets := []probe.Target{{Host: "crl4.digicert.com", Port: f.plain.Port, Kind: probe.KindHTTP, Required: true, Source: probe.SourceCatalog}}
	r := probe.Run(context.Background(), targets, f.opts(via("", map[string]string{"crl4.digicert.com": "crl*"})))
	e := r.Endpoints[0]
	if e.Status != probe.StatusPass || stageNames(e) != "dns,tcp,http" || e.HTTP.URL != "http://crl4.digicert.com:"+strconv.Itoa(f.plain.Port)+"/" || *e.HTTP.StatusCode != 404 {
		t.Errorf("%s %s %+v", e.Status, stageNames(e), e.HTTP)
	}
	if r.IPLiteral.Status != probe.StatusNotChecked || !strings.Contains(r.IPLiteral.Message, "no proxy") {
		t.Errorf("without a proxy R8 has nothing to test: %+v", r.IPLiteral)
	}
}

func TestInternalHostThroughProxyIsMisrouted(t *testing.T) {
	f := newFixture(t)
	p := newProxy(t, probetest.ProxyOptions{Mode: probetest.Tunnel})
	targets := []probe.Target{{Host: "vda1.corp.example", Port: f.up.Port, Kind: probe.KindTCP, Required: true, Source: probe.SourceInternal, ExpectDirect: true}}
	r := probe.Run(context.Background(), targets, f.opts(via(p.Addr, nil)))
	e := r.Endpoints[0]
	if e.Route.Direct || e.Route.AsExpected || !e.Route.ExpectDirect {
		t.Errorf("route %+v", e.Route)
	}
	if r.AllRoutesAsExpected || r.OK || r.Counts.Misrouted != 1 {
		t.Errorf("routes=%v ok=%v counts=%+v", r.AllRoutesAsExpected, r.OK, r.Counts)
	}
}

func TestCancelledRunIsNotChecked(t *testing.T) {
	f := newFixture(t)
	p := newProxy(t, probetest.ProxyOptions{Mode: probetest.Silent})
	ctx, cancel := context.WithCancel(context.Background())
	o := f.opts(via(p.Addr, nil))
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	r := probe.Run(ctx, f.catalog()[:2], o)
	for _, e := range r.Endpoints {
		if e.Status != probe.StatusNotChecked {
			t.Errorf("%s: %s after cancel", e.Host, e.Status)
		}
	}
}

func TestEmptyRun(t *testing.T) {
	r := probe.Run(context.Background(), nil, probe.Options{})
	if r.Endpoints == nil || len(r.Endpoints) != 0 || r.Interception.Verdict != probe.VerdictUnknown || !r.OK {
		t.Errorf("%+v", r)
	}
	if r.Interception.Detected == nil || r.Interception.Suspected == nil || r.Interception.Issuers == nil {
		t.Errorf("lists must be [] not null")
	}
}

func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}
