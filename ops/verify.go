package ops

import (
	"fmt"
	"time"

	"ccproxy/model"
	"ccproxy/probe"
	"ccproxy/system"
)

// Verify is --verify of apply (and of watch --heal, and of a DSC set that asks): the
// required endpoints are probed through the route a plan is about to give the services,
// before anything is written, and the plan is refused when that route does not reach
// Citrix Cloud, unless Force.
type Verify struct {
	// Probe is the check to run: the catalog, roots, bounds, --resolve and --ip-literal. Its
	// route (Proxy, Bypass, Direct, State) is set from the plan.
	Probe Check
	Force bool
}

// verifyPlan applies the plan to a copy-on-write view of the registry, through the same
// apply code with its stale check and read-back, reads the 64-bit WinHTTP settings it
// leaves (the ones the connector's services read at start), and probes the catalog through
// them as 'check' would through a machine that has them.
func (m *Machine) verifyPlan(store system.Writer, p *model.Plan, v Verify) (*model.ApplyVerify, error) {
	ov := system.NewOverlay(store)
	res, err := model.ApplyPlan(ov, p, model.ApplyOptions{
		Now: m.Now(), Reason: "verify",
		WriteBackup: func(*model.Backup) (string, error) { return "", nil },
	})
	if err != nil {
		return nil, err
	}
	if res.Result != model.OutcomeApplied {
		return model.NotProbed("the plan writes nothing: the services' route stays as it is"), nil
	}
	planned, err := model.ReadWinHTTP(ov, model.ReadOptions{
		Source:    model.Source{Kind: model.SourceRegistry, Path: model.Ptr("the registry as the plan leaves it")},
		InputName: "the planned registry", Now: m.Now(),
	})
	if err != nil {
		return nil, err
	}
	c := v.Probe
	c.Proxy, c.Bypass, c.Direct, c.Compare = "", "", false, false
	c.State = func() (*model.State, error) { return planned, nil }
	if c.Now == nil {
		c.Now = m.Now
	}
	start := time.Now()
	doc, err := c.Run()
	if err != nil {
		return nil, err
	}
	return verifyRecord(doc, time.Since(start)), nil
}

// verifyRecord is what the apply document keeps of the probe.
func verifyRecord(doc probe.Check, took time.Duration) *model.ApplyVerify {
	v := &model.ApplyVerify{
		Probed: true, OK: doc.OK,
		Route:    model.VerifyRoute{Direct: doc.Routing.Proxy == nil},
		Required: doc.Counts.Required, RequiredReachable: doc.Counts.RequiredPassed,
		Interception: doc.Interception.Verdict, IPLiteral: doc.IPLiteral.Status,
		Failing:    []model.VerifyEndpoint{},
		DurationMs: float64(took.Milliseconds()),
	}
	if doc.Routing.Proxy != nil {
		v.Route.Proxy = model.Ptr(model.RedactCredentials(*doc.Routing.Proxy))
	}
	if doc.Routing.Bypass != nil {
		v.Route.Bypass = model.Ptr(*doc.Routing.Bypass)
	}
	for _, e := range doc.Endpoints {
		if e.Required && e.Status != probe.StatusPass {
			f := model.VerifyEndpoint{Host: e.Host, Port: e.Port, Failure: e.Failure, Message: e.Message}
			if f.Message != nil {
				f.Message = model.Ptr(model.RedactCredentials(*f.Message))
			}
			v.Failing = append(v.Failing, f)
		}
	}
	return v
}

// refused is the document of a plan --verify refused: the changes it would have made,
// none written.
func refused(store system.Writer, p *model.Plan, v *model.ApplyVerify, now time.Time) (*model.ApplyResult, error) {
	res, err := model.ApplyPlan(store, p, model.ApplyOptions{WhatIf: true, Now: now, Reason: "verify",
		WriteBackup: func(*model.Backup) (string, error) { return "", fmt.Errorf("no backup is written for a refused plan") }})
	if err != nil {
		return nil, err
	}
	res.Result, res.Verified, res.Verify = model.OutcomeVerifyFailed, false, v
	for i := range res.Changes {
		res.Changes[i].Status = model.ChangeNotApplied
	}
	msg := (&model.VerifyError{V: v}).Error()
	res.Error = &msg
	return res, nil
}
