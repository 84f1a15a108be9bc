package jsonin

import (
	"encoding/json"
	"errors"
)

// Unmarshal decodes data (Decode), checks it against spec (Normalize) and stores the
// canonical result in v with json.Unmarshal. Warnings (such as a Windows-1252 guess) are
// returned even when err is nil; they are complete lines naming the input.
func Unmarshal(name string, data []byte, spec *Spec, v any) (warnings []string, err error) {
	text, warnings, err := Decode(name, data)
	if err != nil {
		return warnings, err
	}
	canonical, err := Normalize(name, text, spec)
	if err != nil {
		return warnings, err
	}
	return warnings, storeCanonical(name, canonical, v)
}

// storeCanonical only fails when the spec and the Go type disagree (a spec allowing a
// number the Go field cannot hold, say); the error still names the input and the path.
func storeCanonical(name string, canonical []byte, v any) error {
	err := json.Unmarshal(canonical, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		path := "$"
		if te.Field != "" {
			path += "." + te.Field
		}
		return &Error{Input: name, Path: path, Msg: "cannot store " + te.Value + " in a Go " + te.Type.String()}
	}
	return &Error{Input: name, Msg: err.Error()}
}
