package commands

import (
	"fmt"

	"ccproxy/model"
	"ccproxy/model/dscres"
	"ccproxy/system"
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
	src, err := env.dscStateSource(c.From, req)
	if err != nil {
		return err
	}
	if err := req.CheckOwner(name, src.State); err != nil {
		return err
	}
	env.dscLogWarnings(src.State.Warnings)
	return env.dscEmit(dscres.Actual(src.State, req))
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
	src, err := env.dscStateSource(c.From, req)
	if err != nil {
		return err
	}
	if err := req.CheckOwner(name, src.State); err != nil {
		return err
	}
	p, err := model.MakePlan(model.PlanInput{Reader: src.Store, State: src.State, Desired: req.Desired, DesiredName: name, Now: env.Now()})
	if err != nil {
		return err
	}
	env.dscLogWarnings(src.State.Warnings)
	env.dscLogWarnings(p.Warnings)
	for _, ch := range p.Changes {
		env.Log.Info().Msg("not in the desired state: " + ch.Reason)
	}
	inst := dscres.Actual(src.State, req)
	inst.InDesiredState = model.Ptr(p.Empty)
	return env.dscEmit(inst, dscres.Diff(dscres.PlanStacks(p)))
}

// DscSetCmd reaches the desired state on the live registry.
type DscSetCmd struct {
	DscInput
	WhatIf bool `name:"what-if" help:"Show the state the resource would reach and the changes, in DSC's what-if form; write nothing."`
	ChangeFlags
}

func (c *DscSetCmd) Run(env *Env) error {
	env.dscSetupLog()
	req, name, err := env.dscRequest(c.DscInput, "system")
	if err != nil {
		return err
	}
	if err := needsDesired(req, name); err != nil {
		return err
	}
	if c.WhatIf {
		return env.dscWhatIf(req, name)
	}
	var planned *model.Plan
	makePlan := func(r model.RegistryReader) (*model.Plan, string, error) {
		w, ok := r.(system.Writer)
		if !ok {
			return nil, "", fmt.Errorf("dsc set: the live registry cannot be written")
		}
		p, err := env.dscPlan(w, req, name)
		planned = p
		return p, "run the set again: the registry changed while it ran", err
	}
	res, err := env.lockedApply(c.ChangeFlags, "apply", makePlan)
	if err != nil {
		return err
	}
	if planned != nil {
		env.dscLogWarnings(planned.Warnings)
	}
	env.dscLogWarnings(res.Warnings)
	var stacks []string
	for _, ch := range res.Changes {
		if ch.Status == model.ChangeApplied {
			stacks = append(stacks, ch.Target.Stack)
		}
	}
	if planned != nil {
		for _, ch := range planned.Changes {
			env.Log.Info().Msg("changed: " + ch.Reason)
		}
	}
	if res.Backup != nil {
		env.Log.Info().Msgf("applied and verified %s; the values before are in %s", model.Count(len(stacks), "change"), res.Backup.Path)
	} else {
		env.Log.Info().Msg("already in the desired state: nothing written")
	}
	src, err := env.machine().OpenState("system", nil, req.SourceUser())
	if err != nil {
		return err
	}
	inst := dscres.Actual(src.State, req)
	inst.RebootRequested = model.Ptr(dscres.RebootRequested(stacks))
	return env.dscEmit(inst, dscres.Diff(stacks))
}

// dscPlan reads the state from the registry apply holds locked and plans the instance.
func (env *Env) dscPlan(w system.Writer, req *dscres.Request, name string) (*model.Plan, error) {
	sub := *env
	sub.OpenLive = func() (system.Writer, error) { return w, nil }
	src, err := sub.dscStateSource("system", req)
	if err != nil {
		return nil, err
	}
	if err := req.CheckOwner(name, src.State); err != nil {
		return nil, err
	}
	return model.MakePlan(model.PlanInput{Reader: src.Store, State: src.State, Desired: req.Desired, DesiredName: name, Now: env.Now()})
}

// dscWhatIf applies the plan to a copy-on-write view of the live registry, through the same
// apply code with its read-back check, and reports the state that set would leave.
func (env *Env) dscWhatIf(req *dscres.Request, name string) error {
	live, err := env.OpenLive()
	if err != nil {
		return err
	}
	ov := system.NewOverlay(live)
	p, err := env.dscPlan(ov, req, name)
	if err != nil {
		return err
	}
	env.dscLogWarnings(p.Warnings)
	if _, err := model.ApplyPlan(ov, p, model.ApplyOptions{
		Now:         env.Now(),
		Reason:      "apply",
		WriteBackup: func(*model.Backup) (string, error) { return "", nil },
	}); err != nil {
		return err
	}
	for _, ch := range p.Changes {
		env.Log.Info().Msg("would change: " + ch.Reason)
	}
	sub := *env
	sub.OpenLive = func() (system.Writer, error) { return ov, nil }
	src, err := sub.machine().OpenState("system", nil, req.SourceUser())
	if err != nil {
		return err
	}
	stacks := dscres.PlanStacks(p)
	inst := dscres.Actual(src.State, req)
	inst.RebootRequested = model.Ptr(dscres.RebootRequested(stacks))
	return env.dscEmit(inst, dscres.Diff(stacks))
}
