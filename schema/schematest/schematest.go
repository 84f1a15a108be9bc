// Package schematest checks documents against ccproxy's JSON contract and embedded schemas.
// It is for tests only, so the validator stays out of the binary.
package schematest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"ccproxy/schema"
)

// CheckContract verifies what PowerShell and fleet tools rely on: UTF-8 without BOM, ASCII
// only, a final newline, a top-level object whose first key is "schema", no empty keys, no
// keys equal ignoring case, no "__type", and integers within +-2^53.
var fineTime = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d)"`)

func CheckContract(doc []byte) error {
	if bytes.HasPrefix(doc, []byte{0xEF, 0xBB, 0xBF}) {
		return fmt.Errorf("starts with a BOM")
	}
	for i, c := range doc {
		if c >= 0x80 {
			return fmt.Errorf("non-ASCII byte 0x%02x at offset %d", c, i)
		}
	}
	if !bytes.HasSuffix(doc, []byte("\n")) {
		return fmt.Errorf("no final newline")
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return fmt.Errorf("not a top-level object")
	}
	first, err := dec.Token()
	if err != nil || first != "schema" {
		return fmt.Errorf("first key is %v, want \"schema\"", first)
	}
	whole := json.NewDecoder(bytes.NewReader(doc))
	var tree any
	if err := whole.Decode(&tree); err != nil {
		return fmt.Errorf("invalid JSON: %v", err)
	}
	if _, err := whole.Token(); err != io.EOF {
		return fmt.Errorf("more than one document on stdout")
	}
	// PowerShell 7's ConvertFrom-Json turns a time into [datetime] only with at most seven
	// fractional digits (its tick precision); ccproxy writes whole seconds everywhere.
	if m := fineTime.Find(doc); m != nil {
		return fmt.Errorf("time %s has fractional seconds; documents carry whole seconds", m)
	}
	return walkKeys(doc)
}

// walkKeys re-reads the document token by token, because a map would hide duplicate keys.
func walkKeys(doc []byte) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	type frame struct {
		obj  bool
		keys map[string]string
		path string
		key  bool   // next string token is a key
		last string // the last key read, the name of the value that follows
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				path := "$"
				if top != nil && top.obj {
					path = top.path + "." + top.last
				} else if top != nil {
					path = top.path + "[]"
				}
				stack = append(stack, &frame{obj: t == '{', keys: map[string]string{}, path: path, key: t == '{'})
				continue
			case '}', ']':
				stack = stack[:len(stack)-1]
			}
		case string:
			if top != nil && top.obj && top.key {
				if t == "" {
					return fmt.Errorf("%s: empty key", top.path)
				}
				if t == "__type" {
					return fmt.Errorf("%s: key __type is dropped by Windows PowerShell 5.1", top.path)
				}
				if prev, ok := top.keys[strings.ToLower(t)]; ok {
					return fmt.Errorf("%s: keys %q and %q are equal ignoring case", top.path, prev, t)
				}
				top.keys[strings.ToLower(t)] = t
				top.key, top.last = false, t
				continue
			}
		case json.Number:
			if strings.ContainsAny(string(t), ".eE") {
				break
			}
			var n int64
			if _, err := fmt.Sscan(string(t), &n); err != nil || n > 1<<53 || n < -(1<<53) {
				return fmt.Errorf("integer %s outside +-2^53", t)
			}
		}
		if len(stack) > 0 && stack[len(stack)-1].obj {
			stack[len(stack)-1].key = true
		}
	}
}

var (
	compileOnce sync.Map // name -> *jsonschema.Schema
)

// Validate checks a document against the embedded schema of its kind (the "schema" key).
func Validate(doc []byte) error {
	var head struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(doc, &head); err != nil {
		return err
	}
	return ValidateAs(head.Schema, doc)
}

// ValidateAs checks a document against the named embedded schema.
func ValidateAs(name string, doc []byte) error {
	sch, err := Compile(name)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

// Compile compiles an embedded schema once.
func Compile(name string) (*jsonschema.Schema, error) {
	if s, ok := compileOnce.Load(name); ok {
		return s.(*jsonschema.Schema), nil
	}
	b, ok := schema.Get(name)
	if !ok {
		return nil, fmt.Errorf("no embedded schema %q", name)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	url := "mem://" + name
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, err
	}
	compileOnce.Store(name, s)
	return s, nil
}
