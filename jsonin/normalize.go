package jsonin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Normalize parses text (UTF-8, as Decode returns it) and checks it against spec. It
// returns canonical JSON: compact, keys spelled as in the spec, PowerShell wrappers
// removed, lists as arrays, times in RFC 3339 UTC. json.Unmarshal reads it into the Go
// type the spec describes. Normalizing the output again gives the same bytes.
// The first problem found is returned as an *Error. A nil spec accepts any JSON, with the
// checks that apply everywhere: encoding, syntax, keys equal ignoring case.
func Normalize(name string, text []byte, spec *Spec) ([]byte, error) {
	if spec == nil {
		spec = anySpec
	}
	text = bytes.TrimPrefix(text, []byte("\uFEFF"))
	if !utf8.Valid(text) {
		line, col := position(text, firstInvalidUTF8(text))
		return nil, &Error{Input: name, Path: place(line, col), Msg: "not valid UTF-8; hint: read the input with jsonin.Decode"}
	}
	if len(bytes.Trim(text, " \t\r\n")) == 0 {
		return nil, emptyInput(name)
	}
	root, err := parse(name, text)
	if err != nil {
		return nil, err
	}
	w := walker{name: name, out: make([]byte, 0, len(text))}
	if err := w.value(root, spec, nil); err != nil {
		return nil, err
	}
	return w.out, nil
}

var anySpec = Any()

type walker struct {
	name string
	out  []byte
}

func (w *walker) fail(path *jpath, format string, args ...any) error {
	return &Error{Input: w.name, Path: path.String(), Msg: fmt.Sprintf(format, args...)}
}

func (w *walker) value(v *node, s *Spec, path *jpath) error {
	if v.kind == nNull {
		if s.nullable || s.kind == kindAny {
			w.out = append(w.out, "null"...)
			return nil
		}
		return w.fail(path, "null is not allowed here; hint: %s", nullHint(s, path))
	}
	switch s.kind {
	case kindAny:
		return w.any(v, path)
	case kindObject:
		return w.object(v, s, path)
	case kindMap:
		return w.mapping(v, s, path)
	case kindList:
		return w.list(v, s, path)
	case kindBypassList:
		return w.bypass(v, s, path)
	}
	// Windows PowerShell 5.1 wraps strings read by Get-Content, and Get-Date values,
	// in objects carrying the value and PowerShell's extra properties.
	if inner, ok := scalarWrapper(v); ok {
		v = inner
		if v.kind == nNull {
			return w.value(v, s, path)
		}
	}
	switch s.kind {
	case kindString:
		if v.kind != nString {
			return w.mismatch(v, s, path)
		}
		w.out = appendString(w.out, v.str)
	case kindEnum:
		return w.enum(v, s, path)
	case kindBool:
		return w.bool(v, s, path)
	case kindInt:
		return w.int(v, s, path)
	case kindNumber:
		return w.number(v, s, path)
	case kindTime:
		return w.time(v, s, path)
	}
	return nil
}

func nullHint(s *Spec, path *jpath) string {
	omit := ", or leave the key out"
	if path == nil || path.idx >= 0 {
		omit = ""
	}
	switch s.kind {
	case kindList, kindBypassList:
		return "write [] for an empty list"
	case kindObject, kindMap:
		return "write {} for an empty object" + omit
	}
	return "give " + s.want() + omit
}

// describe names what was found, for "expected X, got Y" messages.
func describe(v *node) string {
	switch v.kind {
	case nNull:
		return "null"
	case nTrue:
		return "true"
	case nFalse:
		return "false"
	case nNumber:
		return "the number " + short(v.str)
	case nString:
		return "the string " + quote(v.str)
	case nArray:
		return fmt.Sprintf("a list of %d", len(v.vals))
	}
	return "an object"
}

func (w *walker) mismatch(v *node, s *Spec, path *jpath) error {
	msg := "expected " + s.want() + ", got " + describe(v)
	if v.kind == nArray && len(v.vals) == 1 && s.kind != kindList {
		msg += "; hint: give the element itself, without [ ]"
	}
	return w.fail(path, "%s", msg)
}

// CutMessage is the problem reported for a value that LooksCut, in place of an object or
// a list.
const CutMessage = "looks cut by ConvertTo-Json at its default depth 2: rerun it with -Depth 10"

