package ops

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"time"

	"ccproxy/model"
	"ccproxy/model/compliance"
	"ccproxy/model/watch"
	"ccproxy/system"
)

// Watch is one run of 'ccproxy watch': what to judge the machine by, how to be told of
// changes, and where its events go.
type Watch struct {
	// Internal are test's --internal hosts.
	Internal []string
	// Desired, when set, is the state the machine should hold (--desired).
	Desired     *model.Desired
	DesiredName string
	// Debounce is the quiet time that ends one change: the notifications of one netsh
	// command (both views, the key and its value) make one event. MaxDelay bounds it for a
	// writer that never stops.
	Debounce, MaxDelay time.Duration
	// AdvancedEvery is how often the state is read again for what no notification covers
	// (the advanced WinHTTP settings, read through netsh); 0 never.
	AdvancedEvery time.Duration
	// Watcher arms the notifications (system.WatchRegistry on Windows).
	Watcher func(keys []string) (system.RegistryWatcher, error)
	// Emit writes one event (stdout, the --output file, the Event Log).
	Emit func(watch.Event) error
	// Heal, with Desired, writes a drift back (watch --heal).
	Heal *Heal
	// CheckDesired refuses a desired file others than Administrators and SYSTEM may change,
	// before a heal can write what it says.
	CheckDesired func() error
}

// observed is one reading of the machine, with the registry it came from.
type observed struct {
	watch.Observation
	store system.Store
}

// Watch waits for changes and emits an event for each until ctx ends. It reads the
// registry only when Windows says a watched key changed, and every AdvancedEvery.
func (m *Machine) Watch(ctx context.Context, w Watch) error {
	if w.Debounce <= 0 {
		w.Debounce = 500 * time.Millisecond
	}
	if w.MaxDelay < w.Debounce {
		w.MaxDelay = 10 * w.Debounce
	}
	host := ""
	if m.Hostname != nil {
		host, _ = m.Hostname()
	}
	// Armed before the first read, so that no change between the two goes unseen. The
	// accounts whose Internet Settings are watched are the built-in ones the connector's
	// services run as, whatever the state says.
	keys := model.WatchedKeys(nil)
	rw, err := w.Watcher(keys)
	if err != nil {
		return err
	}
	defer rw.Close()
	if w.Heal != nil && w.CheckDesired != nil {
		if err := w.CheckDesired(); err != nil {
			return err
		}
	}
	prev, err := m.observe(w)
	if err != nil {
		return err
	}
	start := watch.Started(m.Now(), host, prev.Observation, keys)
	start.Notes = append(start.Notes, rw.Notes()...)
	if w.AdvancedEvery > 0 {
		start.Notes = append(start.Notes, fmt.Sprintf("the advanced WinHTTP settings (netsh winhttp show advproxy) have no change notification: they are read again every %s", w.AdvancedEvery))
	}
	if err := w.Emit(start); err != nil {
		return err
	}
	if w.Heal != nil && !prev.In() {
		m.heal(w, host, prev, watch.Trigger{Source: "start", Keys: []string{}})
	}
	prev = prev.idle()
	m.logMemory("started")

	var adv <-chan time.Time
	if w.AdvancedEvery > 0 {
		t := time.NewTicker(w.AdvancedEvery)
		defer t.Stop()
		adv = t.C
	}
	quiet := time.NewTimer(time.Hour)
	quiet.Stop()
	var fire <-chan time.Time
	pending := map[string]bool{}
	source := ""
	var first time.Time
	for {
		select {
		case <-ctx.Done():
			stop := watch.New(watch.KindStopped, m.Now(), host)
			stop.Trigger.Source = "stop"
			stop.Message = "watch stopped"
			fill(&stop, prev.Observation)
			return w.Emit(stop)
		case n, ok := <-rw.Changes():
			if !ok {
				return &model.EnvError{Msg: "watch: the registry notifications stopped"}
			}
			if n.Error != "" {
				m.emitError(w, host, watch.Trigger{Source: n.Source, Keys: n.Keys}, errors.New(n.Error+"; hint: restart watch once the key can be opened again"))
			}
			for _, k := range n.Keys {
				pending[k] = true
			}
			if source == "" || n.Source == "winhttpProxyChange" {
				source = n.Source
			}
			if fire == nil {
				first = time.Now()
			}
			// The quiet time starts again with each notification, up to MaxDelay in all.
			quiet.Stop()
			d := w.Debounce
			if left := w.MaxDelay - time.Since(first); left < d {
				d = max(left, 0)
			}
			quiet.Reset(d)
			fire = quiet.C
		case <-fire:
			fire = nil
			trig := watch.Trigger{Source: source, Keys: sortedKeys(pending)}
			pending, source = map[string]bool{}, ""
			prev = m.changed(w, host, prev, trig)
			m.logMemory("event handled")
		case <-adv:
			prev = m.changed(w, host, prev, watch.Trigger{Source: "advancedInterval", Keys: []string{}})
			m.logMemory("advanced settings read")
		}
	}
}

