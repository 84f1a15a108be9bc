package schematest

import (
	"strings"
	"testing"
)

// The contract check is the oracle of many tests: it must refuse each way a document can
// break the contract, and name the place.
func TestCheckContract(t *testing.T) {
	if err := CheckContract([]byte(`{"schema":"ccproxy/x@1","a":{"b":[{"c":1}]},"n":9007199254740992}` + "\n")); err != nil {
		t.Errorf("a good document: %v", err)
	}
	for _, tt := range []struct{ doc, want string }{
		{"\xef\xbb\xbf{\"schema\":\"x\"}\n", "BOM"},
		{"{\"schema\":\"caf\xc3\xa9\"}\n", "non-ASCII"},
		{`{"schema":"x"}`, "final newline"},
		{"[]\n", "top-level object"},
		{`{"kind":"x","schema":"x"}` + "\n", `want "schema"`},
		{`{"schema":"x"}` + "\n" + `{"schema":"x"}` + "\n", "more than one"},
		{`{"schema":"x","a":{"b":[{"c":1,"C":2}]}}` + "\n", `$.a.b[]: keys "c" and "C"`},
		{`{"schema":"x","a":{"":1}}` + "\n", "$.a: empty key"},
		{`{"schema":"x","__type":1}` + "\n", "__type"},
		{`{"schema":"x","n":9007199254740993}` + "\n", "2^53"},
	} {
		err := CheckContract([]byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want an error with %q", tt.doc, err, tt.want)
		}
	}
}
