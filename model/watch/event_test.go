package watch

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"ccproxy/model"
	"ccproxy/model/compliance"
)

// The contract's table of event ids is this package's: a row per kind, same id and level.
func TestContractListsEveryKind(t *testing.T) {
	b, err := os.ReadFile("../../docs/contract.md")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[uint32]bool{}
	for _, k := range Kinds {
		if k.ID < 1 || k.ID > 1000 || ids[k.ID] {
			t.Errorf("%s: id %d is outside 1-1000 or taken", k.Kind, k.ID)
		}
		ids[k.ID] = true
		row := "| " + itoa(k.ID) + " | `" + string(k.Kind) + "` | " + k.Level + " | " + k.Meaning + " |"
		if !strings.Contains(string(b), row) {
			t.Errorf("docs/contract.md lacks the row %s", row)
		}
	}
}

func itoa(n uint32) string {
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

func report(statuses map[string]string) compliance.Report {
	r := compliance.Report{Findings: []compliance.Finding{}}
	for id, s := range statuses {
		r.Findings = append(r.Findings, compliance.Finding{ID: id, Title: id, Severity: "high", Status: s})
		switch s {
		case compliance.StatusPass:
			r.Summary.Pass++
		case compliance.StatusFail:
			r.Summary.Fail++
		}
	}
	r.Compliant = r.Summary.Fail == 0 && r.Summary.Pass > 0
	switch {
	case r.Compliant:
		r.Verdict = compliance.VerdictCompliant
	case r.Summary.Fail > 0:
		r.Verdict = compliance.VerdictNotCompliant
	default:
		r.Verdict = compliance.VerdictIncomplete
	}
	return r
}

func TestCompareKinds(t *testing.T) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	pass := report(map[string]string{"a": "pass", "b": "pass"})
	fail := report(map[string]string{"a": "pass", "b": "fail"})
	none := report(map[string]string{"a": "notChecked"})
	for _, c := range []struct {
		name          string
		before, after Observation
		kind          Kind
		changed       bool
		verdict       string
	}{
		{"still compliant, nothing changed", Observation{Report: pass}, Observation{Report: pass}, KindChanged, false, "compliant"},
		{"a finding fails", Observation{Report: pass}, Observation{Report: fail}, KindDrift, true, "notCompliant"},
		{"it passes again", Observation{Report: fail}, Observation{Report: pass}, KindBackInDesiredState, true, "compliant"},
		{"nothing can be shown", Observation{Report: pass}, Observation{Report: none}, KindDrift, true, "incomplete"},
		{"desired state left, test still passes", Observation{Report: pass, InDesiredState: model.Ptr(true)}, Observation{Report: pass, InDesiredState: model.Ptr(false)}, KindDrift, true, "compliant"},
		{"desired state back", Observation{Report: fail, InDesiredState: model.Ptr(false)}, Observation{Report: fail, InDesiredState: model.Ptr(true)}, KindBackInDesiredState, true, "notCompliant"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, changed := Compare(now, "CC01", c.before, c.after, Trigger{Source: "registry"})
			if e.Kind != c.kind || changed != c.changed || *e.Verdict != c.verdict {
				t.Errorf("kind %s changed %v verdict %s, want %s %v %s", e.Kind, changed, *e.Verdict, c.kind, c.changed, c.verdict)
			}
			if e.EventID != Info(c.kind).ID || e.Level != Info(c.kind).Level || e.Trigger.Keys == nil {
				t.Errorf("id %d level %s keys %v", e.EventID, e.Level, e.Trigger.Keys)
			}
		})
	}
}

func TestFindingChanges(t *testing.T) {
	before := report(map[string]string{"a": "pass", "b": "fail", "gone": "warn"})
	after := report(map[string]string{"a": "fail", "b": "fail", "new": "pass"})
	got := FindingChanges(before, after)
	want := map[string][2]string{"a": {"pass", "fail"}, "new": {"", "pass"}, "gone": {"warn", ""}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for _, f := range got {
		w := want[f.ID]
		if model.Deref(f.Before) != w[0] || model.Deref(f.After) != w[1] {
			t.Errorf("%s: %v -> %v, want %v", f.ID, model.Deref(f.Before), model.Deref(f.After), w)
		}
	}
}

// The schema's eventId enum (the field's tag) is exactly the kinds' ids, in order.
func TestEventIDEnumIsTheKinds(t *testing.T) {
	f, ok := reflect.TypeOf(Event{}).FieldByName("EventID")
	if !ok {
		t.Fatal("Event has no EventID")
	}
	var want []string
	for _, k := range Kinds {
		want = append(want, itoa(k.ID))
	}
	if got := f.Tag.Get("enum"); got != strings.Join(want, ",") {
		t.Errorf("eventId enum %q, the kinds' ids are %q", got, strings.Join(want, ","))
	}
}
