package report

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNamesHost(t *testing.T) {
	for _, c := range []struct {
		file, host string
		want       bool
	}{
		{"fleet/CC01.json", "CC01", true},
		{"fleet/cc01-test.json.gz", "CC01", true},
		{`C:\fleet\CC01\test.json`, "cc01", true},
		{"fleet/CC01/2026-03-01.json", "CC01", true},
		{"fleet/CC01.json", "cc01.corp.example", true},
		{"fleet/cc01.corp.example.json", "CC01", true},
		{"fleet/CC01.json", "CC02", false},
		{"fleet/CC01.json", "CC011", false},
		{"fleet/CC01.corp.example.json", "CC01.other.example", false},
		{"fleet.jsonl", "CC01", false},
		{StdinName, "stdin", false},
	} {
		if got := NamesHost(c.file, c.host); got != c.want {
			t.Errorf("NamesHost(%q, %q) = %v, want %v", c.file, c.host, got, c.want)
		}
	}
}

// One machine's file that carries a later, compliant document for another host cannot
// replace what that host wrote about itself; the file is flagged, and so are the machines
// that only it speaks for; so is the host whose own file it is, since its file speaks for
// several hosts. A document dated days ahead is rejected.
func TestProvenanceForgedDocument(t *testing.T) {
	now := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	own := compact(testDoc("CC01", "2026-03-01T10:00:00Z", true, "direct", "", ""))
	forged := compact(testDoc("CC02", "2026-03-01T23:00:00Z", true, "direct", "", ""))
	forged3 := compact(testDoc("CC03", "2026-03-01T23:00:00Z", true, "direct", "", ""))
	future := compact(testDoc("CC04", "2026-03-05T00:00:00Z", true, "direct", "", ""))
	a := NewAggregator()
	a.SetNow(now)
	var r Reader
	r.ReadBytes("fleet/CC01.jsonl", []byte(own+"\n"+forged+"\n"+forged3+"\n"), a.Add)
	r.ReadBytes("fleet/CC02.json", []byte(testDoc("CC02", "2026-03-01T09:00:00Z", false, "direct", "", "", "x=fail")), a.Add)
	r.ReadBytes("fleet/CC04.json", []byte(future), a.Add)
	rep := a.Report(Options{HostsPerGroup: 10, Now: now})
	if rep.Machines.Compliant != 2 || rep.Machines.NonCompliant != 1 || rep.Machines.OtherFile != 2 {
		t.Errorf("machines %+v: CC02's own failing document must stand, CC01 and CC03 are flagged", rep.Machines)
	}
	if rep.Rejected.Count != 1 || !strings.Contains(rep.Rejected.Documents[0].Reason, "more than 24 hours after this report was made") {
		t.Errorf("rejected %+v", rep.Rejected)
	}
	want := FlaggedFile{File: "fleet/CC01.jsonl", Reasons: []string{"otherHost", "severalHosts"}, Documents: 3, Hosts: []string{"CC01", "CC02", "CC03"}}
	if rep.Provenance.Count != 1 || len(rep.Provenance.Files) != 1 || !equalFlag(rep.Provenance.Files[0], want) {
		t.Errorf("provenance %+v, want %+v", rep.Provenance, want)
	}
	rows := map[string]Machine{}
	a.Machines(func(m Machine) error { rows[m.Host] = m; return nil })
	if rows["CC02"].Provenance != "ownFile" || *rows["CC02"].Compliant || rows["CC03"].Provenance != "otherFile" || rows["CC01"].Provenance != "otherFile" {
		t.Errorf("rows %+v", rows)
	}
	for _, h := range []string{"CC01", "CC03"} {
		if !slices.Contains(CSVRecord(rows[h]), "otherFile") {
			t.Errorf("the CSV row of %s does not carry the flag: %q", h, CSVRecord(rows[h]))
		}
	}
}

func equalFlag(a, b FlaggedFile) bool {
	return a.File == b.File && slices.Equal(a.Reasons, b.Reasons) && a.Documents == b.Documents && slices.Equal(a.Hosts, b.Hosts)
}

// The report counts incomplete machines on their own, from verdict, and derives the verdict
// from compliant for documents written before it existed.
func TestIncompleteVerdict(t *testing.T) {
	withVerdict := func(host string, compliant bool, verdict string) string {
		d := compact(testDoc(host, "2026-03-01T10:00:00Z", compliant, "direct", "", ""))
		if verdict == "" {
			return d
		}
		return strings.Replace(d, `"compliant":`+fmt.Sprint(compliant)+`,`, `"compliant":`+fmt.Sprint(compliant)+`,"verdict":"`+verdict+`","missingEvidence":[],`, 1)
	}
	a := NewAggregator()
	for host, doc := range map[string]string{
		"CC01": withVerdict("CC01", true, "compliant"),
		"CC02": withVerdict("CC02", false, "notCompliant"),
		"CC03": withVerdict("CC03", false, "incomplete"),
		"CC04": withVerdict("CC04", false, ""),
		"CC05": withVerdict("CC05", true, ""),
	} {
		a.Add(docOf(t, host+".json", doc))
	}
	r := a.Report(Options{})
	if m := r.Machines; m.Compliant != 2 || m.NonCompliant != 2 || m.Incomplete != 1 || m.Tested != 5 {
		t.Errorf("machines %+v", m)
	}
	want := map[string]string{"CC01": "compliant", "CC02": "notCompliant", "CC03": "incomplete", "CC04": "notCompliant", "CC05": "compliant"}
	a.Machines(func(m Machine) error {
		if m.Verdict == nil || *m.Verdict != want[m.Host] || CSVRecord(m)[slices.Index(CSVHeader, "verdict")] != want[m.Host] {
			t.Errorf("%s: verdict %v, want %s", m.Host, m.Verdict, want[m.Host])
		}
		return nil
	})
	for _, bad := range []string{withVerdict("CC06", true, "incomplete"), withVerdict("CC06", false, "maybe")} {
		if _, rej := Scan("CC06.json", 0, true, []byte(bad)); rej == nil || !strings.Contains(rej.Reason, "$.verdict") {
			t.Errorf("accepted %s: %+v", bad, rej)
		}
	}
}
