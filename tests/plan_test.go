package tests

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/tidwall/gjson"

	"ccproxy/model"
	"ccproxy/schema/schematest"
)

// Each example desired state is valid against its schema and plans against every example machine.
func TestPlanExamples(t *testing.T) {
	for _, d := range examples(t, "desired-*.json") {
		doc, err := os.ReadFile(d)
		if err != nil {
			t.Fatal(err)
		}
		if err := schematest.ValidateAs("desired", doc); err != nil {
			t.Errorf("%s: %v", d, err)
		}
		for _, reg := range examples(t, "*.reg") {
			r := run(t, nil, "plan", "--from", filepath.Join("examples", filepath.Base(reg)), filepath.Join("examples", filepath.Base(d)))
			if r.code != 0 || len(r.stderr) != 0 {
				t.Errorf("%s on %s: exit %d: %s", filepath.Base(d), filepath.Base(reg), r.code, r.stderr)
				continue
			}
			planValid(t, r.stdout)
		}
	}
}

// What the connector example does to the machine whose IE has a proxy and WinHTTP none.
func TestPlanConnectorExampleMeaning(t *testing.T) {
	r := run(t, nil, "plan", "--from", "examples/ie-proxy-winhttp-direct.reg", "examples/desired-connector.json", "--compress")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for path, want := range map[string]string{
		"changes.#":                         "2",
		"changes.0.target.view":             "wow64",
		"changes.1.target.view":             "native",
		"changes.1.action":                  "update",
		"changes.1.after.blob.proxy":        "proxy.corp.example:8080",
		"changes.1.after.blob.bypass":       "<local>;*.corp.example;dc01.corp.example;10.0.20.15;dc02.corp.example;cc02.corp.example;vcenter.corp.example;pvs01.corp.example",
		"changes.1.after.blob.flags.value":  "3",
		"changes.1.after.blob.version":      "40",
		"requiresElevation":                 "true",
		"restartRequired.required":          "true",
		"restartRequired.services.#":        "13",
		"source.wininetOwner.hive":          "HKEY_CURRENT_USER",
		"empty":                             "false",
		"fingerprint.algorithm":             "sha256",
		"fingerprint.values.#":              "8",
		"fingerprint.values.0.valueName":    "ProxySettingsPerUser",
		"fingerprint.values.1.valueName":    "WinHttpSettings",
		"fingerprint.values.3.valueName":    "DefaultConnectionSettings",
		"fingerprint.values.3.registryPath": `HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`,
	} {
		if got := gjson.GetBytes(r.stdout, path).String(); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
}

func TestPlanDetailedExitcode(t *testing.T) {
	r := run(t, nil, "plan", "--from", "examples/ie-proxy-winhttp-direct.reg", "--import-ie", "--detailed-exitcode")
	if r.code != 1 || len(r.stderr) != 0 || gjson.GetBytes(r.stdout, "empty").Bool() {
		t.Errorf("non-empty plan: exit %d, stderr %s", r.code, r.stderr)
	}
	planValid(t, r.stdout)
	r = run(t, nil, "plan", "--from", "examples/ie-winhttp-matching.reg", "--import-ie", "--detailed-exitcode")
	if r.code != 0 || !gjson.GetBytes(r.stdout, "empty").Bool() {
		t.Errorf("empty plan: exit %d, stderr %s\n%s", r.code, r.stderr, r.stdout)
	}
	r = run(t, nil, "plan", "--from", "examples/ie-proxy-winhttp-direct.reg", "--import-ie")
	if r.code != 0 {
		t.Errorf("without the flag a non-empty plan exits 0, got %d", r.code)
	}
}

// The shorthand flags build the same desired state as the file.
func TestPlanShorthandFlags(t *testing.T) {
	changes := func(r result) string {
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		return gjson.GetBytes(r.stdout, "changes").Raw
	}
	file := changes(run(t, nil, "plan", "--from", "examples/ie-proxy-winhttp-direct.reg", "examples/desired-connector.json"))
	flags := changes(run(t, nil, "plan", "--from", "examples/ie-proxy-winhttp-direct.reg", "--import-ie",
		"--add-bypass", "<local>;dc01.corp.example", "--add-bypass", "dc02.corp.example", "--add-bypass", "cc02.corp.example",
		"--add-bypass", "vcenter.corp.example", "--add-bypass", "pvs01.corp.example", "--add-bypass", "10.0.20.15"))
	if file != flags {
		t.Errorf("flags and file plan differently:\n%s\n%s", file, flags)
	}
	native := run(t, nil, "plan", "--from", "examples/nothing-configured.reg", "--proxy", "p:8080", "--bypass", "<local>;*.corp", "--views", "native", "--compress")
	if gjson.GetBytes(native.stdout, "changes.#").Int() != 1 || gjson.GetBytes(native.stdout, "changes.0.after.blob.bypass").String() != "<local>;*.corp" {
		t.Errorf("--views native: %s %s", native.stdout, native.stderr)
	}
	for _, bad := range [][]string{
		{"--direct", "--proxy", "p:1"},
		{"--import-ie", "--bypass", "x"},
		{"--direct", "--add-bypass", "x"},
		{"--proxy", "p:1", "--views", "native,amd64"},
		{"examples/desired-direct.json", "--direct"},
		{},
	} {
		r := run(t, nil, append([]string{"plan", "--from", "examples/nothing-configured.reg"}, bad...)...)
		if r.code != 2 || len(r.stdout) != 0 || bytes.Count(bytes.TrimSpace(r.stderr), []byte("\n")) != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", bad, r.code, r.stdout, r.stderr)
		}
	}
}

