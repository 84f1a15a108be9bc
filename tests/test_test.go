package tests

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"ccproxy/model"
	"ccproxy/schema/schematest"
)

func testcmdBase(name string) string { return strings.TrimSuffix(name, filepath.Ext(name)) }

// Every example machine has a golden test report, valid against its schema.
func TestTestExamplesGolden(t *testing.T) {
	for _, name := range exampleMachines(t) {
		t.Run(name, func(t *testing.T) {
			r := testcmdRun(t, nil, nil, "test", "--from", "../examples/"+name)
			if r.code != 0 && r.code != 1 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if len(r.stderr) != 0 {
				t.Errorf("stderr: %s", r.stderr)
			}
			if err := schematest.CheckContract(r.stdout); err != nil {
				t.Errorf("contract: %v", err)
			}
			if err := schematest.Validate(r.stdout); err != nil {
				t.Errorf("schema: %v", err)
			}
			if want := map[bool]int{true: 0, false: 1}[gjson.GetBytes(r.stdout, "compliant").Bool()]; r.code != want {
				t.Errorf("exit %d, want %d for compliant=%s", r.code, want, gjson.GetBytes(r.stdout, "compliant"))
			}
			golden(t, filepath.Join("test", testcmdBase(name)+".json"), r.stdout)
		})
	}
}

// What a reader concludes from each example: compliant or not, which checks fail, which
// requirement they name, and the fix.
func TestTestExamplesMeaning(t *testing.T) {
	tests := []struct {
		file      string
		compliant bool
		verdict   string // "" derives it: compliant, or notCompliant
		failed    []string
		status    map[string]string // check id -> status
		requires  map[string]string // failed check id -> requirement ids
		command   map[string]string // check id -> remediation command
		inMessage map[string]string
	}{
		{file: "nothing-configured.reg", compliant: true, status: map[string]string{"winhttpMatchesImport": "pass", "installerProxyInServices": "notApplicable", "restartNotPending": "notChecked"}},
		{file: "ie-proxy-winhttp-direct.reg", failed: []string{"installerProxyInServices"}, requires: map[string]string{"installerProxyInServices": "R3,R4"},
			command: map[string]string{"installerProxyInServices": "ccproxy plan --import-ie"}, inMessage: map[string]string{"installerProxyInServices": "proxy.corp.example:8080"}},
		{file: "ie-pac-only.reg", failed: []string{"installerNoAutoProxy"}, requires: map[string]string{"installerNoAutoProxy": "R6"},
			inMessage: map[string]string{"installerNoAutoProxy": "http://wpad.corp.example/proxy.pac"}, status: map[string]string{"winhttpMatchesImport": "pass"}},
		{file: "ie-winhttp-matching.reg", compliant: true, status: map[string]string{"installerProxyInServices": "pass", "winhttpMatchesImport": "pass", "winhttpViewsAgree": "pass", "winhttpProxyUsable": "pass"}},
		{file: "winhttp-views-disagree.reg", failed: []string{"winhttpViewsAgree"}, requires: map[string]string{"winhttpViewsAgree": "R4"},
			command: map[string]string{"winhttpViewsAgree": `ccproxy plan --proxy proxy.corp.example:8080 --bypass "<local>;*.corp.example;dc01.corp.example;10.0.20.15" --views "native,wow64"`}},
		{file: "per-scheme-proxy.reg", compliant: true, status: map[string]string{"winhttpProxyUsable": "pass", "winhttpMatchesImport": "pass"}, inMessage: map[string]string{"winhttpProxyUsable": "proxy.corp.example:3128"}},
		{file: "system-account-autodetect.reg", compliant: true, status: map[string]string{"installerNoAutoProxy": "warn", "winhttpViewsAgree": "notChecked"},
			inMessage: map[string]string{"installerNoAutoProxy": `NT AUTHORITY\SYSTEM`}},
		// netsh text holds WinHTTP only: nothing fails, but nothing shows the route right either.
		{file: "netsh-show-proxy.txt", compliant: false, verdict: "incomplete", status: map[string]string{"installerProxyInServices": "notChecked", "winhttpMatchesImport": "notChecked", "installerNoAutoProxy": "notChecked", "winhttpViewsAgree": "notChecked", "winhttpProxyUsable": "pass"}},
	}
	for _, tt := range tests {
		r := testcmdRun(t, nil, nil, "test", "--from", "../examples/"+tt.file, "--compress")
		doc := gjson.ParseBytes(r.stdout)
		if doc.Get("compliant").Bool() != tt.compliant {
			t.Errorf("%s: compliant %s, want %v", tt.file, doc.Get("compliant"), tt.compliant)
		}
		wantVerdict := tt.verdict
		if wantVerdict == "" {
			wantVerdict = map[bool]string{true: "compliant", false: "notCompliant"}[tt.compliant]
		}
		if v := doc.Get("verdict").String(); v != wantVerdict {
			t.Errorf("%s: verdict %s, want %s (missing %s)", tt.file, v, wantVerdict, doc.Get("missingEvidence"))
		}
		var failed []string
		seen := map[string]bool{}
		for _, f := range doc.Get("findings").Array() {
			id := f.Get("id").String()
			seen[id] = true
			if f.Get("status").String() == "fail" {
				failed = append(failed, id)
			}
			if want, ok := tt.status[id]; ok && f.Get("status").String() != want {
				t.Errorf("%s: %s is %s, want %s (%s)", tt.file, id, f.Get("status"), want, f.Get("message"))
			}
			if want, ok := tt.requires[id]; ok {
				var reqs []string
				for _, x := range f.Get("requirements").Array() {
					reqs = append(reqs, x.String())
				}
				if strings.Join(reqs, ",") != want {
					t.Errorf("%s: %s cites %v, want %s", tt.file, id, reqs, want)
				}
			}
			if want, ok := tt.command[id]; ok && f.Get("remediation.command").String() != want {
				t.Errorf("%s: %s command %s, want %s", tt.file, id, f.Get("remediation.command"), want)
			}
			if want, ok := tt.inMessage[id]; ok && !strings.Contains(f.Get("message").String(), want) {
				t.Errorf("%s: %s message %q lacks %q", tt.file, id, f.Get("message"), want)
			}
		}
		if strings.Join(failed, ",") != strings.Join(tt.failed, ",") {
			t.Errorf("%s: failed %v, want %v", tt.file, failed, tt.failed)
		}
		for _, want := range []map[string]string{tt.status, tt.requires, tt.command, tt.inMessage} {
			for id := range want {
				if !seen[id] {
					t.Errorf("%s: no finding %s", tt.file, id)
				}
			}
		}
	}
}

