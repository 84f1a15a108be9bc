package report

import (
	"slices"
	"strings"
	"testing"
)

// What an administrator acts on: per finding its title, requirements, fix and the hosts of
// each status; one row per failure class, however many endpoints failed that way; the
// machines that need action first.
func TestSummaryForAction(t *testing.T) {
	fixed := strings.Replace(compact(testDoc("CC02", "2026-03-01T10:00:00Z", false, "direct", "", "", "restartNotPending=fail")),
		`"status":"fail","message":"m","evidence":[],"remediation":null`, `"status":"fail","message":"m","evidence":[],"remediation":{"summary":"restart the machine","command":null}`, 1)
	a := NewAggregator()
	a.Add(docOf(t, "CC01.json", testDoc("CC01", "2026-03-01T10:00:00Z", true, "direct", "", "", "restartNotPending=notChecked")))
	a.Add(docOf(t, "CC02.json", fixed))
	a.Add(docOf(t, "CC03.json", testDoc("CC03", "2026-03-01T10:00:00Z", true, "direct", "", "", "restartNotPending=warn")))
	a.Add(docOf(t, "CC04.check.json", checkDoc("2026-03-01T10:00:00Z", false, "none", nil, "a.example timeout", "b.example timeout", "c.example timeout")))
	r := a.Report(Options{HostsPerGroup: 10})
	var f FindingCount
	for _, x := range r.Findings {
		if x.ID == "restartNotPending" {
			f = x
		}
	}
	if f.Title == "" || f.Title == f.ID || !slices.Equal(f.Requirements, []string{"R5"}) || f.Fix == nil || *f.Fix != "restart the machine" ||
		!slices.Equal(f.FailedHosts, []string{"CC02"}) || !slices.Equal(f.WarnedHosts, []string{"CC03"}) || !slices.Equal(f.NotCheckedHosts, []string{"CC01"}) {
		t.Errorf("finding %+v", f)
	}
	if len(r.FailureCauses) != 1 || r.FailureCauses[0].Machines != 1 || r.FailureCauses[0].EndpointCount != 3 {
		t.Errorf("failure causes %+v: one class on one machine is one row", r.FailureCauses)
	}
	var order []string
	for _, row := range r.MachineList.Rows {
		order = append(order, row.Host)
	}
	// Not compliant first, then the failed check, then the rest by name.
	if want := []string{"CC02", "CC04", "CC01", "CC03"}; !slices.Equal(order, want) || r.MachineList.Count != 4 ||
		r.MachineList.Rows[0].Fix == nil || *r.MachineList.Rows[0].Fix != "restart the machine" {
		t.Errorf("machine rows %v (count %d), want %v", order, r.MachineList.Count, want)
	}
}
