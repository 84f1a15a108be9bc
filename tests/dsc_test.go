package tests

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"ccproxy/model"
	"ccproxy/model/dscres"
)

// The manifest the binary prints validates against DSC's manifest schema, and that
// schema is strict enough to refuse what DSC refuses.
func TestDscManifestValidates(t *testing.T) {
	r := run(t, nil, "dsc", "manifest")
	if r.code != 0 || len(r.stderr) != 0 {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	manifestSchema := dscSchemaFile(t, "manifest.json")
	if err := dscValidate(manifestSchema, r.stdout); err != nil {
		t.Fatalf("the manifest does not validate against DSC's schema: %v\n%s", err, r.stdout)
	}

	var m map[string]any
	if err := json.Unmarshal(r.stdout, &m); err != nil {
		t.Fatal(err)
	}
	if m["type"] != dscres.Type || m["$schema"] != dscres.ManifestSchema {
		t.Errorf("type %v, $schema %v", m["type"], m["$schema"])
	}
	for _, op := range []string{"get", "set", "test", "export", "whatIf"} {
		o, _ := m[op].(map[string]any)
		if o == nil || o["executable"] != "ccproxy" || o["input"] != "stdin" {
			t.Errorf("%s: %v", op, m[op])
		}
	}
	for _, op := range []string{"set", "test", "whatIf"} {
		if m[op].(map[string]any)["return"] != "stateAndDiff" {
			t.Errorf("%s does not return stateAndDiff", op)
		}
	}
	codes, _ := m["exitCodes"].(map[string]any)
	if _, ok := codes["1"]; ok || codes["0"] == nil {
		t.Errorf("exit codes %v: drift must not be an exit code", codes)
	}

	// The embedded instance schema is the one 'dsc schema' prints, and it compiles.
	embedded, _ := json.Marshal(m["schema"].(map[string]any)["embedded"])
	s := run(t, nil, "dsc", "schema")
	var a, b any
	_ = json.Unmarshal(embedded, &a)
	_ = json.Unmarshal(s.stdout, &b)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("the embedded schema differs from 'dsc schema'")
	}
	dscCompile(t, "https://ccproxy.test/embedded.json", embedded)

	// DSC accepts canonical properties only as a bare $ref: spelling one out fails, as the
	// apt example in DSC's own repository does.
	spelled := bytes.Replace(r.stdout,
		[]byte(`"$ref": "https://aka.ms/dsc/schemas/v3/resource/properties/inDesiredState.json"`),
		[]byte(`"type": "boolean"`), 1)
	if bytes.Equal(spelled, r.stdout) {
		t.Fatal("the manifest does not reference _inDesiredState by $ref")
	}
	if dscValidate(manifestSchema, spelled) == nil {
		t.Error("a manifest with _inDesiredState spelled out validated; the schema check proves nothing")
	}
	apt, err := os.ReadFile(filepath.Join(dscSchemas, "example-apt.dsc.resource.json"))
	if err != nil {
		t.Fatal(err)
	}
	if dscValidate(manifestSchema, apt) == nil {
		t.Error("DSC's apt example validated, but its _exist is not a $ref")
	}
}