// The built binary: exit 1 for non-compliance with nothing on stderr (a detection script
// for Intune Remediations), 0 when compliant, 2 for bad input with one clear line.
func TestTestExitCodes(t *testing.T) {
	r := run(t, nil, "test", "--from", "examples/ie-proxy-winhttp-direct.reg")
	if r.code != 1 || len(r.stderr) != 0 || !gjson.ValidBytes(r.stdout) {
		t.Errorf("non-compliant: exit %d, stderr %q", r.code, r.stderr)
	}
	r = run(t, nil, "test", "--from", "examples/ie-winhttp-matching.reg", "--internal", "dc01.corp.example")
	if r.code != 0 || len(r.stderr) != 0 {
		t.Errorf("compliant: exit %d, stderr %q", r.code, r.stderr)
	}
	r = run(t, nil, "test", "--from", "examples/ie-winhttp-matching.reg", "--internal", "www.example.com")
	if r.code != 1 || len(r.stderr) != 0 {
		t.Errorf("internal host through the proxy: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--internal", "https://dc01.corp.example/login"}, `--internal: \"https://dc01.corp.example/login\": a URL with a path`},
		{[]string{"--internal", ""}, `--internal: \"\": empty host name`},
		{[]string{"--internal", "  "}, "empty host name"},
		{[]string{"--internal", "%%%"}, `--internal: \"%%%\"`},
		{[]string{"--internal", "dc01 dc02"}, "separator"},
		{[]string{"--internal", "*.corp.example"}, "wildcard"},
		{[]string{"--internal", "host:70000"}, "out of range"},
		{[]string{"--internal", "svc:secret@host"}, "user name or password"},
		{[]string{"--internal-file", "does-not-exist.txt"}, "does-not-exist.txt"},
		{[]string{"--format", "xml"}, "xml"},
	} {
		args := append([]string{"test", "--from", "examples/ie-winhttp-matching.reg"}, tt.args...)
		r := run(t, nil, args...)
		lines := strings.Split(strings.TrimSpace(string(r.stderr)), "\n")
		if r.code != 2 || len(r.stdout) != 0 || len(lines) != 1 || !strings.Contains(lines[0], tt.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tt.args, r.code, r.stdout, r.stderr, tt.want)
		}
		if strings.Contains(string(r.stderr), "secret") {
			t.Errorf("%v: credentials on stderr: %s", tt.args, r.stderr)
		}
	}
}

