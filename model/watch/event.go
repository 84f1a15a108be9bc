// Package watch is what 'ccproxy watch' decides, without the machine: the ccproxy/event@1
// document, what a change changed (settings and findings), whether it left or came back to
// the desired state, and when healing must stop. The notifications, the registry and the
// Event Log are the system package's; the loop is ops'.
package watch

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"ccproxy/model"
	"ccproxy/model/compliance"
)

// SchemaEvent is the kind of the documents 'watch' writes, one JSON line each.
const SchemaEvent = "ccproxy/event@1"

// Kind is what an event says happened.
type Kind string

// Event kinds, with their stable Event Log ids (1-1000: the EventCreate message file
// golang.org/x/sys/windows/svc/eventlog installs has one message per id in that range).
const (
	KindStarted            Kind = "started"
	KindStopped            Kind = "stopped"
	KindChanged            Kind = "changed"
	KindDrift              Kind = "drift"
	KindBackInDesiredState Kind = "backInDesiredState"
	KindHealed             Kind = "healed"
	KindHealRefused        Kind = "healRefused"
	KindError              Kind = "error"
)

// Levels, as the Event Log has them.
const (
	LevelInformation = "information"
	LevelWarning     = "warning"
	LevelError       = "error"
)

// KindInfo is an event kind's Event Log id and level, and what it means.
type KindInfo struct {
	Kind    Kind
	ID      uint32
	Level   string
	Meaning string
}

// Kinds lists every kind; the contract's table is this one (a test compares them).
var Kinds = []KindInfo{
	{KindStarted, 1, LevelInformation, "watch started: the keys it watches, the state and verdict it starts from"},
	{KindStopped, 2, LevelInformation, "watch stopped (Ctrl+C, service stop)"},
	{KindChanged, 100, LevelInformation, "a watched setting changed and the machine is still in the desired state"},
	{KindDrift, 200, LevelWarning, "a change left the machine out of the desired state (or it stays out after another change)"},
	{KindBackInDesiredState, 300, LevelInformation, "a change brought the machine back into the desired state"},
	{KindHealed, 400, LevelWarning, "watch --heal wrote the desired values back; the services need a restart to use them (R5)"},
	{KindHealRefused, 500, LevelWarning, "watch --heal did not heal a value: Group Policy owns it, another writer keeps changing it back, or its route failed --verify"},
	{KindError, 900, LevelError, "watch could not read the state, arm a notification or heal"},
}

// Info is a kind's id and level.
func Info(k Kind) KindInfo {
	for _, i := range Kinds {
		if i.Kind == k {
			return i
		}
	}
	return KindInfo{Kind: k, ID: 900, Level: LevelError}
}

// Event is the ccproxy/event@1 document.
type Event struct {
	Schema  string    `json:"schema"`
	Time    time.Time `json:"time"`
	Host    *string   `json:"host"`
	Kind    Kind      `json:"kind" enum:"started,stopped,changed,drift,backInDesiredState,healed,healRefused,error"`
	EventID uint32    `json:"eventId" enum:"1,2,100,200,300,400,500,900" doc:"the Event Log id of the kind (Application log, source ccproxy)"`
	Level   string    `json:"level" enum:"information,warning,error"`
	Message string    `json:"message"`
	Trigger Trigger   `json:"trigger"`
	// Changes are the settings that differ from the state before, credentials as ***.
	Changes  []model.Difference `json:"changes" doc:"the settings that changed: path in the ccproxy/state@1 document, before and after (credentials as ***)"`
	Verdict  *string            `json:"verdict" enum:"compliant,notCompliant,incomplete" doc:"test's verdict on the state after the change; null when it could not be read"`
	Findings []FindingChange    `json:"findings" doc:"the findings of test whose status changed (on started: those not passing)"`
	Failed   []string           `json:"failed" doc:"ids of every finding failing now"`
	// InDesiredState is null without --desired; with it, whether the plan to it is empty.
	InDesiredState *bool    `json:"inDesiredState" doc:"with --desired: whether the machine holds it (the plan to it is empty); null otherwise"`
	Writers        []Writer `json:"writers" doc:"what Windows says of who wrote each changed key: its last-write time and the policy values that own it"`
	Heal           *Heal    `json:"heal" doc:"healed and healRefused events: what was (or was not) written back; null otherwise"`
	Notes          []string `json:"notes"`
	Error          *string  `json:"error"`
}

