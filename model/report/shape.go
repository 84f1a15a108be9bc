package report

import (
	"ccproxy/jsonin"
	"strings"

	"github.com/tidwall/gjson"
)

// topKey is one top-level key of a document kind and the JSON type it holds.
type topKey struct {
	name string
	want byte // 'o' object, 'a' list, 's' string, 'b' boolean, 'n' number
	null bool // null allowed
}

// addedKeys are keys that later writers of a major version add (ccproxy/test@1's verdict
// and missingEvidence): documents of older writers lack them.
var addedKeys = map[string]bool{"verdict": true, "missingEvidence": true}

// topLevel is each kind's top-level keys as ccproxy writes them (tests/report_test.go
// checks the lists against the documents themselves). report reads only what it counts, but
// it refuses what the other readers refuse, in their words: a key the kind does not have,
// a value of the wrong type, a value ConvertTo-Json cut at its default depth.
var topLevel = [numKinds][]topKey{
	KindState: {{"schema", 's', false}, {"source", 'o', false}, {"winhttp", 'o', false}, {"wininet", 'o', false},
		{"environment", 'o', true}, {"effective", 'o', false}, {"serviceAccounts", 'a', false}, {"machine", 'o', false}, {"warnings", 'a', false}},
	KindTest: {{"schema", 's', false}, {"source", 'o', false}, {"compliant", 'b', false}, {"verdict", 's', false}, {"missingEvidence", 'a', false}, {"summary", 'o', false},
		{"internal", 'a', false}, {"findings", 'a', false}},
	KindCheck: {{"schema", 's', false}, {"source", 'o', false}, {"region", 's', false}, {"customerId", 's', true},
		{"catalog", 'o', false}, {"routing", 'o', false}, {"limits", 'o', false}, {"startedAt", 's', false},
		{"durationMs", 'n', false}, {"deadlineReached", 'b', false}, {"ok", 'b', false}, {"allRequiredReachable", 'b', false},
		{"allRoutesAsExpected", 'b', false}, {"counts", 'o', false}, {"interception", 'o', false}, {"ipLiteral", 'o', false},
		{"clock", 'o', false}, {"endpoints", 'a', false}, {"compare", 'o', true}},
}

// TopLevelKeys lists a kind's top-level keys, for the test that holds them to the documents:
// those every writer of the major version writes, and those that later writers add.
func TopLevelKeys(k Kind) (always, added []string) {
	for _, t := range topLevel[k] {
		if addedKeys[t.name] {
			added = append(added, t.name)
		} else {
			always = append(always, t.name)
		}
	}
	return always, added
}

var wantWords = map[byte]string{'o': "an object", 'a': "a list", 's': "a string", 'b': "true or false", 'n': "a number"}

// checkTopLevel holds a document's top-level keys to its kind's shape. Keys compare as
// jsonin compares them, without case, and PowerShell's own properties (PSPath, ReadCount...)
// pass, as jsonin drops them.
func checkTopLevel(kind Kind, root gjson.Result) *docError {
	var err *docError
	root.ForEach(func(k, v gjson.Result) bool {
		if jsonin.IsPowerShellProperty(k.Str) {
			return true
		}
		var key *topKey
		for i := range topLevel[kind] {
			if strings.EqualFold(topLevel[kind][i].name, k.Str) {
				key = &topLevel[kind][i]
				break
			}
		}
		if key == nil {
			names := make([]string, 0, len(topLevel[kind]))
			for _, t := range topLevel[kind] {
				names = append(names, `"`+t.name+`"`)
			}
			err = fail("$", "unknown key %s; known keys: %s", quote(k.Str), strings.Join(names, ", "))
			return false
		}
		if !hasType(v, key.want, key.null) {
			err = wrongType(v, "$."+key.name, wantWords[key.want]+map[bool]string{true: " or null"}[key.null])
			return false
		}
		return true
	})
	return err
}

func hasType(v gjson.Result, want byte, null bool) bool {
	switch {
	case v.Type == gjson.Null:
		return null
	case want == 'o':
		return v.IsObject()
	case want == 'a':
		// Windows PowerShell 5.1 writes a list as {"value":[...],"Count":n}.
		return v.IsArray() || v.IsObject() && v.Get("value").IsArray() && v.Get("Count").Exists()
	case want == 's':
		return v.Type == gjson.String
	case want == 'b':
		return v.Type == gjson.True || v.Type == gjson.False
	case want == 'n':
		return v.Type == gjson.Number
	}
	return false
}
