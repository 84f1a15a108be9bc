package tests

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"ccproxy/model/report"
	"ccproxy/schema/schematest"
	"ccproxy/tests/reportgen"
)

// The generated fleet holds every shape the report reads, older duplicates and corrupt
// files; the counts must equal what the generator made, whatever order the files are read in.
func TestReportMatchesGeneratedFleet(t *testing.T) {
	dir, truth := reportFleet(t, reportgen.Options{Machines: 3000, Duplicates: 400, Corrupt: 36, Seed: 7, Mixed: true})
	if truth.Superseded != 400 || truth.Rejected != 36 || truth.HostFromFileName == 0 || truth.Mismatched == 0 || len(truth.Issuers) == 0 {
		t.Fatalf("the generator did not make the fleet this test needs: %+v", truth)
	}
	r := run(t, nil, "report", dir)
	// The one stderr line says how many were rejected and the first reasons.
	if r.code != 0 || bytes.Count(r.stderr, []byte("\n")) != 1 || !bytes.Contains(r.stderr, []byte("36 documents rejected")) {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	got := reportParse(t, r.stdout)
	reportCompare(t, got, truth)
	if len(got.Rejected.Documents) != truth.Rejected {
		t.Errorf("rejected lists %d documents, want %d", len(got.Rejected.Documents), truth.Rejected)
	}
	for _, d := range got.Rejected.Documents {
		if !strings.Contains(d.File, "broken") || d.Reason == "" {
			t.Errorf("rejected a document that is fine, or without a reason: %+v", d)
		}
	}
	if bytes.Contains(r.stdout, []byte("Secr3t")) || bytes.Contains(r.stdout, []byte("pac:pw@")) {
		t.Error("the report shows proxy credentials")
	}
	if !bytes.Contains(r.stdout, []byte(`"proxy": "***@proxy.corp.example:8080"`)) {
		t.Error("machines whose proxy holds credentials are not grouped under the redacted proxy")
	}

	// In-process runs, twice: the bytes must not depend on which worker read what first.
	a := reportRun(t, nil, false, "report", "--hosts", "5", dir)
	b := reportRun(t, nil, false, "report", "--hosts", "5", dir)
	if a.code != 0 || !bytes.Equal(a.stdout, b.stdout) {
		t.Errorf("two runs differ (exit %d, %d)", a.code, b.code)
	}
	five := reportParse(t, a.stdout)
	for _, g := range five.Settings.Services {
		if len(g.Hosts) != min(5, g.Machines) {
			t.Errorf("--hosts 5: a group of %d lists %d hosts", g.Machines, len(g.Hosts))
		}
	}

	t.Run("jsonl", func(t *testing.T) {
		r := run(t, nil, "report", "--jsonl", dir)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		lines := reportLines(r.stdout)
		if len(lines) != truth.Machines {
			t.Fatalf("%d lines, want one per machine (%d)", len(lines), truth.Machines)
		}
		var prev string
		for i, l := range lines {
			if i%97 == 0 {
				planValid(t, []byte(l+"\n"))
			}
			var m report.Machine
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatal(err)
			}
			key := strings.ToLower(m.Host)
			if key <= prev {
				t.Fatalf("line %d: %s is not in order after %s", i+1, m.Host, prev)
			}
			prev = key
			want, ok := truth.PerHost[key]
			if !ok {
				t.Errorf("line %d: unknown host %s", i+1, m.Host)
				continue
			}
			svc := ""
			if m.Services != nil {
				svc = reportSettingsKey(*m.Services)
			}
			failed := slices.Sorted(slices.Values(m.Failed))
			if !eqBoolPtr(m.Compliant, want.Compliant) || !slices.Equal(failed, want.Failed) || svc != want.Services ||
				!eqBoolPtr(m.CheckOK, want.CheckOK) || m.Superseded != want.Superseded || (m.HostFrom == "fileName") != want.FromFile {
				t.Errorf("%s: got compliant %v failed %v services %q checkOk %v superseded %d hostFrom %s; want %v %v %q %v %d fromFile %v",
					m.Host, ptrText(m.Compliant), failed, svc, ptrText(m.CheckOK), m.Superseded, m.HostFrom,
					ptrText(want.Compliant), want.Failed, want.Services, ptrText(want.CheckOK), want.Superseded, want.FromFile)
			}
		}
	})

	t.Run("csv", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "fleet.csv")
		r := run(t, nil, "--output", out, "report", "--format", "csv", dir)
		if r.code != 0 || len(r.stdout) != 0 {
			t.Fatalf("exit %d, stdout %d bytes: %s", r.code, len(r.stdout), r.stderr)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasSuffix(data, []byte("\r\n")) {
			t.Error("rows do not end with CRLF")
		}
		rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != truth.Machines+1 || !slices.Equal(rows[0], report.CSVHeader) {
			t.Fatalf("%d rows, header %v", len(rows), rows[0])
		}
		col := func(name string) int { return slices.Index(report.CSVHeader, name) }
		for _, row := range rows[1:] {
			want := truth.PerHost[strings.ToLower(row[col("host")])]
			compliant := ""
			if want.Compliant != nil {
				compliant = ptrText(want.Compliant)
			}
			failed := strings.Split(row[col("failed")], "; ")
			if row[col("failed")] == "" {
				failed = []string{}
			}
			slices.Sort(failed)
			if row[col("compliant")] != compliant || !slices.Equal(failed, want.Failed) {
				t.Errorf("%s: compliant %q failed %v, want %q %v", row[0], row[col("compliant")], failed, compliant, want.Failed)
			}
		}
	})
}

