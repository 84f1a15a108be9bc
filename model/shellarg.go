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
		case strings.IndexByte("-_.:/=+%", c) >= 0:
		default:
			plain = false
		}
	}
	if plain {
		return a
	}
	if strings.ContainsAny(a, "\"$`") {
		return "'" + strings.ReplaceAll(a, "'", "''") + "'"
	}
	return "\"" + a + "\""
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
