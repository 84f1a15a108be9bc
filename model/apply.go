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
	Result  ApplyOutcome    `json:"result" enum:"applied,alreadyApplied,noChanges,whatIf,rolledBack,rollbackFailed,verifyFailed"`
	Plan    PlanRef         `json:"plan"`
	Backup  *BackupRef      `json:"backup" doc:"null when nothing was written"`
	Changes []AppliedChange `json:"changes"`
	// Verified is true when every written value was read back with the exact bytes planned.
	Verified        bool      `json:"verified"`
	WinINetNotified *bool     `json:"wininetNotified" doc:"null when no WinINet value was written"`
	RestartRequired Restart   `json:"restartRequired"`
	Warnings        []Warning `json:"warnings"`
	Error           *string   `json:"error"`
	// Stale is true when the values the plan was made from changed since: apply refuses such
	// a plan (exit 2), and a what-if still shows what it would have written.
	Stale bool `json:"stale"`
	// Verify is the --verify probe of the planned route, made before anything was written.
	Verify *ApplyVerify `json:"verify" doc:"with --verify: the required endpoints probed through the route the plan gives the services, before writing; null otherwise"`
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
	Target Target       `json:"target"`
	Action ChangeAction `json:"action" enum:"create,update,delete"`
	Status ChangeStatus `json:"status" enum:"applied,alreadyApplied,wouldApply,notApplied,rolledBack"`
	Before ValueDoc     `json:"before"`
	After  ValueDoc     `json:"after"`
}

// ApplyPlan applies a plan to the registry, in named steps: checkStale re-reads every value
// the plan was made from and refuses a stale plan (or finds it already applied); writeBackup
// stores the values about to change; write makes the changes in order; verify reads each
// one back and compares the bytes; on any failure after the backup, rollback puts the backup
// back. The caller holds the lock. On failure it returns the result document too, for the
// record.
func ApplyPlan(w RegistryWriter, p *Plan, o ApplyOptions) (*ApplyResult, error) {
	if o.StaleHint == "" {
		o.StaleHint = "run 'ccproxy plan' again"
	}
	// Check the plan again even when it did not come from a file: restore builds its own.
	if err := p.check("plan"); err != nil {
		return nil, err
	}
	if err := checkPlanHost(p, o.Host); err != nil {
		return nil, err
	}
	a := &applying{w: w, p: p, o: o, res: newApplyResult(p)}
	done, err := a.checkStale()
	if a.res.Stale {
		return a.res, err
	}
	if done || err != nil {
		return a.result(err)
	}
	if len(a.changes) == 0 {
		a.res.Verified = true
		return a.res, nil
	}
	a.res.RestartRequired = p.RestartRequired
	if a.res.RestartRequired.Services == nil {
		a.res.RestartRequired.Services = []string{}
	}
	if o.WhatIf {
		a.res.Result = OutcomeWhatIf
		for i := range a.res.Changes {
			a.res.Changes[i].Status = ChangeWouldApply
		}
		return a.res, nil
	}
	if err := a.writeBackup(); err != nil {
		return nil, err
	}
	if err := a.write(); err != nil {
		return a.rollback(err)
	}
	if err := a.verify(); err != nil {
		return a.rollback(err)
	}
	a.res.Result, a.res.Verified = OutcomeApplied, true
	a.notify()
	return a.res, nil
}

// applying is one apply in progress: what it read, what it wrote, and its result so far.
type applying struct {
	w   RegistryWriter
	p   *Plan
	o   ApplyOptions
	res *ApplyResult
	// current holds the values as read before any write, by valueRef key.
	current map[string]*RegValue
	// changes are the plan's changes in writing order.
	changes []Change
	backup  *Backup
	path    string // where the backup was written
	wininet bool   // a WinINet value was written
}

func newApplyResult(p *Plan) *ApplyResult {
	res := &ApplyResult{
		Schema: SchemaApply, Result: OutcomeNoChanges, Changes: []AppliedChange{}, Warnings: []Warning{},
		Plan:            PlanRef{Fingerprint: p.Fingerprint.Value, Source: p.Source},
		RestartRequired: Restart{Services: []string{}},
	}
	if !p.CreatedAt.IsZero() {
		res.Plan.CreatedAt = Ptr(p.CreatedAt.UTC())
	}
	if p.Source.Kind == SourceBackup {
		// restore's own warnings (a backup from another machine) belong in its result.
		res.Warnings = append(res.Warnings, p.Warnings...)
	}
	return res
}

func (a *applying) result(err error) (*ApplyResult, error) {
	if err != nil {
		return nil, err
	}
	return a.res, nil
}

