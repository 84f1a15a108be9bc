package ops

import (
	"fmt"
	"io"

	"ccproxy/model"
	"ccproxy/model/dscres"
	"ccproxy/system"
)

// The DSC v3 resource's operations. Each reads the state for the instance's WinINet owner
// (a user hive that is not loaded is refused by the reader, so importFromIE never reads it
// as "nothing configured"); test and set judge by the plan, so a test right after a set
// always agrees with it.

// DscResult is what a DSC operation prints: the instance and the properties that differ.
type DscResult struct {
	Instance dscres.Instance
	Diff     []string
}

// DscGet is the actual state of the instance, read from from (the live registry or a file).
func (m *Machine) DscGet(from string, stdin io.Reader, req *dscres.Request, name string) (dscres.Instance, error) {
	src, err := m.dscSource(from, stdin, req, name)
	if err != nil {
		return dscres.Instance{}, err
	}
	m.LogWarnings(src.State.Warnings)
	return dscres.Actual(src.State, req), nil
}

// DscTest says whether the instance is in the desired state: whether the plan is empty.
func (m *Machine) DscTest(from string, stdin io.Reader, req *dscres.Request, name string) (DscResult, error) {
	src, err := m.dscSource(from, stdin, req, name)
	if err != nil {
		return DscResult{}, err
	}
	p, err := model.MakePlan(model.PlanInput{Reader: src.Store, State: src.State, Desired: req.Desired, DesiredName: name, Now: m.Now()})
	if err != nil {
		return DscResult{}, err
	}
	m.LogWarnings(src.State.Warnings)
	m.LogWarnings(p.Warnings)
	for _, ch := range p.Changes {
		m.Log.Info().Msg("not in the desired state: " + ch.Reason)
	}
	inst := dscres.Actual(src.State, req)
	inst.MissingEvidence = dscres.Missing(src.State, req)
	inst.InDesiredState = model.Ptr(p.Empty && len(inst.MissingEvidence) == 0)
	for _, missing := range inst.MissingEvidence {
		m.Log.Warn().Msg("incomplete: " + missing)
	}
	return DscResult{inst, dscres.Diff(dscres.PlanStacks(p))}, nil
}

// DscSet reaches the desired state on the live registry, as apply does (lock, backup,
// write, read-back, rollback), planning under the lock, and reads the state it left.
func (m *Machine) DscSet(c Change, req *dscres.Request, name string) (DscResult, error) {
	var planned *model.Plan
	res, err := m.Apply(c, func(r model.RegistryReader) (*model.Plan, string, error) {
		w, ok := r.(system.Writer)
		if !ok {
			return nil, "", fmt.Errorf("dsc set: the live registry cannot be written")
		}
		p, err := m.dscPlan(w, req, name)
		planned = p
		return p, "run the set again: the registry changed while it ran", err
	})
	if err != nil {
		return DscResult{}, err
	}
	if planned != nil {
		m.LogWarnings(planned.Warnings)
	}
	m.LogWarnings(res.Warnings)
	var stacks []string
	for _, ch := range res.Changes {
		if ch.Status == model.ChangeApplied {
			stacks = append(stacks, ch.Target.Stack)
		}
	}
	if planned != nil {
		for _, ch := range planned.Changes {
			m.Log.Info().Msg("changed: " + ch.Reason)
		}
	}
	if res.Backup != nil {
		m.Log.Info().Msgf("applied and verified %s; the values before are in %s", model.Count(len(stacks), "change"), res.Backup.Path)
	} else {
		m.Log.Info().Msg("already in the desired state: nothing written")
	}
	src, err := m.OpenState("system", nil, req.SourceUser())
	if err != nil {
		return DscResult{}, err
	}
	inst := dscres.Actual(src.State, req)
	inst.RebootRequested = model.Ptr(dscres.RebootRequested(stacks))
	return DscResult{inst, dscres.Diff(stacks)}, nil
}