func eqBoolPtr(a, b *bool) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func ptrText(b *bool) string {
	if b == nil {
		return "null"
	}
	if *b {
		return "true"
	}
	return "false"
}

// Documents piped in as JSON Lines - plain, gzip-compressed, or UTF-16 as PowerShell 5.1
// pipes it with [Console]::OutputEncoding set to Unicode - give the same counts as files.
func TestReportStdinJSONLines(t *testing.T) {
	dir, truth := reportFleet(t, reportgen.Options{Machines: 3000, Duplicates: 300, Seed: 3, TestOnly: true})
	lines := reportJSONLines(t, dir)
	for name, in := range map[string][]byte{
		"utf-8":    lines,
		"gzip":     reportgen.Gzip(lines),
		"utf-16le": reportgen.OutFile51(lines),
	} {
		t.Run(name, func(t *testing.T) {
			r := reportRun(t, bytes.NewReader(in), false, "report", "-")
			if r.code != 0 || len(r.stderr) != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			got := reportParse(t, r.stdout)
			want := *truth
			want.Files = 1 // stdin
			reportCompare(t, got, &want)
		})
	}
	// No argument reads stdin too.
	r := reportRun(t, bytes.NewReader(lines), false, "report", "--jsonl")
	if r.code != 0 || len(reportLines(r.stdout)) != truth.Machines {
		t.Errorf("report without a path: exit %d, %d lines, want %d", r.code, len(reportLines(r.stdout)), truth.Machines)
	}
}

// The settings a test document carries in its evidence are those of the state it was made
// from: a fleet of state documents and one of test documents group the same way.
func TestReportSettingsFromStateAndTestAgree(t *testing.T) {
	examples, err := filepath.Glob(filepath.Join("..", "examples", "*.reg"))
	if err != nil || len(examples) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	states, tests := t.TempDir(), t.TempDir()
	for _, ex := range examples {
		name := strings.TrimSuffix(filepath.Base(ex), ".reg") + ".json"
		for _, c := range []struct{ cmd, dir string }{{"get", states}, {"test", tests}} {
			r := reportRun(t, nil, false, "--output", filepath.Join(c.dir, name), c.cmd, "--from", ex)
			if r.code > 1 {
				t.Fatalf("%s --from %s: exit %d: %s", c.cmd, ex, r.code, r.stderr)
			}
		}
	}
	rows := func(dir string) []string {
		r := reportRun(t, nil, false, "report", "--jsonl", dir)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		var out []string
		for _, l := range reportLines(r.stdout) {
			var m report.Machine
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatal(err)
			}
			if m.HostFrom != "fileName" || m.Services == nil {
				t.Errorf("%s: hostFrom %s, services %v", m.Host, m.HostFrom, m.Services)
			}
			b, _ := json.Marshal([]any{m.Host, m.Services, m.Installer, m.Mismatch})
			out = append(out, string(b))
		}
		return out
	}
	s, te := rows(states), rows(tests)
	if len(s) != len(examples) || !slices.Equal(s, te) {
		t.Errorf("settings differ between state and test documents:\nstate: %s\ntest:  %s", strings.Join(s, "\n       "), strings.Join(te, "\n       "))
	}
}

