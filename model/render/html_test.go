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
