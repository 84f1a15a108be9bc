package tests

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Input reaches stderr in error messages and log lines: a file name, a value of a .reg file,
// an argument. Its controls (ESC sequences clear a screen; a CR prints over what came
// before) and bidi controls (CVE-2021-42574) are shown as escapes, never written raw, in both
// log formats, and the message stays one line.
func TestStderrShowsControlsEscaped(t *testing.T) {
	dir := t.TempDir()
	hostile := "x\x1b[2J\rok\u202eger.\x85reg"
	reg := filepath.Join(dir, "bad-value.reg")
	// A ProxyServer that is not a string (a warning names it) and a value name with controls.
	if err := os.WriteFile(reg, []byte("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings]\r\n\"ProxyServer\"=dword:00000001\r\n\"ProxyEnable\"=\"a\x1b[31mb\"\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "broken\x1b]0;title\x07.json")
	if err := os.WriteFile(broken, []byte(`{"schema":"ccproxy/desired@1","winhttp":{"proxy":"p\u001b[2J:99999"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := [][]string{
		{"get", "--from", filepath.Join(dir, hostile)},
		{"get", "--from", reg, "--log-level", "info"},
		{"plan", broken, "--from", "examples/ie-winhttp-matching.reg"},
		{"route", "--from", "examples/ie-winhttp-matching.reg", "https://h\x1b[2J/"},
		{"plan", "--from", "examples/ie-winhttp-matching.reg", "--proxy", "p\x1b[2J\u202e:8080"},
		{"get", "--from", "examples/ie-winhttp-matching.reg", "--format", "x\x1b[2J"},
		{"get", "unexpected\x1b[2J\u2066"},
	}
	for _, args := range cases {
		for _, format := range []string{"console", "json"} {
			r := run(t, nil, append(append([]string{}, args...), "--log-format", format)...)
			if len(r.stderr) == 0 {
				t.Errorf("%q (%s): nothing on stderr", args, format)
				continue
			}
			if i := bytes.IndexFunc(r.stderr, func(c rune) bool {
				return c < 0x20 && c != '\n' || c == 0x7f || c >= 0x80 && c <= 0x9f || c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069
			}); i >= 0 {
				t.Errorf("%q (%s): a raw control on stderr at byte %d: %q", args, format, i, r.stderr)
			}
			if n := bytes.Count(bytes.TrimRight(r.stderr, "\n"), []byte("\n")); n > 0 && args[0] != "get" || strings.Contains(string(r.stderr), "\n\n") {
				t.Errorf("%q (%s): a message broken over lines: %q", args, format, r.stderr)
			}
			if !bytes.Contains(r.stderr, []byte(`x1b`)) && !bytes.Contains(r.stderr, []byte(`u001b`)) && !bytes.Contains(r.stderr, []byte(`U+001B`)) {
				t.Errorf("%q (%s): the ESC of the input is not shown: %s", args, format, r.stderr)
			}
		}
	}
}

// --from naming a folder or a file that is not there says what --from takes.
func TestFromFolderOrMissingHints(t *testing.T) {
	for _, from := range []string{t.TempDir(), filepath.Join(t.TempDir(), "nope.reg")} {
		r := run(t, nil, "test", "--from", from)
		if r.code != 2 || !strings.Contains(string(r.stderr), "hint: pass a .reg export, a state document") || strings.Count(strings.TrimSpace(string(r.stderr)), "\n") != 0 {
			t.Errorf("--from %s: exit %d: %s", from, r.code, r.stderr)
		}
	}
}
