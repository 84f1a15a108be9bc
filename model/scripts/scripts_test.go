package scripts

import (
	"strings"
	"testing"
)

// The settings are PowerShell single-quoted strings: a quote in the desired state is doubled
// (about_Quoting_Rules), nothing else is special inside them, and every character outside ASCII
// becomes a JSON \u escape, so the script is ASCII and the JSON reader gets the same text back.
func TestSettingsBlockQuoting(t *testing.T) {
	desired := []byte("{\n  \"schema\": \"ccproxy/desired@1\",\n  \"winhttp\": {\"mode\": \"proxy\", \"proxy\": \"it's.b\u00e9b\u00e9.example:8080\", \"bypass\": \"$env:x;`n\"}\n}\n")
	files, err := Render("configmgr", Settings{Source: "d.json", Desired: desired, Internal: []string{"dc01.corp.example"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `$DesiredJson = '{"schema":"ccproxy/desired@1","winhttp":{"mode":"proxy","proxy":"it''s.b\u00e9b\u00e9.example:8080","bypass":"$env:x;` + "`" + `n"}}'`
	for _, f := range files {
		if !strings.Contains(string(f.Data), want+"\n") {
			t.Errorf("%s: no line %s", f.Name, want)
		}
		for i, c := range f.Data {
			if c >= 0x80 {
				t.Fatalf("%s: non-ASCII byte at %d", f.Name, i)
			}
		}
	}
}

func TestRenderRefuses(t *testing.T) {
	for _, c := range []struct {
		channel string
		s       Settings
		want    string
	}{
		{"sccm", Settings{Desired: []byte(`{}`)}, "unknown channel"},
		{"gpo", Settings{Desired: []byte(`{"a":`)}, "not JSON"},
		{"gpo", Settings{Desired: []byte(`{}`), Internal: []string{"a'b"}}, "no quotes"},
	} {
		if _, err := Render(c.channel, c.s); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %+v: %v; want an error with %q", c.channel, c.s, err, c.want)
		}
	}
}

// Every channel's scripts carry the one helper region, unchanged.
func TestEveryScriptHasTheHelpers(t *testing.T) {
	for _, ch := range Channels {
		files, err := Render(ch, Settings{Desired: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f.Name, ".ps1") && !strings.Contains(string(f.Data), strings.TrimRight(helpers, "\n")) {
				t.Errorf("%s/%s lacks the helper region", ch, f.Name)
			}
			if strings.Contains(string(f.Data), "{{") {
				t.Errorf("%s/%s keeps a placeholder", ch, f.Name)
			}
		}
	}
}
