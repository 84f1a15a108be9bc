package model

import "strings"

// ShellArg quotes one argument of a suggested command line so that cmd.exe, Windows
// PowerShell and POSIX shells all read it back unchanged. Plain words stay as they are;
// bypass lists hold '<', '>', ';' and '*', and PowerShell reads ',' as an array, '[' as a
// type and '@' as splatting, so the rest is double-quoted, the one form all three read. A
// value holding a double quote, '$' or '`' (which PowerShell expands inside double quotes)
// is single-quoted for PowerShell instead.
func ShellArg(a string) string {
	plain := a != ""
	for i := 0; i < len(a); i++ {
		c := a[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("-_.:/=+", c) >= 0:
		default:
			plain = false
		}
	}
	if plain {
		return a
	}
	if !shellCarries(a) {
		return ShellUnsafe
	}
	if strings.ContainsAny(a, "$`") {
		return "'" + strings.ReplaceAll(a, "'", "''") + "'"
	}
	return "\"" + a + "\""
}

// ShellUnsafe stands in a suggested command for a value that no quoting passes unchanged
// through cmd.exe, PowerShell and sh alike; it is itself a harmless double-quoted word.
const ShellUnsafe = `"<a value a shell would interpret: give it by hand>"`

// shellCarries is whether one of ShellArg's quotings passes a to all three shells unchanged.
// A value from the registry is anyone's (a user writes their own HKCU), so nothing it holds
// may end the quoting or start a command: a control character (CR and LF end a command line),
// PowerShell's typographic quotes U+2018-U+201E (about_Quoting_Rules), a '"' (cmd.exe reads
// single quotes as ordinary characters, so a '"' inside PowerShell's '...' opens or ends
// cmd's quoting and exposes & | < > ^), '%' and '!' (cmd.exe expands %VAR% and !VAR! even
// inside double quotes: "How does the Windows Command Interpreter (CMD.EXE) parse scripts?",
// https://stackoverflow.com/questions/4094699), and in a single-quoted value, which cmd.exe
// does not see as quoted, any of & | < > ^.
func shellCarries(a string) bool {
	for _, r := range a {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r >= 0x2018 && r <= 0x201e {
			return false
		}
	}
	if strings.ContainsAny(a, "\"%!") {
		return false
	}
	return !strings.ContainsAny(a, "$`") || !strings.ContainsAny(a, "&|<>^")
}

// CommandLine joins a program, its subcommand and arguments into a line to paste, each
// argument quoted by ShellArg.
func CommandLine(program string, args ...string) string {
	parts := []string{program}
	for _, a := range args {
		parts = append(parts, ShellArg(a))
	}
	return strings.Join(parts, " ")
}

// PlanCommand is a ready 'ccproxy plan ...' command line.
func PlanCommand(args ...string) string {
	return CommandLine("ccproxy", append([]string{"plan"}, args...)...)
}

// PlanSetArgs are the plan arguments that set a manual proxy (or direct access when proxy
// is empty) on the given views.
func PlanSetArgs(proxy, bypassList string, views ...string) []string {
	var args []string
	if proxy == "" {
		args = []string{"--direct"}
	} else {
		args = []string{"--proxy", proxy}
		if bypassList != "" {
			args = append(args, "--bypass", bypassList)
		}
	}
	if len(views) > 0 {
		args = append(args, "--views", strings.Join(views, ","))
	}
	return args
}
