package wine

import (
	"bytes"
	"strings"
	"testing"
)

// The Windows build's text, written to a pipe (no console, so no console window to measure):
// 80 columns, the verdict on the first line and the last, nothing but ASCII.
func TestTextOnWindowsToAPipe(t *testing.T) {
	b := bed(t)
	wineWinHTTP(t, b, "old.corp.example:3128", "<local>", "1800000000000000010000000000000000000000")
	r := ccproxy(t, b, "test", "--format", "text")
	if r.code != 0 && r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	out := strings.ReplaceAll(string(r.stdout), "\r\n", "\n")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for i, l := range lines {
		// A command stands whole on its line, past 80 columns if it must.
		cmd := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "fix:"))
		whole := strings.HasPrefix(cmd, "ccproxy ") || strings.HasPrefix(cmd, "foreach (") || strings.HasPrefix(cmd, "(reg export ")
		if len(l) > 80 && !whole || bytes.ContainsFunc([]byte(l), func(c rune) bool { return c < 0x20 || c > 0x7e }) {
			t.Errorf("line %d: %q", i+1, l)
		}
	}
	verdict := func(l string) string {
		for _, v := range []string{"NOT COMPLIANT", "INCOMPLETE", "COMPLIANT"} {
			if strings.HasPrefix(l, v) {
				return v
			}
		}
		return ""
	}
	end := lines[len(lines)-1]
	if len(lines) > 1 && strings.HasSuffix(lines[len(lines)-2], "; next:") {
		end = lines[len(lines)-2] // the next step's command stands below the verdict
	}
	if first, last := verdict(lines[0]), verdict(end); first == "" || first != last {
		t.Errorf("verdict %q first, %q last:\n%s", first, last, out)
	}
}
