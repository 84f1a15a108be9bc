package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"ccproxy/commands"
	"ccproxy/model"
	"ccproxy/probe/probetest"
	"ccproxy/system"
)

var (
	textTime = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)
	textPort = regexp.MustCompile(`127\.0\.0\.1:\d+`)
)

// textGolden checks text output: ASCII, no line over 80 columns, no colour when stdout is
// not a console, and the golden file's content, times and loopback ports normalised.
func textGolden(t *testing.T, name string, out []byte) {
	t.Helper()
	textGoldenWidth(t, name, 80, out)
}

// textGoldenWidth is textGolden for text made to fit width columns.
func textGoldenWidth(t *testing.T, name string, width int, out []byte) {
	t.Helper()
	textLinesWidth(t, name, width, out)
	out = textTime.ReplaceAll(out, []byte("2000-01-01T00:00:00Z"))
	out = textPort.ReplaceAll(out, []byte("127.0.0.1:PORT"))
	golden(t, filepath.Join("text", name), out)
}

// textLines checks that text is ASCII without colour and fits 80 columns.
func textLines(t *testing.T, name string, out []byte) {
	t.Helper()
	textLinesWidth(t, name, 80, out)
}

// commandLine is a line that holds a whole command, which stands on one line past the width.
func commandLine(line string) bool {
	_, ok := lineCommand(line)
	return ok
}

// lineCommand is the command a text line holds on its own: after its indentation and a
// label ("next: ", "then: ", "fix: ", "NOT COMPLIANT; next: "), a line that starts with a
// command.
func lineCommand(line string) (string, bool) {
	s := strings.TrimSpace(line)
	for _, label := range []string{"COMPLIANT; next: ", "NOT COMPLIANT; next: ", "INCOMPLETE; next: ", "next: ", "then: ", "fix: "} {
		s = strings.TrimPrefix(s, label)
	}
	s = strings.TrimLeft(s, "(")
	for _, p := range []string{"ccproxy ", "netsh ", "reg export ", "w32tm ", `"%NETSH%" `, "& "} {
		if strings.HasPrefix(s, p) {
			return s, true
		}
	}
	return "", false
}

// shellWords splits a command line as cmd.exe and PowerShell pass it: spaces outside double
// quotes separate arguments; ok is false when a quote is left open (the line was cut).
func shellWords(s string) (args []string, ok bool) {
	var cur strings.Builder
	in, has := false, false
	for _, c := range s {
		switch {
		case c == '"':
			in, has = !in, true
		case c == ' ' && !in:
			if has {
				args = append(args, cur.String())
			}
			cur.Reset()
			has = false
		default:
			cur.WriteRune(c)
			has = true
		}
	}
	if has {
		args = append(args, cur.String())
	}
	return args, !in
}

func textLinesWidth(t *testing.T, name string, width int, out []byte) {
	t.Helper()
	for i, line := range strings.Split(string(out), "\n") {
		if len(line) > width && !commandLine(line) {
			t.Errorf("%s: line %d has %d columns: %q", name, i+1, len(line), line)
		}
		for _, c := range []byte(line) {
			if c >= 0x80 || c == 0x1b {
				t.Errorf("%s: line %d holds byte 0x%02x: %q", name, i+1, c, line)
				break
			}
		}
	}
}