// Trigger is what woke the watch.
type Trigger struct {
	Source string   `json:"source" enum:"start,registry,winhttpProxyChange,advancedInterval,stop" doc:"registry: a key change notification; winhttpProxyChange: WinHttpRegisterProxyChangeNotification; advancedInterval: the periodic read of netsh winhttp show advproxy"`
	Keys   []string `json:"keys" doc:"the watched keys Windows said changed, debounced into this one event"`
}

// FindingChange is one finding of test whose status changed.
type FindingChange struct {
	ID       string  `json:"id"`
	Title    string  `json:"title"`
	Severity string  `json:"severity" enum:"high,medium,low"`
	Before   *string `json:"before" enum:"pass,fail,warn,notApplicable,notChecked" doc:"null when the finding did not exist before"`
	After    *string `json:"after" enum:"pass,fail,warn,notApplicable,notChecked" doc:"null when the finding is gone"`
	Message  string  `json:"message"`
}

// Writer is what Windows says of who wrote a key.
type Writer struct {
	Key       string     `json:"key"`
	LastWrite *time.Time `json:"lastWrite" doc:"the key's last-write time; null when the key does not exist"`
	// Policy names the Group Policy values that decide this key's settings, when present.
	Policy []string `json:"policy" doc:"Group Policy values present that own or override this key's settings (key\\value=data)"`
	Likely string   `json:"likely" doc:"the likely writer, in words, or what cannot be known"`
}

// Heal is what a heal wrote, or why it did not.
type Heal struct {
	Values          []string           `json:"values" doc:"the registry values (key\\name) healed or refused"`
	Backup          *string            `json:"backup" doc:"the backup of the values before the heal; null when nothing was written"`
	Reason          string             `json:"reason"`
	HealsInWindow   int                `json:"healsInWindow" doc:"heals of these values within the window, this one included"`
	RestartRequired model.Restart      `json:"restartRequired"`
	Verify          *model.ApplyVerify `json:"verify" doc:"the --verify probe of the healing plan; null when not probed"`
}

// New is an event of a kind at a time, every list empty.
func New(k Kind, now time.Time, host string) Event {
	i := Info(k)
	e := Event{Schema: SchemaEvent, Time: now.UTC().Truncate(time.Second), Kind: k, EventID: i.ID, Level: i.Level,
		Trigger: Trigger{Keys: []string{}}, Changes: []model.Difference{}, Findings: []FindingChange{}, Failed: []string{},
		Writers: []Writer{}, Notes: []string{}}
	if host != "" {
		e.Host = model.Ptr(host)
	}
	return e
}

// Verdict is test's verdict on a report (compliant, notCompliant or incomplete), as the
// report itself decides it.
func Verdict(r compliance.Report) string {
	if r.Verdict != "" {
		return r.Verdict
	}
	if r.Compliant {
		return compliance.VerdictCompliant
	}
	return compliance.VerdictNotCompliant
}

// Observation is one reading of the machine: the state, test's report on it, and with
// --desired whether the plan to it is empty.
type Observation struct {
	State          *model.State
	Report         compliance.Report
	InDesiredState *bool
}

// In says whether an observation is where it should be: in the desired state when one is
// given, else compliant.
func (o Observation) In() bool {
	if o.InDesiredState != nil {
		return *o.InDesiredState
	}
	return o.Report.Compliant
}

// Started is the first event: the state watch starts from and what fails in it.
func Started(now time.Time, host string, o Observation, keys []string) Event {
	e := New(KindStarted, now, host)
	e.Trigger = Trigger{Source: "start", Keys: append([]string{}, keys...)}
	fill(&e, o)
	for _, f := range o.Report.Findings {
		if f.Status != compliance.StatusPass && f.Status != compliance.StatusNotApplicable {
			e.Findings = append(e.Findings, FindingChange{ID: f.ID, Title: f.Title, Severity: f.Severity, After: model.Ptr(f.Status), Message: model.RedactCredentials(f.Message)})
		}
	}
	e.Message = fmt.Sprintf("watching %s; %s", model.Count(len(keys), "registry key"), describe(o))
	return e
}