// LooksCut reports whether a string found where an object or a list belongs is what
// ConvertTo-Json writes in place of whatever lies deeper than its -Depth (2 by default):
// a .NET type name such as "System.Collections.Hashtable" or "System.Object[]", or a
// custom object's "@{A=1; B=2}". ConvertTo-Json also writes "" for an array of custom
// objects; only the caller knows whether "" can be a real value, so LooksCut("") is false.
func LooksCut(s string) bool {
	if strings.HasPrefix(s, "@{") && strings.HasSuffix(s, "}") {
		return true
	}
	if !strings.HasPrefix(s, "System.") || len(s) == len("System.") {
		return false
	}
	for _, r := range s {
		if unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// cutInside finds a string that LooksCut anywhere in n, and says where, relative to the
// object that holds n (rel is n's own place, such as ".desired").
func cutInside(n *node, p *jpath) (string, bool) {
	switch n.kind {
	case nString:
		if LooksCut(n.str) {
			// The jpath renders odd keys quoted and escaped, so the message stays one line.
			return p.String(), true
		}
	case nObject:
		for i, k := range n.keys {
			if where, ok := cutInside(n.vals[i], p.key(k)); ok {
				return where, true
			}
		}
	case nArray:
		for i, v := range n.vals {
			if where, ok := cutInside(v, p.index(i)); ok {
				return where, true
			}
		}
	}
	return "", false
}

func (w *walker) cut(path *jpath) error {
	return w.fail(path, "%s", CutMessage)
}

func (w *walker) object(v *node, s *Spec, path *jpath) error {
	if v.kind == nString && (v.str == "" || LooksCut(v.str)) {
		return w.cut(path)
	}
	if v.kind != nObject {
		return w.mismatch(v, s, path)
	}
	var small [16]int
	found := small[:0]
	if len(s.fields) > len(small) {
		found = make([]int, 0, len(s.fields))
	}
	for range s.fields {
		found = append(found, -1)
	}
	for i, k := range v.keys {
		idx, ok := s.index[fold(k)]
		if !ok {
			if IsPowerShellProperty(k) {
				continue
			}
			// A wrapper key around a document ConvertTo-Json cut ({"desired": {"winhttp":
			// "System.Collections.Hashtable"}}) is named for the cut: the cut is the fault
			// to fix, and it would otherwise hide behind "unknown key".
			if where, ok := cutInside(v.vals[i], path.key(k)); ok {
				return w.fail(path, "key %s holds a value at %s that %s", quote(k), where, CutMessage)
			}
			return w.unknownKey(path, k, s)
		}
		if j := found[idx]; j >= 0 {
			return w.duplicate(path, v.keys[j], k)
		}
		found[idx] = i
	}
	w.out = append(w.out, '{')
	first := true
	for idx, f := range s.fields {
		j := found[idx]
		if j < 0 {
			if f.required {
				return w.fail(path, "missing key %s", quote(f.Name))
			}
			continue
		}
		if !first {
			w.out = append(w.out, ',')
		}
		first = false
		w.out = appendString(w.out, f.Name)
		w.out = append(w.out, ':')
		if err := w.value(v.vals[j], f.Spec, path.key(f.Name)); err != nil {
			return err
		}
	}
	w.out = append(w.out, '}')
	return nil
}

func (w *walker) duplicate(path *jpath, a, b string) error {
	if a == b {
		return w.fail(path, "key %s appears twice; hint: keep one", quote(b))
	}
	return w.fail(path, "keys %s and %s differ only in case; hint: keep one (PowerShell refuses such documents too)", quote(a), quote(b))
}

func (w *walker) unknownKey(path *jpath, key string, s *Spec) error {
	if key == "" {
		return w.fail(path, "empty key; hint: remove it")
	}
	names := make([]string, len(s.fields))
	for i, f := range s.fields {
		names[i] = f.Name
	}
	if best := closest(key, names); best != "" {
		return w.fail(path, "unknown key %s; did you mean %s?", quote(key), quote(best))
	}
	if len(names) == 0 {
		return w.fail(path, "unknown key %s; hint: this object takes no keys", quote(key))
	}
	return w.fail(path, "unknown key %s; known keys: %s", quote(key), quoteList(names))
}

// powerShellProperties are added by PowerShell to objects it passes along: Get-Content and
// Get-ItemProperty results, and anything returned by remoting or jobs.
var powerShellProperties = map[string]bool{
	"pspath": true, "psparentpath": true, "pschildname": true, "psdrive": true,
	"psprovider": true, "pscomputername": true, "psshowcomputername": true,
	"readcount": true, "runspaceid": true, "pssourcejobinstanceid": true,
}

// IsPowerShellProperty reports whether a key not in the spec is one of PowerShell's own:
// the known list, or "PS" followed by a capital letter (PSIsContainer, PSTypeNames...).
func IsPowerShellProperty(k string) bool {
	if powerShellProperties[fold(k)] {
		return true
	}
	return len(k) > 2 && k[0] == 'P' && k[1] == 'S' && 'A' <= k[2] && k[2] <= 'Z'
}

// wrapperValue returns the "value" of a Windows PowerShell 5.1 wrapper object: "value"
// plus at least one other property, each from extra (lower case) or PowerShell's own.
// A bare {"value":...} is not taken for a wrapper: PowerShell never writes one.
func wrapperValue(v *node, extra ...string) (*node, bool) {
	if v.kind != nObject || len(v.keys) < 2 {
		return nil, false
	}
	var value *node
	for i, k := range v.keys {
		fk := fold(k)
		if fk == "value" {
			if value != nil {
				return nil, false
			}
			value = v.vals[i]
			continue
		}
		known := false
		for _, e := range extra {
			if fk == e {
				known = true
			}
		}
		if !known && !IsPowerShellProperty(k) {
			return nil, false
		}
	}
	return value, value != nil
}

// scalarWrapper unwraps {"value":"text","PSPath":...} (a Get-Content line) and
// {"value":"\/Date(...)\/","DisplayHint":2,"DateTime":"..."} (a Get-Date value).
func scalarWrapper(v *node) (*node, bool) {
	inner, ok := wrapperValue(v, "displayhint", "datetime")
	if !ok || inner.kind == nObject || inner.kind == nArray {
		return nil, false
	}
	return inner, true
}

// listWrapper unwraps {"value":[...],"Count":n}, Windows PowerShell 5.1's form of an array
// that went through the pipeline with extra properties.
func listWrapper(v *node) (*node, bool) {
	if v.kind != nObject || !hasKey(v, "count") {
		return nil, false
	}
	return wrapperValue(v, "count")
}

func hasKey(v *node, lower string) bool {
	for _, k := range v.keys {
		if fold(k) == lower {
			return true
		}
	}
	return false
}

// elements returns what a list-valued spec should iterate over: the array's elements, or
// the lone value that ConvertTo-Json wrote in place of a one-element array.
func (w *walker) elements(v *node, path *jpath) ([]*node, error) {
	if inner, ok := listWrapper(v); ok {
		v = inner
	}
	switch {
	case v.kind == nArray:
		return v.vals, nil
	case v.kind == nString && LooksCut(v.str):
		return nil, w.cut(path)
	}
	return []*node{v}, nil
}

func (w *walker) list(v *node, s *Spec, path *jpath) error {
	elems, err := w.elements(v, path)
	if err != nil {
		return err
	}
	if len(elems) == 1 && elems[0] != v && elems[0].kind == nNull && v.kind != nArray {
		// {"value":null,"Count":0} is an empty list.
		elems = nil
	}
	if v.kind != nArray && len(elems) == 1 && elems[0] == v && v.kind == nString && v.str == "" && s.elem.kind >= kindObject && s.elem.kind <= kindBypassList {
		return w.cut(path)
	}
	w.out = append(w.out, '[')
	for i, e := range elems {
		if i > 0 {
			w.out = append(w.out, ',')
		}
		if err := w.value(e, s.elem, elemPath(path, i, e, v)); err != nil {
			return err
		}
	}
	w.out = append(w.out, ']')
	return nil
}

// elemPath is the path of a list element; a lone value given instead of a list keeps the
// list's path, since that is where the user wrote it.
func elemPath(path *jpath, i int, e, list *node) *jpath {
	if e == list {
		return path
	}
	return path.index(i)
}

func isBypassSep(r rune) bool { return r == ';' || unicode.IsSpace(r) }

func (w *walker) bypass(v *node, s *Spec, path *jpath) error {
	elems, err := w.elements(v, path)
	if err != nil {
		return err
	}
	w.out = append(w.out, '[')
	n := 0
	for i, e := range elems {
		epath := elemPath(path, i, e, v)
		if inner, ok := scalarWrapper(e); ok {
			e = inner
		}
		if e.kind == nNull && v.kind == nObject {
			// {"value":null,"Count":0} is an empty list.
			continue
		}
		if e.kind != nString {
			return w.fail(epath, "expected a bypass entry (a string such as \"*.example.com\" or \"<local>\"), got %s", describe(e))
		}
		for _, entry := range strings.FieldsFunc(e.str, isBypassSep) {
			if LooksCut(entry) {
				return w.cut(epath)
			}
			if n > 0 {
				w.out = append(w.out, ',')
			}
			w.out = appendString(w.out, entry)
			n++
		}
	}
	w.out = append(w.out, ']')
	return nil
}

func (w *walker) mapping(v *node, s *Spec, path *jpath) error {
	if v.kind == nString && (v.str == "" || LooksCut(v.str)) {
		return w.cut(path)
	}
	if v.kind != nObject {
		return w.mismatch(v, s, path)
	}
	if a, b, dup := duplicateKey(v.keys, skipPowerShell); dup {
		return w.duplicate(path, a, b)
	}
	w.out = append(w.out, '{')
	n := 0
	for i, k := range v.keys {
		if skipPowerShell(k) {
			continue
		}
		if k == "" {
			return w.fail(path, "empty key; hint: remove it or give it a name")
		}
		if n > 0 {
			w.out = append(w.out, ',')
		}
		n++
		w.out = appendString(w.out, k)
		w.out = append(w.out, ':')
		if err := w.value(v.vals[i], s.elem, path.key(k)); err != nil {
			return err
		}
	}
	w.out = append(w.out, '}')
	return nil
}

// skipPowerShell drops from free-form objects only the properties PowerShell is known to
// add; a key such as "PSVersion" may be data there.
func skipPowerShell(k string) bool { return powerShellProperties[fold(k)] }

// duplicateKey finds two keys equal ignoring case, among those skip does not drop.
// Small objects, the usual case, are checked without allocating.
func duplicateKey(keys []string, skip func(string) bool) (a, b string, found bool) {
	if len(keys) <= 8 {
		for i, k := range keys {
			if skip != nil && skip(k) {
				continue
			}
			fk := fold(k)
			for _, prev := range keys[:i] {
				if (skip == nil || !skip(prev)) && fold(prev) == fk {
					return prev, k, true
				}
			}
		}
		return "", "", false
	}
	seen := make(map[string]string, len(keys))
	for _, k := range keys {
		if skip != nil && skip(k) {
			continue
		}
		fk := fold(k)
		if prev, dup := seen[fk]; dup {
			return prev, k, true
		}
		seen[fk] = k
	}
	return "", "", false
}

func (w *walker) any(v *node, path *jpath) error {
	switch v.kind {
	case nNull:
		w.out = append(w.out, "null"...)
	case nTrue:
		w.out = append(w.out, "true"...)
	case nFalse:
		w.out = append(w.out, "false"...)
	case nNumber:
		w.out = append(w.out, v.str...)
	case nString:
		w.out = appendString(w.out, v.str)
	case nArray:
		w.out = append(w.out, '[')
		for i, e := range v.vals {
			if i > 0 {
				w.out = append(w.out, ',')
			}
			if err := w.any(e, path.index(i)); err != nil {
				return err
			}
		}
		w.out = append(w.out, ']')
	case nObject:
		if a, b, dup := duplicateKey(v.keys, nil); dup {
			return w.duplicate(path, a, b)
		}
		w.out = append(w.out, '{')
		for i, k := range v.keys {
			if i > 0 {
				w.out = append(w.out, ',')
			}
			w.out = appendString(w.out, k)
			w.out = append(w.out, ':')
			if err := w.any(v.vals[i], path.key(k)); err != nil {
				return err
			}
		}
		w.out = append(w.out, '}')
	}
	return nil
}

func (w *walker) enum(v *node, s *Spec, path *jpath) error {
	if v.kind != nString {
		if v.kind == nNumber {
			return w.fail(path, "expected one of %s, got the number %s; hint: write the name (ConvertTo-Json -EnumsAsStrings)", quoteList(s.values), short(v.str))
		}
		return w.mismatch(v, s, path)
	}
	for _, e := range s.values {
		if strings.EqualFold(e, v.str) {
			w.out = appendString(w.out, e)
			return nil
		}
	}
	if best := closest(v.str, s.values); best != "" {
		return w.fail(path, "unknown value %s; did you mean %s?", quote(v.str), quote(best))
	}
	return w.fail(path, "unknown value %s; expected one of %s", quote(v.str), quoteList(s.values))
}

func (w *walker) bool(v *node, s *Spec, path *jpath) error {
	switch v.kind {
	case nTrue:
		w.out = append(w.out, "true"...)
		return nil
	case nFalse:
		w.out = append(w.out, "false"...)
		return nil
	case nString:
		switch b := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(v.str)), "$"); b {
		case "true", "false":
			return w.fail(path, "expected true or false, got the string %s; hint: write %s without quotes", quote(v.str), b)
		}
	case nNumber:
		if v.str == "0" || v.str == "1" {
			return w.fail(path, "expected true or false, got the number %s; hint: write %v", v.str, v.str == "1")
		}
	}
	return w.mismatch(v, s, path)
}

