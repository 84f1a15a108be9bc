package tests

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"ccproxy/model"
)

// The words around the commands: usage errors that point to the command's own help, inputs
// given in the wrong place, flags named in their errors, plurals. Each case's exit code and
// stderr messages are kept in one golden file, so a change of wording is seen in review.
func TestMessagesGolden(t *testing.T) {
	tmp := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	reg := write("x.reg", []byte("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software]\r\n"))
	garbage := make([]byte, 256)
	for i := range garbage {
		garbage[i] = byte(i*97 + 13) // every byte value, control bytes and invalid UTF-8 included
	}
	bin := write("garbage.bin", garbage)
	afile := write("a-file", []byte("x"))
	big := write("big.reg", append([]byte("Windows Registry Editor Version 5.00\r\n\r\n"), bytes.Repeat([]byte("; padding line of a whole-registry export\r\n"), (16<<20)/40)...))
	plan := run(t, nil, "plan", "--from", "examples/ie-proxy-winhttp-direct.reg", "--import-ie")
	planFile := write("plan.json", plan.stdout)
	docs := filepath.Join(tmp, "docs")
	if err := os.Mkdir(docs, 0o755); err != nil {
		t.Fatal(err)
	}
	test := run(t, nil, "test", "--from", "examples/ie-winhttp-matching.reg")
	write("docs/CC01.test.json", test.stdout)
	write("docs/CC02.test.json", []byte(`{"schema":"ccproxy/test@1","compliant":"yes"}`))

	const R = "examples/ie-proxy-winhttp-direct.reg"
	cases := [][]string{
		{"plan", "--bogus"},
		{"dsc", "set", "--bogus"},
		{"apply", reg},
		{"plan", reg},
		{"restore", reg},
		{"apply", bin},
		{"get", "--from", bin},
		{"get", "--from", big},
		{"get", "--from", R, "--output", tmp},
		{"get", "--from", R, "--output="},
		{"apply", "--backup-dir", afile, planFile},
		{"plan", "--from", R, "--direct", "--import-ie"},
		{"plan", "--from", R, "--proxy", "p:1", "--views", "bogus"},
		{"plan", "--from", R, "--proxy", "proxy:99999"},
		{"plan", "--from", R, "--direct", "--add-bypass", "dc01"},
		{"report", "--log-level", "info", docs},
		{"apply", planFile},
		{"apply", "--from", "examples/ie-winhttp-matching.reg", planFile},
		{"apply", "--what-if", "--from", "examples/ie-winhttp-matching.reg", planFile},
	}
	var out bytes.Buffer
	for _, args := range cases {
		r := run(t, nil, append(args, "--log-format", "json")...)
		line := strings.ReplaceAll("$ ccproxy "+strings.Join(args, " "), tmp, "$TMP")
		fmt.Fprintf(&out, "%s\nexit %d\n", line, r.code)
		for _, l := range bytes.Split(bytes.TrimSpace(r.stderr), []byte("\n")) {
			if len(l) == 0 {
				continue
			}
			for _, c := range l {
				if c >= 0x80 || (c < 0x20 && c != '\t') {
					t.Errorf("%s: stderr holds a raw byte 0x%02x: %q", line, c, l)
					break
				}
			}
			msg, level := gjson.GetBytes(l, "message").String(), gjson.GetBytes(l, "level").String()
			if f := gjson.GetBytes(l, "fields.message"); f.Exists() {
				// Under dsc, DSC's trace line: {"timestamp","level":"ERROR","fields":{"message"}}.
				msg, level = f.String(), "dsc "+strings.ToLower(level)
			}
			if strings.HasSuffix(level, "error") && !strings.Contains(msg, "hint: ") && !strings.Contains(msg, "see 'ccproxy ") {
				t.Errorf("%s: the error gives no hint: %s", line, msg)
			}
			fmt.Fprintf(&out, "%s: %s\n", level, strings.ReplaceAll(msg, tmp, "$TMP"))
		}
		out.WriteString("\n")
	}
	golden(t, "messages.golden", out.Bytes())
}

// Every command's help is its own: the --what-if of restore speaks of the backup.
func TestHelpIsPerCommand(t *testing.T) {
	for cmd, want := range map[string]string{"apply": "Check the plan", "restore": "Check the backup", "dsc set": "Show the state"} {
		r := run(t, nil, append(strings.Fields(cmd), "--help")...)
		help := strings.Join(strings.Fields(string(r.stdout)), " ")
		if r.code != 0 || !strings.Contains(help, "--what-if "+want) {
			t.Errorf("%s --help: exit %d; want --what-if described as %q:\n%s", cmd, r.code, want, r.stdout)
		}
	}
}

// 'ccproxy --version' is 'ccproxy version', and the binary built from this checkout names
// its commit.
func TestVersionFlag(t *testing.T) {
	flag := run(t, nil, "--version", "--compress")
	cmd := run(t, nil, "version", "--compress")
	if flag.code != 0 || !bytes.Equal(flag.stdout, cmd.stdout) {
		t.Errorf("--version: exit %d, %s; version: %s", flag.code, flag.stdout, cmd.stdout)
	}
	if got := gjson.GetBytes(cmd.stdout, "commit").String(); got != headCommit {
		t.Errorf("commit %q, want %q", got, headCommit)
	}
}

// --log-level debug says what was read and decided, trace each value looked at by size;
// credentials stay hidden at every level.
func TestDebugLogSaysWhatWasReadAndDecided(t *testing.T) {
	tmp := t.TempDir()
	reg := filepath.Join(tmp, "cred.reg")
	data := "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections]\r\n"
	blob, err := (&model.ConnBlob{Version: model.WinHTTPVersionNew, Flags: model.FlagDirect | model.FlagProxy, Proxy: "alice:s3cret@proxy.corp.example:8080", Bypass: "<local>"}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	hexed := make([]string, len(blob))
	for i, b := range blob {
		hexed[i] = fmt.Sprintf("%02x", b)
	}
	data += `"WinHttpSettings"=hex:` + strings.Join(hexed, ",") + "\r\n"
	if err := os.WriteFile(reg, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, level := range []string{"debug", "trace"} {
		for _, cmd := range [][]string{{"get"}, {"test"}, {"plan", "--direct"}, {"route", "https://x.example"}} {
			r := run(t, nil, append(cmd, "--from", reg, "--log-level", level, "--log-format", "json")...)
			log := string(r.stderr)
			if strings.Contains(log, "s3cret") {
				t.Errorf("%v at %s: the password reaches the log:\n%s", cmd, level, log)
			}
			if !strings.Contains(log, `"message":"opened the source"`) || !strings.Contains(log, `"message":"decided"`) {
				t.Errorf("%v at %s: no source or decision logged:\n%s", cmd, level, log)
			}
			if traced := strings.Contains(log, `"value":"WinHttpSettings"`); traced != (level == "trace") {
				t.Errorf("%v at %s: value reads logged = %v:\n%s", cmd, level, traced, log)
			}
		}
	}
}
