package model

import (
	"ccproxy/jsonin"
	"encoding/json"
	"fmt"
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