func (w *walker) int(v *node, s *Spec, path *jpath) error {
	if v.kind == nString {
		if t := strings.TrimSpace(v.str); isJSONNumber(t) && strings.Trim(t, "-0123456789") == "" {
			return w.fail(path, "expected a whole number %s, got the string %s; hint: write it without quotes", rangeText(s.min, s.max), quote(v.str))
		}
	}
	if v.kind != nNumber {
		return w.mismatch(v, s, path)
	}
	n, err := strconv.ParseInt(v.str, 10, 64)
	if err != nil {
		// 1.0 and 1e3 are whole numbers written another way; 1.5 and 1e30 are not.
		f, ferr := strconv.ParseFloat(v.str, 64)
		switch {
		case ferr != nil || math.Abs(f) >= 1<<63:
			return w.fail(path, "%s is out of range %s", short(v.str), rangeText(s.min, s.max))
		case f != math.Trunc(f):
			return w.fail(path, "expected a whole number %s, got %s", rangeText(s.min, s.max), short(v.str))
		}
		n = int64(f)
	}
	if n < s.min || n > s.max {
		return w.fail(path, "%s is out of range %s", short(v.str), rangeText(s.min, s.max))
	}
	w.out = strconv.AppendInt(w.out, n, 10)
	return nil
}

