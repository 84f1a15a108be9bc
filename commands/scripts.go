package commands

import (
	"fmt"

	"ccproxy/ops"
)

// ScriptsCmd writes the deployment scripts of one channel with the admin's settings in them.
type ScriptsCmd struct {
	Channel      string   `help:"configmgr (configuration item discovery and remediation), intune (Remediations pair, custom compliance discovery and rules) or gpo (a Task Scheduler task that runs as SYSTEM and logs to the Application log)." enum:"configmgr,intune,gpo" required:"" placeholder:"configmgr|intune|gpo"`
	Desired      string   `help:"The desired-state document (ccproxy/desired@1) the remediation applies, written into the scripts; - for stdin." required:"" placeholder:"FILE"`
	User         string   `help:"Whose WinINet settings the scripts' test reads (current, system, a SID); default the account the script runs as." placeholder:"current|system|SID"`
	Internal     []string `help:"An internal resource that must bypass the proxy (R7), checked by the scripts' test. Repeatable." placeholder:"HOST" sep:"none"`
	InternalFile string   `name:"internal-file" help:"A file of internal resources, one per line; '#' starts a comment." placeholder:"FILE"`
	Out          string   `help:"The folder to write the scripts to; created if missing, files of the same name replaced." required:"" placeholder:"DIR" type:"path"`
}

func (c *ScriptsCmd) Run(env *Env) error {
	written, warnings, err := ops.WriteScripts(ops.ScriptsRequest{
		Channel: c.Channel, Desired: c.Desired, User: c.User, Internal: c.Internal, InternalFile: c.InternalFile, Out: c.Out,
	}, env.Stdin)
	for _, w := range warnings {
		env.Log.Warn().Msg(w)
	}
	for _, p := range written {
		fmt.Fprintln(env.Stdout, p)
	}
	return err
}