// checkStale reads every value the plan was made from. A value that changed since makes the
// plan stale, unless every change is already at its planned bytes: then the plan was applied
// before, which is success with nothing to write (done), so automation can apply it again.
func (a *applying) checkStale() (done bool, err error) {
	current, stale, err := readFingerprinted(a.w, a.p)
	if err != nil {
		return false, err
	}
	a.current = current
	if stale != nil {
		if !alreadyApplied(a.p, current) {
			err := &StalePlanError{Value: stale.String(), Hint: a.o.StaleHint}
			if a.o.WhatIf {
				// A what-if is read by a change board: it still gets the document, saying what
				// the plan would write and that apply would refuse it.
				a.res.Result, a.res.Stale, a.res.Error = OutcomeWhatIf, true, Ptr(err.Error())
				for _, c := range a.p.Changes {
					a.res.Changes = append(a.res.Changes, AppliedChange{Target: c.Target, Action: c.Action, Status: ChangeNotApplied,
						Before: NewValueDoc(c.Target.ValueName, a.before(c)), After: NewValueDoc(c.Target.ValueName, c.after)})
				}
			}
			return false, err
		}
		a.res.Result, a.res.Verified = OutcomeAlreadyApplied, true
		for _, c := range a.p.Changes {
			a.res.Changes = append(a.res.Changes, AppliedChange{Target: c.Target, Action: c.Action, Status: ChangeAlreadyApplied,
				Before: NewValueDoc(c.Target.ValueName, a.before(c)), After: NewValueDoc(c.Target.ValueName, c.after)})
		}
		a.res.Warnings = append(a.res.Warnings, Warning{Code: "alreadyApplied", Path: "plan", Message: "every change of this plan is already in the registry: nothing was written"})
		return true, nil
	}
	a.changes = append([]Change{}, a.p.Changes...)
	sort.SliceStable(a.changes, func(i, j int) bool { return writeRank(a.changes[i].Target) < writeRank(a.changes[j].Target) })
	for _, c := range a.changes {
		a.res.Changes = append(a.res.Changes, AppliedChange{Target: c.Target, Action: c.Action, Status: ChangeNotApplied,
			Before: NewValueDoc(c.Target.ValueName, a.before(c)), After: NewValueDoc(c.Target.ValueName, c.after)})
	}
	return false, nil
}

// before is a change's value as read before the apply.
func (a *applying) before(c Change) *RegValue {
	return a.current[valueRef{c.Target.RegistryPath, c.Target.ValueName}.key()]
}

// writeBackup stores the values about to change, with their exact bytes, before the first
// write: if it cannot be written, nothing is.
func (a *applying) writeBackup() error {
	bk := &Backup{Schema: SchemaBackup, CreatedAt: a.o.Now.UTC().Truncate(time.Second), Reason: a.o.Reason, PlanFingerprint: a.p.Fingerprint.Value, Values: []BackupValue{}}
	if bk.Reason == "" {
		bk.Reason = "apply"
	}
	if a.o.Host != "" {
		bk.Host = Ptr(a.o.Host)
	}
	for _, c := range a.changes {
		bk.Values = append(bk.Values, newBackupValue(valueRef{c.Target.RegistryPath, c.Target.ValueName}, a.before(c)))
	}
	if a.o.WriteBackup == nil {
		return errors.New("apply: no backup writer")
	}
	path, err := a.o.WriteBackup(bk)
	if err != nil {
		var ee *EnvError
		if errors.As(err, &ee) {
			return &EnvError{Msg: ee.Msg + "; nothing was written"}
		}
		return &EnvError{Msg: "cannot write the backup: " + err.Error() + "; nothing was written"}
	}
	a.backup, a.path = bk, path
	a.res.Backup = &BackupRef{Path: path, Values: len(bk.Values)}
	return nil
}

// write makes the changes in writing order, marking each as applied.
func (a *applying) write() error {
	for i, c := range a.changes {
		var err error
		if c.after == nil {
			err = a.w.DeleteValue(c.Target.RegistryPath, c.Target.ValueName)
		} else {
			err = a.w.SetValue(c.Target.RegistryPath, c.Target.ValueName, *c.after)
		}
		if c.Target.Stack == "wininet" {
			a.wininet = true
		}
		if err != nil {
			return withValue("writing", valueRef{c.Target.RegistryPath, c.Target.ValueName}, err)
		}
		a.res.Changes[i].Status = ChangeApplied
	}
	return nil
}

// verify reads every written value back and compares type and bytes with the plan.
func (a *applying) verify() error {
	for _, c := range a.changes {
		ref := valueRef{c.Target.RegistryPath, c.Target.ValueName}
		got, err := a.w.ReadValue(ref.path, ref.name)
		if err != nil {
			return withValue("reading back", ref, err)
		}
		if !sameValue(got, c.after) {
			return fmt.Errorf("reading back %s: the registry holds other bytes than were written", ref)
		}
	}
	return nil
}

// rollback puts the backup back after a failed write or read-back, and says in the result
// whether the registry is as it was.
func (a *applying) rollback(cause error) (*ApplyResult, error) {
	rbErr := rollback(a.w, a.backup)
	ae := &ApplyError{Cause: cause, RollbackFailed: rbErr, BackupPath: a.path}
	if rbErr == nil {
		// Everything is as it was: nothing to restart for.
		a.res.Result = OutcomeRolledBack
		a.res.RestartRequired = Restart{Services: []string{}}
		for i := range a.res.Changes {
			if a.res.Changes[i].Status == ChangeApplied {
				a.res.Changes[i].Status = ChangeRolledBack
			}
		}
	} else {
		// The written values may still be there: they keep "applied", and the restart advice stands.
		a.res.Result = OutcomeRollbackFailed
	}
	if a.wininet && a.o.Notify != nil {
		// Programs may have read the half-written settings; have them read the restored ones.
		_ = a.o.Notify()
	}
	a.res.Error = Ptr(RedactCredentials(ae.Error()))
	return a.res, ae
}

// notify tells running WinINet programs that their settings changed, after a WinINet write.
func (a *applying) notify() {
	if !a.wininet || a.o.Notify == nil {
		return
	}
	ok := true
	if err := a.o.Notify(); err != nil {
		ok = false
		a.res.Warnings = append(a.res.Warnings, Warning{Code: "wininetNotNotified", Path: "wininet", Message: RedactCredentials(err.Error())})
	}
	a.res.WinINetNotified = &ok
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
