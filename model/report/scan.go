package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/tidwall/gjson"

	"ccproxy/model"
	"ccproxy/model/compliance"
)

// Kind is the kind of an input document.
type Kind uint8

// The kinds the report reads.
const (
	KindState Kind = iota // ccproxy/state@1, from 'get'
	KindTest              // ccproxy/test@1, from 'test'
	KindCheck             // ccproxy/check@1, from 'check'
	numKinds
)

var kindNames = [numKinds]string{"state", "test", "check"}

func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "unknown"
}

// Finding statuses, in the order FindingCount lists them.
const (
	statusPass uint8 = iota
	statusFail
	statusWarn
	statusNotApplicable
	statusNotChecked
)

var statusNames = []string{"pass", "fail", "warn", "notApplicable", "notChecked"}

// Test verdicts (ccproxy/test@1's verdict), in the order Machines counts them.
const (
	verdictCompliant uint8 = iota
	verdictNotCompliant
	verdictIncomplete
)

var testVerdictNames = []string{"compliant", "notCompliant", "incomplete"}

// severity orders statuses for an id a document lists twice: the most severe counts.
var severity = [...]int{statusPass: 0, statusNotApplicable: 1, statusNotChecked: 2, statusWarn: 3, statusFail: 4}

// Interception verdicts, in the order VerdictCounts lists them.
var verdictNames = []string{"none", "suspected", "detected", "unknown"}

// Doc is what the report keeps of one accepted document: a few strings and flags, never the
// document itself, so that memory does not grow with the size of the inputs.
type Doc struct {
	Kind         Kind
	File         string
	Line         int // where the document starts in an input holding several; 0 otherwise
	Host         string
	HostFromFile bool
	// Attested: the file or its folder is named after the host (NamesHost), so the
	// document is where the host itself would have written it.
	Attested bool
	// Shared: the document came from an input that holds several documents (JSON Lines,
	// a list), which may speak for several hosts.
	Shared bool
	At     int64 // source.readAt (startedAt for check), in Unix nanoseconds

	leftOut [numLeftOut]int32 // entries over the limits of one document

	settings *docSettings // state and test
	test     *docTest
	check    *docCheck
}

type docSettings struct {
	services, installer Settings
	mismatch            *bool
}

type findingStatus struct {
	id     string
	status uint8
	fix    string // for a fail or a warn: remediation's summary, then its command
}

type docTest struct {
	compliant bool
	verdict   uint8 // verdictCompliant, verdictNotCompliant or verdictIncomplete
	findings  []findingStatus
	missing   []compliance.MissingEvidence // the first maxMissingEvidence, each string bounded
}

type docCheck struct {
	ok          bool
	verdict     uint8
	issuers     []string
	unreachable []EndpointFailure
}

// docError is why a document is rejected: the JSON path (or line and column) and the problem.
type docError struct{ place, msg string }

func (e *docError) Error() string {
	if e.place == "" {
		return e.msg
	}
	return e.place + ": " + e.msg
}

func fail(place, format string, args ...any) *docError {
	return &docError{place: place, msg: fmt.Sprintf(format, args...)}
}

// Scan reads one document. single says the input holds only this document, which allows
// the host to come from the file name when the document names none (see HostFromFileName).
// text must be UTF-8; Scan keeps no reference to it.
func Scan(file string, line int, single bool, text []byte) (Doc, *RejectedDoc) {
	return scanChecked(file, line, single, text, false)
}

// scanChecked is Scan for callers that may have validated the JSON already.
func scanChecked(file string, line int, single bool, text []byte, valid bool) (Doc, *RejectedDoc) {
	d, err := scan(file, line, single, text, valid)
	if err != nil {
		return Doc{}, reject(file, line, err.Error())
	}
	return d, nil
}

func reject(file string, line int, reason string) *RejectedDoc {
	r := &RejectedDoc{File: file, Reason: model.RedactCredentials(reason)}
	if line > 0 {
		r.Line = model.Ptr(line)
	}
	return r
}

func scan(file string, line int, single bool, text []byte, valid bool) (Doc, *docError) {
	if len(text) == 0 {
		return Doc{}, fail("", "empty document")
	}
	if !valid {
		if err := depthError(text); err != nil {
			return Doc{}, err
		}
	}
	if !valid && !gjson.ValidBytes(text) {
		return Doc{}, syntaxError(text)
	}
	// gjson reads the caller's bytes in place, without a copy: every string kept in the
	// Doc is cloned (strings.Clone) or built anew, so none points into text once Scan returns.
	root := gjson.Parse(unsafe.String(&text[0], len(text)))
	if !root.IsObject() {
		return Doc{}, fail("", "not a JSON object; hint: give the documents that ccproxy get, test and check write")
	}
	var schema, source, effective, compliant, verdict, missingEv, findings, startedAt, ok, allRequired, allRoutes, interception, endpoints gjson.Result
	root.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "schema":
			schema = v
		case "source":
			source = v
		case "effective":
			effective = v
		case "compliant":
			compliant = v
		case "verdict":
			verdict = v
		case "missingEvidence":
			missingEv = v
		case "findings":
			findings = v
		case "startedAt":
			startedAt = v
		case "ok":
			ok = v
		case "allRequiredReachable":
			allRequired = v
		case "allRoutesAsExpected":
			allRoutes = v
		case "interception":
			interception = v
		case "endpoints":
			endpoints = v
		}
		return true
	})
	kind, err := schemaKind(schema)
	if err != nil {
		return Doc{}, err
	}
	if err := checkTopLevel(kind, root); err != nil {
		return Doc{}, err
	}
	d := Doc{Kind: kind, File: file, Line: line}
	switch kind {
	case KindState, KindTest:
		if err := d.readSource(source, true); err != nil {
			return Doc{}, err
		}
	case KindCheck:
		// A check document records when it started; a source object is optional.
		if d.At, err = timeValue(startedAt, "$.startedAt"); err != nil {
			return Doc{}, err
		}
		if err := d.readSource(source, false); err != nil {
			return Doc{}, err
		}
	}
	if err := d.hostOrFallback(file, single); err != nil {
		return Doc{}, err
	}
	d.Attested = d.HostFromFile || NamesHost(file, d.Host)
	d.Shared = !single
	switch kind {
	case KindState:
		err = d.readState(effective)
	case KindTest:
		err = d.readTest(compliant, verdict, missingEv, findings)
	case KindCheck:
		err = d.readCheck(ok, allRequired, allRoutes, interception, endpoints)
	}
	if err != nil {
		return Doc{}, err
	}
	return d, nil
}

