package tests

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"ccproxy/model/report"
)

// Every reader of a JSON document - desired state, plan, backup, state document, report
// input, check document, DSC instance - gets the same four bad inputs and must answer them
// the same way: exit 2, nothing on stdout, one line naming the input and the JSON path in
// jsonin's words, and never the password.

const readerExport = "examples/ie-proxy-winhttp-direct.reg"

// readerCase is one reader: a valid document, the command that reads it, a boolean slot and
// an object slot in it.
type readerCase struct {
	name string
	doc  func(t *testing.T) map[string]any
	// args runs the reader on the file (or, for DSC, the JSON text).
	args       func(file, text string) []string
	boolSlot   string // a dotted path (list indexes as numbers) whose value must be true or false
	nullable   bool   // the boolean slot may also be null
	objectSlot string // a dotted path whose value must be an object
}

// expectBool is how the readers say a boolean slot holds something else.
func (c readerCase) expectBool() string {
	if c.nullable {
		return jsonPath(c.boolSlot) + ": expected true, false or null, got "
	}
	return jsonPath(c.boolSlot) + ": expected true or false, got "
}

// messages are the messages of the log lines on stderr (zerolog's JSON, or DSC's).
func messages(t *testing.T, stderr []byte) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(stderr)), "\n") {
		var l struct {
			Message string `json:"message"`
			Fields  struct {
				Message string `json:"message"`
			} `json:"fields"`
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("stderr line %q is not a log line: %v", line, err)
		}
		out = append(out, l.Message+l.Fields.Message)
	}
	return out
}

func docOf(t *testing.T, r result) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.stdout, &m); err != nil {
		t.Fatalf("not a document (exit %d, %s): %v", r.code, r.stderr, err)
	}
	return m
}

var readerCases = []readerCase{
	{
		name: "desired",
		doc: func(*testing.T) map[string]any {
			return map[string]any{"schema": "ccproxy/desired@1", "wininet": map[string]any{"manualProxy": true, "proxy": "p.corp.example:8080"}}
		},
		args:     func(f, _ string) []string { return []string{"plan", f, "--from", readerExport} },
		boolSlot: "wininet.manualProxy", objectSlot: "wininet",
	},
	{
		name: "plan",
		doc: func(t *testing.T) map[string]any {
			return docOf(t, run(t, nil, "plan", "--direct", "--from", readerExport))
		},
		args:     func(f, _ string) []string { return []string{"apply", "--what-if", "--from", readerExport, f} },
		boolSlot: "empty", objectSlot: "fingerprint",
	},
	{
		name: "backup",
		doc: func(*testing.T) map[string]any {
			return map[string]any{"schema": "ccproxy/backup@1", "createdAt": "2026-01-01T00:00:00Z", "reason": "apply", "host": nil, "planFingerprint": "0",
				"values": []any{map[string]any{"registryPath": `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`,
					"valueName": "WinHttpSettings", "exists": false, "type": nil, "typeName": nil, "hex": nil}}}
		},
		args:     func(f, _ string) []string { return []string{"restore", "--what-if", "--from", readerExport, f} },
		boolSlot: "values.0.exists", objectSlot: "values.0",
	},
	{
		name:     "state",
		doc:      func(t *testing.T) map[string]any { return docOf(t, run(t, nil, "get", "--from", readerExport)) },
		args:     func(f, _ string) []string { return []string{"get", "--from", f} },
		boolSlot: "winhttp.viewsAgree", objectSlot: "winhttp",
	},
	{
		name:     "report input",
		doc:      func(t *testing.T) map[string]any { return docOf(t, run(t, nil, "get", "--from", readerExport)) },
		args:     func(f, _ string) []string { return []string{"report", "--strict", f} },
		boolSlot: "effective.same", nullable: true, objectSlot: "effective",
	},
	{
		name: "check",
		doc: func(*testing.T) map[string]any {
			return map[string]any{"schema": "ccproxy/check@1", "routing": map[string]any{"source": "winhttp", "proxy": nil}, "startedAt": "2026-01-01T00:00:00Z",
				"ok": true, "counts": map[string]any{"required": 1, "requiredPassed": 1}}
		},
		args:     func(f, _ string) []string { return []string{"test", "--from", readerExport, "--check", f} },
		boolSlot: "ok", objectSlot: "routing",
	},
	{
		name: "DSC instance",
		doc: func(*testing.T) map[string]any {
			return map[string]any{"wininet": map[string]any{"manualProxy": true, "proxy": "p.corp.example:8080"}}
		},
		args:     func(_, text string) []string { return []string{"dsc", "get", "--from", readerExport, "--input", text} },
		boolSlot: "wininet.manualProxy", objectSlot: "wininet",
	},
}

