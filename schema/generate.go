package schema

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Generate derives a document's schema from its Go type, so the schema cannot forget a
// field: every field is required (documents always carry all of them), pointers and maps
// may be null, slices are arrays and never null, unknown keys are refused. Struct tags add
// what types cannot say: `enum:"a,b"` and `doc:"..."` (a description).
func Generate(v any, id, title, kind string) map[string]any {
	g := &gen{defs: map[string]any{}}
	root := g.object(reflect.TypeOf(v))
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = id
	root["title"] = title
	if props, ok := root["properties"].(map[string]any); ok && kind != "" {
		props["schema"] = map[string]any{"const": kind}
	}
	if len(g.defs) > 0 {
		root["$defs"] = g.defs
	}
	return root
}

type gen struct{ defs map[string]any }

var timeType = reflect.TypeOf(time.Time{})

func (g *gen) typ(t reflect.Type, f *reflect.StructField) map[string]any {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var s map[string]any
	switch {
	case t == timeType:
		s = map[string]any{"type": "string", "format": "date-time", "pattern": `Z$`}
	case t.Kind() == reflect.Struct:
		name := t.Name()
		if _, ok := g.defs[name]; !ok {
			g.defs[name] = true // placeholder against recursion
			g.defs[name] = g.object(t)
		}
		s = map[string]any{"$ref": "#/$defs/" + name}
	case t.Kind() == reflect.String:
		s = map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		s = map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		s = map[string]any{"type": "integer"}
		if t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64 {
			s["minimum"] = 0
		}
	case t.Kind() == reflect.Float64 || t.Kind() == reflect.Float32:
		s = map[string]any{"type": "number"}
	case t.Kind() == reflect.Slice:
		s = map[string]any{"type": "array", "items": g.typ(t.Elem(), nil)}
	case t.Kind() == reflect.Map:
		s = map[string]any{"type": "object", "additionalProperties": g.typ(t.Elem(), nil)}
		nullable = true
	case t.Kind() == reflect.Interface:
		s = map[string]any{}
	default:
		panic(fmt.Sprintf("schema: no mapping for %s", t))
	}
	if f != nil {
		if e := f.Tag.Get("enum"); e != "" {
			var vals []any
			for _, v := range strings.Split(e, ",") {
				// An integer field's enum holds numbers (the event ids), not their spelling.
				if n, err := strconv.ParseInt(v, 10, 64); err == nil && t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64 {
					vals = append(vals, n)
					continue
				}
				vals = append(vals, v)
			}
			s["enum"] = vals
		}
		if d := f.Tag.Get("doc"); d != "" {
			s["description"] = d
		}
	}
	if nullable {
		if ref, ok := s["$ref"]; ok {
			return map[string]any{"anyOf": []any{map[string]any{"$ref": ref}, map[string]any{"type": "null"}}}
		}
		if ty, ok := s["type"].(string); ok {
			s["type"] = []any{ty, "null"}
		}
		if en, ok := s["enum"].([]any); ok {
			s["enum"] = append(en, nil)
		}
	}
	return s
}

func (g *gen) object(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	props := map[string]any{}
	var required []any
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if f.Anonymous && f.Tag.Get("json") == "" {
				walk(f.Type)
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			props[name] = g.typ(f.Type, &f)
			required = append(required, name)
		}
	}
	walk(t)
	return map[string]any{"type": "object", "properties": props, "required": required, "additionalProperties": false}
}
