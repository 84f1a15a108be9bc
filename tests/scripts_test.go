package tests

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"
)

// The scripts under examples/ are what 'ccproxy scripts' writes for the sample settings, so
// they are never edited by hand and never drift from the generator.
var exampleScriptsArgs = []string{"--desired", abs("../examples/desired-proxy.json"), "--internal", "dc01.corp.example", "--internal", "cc02.corp.example"}

func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		panic(err)
	}
	return a
}

var channelFolders = map[string]string{"configmgr": "configmgr", "intune": "intune", "gpo": "gpo"}

func generated(t *testing.T, channel string) map[string][]byte {
	t.Helper()
	dir := t.TempDir()
	r := run(t, nil, append([]string{"scripts", "--channel", channel, "--out", dir}, exampleScriptsArgs...)...)
	if r.code != 0 || len(r.stderr) != 0 {
		t.Fatalf("scripts --channel %s: exit %d, stderr %s", channel, r.code, r.stderr)
	}
	out := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	if len(out) == 0 {
		t.Fatalf("scripts --channel %s wrote nothing", channel)
	}
	return out
}

func TestExampleScriptsAreGenerated(t *testing.T) {
	for channel, folder := range channelFolders {
		dir := filepath.Join("..", "examples", folder)
		files := generated(t, channel)
		if *update {
			os.MkdirAll(dir, 0o755)
			for name, b := range files {
				if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if _, ok := files[e.Name()]; !ok {
				t.Errorf("%s/%s is not written by 'ccproxy scripts --channel %s': a hand-kept copy", dir, e.Name(), channel)
			}
		}
		for name, b := range files {
			got, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil || !bytes.Equal(got, b) {
				t.Errorf("%s/%s differs from 'ccproxy scripts --channel %s'; run 'go test ./tests -update'", dir, name, channel)
			}
		}
	}
}

// Each channel's contract, checked on the text since no PowerShell runs in CI
// (../shared/reference/fleet-integration.md has the sources).
func TestScriptContracts(t *testing.T) {
	all := map[string]string{}
	for channel := range channelFolders {
		for name, b := range generated(t, channel) {
			all[channel+"/"+name] = string(b)
		}
	}
	body := func(s string) string { return helpersRegion.ReplaceAllString(s, "") }
	for name, s := range all {
		if !strings.HasSuffix(name, ".ps1") {
			continue
		}
		// Nothing to edit: the settings are written in by the generator, and a signed script
		// cannot be edited.
		if strings.Contains(strings.ToLower(s), "edit before") || !strings.Contains(s, "# --- Settings, written by 'ccproxy scripts' from desired-proxy.json.") {
			t.Errorf("%s: no generated settings block, or one that asks to be edited", name)
		}
		if !strings.Contains(s, "$DesiredJson = '{\"schema\":\"ccproxy/desired@1\"") || !strings.Contains(s, "$InternalResources = @('dc01.corp.example', 'cc02.corp.example')") {
			t.Errorf("%s: the settings are not the ones asked for", name)
		}
		// Configuration Manager's default script timeout is 60 s: no script probes the network.
		if regexp.MustCompile(`@\('(check|probe)'`).MatchString(s) {
			t.Errorf("%s runs a network check, which can outlast the 60 s script timeout", name)
		}
	}
	// Configuration Manager: a remediation reports failure by throwing; an exit code is lost.
	rem := body(all["configmgr/ccproxy-ci-remediation.ps1"])
	if strings.Count(rem, "throw ") < 2 || regexp.MustCompile(`(?m)^\s*exit\b`).MatchString(rem) {
		t.Errorf("configmgr remediation: must throw on every failure and never exit with a code:\n%s", rem)
	}
	// Discovery returns the compliance value, with the reason when not compliant; incomplete
	// is not compliant.
	disc := all["configmgr/ccproxy-ci-discovery.ps1"]
	for _, want := range []string{"'compliant' { Write-Output 'Compliant' }", "default { Write-OneLine $result.Text }", "$text = 'not compliant: '", "$text = 'incomplete: "} {
		if !strings.Contains(disc, want) {
			t.Errorf("configmgr discovery lacks %q", want)
		}
	}
	// Intune Remediations: exit 1 starts the remediation; incomplete never does.
	det := body(all["intune/ccproxy-remediation-detect.ps1"])
	for _, want := range []string{"'compliant' { exit 0 }", "'notCompliant' { exit 1 }", "default { exit 0 }"} {
		if !strings.Contains(det, want) {
			t.Errorf("intune detection lacks %q", want)
		}
	}
	// Intune shows at most 2,048 characters: the detection and remediation print only
	// through Write-OneLine, which cuts at 2,000.
	if !strings.Contains(all["intune/ccproxy-remediation-detect.ps1"], "if ($line.Length -gt 2000) {") {
		t.Error("Write-OneLine no longer cuts at 2,000 characters")
	}
	for _, n := range []string{"intune/ccproxy-remediation-detect.ps1", "intune/ccproxy-remediation-fix.ps1"} {
		if regexp.MustCompile(`Write-(Output|Host)|\[Console\]`).MatchString(body(all[n])) {
			t.Errorf("%s writes output other than through Write-OneLine", n)
		}
	}
	// Every script reads the verdict through Get-Verdict, which derives it from "compliant"
	// for an older ccproxy's document.
	helpers := helpersRegion.FindString(all["intune/ccproxy-remediation-detect.ps1"])
	for _, want := range []string{"$Report.PSObject.Properties['verdict']", "if ($Report.compliant) {", "$verdict = Get-Verdict $report"} {
		if !strings.Contains(helpers, want) {
			t.Errorf("helpers lack %q", want)
		}
	}
	// Group Policy: the task runs as SYSTEM the script that logs to the Application log.
	task := all["gpo/ccproxy-task.ps1"]
	if !strings.Contains(task, "eventcreate.exe /L APPLICATION /SO ccproxy-task") {
		t.Error("the task script does not log to the Application log")
	}
	xb := []byte(all["gpo/ccproxy-task.xml"])
	if len(xb) < 2 || xb[0] != 0xff || xb[1] != 0xfe {
		t.Fatal("the task XML is not UTF-16LE with a byte order mark, as Task Scheduler writes it")
	}
	u := make([]uint16, 0, len(xb)/2)
	for i := 2; i+1 < len(xb); i += 2 {
		u = append(u, uint16(xb[i])|uint16(xb[i+1])<<8)
	}
	text := strings.Replace(string(utf16.Decode(u)), `encoding="UTF-16"`, `encoding="UTF-8"`, 1)
	var doc struct {
		Principals struct {
			Principal []struct {
				ID       string `xml:"id,attr"`
				UserID   string `xml:"UserId"`
				RunLevel string
			}
		}
		Settings struct{ ExecutionTimeLimit string }
		Actions  struct {
			Context string `xml:",attr"`
			Exec    []struct{ Command, Arguments string }
		}
	}
	if err := xml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatalf("task XML: %v", err)
	}
	p := doc.Principals.Principal
	if len(p) != 1 || p[0].UserID != "S-1-5-18" || p[0].ID != doc.Actions.Context {
		t.Errorf("task principal %+v, context %q: want SYSTEM (S-1-5-18) running the action", p, doc.Actions.Context)
	}
	if len(doc.Actions.Exec) != 1 || !strings.HasSuffix(doc.Actions.Exec[0].Command, `\powershell.exe`) ||
		!strings.Contains(doc.Actions.Exec[0].Arguments, `-File "%ProgramFiles%\ccproxy\ccproxy-task.ps1"`) {
		t.Errorf("task action %+v", doc.Actions.Exec)
	}
}

func TestScriptsBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--channel", "gpo", "--desired", abs("../examples/netsh-show-proxy.txt"), "--out", dir}, "netsh-show-proxy.txt"},
		{[]string{"--channel", "sccm", "--desired", abs("../examples/desired-proxy.json"), "--out", dir}, "--channel"},
		{[]string{"--channel", "gpo", "--desired", abs("../examples/desired-proxy.json"), "--internal", "a'b", "--out", dir}, "a'b"},
	} {
		r := run(t, nil, append([]string{"scripts"}, c.args...)...)
		if r.code != 2 || !strings.Contains(string(r.stderr), c.want) {
			t.Errorf("%v: exit %d, stderr %s; want exit 2 naming %s", c.args, r.code, r.stderr, c.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("bad input wrote %d files", len(entries))
	}
}
