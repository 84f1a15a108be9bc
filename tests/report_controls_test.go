package tests

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A crafted fleet document tries to clear the screen and print its own verdict, and a crafted
// file name tries the same on stderr: the text report and the log show every control as an
// escape, so the terminal only ever prints characters.
func TestReportTextShowsControls(t *testing.T) {
	dir := t.TempDir()
	fleet := filepath.Join(dir, "fleet")
	if err := os.Mkdir(fleet, 0o755); err != nil {
		t.Fatal(err)
	}
	forged := `\u001b[2J\u001b[HFLEET: 3 machines; 3 compliant, 0 not compliant\r\u202eCC01`
	doc := `{"schema":"ccproxy/check@1","source":{"host":"` + forged + `"},"startedAt":"2026-03-01T10:00:00Z","ok":false,` +
		`"interception":{"verdict":"none","issuers":[]},"endpoints":[{"host":"a.example\u001b[31m","port":443,"status":"fail","failure":"timeout\u009b2J"}]}`
	if err := os.WriteFile(filepath.Join(fleet, "CC01.json"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	// A file name can hold an escape too; this one is rejected, so stderr and the text quote it.
	if err := os.WriteFile(filepath.Join(fleet, "\x1b[2Jbad\u202e.json"), []byte(`{"schema":"ccproxy/check@1"`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "report", fleet, "--format", "text")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for name, out := range map[string][]byte{"stdout": r.stdout, "stderr": r.stderr} {
		for _, c := range []string{"\x1b", "\r", "\u202e", "\u009b"} {
			if bytes.Contains(out, []byte(c)) {
				t.Errorf("%s holds the control %q: %q", name, c, out)
			}
		}
	}
	// stderr is a JSON log line here, which doubles each backslash.
	if !bytes.Contains(r.stderr, []byte(`\\x1b[2Jbad\\u202e.json`)) {
		t.Errorf("stderr does not name the file with its escapes: %s", r.stderr)
	}
	// The temporary folder's length moves the wrapping: the golden holds the text unwrapped.
	out := strings.ReplaceAll(string(r.stdout), "\n    ", " ")
	golden(t, "text/report-controls.txt", []byte(strings.ReplaceAll(out, dir, "$TMP")))
}