// Inputs as Windows PowerShell 5.1 and PowerShell 7 write them.
func TestPlanPowerShellInputs(t *testing.T) {
	m := newPlanMachine(t, planLive(t, "ie-proxy-winhttp-direct.reg"))
	ps51 := "{\r\n" +
		"    \"Schema\":  \"ccproxy/desired@1\",\r\n" +
		"    \"WinHttp\":  {\r\n" +
		"                    \"Mode\":  \"importFromIE\",\r\n" +
		"                    \"EnsureBypass\":  [\r\n" +
		"                                         \"\\u003clocal\\u003e\",\r\n" +
		"                                         \"dc02.corp.example\"\r\n" +
		"                                     ]\r\n" +
		"                },\r\n" +
		"    \"WinINet\":  {\r\n" +
		"                    \"AutoConfigUrl\":  \"http://wpad.corp.example/proxy.pac?site=o\\u0027hare\\u0026x=1\",\r\n" +
		"                    \"Bypass\":  \"\\u003clocal\\u003e;*.corp.example\"\r\n" +
		"                }\r\n" +
		"}\r\n"
	ps7 := "{\n  \"schema\": \"ccproxy/desired@1\",\n  \"winhttp\": {\n    \"mode\": \"importFromIE\",\n    \"ensureBypass\": \"dc02.corp.example\"\n  }\n}\n"
	tests := []struct {
		name  string
		data  []byte
		stdin bool
		want  map[string]string
	}{
		{"5.1 Out-File, PascalCase, \\u0027 escapes", planUTF16(ps51), false, map[string]string{
			"changes.#": "5", "changes.1.after.blob.bypass": "<local>;*.corp.example;dc01.corp.example;10.0.20.15;dc02.corp.example",
			"changes.2.target.valueName": "ProxyOverride", "changes.2.after.text": `"<local>;*.corp.example"`,
			"changes.3.target.valueName": "AutoConfigURL", "changes.3.after.text": `"http://wpad.corp.example/proxy.pac?site=o'hare&x=1"`,
			"changes.4.after.blob.autoConfigUrl": "http://wpad.corp.example/proxy.pac?site=o'hare&x=1",
		}},
		{"7 Out-File, one-element list as a string", []byte(ps7), false, map[string]string{"changes.#": "2"}},
		{"stdin with a UTF-8 BOM", append([]byte{0xEF, 0xBB, 0xBF}, strings.ReplaceAll(ps7, "\n", "\r\n")...), true, map[string]string{"changes.#": "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"plan", "--compress"}
			var stdin []byte
			if tt.stdin {
				args, stdin = append(args, "-"), tt.data
			} else {
				args = append(args, planWrite(t, "desired.json", tt.data))
			}
			r := m.planRun(t, stdin, args...)
			if r.code != 0 || len(r.stderr) != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			planValid(t, r.stdout)
			for path, want := range tt.want {
				if got := gjson.GetBytes(r.stdout, path).String(); got != want {
					t.Errorf("%s = %q, want %q", path, got, want)
				}
			}
		})
	}
}

