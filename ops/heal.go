package ops

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"ccproxy/model"
	"ccproxy/model/watch"
	"ccproxy/registry"
	"ccproxy/system"
)

// Heal is watch --heal: a drift from the desired state is written back through apply's
// path (lock, stale check, backup, write, read-back, rollback) into a backup folder of its
// own, never fighting Group Policy or another writer, never restarting anything.
type Heal struct {
	Limit *watch.HealLimit
	// BackupDir is the heals' own backup folder, so that heals never evict the backups of
	// the admin's applies.
	BackupDir   string
	Keep        int
	LockTimeout time.Duration
	// Verify probes the healing plan's route before writing; nil writes without a probe.
	Verify *Verify
	// GPP lists the Group Policy Preferences registry items applied to the machine.
	GPP func() []system.GPPItem
}

// heal writes back what left the desired state, value by value: a value Group Policy owns
// is left alone, and so is one healed Limit.Max times within the window; each heal and
// each refusal is an event. The heal's own writes come back as notifications, and the
// event they make says the machine is back in the desired state.
func (m *Machine) heal(w Watch, host string, obs observed, trig watch.Trigger) {
	h := w.Heal
	now := m.Now()
	p, err := model.MakePlan(model.PlanInput{Reader: obs.store, State: obs.State, Desired: w.Desired, DesiredName: w.DesiredName, Now: now})
	if err != nil {
		m.emitError(w, host, trig, err)
		return
	}
	if p.Empty {
		return
	}
	policy := policyValues(obs.store)
	var gpp []system.GPPItem
	if h.GPP != nil {
		gpp = h.GPP()
	}
	var keep []model.Change
	var refused []string
	var why []string
	count := 0
	for _, c := range p.Changes {
		v := c.Target.RegistryPath + `\` + c.Target.ValueName
		if owner := groupPolicyOwner(c, policy, gpp); owner != "" {
			refused = append(refused, v)
			why = append(why, v+": "+owner)
			continue
		}
		if !h.Limit.Allowed(v, now) {
			n := h.Limit.Count(v, now)
			count = max(count, n)
			refused = append(refused, v)
			why = append(why, fmt.Sprintf("%s: healed %s within %s and changed back each time: another writer keeps setting it; %s", v, model.Count(n, "time"), h.Limit.Window, likelyWriter(obs.store, c.Target.RegistryPath, policy)))
			continue
		}
		keep = append(keep, c)
	}
	if len(refused) > 0 {
		ev := m.healEvent(watch.KindHealRefused, host, trig, obs, refused)
		ev.Heal.Reason = strings.Join(why, "; ")
		ev.Heal.HealsInWindow = count
		ev.Message = "heal refused: " + ev.Heal.Reason
		m.emit(w, ev)
	}
	if len(keep) == 0 {
		return
	}
	healing := *p
	healing.Changes = keep
	var values []string
	for _, c := range keep {
		values = append(values, c.Target.RegistryPath+`\`+c.Target.ValueName)
	}
	res, err := m.Apply(Change{BackupDir: h.BackupDir, LockTimeout: h.LockTimeout, Reason: "heal", Verify: h.Verify},
		func(model.RegistryReader) (*model.Plan, string, error) {
			return &healing, "the registry changed again while healing", nil
		})
	var ve *model.VerifyError
	switch {
	case errors.As(err, &ve):
		ev := m.healEvent(watch.KindHealRefused, host, trig, obs, values)
		ev.Heal.Verify = ve.V
		ev.Heal.Reason = "the desired state's route failed --verify: " + ve.V.Summary()
		ev.Message = "heal refused: " + ev.Heal.Reason
		m.emit(w, ev)
		return
	case err != nil:
		m.emitError(w, host, trig, fmt.Errorf("heal: %w", err))
		return
	}
	for _, v := range values {
		h.Limit.Healed(v, now)
	}
	if h.Keep > 0 {
		m.PruneBackups(h.BackupDir, h.Keep)
	}
	ev := m.healEvent(watch.KindHealed, host, trig, obs, values)
	ev.Heal.Verify = res.Verify
	ev.Heal.RestartRequired = res.RestartRequired
	if res.Backup != nil {
		ev.Heal.Backup = model.Ptr(res.Backup.Path)
	}
	for _, v := range values {
		ev.Heal.HealsInWindow = max(ev.Heal.HealsInWindow, h.Limit.Count(v, now))
	}
	ev.Heal.Reason = "back to " + w.DesiredName
	ev.Message = fmt.Sprintf("healed %s back to %s; nothing was restarted", model.Count(len(values), "value"), w.DesiredName)
	if res.RestartRequired.Required {
		ev.Message += ": the services keep their old route until restarted (R5)"
		ev.Notes = append(ev.Notes, "restart needed: "+model.Deref(res.RestartRequired.Reason))
	}
	m.emit(w, ev)
}

func (m *Machine) healEvent(k watch.Kind, host string, trig watch.Trigger, obs observed, values []string) watch.Event {
	ev := watch.New(k, m.Now(), host)
	ev.Trigger = trig
	if ev.Trigger.Keys == nil {
		ev.Trigger.Keys = []string{}
	}
	fill(&ev, obs.Observation)
	var keys []string
	seen := map[string]bool{}
	for _, v := range values {
		k := v[:strings.LastIndex(v, `\`)]
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	ev.Writers = writers(obs.store, keys)
	ev.Heal = &watch.Heal{Values: values, RestartRequired: model.Restart{Services: []string{}}}
	return ev
}

func (m *Machine) emit(w Watch, ev watch.Event) {
	if err := w.Emit(ev); err != nil {
		m.Log.Error().Msg(model.RedactCredentials(err.Error()))
	}
}

// groupPolicyOwner names the Group Policy that sets a value, or "": a Group Policy
// Preferences registry item for the value, or, for WinINet settings, the machine's proxy
// policy values (ProxySettingsPerUser and its siblings), which a policy refresh writes back.
func groupPolicyOwner(c model.Change, policy []string, gpp []system.GPPItem) string {
	for _, it := range gpp {
		if registry.ValueKey(it.Path, it.Name) == registry.ValueKey(c.Target.RegistryPath, c.Target.ValueName) {
			return "a Group Policy Preferences registry item of GPO " + it.GPO + " sets it (" + it.File + ")"
		}
	}
	if c.Target.Stack == "wininet" && len(policy) > 0 {
		return "Group Policy owns the WinINet proxy settings (" + strings.Join(policy, "; ") + ")"
	}
	return ""
}

// likelyWriter says who may be writing a key back, as far as Windows tells.
func likelyWriter(r system.Store, key string, policy []string) string {
	ws := writers(r, []string{key})
	if len(ws) == 0 {
		return "the writer is unknown"
	}
	return "likely writer: " + ws[0].Likely
}