// Each operation's stdout validates line by line against DSC's stdout schema for it, and
// every state line against the instance schema, on a machine whose WinINet uses a proxy
// and WinHTTP goes direct.
func TestDscOperationsStdout(t *testing.T) {
	instance := dscInstanceSchema(t)
	importIE := `{"winhttp":{"mode":"importFromIE","ensureBypass":["*.corp.example","cc01.corp.example"]}}`
	cases := []struct {
		name, stdout string
		stdin        string
		args         []string
		lines        int
		diff         string // the last line, the diff, for the operations that return stateAndDiff
	}{
		{"get everything", "stdout-get.json", "", []string{"dsc", "get"}, 1, ""},
		{"get winhttp", "stdout-get.json", `{"winhttp":{"views":["wow64"]}}`, []string{"dsc", "get"}, 1, ""},
		{"get from --input", "stdout-get.json", "", []string{"dsc", "get", "--input", `{"wininet":{"user":"current"}}`}, 1, ""},
		{"test with drift", "stdout-test.json", importIE, []string{"dsc", "test"}, 2, `["winhttp"]`},
		{"what-if", "stdout-set.json", importIE, []string{"dsc", "set", "--what-if"}, 2, `["winhttp"]`},
		{"set", "stdout-set.json", importIE, []string{"dsc", "set"}, 2, `["winhttp"]`},
		{"test in desired state", "stdout-test.json", importIE, []string{"dsc", "test"}, 2, `[]`},
		{"export", "stdout-export.json", "", []string{"dsc", "export"}, 2, ""},
	}
	m := newPlanMachine(t, planLive(t, "ie-proxy-winhttp-direct.reg"))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := m.dscRun(t, []byte(c.stdin), "", c.args...)
			if r.code != 0 {
				t.Fatalf("exit %d; stderr %s", r.code, r.stderr)
			}
			dscTraces(t, r.stderr)
			lines := dscLines(t, r.stdout)
			if len(lines) != c.lines {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), c.lines, r.stdout)
			}
			opSchema := dscSchemaFile(t, c.stdout)
			for i, l := range lines {
				if err := dscValidate(opSchema, l); err != nil {
					t.Errorf("line %d against %s: %v\n%s", i+1, c.stdout, err, l)
				}
				if c.diff != "" && i == len(lines)-1 {
					if string(l) != c.diff {
						t.Errorf("diff %s, want %s", l, c.diff)
					}
					continue
				}
				if err := dscValidate(instance, l); err != nil {
					t.Errorf("line %d against the instance schema: %v\n%s", i+1, err, l)
				}
			}
		})
	}
}

// dscDecode reads the state line and the diff line of a stateAndDiff output.
func dscDecode(t *testing.T, r result) (map[string]any, []string) {
	t.Helper()
	lines := dscLines(t, r.stdout)
	if r.code != 0 || len(lines) != 2 {
		t.Fatalf("exit %d, %d lines\nstdout %s\nstderr %s", r.code, len(lines), r.stdout, r.stderr)
	}
	var state map[string]any
	var diff []string
	if err := json.Unmarshal(lines[0], &state); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(lines[1], &diff); err != nil {
		t.Fatal(err)
	}
	return state, diff
}

// Set goes through plan, backup, write and verify; a test right after it reports the
// desired state, and a second set changes nothing.
func TestDscSetThenTest(t *testing.T) {
	live := planLive(t, "ie-proxy-winhttp-direct.reg")
	m := newPlanMachine(t, live)
	want := []byte(`{"winhttp":{"mode":"importFromIE","ensureBypass":"cc01.corp.example"}}`)

	state, diff := dscDecode(t, m.dscRun(t, want, "", "dsc", "test"))
	if state["_inDesiredState"] != false || !reflect.DeepEqual(diff, []string{"winhttp"}) {
		t.Fatalf("before set: %v %v", state, diff)
	}

	state, diff = dscDecode(t, m.dscRun(t, want, "", "dsc", "set"))
	if state["_rebootRequested"] != true || !reflect.DeepEqual(diff, []string{"winhttp"}) {
		t.Fatalf("set: %v %v", state, diff)
	}
	w := state["winhttp"].(map[string]any)
	if w["mode"] != "proxy" || w["proxy"] != "proxy.corp.example:8080" {
		t.Errorf("set left %v", w)
	}
	if bp, _ := w["bypass"].([]any); len(bp) == 0 || bp[len(bp)-1] != "cc01.corp.example" {
		t.Errorf("bypass %v lacks the ensured entry at its end", w["bypass"])
	}
	if !reflect.DeepEqual(w["views"], []any{"native", "wow64"}) {
		t.Errorf("views %v", w["views"])
	}
	// The registry holds what set reported, in both views.
	for _, key := range []string{model.WinHTTPNativeKey, model.WinHTTPWOW64Key} {
		v, err := live.ReadValue(key, model.WinHTTPValue)
		if err != nil || v == nil {
			t.Fatalf("%s: %v %v", key, v, err)
		}
		blob, err := model.DecodeWinHTTP(v.Data)
		if err != nil || blob.Proxy != "proxy.corp.example:8080" || !strings.HasSuffix(blob.Bypass, ";cc01.corp.example") {
			t.Errorf("%s: %+v %v", key, blob, err)
		}
	}
	if b := m.backups(t); len(b) != 1 {
		t.Errorf("backups %v, want the one apply writes", b)
	}

	state, diff = dscDecode(t, m.dscRun(t, want, "", "dsc", "test"))
	if state["_inDesiredState"] != true || len(diff) != 0 {
		t.Fatalf("after set: %v %v", state, diff)
	}

	state, diff = dscDecode(t, m.dscRun(t, want, "", "dsc", "set"))
	if state["_rebootRequested"] != false || len(diff) != 0 {
		t.Fatalf("second set: %v %v", state, diff)
	}
	if b := m.backups(t); len(b) != 1 {
		t.Errorf("a set with nothing to do wrote a backup: %v", b)
	}
}