func (w *walker) number(v *node, s *Spec, path *jpath) error {
	if v.kind == nString {
		if isJSONNumber(strings.TrimSpace(v.str)) {
			return w.fail(path, "expected a number, got the string %s; hint: write it without quotes", quote(v.str))
		}
	}
	if v.kind != nNumber {
		return w.mismatch(v, s, path)
	}
	if _, err := strconv.ParseFloat(v.str, 64); err != nil {
		return w.fail(path, "%s is out of range for a number", short(v.str))
	}
	w.out = append(w.out, v.str...)
	return nil
}

func (w *walker) time(v *node, s *Spec, path *jpath) error {
	if v.kind != nString {
		return w.mismatch(v, s, path)
	}
	t, err := parseTime(v.str)
	if err != nil {
		return w.fail(path, "%s is not %s%s", quote(v.str), s.want(), err.Error())
	}
	w.out = append(w.out, '"')
	w.out = t.AppendFormat(w.out, time.RFC3339Nano)
	w.out = append(w.out, '"')
	return nil
}

// isJSONNumber reports whether s is a JSON number, so that a hint to drop the quotes
// leads to valid JSON ("NaN", "0x10" and "+3" are strings to ParseFloat, not to JSON).
func isJSONNumber(s string) bool {
	return s != "" && (s[0] == '-' || '0' <= s[0] && s[0] <= '9') && json.Valid([]byte(s))
}

