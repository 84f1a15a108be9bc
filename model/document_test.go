package model

import (
	"strconv"
	"strings"
	"testing"
)

// A file of another program given where a ccproxy document belongs is named for what it
// looks like, not for its first unknown key; a ccproxy document with a mistake keeps the
// message that points at the mistake.
func TestForeignDocument(t *testing.T) {
	for _, c := range []struct{ doc, want string }{
		{`{"Rules":[{"SettingName":"x"}]}`, "not a ccproxy document (it looks like Intune custom compliance rules"},
		{`{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object"}`, "not a ccproxy document (it looks like a JSON Schema)"},
		{`{"$schema":"https://aka.ms/dsc/schemas/v3/bundled/config/document.json","resources":[]}`, "it looks like a DSC configuration document"},
		{`{"ProxyEnable":1,"ProxyServer":"p:8080"}`, "it looks like Internet Options values read with Get-ItemProperty"},
		{`[1,2]`, "it looks like a list of 2 values"},
		{`{"b":1,"a":2,"d":3,"c":4}`, `it looks like a JSON object with the keys "a", "b", "c", ... and no "schema"`},
		{`{"winhtpp":{}}`, `unknown key "winhtpp"; did you mean "winhttp"?`},
		{`{"winhttp":{"mode":"direct"},"extra":1}`, `unknown key "extra"`},
	} {
		_, _, err := ParseDesired("in.json", []byte(c.doc))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want %q", c.doc, err, c.want)
		}
		if strings.Contains(c.want, "not a ccproxy") || strings.Contains(c.want, "looks like") {
			if !strings.Contains(err.Error(), "hint: this command takes a desired state") {
				t.Errorf("%s: %v; want the hint of what the command takes", c.doc, err)
			}
		}
	}
}

// A check document's ok may not claim more than its own results; its fix is passed on only
// when it is the command ccproxy writes for one of its working routes.
func TestCheckRunClaims(t *testing.T) {
	doc := func(extra string) *CheckRun {
		t.Helper()
		c, _, err := ParseCheckDocument("c.json", []byte(`{"schema":"ccproxy/check@1","routing":{"source":"winhttp","proxy":"p:8080","bypass":null},
			"startedAt":"2026-03-01T10:00:00Z","ok":true,"counts":{"required":1,"requiredPassed":1}`+extra+`}`))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if why := doc(`,"allRoutesAsExpected":true,"interception":{"verdict":"none"}`).CheckOKContradiction(); why != "" {
		t.Errorf("a consistent document: %s", why)
	}
	if why := doc(`,"allRoutesAsExpected":false`).CheckOKContradiction(); !strings.Contains(why, "allRoutesAsExpected") {
		t.Errorf("ok over misrouted endpoints: %q", why)
	}
	if why := doc(`,"interception":{"verdict":"detected"}`).CheckOKContradiction(); !strings.Contains(why, "detected") {
		t.Errorf("ok over detected interception: %q", why)
	}
	cmp := func(fix string) *CheckRun {
		return doc(`,"compare":{"working":["direct","wininet:S-1-5-18"],"fix":` + strconv.Quote(fix) + `,"routes":[
			{"id":"winhttp","candidates":["winhttp"],"proxy":"p:8080","bypass":null},
			{"id":"direct","candidates":["direct"],"proxy":null,"bypass":null},
			{"id":"wininet:S-1-5-18","candidates":["wininet:S-1-5-18"],"proxy":"q:3128","bypass":"<local>"}]}`)
	}
	for fix, taken := range map[string]bool{
		`ccproxy plan --direct`:                             true,
		`ccproxy plan --proxy q:3128 --bypass "<local>"`:    true,
		`ccproxy plan --proxy p:8080`:                       false, // not a working route
		`ccproxy plan --direct; Remove-Item -Recurse C:\\x`: false,
	} {
		if got := cmp(fix).CompareFix(); (got != nil) != taken || got != nil && *got != fix {
			t.Errorf("fix %q: got %v, taken should be %v", fix, got, taken)
		}
	}
}