// A WinINet change is not a reason to restart the machine; the diff names the part.
func TestDscSetWinINet(t *testing.T) {
	m := newPlanMachine(t, planLive(t, "ie-proxy-winhttp-direct.reg"))
	want := []byte(`{"wininet":{"ensureBypass":["cc02.corp.example"]}}`)
	state, diff := dscDecode(t, m.dscRun(t, want, "", "dsc", "set"))
	if state["_rebootRequested"] != false || !reflect.DeepEqual(diff, []string{"wininet"}) {
		t.Fatalf("set: %v %v", state, diff)
	}
	if _, ok := state["winhttp"]; ok {
		t.Errorf("the output shows a part the instance does not name: %v", state)
	}
	state, diff = dscDecode(t, m.dscRun(t, want, "", "dsc", "test"))
	if state["_inDesiredState"] != true || len(diff) != 0 {
		t.Fatalf("after set: %v %v", state, diff)
	}
}

// What-if reports the state set would leave and writes nothing at all.
func TestDscWhatIfWritesNothing(t *testing.T) {
	live := planLive(t, "ie-proxy-winhttp-direct.reg")
	m := newPlanMachine(t, live)
	before := live.Snapshot()
	state, diff := dscDecode(t, m.dscRun(t, []byte(`{"winhttp":{"mode":"importFromIE"}}`), "", "dsc", "set", "--what-if"))
	if w := state["winhttp"].(map[string]any); w["mode"] != "proxy" || state["_rebootRequested"] != true || !reflect.DeepEqual(diff, []string{"winhttp"}) {
		t.Errorf("what-if: %v %v", state, diff)
	}
	if !reflect.DeepEqual(before, live.Snapshot()) {
		t.Error("what-if changed the registry")
	}
	if b := m.backups(t); len(b) != 0 {
		t.Errorf("what-if wrote backups %v", b)
	}
}

// A failed write is rolled back by the same apply code, and DSC gets a failure exit code
// with the reason on stderr.
func TestDscSetRollsBack(t *testing.T) {
	live := planLive(t, "ie-proxy-winhttp-direct.reg")
	m := newPlanMachine(t, live)
	before := live.Snapshot()
	live.FailWrite = func(op, path, name string) error {
		if strings.Contains(path, "WOW6432Node") {
			return errors.New("injected failure")
		}
		return nil
	}
	r := m.dscRun(t, []byte(`{"winhttp":{"mode":"importFromIE"}}`), "", "dsc", "set")
	if r.code != 4 || len(r.stdout) != 0 {
		t.Fatalf("exit %d, stdout %s", r.code, r.stdout)
	}
	traces := dscTraces(t, r.stderr)
	if len(traces) == 0 || traces[len(traces)-1].Level != "ERROR" || !strings.Contains(traces[len(traces)-1].Fields.Message, "rolled back") {
		t.Errorf("stderr %s", r.stderr)
	}
	live.FailWrite = nil
	if !reflect.DeepEqual(before, live.Snapshot()) {
		t.Error("the registry changed although the set was rolled back")
	}
}

