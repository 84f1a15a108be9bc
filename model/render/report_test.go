package render

import (
	"strings"
	"testing"
)

// The findings table names the hosts a finding warned on as well as those it failed on,
// separated so that no host can pass for two: ", " between them, and a host holding a space
// or a comma quoted. A list the report cut short says how many machines it left out.
func TestReportTextWarnedHosts(t *testing.T) {
	doc := `{"schema":"ccproxy/report@1","machines":{"seen":3},"inputs":{},"rejected":{"count":0},
"findings":[{"id":"onlyWarn","machines":3,"fail":0,"warn":3,"failedHosts":[],"warnedHosts":["CC01","CC02 CC09"]},
{"id":"failed","machines":3,"fail":2,"warn":0,"failedHosts":["CC01","CC03,CC04"],"warnedHosts":[]}]}`
	out, err := Text([]byte(doc), Options{Width: 200})
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{"WARNED ON", `CC01, "CC02 CC09" and 1 more`, `CC01, "CC03,CC04"`} {
		if !strings.Contains(s, want) {
			t.Errorf("the text lacks %q:\n%s", want, s)
		}
	}
}

// Incomplete machines are listed with their fix, the way to supply the evidence they lack.
func TestReportTextIncompleteFix(t *testing.T) {
	doc := `{"schema":"ccproxy/report@1","machines":{"seen":2,"incomplete":1},"inputs":{},"rejected":{"count":0},"findings":[],
"machineList":{"count":2,"rows":[{"host":"CC01","verdict":"notCompliant","fix":"other"},{"host":"INC\u001b1","verdict":"incomplete","fix":"ccproxy check --compare\u202e"}]}}`
	out, err := Text([]byte(doc), Options{Width: 200})
	if err != nil {
		t.Fatal(err)
	}
	if want := "incomplete (1):\n  INC\\x1b1: ccproxy check --compare\\u202e\n"; !strings.Contains(string(out), want) {
		t.Errorf("the text lacks %q:\n%s", want, out)
	}
}
