package tests

import (
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"ccproxy/probe/probetest"
)

// verifyArgs are apply --verify's probe flags pointed at the loopback lab.
func (l *checkLab) verifyArgs(extra ...string) []string {
	return append([]string{"--verify", "--catalog", l.catalog, "--ca-file", l.caFile, "--ip-literal", "192.0.2.10:" + strconv.Itoa(l.up.Port), "--stage-timeout", "2s"}, extra...)
}

// verifyPlan plans a WinHTTP proxy on a machine that has none.
func verifyPlan(t *testing.T, m *planMachine, proxy string) string {
	t.Helper()
	return applyPlanFile(t, m, "--proxy", proxy, "--bypass", "<local>")
}

func TestApplyVerifyRefusesARouteThatDoesNotReachCitrixCloud(t *testing.T) {
	l := newCheckLab(t)
	hosts := []string{"trust.citrixworkspacesapi.net", "registry.citrixworkspacesapi.net", "agenthub.citrixworkspacesapi.net", "citrix.cloud.com", "ocsp.digicert.com", "192.0.2.10"}
	for name, o := range map[string]probetest.ProxyOptions{
		"refuses CONNECT":      {DenyHosts: hosts},
		"asks for credentials": {Mode: probetest.AuthRequired},
	} {
		t.Run(name, func(t *testing.T) {
			p := checkProxy(t, o)
			live := planLive(t, "nothing-configured.reg")
			m := newPlanMachine(t, live)
			planFile := verifyPlan(t, m, p.Addr)
			before := live.Snapshot()
			a := m.planRun(t, nil, append([]string{"apply", planFile, "--compress"}, l.verifyArgs()...)...)
			if a.code != 1 {
				t.Fatalf("exit %d, want 1: %s %s", a.code, a.stderr, a.stdout)
			}
			if !reflect.DeepEqual(before, live.Snapshot()) {
				t.Errorf("the registry changed although the plan was refused")
			}
			if b := m.backups(t); len(b) != 0 {
				t.Errorf("backups written for a refused plan: %v", b)
			}
			planValid(t, a.stdout)
			doc := gjson.ParseBytes(a.stdout)
			checkExpect(t, doc, map[string]string{
				"result": "verifyFailed", "verified": "false", "backup": "", "verify.probed": "true", "verify.ok": "false",
				"verify.forced": "false", "verify.route.direct": "false", "verify.route.proxy": p.Addr, "verify.route.bypass": "<local>",
				"verify.required": "5", "verify.requiredReachable": "0", "verify.failing.#": "5", "changes.0.status": "notApplied",
			})
			stderr := string(a.stderr)
			for _, want := range []string{"--verify", "trust.citrixworkspacesapi.net:" + strconv.Itoa(l.up.Port), "nothing was written", "--force"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr does not name %q: %s", want, stderr)
				}
			}
			if strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("stderr is not one line: %s", stderr)
			}

			// --force writes it anyway, and says so.
			f := m.planRun(t, nil, append([]string{"apply", planFile, "--compress"}, l.verifyArgs("--force")...)...)
			if f.code != 0 {
				t.Fatalf("--force: exit %d: %s", f.code, f.stderr)
			}
			planValid(t, f.stdout)
			checkExpect(t, gjson.ParseBytes(f.stdout), map[string]string{"result": "applied", "verify.ok": "false", "verify.forced": "true"})
			if !strings.Contains(string(f.stderr), "--force") {
				t.Errorf("--force is not warned about: %s", f.stderr)
			}
		})
	}
}

func TestApplyVerifyAppliesAWorkingRoute(t *testing.T) {
	l := newCheckLab(t)
	p := checkProxy(t, probetest.ProxyOptions{Mode: probetest.Tunnel})
	live := planLive(t, "nothing-configured.reg")
	m := newPlanMachine(t, live)
	planFile := verifyPlan(t, m, p.Addr)
	a := m.planRun(t, nil, append([]string{"apply", planFile, "--compress"}, l.verifyArgs()...)...)
	if a.code != 0 || len(a.stderr) != 0 {
		t.Fatalf("exit %d: %s %s", a.code, a.stderr, a.stdout)
	}
	planValid(t, a.stdout)
	checkExpect(t, gjson.ParseBytes(a.stdout), map[string]string{
		"result": "applied", "verified": "true", "verify.probed": "true", "verify.ok": "true", "verify.route.proxy": p.Addr,
		"verify.required": "5", "verify.requiredReachable": "5", "verify.failing.#": "0", "verify.interception": "none", "verify.ipLiteral": "pass",
	})
	if len(m.backups(t)) != 1 {
		t.Errorf("backups %v", m.backups(t))
	}
	// Applied again, the plan writes nothing: the route does not change and is not probed.
	again := m.planRun(t, nil, append([]string{"apply", planFile, "--compress"}, l.verifyArgs()...)...)
	if again.code != 0 {
		t.Fatalf("again: exit %d: %s", again.code, again.stderr)
	}
	checkExpect(t, gjson.ParseBytes(again.stdout), map[string]string{"result": "alreadyApplied", "verify.probed": "false"})
	// Without --verify the document says it was not asked.
	if r := m.planRun(t, nil, "apply", planFile, "--compress"); !gjson.GetBytes(r.stdout, "verify").Exists() || gjson.GetBytes(r.stdout, "verify").Type != gjson.Null {
		t.Errorf("verify without --verify: %s", r.stdout)
	}
}

func TestApplyForceNeedsVerify(t *testing.T) {
	live := planLive(t, "nothing-configured.reg")
	m := newPlanMachine(t, live)
	planFile := verifyPlan(t, m, "proxy.corp.example:8080")
	before := live.Snapshot()
	r := m.planRun(t, nil, "apply", planFile, "--force")
	if r.code != 2 || !strings.Contains(string(r.stderr), "--force") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !reflect.DeepEqual(before, live.Snapshot()) {
		t.Errorf("the registry changed")
	}
}

// A change board's what-if against an export probes the route the plan leaves in it, as the
// live apply does: recorded, and exit 1 when the route fails.
func TestApplyWhatIfFromSourceVerifies(t *testing.T) {
	l := newCheckLab(t)
	src := filepath.Join("..", "examples", "nothing-configured.reg")
	for name, c := range map[string]struct {
		o    probetest.ProxyOptions
		code int
		want map[string]string
	}{
		"working route": {probetest.ProxyOptions{Mode: probetest.Tunnel}, 0, map[string]string{
			"result": "whatIf", "verify.probed": "true", "verify.ok": "true", "verify.required": "5", "verify.requiredReachable": "5"}},
		"failing route": {probetest.ProxyOptions{Mode: probetest.AuthRequired}, 1, map[string]string{
			"result": "verifyFailed", "verify.probed": "true", "verify.ok": "false", "verify.requiredReachable": "0", "changes.0.status": "notApplied"}},
	} {
		t.Run(name, func(t *testing.T) {
			p := checkProxy(t, c.o)
			m := newPlanMachine(t, planLive(t, "nothing-configured.reg"))
			planFile := verifyPlan(t, m, p.Addr)
			a := m.planRun(t, nil, append([]string{"apply", planFile, "--what-if", "--from", src, "--compress"}, l.verifyArgs()...)...)
			if a.code != c.code {
				t.Fatalf("exit %d, want %d: %s %s", a.code, c.code, a.stderr, a.stdout)
			}
			planValid(t, a.stdout)
			c.want["verify.route.proxy"] = p.Addr
			checkExpect(t, gjson.ParseBytes(a.stdout), c.want)
		})
	}
}