// A bad instance is refused before anything is read or written, with exit code 2 and one
// ERROR line that names the input, the property and the problem, the way DSC shows it.
func TestDscBadInstance(t *testing.T) {
	instance := dscInstanceSchema(t)
	cases := []struct {
		name, stdin string
		want        string // in the message
		schemaToo   bool   // DSC's own validation against the instance schema refuses it too
	}{
		{"unknown property", `{"winhttp":{"proxyServer":"p:8080"}}`, `stdin: $.winhttp: unknown key "proxyServer"`, true},
		{"unknown mode", `{"winhttp":{"mode":"auto"}}`, `$.winhttp.mode`, true},
		{"direct with a bypass list", `{"winhttp":{"mode":"direct","bypass":["a.corp.example"]}}`, `$.winhttp: mode "direct" takes no proxy or bypass list`, false},
		{"credentials", `{"winhttp":{"proxy":"bob:secret@p.corp.example:8080"}}`, `$.winhttp.proxy: the proxy holds credentials`, false},
		{"bad port", `{"winhttp":{"proxy":"p.corp.example:99999"}}`, `$.winhttp.proxy`, false},
		{"bad user", `{"wininet":{"user":"bob","manualProxy":false}}`, `$.wininet.user`, true},
		{"asks for nothing", `{}`, `stdin: $: the instance asks for nothing`, false},
		{"exist false", `{"_exist":false,"winhttp":{"mode":"direct"}}`, `$._exist`, true},
		{"not JSON", `{"winhttp":`, `stdin:`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			live := planLive(t, "ie-proxy-winhttp-direct.reg")
			m := newPlanMachine(t, live)
			before := live.Snapshot()
			for _, op := range []string{"test", "set"} {
				r := m.dscRun(t, []byte(c.stdin), "", "dsc", op)
				if r.code != 2 || len(r.stdout) != 0 {
					t.Fatalf("%s: exit %d, stdout %s", op, r.code, r.stdout)
				}
				traces := dscTraces(t, r.stderr)
				if len(traces) != 1 || traces[0].Level != "ERROR" || !strings.Contains(traces[0].Fields.Message, c.want) {
					t.Errorf("%s: stderr %s, want one ERROR line with %q", op, r.stderr, c.want)
				}
				if strings.Contains(string(r.stderr), "secret") {
					t.Errorf("%s: the password reached stderr: %s", op, r.stderr)
				}
			}
			if !reflect.DeepEqual(before, live.Snapshot()) {
				t.Error("a refused instance changed the registry")
			}
			if c.schemaToo {
				if err := dscValidate(instance, []byte(c.stdin)); err == nil {
					t.Errorf("the instance schema accepts %s", c.stdin)
				}
			}
		})
	}
}

// DSC_TRACE_LEVEL decides what reaches stderr.
func TestDscTraceLevel(t *testing.T) {
	m := newPlanMachine(t, planLive(t, "winhttp-views-disagree.reg"))
	count := func(level string) map[string]int {
		r := m.dscRun(t, []byte(`{"winhttp":{"mode":"direct"}}`), level, "dsc", "test")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		n := map[string]int{}
		for _, tl := range dscTraces(t, r.stderr) {
			n[tl.Level]++
		}
		return n
	}
	if n := count("error"); len(n) != 0 {
		t.Errorf("error level: %v", n)
	}
	if n := count(""); n["WARN"] == 0 || n["INFO"] != 0 {
		t.Errorf("default level: %v", n)
	}
	if n := count("info"); n["WARN"] == 0 || n["INFO"] == 0 {
		t.Errorf("info level: %v", n)
	}
}

// Every exported instance reads back as a desired state the machine is in.
func TestDscExportRoundTrip(t *testing.T) {
	for _, example := range []string{"ie-proxy-winhttp-direct.reg", "winhttp-views-disagree.reg", "per-scheme-proxy.reg", "ie-pac-only.reg", "nothing-configured.reg"} {
		t.Run(example, func(t *testing.T) {
			m := newPlanMachine(t, planLive(t, example))
			r := m.dscRun(t, nil, "", "dsc", "export")
			lines := dscLines(t, r.stdout)
			if r.code != 0 || len(lines) == 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			for _, l := range lines {
				state, diff := dscDecode(t, m.dscRun(t, l, "", "dsc", "test"))
				if state["_inDesiredState"] != true || len(diff) != 0 {
					t.Errorf("exported %s tests as %v %v", l, state["_inDesiredState"], diff)
				}
			}
		})
	}
}

// Run as DSC runs it, the built binary reports a failure in DSC's format on stderr, with
// the exit code the manifest describes and nothing on stdout.
func TestDscBinaryFailureIsTraced(t *testing.T) {
	r := run(t, []byte(`{"winhttp":{}}`), "dsc", "get", "--from", "no-such-export.reg")
	if r.code != 2 || len(r.stdout) != 0 {
		t.Fatalf("exit %d, stdout %s", r.code, r.stdout)
	}
	traces := dscTraces(t, r.stderr)
	if len(traces) != 1 || traces[0].Level != "ERROR" || !strings.Contains(traces[0].Fields.Message, "no-such-export.reg") {
		t.Errorf("stderr %s", r.stderr)
	}
}