func TestTestInternalFile(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "internal.txt")
	if err := os.WriteFile(f, []byte("# connectors and DCs\r\ndc01.corp.example\r\nwww.example.com   # not bypassed\r\n10.20.30.40\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := testcmdRun(t, nil, nil, "test", "--from", "../examples/ie-winhttp-matching.reg", "--internal", "fileserver", "--internal-file", f, "--compress")
	if r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	doc := gjson.ParseBytes(r.stdout)
	if got := doc.Get("internal").String(); got != `["fileserver","dc01.corp.example","www.example.com","10.20.30.40"]` {
		t.Errorf("internal %s", got)
	}
	status := map[string]string{}
	for _, f := range doc.Get("findings").Array() {
		status[f.Get("id").String()] = f.Get("status").String()
	}
	for id, want := range map[string]string{"internalBypassed:fileserver": "pass", "internalBypassed:dc01.corp.example": "pass", "internalBypassed:www.example.com": "fail", "internalBypassed:10.20.30.40": "fail"} {
		if status[id] != want {
			t.Errorf("%s: %s, want %s", id, status[id], want)
		}
	}
	// Stdin cannot hold the state and the list at once.
	r = testcmdRun(t, []byte("x"), nil, "test", "--from", "-", "--internal-file", "-")
	if r.code != 2 || !bytes.Contains(r.stderr, []byte("--internal-file")) {
		t.Errorf("both on stdin: exit %d, %s", r.code, r.stderr)
	}
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("dc01\nhttps://vda/path\n"), 0o644)
	r = testcmdRun(t, nil, nil, "test", "--from", "../examples/ie-winhttp-matching.reg", "--internal-file", bad)
	if r.code != 2 || !bytes.Contains(r.stderr, []byte("bad.txt: line 2:")) {
		t.Errorf("bad file: exit %d, %s", r.code, r.stderr)
	}
}

// A report with internal hosts, and one read from a live registry whose WinHTTP settings
// changed after the last boot (R5).
func TestTestGoldenScenarios(t *testing.T) {
	r := testcmdRun(t, nil, nil, "test", "--from", "../examples/ie-winhttp-matching.reg",
		"--internal", "dc01.corp.example", "--internal", "fileserver", "--internal", "10.0.0.5", "--internal", "192.168.20.7", "--internal", "vda01.site2.example", "--internal", "[fd00::10]")
	if r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	golden(t, "test/ie-winhttp-matching-internal.json", r.stdout)

	boot := testcmdNow.Add(-48 * time.Hour)
	proxy := &model.ConnBlob{Version: model.WinHTTPVersionNew, Flags: model.FlagDirect | model.FlagProxy, Proxy: "proxy.corp.example:8080", Bypass: "<local>;*.corp.example"}
	user := &model.ConnBlob{Version: model.WinINetVersionIE7, Counter: 7, Flags: model.FlagDirect | model.FlagProxy, Proxy: "proxy.corp.example:8080", Bypass: "<local>;*.corp.example", WinINet: true, Trailing: make([]byte, 32)}

	pending := testcmdLive(t, proxy, user, boot, testcmdNow.Add(-time.Hour))
	r = testcmdRun(t, nil, pending, "test")
	if r.code != 1 {
		t.Fatalf("restart pending: exit %d: %s", r.code, r.stderr)
	}
	if got := gjson.GetBytes(r.stdout, `findings.#(id=="restartNotPending").status`).String(); got != "fail" {
		t.Errorf("restartNotPending %s", got)
	}
	if got := gjson.GetBytes(r.stdout, `findings.#(id=="restartNotPending").requirements.0`).String(); got != "R5" {
		t.Errorf("restartNotPending cites %s", got)
	}
	if err := schematest.Validate(r.stdout); err != nil {
		t.Error(err)
	}
	golden(t, "test/live-restart-pending.json", r.stdout)

	done := testcmdLive(t, proxy, user, boot, boot.Add(-time.Hour))
	r = testcmdRun(t, nil, done, "test")
	if r.code != 0 || gjson.GetBytes(r.stdout, `findings.#(id=="restartNotPending").status`).String() != "pass" {
		t.Errorf("restart done: exit %d, %s", r.code, gjson.GetBytes(r.stdout, `findings.#(id=="restartNotPending")`))
	}
}

