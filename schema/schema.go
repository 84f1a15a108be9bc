// Package schema holds the JSON Schemas (draft 2020-12) of every ccproxy document, embedded
// in the binary for 'ccproxy schema'. The schemas of documents ccproxy writes are generated
// from the Go types (see Generate) and checked in; a test fails when they drift apart.
package schema

import (
	"embed"
	"sort"
	"strings"
)

//go:embed *.schema.json
var files embed.FS

// Names lists the schemas, e.g. "state", "plan".
func Names() []string {
	entries, _ := files.ReadDir(".")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".schema.json"))
	}
	sort.Strings(out)
	return out
}

// Get returns a schema by name ("state" or "ccproxy/state@1").
func Get(name string) ([]byte, bool) {
	name = strings.TrimPrefix(strings.ToLower(name), "ccproxy/")
	if i := strings.Index(name, "@"); i >= 0 {
		name = name[:i]
	}
	b, err := files.ReadFile(name + ".schema.json")
	return b, err == nil
}
