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

// planCommand is planCommand that remembers the arguments, so that oneNextStep can merge
// the fixes of one run into one plan.
func (c *context) planCommand(args ...string) *string {
	p := planCommand(args...)
	if c.planArgs == nil {
		c.planArgs = map[*string][]string{}
	}
	c.planArgs[p] = append([]string{}, args...)
	return p
}

// baseOf splits plan arguments into what sets WinHTTP's mode (--import-ie [--user SID],
// --proxy P [--bypass B], --direct, with --views) and the ensured entries (--add-bypass).
func baseOf(args []string) (base, adds []string) {
	for i := 0; i < len(args); i++ {
		if args[i] == "--add-bypass" && i+1 < len(args) {
			adds = append(adds, args[i+1])
			i++
			continue
		}
		base = append(base, args[i])
	}
	return base, adds
}

// oneNextStep makes the fix offered for every finding a plan can fix the same one command:
// the fix of the first (most severe, in report order) failing or warning finding that sets
// WinHTTP's mode, plus every bypass entry any finding of the run ensures (the internal
// hosts), so that one plan, one apply and one restart reach what the run asks for. A
// finding whose own fix sets another mode keeps its own command: two modes cannot be one
// plan, and the first one's plan changes what the second one sees.
func (c *context) oneNextStep(findings []Finding) {
	var base []string
	var adds []string
	seen := map[string]bool{}
	for _, status := range []string{StatusFail, StatusWarn} {
		for _, f := range findings {
			if f.Status != status || f.Remediation == nil || f.Remediation.Command == nil {
				continue
			}
			b, a := baseOf(c.planArgs[f.Remediation.Command])
			if base == nil && len(b) > 0 {
				base = b
			}
			for _, e := range a {
				if k := strings.ToLower(e); !seen[k] {
					seen[k] = true
					adds = append(adds, e)
				}
			}
		}
	}
	if base == nil && len(adds) == 0 {
		return
	}
	args := append([]string{}, base...)
	if !(len(base) > 0 && base[0] == "--direct") {
		for _, e := range adds {
			args = append(args, "--add-bypass", e)
		}
	}
	combined := planCommand(args...)
	for i := range findings {
		f := &findings[i]
		if f.Remediation == nil || f.Remediation.Command == nil || (f.Status != StatusFail && f.Status != StatusWarn) {
			continue
		}
		own, ok := c.planArgs[f.Remediation.Command]
		if !ok {
			// A command from elsewhere (the route a check document found working) stands.
			continue
		}
		b, _ := baseOf(own)
		if len(b) > 0 && strings.Join(b, "\x00") != strings.Join(base, "\x00") {
			continue
		}
		if *f.Remediation.Command != *combined {
			r := *f.Remediation
			r.Command = combined
			if len(adds) > 0 && len(base) > 0 {
				r.Summary += "; the command also ensures the bypass entries this run found missing (" + strings.Join(adds, ";") + "), so one plan, one apply and one restart fix them all"
			}
			f.Remediation = &r
		}
	}
}
