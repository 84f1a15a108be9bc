package schema

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"ccproxy/model"
)

var update = flag.Bool("update", false, "rewrite the generated schemas")

// generated lists the documents whose schemas come from their Go types.
var generated = []struct {
	name, title, kind string
	v                 any
}{
	{"state", "ccproxy state: WinINet and WinHTTP proxy settings as read from one source", model.SchemaState, model.State{}},
	{"version", "ccproxy version", model.SchemaVersion, model.Version{}},
}

func render(name, title, kind string, v any) []byte {
	s := Generate(v, "https://ccproxy.invalid/schema/"+name+".schema.json", title, kind)
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

func TestGeneratedSchemasUpToDate(t *testing.T) {
	for _, g := range generated {
		want := render(g.name, g.title, g.kind, g.v)
		file := g.name + ".schema.json"
		if *update {
			if err := os.WriteFile(file, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(file)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is out of date with the Go types; run: go test ./schema -run TestGeneratedSchemasUpToDate -update", file)
		}
	}
}