// wininet.user picks whose Internet Options importFromIE copies; a user whose hive is not
// loaded is an environment failure, not "nothing configured".
func TestDscImportFromUser(t *testing.T) {
	const sid = "S-1-5-21-1004336348-1177238915-682003330-1001"
	want := []byte(`{"winhttp":{"mode":"importFromIE"},"wininet":{"user":"` + sid + `"}}`)
	live := planLive(t, "ie-proxy-winhttp-direct.reg")
	m := newPlanMachine(t, live)
	before := live.Snapshot()
	r := m.dscRun(t, want, "", "dsc", "set")
	traces := dscTraces(t, r.stderr)
	if r.code != 3 || len(traces) != 1 || !strings.Contains(traces[0].Fields.Message, "hive of "+sid+" is not loaded") {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	if !reflect.DeepEqual(before, live.Snapshot()) {
		t.Fatal("the registry changed")
	}

	// The user logs on: the hive holds another proxy than the current user's.
	logOn(t, live, sid, "other.corp.example:3128", "<local>")
	state, diff := dscDecode(t, m.dscRun(t, want, "", "dsc", "set"))
	w := state["winhttp"].(map[string]any)
	if w["proxy"] != "other.corp.example:3128" || !reflect.DeepEqual(diff, []string{"winhttp"}) {
		t.Errorf("set: %v %v", state, diff)
	}
	if u := state["wininet"].(map[string]any)["user"]; u != sid {
		t.Errorf("wininet.user %v", u)
	}
	state, _ = dscDecode(t, m.dscRun(t, want, "", "dsc", "test"))
	if state["_inDesiredState"] != true {
		t.Errorf("test after set: %v", state)
	}
}

// Export lists the WinINet settings of every loaded user hive, each as its own instance
// that reads back as a state the machine is in.
func TestDscExportUsers(t *testing.T) {
	live := planLive(t, "ie-proxy-winhttp-direct.reg")
	m := newPlanMachine(t, live)
	sids := []string{"S-1-5-21-7-7-7-1001", "S-1-5-21-7-7-7-1002"}
	logOn(t, live, sids[0], "a.corp.example:8080", "<local>")
	logOn(t, live, sids[1], "b.corp.example:3128", "*.corp.example")
	live.EnsureKey(`HKEY_USERS\S-1-5-21-7-7-7-1003`) // loaded, but no Internet Settings
	r := m.dscRun(t, nil, "", "dsc", "export")
	lines := dscLines(t, r.stdout)
	if r.code != 0 || len(lines) != 3 {
		t.Fatalf("exit %d, %d lines:\n%s%s", r.code, len(lines), r.stdout, r.stderr)
	}
	var users []string
	for _, l := range lines[1:] {
		var inst struct {
			WinINet struct {
				User  string `json:"user"`
				Proxy string `json:"proxy"`
			} `json:"wininet"`
		}
		if err := json.Unmarshal(l, &inst); err != nil {
			t.Fatal(err)
		}
		users = append(users, inst.WinINet.User+" "+inst.WinINet.Proxy)
		state, diff := dscDecode(t, m.dscRun(t, l, "", "dsc", "test"))
		if state["_inDesiredState"] != true || len(diff) != 0 {
			t.Errorf("exported %s tests as %v %v", l, state["_inDesiredState"], diff)
		}
	}
	want := []string{sids[0] + " a.corp.example:8080", sids[1] + " b.corp.example:3128"}
	if !reflect.DeepEqual(users, want) {
		t.Errorf("users %v, want %v", users, want)
	}
}

// A usage error under dsc (an unknown flag or operation, a bad flag value, no operation) is
// DSC's ERROR trace line too, so DSC shows it as the resource's error; exit 2 as before.
func TestDscUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"dsc", "get", "--bogus"},
		{"dsc", "frob"},
		{"dsc"},
		{"dsc", "set", "--lock-timeout", "soon"},
		{"--log-level", "info", "dsc", "test", "--bogus"},
	} {
		r := run(t, nil, args...)
		if r.code != 2 || len(r.stdout) != 0 {
			t.Errorf("%v: exit %d, stdout %s", args, r.code, r.stdout)
		}
		traces := dscTraces(t, r.stderr)
		if len(traces) != 1 || traces[0].Level != "ERROR" || traces[0].Fields.Message == "" {
			t.Errorf("%v: stderr %s, want one DSC ERROR trace line", args, r.stderr)
		}
	}
}
