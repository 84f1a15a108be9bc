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
	"ccproxy/model/bypass"
	"ccproxy/model/jsonin"
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
	At           int64 // source.readAt (startedAt for check), in Unix nanoseconds

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
}

type docTest struct {
	compliant bool
	findings  []findingStatus
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
	if !valid && !gjson.ValidBytes(text) {
		return Doc{}, syntaxError(text)
	}
	// gjson reads the caller's bytes in place, without a copy: every string kept in the
	// Doc is cloned (strings.Clone) or built anew, so none points into text once Scan returns.
	root := gjson.Parse(unsafe.String(&text[0], len(text)))
	if !root.IsObject() {
		return Doc{}, fail("", "not a JSON object; hint: give the documents that ccproxy get, test and check write")
	}
	var schema, source, effective, compliant, findings, startedAt, ok, interception, endpoints gjson.Result
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
		case "findings":
			findings = v
		case "startedAt":
			startedAt = v
		case "ok":
			ok = v
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
	switch kind {
	case KindState:
		err = d.readState(effective)
	case KindTest:
		err = d.readTest(compliant, findings)
	case KindCheck:
		err = d.readCheck(ok, interception, endpoints)
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

func (d *Doc) readState(effective gjson.Result) *docError {
	if err := object(effective, "$.effective"); err != nil {
		return err
	}
	var services, installer, same gjson.Result
	effective.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "services":
			services = v
		case "installer":
			installer = v
		case "same":
			same = v
		}
		return true
	})
	s := &docSettings{}
	var err *docError
	if s.services, err = stackSettings(services, "$.effective.services"); err != nil {
		return err
	}
	if s.installer, err = stackSettings(installer, "$.effective.installer"); err != nil {
		return err
	}
	if s.mismatch, err = optBool(same, "$.effective.same"); err != nil {
		return err
	}
	if s.mismatch != nil {
		s.mismatch = model.Ptr(!*s.mismatch)
	}
	d.settings = s
	return nil
}

func stackSettings(v gjson.Result, path string) (Settings, *docError) {
	var s Settings
	if err := object(v, path); err != nil {
		return s, err
	}
	var mode, proxy, byp, pac, detect gjson.Result
	v.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "mode":
			mode = v
		case "proxy":
			proxy = v
		case "bypass":
			byp = v
		case "autoConfigUrl":
			pac = v
		case "autoDetect":
			detect = v
		}
		return true
	})
	var err *docError
	if s.Mode, err = optString(mode, path+".mode"); err != nil {
		return s, err
	}
	if s.Proxy, err = rawOf(proxy, path+".proxy"); err != nil {
		return s, err
	}
	if s.Bypass, err = rawOf(byp, path+".bypass"); err != nil {
		return s, err
	}
	if s.AutoConfigURL, err = optString(pac, path+".autoConfigUrl"); err != nil {
		return s, err
	}
	if s.AutoDetect, err = optBool(detect, path+".autoDetect"); err != nil {
		return s, err
	}
	s.redact()
	return s, nil
}

// rawOf reads the "raw" string of a proxy or bypass object, which may be null.
func rawOf(v gjson.Result, path string) (*string, *docError) {
	if !v.Exists() || v.Type == gjson.Null {
		return nil, nil
	}
	if !v.IsObject() {
		return nil, wrongType(v, path, "an object or null")
	}
	return optString(v.Get("raw"), path+".raw")
}

// redact hides credentials, so that no output shows them and machines that differ only in a
// password share a group.
func (s *Settings) redact() {
	if s.Proxy != nil {
		s.Proxy = model.Ptr(bypass.RedactCredentials(*s.Proxy))
	}
	if s.Bypass != nil {
		s.Bypass = model.Ptr(model.RedactCredentials(*s.Bypass))
	}
	if s.AutoConfigURL != nil {
		s.AutoConfigURL = model.Ptr(model.RedactCredentials(*s.AutoConfigURL))
	}
}

