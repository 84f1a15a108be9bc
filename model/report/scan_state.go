package report

import (
	"ccproxy/model"
	"ccproxy/model/bypass"
	"ccproxy/model/compliance"
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

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
		s.Bypass = model.Ptr(model.RedactProxyList(*s.Bypass))
	}
	if s.AutoConfigURL != nil {
		s.AutoConfigURL = model.Ptr(model.RedactURL(*s.AutoConfigURL))
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

func (d *Doc) readTest(compliant, verdict, missingEv, findings gjson.Result) *docError {
	t := &docTest{}
	var err *docError
	if t.compliant, err = reqBool(compliant, "$.compliant"); err != nil {
		return err
	}
	// Documents from before the three-valued verdict have none: compliant says it.
	t.verdict = verdictNotCompliant
	if t.compliant {
		t.verdict = verdictCompliant
	}
	if verdict.Exists() {
		k := -1
		if verdict.Type == gjson.String {
			k = slices.Index(testVerdictNames, verdict.Str)
		}
		if k < 0 {
			return wrongType(verdict, "$.verdict", "one of "+strings.Join(testVerdictNames, ", "))
		}
		if (uint8(k) == verdictCompliant) != t.compliant {
			return fail("$.verdict", "%s contradicts \"compliant\": %v; hint: the document was changed after ccproxy wrote it", quote(verdict.Str), t.compliant)
		}
		t.verdict = uint8(k)
	}
	// missingEvidence came with the verdict: older documents have none.
	if missingEv.Exists() {
		err = each(missingEv, "$.missingEvidence", func(i int, m gjson.Result) *docError {
			if err := object(m, elemPath("$.missingEvidence", i, "")); err != nil {
				return err
			}
			what, supply := m.Get("what"), m.Get("supply")
			if what.Type != gjson.String {
				return wrongType(what, elemPath("$.missingEvidence", i, ".what"), "a string")
			}
			if supply.Type != gjson.String {
				return wrongType(supply, elemPath("$.missingEvidence", i, ".supply"), "a string")
			}
			if len(t.missing) < maxMissingEvidence {
				t.missing = append(t.missing, compliance.MissingEvidence{What: shownText(what.Str), Supply: shownText(supply.Str)})
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	var ev [numEvidence]gjson.Result
	found := 0
	ieKnown := -1 // unknown until installerNoAutoProxy is seen
	err = each(findings, "$.findings", func(i int, f gjson.Result) *docError {
		if !f.IsObject() {
			return wrongType(f, elemPath("$.findings", i, ""), "an object")
		}
		var id, status, remediation gjson.Result
		evidenceSeen := found == numEvidence
		// Stop reading a finding once what is needed is in hand: the message and the
		// evidence are most of its bytes. A fail or a warn is read to its remediation.
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
			case "remediation":
				remediation = v
			}
			return !(id.Exists() && status.Exists() && evidenceSeen)
		})
		if !remediation.Exists() && status.Type == gjson.String && (status.Str == "fail" || status.Str == "warn") {
			remediation = lastKey(f.Raw, "remediation")
		}
		if id.Type != gjson.String || id.Str == "" {
			return wrongType(id, elemPath("$.findings", i, ".id"), "a finding id")
		}
		st := statusIndex(status)
		if st < 0 {
			return wrongType(status, elemPath("$.findings", i, ".status"), "one of "+strings.Join(statusNames, ", "))
		}
		if len(id.Str) > maxIDLength {
			return fail(elemPath("$.findings", i, ".id"), "longer than %d characters: not a finding id ccproxy writes", maxIDLength)
		}
		// An id counts once per document, at its most severe status: a document that lists
		// one id 500 times speaks for one machine, and cannot hide a fail behind a pass. A
		// repeat is merged, not left out: leftOut.findings counts only distinct ids over the
		// limit.
		if k := slices.IndexFunc(t.findings, func(f findingStatus) bool { return f.id == id.Str }); k >= 0 {
			if severity[st] > severity[t.findings[k].status] {
				t.findings[k].status, t.findings[k].fix = uint8(st), fixText(remediation)
			}
		} else if len(t.findings) == MaxFindingsPerDocument {
			d.leftOut[leftFindings]++
		} else {
			t.findings = append(t.findings, findingStatus{id: strings.Clone(id.Str), status: uint8(st), fix: fixText(remediation)})
		}
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

// lastKey is the value of the last key named key in the object raw, found from its end
// without parsing what comes before: ccproxy writes a finding's remediation last, after its
// message and evidence, which are most of its bytes. An escaped quote cannot match, since
// the name must be followed by its closing quote and a colon.
func lastKey(raw, key string) gjson.Result {
	i := strings.LastIndex(raw, `"`+key+`"`)
	if i < 0 {
		return gjson.Result{}
	}
	rest := strings.TrimLeft(raw[i+len(key)+2:], " \t\r\n")
	if !strings.HasPrefix(rest, ":") {
		return gjson.Result{}
	}
	return gjson.Parse(strings.TrimLeft(rest[1:], " \t\r\n"))
}

// maxFixLength bounds the fix kept of one finding; ccproxy's are one sentence and a command.
const maxFixLength = 1000

// maxMissingEvidence bounds the missing evidence kept of one test document; ccproxy names a
// handful (compliance.Checker.missingEvidence).
const maxMissingEvidence = 16

// shownText is a string of a document kept to show: at most maxFixLength bytes, credentials
// redacted, not pointing into the input.
func shownText(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxFixLength {
		s = strings.ToValidUTF8(s[:maxFixLength], "") + "..."
	}
	return strings.Clone(model.RedactCredentials(s))
}

// fixText is a remediation as one line: its summary, then its command; "" for none. It is
// not checked further: a fix only shows.
func fixText(r gjson.Result) string {
	if !r.IsObject() {
		return ""
	}
	s := strings.TrimSpace(r.Get("summary").String())
	if c := strings.TrimSpace(r.Get("command").String()); c != "" {
		s += ": " + c
	}
	// gjson reads the input in place: the fix must not point into it.
	return shownText(s)
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

func (d *Doc) readCheck(ok, allRequired, allRoutes, interception, endpoints gjson.Result) *docError {
	c := &docCheck{}
	var err *docError
	if c.ok, err = reqBool(ok, "$.ok"); err != nil {
		return err
	}
	// "ok" is what the fleet counts, so it must agree with the evidence the same document
	// carries, as check computes it (probe.go: every required endpoint reached, every route
	// as expected, no interception detected, ...). A document edited to say ok over its own
	// failures is refused, as a test document whose verdict contradicts "compliant" is.
	// Both are in every check document ccproxy writes; one without them says nothing against "ok".
	reachable, routes := true, true
	if allRequired.Exists() {
		if reachable, err = reqBool(allRequired, "$.allRequiredReachable"); err != nil {
			return err
		}
	}
	if allRoutes.Exists() {
		if routes, err = reqBool(allRoutes, "$.allRoutesAsExpected"); err != nil {
			return err
		}
	}
	contradicts := func(path, what string) *docError {
		return fail(path, "%s contradicts \"ok\": true; hint: the document was changed after ccproxy wrote it", what)
	}
	if c.ok && !reachable {
		return contradicts("$.allRequiredReachable", "false")
	}
	if c.ok && !routes {
		return contradicts("$.allRoutesAsExpected", "false")
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
	if c.ok && verdictNames[c.verdict] == "detected" {
		return contradicts("$.interception.verdict", `"detected"`)
	}
	err = each(interception.Get("issuers"), "$.interception.issuers", func(i int, v gjson.Result) *docError {
		if v.Type != gjson.String {
			return wrongType(v, elemPath("$.interception.issuers", i, ""), "a string")
		}
		if len(c.issuers) == MaxIssuersPerDocument {
			d.leftOut[leftIssuers]++
			return nil
		}
		c.issuers = append(c.issuers, keep(v.Str, maxIssuerLength))
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
		var host, port, status, failure, required gjson.Result
		e.ForEach(func(k, v gjson.Result) bool {
			switch k.Str {
			case "required":
				required = v
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
		if required.Type == gjson.True && status.Str != "pass" && reachable && allRequired.Exists() {
			return fail(path+".status", "%s of a required endpoint contradicts \"allRequiredReachable\": true; hint: the document was changed after ccproxy wrote it", quote(status.Str))
		}
		if status.Str != "fail" {
			return nil
		}
		if host.Type != gjson.String || host.Str == "" || len(host.Str) > maxHostLength {
			return wrongType(host, path+".host", "a host name")
		}
		if port.Type != gjson.Number || port.Int() < 0 || port.Int() > 65535 {
			return wrongType(port, path+".port", "a port number")
		}
		f, err := optString(failure, path+".failure")
		if err != nil {
			return err
		}
		if len(c.unreachable) == MaxEndpointsPerDocument {
			d.leftOut[leftEndpoints]++
			return nil
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
