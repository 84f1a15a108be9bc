package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"ccproxy/commands"
	"ccproxy/model"
	"ccproxy/model/report"
	"ccproxy/system"
	"ccproxy/tests/reportgen"
)

// reportNow is the clock of in-process report runs.
var reportNow = time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC)

// reportRun runs ccproxy in this process; terminal says whether stderr is a terminal.
func reportRun(t testing.TB, stdin io.Reader, terminal bool, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	if stdin == nil {
		stdin = bytes.NewReader(nil)
	}
	env := commands.NewEnv(stdin, &out, &errb)
	env.Now = func() time.Time { return reportNow }
	env.Getenv = func(string) string { return "" }
	env.StderrIsTerminal = terminal
	env.OpenLive = func() (system.Writer, error) { return nil, &model.EnvError{Msg: "no live registry in this test"} }
	code := commands.Main(env, args)
	return result{stdout: out.Bytes(), stderr: errb.Bytes(), code: code}
}

// reportFleet generates a fleet in a temporary folder.
func reportFleet(t testing.TB, o reportgen.Options) (string, *reportgen.Truth) {
	t.Helper()
	dir := t.TempDir()
	truth, err := reportgen.Generate(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return dir, truth
}

func reportSettingsKey(s report.Settings) string {
	return reportgen.SettingsKey(s.Mode, s.Proxy, s.Bypass, s.AutoConfigURL, s.AutoDetect)
}

// reportCompare checks every count of a summary against the truth.
func reportCompare(t testing.TB, got report.Report, want *reportgen.Truth) {
	t.Helper()
	eq := func(what string, g, w any) {
		t.Helper()
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: report says %v, truth is %v", what, g, w)
		}
	}
	eq("inputs.files", got.Inputs.Files, want.Files)
	eq("inputs.documents", got.Inputs.Documents, want.Documents)
	eq("inputs.superseded", got.Inputs.Superseded, want.Superseded)
	eq("inputs.byKind", map[string]int{"state": got.Inputs.ByKind.State, "test": got.Inputs.ByKind.Test, "check": got.Inputs.ByKind.Check},
		map[string]int{"state": want.ByKind["state"], "test": want.ByKind["test"], "check": want.ByKind["check"]})
	eq("rejected.count", got.Rejected.Count, want.Rejected)
	m := got.Machines
	eq("machines", []int{m.Seen, m.HostFromFileName, m.Tested, m.Compliant, m.NonCompliant, m.NotTested, m.WithSettings, m.Mismatched, m.Checked, m.CheckPassed, m.CheckFailed, m.NotChecked},
		[]int{want.Machines, want.HostFromFileName, want.Tested, want.Compliant, want.NonCompliant, want.Machines - want.Tested, want.WithSettings, want.Mismatched,
			want.Checked, want.CheckPassed, want.CheckFailed, want.Machines - want.Checked})
	v := got.Interception.Verdicts
	eq("interception.verdicts", [4]int{v.None, v.Suspected, v.Detected, v.Unknown}, want.Verdicts)

	findings := map[string][5]int{}
	for _, f := range got.Findings {
		findings[f.ID] = [5]int{f.Pass, f.Fail, f.Warn, f.NotApplicable, f.NotChecked}
		if f.Machines != f.Pass+f.Fail+f.Warn+f.NotApplicable+f.NotChecked {
			t.Errorf("finding %s: machines %d is not the sum of its statuses", f.ID, f.Machines)
		}
		sorted := slices.IsSortedFunc(f.FailedHosts, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
		if len(f.FailedHosts) != min(f.Fail, got.HostsPerGroup) || !sorted {
			t.Errorf("finding %s: %d failed, lists %v", f.ID, f.Fail, f.FailedHosts)
		}
	}
	eq("findings", findings, want.Findings)
	groups := func(gs []report.SettingsGroup) map[string]int {
		out := map[string]int{}
		for _, g := range gs {
			out[reportSettingsKey(g.Settings)] += g.Machines
		}
		return out
	}
	eq("settings.services", groups(got.Settings.Services), want.Services)
	eq("settings.installer", groups(got.Settings.Installer), want.Installer)
	mismatches := map[string]int{}
	for _, mm := range got.Mismatches {
		mismatches[reportSettingsKey(mm.Services)+" | "+reportSettingsKey(mm.Installer)] += mm.Machines
	}
	eq("mismatches", mismatches, want.Mismatches)
	issuers := map[string]int{}
	for _, is := range got.Interception.Issuers {
		issuers[is.Issuer] += is.Machines
	}
	eq("interception.issuers", issuers, want.Issuers)
	unreachable := map[string]int{}
	for _, u := range got.Unreachable {
		f := "null"
		if u.Failure != nil {
			f = *u.Failure
		}
		unreachable[u.Endpoint+" "+f] += u.Machines
	}
	eq("unreachable", unreachable, want.Unreachable)
}

// reportParse reads a summary, after checking it against the JSON contract and its schema.
func reportParse(t testing.TB, doc []byte) report.Report {
	t.Helper()
	planValid(t, doc)
	var r report.Report
	if err := json.Unmarshal(doc, &r); err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	return r
}

// reportJSONLines concatenates every document under dir, each on one line.
func reportJSONLines(t testing.TB, dir string) []byte {
	t.Helper()
	var out bytes.Buffer
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := json.Compact(&out, b); err != nil {
			return fmt.Errorf("%s: %v", p, err)
		}
		out.WriteByte('\n')
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func reportLines(b []byte) []string {
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}
