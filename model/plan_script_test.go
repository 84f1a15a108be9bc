package model

import (
	"strings"
	"testing"
)

// Whether each shell's quoting carries a value unchanged: cmd.exe inside "..." still expands
// %VAR% and !VAR!, and a " ends the quoting; PowerShell's '...' only needs ' doubled. Neither
// carries a control or non-ASCII character.
func TestScriptQuotingCarries(t *testing.T) {
	for _, c := range []struct {
		value   string
		cmd, ps bool
	}{
		{"p.corp.example:8080", true, true},
		{"<local>;*.corp.example;10.*", true, true},
		{"http=p:3128;https=p:3128", true, true},
		{"[fd00::1]:8080", true, true},
		{"<local> *.corp", true, true},
		{"it's", true, true},
		{"$env:x `n", true, true},
		{"%COMSPEC%", false, true},
		{"a%b", false, true},
		{"!x!", false, true},
		{"a^b", false, true},
		{"x&calc", false, true},
		{"x|calc", false, true},
		{`p:8080"&calc&"`, false, false},
		{"p:8080\r\ncalc.exe", false, false},
		{"p:8080\ncalc.exe", false, false},
		{"p\x1b[2J", false, false},
		{"p\x00", false, false},
		{"p\x7f", false, false},
		{"p\u2019;calc", false, false},
		{"bücher.example", false, false},
	} {
		if got := cmdQuotedCarries(c.value); got != c.cmd {
			t.Errorf("cmd %q: %v, want %v", c.value, got, c.cmd)
		}
		if got := psQuotedCarries(c.value); got != c.ps {
			t.Errorf("ps1 %q: %v, want %v", c.value, got, c.ps)
		}
	}
}

// A planned WinHTTP value that a shell would interpret is a comment, never a command, and the
// value appears nowhere in the script.
func TestPlanScriptRefusesUnsafeValues(t *testing.T) {
	change := func(proxy, bypass string) Change {
		return Change{
			Target: Target{Stack: "winhttp", RegistryPath: `HKEY_LOCAL_MACHINE\X`, ValueName: WinHTTPValue},
			Action: ActionUpdate,
			After: ValueDoc{Exists: true, Blob: &BlobDoc{
				Flags: &FlagsDoc{Proxy: true}, Proxy: Ptr(proxy), Bypass: Ptr(bypass),
			}},
		}
	}
	for _, c := range []struct{ proxy, bypass, marker, only string }{
		{`p.corp.example:8080"&calc&"`, "", "calc", ""},
		{"p.corp.example:8080", `<local>;x"&calc.exe&"y;%COMSPEC%;a^b`, "calc", ""},
		{"p.corp.example:8080", "<local>;%COMSPEC%", "COMSPEC", ShellCmd},
		{"p.corp.example:8080\r\ncalc.exe\r\nrem ", "", "calc", ""},
		{"p.corp.example:8080", "<local>;x'\ncalc", "calc", ""},
		{"p.corp.example:8080", "<local>;\x1b]0;pwn\x07", "pwn", ""},
	} {
		p := &Plan{Changes: []Change{change(c.proxy, c.bypass)}}
		for _, sh := range []string{ShellCmd, ShellPowerShell} {
			if c.only != "" && c.only != sh {
				continue
			}
			s := PlanScript(p, sh)
			if strings.Contains(s, c.marker) || strings.Contains(s, "set proxy") {
				t.Errorf("%s %q %q: the value reached the script:\n%s", sh, c.proxy, c.bypass, s)
			}
			if !strings.Contains(s, "cannot carry safely") {
				t.Errorf("%s %q %q: no comment says why:\n%s", sh, c.proxy, c.bypass, s)
			}
			for _, r := range s {
				if (r < 0x20 && r != '\r' && r != '\n') || r > 0x7e {
					t.Errorf("%s: control or non-ASCII %q in the script", sh, r)
				}
			}
		}
	}
	// An ordinary value is still a netsh line in both shells.
	p := &Plan{Changes: []Change{change("p.corp.example:8080", "<local>;*.corp.example")}}
	// The 64-bit netsh, also from a 32-bit cmd.exe: Sysnative when it exists.
	if s := PlanScript(p, ShellCmd); !strings.Contains(s, `if exist "%SystemRoot%\Sysnative\netsh.exe" (set "NETSH=%SystemRoot%\Sysnative\netsh.exe") else (set "NETSH=%SystemRoot%\System32\netsh.exe")`+"\r\n") ||
		!strings.Contains(s, "\r\n"+`"%NETSH%" winhttp set proxy proxy-server="p.corp.example:8080" bypass-list="<local>;*.corp.example"`) {
		t.Errorf("cmd:\n%s", s)
	}
	if s := PlanScript(p, ShellPowerShell); !strings.Contains(s, `& $netsh winhttp set proxy 'proxy-server=p.corp.example:8080' 'bypass-list=<local>;*.corp.example'`) {
		t.Errorf("ps1:\n%s", s)
	}
}

// An imported proxy that --proxy would refuse is imported with a warning, not refused.
func TestImportWarnsOfInvalidProxy(t *testing.T) {
	doc := `{"schema":"ccproxy/desired@1","winhttp":{"mode":"importFromIE","views":"native"}}`
	for proxy, want := range map[string]int{
		`p.corp.example:8080"&calc&"`:        1,
		"http=p.corp.example:x;https=q:3128": 1,
		"p.corp.example:8080":                0,
		"p.corp.example":                     0,
	} {
		p := mustPlan(t, ieUser(t, newFakeReg(), FlagDirect|FlagProxy, proxy, "", ""), doc)
		n := 0
		for _, w := range p.Warnings {
			if w.Code == "importedProxyInvalid" {
				n++
				if strings.Contains(w.Message, "calc") {
					t.Errorf("%q: the warning repeats the value: %s", proxy, w.Message)
				}
			}
		}
		if n != want {
			t.Errorf("%q: %d importedProxyInvalid warnings, want %d: %+v", proxy, n, want, p.Warnings)
		}
	}
}
