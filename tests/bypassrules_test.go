package tests

import (
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// One rule set for bypass entries: refused in desired states and flags with a hint, written
// with a warning where Windows merely may not honour them, and flagged by test in a state.
func TestBypassEntriesWindowsDoesNotUse(t *testing.T) {
	machine := "examples/ie-proxy-winhttp-direct.reg"
	for _, c := range []struct{ entry, hint string }{
		{"10.0.0.0/8", "list the internal hosts in that range"},
		{"172.16.0.0/12", "list the internal hosts in that range"},
		{".corp.example", "write *.corp.example"},
		{"corp.example/x", "not paths"},
		{"fd00::1", "write it as [fd00::1]"},
		{"dc01,dc02", "',' is not a separator"},
	} {
		r := run(t, nil, "plan", "--from", machine, "--import-ie", "--add-bypass", c.entry)
		if r.code != 2 || !strings.HasPrefix(string(r.stderr), "") || !strings.Contains(string(r.stderr), "--add-bypass: ") || !strings.Contains(string(r.stderr), c.hint) {
			t.Errorf("--add-bypass %s: exit %d, %s; want 2 naming the flag and saying %q", c.entry, r.code, r.stderr, c.hint)
		}
		doc := `{"winhttp":{"mode":"proxy","proxy":"p:8080","bypass":["<local>",` + jsonString(c.entry) + `]}}`
		r = run(t, []byte(doc), "plan", "--from", machine, "-")
		if r.code != 2 || !strings.Contains(string(r.stderr), "$.winhttp.bypass[1]") || !strings.Contains(string(r.stderr), c.hint) {
			t.Errorf("desired bypass %s: exit %d, %s", c.entry, r.code, r.stderr)
		}
	}
	// Written with a warning: a wildcard WinHTTP's documentation does not allow.
	r := run(t, nil, "plan", "--from", machine, "--proxy", "http=p:8080", "--bypass", "ms*.corp.example")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, code := range []string{"bypassEntryMayBeIgnored", "proxyWithoutHTTPS"} {
		if !gjson.GetBytes(r.stdout, `warnings.#(code=="`+code+`")`).Exists() {
			t.Errorf("no %s warning: %s", code, gjson.GetBytes(r.stdout, "warnings").Raw)
		}
	}
	r = run(t, []byte(`{"wininet":{"autoConfigUrl":"http://wpad.corp.example/proxy.pac"}}`), "plan", "--from", machine, "-")
	if r.code != 0 || !gjson.GetBytes(r.stdout, `warnings.#(code=="desiredAutoConfig")`).Exists() {
		t.Errorf("a PAC URL in a desired state plans without the R6 warning: exit %d %s %s", r.code, r.stderr, gjson.GetBytes(r.stdout, "warnings").Raw)
	}
	// test flags them in a state.
	reg := regHeader + winhttpKey + "\r\n" + `"WinHttpSettings"=hex:28,00,00,00,00,00,00,00,03,00,00,00,06,00,00,00,70,3a,38,30,38,30,0a,00,00,00,31,30,2e,30,2e,30,2e,30,2f,38` + "\r\n"
	p := planWrite(t, "cidr.reg", planUTF16(reg))
	tr := run(t, nil, "test", "--from", p)
	f := gjson.GetBytes(tr.stdout, `findings.#(id=="winhttpBypassHonoured")`)
	if f.Get("status").String() != "warn" || !strings.Contains(f.Get("message").String(), "10.0.0.0/8") || !strings.Contains(f.Get("message").String(), "list the internal hosts in that range") {
		t.Errorf("winhttpBypassHonoured: %s", f.Raw)
	}
}

func jsonString(s string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
}
