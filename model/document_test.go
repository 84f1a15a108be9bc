package model

import (
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
