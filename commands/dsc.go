package commands

import (
	"errors"
	"time"

	"ccproxy/model"
	"ccproxy/model/dscres"
	"ccproxy/ops"
)

// DscCmd is the Microsoft DSC v3 resource CCProxy/ProxySettings. Its subcommands follow
// DSC's contract rather than ccproxy's: JSON Lines on stdout, exit 0 whenever the
// operation ran (drift is in the JSON), and stderr lines that DSC parses, at the level
// DSC asks for in DSC_TRACE_LEVEL.
type DscCmd struct {
	Manifest DscManifestCmd `cmd:"" help:"Print the resource manifest (shipped as ccproxy.dsc.resource.json beside ccproxy.exe)."`
	Schema   DscSchemaCmd   `cmd:"" help:"Print the JSON Schema of a CCProxy/ProxySettings instance."`
	Get      DscGetCmd      `cmd:"" help:"Print the actual state of the instance: one JSON line."`
	Test     DscTestCmd     `cmd:"" help:"Print the actual state with _inDesiredState, then the differing properties: two JSON lines."`
	Set      DscSetCmd      `cmd:"" help:"Reach the desired state through plan, backup, write and verify, as 'ccproxy apply' does; print the new state and the changed properties: two JSON lines."`
	Export   DscExportCmd   `cmd:"" help:"Print every instance on the machine, one JSON line each: the WinHTTP setting and each user's WinINet settings."`
}

// DscInput is the instance an operation works on.
type DscInput struct {
	Input string `help:"The instance as JSON text. Without it the instance is read from stdin, as DSC passes it." placeholder:"JSON"`
}

// DscSource is where the read-only operations read the state.
type DscSource struct {
	From string `help:"Where to read the state: system (the live registry), a .reg export, a ccproxy state document, or - for stdin (then give the instance with --input)." default:"system" placeholder:"SOURCE"`
}

// DscManifestCmd prints the manifest.
type DscManifestCmd struct{}

func (c *DscManifestCmd) Run(env *Env) error {
	env.dscSetupLog()
	return env.Emit(dscres.NewManifest(env.Build.Version, "ccproxy"))
}

// DscSchemaCmd prints the instance schema.
type DscSchemaCmd struct{}

func (c *DscSchemaCmd) Run(env *Env) error {
	env.dscSetupLog()
	return env.Emit(dscres.InstanceSchema())
}

// DscGetCmd prints the actual state.
type DscGetCmd struct {
	DscInput
	DscSource
}

func (c *DscGetCmd) Run(env *Env) error {
	env.dscSetupLog()
	req, name, err := env.dscRequest(c.DscInput, c.From)
	if err != nil {
		return err
	}
	inst, err := env.machine().DscGet(c.From, env.Stdin, req, name)
	if err != nil {
		return err
	}
	return env.dscEmit(inst)
}

// DscTestCmd compares the actual state with the desired one. The judgement is the plan's:
// the instance is in the desired state when 'ccproxy plan' would change nothing, so a
// test right after a set always agrees with it.
type DscTestCmd struct {
	DscInput
	DscSource
}

func (c *DscTestCmd) Run(env *Env) error {
	env.dscSetupLog()
	req, name, err := env.dscRequest(c.DscInput, c.From)
	if err != nil {
		return err
	}
	if err := needsDesired(req, name); err != nil {
		return err
	}
	r, err := env.machine().DscTest(c.From, env.Stdin, req, name)
	if err != nil {
		return err
	}
	return env.dscEmit(r.Instance, r.Diff)
}

// DscSetCmd reaches the desired state on the live registry.
type DscSetCmd struct {
	DscInput
	WhatIf bool `name:"what-if" help:"Show the state the resource would reach and the changes, in DSC's what-if form; write nothing."`
	ChangeFlags
}

// dscRefused is a set the instance's verify refused: as DSC's exit codes have it, a set
// that failed and changed nothing.
type dscRefused struct{ *model.VerifyError }

func (dscRefused) ExitCode() int { return model.ExitRolledBack }

func (c *DscSetCmd) Run(env *Env) error {
	env.dscSetupLog()
	req, name, err := env.dscRequest(c.DscInput, "system")
	if err != nil {
		return err
	}
	if err := needsDesired(req, name); err != nil {
		return err
	}
	m := env.machine()
	var r ops.DscResult
	if c.WhatIf {
		r, err = m.DscWhatIf(req, name)
	} else {
		f := c.ChangeFlags
		ch := ops.Change{BackupDir: f.BackupDir, LockTimeout: f.LockTimeout, Reason: "apply"}
		if v := req.Verify; v != nil {
			p := ProbeFlags{CatalogFlags: CatalogFlags{Region: v.Region, CustomerID: model.Deref(v.CustomerID), Catalog: model.Deref(v.Catalog)},
				CAFile: model.Deref(v.CAFile), IPLiteral: model.Deref(v.IPLiteral), StageTimeout: 5 * time.Second, Deadline: 30 * time.Second}
			if ch.Verify, err = p.verify(env, false); err != nil {
				return err
			}
		}
		r, err = m.DscSet(ch, req, name)
		var ve *model.VerifyError
		if errors.As(err, &ve) {
			// DSC takes exit 1 for no failure in particular; a refused set changed nothing.
			return dscRefused{ve}
		}
	}
	if err != nil {
		return err
	}
	return env.dscEmit(r.Instance, r.Diff)
}