// syntaxError places the first syntax error; encoding/json is slower than gjson but only
// runs on the documents that fail.
func syntaxError(text []byte) *docError {
	var v json.RawMessage
	err := json.Unmarshal(text, &v)
	var se *json.SyntaxError
	if err == nil || !errors.As(err, &se) {
		return fail("", "not valid JSON")
	}
	if se.Offset >= int64(len(bytes.TrimRight(text, " \t\r\n"))) {
		return fail("", "not valid JSON: the document is cut short; hint: the file was not written completely")
	}
	l, c := position(text, int(se.Offset)-1)
	return fail(fmt.Sprintf("line %d, column %d", l, c), "not valid JSON: %s", se.Error())
}

func position(text []byte, off int) (line, col int) {
	if off < 0 {
		off = 0
	}
	if off > len(text) {
		off = len(text)
	}
	before := text[:off]
	line = 1 + bytes.Count(before, []byte{'\n'})
	if nl := bytes.LastIndexByte(before, '\n'); nl >= 0 {
		before = before[nl+1:]
	}
	return line, 1 + len([]rune(string(before)))
}

func schemaKind(v gjson.Result) (Kind, *docError) {
	if !v.Exists() {
		return 0, fail("$.schema", "missing: not a ccproxy document; hint: give the documents that ccproxy get, test and check write")
	}
	if v.Type != gjson.String {
		return 0, fail("$.schema", "%s, want a string such as \"ccproxy/test@1\"", describe(v))
	}
	s := v.Str
	name, major, found := strings.Cut(strings.TrimPrefix(s, "ccproxy/"), "@")
	if !strings.HasPrefix(s, "ccproxy/") || !found {
		return 0, fail("$.schema", "%s is not a ccproxy document kind; hint: give the documents that ccproxy get, test and check write", quote(s))
	}
	for k, n := range kindNames {
		if n == name {
			if major != "1" {
				return 0, fail("$.schema", "%s: unknown major version of %s documents; hint: this ccproxy reads %s@1, use the ccproxy that wrote it", quote(s), name, "ccproxy/"+name)
			}
			return Kind(k), nil
		}
	}
	return 0, fail("$.schema", "%s documents are not read by the report; hint: give the documents that ccproxy get, test and check write", quote(s))
}

func (d *Doc) readSource(source gjson.Result, required bool) *docError {
	if !source.Exists() || source.Type == gjson.Null {
		if required {
			return missing("$.source")
		}
		return nil
	}
	if !source.IsObject() {
		return wrongType(source, "$.source", "an object")
	}
	var host, readAt gjson.Result
	source.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "host":
			host = v
		case "readAt":
			readAt = v
		}
		return true
	})
	switch host.Type {
	case gjson.Null:
	case gjson.String:
		if h := strings.TrimSpace(host.Str); len(h) > maxHostLength {
			return fail("$.source.host", "longer than %d characters, the most a DNS name has (RFC 1035 section 2.3.4); hint: this is not a host name", maxHostLength)
		}
		d.Host = strings.Clone(strings.TrimSpace(host.Str))
	default:
		return wrongType(host, "$.source.host", "a string or null")
	}
	if required {
		var err *docError
		if d.At, err = timeValue(readAt, "$.source.readAt"); err != nil {
			return err
		}
	}
	return nil
}

func (d *Doc) hostOrFallback(file string, single bool) *docError {
	if d.Host != "" {
		return nil
	}
	if !single {
		return fail("$.source.host", "null, and the host cannot come from the file name of an input holding several documents; hint: run ccproxy on the machine itself (the live registry names the host) or save one document per file named after its host")
	}
	if file == StdinName {
		return fail("$.source.host", "null, and stdin has no file name to take the host from; hint: save one document per file named after its host")
	}
	h := HostFromFileName(file)
	if h == "" {
		return fail("$.source.host", "null, and the file name %s gives no host; hint: name the file after the host, such as CC01.json", quote(file))
	}
	d.Host, d.HostFromFile = h, true
	return nil
}

// timeValue reads an RFC 3339 time or Windows PowerShell 5.1's "\/Date(ms)\/".
func timeValue(v gjson.Result, path string) (int64, *docError) {
	if !v.Exists() || v.Type == gjson.Null {
		return 0, missing(path)
	}
	if v.Type != gjson.String {
		return 0, wrongType(v, path, "an RFC 3339 time")
	}
	s := v.Str
	if strings.HasPrefix(s, "/Date(") && strings.HasSuffix(s, ")/") {
		ms, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(s, "/Date("), ")/"), 10, 64)
		if err == nil {
			return time.UnixMilli(ms).UnixNano(), nil
		}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, fail(path, "%s is not an RFC 3339 time such as 2026-03-01T12:00:00Z", quote(s))
	}
	return t.UnixNano(), nil
}
