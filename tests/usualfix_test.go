package tests

import (
	"path/filepath"
	"testing"

	"github.com/tidwall/gjson"
)

// The README's fix, the desired-state example and the fleet scripts' remediation each end
// in a state that test, with the same internal resources, calls compliant.
func TestTheUsualFixEndsCompliant(t *testing.T) {
	internal := []string{"--internal", "dc01.corp.example", "--internal", "dc02.corp.example", "--internal", "10.0.20.15"}
	for _, c := range []struct {
		name     string
		plan     []string
		internal []string // nil: the list above
	}{
		{"README: plan --import-ie --add-bypass", []string{"--import-ie", "--add-bypass", "dc01.corp.example", "--add-bypass", "dc02.corp.example", "--add-bypass", "10.0.20.15"}, nil},
		{"the README's usual fix, as test offers it", []string{"--import-ie", "--add-bypass", "10.1.2.3"}, []string{"--internal", "dc01.corp.example", "--internal", "10.1.2.3"}},
		{"examples/desired-connector.json", []string{filepath.Join("..", "examples", "desired-connector.json")}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			internal := internal
			if c.internal != nil {
				internal = c.internal
			}
			m := newPlanMachine(t, planLive(t, "ie-proxy-winhttp-direct.reg"))
			before := m.planRun(t, nil, append([]string{"test"}, internal...)...)
			if before.code != 1 {
				t.Fatalf("test before the fix: exit %d, want 1", before.code)
			}
			p := applyPlanFile(t, m, c.plan...)
			if a := m.planRun(t, nil, "apply", p); a.code != 0 {
				t.Fatalf("apply: exit %d: %s", a.code, a.stderr)
			}
			after := m.planRun(t, nil, append([]string{"test"}, internal...)...)
			for _, f := range gjson.GetBytes(after.stdout, "findings").Array() {
				if s := f.Get("status").String(); s == "fail" && f.Get("check").String() != "restartNotPending" {
					t.Errorf("after the fix %s fails: %s (fix: %s)", f.Get("id"), f.Get("message"), f.Get("remediation.command"))
				}
			}
			if restart := gjson.GetBytes(after.stdout, `findings.#(id=="restartNotPending").status`).String(); restart != "fail" && (after.code != 0 || !gjson.GetBytes(after.stdout, "compliant").Bool()) {
				t.Errorf("test after the fix: exit %d, compliant %s", after.code, gjson.GetBytes(after.stdout, "compliant").Raw)
			}
			// The fix itself suggests nothing that would undo it.
			if got := gjson.GetBytes(after.stdout, `findings.#(id=="winhttpMatchesImport").status`).String(); got != "pass" {
				t.Errorf("winhttpMatchesImport = %s after the import with ensured entries", got)
			}
		})
	}
}
