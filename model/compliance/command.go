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
// Windows PowerShell and POSIX shells alike (model.ShellArg).
func planCommand(args ...string) *string {
	s := model.PlanCommand(args...)
	return &s
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
	return model.PlanSetArgs(proxy, bypassList, views...)
}