// setPath sets a dotted path of a decoded document.
func setPath(t *testing.T, doc map[string]any, path string, v any) {
	t.Helper()
	parts := strings.Split(path, ".")
	var cur any = doc
	for i, p := range parts {
		last := i == len(parts)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[p] = v
				return
			}
			cur = c[p]
		case []any:
			n, err := strconv.Atoi(p)
			if err != nil || n >= len(c) {
				t.Fatalf("%s: no element %s", path, p)
			}
			if last {
				c[n] = v
				return
			}
			cur = c[n]
		default:
			t.Fatalf("%s: %s is not an object or a list", path, p)
		}
	}
}

// jsonPath is how jsonin writes a dotted path: $.a.b[0].c.
func jsonPath(dotted string) string {
	var b strings.Builder
	b.WriteString("$")
	for _, p := range strings.Split(dotted, ".") {
		if _, err := strconv.Atoi(p); err == nil {
			b.WriteString("[" + p + "]")
			continue
		}
		b.WriteString("." + p)
	}
	return b.String()
}

func TestEveryReaderAnswersBadInputAlike(t *testing.T) {
	const password = "s3cret-Pa55"
	credential := "http://alice:" + password + "@proxy:8080"
	bad := []struct {
		name string
		// spoil changes a valid document; want are what the one line must say.
		spoil func(t *testing.T, c readerCase, doc map[string]any)
		want  func(c readerCase) []string
	}{
		{"unknown key", func(t *testing.T, _ readerCase, doc map[string]any) { doc["bogusKey"] = 1 },
			func(readerCase) []string { return []string{`$: unknown key "bogusKey"`} }},
		{"wrong type", func(t *testing.T, c readerCase, doc map[string]any) { setPath(t, doc, c.boolSlot, 5) },
			func(c readerCase) []string { return []string{c.expectBool() + "the number 5"} }},
		{"credential in a wrong-typed slot", func(t *testing.T, c readerCase, doc map[string]any) { setPath(t, doc, c.boolSlot, credential) },
			func(c readerCase) []string {
				return []string{c.expectBool() + `the string "http://***@proxy:8080"`}
			}},
		{"cut by ConvertTo-Json", func(t *testing.T, c readerCase, doc map[string]any) {
			setPath(t, doc, c.objectSlot, "System.Management.Automation.PSCustomObject")
		}, func(c readerCase) []string {
			return []string{jsonPath(c.objectSlot) + ": ", "ConvertTo-Json", "-Depth 10"}
		}},
	}
	dir := t.TempDir()
	for _, c := range readerCases {
		t.Run(c.name, func(t *testing.T) {
			// The valid document is read without complaint: the spoilt ones fail for what
			// was spoilt, not for something else.
			good, err := json.Marshal(c.doc(t))
			if err != nil {
				t.Fatal(err)
			}
			if r := run(t, nil, c.args(checkWrite(t, dir, "good.json", good), string(good))...); r.code == 2 || r.code > 3 {
				t.Fatalf("the valid document: exit %d: %s", r.code, r.stderr)
			}
			for _, b := range bad {
				doc := c.doc(t)
				b.spoil(t, c, doc)
				text, err := json.Marshal(doc)
				if err != nil {
					t.Fatal(err)
				}
				file := checkWrite(t, dir, "bad.json", text)
				r := run(t, nil, c.args(file, string(text))...)
				lines := messages(t, r.stderr)
				msg := lines[0]
				if r.code != 2 || (c.name != "report input" && len(r.stdout) != 0) {
					t.Errorf("%s: exit %d, stdout %d bytes; want exit 2: %s", b.name, r.code, len(r.stdout), msg)
					continue
				}
				for _, w := range b.want(c) {
					if !strings.Contains(msg, w) {
						t.Errorf("%s: %s\nlacks %q", b.name, msg, w)
					}
				}
				if strings.Contains(msg, password) || strings.Contains(string(r.stdout), password) {
					t.Errorf("%s: the password is shown: %s", b.name, msg)
				}
				if strings.Contains(string(r.stderr), password) {
					t.Errorf("%s: the password is on stderr: %s", b.name, r.stderr)
				}
				// One line; report --strict adds the line that says why it exits 2.
				if len(lines) != 1 && c.name != "report input" {
					t.Errorf("%s: %d lines on stderr, want one: %s", b.name, len(lines), r.stderr)
				}
			}
		})
	}
}

