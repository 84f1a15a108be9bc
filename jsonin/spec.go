package jsonin

import (
	"fmt"
	"math"
	"strings"
)

// kind is what a Spec expects.
type kind uint8

const (
	kindAny kind = iota
	kindObject
	kindMap
	kindList
	kindBypassList
	kindString
	kindEnum
	kindBool
	kindInt
	kindNumber
	kindTime
)

// Spec describes the expected shape of a JSON value. Build it with the constructors
// (Object, Map, List, BypassList, String, Enum, Bool, Int, Number, Time, Any) once, in a
// package-level variable, and share it: a Spec is never changed after construction, so
// it is safe for concurrent use.
type Spec struct {
	kind     kind
	nullable bool
	fields   []Field        // kindObject, in output order
	index    map[string]int // kindObject: lower-case key -> fields index
	elem     *Spec          // kindList, kindMap
	min, max int64          // kindInt
	values   []string       // kindEnum, canonical spellings
}

// Field is one known key of an Object.
type Field struct {
	Name     string // canonical spelling, written to the output
	Spec     *Spec
	required bool
}

// Key is an optional key of an Object: when absent from the input it is absent from the
// output, so the Go field keeps its zero value.
func Key(name string, spec *Spec) Field { return Field{Name: name, Spec: spec} }

// Required is a key that must be present (null is present, if the Spec is Nullable).
func Required(name string, spec *Spec) Field { return Field{Name: name, Spec: spec, required: true} }

// Object expects a JSON object with the given keys, matched ignoring case; any other key
// is an error, except PowerShell's own wrapper properties (PSPath, ReadCount, ...), which
// are dropped. The output lists the present keys in the order given here.
// Object panics on a key given twice, a mistake in the program rather than the input.
func Object(fields ...Field) *Spec {
	s := &Spec{kind: kindObject, fields: fields, index: make(map[string]int, len(fields))}
	for i, f := range fields {
		if f.Spec == nil {
			panic(fmt.Sprintf("jsonin: key %q has no Spec", f.Name))
		}
		k := fold(f.Name)
		if _, dup := s.index[k]; dup || f.Name == "" {
			panic(fmt.Sprintf("jsonin: key %q given twice or empty", f.Name))
		}
		s.index[k] = i
	}
	return s
}

// Map expects a JSON object with free-form keys, each value matching value. Keys keep
// their spelling and order; two keys equal ignoring case are an error.
func Map(value *Spec) *Spec { return &Spec{kind: kindMap, elem: value} }

// List expects a JSON array of elem. It also accepts a single elem (what ConvertTo-Json
// makes of a one-element array) and Windows PowerShell's {"value":[...],"Count":n}.
// The output is always an array.
func List(elem *Spec) *Spec { return &Spec{kind: kindList, elem: elem} }

// BypassList is a proxy bypass list: a List of strings that also accepts one string with
// the entries separated by ";" or white space, as the registry and netsh write them.
// Entries keep their order; empty entries are dropped.
func BypassList() *Spec { return &Spec{kind: kindBypassList} }

// String expects a JSON string.
func String() *Spec { return &Spec{kind: kindString} }

// Enum expects one of the given strings, matched ignoring case; the output uses the
// spelling given here.
func Enum(values ...string) *Spec {
	if len(values) == 0 {
		panic("jsonin: Enum without values")
	}
	return &Spec{kind: kindEnum, values: values}
}

// Bool expects true or false.
func Bool() *Spec { return &Spec{kind: kindBool} }

// Int expects a whole number within [min, max]. The output is plain digits.
func Int(min, max int64) *Spec {
	if min > max {
		panic("jsonin: Int with min > max")
	}
	return &Spec{kind: kindInt, min: min, max: max}
}

// Number expects any finite JSON number, written out as given.
func Number() *Spec { return &Spec{kind: kindNumber} }

// Time expects a time: RFC 3339 with Z or an offset, Windows PowerShell 5.1's
// "\/Date(ms)\/", or 5.1's Get-Date object {"value":"\/Date(ms)\/","DisplayHint":2,...}.
// The output is RFC 3339 in UTC with Z.
func Time() *Spec { return &Spec{kind: kindTime} }

// Any accepts any JSON value and passes it through unchanged but compacted; only keys
// equal ignoring case are refused, as everywhere.
func Any() *Spec { return &Spec{kind: kindAny} }

// Nullable returns a copy of s that also accepts null. The null is kept in the output,
// since for some fields it means "remove", unlike an absent key.
func (s *Spec) Nullable() *Spec {
	c := *s
	c.nullable = true
	return &c
}

// fold is the key used for case-insensitive matching.
func fold(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || ('A' <= c && c <= 'Z') {
			return strings.ToLower(s)
		}
	}
	return s
}

func (s *Spec) want() string {
	switch s.kind {
	case kindObject, kindMap:
		return "an object"
	case kindList:
		return "a list"
	case kindBypassList:
		return "a bypass list (a list of strings or one string separated by ;)"
	case kindString:
		return "a string"
	case kindEnum:
		return "one of " + quoteList(s.values)
	case kindBool:
		return "true or false"
	case kindInt:
		return "a whole number " + rangeText(s.min, s.max)
	case kindNumber:
		return "a number"
	case kindTime:
		return `a time (RFC 3339 such as "2024-05-01T12:00:00Z", or "\/Date(ms)\/")`
	}
	return "a value"
}

func rangeText(min, max int64) string {
	switch {
	case min == math.MinInt64 && max == math.MaxInt64:
		return "(any)"
	case min >= 0:
		return fmt.Sprintf("(%d-%d)", min, max)
	}
	return fmt.Sprintf("(%d to %d)", min, max)
}

func quoteList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = quote(v)
	}
	return strings.Join(q, ", ")
}

// Knows is whether an object spec has key (ignoring case) or one close enough that key
// reads as its misspelling: a reader can tell a document of another program, none of whose
// keys it knows, from one with a mistake in it.
func (s *Spec) Knows(key string) bool {
	if s == nil || s.kind != kindObject {
		return false
	}
	if _, ok := s.index[fold(key)]; ok {
		return true
	}
	names := make([]string, len(s.fields))
	for i, f := range s.fields {
		names[i] = f.Name
	}
	return closest(key, names) != ""
}