// The Intune discovery output: one line, a flat object, every setting present with the
// same type on every machine, exit 0 whatever the values.
func TestTestIntuneFormat(t *testing.T) {
	var keys []string
	types := map[string]gjson.Type{}
	for _, name := range exampleMachines(t) {
		r := testcmdRun(t, nil, nil, "test", "--from", "../examples/"+name, "--format", "intune", "--internal", "dc01.corp.example", "--internal", "www.example.com")
		if r.code != 0 || len(r.stderr) != 0 {
			t.Fatalf("%s: exit %d, %s", name, r.code, r.stderr)
		}
		if bytes.Count(r.stdout, []byte("\n")) != 1 || !bytes.HasSuffix(r.stdout, []byte("\n")) {
			t.Errorf("%s: not one line: %q", name, r.stdout)
		}
		if err := schematest.CheckContract(r.stdout); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if err := schematest.Validate(r.stdout); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		var ks []string
		gjson.ParseBytes(r.stdout).ForEach(func(k, v gjson.Result) bool {
			ks = append(ks, k.String())
			switch v.Type {
			case gjson.String, gjson.Number, gjson.True, gjson.False:
			default:
				t.Errorf("%s: %s is %s, not a flat value", name, k, v.Raw)
			}
			if v.Type == gjson.Number && strings.ContainsAny(v.Raw, ".eE") {
				t.Errorf("%s: %s is not an integer", name, k)
			}
			typ := v.Type
			if typ == gjson.False {
				typ = gjson.True
			}
			if prev, ok := types[k.String()]; ok && prev != typ {
				t.Errorf("%s: %s changes type", name, k)
			}
			types[k.String()] = typ
			return true
		})
		sort.Strings(ks)
		if keys == nil {
			keys = ks
		} else if strings.Join(keys, ",") != strings.Join(ks, ",") {
			t.Errorf("%s: settings %v differ from %v", name, ks, keys)
		}
		golden(t, filepath.Join("test", testcmdBase(name)+".intune.json"), r.stdout)
	}
}

// intune-rules against every constraint of Intune custom compliance in
// ../shared/reference/fleet-integration.md, and against the discovery output.
func TestIntuneRules(t *testing.T) {
	r := run(t, nil, "intune-rules")
	if r.code != 0 || len(r.stderr) != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if len(r.stdout) > 100*1024 {
		t.Errorf("rules file is %d bytes, over 100 KB", len(r.stdout))
	}
	var file map[string]json.RawMessage
	if err := json.Unmarshal(r.stdout, &file); err != nil {
		t.Fatal(err)
	}
	if len(file) != 1 || file["Rules"] == nil {
		t.Fatalf("top level keys: want only Rules, got %s", r.stdout[:min(200, len(r.stdout))])
	}
	var rules []map[string]any
	if err := json.Unmarshal(file["Rules"], &rules); err != nil {
		t.Fatal(err)
	}
	if len(rules) == 0 || len(rules) > 100 {
		t.Fatalf("%d rules; Intune takes 1 to 100", len(rules))
	}
	// The discovery output of a non-compliant machine, as the script would return it.
	disc := testcmdRun(t, nil, nil, "test", "--from", "../examples/ie-proxy-winhttp-direct.reg", "--format", "intune")
	if len(disc.stdout) > 1<<20 {
		t.Errorf("discovery output over 1 MB")
	}
	var settings map[string]any
	if err := json.Unmarshal(disc.stdout, &settings); err != nil {
		t.Fatal(err)
	}
	operators := map[string]bool{"IsEquals": true, "NotEquals": true, "GreaterThan": true, "GreaterEquals": true, "LessThan": true, "LessEquals": true}
	allowed := map[string]bool{"SettingName": true, "Operator": true, "DataType": true, "Operand": true, "MoreInfoUrl": true, "RemediationStrings": true}
	names := map[string]bool{}
	failing := 0
	for i, rule := range rules {
		for k := range rule {
			if !allowed[k] {
				t.Errorf("rule %d: unknown key %s", i, k)
			}
		}
		name, _ := rule["SettingName"].(string)
		if name == "" || names[name] {
			t.Errorf("rule %d: SettingName %q empty or repeated", i, name)
		}
		names[name] = true
		value, ok := settings[name] // case-sensitive, as Intune matches it
		if !ok {
			t.Errorf("rule %s: no such setting in the discovery output (error 65008)", name)
		}
		if op, _ := rule["Operator"].(string); !operators[op] {
			t.Errorf("rule %s: operator %q", name, rule["Operator"])
		}
		dt, _ := rule["DataType"].(string)
		operand := rule["Operand"]
		switch dt {
		case "Boolean":
			_, okV := value.(bool)
			_, okO := operand.(bool)
			ok = okV && okO
		case "Int64":
			v, okV := value.(float64)
			o, okO := operand.(float64)
			ok = okV && okO && v == float64(int64(v)) && o == float64(int64(o))
		case "String":
			_, okV := value.(string)
			_, okO := operand.(string)
			ok = okV && okO
		case "Double", "DateTime", "Version":
			ok = true
		default:
			t.Errorf("rule %s: data type %q", name, dt)
		}
		if !ok {
			t.Errorf("rule %s: value %v or operand %v is not a %s (error 65010)", name, value, operand, dt)
		}
		if u, err := url.Parse(rule["MoreInfoUrl"].(string)); err != nil || u.Scheme != "https" || u.Host == "" {
			t.Errorf("rule %s: MoreInfoUrl %v", name, rule["MoreInfoUrl"])
		}
		strs, _ := rule["RemediationStrings"].([]any)
		en := false
		for _, s := range strs {
			m, _ := s.(map[string]any)
			if m["Language"] == "en_US" {
				en = true
				if title, _ := m["Title"].(string); title == "" || strings.Count(title, "{") != strings.Count(title, "{ActualValue}") {
					t.Errorf("rule %s: title %q", name, m["Title"])
				}
				if d, _ := m["Description"].(string); d == "" {
					t.Errorf("rule %s: no description", name)
				}
			}
		}
		if !en {
			t.Errorf("rule %s: no en_US remediation string", name)
		}
		if (rule["Operator"] == "NotEquals" && value == operand) || (rule["Operator"] == "IsEquals" && value != operand) {
			failing++
		}
	}
	if failing != 2 {
		t.Errorf("%d rules fail on ie-proxy-winhttp-direct, want 2 (verdict, installerProxyInServices)", failing)
	}
}