func TestReportErrors(t *testing.T) {
	empty := t.TempDir()
	badDir := t.TempDir()
	for _, name := range []string{"a.json", "b.json"} {
		if err := os.WriteFile(filepath.Join(badDir, name), []byte(`{"schema":"ccproxy/check@1",`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"missing path", []string{"report", filepath.Join(empty, "nope")}, "nope: no such file or folder"},
		{"nothing found", []string{"report", empty}, "no documents found"},
		{"jsonl and csv", []string{"report", "--jsonl", "--format", "csv", empty}, "--jsonl: does not go with --format csv"},
		{"stdin twice", []string{"report", "-", "-"}, "stdin given more than once"},
		{"hosts out of range", []string{"report", "--hosts=-1", empty}, "--hosts: -1 is out of range"},
		// A collection that gathered nothing must not succeed.
		{"empty stdin", []string{"report", "-"}, "-: no document accepted: stdin: empty input"},
		{"no paths, empty stdin", []string{"report"}, "-: no document accepted: stdin: empty input"},
		{"every document rejected", []string{"report", badDir}, "no document accepted: all 2 rejected, the first: "},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, []byte{}, c.args...)
			if r.code != 2 || !bytes.Contains(r.stderr, []byte(c.want)) || len(r.stdout) != 0 {
				t.Errorf("exit %d, stderr %q, stdout %d bytes; want exit 2 and %q", r.code, r.stderr, len(r.stdout), c.want)
			}
		})
	}
}

// A corrupt file never stops the report; a successful run writes nothing on stderr unless
// stderr is a terminal, where it shows progress and clears it.
func TestReportRejectsAndGoesOn(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.json", `{"schema":"ccproxy/check@1","startedAt":"2026-03-01T00:00:00Z","ok":true,"interception":{"verdict":"none","issuers":[]},"endpoints":[]}`)
	write("b.json", `{"schema":"ccproxy/check@1","startedAt":`)
	write("c.json", "\xff\xfe{\x00")
	r := reportRun(t, nil, false, "report", dir)
	if r.code != 0 || !strings.HasPrefix(string(r.stderr), `{"level":"warn"`) || !strings.Contains(string(r.stderr), "2 documents rejected") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	// --strict: the same report, and exit 2.
	if s := reportRun(t, nil, false, "report", "--strict", dir); s.code != 2 || !bytes.Equal(s.stdout, r.stdout) && len(s.stdout) == 0 {
		t.Errorf("--strict: exit %d, want 2 with the report on stdout", s.code)
	}
	// Files that cannot be documents are counted, not rejected.
	write("collect.ps1", "Get-Item .")
	write("notes.md", "# fleet")
	k := reportRun(t, nil, false, "report", dir)
	if got := reportParse(t, k.stdout); got.Rejected.Count != 2 || got.Inputs.Skipped != 2 {
		t.Errorf("skipped files: rejected %d, skipped %d; want 2 and 2", got.Rejected.Count, got.Inputs.Skipped)
	}
	got := reportParse(t, r.stdout)
	if got.Machines.Seen != 1 || got.Machines.CheckPassed != 1 || got.Rejected.Count != 2 {
		t.Errorf("machines %+v, rejected %+v", got.Machines, got.Rejected)
	}
	r = reportRun(t, nil, true, "report", dir)
	// The progress line is cleared before the summary of what was rejected.
	if r.code != 0 || !bytes.HasPrefix(r.stderr, []byte("\r\x1b[K")) || !bytes.Contains(r.stderr, []byte("2 documents rejected")) {
		t.Errorf("terminal: exit %d, stderr %q", r.code, r.stderr)
	}
	r = reportRun(t, nil, false, "--log-level", "info", "report", dir)
	if !bytes.Contains(r.stderr, []byte("b.json: rejected: not valid JSON: the document is cut short")) {
		t.Errorf("--log-level info does not name the rejected file: %s", r.stderr)
	}
}

// 'ccproxy schema report' and 'schema machine' print the schemas the outputs follow.
func TestReportSchemas(t *testing.T) {
	for _, name := range []string{"report", "machine"} {
		r := run(t, nil, "schema", name)
		if r.code != 0 || !bytes.Contains(r.stdout, []byte(`"ccproxy/`+name+`@1"`)) {
			t.Errorf("schema %s: exit %d: %s", name, r.code, r.stderr)
		}
		if _, err := schematest.Compile(name); err != nil {
			t.Error(err)
		}
	}
}
