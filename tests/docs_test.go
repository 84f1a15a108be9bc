package tests

import (
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"ccproxy/commands"
	"ccproxy/model"
)

// The README and docs/contract.md describe the commands and exit codes; the program is the
// truth. This compares their tables with the CLI's own definition.
func TestDocsTablesMatchTheCLI(t *testing.T) {
	cli, dsc := commands.Commands(), commands.DscCommands()
	for _, doc := range []string{"../README.md", "../docs/contract.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		rows := tableAfter(t, doc, text, "| command | does | stdout |")
		seen := map[string]bool{}
		for _, r := range rows {
			name := strings.Fields(strings.Trim(r[0], "` "))[0]
			help, ok := cli[name]
			if !ok {
				t.Errorf("%s: the command table lists %q, which ccproxy does not have", doc, name)
				continue
			}
			seen[name] = true
			if kind := regexp.MustCompile(`ccproxy/[a-z]+@\d+`).FindString(r[2]); kind != "" && !strings.Contains(help, kind) {
				t.Errorf("%s: %s writes %s says the table; its help says %q", doc, name, kind, help)
			}
			if name == "dsc" {
				var listed []string
				for _, m := range regexp.MustCompile("`([a-z]+)`").FindAllStringSubmatch(r[1], -1) {
					listed = append(listed, m[1])
				}
				if want := sortedKeys(dsc); !reflect.DeepEqual(sorted(listed), want) {
					t.Errorf("%s: dsc lists %v, ccproxy dsc has %v", doc, listed, want)
				}
			}
		}
		for name := range cli {
			if !seen[name] {
				t.Errorf("%s: the command table lacks %q", doc, name)
			}
		}
		codes := tableAfter(t, doc, text, "| code | meaning |")
		if len(codes) != len(model.ExitCodes) {
			t.Errorf("%s: %d exit codes, ccproxy has %d", doc, len(codes), len(model.ExitCodes))
		}
		for i, r := range codes {
			if i >= len(model.ExitCodes) {
				break
			}
			code, err := strconv.Atoi(r[0])
			if want := model.ExitCodes[i]; err != nil || code != want.Code || r[1] != want.Meaning {
				t.Errorf("%s: exit code row %q | %q, ccproxy says %d | %q", doc, r[0], r[1], want.Code, want.Meaning)
			}
		}
	}
}

// tableAfter returns the cells of the markdown table whose header line is header.
func tableAfter(t *testing.T, doc, text, header string) [][]string {
	t.Helper()
	i := strings.Index(text, header)
	if i < 0 {
		t.Fatalf("%s: no table %q", doc, header)
	}
	var rows [][]string
	for n, line := range strings.Split(text[i:], "\n") {
		if n < 2 {
			continue // the header and the |---| line
		}
		if !strings.HasPrefix(line, "|") {
			break
		}
		inner := strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|")
		// "\|" inside a cell is a literal bar.
		cells := strings.Split(strings.ReplaceAll(inner, `\|`, "\x00"), "|")
		for j := range cells {
			cells[j] = strings.TrimSpace(strings.ReplaceAll(cells[j], "\x00", "|"))
		}
		rows = append(rows, cells)
	}
	return rows
}

func sortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return sorted(out)
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
