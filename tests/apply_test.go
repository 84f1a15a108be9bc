package tests

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"ccproxy/model"
	"ccproxy/system"
)

// applyPlanFile plans desired (a file under examples/) on the machine and saves the plan.
func applyPlanFile(t *testing.T, m *planMachine, args ...string) string {
	t.Helper()
	r := m.planRun(t, nil, append([]string{"plan"}, args...)...)
	if r.code != 0 {
		t.Fatalf("plan: exit %d: %s", r.code, r.stderr)
	}
	if gjson.GetBytes(r.stdout, "empty").Bool() {
		t.Fatalf("plan is empty")
	}
	return planWrite(t, "plan.json", r.stdout)
}

func TestApplyThenPlanAgainIsEmpty(t *testing.T) {
	for _, machine := range []string{"ie-proxy-winhttp-direct.reg", "ie-pac-only.reg", "per-scheme-proxy.reg", "winhttp-views-disagree.reg", "nothing-configured.reg"} {
		for _, desired := range []string{"desired-connector.json", "desired-proxy.json", "desired-direct.json"} {
			t.Run(machine+"/"+desired, func(t *testing.T) {
				live := planLive(t, machine)
				m := newPlanMachine(t, live)
				d := filepath.Join("..", "examples", desired)
				first := m.planRun(t, nil, "plan", d)
				if first.code != 0 {
					t.Fatalf("plan: exit %d: %s", first.code, first.stderr)
				}
				a := m.planRun(t, nil, "apply", planWrite(t, "plan.json", first.stdout))
				if a.code != 0 || len(a.stderr) != 0 {
					t.Fatalf("apply: exit %d: %s", a.code, a.stderr)
				}
				planValid(t, a.stdout)
				empty := gjson.GetBytes(first.stdout, "empty").Bool()
				want := "applied"
				if empty {
					want = "noChanges"
				}
				if got := gjson.GetBytes(a.stdout, "result").String(); got != want || !gjson.GetBytes(a.stdout, "verified").Bool() {
					t.Errorf("result %s, want %s", got, want)
				}
				second := m.planRun(t, nil, "plan", d, "--detailed-exitcode")
				if second.code != 0 || !gjson.GetBytes(second.stdout, "empty").Bool() {
					t.Errorf("second plan not empty (exit %d):\n%s", second.code, gjson.GetBytes(second.stdout, "changes").Raw)
				}
				if !empty {
					// The diff between the desired state and the machine is gone too.
					if r := m.planRun(t, nil, "diff", d); r.code != 0 {
						t.Errorf("diff after apply: exit %d %s", r.code, r.stdout)
					}
				}
			})
		}
	}
}

func TestApplyBackupAndOutput(t *testing.T) {
	live := planLive(t, "ie-proxy-winhttp-direct.reg")
	m := newPlanMachine(t, live)
	before := live.Snapshot()
	planFile := applyPlanFile(t, m, "../examples/desired-proxy.json")
	a := m.planRun(t, nil, "apply", planFile)
	if a.code != 0 {
		t.Fatalf("exit %d: %s", a.code, a.stderr)
	}
	planValid(t, a.stdout)
	path := gjson.GetBytes(a.stdout, "backup.path").String()
	if filepath.Dir(path) != m.backupDir() || !strings.HasPrefix(filepath.Base(path), "backup-20260304T050607Z-") {
		t.Errorf("backup path %s, want under %s", path, m.backupDir())
	}
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	planValid(t, doc)
	if runtime.GOOS != "windows" {
		if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
			t.Errorf("backup mode %v", st.Mode().Perm())
		}
		if st, _ := os.Stat(m.backupDir()); st.Mode().Perm() != 0o700 {
			t.Errorf("backup folder mode %v", st.Mode().Perm())
		}
	}
	// The backup holds every touched value exactly as it was, "did not exist" included.
	n := gjson.GetBytes(doc, "values.#").Int()
	if n != gjson.GetBytes(a.stdout, "changes.#").Int() || n != gjson.GetBytes(a.stdout, "backup.values").Int() {
		t.Errorf("backup holds %d values", n)
	}
	for _, v := range gjson.GetBytes(doc, "values").Array() {
		key := strings.ToLower(system.CanonicalPath(v.Get("registryPath").String())) + `\\` + strings.ToLower(v.Get("valueName").String())
		old, existed := before[key]
		if v.Get("exists").Bool() != existed {
			t.Errorf("%s: exists %v, was %v", key, v.Get("exists").Bool(), existed)
			continue
		}
		if existed && (v.Get("hex").String() != fmt.Sprintf("%x", old.Data) || uint32(v.Get("type").Int()) != old.Type) {
			t.Errorf("%s: backup %s, was %x", key, v.Get("hex").String(), old.Data)
		}
	}
	for path, want := range map[string]string{
		"result": "applied", "verified": "true", "wininetNotified": "true", "restartRequired.required": "true",
		"changes.0.status": "applied", "changes.0.target.view": "wow64", "error": "",
	} {
		if got := gjson.GetBytes(a.stdout, path).String(); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
}

