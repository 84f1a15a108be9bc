package model

import (
	"bytes"
	"ccproxy/registry"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// readFingerprinted reads every value the plan's fingerprint covers; stale names the first
// one that no longer has the bytes the plan was made from.
func readFingerprinted(w RegistryReader, p *Plan) (map[string]*RegValue, *valueRef, error) {
	current := map[string]*RegValue{}
	var stale *valueRef
	for _, fv := range p.Fingerprint.Values {
		ref := valueRef{fv.RegistryPath, fv.ValueName}
		v, err := w.ReadValue(ref.path, ref.name)
		if err != nil {
			return nil, nil, err
		}
		if stale == nil && valueDigest(v) != strings.ToLower(fv.SHA256) {
			stale = &ref
		}
		current[ref.key()] = v
	}
	return current, stale, nil
}

// alreadyApplied: every changed value holds its planned bytes (or is gone, for a delete), and
// every value the plan read but does not change is as the plan found it.
func alreadyApplied(p *Plan, current map[string]*RegValue) bool {
	if len(p.Changes) == 0 {
		return false
	}
	changed := map[string]bool{}
	for _, c := range p.Changes {
		k := valueRef{c.Target.RegistryPath, c.Target.ValueName}.key()
		changed[k] = true
		if valueDigest(current[k]) != valueDigest(c.after) {
			return false
		}
	}
	for _, fv := range p.Fingerprint.Values {
		k := valueRef{fv.RegistryPath, fv.ValueName}.key()
		if !changed[k] && valueDigest(current[k]) != strings.ToLower(fv.SHA256) {
			return false
		}
	}
	return true
}

// checkPlanHost refuses a plan made from another machine's state: its fingerprint describes
// that machine's registry, so it would be stale for a reason the user cannot see.
func checkPlanHost(p *Plan, host string) error {
	if p.Source.Host == nil || *p.Source.Host == "" || host == "" || strings.EqualFold(*p.Source.Host, host) {
		return nil
	}
	return &InputError{Input: "plan", Place: "$.source.host", Msg: fmt.Sprintf("the plan was made from the state of %s, and this machine is %s; hint: make the plan on this machine ('ccproxy plan ...' without --from, or --from an export of this machine)", jsonQuote(*p.Source.Host), jsonQuote(host))}
}

// StalePlanError is a plan whose registry values changed after it was made: exit code 2.
type StalePlanError struct {
	Value string // registry path and value name
	Hint  string
}

func (e *StalePlanError) Error() string {
	return "plan is stale: " + e.Value + " changed since the plan was made; hint: " + e.Hint
}

// ExitCode is 2: the plan is bad input now.
func (e *StalePlanError) ExitCode() int { return ExitBadInput }

// ApplyError is an apply that failed after it started writing: exit code 4 when the
// registry was put back as it was, 5 when that failed too.
type ApplyError struct {
	Cause          error
	RollbackFailed error  // nil when the rollback succeeded
	BackupPath     string // where the values before the apply are
}

func (e *ApplyError) Error() string {
	cause := RedactCredentials(e.Cause.Error())
	if e.RollbackFailed == nil {
		return "apply failed and was rolled back: " + cause + "; nothing changed"
	}
	return fmt.Sprintf("apply failed and the rollback failed too: %s; rollback: %s; the values before the apply are in %s: run 'ccproxy restore %s'",
		cause, RedactCredentials(e.RollbackFailed.Error()), e.BackupPath, ShellArg(e.BackupPath))
}

// ExitCode is 4 after a successful rollback, 5 otherwise.
func (e *ApplyError) ExitCode() int {
	if e.RollbackFailed == nil {
		return ExitRolledBack
	}
	return ExitRollbackFailed
}

func (e *ApplyError) Unwrap() error { return e.Cause }

// RegistryWriter is what apply needs of the registry: system.Writer implements it.
type RegistryWriter = registry.Writer

// ApplyOptions are the outside services apply uses.
type ApplyOptions struct {
	WhatIf bool
	// WriteBackup stores the backup (with its exact bytes) and returns its path; it runs
	// after the stale check and before the first write.
	WriteBackup func(*Backup) (string, error)
	// Notify tells running WinINet programs that their settings changed.
	Notify    func() error
	Now       time.Time
	Host      string
	Reason    string // "apply" or "restore", recorded in the backup
	StaleHint string // what to do about a stale plan
}

// ApplyResult is the ccproxy/apply@1 document.
type ApplyResult struct {
	Schema  string          `json:"schema"`
	Result  string          `json:"result" enum:"applied,alreadyApplied,noChanges,whatIf,rolledBack,rollbackFailed"`
	Plan    PlanRef         `json:"plan"`
	Backup  *BackupRef      `json:"backup" doc:"null when nothing was written"`
	Changes []AppliedChange `json:"changes"`
	// Verified is true when every written value was read back with the exact bytes planned.
	Verified        bool      `json:"verified"`
	WinINetNotified *bool     `json:"wininetNotified" doc:"null when no WinINet value was written"`
	RestartRequired Restart   `json:"restartRequired"`
	Warnings        []Warning `json:"warnings"`
	Error           *string   `json:"error"`
}

// PlanRef identifies the plan that was applied.
type PlanRef struct {
	Fingerprint string     `json:"fingerprint"`
	CreatedAt   *time.Time `json:"createdAt"`
	Source      PlanSource `json:"source"`
}

// BackupRef names a backup without showing its bytes.
type BackupRef struct {
	Path   string `json:"path"`
	Values int    `json:"values"`
}

// AppliedChange is a change and what became of it.
type AppliedChange struct {
	Target Target   `json:"target"`
	Action string   `json:"action" enum:"create,update,delete"`
	Status string   `json:"status" enum:"applied,alreadyApplied,wouldApply,notApplied,rolledBack"`
	Before ValueDoc `json:"before"`
	After  ValueDoc `json:"after"`
}

// ApplyPlan applies a plan to the registry: it re-reads every value the plan was made from
// and refuses a stale plan, writes a backup, writes the changes in order, reads each one back
// and compares the bytes, and on any failure puts the backup back. The caller holds the lock.
// On failure it returns the result document too, for the record.
func ApplyPlan(w RegistryWriter, p *Plan, o ApplyOptions) (*ApplyResult, error) {
	if o.StaleHint == "" {
		o.StaleHint = "run 'ccproxy plan' again"
	}
	res := &ApplyResult{
		Schema: SchemaApply, Result: "noChanges", Changes: []AppliedChange{}, Warnings: []Warning{},
		Plan:            PlanRef{Fingerprint: p.Fingerprint.Value, Source: p.Source},
		RestartRequired: Restart{Services: []string{}},
	}
	if !p.CreatedAt.IsZero() {
		res.Plan.CreatedAt = Ptr(p.CreatedAt.UTC())
	}
	// Check the plan again even when it did not come from a file: restore builds its own.
	if err := p.check("plan"); err != nil {
		return nil, err
	}
	if err := checkPlanHost(p, o.Host); err != nil {
		return nil, err
	}
	if p.Source.Kind == "backup" {
		// restore's own warnings (a backup from another machine) belong in its result.
		res.Warnings = append(res.Warnings, p.Warnings...)
	}
	current, stale, err := readFingerprinted(w, p)
	if err != nil {
		return nil, err
	}
	if stale != nil {
		// A plan that was already applied finds every value it changes at its planned bytes
		// and every other value as it was: that is success with nothing to write, so that
		// automation can apply the same plan again.
		if alreadyApplied(p, current) {
			res.Result = "alreadyApplied"
			res.Verified = true
			for _, c := range p.Changes {
				v := current[valueRef{c.Target.RegistryPath, c.Target.ValueName}.key()]
				res.Changes = append(res.Changes, AppliedChange{Target: c.Target, Action: c.Action, Status: "alreadyApplied", Before: NewValueDoc(c.Target.ValueName, v), After: NewValueDoc(c.Target.ValueName, c.after)})
			}
			res.Warnings = append(res.Warnings, Warning{Code: "alreadyApplied", Path: "plan", Message: "every change of this plan is already in the registry: nothing was written"})
			return res, nil
		}
		return nil, &StalePlanError{Value: stale.String(), Hint: o.StaleHint}
	}
	changes := append([]Change{}, p.Changes...)
	sort.SliceStable(changes, func(i, j int) bool { return writeRank(changes[i].Target) < writeRank(changes[j].Target) })
	for _, c := range changes {
		res.Changes = append(res.Changes, AppliedChange{Target: c.Target, Action: c.Action, Status: "notApplied",
			Before: NewValueDoc(c.Target.ValueName, current[valueRef{c.Target.RegistryPath, c.Target.ValueName}.key()]),
			After:  NewValueDoc(c.Target.ValueName, c.after)})
	}
	if len(changes) == 0 {
		res.Verified = true
		return res, nil
	}
	res.RestartRequired = p.RestartRequired
	if res.RestartRequired.Services == nil {
		res.RestartRequired.Services = []string{}
	}
	if o.WhatIf {
		res.Result = "whatIf"
		for i := range res.Changes {
			res.Changes[i].Status = "wouldApply"
		}
		return res, nil
	}

	bk := &Backup{Schema: SchemaBackup, CreatedAt: o.Now.UTC().Truncate(time.Second), Reason: o.Reason, PlanFingerprint: p.Fingerprint.Value, Values: []BackupValue{}}
	if bk.Reason == "" {
		bk.Reason = "apply"
	}
	if o.Host != "" {
		bk.Host = Ptr(o.Host)
	}
	for _, c := range changes {
		ref := valueRef{c.Target.RegistryPath, c.Target.ValueName}
		bk.Values = append(bk.Values, newBackupValue(ref, current[ref.key()]))
	}
	if o.WriteBackup == nil {
		return nil, errors.New("apply: no backup writer")
	}
	path, err := o.WriteBackup(bk)
	if err != nil {
		var ee *EnvError
		if errors.As(err, &ee) {
			return nil, &EnvError{Msg: ee.Msg + "; nothing was written"}
		}
		return nil, &EnvError{Msg: "cannot write the backup: " + err.Error() + "; nothing was written"}
	}
	res.Backup = &BackupRef{Path: path, Values: len(bk.Values)}

	wininet := false
	fail := func(cause error) (*ApplyResult, error) {
		rbErr := rollback(w, bk)
		ae := &ApplyError{Cause: cause, RollbackFailed: rbErr, BackupPath: path}
		if rbErr == nil {
			// Everything is as it was: nothing to restart for.
			res.Result = "rolledBack"
			res.RestartRequired = Restart{Services: []string{}}
			for i := range res.Changes {
				if res.Changes[i].Status == "applied" {
					res.Changes[i].Status = "rolledBack"
				}
			}
		} else {
			// The written values may still be there: they keep "applied", and the restart advice stands.
			res.Result = "rollbackFailed"
		}
		if wininet && o.Notify != nil {
			// Programs may have read the half-written settings; have them read the restored ones.
			_ = o.Notify()
		}
		res.Error = Ptr(RedactCredentials(ae.Error()))
		return res, ae
	}
	for i, c := range changes {
		var err error
		if c.after == nil {
			err = w.DeleteValue(c.Target.RegistryPath, c.Target.ValueName)
		} else {
			err = w.SetValue(c.Target.RegistryPath, c.Target.ValueName, *c.after)
		}
		if c.Target.Stack == "wininet" {
			wininet = true
		}
		if err != nil {
			return fail(withValue("writing", valueRef{c.Target.RegistryPath, c.Target.ValueName}, err))
		}
		res.Changes[i].Status = "applied"
	}
	for _, c := range changes {
		ref := valueRef{c.Target.RegistryPath, c.Target.ValueName}
		got, err := w.ReadValue(ref.path, ref.name)
		if err != nil {
			return fail(withValue("reading back", ref, err))
		}
		if !sameValue(got, c.after) {
			return fail(fmt.Errorf("reading back %s: the registry holds other bytes than were written", ref))
		}
	}
	res.Result, res.Verified = "applied", true
	if wininet && o.Notify != nil {
		ok := true
		if err := o.Notify(); err != nil {
			ok = false
			res.Warnings = append(res.Warnings, Warning{Code: "wininetNotNotified", Path: "wininet", Message: RedactCredentials(err.Error())})
		}
		res.WinINetNotified = &ok
	}
	return res, nil
}

// sameValue compares type and bytes; nil is a value that does not exist.
func sameValue(a, b *RegValue) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Type == b.Type && bytes.Equal(a.Data, b.Data)
}

// withValue names the value in a store's error. An error that carries its own exit code comes
// from the registry itself, which already names the key and value in its message.
func withValue(verb string, ref valueRef, err error) error {
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		return err
	}
	return fmt.Errorf("%s %s: %w", verb, ref, err)
}