// --output writes the Intune line and the text allow list as they go to stdout.
func TestTestOutputFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "intune.json")
	r := testcmdRun(t, nil, nil, "--output", out, "test", "--from", "../examples/ie-pac-only.reg", "--format", "intune")
	b, err := os.ReadFile(out)
	if r.code != 0 || len(r.stdout) != 0 || err != nil || bytes.Count(b, []byte("\n")) != 1 || !gjson.ValidBytes(b) {
		t.Errorf("intune to a file: exit %d, stdout %q, file %q, %v", r.code, r.stdout, b, err)
	}
	out = filepath.Join(dir, "report.json")
	r = testcmdRun(t, nil, nil, "--output", out, "test", "--from", "../examples/ie-pac-only.reg")
	b, err = os.ReadFile(out)
	if r.code != 1 || err != nil || gjson.GetBytes(b, "schema").String() != "ccproxy/test@1" {
		t.Errorf("report to a file: exit %d, %v", r.code, err)
	}
	out = filepath.Join(dir, "allow.txt")
	r = testcmdRun(t, nil, nil, "--output", out, "endpoints", "--format", "list")
	b, err = os.ReadFile(out)
	if r.code != 0 || err != nil || !bytes.HasPrefix(b, []byte("*.citrixworkspacesapi.net\n")) {
		t.Errorf("allow list to a file: exit %d, %q, %v", r.code, b, err)
	}
}

// A state document saved from a live machine keeps the boot and last-write times, so the
// restart check (R5) works from the file as it does live.
func TestTestRestartFromStateDocument(t *testing.T) {
	boot := testcmdNow.Add(-24 * time.Hour)
	proxy := &model.ConnBlob{Version: model.WinHTTPVersionNew, Flags: model.FlagDirect | model.FlagProxy, Proxy: "proxy.corp.example:8080", Bypass: "<local>"}
	user := &model.ConnBlob{Version: model.WinINetVersionIE7, Flags: model.FlagDirect | model.FlagProxy, Proxy: "proxy.corp.example:8080", Bypass: "<local>", WinINet: true, Trailing: make([]byte, 32)}
	saved := filepath.Join(t.TempDir(), "state.json")
	r := testcmdRun(t, nil, testcmdLive(t, proxy, user, boot, testcmdNow.Add(-2*time.Hour)), "--output", saved, "get")
	if r.code != 0 {
		t.Fatalf("get: exit %d: %s", r.code, r.stderr)
	}
	r = testcmdRun(t, nil, nil, "test", "--from", saved, "--compress")
	f := gjson.GetBytes(r.stdout, `findings.#(id=="restartNotPending")`)
	if r.code != 1 || f.Get("status").String() != "fail" || f.Get("evidence.0.value").String() != boot.Format(time.RFC3339) {
		t.Errorf("exit %d: %s", r.code, f)
	}
}