// Compare is the event a change makes: what differs between two observations, which
// findings changed status, and whether it left or came back to the desired state. It
// returns false when nothing a person would see changed (no setting, no finding, same
// desired-state answer), as when a writer rewrites the bytes it found.
func Compare(now time.Time, host string, before, after Observation, trig Trigger) (Event, bool) {
	var k Kind
	switch {
	case before.In() && after.In():
		k = KindChanged
	case !after.In():
		k = KindDrift
	default:
		k = KindBackInDesiredState
	}
	e := New(k, now, host)
	e.Trigger = trig
	if e.Trigger.Keys == nil {
		e.Trigger.Keys = []string{}
	}
	fill(&e, after)
	if before.State != nil && after.State != nil {
		for _, d := range model.DiffStates("before", before.State, "after", after.State).Differences {
			d.Before, d.After = redact(d.Before), redact(d.After)
			e.Changes = append(e.Changes, d)
		}
	}
	e.Findings = FindingChanges(before.Report, after.Report)
	sameDesired := (before.InDesiredState == nil) == (after.InDesiredState == nil) &&
		(before.InDesiredState == nil || *before.InDesiredState == *after.InDesiredState)
	if len(e.Changes) == 0 && len(e.Findings) == 0 && sameDesired {
		return e, false
	}
	what := "no setting test reads"
	if len(e.Changes) > 0 {
		var paths []string
		for _, c := range e.Changes {
			paths = append(paths, c.Path)
		}
		what = strings.Join(paths, ", ")
	}
	switch k {
	case KindDrift:
		e.Message = "drift: " + what + " changed; " + describe(after)
	case KindBackInDesiredState:
		e.Message = "back in the desired state: " + what + " changed; " + describe(after)
	default:
		e.Message = what + " changed; " + describe(after)
	}
	if len(e.Changes) > 0 && mentionsWinHTTP(e.Changes) {
		e.Notes = append(e.Notes, "the connector's services read the WinHTTP settings only when they start: they keep the route they started with until restarted (R5)")
	}
	return e, true
}

// FindingChanges lists the findings whose status differs between two reports, in the
// after report's order, then those that are gone.
func FindingChanges(before, after compliance.Report) []FindingChange {
	was := map[string]compliance.Finding{}
	for _, f := range before.Findings {
		was[f.ID] = f
	}
	out := []FindingChange{}
	seen := map[string]bool{}
	for _, f := range after.Findings {
		seen[f.ID] = true
		b, ok := was[f.ID]
		if ok && b.Status == f.Status {
			continue
		}
		fc := FindingChange{ID: f.ID, Title: f.Title, Severity: f.Severity, After: model.Ptr(f.Status), Message: model.RedactCredentials(f.Message)}
		if ok {
			fc.Before = model.Ptr(b.Status)
		}
		out = append(out, fc)
	}
	var gone []string
	for id := range was {
		if !seen[id] {
			gone = append(gone, id)
		}
	}
	sort.Strings(gone)
	for _, id := range gone {
		b := was[id]
		out = append(out, FindingChange{ID: id, Title: b.Title, Severity: b.Severity, Before: model.Ptr(b.Status), Message: "no longer reported"})
	}
	return out
}

func fill(e *Event, o Observation) {
	e.Verdict = model.Ptr(Verdict(o.Report))
	e.Failed = o.Report.Failed()
	e.InDesiredState = o.InDesiredState
}

func describe(o Observation) string {
	s := "test: " + Verdict(o.Report)
	if f := o.Report.Failed(); len(f) > 0 {
		s += " (fails " + strings.Join(f, ", ") + ")"
	}
	if o.InDesiredState != nil {
		if *o.InDesiredState {
			s += "; in the desired state"
		} else {
			s += "; not in the desired state"
		}
	}
	return s
}

func mentionsWinHTTP(ds []model.Difference) bool {
	for _, d := range ds {
		if strings.HasPrefix(d.Path, "$.winhttp") {
			return true
		}
	}
	return false
}

// redact takes credentials out of a compared value (a string or a list of strings).
func redact(v any) any {
	switch x := v.(type) {
	case string:
		return model.RedactCredentials(x)
	case *string:
		if x == nil {
			return nil
		}
		return model.RedactCredentials(*x)
	case []string:
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = model.RedactCredentials(s)
		}
		return out
	}
	return v
}

// SchemaService is the kind of the document 'service status' writes.
const SchemaService = "ccproxy/service@1"

// Service is the ccproxy/service@1 document: the watch service as the service control
// manager has it.
type Service struct {
	Schema    string   `json:"schema"`
	Name      string   `json:"name"`
	Installed bool     `json:"installed"`
	State     *string  `json:"state" enum:"stopped,startPending,stopPending,running,continuePending,pausePending,paused" doc:"null when not installed"`
	StartType *string  `json:"startType" enum:"auto,manual,disabled,boot,system"`
	Account   *string  `json:"account" doc:"LocalSystem for the service 'service install' makes"`
	Command   *string  `json:"command" doc:"the command line the service control manager starts"`
	PID       *int64   `json:"pid" doc:"the process id while it runs; null otherwise"`
	Recovery  []string `json:"recovery" doc:"what the service control manager does after the first, second and later failures"`
	Notes     []string `json:"notes"`
}