// changed reads the machine after a change and emits what changed; an error is an event
// too, and the watch goes on from what it knew.
func (m *Machine) changed(w Watch, host string, prev observed, trig watch.Trigger) observed {
	now, err := m.observe(w)
	if err != nil {
		m.emitError(w, host, trig, err)
		return prev
	}
	ev, ok := watch.Compare(m.Now(), host, prev.Observation, now.Observation, trig)
	if !ok {
		m.Log.Debug().Strs("keys", trig.Keys).Msg("notified, but nothing test reads changed")
		return now.idle()
	}
	ev.Writers = writers(now.store, trig.Keys)
	m.emit(w, ev)
	if w.Heal != nil && ev.Kind == watch.KindDrift {
		m.heal(w, host, now, trig)
	}
	return now.idle()
}

// idle is what the watch keeps until the next change: the observation it compares with.
// The registry it was read from (every value read, cached) is only needed while the event
// is written and healed, and would otherwise stay in memory until the next change.
func (o observed) idle() observed {
	o.store = nil
	return o
}

func (m *Machine) emitError(w Watch, host string, trig watch.Trigger, err error) {
	ev := watch.New(watch.KindError, m.Now(), host)
	ev.Trigger = trig
	if ev.Trigger.Keys == nil {
		ev.Trigger.Keys = []string{}
	}
	msg := model.RedactCredentials(err.Error())
	ev.Message, ev.Error = msg, &msg
	if e := w.Emit(ev); e != nil {
		m.Log.Error().Msg(model.RedactCredentials(e.Error()))
	}
}

// observe reads the live state, runs test on it, and with --desired plans to it.
func (m *Machine) observe(w Watch) (observed, error) {
	src, err := m.OpenState("system", nil, "")
	if err != nil {
		return observed{}, err
	}
	o := observed{store: src.Store}
	o.State = src.State
	o.Report = compliance.Evaluate(src.State, compliance.Options{Internal: w.Internal})
	if w.Desired != nil {
		p, err := model.MakePlan(model.PlanInput{Reader: src.Store, State: src.State, Desired: w.Desired, DesiredName: w.DesiredName, Now: m.Now()})
		if err != nil {
			return observed{}, err
		}
		o.InDesiredState = model.Ptr(p.Empty)
	}
	return o, nil
}

// logMemory writes, at debug level, what the Go runtime holds between events: the part of
// watch's idle memory that is its own (the rest is the mapped program and, under Wine, its
// DLLs). ReadMemStats stops the world briefly, so it is only called when it is logged.
func (m *Machine) logMemory(when string) {
	e := m.Log.Debug()
	if !e.Enabled() {
		return
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	e.Uint64("heapInuse", ms.HeapInuse).Uint64("heapIdle", ms.HeapIdle).Uint64("heapReleased", ms.HeapReleased).
		Uint64("stackInuse", ms.StackInuse).Uint64("goSys", ms.Sys).Uint32("gcs", ms.NumGC).Msg("memory, " + when)
}

func fill(e *watch.Event, o watch.Observation) {
	e.Verdict = model.Ptr(watch.Verdict(o.Report))
	e.Failed = o.Report.Failed()
	e.InDesiredState = o.InDesiredState
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// writers says what Windows keeps of who wrote each key: its last-write time, and the
// Group Policy values that decide the proxy settings. The registry does not record the
// process that wrote a value, so the rest is said to be unknown.
func writers(r system.Store, keys []string) []watch.Writer {
	out := []watch.Writer{}
	policy := policyValues(r)
	for _, k := range keys {
		wr := watch.Writer{Key: k, Policy: []string{}}
		if ki, err := r.Key(k); err == nil && ki.Exists && ki.LastWrite != nil {
			t := ki.LastWrite.UTC().Truncate(time.Second)
			wr.LastWrite = &t
		}
		if isProxyKey(k) {
			wr.Policy = append(wr.Policy, policy...)
		}
		switch {
		case len(wr.Policy) > 0:
			wr.Likely = "Group Policy: policy values that decide these settings are present (" + strings.Join(wr.Policy, "; ") + "); a policy refresh (every 90 minutes by default) writes them again"
		case wr.LastWrite != nil:
			wr.Likely = "unknown: Windows keeps no writer of a registry value, only the key's last-write time (" + wr.LastWrite.Format(time.RFC3339) + "); compare it with Group Policy, installer and scheduled-task logs"
		default:
			wr.Likely = "unknown: the key does not exist now"
		}
		out = append(out, wr)
	}
	return out
}

// policyValues lists the values of the machine's Internet Settings policy key.
func policyValues(r system.Store) []string {
	l, ok := r.(system.Lister)
	if !ok {
		return nil
	}
	names, err := l.ValueNames(model.PolicyKey)
	if err != nil {
		return nil
	}
	var out []string
	for _, n := range names {
		v, err := r.ReadValue(model.PolicyKey, n)
		if err != nil || v == nil {
			continue
		}
		s := model.PolicyKey + `\` + n
		if v.Type == model.RegDWORD && len(v.Data) == 4 {
			s += fmt.Sprintf("=%d", uint32(v.Data[0])|uint32(v.Data[1])<<8|uint32(v.Data[2])<<16|uint32(v.Data[3])<<24)
		} else if t, ok := model.DecodeRegString(v); ok {
			s += "=" + model.RedactCredentials(t)
		}
		out = append(out, s)
	}
	return out
}

func isProxyKey(k string) bool {
	l := strings.ToLower(k)
	return strings.Contains(l, `\internet settings`)
}
