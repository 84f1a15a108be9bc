package commands

import (
	"fmt"
	"time"

	"ccproxy/model"
	"ccproxy/ops"
	"ccproxy/system"
)

// ApplyCmd applies a plan to the live registry.
type ApplyCmd struct {
	Plan   string `arg:"" help:"Plan written by 'ccproxy plan' (ccproxy/plan@1): a file, or - for stdin." placeholder:"PLAN"`
	WhatIf bool   `name:"what-if" help:"Check the plan against the registry (stale values, access) and show what would be written; write nothing."`
	From   string `help:"With --what-if: check the plan against this source (a .reg export, a ccproxy state document) instead of the live registry, to review it on any machine." placeholder:"SOURCE"`
	Keep   int    `help:"Backups to keep in the backup folder: after a successful apply, older ones are deleted." default:"20"`
	VerifyFlags
	ChangeFlags
	FormatFlag
}

// ChangeFlags are shared by the commands that write the registry.
type ChangeFlags struct {
	BackupDir string `name:"backup-dir" help:"Folder for the backup of the values about to change (default: %ProgramData%\\ccproxy\\backups on Windows, $XDG_STATE_HOME/ccproxy/backups or ~/.local/state/ccproxy/backups elsewhere). Made readable by Administrators and SYSTEM only." placeholder:"DIR" type:"path"`
	// WhatIf is each command's own flag, since its help says what that command checks.
	WhatIf bool `kong:"-"`
	// format is the resolved output format, decided before anything is written.
	format string `kong:"-"`
	// from is --from of apply and restore: an export to check against with --what-if.
	from string `kong:"-"`
	// verify is --verify, resolved by the command that has it.
	verify      *ops.Verify   `kong:"-"`
	LockTimeout time.Duration `name:"lock-timeout" help:"How long to wait for another apply to finish." default:"2m"`
}

func (c *ApplyCmd) Run(env *Env) error {
	if err := ops.ClaimStdin(ops.In("PLAN", c.Plan), ops.In("--catalog", c.Catalog)); err != nil {
		return err
	}
	name, data, err := system.ReadInput(c.Plan, env.Stdin)
	if err != nil {
		return err
	}
	p, err := model.ParsePlan(name, data)
	if err != nil {
		return err
	}
	c.ChangeFlags.WhatIf, c.ChangeFlags.from = c.WhatIf, c.From
	if c.ChangeFlags.verify, err = c.VerifyFlags.verify(env); err != nil {
		return err
	}
	if c.ChangeFlags.format, err = env.resolveFormat(c.Format); err != nil {
		return err
	}
	if c.Keep < 1 {
		return &model.InputError{Input: "--keep", Msg: fmt.Sprintf("%d keeps no backup; hint: keep at least 1, the one that undoes this apply", c.Keep)}
	}
	err = env.applyLocked(c.ChangeFlags, "apply", func(model.RegistryReader) (*model.Plan, string, error) {
		return p, "run 'ccproxy plan' again", nil
	})
	if err == nil && !c.WhatIf && c.From == "" {
		env.machine().PruneBackups(c.BackupDir, c.Keep)
	}
	return err
}

// applyLocked applies under the lock (ops.Machine.Apply) and emits the ccproxy/apply@1
// document, also when the apply failed and was rolled back.
func (env *Env) applyLocked(f ChangeFlags, reason string, plan ops.PlanFunc) error {
	res, applyErr := env.lockedApply(f, reason, plan)
	if res != nil {
		if err := env.EmitAs(res, f.format); err != nil && applyErr == nil {
			return err
		}
	}
	return applyErr
}

func (env *Env) lockedApply(f ChangeFlags, reason string, plan ops.PlanFunc) (*model.ApplyResult, error) {
	return env.machine().Apply(ops.Change{BackupDir: f.BackupDir, WhatIf: f.WhatIf, From: f.from, LockTimeout: f.LockTimeout, Reason: reason, Verify: f.verify}, plan)
}

// machine is what the operations use of the environment.
func (env *Env) machine() *ops.Machine {
	return &ops.Machine{Stdin: env.Stdin, Now: env.Now, Getenv: env.Getenv, Hostname: env.Hostname, OpenLive: env.OpenLive, ShowAdvproxy: env.ShowAdvproxy, Log: env.Log}
}

// VerifyFlags are --verify and what its probe needs.
type VerifyFlags struct {
	Verify bool `help:"Before writing, probe the required endpoints through the route the plan gives the services (a 'check --proxy' of the planned proxy and bypass list); refuse the plan, exit 1, nothing written, when that route does not reach Citrix Cloud."`
	Force  bool `help:"With --verify: write the plan even when its route fails the probe (the document and a warning say so)."`
	ProbeFlags
}

// ProbeFlags are the catalog, roots and bounds of 'check' that a --verify probe uses.
type ProbeFlags struct {
	CatalogFlags
	CAFile       string        `name:"ca-file" help:"For the probe: verify certificates against the roots in this PEM file instead of the system's." placeholder:"FILE" type:"path"`
	IPLiteral    string        `name:"ip-literal" help:"For the probe: the IP address (and port) to CONNECT to through the planned proxy for R8." placeholder:"ADDRESS[:PORT]"`
	Resolve      []string      `help:"For the probe: connect directly to ADDRESS instead of looking HOST up (direct routes only). Repeatable." placeholder:"HOST=ADDRESS" sep:"none"`
	StageTimeout time.Duration `name:"stage-timeout" help:"For the probe: limit for each stage." default:"5s"`
	Deadline     time.Duration `help:"For the probe: limit for the whole probe." default:"30s"`
}

func (f VerifyFlags) verify(env *Env) (*ops.Verify, error) {
	if !f.Verify {
		if f.Force {
			return nil, &model.InputError{Input: "--force", Msg: "only goes with --verify; hint: add --verify, or leave --force out"}
		}
		return nil, nil
	}
	return f.ProbeFlags.verify(env, f.Force)
}

func (f ProbeFlags) verify(env *Env, force bool) (*ops.Verify, error) {
	v := &ops.Verify{Force: force, Probe: ops.Check{
		Catalog: f.catalog(), CAFile: f.CAFile, IPLiteral: f.IPLiteral, Resolve: f.Resolve,
		StageTimeout: f.StageTimeout, Deadline: f.Deadline,
		// The probe talks to real servers, whose certificates are judged at the real time.
		Stdin: env.Stdin, Now: time.Now, Hostname: env.Hostname,
	}}
	return v, v.Probe.Validate()
}