// DscWhatIf applies the plan to a copy-on-write view of the live registry, through the same
// apply code with its read-back check, and reports the state set would leave.
func (m *Machine) DscWhatIf(req *dscres.Request, name string) (DscResult, error) {
	live, err := m.OpenLive()
	if err != nil {
		return DscResult{}, err
	}
	ov := system.NewOverlay(live)
	p, err := m.dscPlan(ov, req, name)
	if err != nil {
		return DscResult{}, err
	}
	m.LogWarnings(p.Warnings)
	if _, err := model.ApplyPlan(ov, p, model.ApplyOptions{
		Now:         m.Now(),
		Reason:      "apply",
		WriteBackup: func(*model.Backup) (string, error) { return "", nil },
	}); err != nil {
		return DscResult{}, err
	}
	for _, ch := range p.Changes {
		m.Log.Info().Msg("would change: " + ch.Reason)
	}
	src, err := m.over(ov).OpenState("system", nil, req.SourceUser())
	if err != nil {
		return DscResult{}, err
	}
	stacks := dscres.PlanStacks(p)
	inst := dscres.Actual(src.State, req)
	inst.RebootRequested = model.Ptr(dscres.RebootRequested(stacks))
	return DscResult{inst, dscres.Diff(stacks)}, nil
}

// dscSource reads the state for the instance's owner and checks the instance against it.
func (m *Machine) dscSource(from string, stdin io.Reader, req *dscres.Request, name string) (*StateSource, error) {
	src, err := m.OpenState(from, stdin, req.SourceUser())
	if err != nil {
		return nil, err
	}
	if err := req.CheckOwner(name, src.State); err != nil {
		return nil, err
	}
	return src, nil
}

// dscPlan reads the state from w (the registry apply holds locked, or the what-if overlay)
// and plans the instance.
func (m *Machine) dscPlan(w system.Writer, req *dscres.Request, name string) (*model.Plan, error) {
	src, err := m.over(w).dscSource("system", m.Stdin, req, name)
	if err != nil {
		return nil, err
	}
	return model.MakePlan(model.PlanInput{Reader: src.Store, State: src.State, Desired: req.Desired, DesiredName: name, Now: m.Now()})
}

// over is the machine with w in place of its live registry.
func (m *Machine) over(w system.Writer) *Machine {
	sub := *m
	sub.OpenLive = func() (system.Writer, error) { return w, nil }
	return &sub
}

// LogWarnings logs a document's warnings, which DSC shows as messages.
func (m *Machine) LogWarnings(ws []model.Warning) {
	for _, w := range ws {
		m.Log.Warn().Msg(w.Message)
	}
}

// DscExport lists every instance the source holds: the WinHTTP instance, and one WinINet
// instance per owner (the machine under the per-machine policy, each user hive the source
// holds that has Internet Settings, or else whoever HKEY_CURRENT_USER is).
func (m *Machine) DscExport(from string, stdin io.Reader, req *dscres.Request) ([]any, error) {
	op, err := system.Open(from, stdin, m.OpenLive)
	if err != nil {
		return nil, err
	}
	users := []string{""}
	if req.WinINet && model.ValidSID(req.User) {
		users = []string{req.User}
	} else if pol, err := op.Store.ReadValue(model.PolicyKey, model.PolicyPerUserValue); err != nil {
		return nil, err
	} else if n, ok := model.DecodeDWORD(pol); !(ok && n == 0) && len(op.Users) > 0 {
		var withSettings []string
		for _, sid := range op.Users {
			settings, _ := model.WinINetKeys(`HKEY_USERS\` + sid)
			if k, err := op.Store.Key(settings); err == nil && k.Exists {
				withSettings = append(withSettings, sid)
			}
		}
		if len(withSettings) > 0 {
			users = withSettings
		}
	}
	var lines []any
	all := !req.Names()
	for i, u := range users {
		src, err := m.ReadSource(op, u)
		if err != nil {
			return nil, err
		}
		st := src.State
		if i == 0 && (all || req.WinHTTP) {
			m.LogWarnings(st.Warnings)
			for _, inst := range dscres.ExportWinHTTP(st) {
				lines = append(lines, inst)
			}
		}
		if all || req.WinINet {
			if inst := dscres.ExportWinINet(st); inst != nil {
				lines = append(lines, *inst)
			}
		}
	}
	return lines, nil
}
