package report

import (
	"ccproxy/jsonin"
	"ccproxy/model"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
)

func missing(path string) *docError {
	return fail(path, "missing; hint: the document is not what ccproxy writes")
}

func reqBool(v gjson.Result, path string) (bool, *docError) {
	switch {
	case v.Type == gjson.True || v.Type == gjson.False:
		return v.Bool(), nil
	case !v.Exists():
		return false, missing(path)
	}
	return false, wrongType(v, path, "true or false")
}

// each calls fn with each element of the list at path and its index, until fn returns an
// error.
func each(v gjson.Result, path string, fn func(i int, e gjson.Result) *docError) *docError {
	list, err := listOf(v, path)
	if err != nil {
		return err
	}
	i := 0
	list.ForEach(func(_, e gjson.Result) bool {
		err = fn(i, e)
		i++
		return err == nil
	})
	return err
}

func object(v gjson.Result, path string) *docError {
	if !v.Exists() {
		return missing(path)
	}
	if !v.IsObject() {
		return wrongType(v, path, "an object")
	}
	return nil
}

// listOf accepts an array, or the {"value":[...],"Count":n} that Windows PowerShell 5.1
// makes of one.
func listOf(v gjson.Result, path string) (gjson.Result, *docError) {
	if !v.Exists() {
		return v, missing(path)
	}
	if v.IsArray() {
		return v, nil
	}
	if v.IsObject() {
		if inner := v.Get("value"); inner.IsArray() && v.Get("Count").Exists() {
			return inner, nil
		}
	}
	return v, wrongType(v, path, "a list")
}

func optString(v gjson.Result, path string) (*string, *docError) {
	switch v.Type {
	case gjson.Null:
		return nil, nil
	case gjson.String:
		return model.Ptr(keep(v.Str, maxValueLength)), nil
	}
	return nil, wrongType(v, path, "a string or null")
}

// maxValueLength bounds a setting kept from a document (a proxy, a bypass list, a PAC URL):
// WinINet's own dialog stops a bypass list well short of it, and the report groups and shows
// what it keeps, so a longer value costs its own bytes only while it is read.
const maxValueLength = 16 << 10

// keep is a copy of s (which may point into the document) of at most max bytes: a longer
// one is cut, credentials hidden first so that a cut cannot leave part of a password
// standing without the "@" that marks it, and says how much was cut.
func keep(s string, max int) string {
	if len(s) <= max {
		return strings.Clone(s)
	}
	s = model.RedactCredentials(s)
	if len(s) <= max {
		return strings.Clone(s)
	}
	return strings.ToValidUTF8(s[:max], "") + fmt.Sprintf("... (%d bytes cut)", len(s)-max)
}

func optBool(v gjson.Result, path string) (*bool, *docError) {
	switch v.Type {
	case gjson.Null:
		return nil, nil
	case gjson.True, gjson.False:
		return model.Ptr(v.Bool()), nil
	}
	return nil, wrongType(v, path, "true, false or null")
}

func wrongType(v gjson.Result, path, want string) *docError {
	if v.Type == gjson.String && jsonin.LooksCut(v.Str) {
		return fail(path, "%s %s", quote(v.Str), jsonin.CutMessage)
	}
	if !v.Exists() {
		return fail(path, "missing, expected %s", want)
	}
	// jsonin's phrasing, so that every reader says the same of the same bad value.
	return fail(path, "expected %s, got %s", want, describe(v))
}

func describe(v gjson.Result) string {
	switch v.Type {
	case gjson.Null:
		if !v.Exists() {
			return "missing"
		}
		return "null"
	case gjson.False, gjson.True:
		return "a boolean"
	case gjson.Number:
		return "the number " + v.Raw
	case gjson.String:
		return "the string " + quote(v.Str)
	}
	if v.IsArray() {
		return "a list"
	}
	return "an object"
}

// quote shows a value from a document in a message: credentials hidden first, then cut by
// characters, through the one quoting rule every reader shares.
func quote(s string) string { return jsonin.Quote(s) }

// joinHostPort is net.JoinHostPort, without importing net into the domain: an IPv6 address
// goes in brackets.
func joinHostPort(host, port string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]:" + port
	}
	return host + ":" + port
}
