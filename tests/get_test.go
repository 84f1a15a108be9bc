package tests

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"ccproxy/schema/schematest"
)

// examples lists the files under examples/ that match pattern, as paths from tests/.
func examples(t *testing.T, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "examples", pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples matching %s", pattern)
	}
	return files
}

// exampleMachines names the example machines: the .reg exports and the netsh text.
func exampleMachines(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, f := range append(examples(t, "*.reg"), examples(t, "*.txt")...) {
		names = append(names, filepath.Base(f))
	}
	return names
}

func TestGetExamplesGolden(t *testing.T) {
	for _, name := range exampleMachines(t) {
		t.Run(name, func(t *testing.T) {
			r := run(t, nil, "get", "--from", filepath.Join("examples", name))
			if r.code != 0 || len(r.stderr) != 0 {
				t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
			}
			if err := schematest.CheckContract(r.stdout); err != nil {
				t.Errorf("contract: %v", err)
			}
			if err := schematest.Validate(r.stdout); err != nil {
				t.Errorf("schema: %v", err)
			}
			golden(t, filepath.Join("get", strings.TrimSuffix(name, filepath.Ext(name))+".json"), stable(r.stdout))
		})
	}
}

// What an administrator reads off each example must be right, not just stable.
func TestGetExamplesMeaning(t *testing.T) {
	tests := []struct {
		file   string
		checks map[string]string
	}{
		{"nothing-configured.reg", map[string]string{"winhttp.native.mode": "direct", "winhttp.native.blob.version": "24", "winhttp.viewsAgree": "true", "wininet.manualProxy": "false", "effective.installer.mode": "direct", "effective.same": "true"}},
		{"ie-proxy-winhttp-direct.reg", map[string]string{"winhttp.native.mode": "direct", "wininet.manualProxy": "true", "wininet.proxy.raw": "proxy.corp.example:8080", "effective.installer.mode": "proxy", "effective.services.mode": "direct", "effective.same": "false", "wininet.plainValuesAgree": "true"}},
		{"ie-pac-only.reg", map[string]string{"wininet.autoConfigUrl": "http://wpad.corp.example/proxy.pac", "wininet.manualProxy": "false", "effective.installer.mode": "autoConfig"}},
		{"ie-winhttp-matching.reg", map[string]string{"winhttp.native.mode": "proxy", "winhttp.native.bypass.entries.#": "4", "effective.same": "true", "winhttp.native.blob.flags.value": "3"}},
		{"winhttp-views-disagree.reg", map[string]string{"winhttp.viewsAgree": "false", "winhttp.wow64.mode": "direct", "winhttp.native.mode": "proxy", "warnings.0.code": "winhttpViewsDisagree"}},
		{"per-scheme-proxy.reg", map[string]string{"winhttp.native.proxy.perScheme.https": "proxy.corp.example:3128", "winhttp.native.proxy.perScheme.socks": "socks.corp.example:1080", "winhttp.native.proxy.entries.#": "4"}},
		{"system-account-autodetect.reg", map[string]string{"source.wininetOwner.sid": "S-1-5-18", "wininet.autoDetect": "true", "wininet.connectionSettings.version": "60", "winhttp.wow64.known": "false", "winhttp.viewsAgree": "null"}},
		{"netsh-show-proxy.txt", map[string]string{"source.kind": "netsh", "winhttp.native.proxy.raw": "proxy.corp.example:8080", "wininet.known": "false", "effective.installer.mode": "null"}},
	}
	for _, tt := range tests {
		r := run(t, nil, "get", "--from", "examples/"+tt.file, "--compress")
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", tt.file, r.code, r.stderr)
		}
		for path, want := range tt.checks {
			got := gjson.GetBytes(r.stdout, path)
			s := got.String()
			if got.Type == gjson.Null {
				s = "null"
			}
			if s != want {
				t.Errorf("%s: %s = %s, want %s", tt.file, path, s, want)
			}
		}
	}
}

// A state document written by get reads back to the same state.
func TestGetStateDocumentRoundTrip(t *testing.T) {
	for _, f := range examples(t, "*.reg") {
		name := filepath.Base(f)
		first := run(t, nil, "get", "--from", "examples/"+name)
		second := run(t, first.stdout, "get", "--from", "-")
		if second.code != 0 {
			t.Fatalf("%s: reading the state back: exit %d: %s", name, second.code, second.stderr)
		}
		a := gjson.GetBytes(first.stdout, "@this").Map()
		b := gjson.GetBytes(second.stdout, "@this").Map()
		for _, k := range []string{"winhttp", "wininet", "effective", "warnings"} {
			if a[k].Raw != b[k].Raw {
				t.Errorf("%s: %s differs after a round trip through a state document:\n%s\n%s", name, k, a[k].Raw, b[k].Raw)
			}
		}
	}
}

