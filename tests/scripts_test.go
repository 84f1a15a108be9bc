package tests

import (
	"bytes"
	"encoding/json"
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
	for _, want := range []string{"'compliant' { Write-Output 'Compliant' }", "'notCompliant' { Write-OneLine $result.Text }", "'incomplete' { Write-OneLine $result.Text }", "$text = 'not compliant: '", "$text = 'incomplete: "} {
		if !strings.Contains(disc, want) {
			t.Errorf("configmgr discovery lacks %q", want)
		}
	}
	// Intune Remediations: exit 1 starts the remediation; incomplete never does.
	det := body(all["intune/ccproxy-remediation-detect.ps1"])
	for _, want := range []string{"'compliant' { exit 0 }", "'notCompliant' { exit 1 }", "'incomplete' { exit 0 }", "default { exit 2 }"} {
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
		// A proxy credential never reaches a script (nor the error).
		{[]string{"--channel", "intune", "--desired", credDesired(t), "--out", dir}, "holds credentials"},
	} {
		r := run(t, nil, append([]string{"scripts"}, c.args...)...)
		if r.code != 2 || !strings.Contains(string(r.stderr), c.want) || strings.Contains(string(r.stderr), "s3cret") {
			t.Errorf("%v: exit %d, stderr %s; want exit 2 naming %s", c.args, r.code, r.stderr, c.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("bad input wrote %d files", len(entries))
	}
}

// scriptBody is a generated script without its helper region and comment-based help.
func scriptBody(s string) string {
	s = helpersRegion.ReplaceAllString(s, "")
	if i := strings.Index(s, "#>"); i >= 0 {
		s = s[i+2:]
	}
	return regexp.MustCompile(`(?m)^\s*#.*\n`).ReplaceAllString(s, "")
}

// Every remediation tests first and writes only on notCompliant: an incomplete verdict or an
// error changes nothing, and the test after the apply decides what is reported
// (fleet-integration.md: ConfigMgr reports a remediation failure only when the script
// throws). The settings' --internal hosts reach that test.
func TestScriptRemediationTestsFirst(t *testing.T) {
	files := generated(t, "configmgr")
	rem := files["ccproxy-ci-remediation.ps1"]
	fn := regexp.MustCompile(`(?s)function Invoke-CCProxyRemediation \{.*?\n\}\n`).Find(rem)
	if fn == nil {
		t.Fatal("no Invoke-CCProxyRemediation in the ConfigMgr remediation")
	}
	f := string(fn)
	at := func(sub string) int {
		i := strings.Index(f, sub)
		if i < 0 {
			t.Errorf("Invoke-CCProxyRemediation lacks %q", sub)
		}
		return i
	}
	test, guard, write, plan := at("$before = Invoke-CCProxyTest -Exe $Exe"), at("if ($before.Verdict -ne 'notCompliant') {"), at("WriteAllText($desiredFile"), at("@('plan', $desiredFile")
	if test < 0 || guard < 0 || write < 0 || plan < 0 {
		return
	}
	if !(test < guard && guard < write && write < plan) {
		t.Errorf("the remediation does not test, then stop unless notCompliant, before it writes: test %d, guard %d, write %d, plan %d", test, guard, write, plan)
	}
	if g := f[test:write]; strings.Count(g, "return $result") != 2 || !strings.Contains(g, "if ($before.Verdict -eq 'compliant') {") {
		t.Errorf("compliant and incomplete/error do not return before anything is written:\n%s", f[test:write])
	}
	after, ok := at("$after = Invoke-CCProxyTest -Exe $Exe"), at("if ($after.Verdict -eq 'compliant') {")
	if after < plan || ok < after || ok < 0 || !strings.Contains(f[ok:], "$result.Ok = $true") {
		t.Error("the remediation does not decide its result from a test after the apply")
	}
	// Ok starts false and only a compliant verdict (or one whose only failure is the restart
	// R5 asks for) sets it.
	if !strings.Contains(f, "Ok = $false; Outcome = $before.Verdict") || strings.Count(f, "$result.Ok = $true") != 3 ||
		!strings.Contains(f, "@($after.Failed | Where-Object { $_ -ne 'restartNotPending' }).Count -eq 0") {
		t.Error("the remediation's Ok is not false unless a test says compliant")
	}
	body := scriptBody(string(rem))
	if !regexp.MustCompile(`(?s)if \(-not \$result\.Ok\) \{\s*throw \(Format-OneLine`).MatchString(body) {
		t.Errorf("the ConfigMgr remediation does not throw when the result is not Ok:\n%s", body)
	}
	// apply waits for another apply's lock 2 minutes by default: the remediation bounds it
	// well inside Configuration Manager's default 60 s script timeout.
	if !strings.Contains(f, "@('apply', $planFile, '--lock-timeout', '20s',") {
		t.Error("the remediation's apply may wait for the lock longer than the 60 s script timeout")
	}
	// The test runs with the settings' internal hosts, and never a network probe.
	if !strings.Contains(string(rem), "$arguments += @('--internal', $resource)") {
		t.Error("the test the remediation runs does not pass the internal resources")
	}
}

// Intune Remediations start the remediation on detection exit 1 and only then
// (fleet-integration.md): every exit of the detection script is 0, 1 or 2, exit 1 only for
// notCompliant, and an exception (which would end powershell.exe -File with 1) is caught.
func TestScriptIntuneDetectionNeverRemediatesAnError(t *testing.T) {
	det := scriptBody(string(generated(t, "intune")["ccproxy-remediation-detect.ps1"]))
	exits := regexp.MustCompile(`\bexit\b\s*(\S+)`).FindAllStringSubmatch(det, -1)
	ones := 0
	for _, e := range exits {
		switch e[1] {
		case "0", "2":
		case "1":
			ones++
		default:
			t.Errorf("detection exits with %q: only 0, 1 and 2 are decided here", e[1])
		}
	}
	if ones != 1 || !strings.Contains(det, "'notCompliant' { exit 1 }") {
		t.Errorf("exit 1 appears %d times; want once, for notCompliant", ones)
	}
	if !regexp.MustCompile(`(?s)try \{.*\$result = Invoke-CCProxyTest -Exe \$exe\s*\}\s*catch \{\s*Write-OneLine \('error: ' \+ \$_\.Exception\.Message\)\s*exit 2\s*\}`).MatchString(det) {
		t.Errorf("the detection does not turn an exception into exit 2:\n%s", det)
	}
	// An unparsable test document is an error verdict, not an exception or a pass.
	h := helpersRegion.FindString(string(generated(t, "intune")["ccproxy-remediation-detect.ps1"]))
	for _, want := range []string{"$report = $tested.Stdout | ConvertFrom-Json -ErrorAction Stop", "printed no ccproxy/test@1 document"} {
		if !strings.Contains(h, want) {
			t.Errorf("helpers lack %q", want)
		}
	}
}

// The custom compliance discovery always returns the settings: on an error the line baked
// into it, which holds every setting the shipped rules read (a missing one is Intune's error
// 65008) and fails the rules, so the device is not compliant and the report says why.
func TestScriptIntuneDiscoveryErrorIsNotCompliant(t *testing.T) {
	files := generated(t, "intune")
	disc := string(files["ccproxy-compliance-discovery.ps1"])
	m := regexp.MustCompile(`(?m)^\$ErrorSettingsJson = '((?:[^']|'')*)'$`).FindStringSubmatch(disc)
	if m == nil {
		t.Fatal("no $ErrorSettingsJson in the discovery script")
	}
	var settings map[string]any
	if err := json.Unmarshal([]byte(strings.ReplaceAll(m[1], "''", "'")), &settings); err != nil {
		t.Fatalf("$ErrorSettingsJson: %v", err)
	}
	var rules struct {
		Rules []struct {
			SettingName, Operator, DataType string
			Operand                         any
		}
	}
	if err := json.Unmarshal(files["ccproxy-compliance-rules.json"], &rules); err != nil {
		t.Fatal(err)
	}
	failing := []string{}
	for _, r := range rules.Rules {
		v, ok := settings[r.SettingName]
		if !ok {
			t.Errorf("the error line lacks %s (error 65008)", r.SettingName)
			continue
		}
		if (r.Operator == "IsEquals" && v != r.Operand) || (r.Operator == "NotEquals" && v == r.Operand) {
			failing = append(failing, r.SettingName)
		}
	}
	if settings["verdict"] != "error" || len(failing) == 0 {
		t.Errorf("error line verdict %v fails the rules %v; want verdict error and a failing rule", settings["verdict"], failing)
	}
	body := scriptBody(disc)
	if regexp.MustCompile(`(?m)^\s*exit\b`).MatchString(body) {
		t.Error("the discovery exits instead of returning the settings")
	}
	for _, r := range regexp.MustCompile(`\breturn\b[^\n]*`).FindAllString(body, -1) {
		if r != "return $line" && !strings.HasPrefix(r, "return (Get-ErrorSettings ") && r != "return ($parsed | ConvertTo-Json -Compress)" {
			t.Errorf("the discovery returns %q", r)
		}
	}
	if !strings.Contains(body, "$parsed | Add-Member -NotePropertyName 'verdict' -NotePropertyValue $verdict") {
		t.Error("the discovery does not derive the verdict of an older ccproxy's settings from compliant")
	}
	if !strings.Contains(body, "$settings.missingEvidence = $text\n") || !strings.Contains(body, "} while ($line.Length -gt 2047 -and $n -gt 0)") {
		t.Error("the error line does not carry the error, cut to Intune's 2,048 characters")
	}
	// The line without a message leaves room for one.
	if n := len(m[1]); n > 2047-400 {
		t.Errorf("the error line is %d characters before its message", n)
	}
}

// Error paths of every script: stderr lines are read as ccproxy's JSON log lines and only
// their message is shown; the desired state (which the scripts never print) stays out of
// every message; every line shown is cut by Format-OneLine.
func TestScriptErrorPaths(t *testing.T) {
	for channel := range channelFolders {
		for name, b := range generated(t, channel) {
			if !strings.HasSuffix(name, ".ps1") {
				continue
			}
			s := string(b)
			h := helpersRegion.FindString(s)
			for _, want := range []string{"$parsed.PSObject.Properties['message']", "$message = [string]$parsed.message", "$own.Add(('cannot run {0}: {1}' -f $Exe, $_.Exception.Message))", "elseif ($line.Trim()) {\n            $other++\n        }"} {
				if !strings.Contains(h, want) {
					t.Errorf("%s/%s: helpers lack %q", channel, name, want)
				}
			}
			if n := strings.Count(s, "$DesiredJson"); n != 2 || !strings.Contains(s, "WriteAllText($desiredFile, $DesiredJson,") {
				t.Errorf("%s/%s: $DesiredJson used %d times; only the settings and the file plan reads", channel, name, n)
			}
			body := scriptBody(s)
			for _, w := range regexp.MustCompile(`(?:throw|Error\.WriteLine)\s*\(+([^\n]*)`).FindAllStringSubmatch(body, -1) {
				if !strings.HasPrefix(w[1], "Format-OneLine") && !strings.HasPrefix(w[1], "'") {
					t.Errorf("%s/%s: %q is not cut to one line", channel, name, w[0])
				}
			}
		}
	}
}

// The scheduled task logs every run with its verdict: a warning when the machine was found
// incomplete or not compliant, an error on any failure, and a failure to log reaches stderr
// and the exit code.
func TestScriptGPOTaskLogsEveryVerdict(t *testing.T) {
	task := scriptBody(string(generated(t, "gpo")["ccproxy-task.ps1"]))
	for _, want := range []string{
		"'compliant' {\n        Write-CCProxyEvent -Id 100 -Type INFORMATION -Text ('verdict compliant: ' + $result.Text)",
		"'incomplete' {\n        Write-CCProxyEvent -Id 101 -Type WARNING -Text ('verdict incomplete, not remediated: ' + $result.Text)",
		"'remediated' {\n        Write-CCProxyEvent -Id 103 -Type WARNING -Text ('verdict notCompliant, remediated: ' + $result.Text)",
		"'restartPending' {\n        Write-CCProxyEvent -Id 103 -Type WARNING",
		"'failed' {\n        Write-CCProxyEvent -Id 102 -Type ERROR -Text ('verdict notCompliant, remediation failed: ' + $result.Text)",
		"default {\n        Write-CCProxyEvent -Id 102 -Type ERROR -Text ('verdict ' + $result.Outcome + ': ' + $result.Text)",
		"catch {\n    Write-CCProxyEvent -Id 102 -Type ERROR",
		"$script:EventFailed = $true\n        [Console]::Error.WriteLine(",
		".Replace('\"', \"'\")",
		"if ($message.EndsWith('\\')) {",
	} {
		if !strings.Contains(task, want) {
			t.Errorf("the task script lacks %q", want)
		}
	}
	if regexp.MustCompile(`(?m)^\s*exit\b`).MatchString(strings.Replace(task, "    exit $Code\n", "", 1)) {
		t.Error("the task exits without Exit-Task, which reports a failed event write")
	}
}

// credDesired is the sample desired state with a user name and password in its proxy.
func credDesired(t *testing.T) string {
	b, err := os.ReadFile("../examples/desired-proxy.json")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "desired-cred.json")
	if err := os.WriteFile(p, bytes.ReplaceAll(b, []byte(`"proxy.corp.example:8080"`), []byte(`"bob:s3cret@proxy.corp.example:8080"`)), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