// errTime carries a hint (possibly empty) for a time that cannot be read.
type errTime string

func (e errTime) Error() string { return string(e) }

// parseTime reads RFC 3339 and the /Date(ms)/ form that JavaScriptSerializer (and so
// Windows PowerShell 5.1) writes, optionally with the +hhmm suffix other .NET serializers
// add; the milliseconds are UTC either way. Years outside 1-9999 are refused because
// RFC 3339 cannot write them.
func parseTime(s string) (time.Time, error) {
	var t time.Time
	if rest, ok := strings.CutPrefix(s, "/Date("); ok {
		body, ok := strings.CutSuffix(rest, ")/")
		if !ok {
			return t, errTime("")
		}
		if i := strings.LastIndexAny(body, "+-"); i > 0 {
			off := body[i+1:]
			if len(off) != 4 || strings.Trim(off, "0123456789") != "" {
				return t, errTime("")
			}
			body = body[:i]
		}
		ms, err := strconv.ParseInt(body, 10, 64)
		if err != nil || body[0] == '+' {
			return t, errTime("")
		}
		const limit = 253402300799999 // 9999-12-31T23:59:59.999Z
		if ms < -62135596800000 || ms > limit {
			return t, errTime("; hint: the year must be 1-9999")
		}
		return time.UnixMilli(ms).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		if _, lerr := time.Parse("2006-01-02T15:04:05.999999999", s); lerr == nil {
			return t, errTime("; hint: add Z for UTC or an offset such as +01:00")
		}
		return t, errTime("")
	}
	t = t.UTC()
	if t.Year() < 1 || t.Year() > 9999 {
		return t, errTime("; hint: the year must be 1-9999")
	}
	return t, nil
}
