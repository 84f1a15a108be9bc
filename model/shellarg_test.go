package model

import "testing"

// The suggested command lines must read back unchanged in cmd.exe, PowerShell and sh.
func TestShellArg(t *testing.T) {
	for in, want := range map[string]string{
		"p.corp.example:8080":              "p.corp.example:8080",
		"<local>;*.corp":                   `"<local>;*.corp"`,
		"native,wow64":                     `"native,wow64"`,
		"[fd00::1]":                        `"[fd00::1]"`,
		"S-1-5-21-1-2-3-1001":              "S-1-5-21-1-2-3-1001",
		"":                                 `""`,
		"it's $x":                          `'it''s $x'`,
		"C:\\ProgramData\\ccproxy\\b.json": `"C:\ProgramData\ccproxy\b.json"`,
		"<local>;x&y":                      `"<local>;x&y"`,
		// What no quoting carries through cmd.exe, PowerShell and sh alike.
		`a"b`:                   ShellUnsafe,
		`x"&calc&"y&calc`:       ShellUnsafe,
		"%COMSPEC%":             ShellUnsafe,
		"p:8080!x!":             ShellUnsafe,
		"$x&calc":               ShellUnsafe,
		"p:8080\r\ncalc":        ShellUnsafe,
		"p\x1b[2J":              ShellUnsafe,
		"a\u201d;calc":          ShellUnsafe,
		"http=p:3128;https=p:1": `"http=p:3128;https=p:1"`,
	} {
		if got := ShellArg(in); got != want {
			t.Errorf("ShellArg(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestCommandLine(t *testing.T) {
	got := PlanCommand(PlanSetArgs("p.corp.example:8080", "<local>;*.corp", "native")...)
	if want := `ccproxy plan --proxy p.corp.example:8080 --bypass "<local>;*.corp" --views native`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got, want := PlanCommand(PlanSetArgs("", "")...), "ccproxy plan --direct"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