func TestApplyWhatIf(t *testing.T) {
	live := planLive(t, "ie-proxy-winhttp-direct.reg")
	m := newPlanMachine(t, live)
	before := live.Snapshot()
	planFile := applyPlanFile(t, m, "--import-ie")
	a := m.planRun(t, nil, "apply", planFile, "--what-if")
	if a.code != 0 {
		t.Fatalf("exit %d: %s", a.code, a.stderr)
	}
	planValid(t, a.stdout)
	if gjson.GetBytes(a.stdout, "result").String() != "whatIf" || gjson.GetBytes(a.stdout, "changes.0.status").String() != "wouldApply" ||
		gjson.GetBytes(a.stdout, "backup").Type != gjson.Null {
		t.Errorf("%s", a.stdout)
	}
	if !reflect.DeepEqual(before, live.Snapshot()) {
		t.Errorf("--what-if wrote")
	}
	if _, err := os.Stat(m.backupDir()); err == nil {
		t.Errorf("--what-if made a backup")
	}
}

func TestApplyRefusesStalePlan(t *testing.T) {
	live := planLive(t, "ie-proxy-winhttp-direct.reg")
	m := newPlanMachine(t, live)
	planFile := applyPlanFile(t, m, "../examples/desired-connector.json")
	// Someone changes the user's proxy after the plan was made.
	settings := `HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Internet Settings`
	if err := live.SetValue(settings, "ProxyOverride", model.EncodeRegString("<local>")); err != nil {
		t.Fatal(err)
	}
	before := live.Snapshot()
	a := m.planRun(t, nil, "apply", planFile)
	want := `plan is stale: ` + settings + `\ProxyOverride changed since the plan was made; hint: run 'ccproxy plan' again`
	if a.code != 2 || !bytes.Contains(a.stderr, []byte(strings.ReplaceAll(want, `\`, `\\`))) || len(a.stdout) != 0 {
		t.Fatalf("exit %d, stderr %s", a.code, a.stderr)
	}
	if !reflect.DeepEqual(before, live.Snapshot()) {
		t.Errorf("a stale plan wrote")
	}
	// An edited plan is refused before anything is read.
	doc, _ := os.ReadFile(planFile)
	at := bytes.Index(doc, []byte(`"changes"`))
	edited := append(append([]byte{}, doc[:at]...), bytes.Replace(doc[at:], []byte(`"valueName": "WinHttpSettings"`), []byte(`"valueName": "AppInit_DLLs"`), 1)...)
	a = m.planRun(t, nil, "apply", planWrite(t, "edited.json", edited))
	if a.code != 2 || !bytes.Contains(a.stderr, []byte("not a proxy setting")) {
		t.Errorf("edited plan: exit %d %s", a.code, a.stderr)
	}
}

// Counts writes on the fake and fails the ones the test picks.
type applyFaults struct {
	mu     sync.Mutex
	writes int
	fail   func(n int) bool
}

func (f *applyFaults) hook(op, path, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writes++
	if f.fail != nil && f.fail(f.writes) {
		return fmt.Errorf("injected failure at write %d (%s %s)", f.writes, op, name)
	}
	return nil
}

// A failure at each single write step leaves the registry byte-identical (exit 4); when the
// rollback fails too, exit 5 names the backup, and restoring it gives the bytes back.
func TestApplyFaultInjection(t *testing.T) {
	// On the PAC-only machine this plan creates, updates and deletes values in both stacks.
	desired, machine := "../examples/desired-proxy.json", "ie-pac-only.reg"
	probe := newPlanMachine(t, planLive(t, machine))
	steps := int(gjson.GetBytes(probe.planRun(t, nil, "plan", desired).stdout, "changes.#").Int())
	if steps < 7 {
		t.Fatalf("the plan has %d writes; the test needs both stacks", steps)
	}
	for step := 1; step <= steps; step++ {
		t.Run(fmt.Sprint("write ", step, " fails"), func(t *testing.T) {
			live := planLive(t, machine)
			m := newPlanMachine(t, live)
			planFile := applyPlanFile(t, m, desired)
			before := live.Snapshot()
			faults := &applyFaults{fail: func(n int) bool { return n == step }}
			live.FailWrite = faults.hook
			a := m.planRun(t, nil, "apply", planFile)
			if a.code != 4 {
				t.Fatalf("exit %d: %s", a.code, a.stderr)
			}
			if !bytes.Contains(a.stderr, []byte("apply failed and was rolled back: writing ")) || !bytes.Contains(a.stderr, []byte("nothing changed")) {
				t.Errorf("stderr: %s", a.stderr)
			}
			planValid(t, a.stdout)
			if gjson.GetBytes(a.stdout, "result").String() != "rolledBack" || gjson.GetBytes(a.stdout, "restartRequired.required").Bool() {
				t.Errorf("result %s, restart %s: nothing changed, nothing to restart", gjson.GetBytes(a.stdout, "result"), gjson.GetBytes(a.stdout, "restartRequired"))
			}
			if !reflect.DeepEqual(before, live.Snapshot()) {
				t.Errorf("registry differs after the rollback")
			}
		})
		t.Run(fmt.Sprint("read back ", step, " fails"), func(t *testing.T) {
			live := planLive(t, machine)
			m := newPlanMachine(t, live)
			planFile := applyPlanFile(t, m, desired)
			before := live.Snapshot()
			var mu sync.Mutex
			writes, reads := 0, 0
			live.FailWrite = func(op, path, name string) error { mu.Lock(); writes++; mu.Unlock(); return nil }
			live.FailRead = func(path, name string) error {
				mu.Lock()
				defer mu.Unlock()
				if writes < steps {
					return nil // still checking the fingerprint or writing
				}
				if reads++; reads == step {
					return errors.New("injected read failure")
				}
				return nil
			}
			a := m.planRun(t, nil, "apply", planFile)
			if a.code != 4 || !bytes.Contains(a.stderr, []byte("reading back")) {
				t.Fatalf("exit %d: %s", a.code, a.stderr)
			}
			if !reflect.DeepEqual(before, live.Snapshot()) {
				t.Errorf("registry differs after the rollback")
			}
		})
	}
	for step := 2; step <= steps; step++ {
		t.Run(fmt.Sprint("rollback fails after write ", step), func(t *testing.T) {
			live := planLive(t, machine)
			m := newPlanMachine(t, live)
			planFile := applyPlanFile(t, m, desired)
			before := live.Snapshot()
			faults := &applyFaults{fail: func(n int) bool { return n >= step }}
			live.FailWrite = faults.hook
			a := m.planRun(t, nil, "apply", planFile)
			if a.code != 5 {
				t.Fatalf("exit %d: %s", a.code, a.stderr)
			}
			backup := gjson.GetBytes(a.stdout, "backup.path").String()
			if backup == "" || !bytes.Contains(a.stderr, []byte("ccproxy restore "+strings.ReplaceAll(backup, `\`, `\\`))) {
				t.Errorf("the message must name the backup %s: %s", backup, a.stderr)
			}
			if gjson.GetBytes(a.stdout, "result").String() != "rollbackFailed" {
				t.Errorf("result %s", gjson.GetBytes(a.stdout, "result"))
			}
			// Once the registry works again, the named backup gives the bytes back.
			live.FailWrite = nil
			r := m.planRun(t, nil, "restore", backup)
			if r.code != 0 {
				t.Fatalf("restore: exit %d: %s", r.code, r.stderr)
			}
			if !reflect.DeepEqual(before, live.Snapshot()) {
				t.Errorf("restore did not give back the bytes")
			}
		})
	}
}

func TestApplyBackupFolderUnwritable(t *testing.T) {
	live := planLive(t, "ie-proxy-winhttp-direct.reg")
	m := newPlanMachine(t, live)
	planFile := applyPlanFile(t, m, "--import-ie")
	before := live.Snapshot()
	// A file where the backup folder should be: no backup can be written (a read-only
	// folder would not stop root, nor an administrator on Windows).
	blocker := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	a := m.planRun(t, nil, "apply", planFile, "--backup-dir", filepath.Join(blocker, "backups"))
	if a.code != 3 || !bytes.Contains(a.stderr, []byte("nothing was written")) {
		t.Errorf("exit %d: %s", a.code, a.stderr)
	}
	if !reflect.DeepEqual(before, live.Snapshot()) {
		t.Errorf("wrote without a backup")
	}
}

// logged wraps the shared fake so that each apply's registry calls are recorded in one log.
type logged struct {
	*system.MemStore
	tag string
	mu  *sync.Mutex
	log *[]string
}

func (l logged) note(op string) {
	l.mu.Lock()
	*l.log = append(*l.log, l.tag+" "+op)
	l.mu.Unlock()
	// Widen the window in which two unlocked applies would interleave.
	time.Sleep(2 * time.Millisecond)
}

func (l logged) ReadValue(path, name string) (*system.Value, error) {
	l.note("read")
	return l.MemStore.ReadValue(path, name)
}

func (l logged) SetValue(path, name string, v system.Value) error {
	l.note("write")
	return l.MemStore.SetValue(path, name, v)
}

func (l logged) DeleteValue(path, name string) error {
	l.note("write")
	return l.MemStore.DeleteValue(path, name)
}

// Two applies of the same plan at once: one applies, the other waits for the lock, then
// finds the plan already applied (exit 0, nothing written); their registry accesses never
// interleave.
func TestApplyConcurrent(t *testing.T) {
	shared := planLive(t, "ie-proxy-winhttp-direct.reg")
	setup := newPlanMachine(t, shared)
	planFile := applyPlanFile(t, setup, "../examples/desired-proxy.json")
	var mu sync.Mutex
	var log []string
	results := make([]result, 2)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := &planMachine{live: logged{MemStore: shared, tag: fmt.Sprint(i), mu: &mu, log: &log}, stateDir: setup.stateDir}
			results[i] = m.planRun(t, nil, "apply", planFile)
		}()
	}
	wg.Wait()
	got := []string{}
	for _, r := range results {
		if r.code != 0 {
			t.Fatalf("exit codes %d, %d: %s | %s", results[0].code, results[1].code, results[0].stderr, results[1].stderr)
		}
		got = append(got, gjson.GetBytes(r.stdout, "result").String())
	}
	if !(got[0] == "applied" && got[1] == "alreadyApplied" || got[0] == "alreadyApplied" && got[1] == "applied") {
		t.Fatalf("results %v, want one applied and one alreadyApplied", got)
	}
	// All of one apply's accesses come before all of the other's.
	switches := 0
	for i := 1; i < len(log); i++ {
		if log[i][0] != log[i-1][0] {
			switches++
		}
	}
	if switches != 1 {
		t.Errorf("registry accesses interleave (%d switches): %v", switches, log)
	}
	if again := setup.planRun(t, nil, "plan", "../examples/desired-proxy.json"); !gjson.GetBytes(again.stdout, "empty").Bool() {
		t.Errorf("the winner's apply is incomplete")
	}
}

func TestRestore(t *testing.T) {
	live := planLive(t, "ie-pac-only.reg")
	m := newPlanMachine(t, live)
	original := live.Snapshot()
	a := m.planRun(t, nil, "apply", applyPlanFile(t, m, "../examples/desired-proxy.json"))
	if a.code != 0 {
		t.Fatalf("apply: %d %s", a.code, a.stderr)
	}
	backup := gjson.GetBytes(a.stdout, "backup.path").String()
	// The backup is UTF-16 after a trip through Windows PowerShell 5.1: still readable.
	doc, _ := os.ReadFile(backup)
	ps51 := planWrite(t, "backup-ps51.json", planUTF16(strings.ReplaceAll(string(doc), "\n", "\r\n")))
	w := m.planRun(t, nil, "restore", ps51, "--what-if")
	if w.code != 0 || gjson.GetBytes(w.stdout, "result").String() != "whatIf" {
		t.Fatalf("restore --what-if: %d %s %s", w.code, w.stdout, w.stderr)
	}
	r := m.planRun(t, nil, "restore", backup)
	if r.code != 0 {
		t.Fatalf("restore: %d %s", r.code, r.stderr)
	}
	planValid(t, r.stdout)
	if !reflect.DeepEqual(original, live.Snapshot()) {
		t.Errorf("restore did not give back the exact bytes")
	}
	var deleted int
	for _, c := range gjson.GetBytes(r.stdout, "changes").Array() {
		if c.Get("action").String() == "delete" {
			deleted++
		}
	}
	if deleted == 0 {
		t.Errorf("values the apply created must be deleted: %s", r.stdout)
	}
	// The restore made its own backup, so it can be undone too.
	own := gjson.GetBytes(r.stdout, "backup.path").String()
	if own == "" || own == backup {
		t.Errorf("restore's own backup: %q", own)
	}
	if b := m.backups(t); len(b) != 2 {
		t.Errorf("backups: %v", b)
	}
	// Restoring again changes nothing.
	again := m.planRun(t, nil, "restore", backup)
	if again.code != 0 || gjson.GetBytes(again.stdout, "result").String() != "noChanges" {
		t.Errorf("second restore: %s", again.stdout)
	}
	bad := m.planRun(t, nil, "restore", planWrite(t, "x.json", []byte(`{"schema":"ccproxy/plan@1"}`)))
	if bad.code != 2 {
		t.Errorf("a plan is not a backup: exit %d %s", bad.code, bad.stderr)
	}
}

// A plan that went through PowerShell (ConvertFrom-Json | ConvertTo-Json -Depth 10 |
// Out-File in 5.1: UTF-16, CRLF, 4-space indentation, <>' escaped) still applies.
func TestApplyPlanAfterPowerShell(t *testing.T) {
	live := planLive(t, "ie-proxy-winhttp-direct.reg")
	m := newPlanMachine(t, live)
	r := m.planRun(t, nil, "plan", "../examples/desired-connector.json")
	text := strings.ReplaceAll(string(r.stdout), "\n", "\r\n")
	text = strings.ReplaceAll(text, "  ", "    ")
	text = strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "'", `\u0027`).Replace(text)
	a := m.planRun(t, nil, "apply", planWrite(t, "plan.json", planUTF16(text)))
	if a.code != 0 {
		t.Fatalf("exit %d: %s", a.code, a.stderr)
	}
	// And from stdin with a UTF-8 BOM.
	live2 := planLive(t, "ie-proxy-winhttp-direct.reg")
	m2 := newPlanMachine(t, live2)
	a2 := m2.planRun(t, append([]byte{0xEF, 0xBB, 0xBF}, r.stdout...), "apply", "-")
	if a2.code != 0 {
		t.Fatalf("stdin: exit %d: %s", a2.code, a2.stderr)
	}
	if !reflect.DeepEqual(live.Snapshot(), live2.Snapshot()) {
		t.Errorf("the two applies differ")
	}
}

// On this OS apply reaches the real registry only on Windows; elsewhere it says so.
func TestApplyLiveElsewhere(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Log("Windows: the live registry is covered by the Wine tests")
		return
	}
	plan := run(t, nil, "plan", "--from", "examples/ie-proxy-winhttp-direct.reg", "--import-ie")
	r := run(t, plan.stdout, "apply", "-", "--backup-dir", t.TempDir())
	if r.code != 3 || !bytes.Contains(r.stderr, []byte("--from")) {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
}

// Applying a plan again is success with nothing written; a plan made from another
// machine's state is refused with that reason, not as stale.
func TestApplyAgainAndOtherHost(t *testing.T) {
	m := newPlanMachine(t, planLive(t, "ie-proxy-winhttp-direct.reg"))
	p := applyPlanFile(t, m, "--import-ie", "--add-bypass", "dc01.corp.example")
	if a := m.planRun(t, nil, "apply", p); a.code != 0 || gjson.GetBytes(a.stdout, "result").String() != "applied" {
		t.Fatalf("first apply: exit %d %s", a.code, a.stderr)
	}
	before := len(m.backups(t))
	again := m.planRun(t, nil, "apply", p)
	if again.code != 0 || gjson.GetBytes(again.stdout, "result").String() != "alreadyApplied" || len(again.stderr) != 0 {
		t.Fatalf("second apply: exit %d, result %s, stderr %s", again.code, gjson.GetBytes(again.stdout, "result"), again.stderr)
	}
	planValid(t, again.stdout)
	if len(m.backups(t)) != before || gjson.GetBytes(again.stdout, "backup").Type != gjson.Null {
		t.Errorf("applying again wrote a backup")
	}
	other := strings.Replace(string(planRead(t, p)), `"host": "CC01"`, `"host": "CC02"`, 1)
	r := m.planRun(t, nil, "apply", planWrite(t, "other.json", []byte(other)))
	if r.code != 2 || !strings.Contains(string(r.stderr), `made from the state of \"CC02\"`) || strings.Contains(string(r.stderr), "stale") {
		t.Errorf("plan of another host: exit %d, %s", r.code, r.stderr)
	}
}

func planRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// restore checks what it would write as apply does, and says when a backup is another
// machine's.
func TestRestoreValidatesTheBackup(t *testing.T) {
	m := newPlanMachine(t, planLive(t, "ie-proxy-winhttp-direct.reg"))
	a := m.planRun(t, nil, "apply", applyPlanFile(t, m, "--import-ie"))
	if a.code != 0 {
		t.Fatalf("apply: exit %d %s", a.code, a.stderr)
	}
	backup := planRead(t, gjson.GetBytes(a.stdout, "backup.path").String())
	snap := m.live.(*system.MemStore).Snapshot()
	native := `"valueName": "WinHttpSettings",`
	if !bytes.Contains(backup, []byte(native)) {
		t.Fatalf("backup has no WinHttpSettings: %s", backup)
	}
	for _, c := range []struct{ name, from, to, frag string }{
		{"type code against type name", `"type": 3,`, `"type": 1,`, `does not agree with type code 1`},
		{"REG_SZ WinHttpSettings", `"type": 3,
      "typeName": "REG_BINARY",`, `"type": 1,
      "typeName": "REG_SZ",`, "WinHttpSettings must be REG_BINARY, not REG_SZ"},
		{"a blob that does not decode", `"hex": "28000000`, `"hex": "ff000000`, "does not decode"},
	} {
		edited := bytes.Replace(backup, []byte(c.from), []byte(c.to), 1)
		if bytes.Equal(edited, backup) {
			t.Fatalf("%s: the edit did not apply", c.name)
		}
		r := m.planRun(t, nil, "restore", planWrite(t, "edited.json", edited))
		if r.code != 2 || !strings.Contains(string(r.stderr), c.frag) {
			t.Errorf("%s: exit %d, %s; want 2 saying %q", c.name, r.code, r.stderr, c.frag)
		}
		if !reflect.DeepEqual(snap, m.live.(*system.MemStore).Snapshot()) {
			t.Fatalf("%s: a refused restore changed the registry", c.name)
		}
	}
	other := bytes.Replace(backup, []byte(`"host": "CC01"`), []byte(`"host": "CC09"`), 1)
	r := m.planRun(t, nil, "restore", planWrite(t, "other.json", other))
	if r.code != 0 || !gjson.GetBytes(r.stdout, `warnings.#(code=="backupFromOtherHost")`).Exists() {
		t.Errorf("backup of another host: exit %d %s %s", r.code, r.stderr, gjson.GetBytes(r.stdout, "warnings").Raw)
	}
}
