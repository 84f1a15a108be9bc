package model

import (
	"ccproxy/jsonin"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The document helpers every reader of a ccproxy document shares: decode through jsonin,
// hold to the spec, and judge the "schema" (kind and major version).

// readDocument decodes a ccproxy document whose "schema" must be want (what names that
// kind in messages) and checks it against spec; schemaOptional accepts a document without
// "schema". It returns the canonical JSON. A document of another kind or major version is
// refused for its schema rather than for the first key the spec does not know.
func readDocument(name string, data []byte, spec *jsonin.Spec, want, what string, schemaOptional bool) ([]byte, []string, error) {
	text, warnings, err := jsonin.Decode(name, data)
	if err != nil {
		return nil, warnings, err
	}
	canonical, err := jsonin.Normalize(name, text, spec)
	if err != nil {
		if looks, foreign := foreignDocument(text, spec); foreign {
			return nil, warnings, &InputError{Input: name, Place: "$", Msg: "not a ccproxy document (it looks like " + looks + "); hint: this command takes " + what}
		}
		if got := schemaOf(text); got != nil {
			if serr := checkSchema(name, got, want, what); serr != nil {
				return nil, warnings, serr
			}
		}
		return nil, warnings, err
	}
	if got := schemaOf(canonical); got != nil || !schemaOptional {
		if err := checkSchema(name, got, want, what); err != nil {
			return nil, warnings, err
		}
	}
	return canonical, warnings, nil
}

// schemaOf is the "schema" string of a JSON object (its key in any case), nil when there is none.
func schemaOf(doc []byte) *string {
	var head struct {
		Schema *string `json:"schema"`
	}
	_ = json.Unmarshal(doc, &head)
	return head.Schema
}

// checkSchema accepts the expected kind and explains the others.
func checkSchema(name string, got *string, want, what string) error {
	if got == nil {
		return &InputError{Input: name, Place: "$", Msg: fmt.Sprintf("missing key \"schema\"; hint: add \"schema\": %q so ccproxy knows this is %s", want, what)}
	}
	if *got == want {
		return nil
	}
	kind, _, _ := strings.Cut(want, "@")
	if strings.HasPrefix(strings.ToLower(*got), strings.ToLower(kind)+"@") {
		return &InputError{Input: name, Place: "$.schema", Msg: fmt.Sprintf("%q is a version this ccproxy does not read (it reads %s); hint: upgrade ccproxy", *got, want)}
	}
	return &InputError{Input: name, Place: "$.schema", Msg: fmt.Sprintf("expected %q, found %q; hint: this command takes %s", want, RedactCredentials(*got), what)}
}

// foreignDocument tells a document of another program (no "schema" of ccproxy's, and not one
// key the reader knows) from a ccproxy document with a mistake in it, and says what it looks
// like, so that a file given to the wrong flag is named for what it is rather than for its
// first unknown key.
func foreignDocument(text []byte, spec *jsonin.Spec) (string, bool) {
	var v any
	if json.Unmarshal(text, &v) != nil {
		return "", false
	}
	obj, ok := v.(map[string]any)
	if !ok {
		switch x := v.(type) {
		case []any:
			return "a list of " + Count(len(x), "value"), true
		case string:
			return "a string", true
		case nil:
			return "null", true
		}
		return "a number or true/false", true
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		// "$schema" is JSON Schema's and DSC's key, not a misspelt "schema".
		if strings.EqualFold(k, "schema") || !strings.HasPrefix(k, "$") && spec.Knows(k) {
			return "", false
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return "", false
	}
	slices.Sort(keys)
	str := func(k string) string { s, _ := obj[k].(string); return strings.ToLower(s) }
	has := func(k string) bool {
		for key := range obj {
			if strings.EqualFold(key, k) {
				return true
			}
		}
		return false
	}
	switch {
	case strings.Contains(str("$schema"), "json-schema.org"):
		return "a JSON Schema", true
	case strings.Contains(str("$schema"), "dsc") && has("resources"):
		return "a DSC configuration document", true
	case strings.Contains(str("$schema"), "dsc"):
		return "a DSC document", true
	case has("Rules"):
		return "Intune custom compliance rules, such as 'ccproxy intune-rules' prints", true
	case has("ProxyServer") || has("ProxyEnable") || has("ProxyOverride"):
		return "Internet Options values read with Get-ItemProperty; pass a .reg export or 'ccproxy get' output instead", true
	}
	shown := keys
	if len(shown) > 3 {
		shown = shown[:3]
	}
	quoted := make([]string, len(shown))
	for i, k := range shown {
		quoted[i] = jsonin.Quote(k)
	}
	more := ""
	if len(keys) > len(shown) {
		more = ", ..."
	}
	return "a JSON object with the keys " + strings.Join(quoted, ", ") + more + " and no \"schema\"", true
}
