package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// apply keeps the newest --keep backups, 'backups' lists them newest first, and
// 'restore --latest' puts back the newest, which undoes the last apply.
func TestBackupsKeepListRestoreLatest(t *testing.T) {
	m := newPlanMachine(t, planLive(t, "ie-proxy-winhttp-direct.reg"))
	m.tick = true
	proxies := []string{"p1.corp.example:8080", "p2.corp.example:8080", "p3.corp.example:8080"}
	for _, p := range proxies {
		plan := m.planRun(t, nil, "plan", "--proxy", p)
		path := planWrite(t, "plan.json", plan.stdout)
		if r := m.planRun(t, nil, "apply", path, "--keep", "2"); r.code != 0 {
			t.Fatalf("apply %s: exit %d, %s", p, r.code, r.stderr)
		}
	}
	if got := m.backups(t); len(got) != 2 {
		t.Fatalf("%d backups left, want 2 (--keep 2): %v", len(got), got)
	}
	r := m.planRun(t, nil, "backups")
	if r.code != 0 {
		t.Fatalf("backups: exit %d, %s", r.code, r.stderr)
	}
	var l struct {
		Backups []struct {
			Path      string `json:"path"`
			CreatedAt string `json:"createdAt"`
			Values    []string
		} `json:"backups"`
	}
	if err := json.Unmarshal(r.stdout, &l); err != nil {
		t.Fatal(err)
	}
	if len(l.Backups) != 2 || l.Backups[0].CreatedAt <= l.Backups[1].CreatedAt || len(l.Backups[0].Values) == 0 {
		t.Fatalf("backups, newest first: %s", r.stdout)
	}
	// The newest backup holds the values before the third apply: p2.
	if r := m.planRun(t, nil, "restore", "--latest"); r.code != 0 {
		t.Fatalf("restore --latest: exit %d, %s", r.code, r.stderr)
	}
	now := m.planRun(t, nil, "get", "--compress")
	if got := gjson.GetBytes(now.stdout, "winhttp.native.proxy.raw").String(); got != proxies[1] {
		t.Errorf("after restore --latest the proxy is %q, want %q", got, proxies[1])
	}
	// Bad uses: both a file and --latest; neither; --keep 0 (on a plan that would apply).
	plan := planWrite(t, "plan.json", m.planRun(t, nil, "plan", "--proxy", "p4.corp.example:8080").stdout)
	for _, c := range []struct {
		args []string
		want string
	}{{[]string{"restore", "--latest", "x.json"}, "--latest"}, {[]string{"restore"}, "no backup named"}, {[]string{"apply", "--keep", "0", plan}, "--keep"}} {
		if r := m.planRun(t, nil, c.args...); r.code != 2 || !strings.Contains(string(r.stderr), c.want) {
			t.Errorf("%v: exit %d, want 2 naming %s: %s", c.args, r.code, c.want, r.stderr)
		}
	}
	if got := gjson.GetBytes(m.planRun(t, nil, "get", "--compress").stdout, "winhttp.native.proxy.raw").String(); got != proxies[1] {
		t.Errorf("a refused apply changed the proxy to %q", got)
	}
	// An empty folder lists no backups, and says where it looked.
	empty := filepath.Join(t.TempDir(), "none")
	if r := m.planRun(t, nil, "backups", "--backup-dir", empty); r.code != 0 || gjson.GetBytes(r.stdout, "backups.#").Int() != 0 || gjson.GetBytes(r.stdout, "folder").String() != empty {
		t.Errorf("empty folder: exit %d, %s", r.code, r.stdout)
	}
	if _, err := os.Stat(empty); err == nil {
		t.Errorf("listing created the folder")
	}
}
