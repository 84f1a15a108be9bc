package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// noFormulaCells fails when a spreadsheet whose list separator is sep would read a cell of
// the CSV as a formula. It splits as a spreadsheet does: a field that starts with a quote runs
// to its closing quote, a quote elsewhere is a character.
func noFormulaCells(t *testing.T, what, out string, sep byte) {
	t.Helper()
	for n, line := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		for line != "" || n >= 0 {
			field := line
			i := 0
			if strings.HasPrefix(line, `"`) {
				for i = 1; i < len(line); i++ {
					if line[i] == '"' {
						if i+1 < len(line) && line[i+1] == '"' {
							i++
							continue
						}
						break
					}
				}
				field = strings.ReplaceAll(line[1:min(i, len(line))], `""`, `"`)
				i++
			}
			j := strings.IndexByte(line[min(i, len(line)):], sep)
			if j >= 0 {
				if i == 0 {
					field = line[:j]
				}
				line = line[min(i, len(line))+j+1:]
			} else {
				if i == 0 {
					field = line
				}
				line = ""
			}
			if f := strings.TrimLeft(field, " "); f != "" && strings.ContainsRune("=+-@\t\r", rune(f[0])) {
				t.Errorf("%s, separator %q: line %d has the formula cell %q", what, sep, n+1, field)
			}
			if line == "" {
				break
			}
		}
	}
}

// A host name, a proxy and a purpose that try to run as formulas stay text in the CSV of
// report and of endpoints, whether the spreadsheet splits at "," or at ";" (German, French,
// Dutch Excel), and a control character in them is shown as an escape.
func TestCSVNeutralisesFormulasForEitherSeparator(t *testing.T) {
	dir := t.TempDir()
	hostJSON, _ := json.Marshal("CC01;=cmd|' /C calc'!A0")
	doc := `{"schema":"ccproxy/check@1","source":{"host":` + string(hostJSON) + `},"startedAt":"2026-03-01T10:00:00Z","ok":false,` +
		`"interception":{"verdict":"suspected","issuers":["@SUM(1+1);+1\u001b[2J"]},"endpoints":[{"host":"a.example","port":443,"status":"fail","failure":"-1+1"}]}`
	if err := os.WriteFile(filepath.Join(dir, "CC01.json"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "report", "--format", "csv", dir)
	if r.code != 0 {
		t.Fatalf("report: exit %d: %s", r.code, r.stderr)
	}
	out := string(r.stdout)
	if strings.Contains(out, "\x1b") || !strings.Contains(out, `\x1b[2J`) {
		t.Errorf("report csv: the escape is not made visible: %q", out)
	}
	if !strings.Contains(out, `"CC01;'=cmd|' /C calc'!A0"`) {
		t.Errorf("report csv: the host is not quoted and neutralised: %q", out)
	}

	catalog := map[string]any{"schema": "ccproxy/catalog@1", "regions": map[string]any{"commercial": []any{map[string]any{
		"pattern": "*.example.com", "probeHosts": []string{"a.example.com"}, "ports": []int{443}, "purpose": "=HYPERLINK(\"http://x\");+1",
		"source": "@evil,-x", "kind": "https", "expectedIssuers": []string{}, "healthPath": nil, "required": true}}}}
	b, _ := json.Marshal(catalog)
	cat := filepath.Join(dir, "catalog.json")
	if err := os.WriteFile(cat, b, 0o644); err != nil {
		t.Fatal(err)
	}
	e := run(t, nil, "endpoints", "--catalog", cat, "--format", "csv")
	if e.code != 0 {
		t.Fatalf("endpoints: exit %d: %s", e.code, e.stderr)
	}
	for _, sep := range []byte{',', ';'} {
		noFormulaCells(t, "report csv", out, sep)
		noFormulaCells(t, "endpoints csv", string(e.stdout), sep)
	}
	if !strings.Contains(string(e.stdout), `"'=HYPERLINK(""http://x"");'+1"`) || !strings.Contains(string(e.stdout), `"'@evil,-x"`) {
		t.Errorf("endpoints csv: %q", e.stdout)
	}
}
