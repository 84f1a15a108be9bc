package compliance

import (
	"strings"

	"ccproxy/model"
)

// Views as the plan command names them.
const (
	ViewNative = "native"
	ViewWOW64  = "wow64"
)

// planCommand builds a 'ccproxy plan' command line whose arguments survive cmd.exe,
// Windows PowerShell and POSIX shells alike.
func planCommand(args ...string) *string {
	parts := []string{"ccproxy", "plan"}
	for _, a := range args {
		parts = append(parts, quoteArg(a))
	}
	s := strings.Join(parts, " ")
	return &s
}

// quoteArg leaves plain words alone and double-quotes the rest: bypass lists hold '<', '>',
// ';' and '*', and PowerShell reads ',' as an array, '[' as a type and '@' as splatting. Double quotes are the one form
// cmd.exe, PowerShell and sh all read; a value that holds a double quote, '$' or '`' (which
// PowerShell expands inside double quotes) is single-quoted for PowerShell instead.
func quoteArg(a string) string {
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

// importArgs imports the owner's WinINet settings; --user names a hive other than the
// current user's, so the plan reads the same settings this check did.
func importArgs(owner model.Owner) []string {
	args := []string{"--import-ie"}
	if owner.Scope == "user" && owner.SID != nil && owner.Hive != nil && strings.HasPrefix(strings.ToUpper(*owner.Hive), "HKEY_USERS\\") {
		args = append(args, "--user", *owner.SID)
	}
	return args
}

// setArgs sets a manual proxy (or direct access when proxy is empty) on the given views.
func setArgs(proxy, bypassList string, views ...string) []string {
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
