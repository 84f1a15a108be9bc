package render

import (
	"strings"
	"testing"
)

// The page is self-contained: nothing in it can make the browser fetch anything, and what it
// quotes from the documents is escaped.
func TestHTMLSelfContained(t *testing.T) {
	doc := `{"schema":"ccproxy/report@1","generatedAt":"2026-12-01T00:00:00Z","inputs":{"documents":2,"files":2,"skipped":0},
"machines":{"seen":2,"compliant":1,"nonCompliant":1,"notTested":0,"mismatched":1,"checkPassed":0,"checkFailed":0},
"findings":[{"id":"installerProxyInServices","machines":2,"fail":1,"warn":0,"failedHosts":["<script>alert(1)</script>"]}],
"settings":{"services":[{"mode":"direct","proxy":null,"bypass":null,"machines":1,"hosts":["CC01"]}],"installer":[]},
"mismatches":[],"interception":{"verdicts":{"none":0,"suspected":0,"detected":0,"unknown":0},"issuers":[]},"unreachable":[],"rejected":{"count":0,"documents":[]}}`
	page, err := HTML([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for _, bad := range []string{"src=", "href=", "url(", "@import", "http://", "https://", "<script>alert"} {
		if strings.Contains(s, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	for _, want := range []string{`default-src 'none'`, `data-metric="compliant">1<`, `data-finding="installerProxyInServices"`, "&lt;script&gt;"} {
		if !strings.Contains(s, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if _, err := HTML([]byte(`{"schema":"ccproxy/test@1"}`)); err == nil {
		t.Error("a test document rendered as a fleet page")
	}
}

// Past its cap the machine table says how many machines it left to the CSV; singular and
// plural follow the numbers.
func TestHTMLMachineTableCap(t *testing.T) {
	doc := `{"schema":"ccproxy/report@1","generatedAt":"2026-12-01T00:00:00Z","inputs":{"documents":1,"files":1,"skipped":0},
"machines":{"seen":1500},"findings":[],"settings":{"services":[],"installer":[]},"mismatches":[],
"interception":{"verdicts":{},"issuers":[]},"failureCauses":[],"rejected":{"count":0,"documents":[]},
"machineList":{"count":1500,"rows":[{"host":"CC01","verdict":"notCompliant","failed":["x"],"warned":[],"fix":"do \u202ethis","checkOk":null,"at":null,"provenance":"ownFile"},
{"host":"CC02","verdict":null,"failed":[],"warned":[],"fix":null,"checkOk":false,"at":null,"provenance":"otherFile"}]}}`
	page, err := HTML([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for _, want := range []string{`data-metric="machineRows">2<`, `data-metric="machineRowsLeft">1498<`, "ccproxy report --format csv",
		` from <span data-metric="documents">1</span> document in <span data-metric="files">1</span> file;`, `<bdi>do \u202ethis</bdi>`,
		`data-col="verdict">not tested; check failed<`, "(not from a file of its own)", "also holds other hosts' documents"} {
		if !strings.Contains(s, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.ContainsRune(s, '\u202e') {
		t.Error("a bidi override reached the page raw")
	}
}

// The attributes that name a row (data-host, data-finding, data-cause) show controls and bidi
// characters as the cells do: no raw ESC or override anywhere in the page.
func TestHTMLAttributesVisible(t *testing.T) {
	doc := `{"schema":"ccproxy/report@1","generatedAt":"2026-12-01T00:00:00Z","inputs":{"documents":1,"files":1,"skipped":0},
"machines":{"seen":1},"findings":[{"id":"x\u001b[31m\u202ey","machines":1,"fail":1,"warn":0,"failedHosts":["CC\u001b[31m01\u202e"]}],
"settings":{"services":[],"installer":[]},"mismatches":[],"interception":{"verdicts":{},"issuers":[]},
"failureCauses":[{"failure":"dns\u001b]0;t\u0007\u2066","machines":1,"endpointCount":1,"endpoints":["a.example"],"hosts":["CC\u001b[31m01\u202e"]}],
"rejected":{"count":0,"documents":[]},
"machineList":{"count":1,"rows":[{"host":"CC\u001b[31m01\u202e","verdict":"notCompliant","failed":["x\u001b[31m\u202ey"],"warned":[],"fix":null,"checkOk":null,"at":null,"provenance":"ownFile"}]}}`
	page, err := HTML([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for _, r := range []rune{'\x1b', '\u202e', '\u2066', '\a'} {
		if strings.ContainsRune(s, r) {
			t.Errorf("the page holds a raw %U", r)
		}
	}
	for _, want := range []string{`data-host="CC\x1b[31m01\u202e"`, `data-finding="x\x1b[31m\u202ey"`, `data-cause="dns\x1b]0;t\x07\u2066"`} {
		if !strings.Contains(s, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}