func TestPlanInputErrors(t *testing.T) {
	m := newPlanMachine(t, planLive(t, "ie-proxy-winhttp-direct.reg"))
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"cut by ConvertTo-Json", `{"schema":"ccproxy/desired@1","winhttp":{"proxy":"System.Collections.Hashtable"}}`, []string{"desired.json: $.winhttp.proxy:", "-Depth 10"}},
		{"did you mean", `{"schema":"ccproxy/desired@1","wininet":{"ProxyServer":"p:1"}}`, []string{"$.wininet", "did you mean"}},
		{"not a desired state", `{"schema":"ccproxy/state@1"}`, []string{"$.schema"}},
		{"bad JSON", "{\"schema\": \"ccproxy/desired@1\",\n \"winhttp\": {\"mode\": direct}}", []string{"desired.json: line 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := m.planRun(t, nil, "plan", planWrite(t, "desired.json", []byte(tt.doc)))
			if r.code != 2 || len(r.stdout) != 0 {
				t.Fatalf("exit %d, stdout %s", r.code, r.stdout)
			}
			for _, w := range tt.want {
				if !bytes.Contains(r.stderr, []byte(w)) {
					t.Errorf("stderr %s lacks %q", r.stderr, w)
				}
			}
		})
	}
	r := m.planRun(t, []byte("{}"), "plan", "-", "--from", "-")
	if r.code != 2 || !bytes.Contains(r.stderr, []byte("standard input is used for 2 inputs (DESIRED - and --from -)")) {
		t.Errorf("two readers of stdin: exit %d %s", r.code, r.stderr)
	}
}

// A proxy with credentials is refused and never repeated: not on stdout, not on stderr,
// not in logs at any level, not in a plan, an apply result or a diff.
func TestPlanCredentialsNeverEchoed(t *testing.T) {
	const secret = "Hunter2Secret"
	m := newPlanMachine(t, planLive(t, "ie-proxy-winhttp-direct.reg"))
	leaks := func(t *testing.T, what string, b []byte) {
		t.Helper()
		utf16Hex := hex.EncodeToString(model.EncodeRegString(secret).Data[:2*len(secret)])
		if bytes.Contains(b, []byte(secret)) || bytes.Contains(bytes.ToLower(b), []byte(hex.EncodeToString([]byte(secret)))) || bytes.Contains(bytes.ToLower(b), []byte(utf16Hex)) {
			t.Errorf("%s shows the secret:\n%s", what, b)
		}
	}
	refused := []struct {
		name  string
		args  []string
		stdin string
	}{
		{"--proxy", []string{"plan", "--proxy", "bob:" + secret + "@proxy.corp.example:8080", "--log-level", "trace"}, ""},
		{"desired file", []string{"plan", "--log-level", "debug", "--log-format", "json", planWrite(t, "d.json", []byte(`{"schema":"ccproxy/desired@1","winhttp":{"proxy":"http://bob:`+secret+`@p:8080"}}`))}, ""},
		{"per scheme", []string{"plan", "-"}, `{"schema":"ccproxy/desired@1","wininet":{"proxy":{"https":"bob:` + secret + `@p:8080"}}}`},
		{"PAC URL", []string{"plan", "-"}, `{"schema":"ccproxy/desired@1","wininet":{"autoConfigUrl":"http://bob:` + secret + `@wpad/p.pac"}}`},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			r := m.planRun(t, []byte(tt.stdin), tt.args...)
			if r.code != 2 || !bytes.Contains(r.stderr, []byte("unauthenticated")) {
				t.Errorf("exit %d: %s", r.code, r.stderr)
			}
			leaks(t, "stdout", r.stdout)
			leaks(t, "stderr", r.stderr)
		})
	}

	// A machine whose IE proxy already holds credentials: replacing them works, and neither
	// the plan, the apply result, a diff nor a restore shows them. Only the backup keeps them.
	live := planLive(t, "ie-proxy-winhttp-direct.reg")
	settings := `HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Internet Settings`
	if err := live.SetValue(settings, "ProxyServer", model.EncodeRegString("bob:"+secret+"@proxy.corp.example:8080")); err != nil {
		t.Fatal(err)
	}
	blob, err := (&model.ConnBlob{WinINet: true, Version: model.WinINetVersionIE7, Counter: 5, Flags: model.FlagDirect | model.FlagProxy,
		Proxy: "bob:" + secret + "@proxy.corp.example:8080", Bypass: "<local>", Trailing: model.NewWinINetTrailing(model.WinINetVersionIE7)}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	if err := live.SetValue(settings+`\Connections`, model.DefaultConnValue, model.RegValue{Type: model.RegBinary, Data: blob}); err != nil {
		t.Fatal(err)
	}
	original := live.Snapshot()
	m = newPlanMachine(t, live)
	get := m.planRun(t, nil, "get")
	leaks(t, "get", get.stdout)
	imp := m.planRun(t, nil, "plan", "--import-ie")
	if imp.code != 2 {
		t.Errorf("importing credentials into WinHTTP: exit %d", imp.code)
	}
	leaks(t, "import refusal", append(imp.stdout, imp.stderr...))
	p := m.planRun(t, []byte(`{"schema":"ccproxy/desired@1","wininet":{"proxy":"proxy.corp.example:8080"}}`), "plan", "-", "--log-level", "trace")
	if p.code != 0 {
		t.Fatalf("replacing credentials: exit %d: %s", p.code, p.stderr)
	}
	leaks(t, "plan", append(p.stdout, p.stderr...))
	planFile := planWrite(t, "plan.json", p.stdout)
	a := m.planRun(t, nil, "apply", planFile, "--log-level", "trace")
	if a.code != 0 {
		t.Fatalf("apply: exit %d: %s", a.code, a.stderr)
	}
	leaks(t, "apply", append(a.stdout, a.stderr...))
	backup := gjson.GetBytes(a.stdout, "backup.path").String()
	b, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(hex.EncodeToString(model.EncodeRegString("bob:" + secret).Data[:2*len("bob:"+secret)]))) {
		t.Errorf("the backup must keep the exact bytes")
	}
	d := m.planRun(t, nil, "diff", planWrite(t, "state.json", get.stdout))
	leaks(t, "diff", append(d.stdout, d.stderr...))
	rs := m.planRun(t, nil, "restore", backup, "--log-level", "trace")
	if rs.code != 0 {
		t.Fatalf("restore: exit %d: %s", rs.code, rs.stderr)
	}
	leaks(t, "restore", append(rs.stdout, rs.stderr...))
	if !reflect.DeepEqual(original, live.Snapshot()) {
		t.Errorf("restore did not put the exact values back")
	}
}

