package tests

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"ccproxy/probe/probetest"
)

// dsc set honours the instance's verify: the route the desired state gives the services is
// probed before writing, and a route that does not reach Citrix Cloud fails the set with
// nothing written (exit 4, DSC's "failed, nothing changed").
func TestDscSetVerify(t *testing.T) {
	l := newCheckLab(t)
	instance := func(proxy string) []byte {
		b, _ := json.Marshal(map[string]any{
			"winhttp": map[string]any{"mode": "proxy", "proxy": proxy, "bypass": []string{"<local>"}},
			"verify":  map[string]any{"catalog": l.catalog, "caFile": l.caFile, "ipLiteral": "192.0.2.10:" + strconv.Itoa(l.up.Port)},
		})
		return b
	}
	refusing := checkProxy(t, probetest.ProxyOptions{Mode: probetest.AuthRequired})
	live := planLive(t, "nothing-configured.reg")
	m := newPlanMachine(t, live)
	before := live.Snapshot()
	r := m.dscRun(t, instance(refusing.Addr), "", "dsc", "set")
	if r.code != 4 || !strings.Contains(string(r.stderr), "--verify") || !strings.Contains(string(r.stderr), "proxyAuthRequired") {
		t.Fatalf("refused set: exit %d, stderr %s", r.code, r.stderr)
	}
	if !reflect.DeepEqual(before, live.Snapshot()) || len(m.backups(t)) != 0 {
		t.Errorf("a refused set wrote to the registry or made a backup")
	}
	working := checkProxy(t, probetest.ProxyOptions{Mode: probetest.Tunnel})
	if r := m.dscRun(t, instance(working.Addr), "", "dsc", "set"); r.code != 0 || !strings.Contains(string(r.stdout), working.Addr) {
		t.Fatalf("verified set: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
	if len(m.backups(t)) != 1 {
		t.Errorf("backups %v", m.backups(t))
	}
}