func TestGetOutputFileAndCompress(t *testing.T) {
	out := filepath.Join(t.TempDir(), "state.json")
	r := run(t, nil, "get", "--from", "examples/ie-pac-only.reg", "--compress", "--output", out)
	if r.code != 0 || len(r.stdout) != 0 {
		t.Fatalf("exit %d, stdout %q", r.code, r.stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(b, []byte("\n")) != 1 || schematest.CheckContract(b) != nil {
		t.Errorf("--compress --output wrote %q", b)
	}
}

// Bad input: exit 2, one line naming the input, the place and the problem; nothing on stdout.
func TestGetBadInput(t *testing.T) {
	regWith := func(value string) []byte {
		return planUTF16("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections]\r\n" + value + "\r\n")
	}
	tests := []struct {
		name  string
		data  []byte
		wants []string
	}{
		{"broken-line.reg", regWith(`"WinHttpSettings"=hex:28,00,zz`), []string{"broken-line.reg", "line 4"}},
		{"ipconfig.txt", []byte("\r\nWindows IP Configuration\r\n"), []string{"ipconfig.txt", "line 2", "no format ccproxy reads"}},
		{"query.txt", []byte("\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections\r\n    WinHttpSettings    REG_BINARY    18000000\r\n"), []string{"query.txt", "the output of 'reg query'", "reg export"}},
		{"empty.reg", []byte{}, []string{"empty.reg", "empty"}},
		{"not-json.json", []byte(`{"schema": "ccproxy/state@1", `), []string{"not-json.json"}},
		{"future.json", []byte(`{"schema": "ccproxy/state@2"}`), []string{"future.json", "$.schema", "ccproxy/state@2"}},
	}
	for _, tt := range tests {
		p := planWrite(t, tt.name, tt.data)
		r := run(t, nil, "get", "--from", p, "--log-format", "console")
		if r.code != 2 {
			t.Errorf("%s: exit %d, want 2; stderr %s", tt.name, r.code, r.stderr)
		}
		if len(r.stdout) != 0 {
			t.Errorf("%s: wrote to stdout on error: %s", tt.name, r.stdout)
		}
		msg := strings.TrimRight(string(r.stderr), "\n")
		if strings.Count(msg, "\n") != 0 {
			t.Errorf("%s: error is not one line: %q", tt.name, msg)
		}
		for _, w := range tt.wants {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error %q does not mention %q", tt.name, msg, w)
			}
		}
	}
	if r := run(t, nil, "get", "--from", filepath.Join(t.TempDir(), "missing.reg")); r.code != 2 || !strings.Contains(string(r.stderr), "missing.reg") {
		t.Errorf("missing file: exit %d, %s", r.code, r.stderr)
	}
	if r := run(t, nil, "get", "--nonsense"); r.code != 2 {
		t.Errorf("unknown flag: exit %d, want 2", r.code)
	}
	if r := run(t, nil, "get", "--from", "examples/nothing-configured.reg", "--user", "bob"); r.code != 2 || !strings.Contains(string(r.stderr), "--user") {
		t.Errorf("bad --user: exit %d, %s", r.code, r.stderr)
	}
}

func TestGetLiveOnLinuxIsEnvironmentError(t *testing.T) {
	if filepath.Separator == '\\' {
		t.Skip("the live registry exists on Windows")
	}
	r := run(t, nil, "get")
	if r.code != 3 || !strings.Contains(string(r.stderr), "--from") {
		t.Errorf("exit %d, stderr %s; want 3 and a hint to pass --from", r.code, r.stderr)
	}
}

func TestVersionAndSchema(t *testing.T) {
	r := run(t, nil, "version")
	if r.code != 0 || schematest.Validate(r.stdout) != nil || schematest.CheckContract(r.stdout) != nil {
		t.Errorf("version: exit %d, %s", r.code, r.stdout)
	}
	r = run(t, nil, "schema", "state")
	if r.code != 0 || !gjson.ValidBytes(r.stdout) || gjson.GetBytes(r.stdout, "$schema").String() == "" {
		t.Errorf("schema state: exit %d, %s", r.code, r.stdout)
	}
	if r := run(t, nil, "schema", "nope"); r.code != 2 {
		t.Errorf("schema nope: exit %d, want 2", r.code)
	}
}