// Every command with a document has a text form for a person; each is kept as a golden.
func TestTextOutputGolden(t *testing.T) {
	tmp := t.TempDir()
	cases := []struct {
		name string
		args []string
		code int
		// wide: also kept at 120 columns, as name with .120 before .txt.
		wide bool
	}{
		{"get-ie-proxy-winhttp-direct.txt", []string{"get", "--from", "examples/ie-proxy-winhttp-direct.reg"}, 0, false},
		{"get-system-account-autodetect.txt", []string{"get", "--from", "examples/system-account-autodetect.reg", "--user", "system"}, 0, false},
		{"get-winhttp-views-disagree.txt", []string{"get", "--from", "examples/winhttp-views-disagree.reg"}, 0, false},
		{"get-netsh.txt", []string{"get", "--from", "examples/netsh-show-proxy.txt"}, 0, false},
		{"test-ie-proxy-winhttp-direct.txt", []string{"test", "--from", "examples/ie-proxy-winhttp-direct.reg", "--internal", "dc01.corp.example", "--internal", "vda.other.example"}, 1, true},
		{"test-ie-winhttp-matching.txt", []string{"test", "--from", "examples/ie-winhttp-matching.reg"}, 0, true},
		{"plan-import-ie.txt", []string{"plan", "--from", "examples/ie-proxy-winhttp-direct.reg", "--import-ie", "--add-bypass", "dc02.corp.example"}, 0, true},
		{"plan-empty.txt", []string{"plan", "--from", "examples/ie-winhttp-matching.reg", "--import-ie"}, 0, false},
		{"route-wininet.txt", []string{"route", "--from", "examples/ie-proxy-winhttp-direct.reg", "--stack", "wininet", "https://dc01.corp.example", "https://citrix.cloud.com", "10.1.2.3", "localhost"}, 0, true},
		{"route-long-url.txt", []string{"route", "--from", "examples/ie-proxy-winhttp-direct.reg", "https://agenthub-ap-s.citrixworkspacesapi.net/some/long/path/that/goes/on", "https://dc01.corp.example"}, 0, true},
		{"diff.txt", []string{"diff", "examples/ie-proxy-winhttp-direct.reg", "examples/ie-winhttp-matching.reg"}, 1, false},
		{"endpoints-japan.txt", []string{"endpoints", "--region", "japan"}, 0, true},
		{"version.txt", []string{"version"}, 0, false},
	}
	for _, c := range cases {
		if c.wide {
			r := runWidth(t, 120, nil, append(c.args, "--format", "text")...)
			// The Japan list is known to be incomplete, which every format says on stderr.
			if r.code != c.code || (len(r.stderr) != 0) != (c.name == "endpoints-japan.txt") {
				t.Errorf("%v at 120 columns: exit %d (want %d), stderr %s", c.args, r.code, c.code, r.stderr)
			}
			textGoldenWidth(t, strings.TrimSuffix(c.name, ".txt")+".120.txt", 120, r.stdout)
		}
		r := run(t, nil, append(c.args, "--format", "text")...)
		if r.code != c.code || (len(r.stderr) != 0) != (c.name == "endpoints-japan.txt") {
			t.Errorf("%v: exit %d (want %d), stderr %s", c.args, r.code, c.code, r.stderr)
		}
		out := r.stdout
		if c.name == "version.txt" {
			out = bytes.ReplaceAll(out, []byte(headCommit), []byte("COMMIT"))
			out = regexp.MustCompile(`go1\.[0-9.]+, [a-z0-9]+/[a-z0-9]+`).ReplaceAll(out, []byte("GO, OS/ARCH"))
		}
		textGolden(t, c.name, out)
	}

	// The fleet report of two machines, one compliant.
	docs := filepath.Join(tmp, "fleet")
	if err := os.Mkdir(docs, 0o755); err != nil {
		t.Fatal(err)
	}
	for host, reg := range map[string]string{"CC01": "ie-proxy-winhttp-direct.reg", "CC02": "ie-winhttp-matching.reg"} {
		r := run(t, nil, "test", "--from", "examples/"+reg)
		if err := os.WriteFile(filepath.Join(docs, host+".test.json"), r.stdout, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(docs, "CC03.test.json"), []byte(`{"schema":"ccproxy/test@1"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "report", docs, "--format", "text")
	if r.code != 0 {
		t.Errorf("report: exit %d, %s", r.code, r.stderr)
	}
	// The rejected file's path is a temporary folder's, whose length moves the wrapping: the
	// golden holds that part unwrapped.
	textLines(t, "report.txt", r.stdout)
	out := r.stdout
	if i := bytes.Index(out, []byte("rejected (")); i >= 0 {
		out = append(out[:i:i], append(bytes.Join(bytes.Fields(out[i:]), []byte(" ")), '\n')...)
	}
	golden(t, "text/report.txt", bytes.ReplaceAll(out, []byte(tmp), []byte("$TMP")))

	// endpoints --format csv, for firewall teams.
	r = run(t, nil, "endpoints", "--region", "japan", "--format", "csv")
	golden(t, "text/endpoints-japan.csv", r.stdout)
}

// apply's text: the result, the backup and each change's status.
func TestTextOutputApply(t *testing.T) {
	m := newPlanMachine(t, planLive(t, "ie-proxy-winhttp-direct.reg"))
	plan := m.planRun(t, nil, "plan", "--import-ie")
	if plan.code != 0 {
		t.Fatalf("plan: exit %d, %s", plan.code, plan.stderr)
	}
	path := planWrite(t, "plan.json", plan.stdout)
	r := m.planRun(t, nil, "apply", path, "--format", "text")
	if r.code != 0 {
		t.Fatalf("apply: exit %d, %s", r.code, r.stderr)
	}
	// The backup's path is in a temporary folder, whose length moves the wrapping.
	textLines(t, "apply.txt", r.stdout)
	out := regexp.MustCompile(`  backup: [^\n]*(\n {10}[^\n]*)*`).ReplaceAll(r.stdout, []byte("  backup: BACKUP"))
	golden(t, "text/apply.txt", out)
}

// check's text: the verdict, the route, R8, and one line per endpoint with its failing
// stage and class.
func TestTextOutputCheck(t *testing.T) {
	l := newCheckLab(t)
	p := checkProxy(t, probetest.ProxyOptions{Mode: probetest.Tunnel, RefuseIPLiterals: true})
	for _, width := range []int{80, 120} {
		r := runWidth(t, width, nil, "check", "--catalog", l.catalog, "--ca-file", l.caFile, "--proxy", p.Addr, "--ip-literal", "192.0.2.10", "--format", "text")
		if r.code != 1 {
			t.Fatalf("exit %d, want 1: %s", r.code, r.stderr)
		}
		name := "check-refuses-ip.txt"
		if width != 80 {
			name = fmt.Sprintf("check-refuses-ip.%d.txt", width)
		}
		// The lab's ports are ephemeral, five digits on Linux.
		textGoldenWidth(t, name, width, regexp.MustCompile(`:[1-9]\d{4}\b`).ReplaceAll(r.stdout, []byte(":PORT")))
	}
}

// check's text groups endpoints that ended the same way: one line per cause with the count
// and the hosts, never a host cut in two, the route in words.
func TestTextOutputCheckGroups(t *testing.T) {
	l := newCheckLab(t)
	mixed := l.writeCatalog(t, "mixed.json", true)
	p := checkProxy(t, probetest.ProxyOptions{Mode: probetest.Tunnel})
	// A loopback port that was just free: the proxy there refuses every connection.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	ports := regexp.MustCompile(`:[1-9]\d{3,4}\b`)
	for _, c := range []struct {
		name, proxy string
		wantGroups  int
	}{{"check-mixed", p.Addr, 2}, {"check-refused", closed, 1}} {
		for _, width := range []int{80, 120} {
			r := runWidth(t, width, nil, "check", "--catalog", mixed, "--ca-file", l.caFile, "--proxy", c.proxy, "--ip-literal", "192.0.2.10", "--format", "text")
			if r.code != 1 {
				t.Fatalf("%s: exit %d, want 1: %s", c.name, r.code, r.stderr)
			}
			out := ports.ReplaceAll(r.stdout, []byte(":PORT"))
			if n := bytes.Count(out, []byte("\nFAIL ")) + bytes.Count(out, []byte("\nPASS ")); n != c.wantGroups {
				t.Errorf("%s: %d groups, want %d:\n%s", c.name, n, c.wantGroups, out)
			}
			if bytes.Contains(out, []byte("proxyFlag")) {
				t.Errorf("%s: the route is named by its enum:\n%s", c.name, out)
			}
			for _, host := range []string{"trust.citrixworkspacesapi.net", "registry.citrixworkspacesapi.net", "cwsproduction.blob.core.windows.net"} {
				if !bytes.Contains(out, []byte(host+":PORT")) {
					t.Errorf("%s: %s not named whole:\n%s", c.name, host, out)
				}
			}
			textGoldenWidth(t, fmt.Sprintf("%s.%d.txt", c.name, width), width, out)
		}
	}
}

// auto writes text on a console and JSON otherwise; CCPROXY_FORMAT sets the default; colour
// only on a console, never with NO_COLOR or --no-color, and never alone: the words stay.
func TestFormatAutoAndColour(t *testing.T) {
	runAs := func(terminal bool, getenv map[string]string, args ...string) (string, int) {
		var out, errb bytes.Buffer
		env := commands.NewEnv(nil, &out, &errb)
		env.StdoutIsTerminal = terminal
		env.Now = func() time.Time { return testcmdNow }
		env.Getenv = func(k string) string { return getenv[k] }
		env.ShowAdvproxy = func(context.Context) ([]byte, error) { return nil, errors.New("no netsh in this test") }
		env.OpenLive = func() (system.Writer, error) { return nil, &model.EnvError{Msg: "no live registry"} }
		code := commands.Main(env, args)
		return out.String() + errb.String(), code
	}
	get := []string{"test", "--from", "../examples/ie-proxy-winhttp-direct.reg"}
	if out, _ := runAs(false, nil, get...); !strings.HasPrefix(out, "{") {
		t.Errorf("auto, not a console: want JSON, got %.80q", out)
	}
	out, _ := runAs(true, nil, get...)
	if !strings.Contains(out, "\x1b[31mNOT COMPLIANT\x1b[0m") || !strings.Contains(out, "FAIL") {
		t.Errorf("auto on a console: want coloured text with its words, got %.200q", out)
	}
	for name, c := range map[string]struct {
		env  map[string]string
		args []string
	}{
		"NO_COLOR":   {map[string]string{"NO_COLOR": "1"}, nil},
		"--no-color": {nil, []string{"--no-color"}},
	} {
		if out, _ := runAs(true, c.env, append(get, c.args...)...); strings.Contains(out, "\x1b[") || !strings.Contains(out, "NOT COMPLIANT") {
			t.Errorf("%s: want plain text, got %.200q", name, out)
		}
	}
	if out, _ := runAs(true, nil, append(get, "--output", filepath.Join(t.TempDir(), "t.json"))...); out != "" {
		t.Errorf("--output on a console writes the JSON file and nothing else, got %q", out)
	}
	if out, _ := runAs(false, map[string]string{"CCPROXY_FORMAT": "TEXT"}, get...); !strings.HasPrefix(out, "NOT COMPLIANT") {
		t.Errorf("CCPROXY_FORMAT=TEXT: want text, got %.80q", out)
	}
	if out, _ := runAs(true, map[string]string{"CCPROXY_FORMAT": "text"}, append(get, "--format", "json")...); !strings.HasPrefix(out, "{") {
		t.Errorf("--format json beats CCPROXY_FORMAT: got %.80q", out)
	}
	if out, code := runAs(false, map[string]string{"CCPROXY_FORMAT": "yaml"}, get...); code != 2 || !strings.Contains(out, "CCPROXY_FORMAT") {
		t.Errorf("CCPROXY_FORMAT=yaml: exit %d, %s", code, out)
	}
	if out, code := runAs(false, nil, append(get, "--format", "yaml")...); code != 2 || !strings.Contains(out, "--format") {
		t.Errorf("--format yaml: exit %d, %s", code, out)
	}
}

// plan --format reg writes exactly the planned bytes in a file the .reg reader (and regedit)
// reads back; --format netsh writes the netsh lines, and says what netsh cannot do.
func TestPlanForChangeControl(t *testing.T) {
	args := []string{"plan", "--from", "examples/ie-proxy-winhttp-direct.reg", "--import-ie", "--add-bypass", "dc02.corp.example"}
	doc := run(t, nil, args...)
	reg := run(t, nil, append(args, "--format", "reg")...)
	if reg.code != 0 || !bytes.HasPrefix(reg.stdout, []byte{0xFF, 0xFE, 'W', 0}) {
		t.Fatalf("--format reg: exit %d, %q", reg.code, reg.stderr)
	}
	st, err := system.LoadRegFile("plan.reg", reg.stdout)
	if err != nil {
		t.Fatalf("the .reg does not read back: %v", err)
	}
	n := 0
	gjsonEach(doc.stdout, "changes", func(c map[string]any) {
		target := c["target"].(map[string]any)
		after := c["after"].(map[string]any)
		v, err := st.ReadValue(target["registryPath"].(string), target["valueName"].(string))
		if err != nil || v == nil {
			t.Errorf("%v: not in the .reg (%v)", target, err)
			return
		}
		if got := fmt.Sprintf("%x", v.Data); got != after["hex"] || model.RegTypeName(v.Type) != after["type"] {
			t.Errorf("%v: .reg holds %s %s, the plan %s %s", target["valueName"], model.RegTypeName(v.Type), got, after["type"], after["hex"])
		}
		n++
	})
	if n != 2 {
		t.Errorf("%d changes compared, want 2", n)
	}
	// A WinINet plan: every type regedit writes, read back exactly.
	wi := run(t, nil, "plan", "--from", "examples/ie-proxy-winhttp-direct.reg", "examples/desired-connector.json", "--format", "reg")
	if _, err := system.LoadRegFile("wininet.reg", wi.stdout); wi.code != 0 || err != nil {
		t.Errorf("desired-connector --format reg: exit %d, %v, %s", wi.code, err, wi.stderr)
	}
	netsh := run(t, nil, append(args, "--format", "netsh")...)
	if netsh.code != 0 {
		t.Fatalf("--format netsh: exit %d, %s", netsh.code, netsh.stderr)
	}
	golden(t, "text/plan.netsh.cmd", regexp.MustCompile(`plan [0-9a-f]{12}`).ReplaceAll(netsh.stdout, []byte("plan FINGERPRINT")))
	if cmd := run(t, nil, append(args, "--format", "cmd")...); !bytes.Equal(cmd.stdout, netsh.stdout) {
		t.Errorf("--format netsh is not --format cmd:\n%s\n%s", netsh.stdout, cmd.stdout)
	}
	// The PowerShell form, kept as a .ps1 so that the repository's PowerShell grammar check
	// (tests/powershell/check.sh) parses it too.
	ps1 := run(t, nil, append(args, "--format", "ps1")...)
	if ps1.code != 0 || !bytes.Contains(ps1.stdout, []byte(`& "$env:SystemRoot\SysWOW64\netsh.exe" winhttp set proxy`)) || bytes.Contains(ps1.stdout, []byte("rem ")) {
		t.Fatalf("--format ps1: exit %d, %s%s", ps1.code, ps1.stdout, ps1.stderr)
	}
	golden(t, "text/plan.netsh.ps1", regexp.MustCompile(`plan [0-9a-f]{12}`).ReplaceAll(ps1.stdout, []byte("plan FINGERPRINT")))
	powershellParses(t, "plan.ps1", ps1.stdout, true)
	// The cmd.exe form is not PowerShell: the check tells them apart.
	powershellParses(t, "plan-cmd.ps1", netsh.stdout, false)
}

// powershellParses runs the PowerShell grammar check of tests/powershell on script and
// compares its verdict with want. It needs node and that folder's packages (npm ci there).
func powershellParses(t *testing.T, name string, script []byte, want bool) {
	t.Helper()
	// CI runs tests/powershell/check.sh (npm ci) before the Go tests and sets
	// CCPROXY_REQUIRE_PWSH_GRAMMAR=1, which turns a missing grammar into a failure.
	skip := t.Skip
	if os.Getenv("CCPROXY_REQUIRE_PWSH_GRAMMAR") == "1" {
		skip = t.Fatal
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("node is not installed: tests/powershell/check.sh parses the committed .ps1 goldens in CI")
	}
	if _, err := os.Stat("powershell/node_modules/web-tree-sitter"); err != nil {
		skip("tests/powershell has no node_modules: run 'npm ci' there (tests/powershell/check.sh does)")
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, script, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, "powershell/parse.mjs", path).CombinedOutput()
	if got := err == nil; got != want {
		t.Errorf("%s: the PowerShell grammar check says parses=%v, want %v: %s\n%s", name, got, want, out, script)
	}
}

func gjsonEach(doc []byte, path string, f func(map[string]any)) {
	var v map[string]any
	if err := json.Unmarshal(doc, &v); err != nil {
		return
	}
	list, _ := v[path].([]any)
	for _, x := range list {
		if m, ok := x.(map[string]any); ok {
			f(m)
		}
	}
}

// apply --what-if --from EXPORT reviews a plan offline: what would be written, nothing else.
func TestApplyWhatIfAgainstAnExport(t *testing.T) {
	dir := t.TempDir()
	plan := run(t, nil, "plan", "--from", "examples/ie-proxy-winhttp-direct.reg", "--import-ie")
	path := filepath.Join(dir, "plan.json")
	if err := os.WriteFile(path, plan.stdout, 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "apply", "--what-if", "--from", "examples/ie-proxy-winhttp-direct.reg", path)
	if r.code != 0 || len(r.stderr) != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var doc struct {
		Result  string `json:"result"`
		Backup  any    `json:"backup"`
		Changes []struct {
			Status string `json:"status"`
		} `json:"changes"`
	}
	if err := json.Unmarshal(r.stdout, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Result != "whatIf" || doc.Backup != nil || len(doc.Changes) != 2 || doc.Changes[0].Status != "wouldApply" {
		t.Errorf("what-if against the export: %s", r.stdout)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the what-if left files: %v", entries)
	}

	// Against another machine's export the plan is stale: exit 2 as for apply, and still the
	// document a change board reads, saying so.
	r = run(t, nil, "apply", "--what-if", "--from", "examples/nothing-configured.reg", path)
	var stale struct {
		Result  string  `json:"result"`
		Stale   bool    `json:"stale"`
		Error   *string `json:"error"`
		Changes []struct {
			Status string `json:"status"`
		} `json:"changes"`
	}
	if err := json.Unmarshal(r.stdout, &stale); err != nil || r.code != 2 {
		t.Fatalf("stale what-if: exit %d, %v: %s %s", r.code, err, r.stdout, r.stderr)
	}
	if stale.Result != "whatIf" || !stale.Stale || stale.Error == nil || !strings.Contains(*stale.Error, "plan is stale") || len(stale.Changes) != 2 || stale.Changes[0].Status != "notApplied" {
		t.Errorf("stale what-if document: %s", r.stdout)
	}
	if !strings.Contains(string(r.stderr), "plan is stale") {
		t.Errorf("stale what-if: stderr %s", r.stderr)
	}
	text := run(t, nil, "apply", "--what-if", "--from", "examples/nothing-configured.reg", path, "--format", "text")
	if text.code != 2 || !strings.Contains(string(text.stdout), "STALE: ") {
		t.Errorf("stale what-if text: exit %d: %s", text.code, text.stdout)
	}
}

// test's text is one screen: on every example export, at 80 columns and without --verbose,
// it fits 30 lines, the verdict opens the first line and the last, and failures come before
// warnings. --verbose lists every finding.
func TestTextTestOneScreen(t *testing.T) {
	inputs, _ := filepath.Glob("../examples/*.reg")
	txt, _ := filepath.Glob("../examples/*.txt")
	inputs = append(inputs, txt...)
	if len(inputs) < 5 {
		t.Fatalf("only %d example exports", len(inputs))
	}
	verdict := regexp.MustCompile(`^(COMPLIANT|NOT COMPLIANT|INCOMPLETE)\b`)
	for _, in := range inputs {
		in = strings.TrimPrefix(in, "../")
		r := run(t, nil, "test", "--from", in, "--format", "text")
		if len(r.stderr) != 0 {
			t.Errorf("%s: stderr %s", in, r.stderr)
		}
		textLines(t, in, r.stdout)
		lines := strings.Split(strings.TrimSuffix(string(r.stdout), "\n"), "\n")
		if len(lines) > 30 {
			t.Errorf("%s: %d lines, want at most 30:\n%s", in, len(lines), r.stdout)
		}
		end := lines[len(lines)-1]
		if len(lines) > 1 && strings.HasSuffix(lines[len(lines)-2], "; next:") {
			// The next step's command did not fit after the verdict: it stands below it.
			end = lines[len(lines)-2]
		}
		first, last := verdict.FindString(lines[0]), verdict.FindString(end)
		if first == "" || first != last {
			t.Errorf("%s: verdict %q on the first line, %q on the last", in, first, last)
		}
		if f, w := strings.Index(string(r.stdout), "\nFAIL "), strings.Index(string(r.stdout), "\nWARN "); f >= 0 && w >= 0 && w < f {
			t.Errorf("%s: a warning before a failure:\n%s", in, r.stdout)
		}
		for _, hidden := range []string{"\nPASS ", "\nNOT CHECKED ", "\nN/A "} {
			if strings.Contains(string(r.stdout), hidden) {
				t.Errorf("%s: %q listed without --verbose", in, hidden)
			}
		}
	}
	for _, flag := range []string{"--verbose", "--all"} {
		r := run(t, nil, "test", "--from", "examples/ie-proxy-winhttp-direct.reg", "--format", "text", flag)
		for _, want := range []string{"\nPASS ", "\nNOT CHECKED ", "\nN/A ", "tls12ClientEnabled"} {
			if !strings.Contains(string(r.stdout), want) {
				t.Errorf("%s: %q missing:\n%s", flag, want, r.stdout)
			}
		}
	}
	r := run(t, nil, "test", "--from", "examples/ie-proxy-winhttp-direct.reg", "--format", "text", "--verbose")
	textGolden(t, "test-ie-proxy-winhttp-direct.verbose.txt", r.stdout)
}

// Strings from input reach the terminal with their controls visible: an ESC sequence in a
// proxy cannot clear the screen and print its own verdict, a bidi override in a bypass entry
// cannot reorder what follows, a BEL or CSI does nothing.
func TestTextOutputControlCharacters(t *testing.T) {
	const reg = "tests/testdata/text/hostile.reg"
	for _, c := range []struct {
		name string
		args []string
		code int
	}{
		{"hostile-get.txt", []string{"get", "--from", reg}, 0},
		{"hostile-test.txt", []string{"test", "--from", reg, "--internal", "dc01.corp.example", "--verbose"}, 1},
		{"hostile-route.txt", []string{"route", "--from", reg, "--stack", "wininet", "https://dc01.corp.example", "https://citrix.cloud.com"}, 0},
		{"hostile-diff.txt", []string{"diff", reg, "examples/ie-proxy-winhttp-direct.reg"}, 1},
	} {
		r := run(t, nil, append(c.args, "--format", "text")...)
		if r.code != c.code {
			t.Errorf("%v: exit %d (want %d), %s", c.args, r.code, c.code, r.stderr)
		}
		for i, line := range strings.Split(string(r.stdout), "\n") {
			for _, b := range []byte(line) {
				if b < 0x20 || b == 0x7f || b >= 0x80 {
					t.Errorf("%s: line %d holds byte 0x%02x: %q", c.name, i+1, b, line)
					break
				}
			}
		}
		for _, want := range []string{`\x1b[2J`} {
			if c.name != "hostile-route.txt" && !strings.Contains(strings.Join(strings.Fields(string(r.stdout)), ""), want) {
				t.Errorf("%s: %q not shown:\n%s", c.name, want, r.stdout)
			}
		}
		textGolden(t, c.name, r.stdout)
	}
}

// Every command in the text goldens stands whole on one line: a line that starts with
// "ccproxy " (after its label) parses as ccproxy's own command line, quotes closed; no line
// ends in the middle of one (a ccproxy command continued on the next line).
func TestTextGoldenCommandsWhole(t *testing.T) {
	files, _ := filepath.Glob("testdata/text/*.txt")
	if len(files) < 10 {
		t.Fatalf("only %d text goldens", len(files))
	}
	n := 0
	for _, f := range files {
		if filepath.Base(f) == "version.txt" {
			continue // "ccproxy dev (commit ...)" names the program, it is no command
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			cmd, ok := lineCommand(line)
			if !ok || !strings.HasPrefix(cmd, "ccproxy ") {
				continue
			}
			n++
			args, ok := shellWords(cmd)
			if !ok {
				t.Errorf("%s:%d: a quote is left open: %q", f, i+1, line)
				continue
			}
			if r := run(t, nil, append(args[1:], "--help")...); r.code != 0 {
				t.Errorf("%s:%d: %q does not parse: exit %d %s", f, i+1, cmd, r.code, r.stderr)
			}
		}
		if m := regexp.MustCompile(`(?m)(next|then|fix): ccproxy [^\n]*\n\s+--`).FindString(string(b)); m != "" {
			t.Errorf("%s: a command continues on the next line: %q", f, m)
		}
	}
	if n < 3 {
		t.Errorf("only %d commands found in the goldens", n)
	}
}