// Evidence paths the settings are read from in a test document. The findings of 'test'
// carry the values they looked at; these paths are part of that document's contract.
var evidencePaths = [numEvidence]string{
	"winhttp.native.mode", "winhttp.native.proxy.raw", "winhttp.native.bypass.raw",
	"wininet.manualProxy", "wininet.proxy.raw", "wininet.bypass.raw",
	"wininet.autoDetect", "wininet.autoConfigUrl",
}

const (
	evNatMode = iota
	evNatProxy
	evNatBypass
	evManual
	evIEProxy
	evIEBypass
	evIEDetect
	evIEPAC
	numEvidence
)

func (d *Doc) readTest(compliant, findings gjson.Result) *docError {
	t := &docTest{}
	var err *docError
	if t.compliant, err = reqBool(compliant, "$.compliant"); err != nil {
		return err
	}
	var ev [numEvidence]gjson.Result
	found := 0
	ieKnown := -1 // unknown until installerNoAutoProxy is seen
	err = each(findings, "$.findings", func(i int, f gjson.Result) *docError {
		if !f.IsObject() {
			return wrongType(f, elemPath("$.findings", i, ""), "an object")
		}
		var id, status gjson.Result
		evidenceSeen := found == numEvidence
		// Stop reading a finding once what is needed is in hand: the message and the
		// evidence are most of its bytes.
		f.ForEach(func(k, v gjson.Result) bool {
			switch k.Str {
			case "id":
				id = v
			case "status":
				status = v
			case "evidence":
				evidenceSeen = true
				if v.IsArray() {
					found += collectEvidence(v, &ev)
				}
			}
			return !(id.Exists() && status.Exists() && evidenceSeen)
		})
		if id.Type != gjson.String || id.Str == "" {
			return wrongType(id, elemPath("$.findings", i, ".id"), "a finding id")
		}
		st := statusIndex(status)
		if st < 0 {
			return wrongType(status, elemPath("$.findings", i, ".status"), "one of "+strings.Join(statusNames, ", "))
		}
		t.findings = append(t.findings, findingStatus{id: strings.Clone(id.Str), status: uint8(st)})
		if id.Str == "installerNoAutoProxy" {
			// Its only reason to be notChecked is a source without WinINet settings.
			ieKnown = 0
			if uint8(st) != statusNotChecked {
				ieKnown = 1
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s, err := settingsFromEvidence(ev, ieKnown)
	if err != nil {
		return err
	}
	d.test, d.settings = t, s
	return nil
}

// elemPath is the path of element i of the list at path, and of rest within it.
func elemPath(path string, i int, rest string) string {
	return path + "[" + strconv.Itoa(i) + "]" + rest
}

func statusIndex(v gjson.Result) int {
	if v.Type == gjson.String {
		for n, s := range statusNames {
			if v.Str == s {
				return n
			}
		}
	}
	return -1
}

// collectEvidence takes the values of the evidence paths not found yet and says how many.
func collectEvidence(list gjson.Result, ev *[numEvidence]gjson.Result) int {
	n := 0
	list.ForEach(func(_, e gjson.Result) bool {
		var path, value gjson.Result
		e.ForEach(func(k, v gjson.Result) bool {
			switch k.Str {
			case "path":
				path = v
			case "value":
				value = v
			}
			return !(path.Exists() && value.Exists())
		})
		for i, want := range evidencePaths {
			if path.Str == want && !ev[i].Exists() && value.Exists() {
				ev[i] = value
				n++
			}
		}
		return true
	})
	return n
}

// settingsFromEvidence rebuilds what a state document says under "effective", with the
// same rules (model.ReadState's effective): WinHTTP's proxy counts in proxy mode only;
// WinINet tries auto-detect, then the PAC script, then the manual proxy.
func settingsFromEvidence(ev [numEvidence]gjson.Result, ieKnown int) (*docSettings, *docError) {
	var v [numEvidence]*string
	var b [numEvidence]*bool
	for n, r := range ev {
		var err *docError
		switch n {
		case evManual, evIEDetect:
			b[n], err = optBool(r, "")
		default:
			v[n], err = optString(r, "")
		}
		if err != nil {
			err.place = "the evidence " + quote(evidencePaths[n])
			return nil, err
		}
	}
	s := &docSettings{}
	svc := &s.services
	if svc.Mode = v[evNatMode]; svc.Mode != nil {
		if *svc.Mode == "proxy" {
			svc.Proxy, svc.Bypass = v[evNatProxy], v[evNatBypass]
		}
		svc.AutoDetect = model.Ptr(false)
	}
	if ieKnown < 0 && (b[evManual] != nil || b[evIEDetect] != nil || v[evIEPAC] != nil || v[evIEProxy] != nil) {
		ieKnown = 1
	}
	if ieKnown == 1 {
		ie := &s.installer
		manual := b[evManual] != nil && *b[evManual]
		mode := "direct"
		switch {
		case b[evIEDetect] != nil && *b[evIEDetect]:
			mode = "autoDetect"
		case v[evIEPAC] != nil:
			mode = "autoConfig"
		case manual && v[evIEProxy] != nil:
			mode = "proxy"
		}
		ie.Mode, ie.AutoConfigURL, ie.AutoDetect = &mode, v[evIEPAC], b[evIEDetect]
		if manual {
			ie.Proxy, ie.Bypass = v[evIEProxy], v[evIEBypass]
		}
	}
	if svc.Mode != nil && s.installer.Mode != nil {
		same := *svc.Mode == *s.installer.Mode && eq(svc.Proxy, s.installer.Proxy) && eq(svc.Bypass, s.installer.Bypass)
		s.mismatch = model.Ptr(!same)
	}
	s.services.redact()
	s.installer.redact()
	return s, nil
}

func eq(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func (d *Doc) readCheck(ok, interception, endpoints gjson.Result) *docError {
	c := &docCheck{}
	var err *docError
	if c.ok, err = reqBool(ok, "$.ok"); err != nil {
		return err
	}
	if err = object(interception, "$.interception"); err != nil {
		return err
	}
	verdict := interception.Get("verdict")
	c.verdict = 255
	for n, s := range verdictNames {
		if verdict.Type == gjson.String && verdict.Str == s {
			c.verdict = uint8(n)
		}
	}
	if c.verdict == 255 {
		return wrongType(verdict, "$.interception.verdict", "one of "+strings.Join(verdictNames, ", "))
	}
	err = each(interception.Get("issuers"), "$.interception.issuers", func(i int, v gjson.Result) *docError {
		if v.Type != gjson.String {
			return wrongType(v, elemPath("$.interception.issuers", i, ""), "a string")
		}
		c.issuers = append(c.issuers, strings.Clone(v.Str))
		return nil
	})
	if err != nil {
		return err
	}
	err = each(endpoints, "$.endpoints", func(i int, e gjson.Result) *docError {
		path := elemPath("$.endpoints", i, "")
		if !e.IsObject() {
			return wrongType(e, path, "an object")
		}
		var host, port, status, failure gjson.Result
		e.ForEach(func(k, v gjson.Result) bool {
			switch k.Str {
			case "host":
				host = v
			case "port":
				port = v
			case "status":
				status = v
			case "failure":
				failure = v
			}
			return true
		})
		if status.Type != gjson.String {
			return wrongType(status, path+".status", "pass, fail or notChecked")
		}
		if status.Str != "fail" {
			return nil
		}
		if host.Type != gjson.String || host.Str == "" {
			return wrongType(host, path+".host", "a host name")
		}
		if port.Type != gjson.Number || port.Int() < 0 || port.Int() > 65535 {
			return wrongType(port, path+".port", "a port number")
		}
		f, err := optString(failure, path+".failure")
		if err != nil {
			return err
		}
		c.unreachable = append(c.unreachable, EndpointFailure{Endpoint: joinHostPort(host.Str, strconv.FormatInt(port.Int(), 10)), Failure: f})
		return nil
	})
	if err != nil {
		return err
	}
	d.check = c
	return nil
}

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
		return model.Ptr(strings.Clone(v.Str)), nil
	}
	return nil, wrongType(v, path, "a string or null")
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
	return fail(path, "%s, want %s", describe(v), want)
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
