package commands

import (
	"reflect"
	"strings"
)

// Flag values that name things are matched without regard to case, as PowerShell users
// type them (--region Japan, --stack WinHTTP, --log-level WARN): before parsing, a value
// of an enum flag is replaced by the spelling the flag declares. kong compares enums
// exactly; anything that matches no spelling is left for kong to refuse with its list.

// enumFlags maps "--name" to the declared values of every enum flag of the CLI.
func enumFlags() map[string][]string {
	out := map[string][]string{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			ft := f.Type
			_, isCmd := f.Tag.Lookup("cmd")
			if ft.Kind() == reflect.Struct && (f.Anonymous || isCmd) {
				walk(ft)
				continue
			}
			enum := f.Tag.Get("enum")
			if enum == "" {
				continue
			}
			name := f.Tag.Get("name")
			if name == "" {
				name = dashed(f.Name)
			}
			out["--"+name] = append(out["--"+name], strings.Split(enum, ",")...)
		}
	}
	walk(reflect.TypeOf(CLI{}))
	return out
}

// foldEnumValues rewrites the values of enum flags to their declared spelling.
func foldEnumValues(args []string) []string {
	enums := enumFlags()
	out := append([]string(nil), args...)
	canon := func(flag, v string) string {
		for _, e := range enums[flag] {
			if strings.EqualFold(e, v) {
				return e
			}
		}
		return v
	}
	for i := 0; i < len(out); i++ {
		a := out[i]
		if a == "--" {
			break
		}
		if name, v, ok := strings.Cut(a, "="); ok {
			if _, known := enums[name]; known {
				out[i] = name + "=" + canon(name, v)
			}
			continue
		}
		if _, known := enums[a]; known && i+1 < len(out) {
			out[i+1] = canon(a, out[i+1])
			i++
		}
	}
	return out
}
