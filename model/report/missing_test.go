package report

import (
	"strings"
	"testing"
)

// An incomplete machine's row carries the evidence its verdict lacks, as its test document
// lists it, and the first way to supply it is the machine's fix in the summary's table and a
// column of the CSV. Each string is bounded and keeps no credentials.
func TestIncompleteMachineCarriesMissingEvidence(t *testing.T) {
	long := strings.Repeat("x", 3000)
	missing := `"verdict":"incomplete","missingEvidence":[{"what":"the route","supply":"ccproxy check --compare --proxy http://u:secret@p:8080"},{"what":"` + long + `","supply":"second"}]`
	doc := strings.Replace(testDoc("INC1", "2026-03-01T10:00:00Z", false, "direct", "", ""), `"compliant":false`, `"compliant":false,`+missing, 1)
	a := NewAggregator()
	a.Add(docOf(t, "INC1.json", doc))
	a.Add(docOf(t, "CC02.json", testDoc("CC02", "2026-03-01T10:00:00Z", false, "direct", "", "", "x=fail")))
	rows := map[string]Machine{}
	a.Machines(func(m Machine) error { rows[m.Host] = m; return nil })
	m := rows["INC1"]
	if len(m.MissingEvidence) != 2 || m.MissingEvidence[0].What != "the route" || strings.Contains(m.MissingEvidence[0].Supply, "secret") ||
		!strings.HasPrefix(m.MissingEvidence[0].Supply, "ccproxy check --compare") || len(m.MissingEvidence[1].What) > maxFixLength+3 {
		t.Errorf("missingEvidence %+v", m.MissingEvidence)
	}
	if rows["CC02"].MissingEvidence == nil || len(rows["CC02"].MissingEvidence) != 0 {
		t.Errorf("a machine with nothing missing: %#v, want []", rows["CC02"].MissingEvidence)
	}
	rec := CSVRecord(m)
	if len(rec) != len(CSVHeader) || rec[len(rec)-1] != m.MissingEvidence[0].Supply || !strings.HasPrefix(rec[len(rec)-2], "the route; xxx") {
		t.Errorf("CSV %q", rec[len(rec)-2:])
	}
	r := a.Report(Options{HostsPerGroup: 5})
	if len(r.MachineList.Rows) != 2 || r.MachineList.Rows[1].Host != "INC1" {
		t.Fatalf("machine rows %+v", r.MachineList.Rows)
	}
	if fix := r.MachineList.Rows[1].Fix; fix == nil || *fix != m.MissingEvidence[0].Supply {
		t.Errorf("the incomplete machine's fix is %v, want its first supply", fix)
	}
	bad := strings.Replace(doc, `"supply":"second"`, `"supply":2`, 1)
	if _, rej := Scan("INC1.json", 0, true, []byte(bad)); rej == nil || !strings.Contains(rej.Reason, "$.missingEvidence[1].supply") {
		t.Errorf("a supply that is not a string: %+v", rej)
	}
}
