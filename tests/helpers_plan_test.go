package tests

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"ccproxy/commands"
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
	return st
}

// planMachine is one machine for in-process runs: its registry and its state folder.
type planMachine struct {
	live     system.Writer
	stateDir string // XDG_STATE_HOME: the apply lock and the default backups live under it
}

func newPlanMachine(t testing.TB, live system.Writer) *planMachine {
	return &planMachine{live: live, stateDir: t.TempDir()}
}

// backupDir is where apply puts backups by default on this machine.
func (m *planMachine) backupDir() string { return filepath.Join(m.stateDir, "ccproxy", "backups") }

type planResult struct {
	stdout, stderr []byte
	code           int
}

// planRun runs ccproxy in-process against the machine, as the binary would run on it.
func (m *planMachine) planRun(t testing.TB, stdin []byte, args ...string) planResult {
	t.Helper()
	var out, errb bytes.Buffer
	var in io.Reader = bytes.NewReader(stdin)
	if stdin == nil {
		in = bytes.NewReader(nil)
	}
	env := commands.NewEnv(in, &out, &errb)
	env.OpenLive = func() (system.Writer, error) { return m.live, nil }
	env.Getenv = func(k string) string {
		switch k {
		case "XDG_STATE_HOME":
			return m.stateDir
		case "HOME":
			return m.stateDir
		}
		return ""
	}
	env.Now = func() time.Time { return time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC) }
	code := commands.Main(env, args)
	return planResult{out.Bytes(), errb.Bytes(), code}
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
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			hi, lo := 0xD800+(r>>10), 0xDC00+(r&0x3FF)
			out = append(out, byte(hi), byte(hi>>8), byte(lo), byte(lo>>8))
			continue
		}
		out = append(out, byte(r), byte(r>>8))
	}
	return out
}