func TestDiff(t *testing.T) {
	r := run(t, nil, "diff", "examples/ie-proxy-winhttp-direct.reg", "examples/ie-winhttp-matching.reg")
	if r.code != 1 || len(r.stderr) != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	planValid(t, r.stdout)
	if gjson.GetBytes(r.stdout, "same").Bool() || gjson.GetBytes(r.stdout, "differences.0.path").String() != "$.winhttp.native.mode" ||
		gjson.GetBytes(r.stdout, "differences.0.before").String() != "direct" || gjson.GetBytes(r.stdout, "differences.0.after").String() != "proxy" {
		t.Errorf("%s", r.stdout)
	}
	r = run(t, nil, "diff", "examples/per-scheme-proxy.reg", "examples/per-scheme-proxy.reg")
	if r.code != 0 || !gjson.GetBytes(r.stdout, "same").Bool() {
		t.Errorf("same file: exit %d %s", r.code, r.stdout)
	}
	// A state document written by get compares equal to its source.
	g := run(t, nil, "get", "--from", "examples/winhttp-views-disagree.reg")
	r = run(t, g.stdout, "diff", "-", "examples/winhttp-views-disagree.reg")
	if r.code != 0 {
		t.Errorf("state document vs its source: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	// netsh text knows WinHTTP only: the rest is listed as not compared.
	r = run(t, nil, "diff", "examples/netsh-show-proxy.txt", "examples/ie-winhttp-matching.reg", "--compress")
	if gjson.GetBytes(r.stdout, "notCompared.#").Int() != 2 {
		t.Errorf("netsh: %s %s", r.stdout, r.stderr)
	}
	// Desired against state: exit 1 until applied.
	r = run(t, nil, "diff", "examples/desired-import-ie.json", "--from", "examples/ie-proxy-winhttp-direct.reg", "--compress")
	if r.code != 1 || gjson.GetBytes(r.stdout, "a.kind").String() != "desired" || gjson.GetBytes(r.stdout, "b.kind").String() != "state" {
		t.Errorf("desired vs state: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = run(t, nil, "diff", "examples/desired-import-ie.json", "examples/ie-winhttp-matching.reg")
	if r.code != 0 {
		t.Errorf("already as desired: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = run(t, nil, "diff", "examples/desired-import-ie.json", "examples/desired-connector.json", "--compress")
	if r.code != 1 || gjson.GetBytes(r.stdout, "differences.0.path").String() != "$.winhttp.ensureBypass" {
		t.Errorf("desired vs desired: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = run(t, nil, "diff", "examples/nothing-configured.reg")
	if r.code != 3 || !bytes.Contains(r.stderr, []byte("--from")) {
		t.Errorf("B defaults to the live registry: exit %d %s", r.code, r.stderr)
	}
}

// A plan never claims "nothing to do" about a stack its source does not hold: from an
// export of Internet Options alone, a WinHTTP plan that changes nothing says it could not
// tell, in JSON (the warnings), text, netsh and .reg alike.
func TestPlanNeverClaimsAnUnheldStack(t *testing.T) {
	reg := regHeader + `[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Internet Settings]` + "\r\n" + `"ProxyEnable"=dword:00000000` + "\r\n"
	p := planWrite(t, "ie-only.reg", planUTF16(reg))
	for _, f := range []string{"text", "netsh", "reg"} {
		r := run(t, nil, "plan", "--from", p, "--direct", "--format", f)
		out := string(r.stdout)
		if f == "reg" {
			out = decodeUTF16(t, r.stdout)
		}
		if r.code != 0 || strings.Contains(out, "already holds the desired state") || !strings.Contains(out, "does not hold the WinHTTP settings") {
			t.Errorf("--format %s: exit %d\n%s", f, r.code, out)
		}
	}
	r := run(t, nil, "plan", "--from", p, "--direct")
	if !gjson.GetBytes(r.stdout, `warnings.#(code=="sourceViewUnknown")`).Exists() {
		t.Errorf("json: no sourceViewUnknown warning: %s", gjson.GetBytes(r.stdout, "warnings").Raw)
	}
}

// A .reg plan that writes a WinHTTP view the source does not hold says the values were
// planned blind, never that it writes nothing there.
func TestPlanRegUnheldViewWritten(t *testing.T) {
	reg := regHeader + `[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Internet Settings]` + "\r\n" +
		`"ProxyEnable"=dword:00000001` + "\r\n" + `"ProxyServer"="proxy.corp.example:8080"` + "\r\n"
	p := planWrite(t, "ie-proxy.reg", planUTF16(reg))
	r := run(t, nil, "plan", "--from", p, "--import-ie", "--format", "reg")
	out := decodeUTF16(t, r.stdout)
	if r.code != 0 || !strings.Contains(out, `"WinHttpSettings"=hex:`) {
		t.Fatalf("exit %d, no WinHttpSettings written:\n%s", r.code, out)
	}
	if strings.Contains(out, "writes nothing there") || !strings.Contains(out, "planned without knowing what the machine holds") {
		t.Errorf("the comment contradicts the values written:\n%s", out)
	}
}

// decodeUTF16 reads the UTF-16LE text (with its BOM) that --format reg writes.
func decodeUTF16(t *testing.T, b []byte) string {
	t.Helper()
	b = bytes.TrimPrefix(b, []byte{0xff, 0xfe})
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	return string(utf16.Decode(u))
}

// The hint of an empty --add-bypass proposes only entries the plan then takes without any
// warning.
func TestPlanEmptyAddBypassHint(t *testing.T) {
	r := run(t, nil, "plan", "--from", "examples/ie-winhttp-matching.reg", "--import-ie", "--add-bypass", "")
	msg := string(r.stderr)
	i := strings.Index(msg, "such as ")
	if r.code != 2 || i < 0 {
		t.Fatalf("exit %d: %s", r.code, msg)
	}
	hint := msg[i+len("such as "):]
	hint = hint[:strings.IndexAny(hint, "\"\n;")]
	entries := strings.FieldsFunc(strings.ReplaceAll(hint, " or ", ","), func(r rune) bool { return r == ',' || r == ' ' })
	if len(entries) < 2 {
		t.Fatalf("hint %q", hint)
	}
	for _, e := range entries {
		r := run(t, nil, "plan", "--from", "examples/ie-winhttp-matching.reg", "--import-ie", "--add-bypass", e)
		if r.code != 0 || len(r.stderr) > 0 || gjson.GetBytes(r.stdout, "warnings.#").Int() != 0 {
			t.Errorf("the hint's entry %s: exit %d, warnings %s, stderr %s", e, r.code, gjson.GetBytes(r.stdout, "warnings").Raw, r.stderr)
		}
	}
}