// report's top-level shapes are those of the documents ccproxy writes.
func TestReportKnowsTheTopLevelKeys(t *testing.T) {
	l := newCheckLab(t)
	_, check := l.run(t, append([]string{"--direct", "--compare", "--from", readerExport}, resolveAll("127.0.0.1")...)...)
	docs := map[report.Kind][]byte{
		report.KindState: run(t, nil, "get", "--from", readerExport).stdout,
		report.KindTest:  run(t, nil, "test", "--from", readerExport).stdout,
		report.KindCheck: []byte(check.Raw),
	}
	for kind, doc := range docs {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(doc, &m); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		// The keys the kind always had must all be there; the ones added later may be.
		want, added := report.TopLevelKeys(kind)
		var have []string
		for _, k := range keys {
			if !slices.Contains(added, k) {
				have = append(have, k)
			}
		}
		if fmt.Sprint(sorted(have)) != fmt.Sprint(sorted(want)) {
			t.Errorf("%s: the document has %v, report knows %v and may see %v", kind, sorted(keys), sorted(want), added)
		}
	}
}

// A state document read from netsh text holds the setting but no blob bytes. Read back, it is
// the same state: the same proxy, the same route, no difference from the text itself, and
// still no blob (it was never read).
func TestNetshStateDocumentRoundTrip(t *testing.T) {
	netsh := "examples/netsh-show-proxy.txt"
	r := run(t, nil, "get", "--from", netsh, "--format", "json")
	if r.code != 0 {
		t.Fatalf("get: exit %d: %s", r.code, r.stderr)
	}
	doc := checkWrite(t, t.TempDir(), "state.json", r.stdout)
	back := run(t, nil, "get", "--from", doc, "--format", "json")
	for _, p := range []string{"winhttp.native", "effective"} {
		if a, b := gjson.GetBytes(r.stdout, p).Raw, gjson.GetBytes(back.stdout, p).Raw; a != b {
			t.Errorf("%s differs after the round trip:\n%s\n%s", p, a, b)
		}
	}
	if d := run(t, nil, "diff", doc, netsh); d.code != 0 {
		t.Errorf("diff of the document and its netsh text: exit %d\n%s", d.code, d.stdout)
	}
	for _, from := range []string{netsh, doc} {
		rt := run(t, nil, "route", "--from", from, "https://citrix.cloud.com", "--format", "json")
		if got := gjson.GetBytes(rt.stdout, "routes.0.decision").String(); got != "proxy" {
			t.Errorf("route from %s: decision %q, want proxy\n%s", filepath.Base(from), got, rt.stdout)
		}
	}
}
