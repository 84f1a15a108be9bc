package tests

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf16"

	"ccproxy/commands"
	"ccproxy/model"
	"ccproxy/schema/schematest"
	"ccproxy/system"
)

// planLive loads an example machine into the fake that stands in for the live registry.
func planLive(t testing.TB, example string) *system.MemStore {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "examples", example))
	if err != nil {
		t.Fatal(err)
	}
	st, err := system.LoadRegFile(example, data)
	if err != nil {
		t.Fatal(err)
	}
	st.Info = system.SourceInfo{Kind: "registry", Host: "CC01"}
	// A Cloud Connector machine has .NET Framework 4.8 (Release 528449 on Server 2022):
	// without it the live registry would say it is missing.
	if err := st.SetValue(`HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full`, "Release", model.EncodeDWORD(528449)); err != nil {
		t.Fatal(err)
	}
	return st
}

// planMachine is one machine for in-process runs: its registry and its state folder.
type planMachine struct {
	live     system.Writer
	stateDir string // XDG_STATE_HOME: the apply lock and the default backups live under it
	// tick, when set, moves the clock a minute on at each run, so that backups have an order.
	tick bool
	runs int
}

func newPlanMachine(t testing.TB, live system.Writer) *planMachine {
	t.Helper()
	return &planMachine{live: live, stateDir: t.TempDir()}
}

// backupDir is where apply puts backups by default on this machine.
func (m *planMachine) backupDir() string { return filepath.Join(m.stateDir, "ccproxy", "backups") }

// planRun runs ccproxy in-process against the machine, as the binary would run on it.
func (m *planMachine) planRun(t testing.TB, stdin []byte, args ...string) result {
	t.Helper()
	return m.dscRun(t, stdin, "", args...)
}

// dscRun is planRun as DSC starts ccproxy: the trace level it asks for in DSC_TRACE_LEVEL
// ("" for none).
func (m *planMachine) dscRun(t testing.TB, stdin []byte, traceLevel string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	env := commands.NewEnv(bytes.NewReader(stdin), &out, &errb)
	env.OpenLive = func() (system.Writer, error) { return m.live, nil }
	// The machine is the one the fake registry describes.
	env.Hostname = func() (string, error) { return m.live.Source().Host, nil }
	env.ShowAdvproxy = func(context.Context) ([]byte, error) { return nil, errors.New("no netsh in this test") }
	env.Getenv = func(k string) string {
		switch k {
		case "XDG_STATE_HOME", "HOME":
			return m.stateDir
		case "DSC_TRACE_LEVEL":
			return traceLevel
		}
		return ""
	}
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	if m.tick {
		m.runs++
		now = now.Add(time.Duration(m.runs) * time.Minute)
	}
	env.Now = func() time.Time { return now }
	code := commands.Main(env, args)
	return result{stdout: out.Bytes(), stderr: errb.Bytes(), code: code}
}

// backups lists the backups apply wrote in the machine's default folder.
func (m *planMachine) backups(t testing.TB) []string {
	t.Helper()
	entries, err := os.ReadDir(m.backupDir())
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// planValid checks a document against the JSON contract and its schema.
func planValid(t testing.TB, doc []byte) {
	t.Helper()
	if err := schematest.CheckContract(doc); err != nil {
		t.Errorf("contract: %v\n%s", err, doc)
	}
	if err := schematest.Validate(doc); err != nil {
		t.Errorf("schema: %v\n%s", err, doc)
	}
}

// planWrite writes a file in a temporary folder and returns its path.
func planWrite(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// planUTF16 is what Windows PowerShell 5.1's Out-File writes: BOM, UTF-16LE.
func planUTF16(s string) []byte {
	out := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}
