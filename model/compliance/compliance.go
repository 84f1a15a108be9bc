// Package compliance checks a proxy state against the Citrix Cloud Connector's proxy
// requirements (R1-R8 in the project's reference) and explains how WinHTTP routes a URL.
//
// Evaluate is a pure function from a model.State and Options to a ccproxy/test@1 report:
// each finding has a stable id, the requirements it serves, a severity, a status, the
// values it looked at and, where one exists, a ready 'ccproxy plan ...' command line.
// Route is the same routing decision that the internal-resource check (R7) makes, for
// 'ccproxy route', so the two commands always agree.
package compliance

import (
	"ccproxy/model"
	"ccproxy/model/catalog"
)

// Document kinds.
const (
	SchemaTest   = "ccproxy/test@1"
	SchemaRoute  = "ccproxy/route@1"
	SchemaIntune = "ccproxy/intune@1"
)

// Statuses of a finding.
const (
	StatusPass          = "pass"
	StatusFail          = "fail"
	StatusWarn          = "warn"
	StatusNotApplicable = "notApplicable"
	StatusNotChecked    = "notChecked" // the source does not hold what the check needs: never a pass
)

// Severities: what a failure costs the connector.
const (
	SeverityHigh   = "high"   // the connector or its installer cannot reach Citrix Cloud
	SeverityMedium = "medium" // some traffic or some components take the wrong route
	SeverityLow    = "low"
)

// Report is the ccproxy/test@1 document.
type Report struct {
	Schema string       `json:"schema"`
	Source model.Source `json:"source" doc:"where the state came from, as in ccproxy/state@1"`
	// Compliant is true only for the verdict "compliant": no finding failed, and the source
	// let the checks decide what the services use and whether that is right. Warnings and
	// unchecked findings do not count against it; the summary says how many there are.
	Compliant bool `json:"compliant" doc:"true only when verdict is compliant"`
	// Verdict is three-valued so that a source that cannot show what the services use (a
	// netsh text alone, an export without WinHTTP) is never read as compliant.
	Verdict         string            `json:"verdict" enum:"compliant,notCompliant,incomplete" doc:"compliant: nothing failed and the evidence was enough to decide; notCompliant: a finding failed; incomplete: nothing failed, but the source lacks what the decision needs (missingEvidence names it)"`
	MissingEvidence []MissingEvidence `json:"missingEvidence" doc:"what the source lacks for a verdict, and the one command or export that supplies it; [] when nothing is missing"`
	Summary         Summary           `json:"summary"`
	Internal        []string          `json:"internal" doc:"internal resources checked against the bypass list (--internal, --internal-file)"`
	Findings        []Finding         `json:"findings"`
}

// Verdicts.
const (
	VerdictCompliant    = "compliant"
	VerdictNotCompliant = "notCompliant"
	VerdictIncomplete   = "incomplete"
)

// MissingEvidence is one piece of evidence a verdict needs that the source does not hold.
type MissingEvidence struct {
	What   string `json:"what" doc:"the evidence, in words"`
	Supply string `json:"supply" doc:"the one command or export that supplies it"`
}

// Summary counts findings by status.
type Summary struct {
	Total         int `json:"total"`
	Pass          int `json:"pass"`
	Fail          int `json:"fail"`
	Warn          int `json:"warn"`
	NotApplicable int `json:"notApplicable"`
	NotChecked    int `json:"notChecked"`
}

// Finding is the outcome of one check, or of one check on one subject (an internal host).
type Finding struct {
	// ID is stable across runs: the check id, or "check:subject" for per-subject checks.
	ID           string       `json:"id" doc:"stable: the check id, or check:subject"`
	Check        string       `json:"check"`
	Subject      *string      `json:"subject" doc:"the internal host for per-host checks, else null"`
	Title        string       `json:"title"`
	Requirements []string     `json:"requirements" doc:"what this check serves: the Cloud Connector proxy requirements R1-R8, a Citrix article (CTX335879), or the connector's machine prerequisites"`
	Severity     string       `json:"severity" enum:"high,medium,low"`
	Status       string       `json:"status" enum:"pass,fail,warn,notApplicable,notChecked"`
	Message      string       `json:"message" doc:"what was found, in one or two sentences"`
	Evidence     []Evidence   `json:"evidence" doc:"the values the check looked at"`
	Remediation  *Remediation `json:"remediation" doc:"what to do; null when nothing needs doing"`
}

// Evidence is one value a check looked at. Path names it in the ccproxy/state@1 document
// where it comes from there.
type Evidence struct {
	Path  string `json:"path"`
	Value any    `json:"value" doc:"the value as found: string, boolean, number or null"`
}

// Remediation says how to fix a finding.
type Remediation struct {
	Summary string `json:"summary"`
	// Command is a ready 'ccproxy plan ...' line to run on the machine; review the plan,
	// then apply it. Null when no plan can fix the finding (a restart, a user setting).
	Command *string `json:"command" doc:"a ready 'ccproxy plan ...' command line, or null"`
}

// Options are the inputs of a check beyond the state.
type Options struct {
	// Internal lists internal resources (R7) as ParseInternal returns them.
	Internal []string
	// Check is a check document of the machine ('test --check'), nil when none was given.
	Check *model.CheckRun
	// Catalog is the region's required endpoints ('test --region'), nil for the embedded
	// commercial list: no WinHTTP bypass entry may send the services to one of them direct.
	Catalog *catalog.Catalog
}

// CheckInfo describes one check.
type CheckInfo struct {
	ID           string
	Title        string
	Requirements []string
	Severity     string
}

// Check ids, stable: scripts and Intune rules refer to them.
const (
	CheckWinHTTPReadable          = "winhttpReadable"
	CheckInstallerProxyInServices = "installerProxyInServices"
	CheckWinHTTPMatchesImport     = "winhttpMatchesImport"
	CheckInstallerNoAutoProxy     = "installerNoAutoProxy"
	CheckWinHTTPNoAutoProxy       = "winhttpNoAutoProxy"
	CheckWinHTTPViewsAgree        = "winhttpViewsAgree"
	CheckWinHTTPProxyUsable       = "winhttpProxyUsable"
	CheckNoProxyCredentials       = "noProxyCredentials"
	CheckRestartNotPending        = "restartNotPending"
	CheckInternalBypassed         = "internalBypassed"
	CheckServiceAccountsAgree     = "serviceAccountsAgree"
	CheckWinHTTPAdvancedAgrees    = "winhttpAdvancedAgrees"
	CheckWinHTTPBypassHonoured    = "winhttpBypassHonoured"
	CheckServicesRouteReaches     = "servicesRouteReaches"
)

// Checks lists every check in report order.
var Checks = []CheckInfo{
	{CheckWinHTTPReadable, "The WinHTTP settings can be read", []string{"R4"}, SeverityHigh},
	{CheckInstallerProxyInServices, "The installer's proxy is also set for the services (WinHTTP)", []string{"R3", "R4"}, SeverityHigh},
	{CheckWinHTTPMatchesImport, "WinHTTP holds what importing the installer's settings gives", []string{"R4"}, SeverityHigh},
	{CheckInstallerNoAutoProxy, "The installer's settings do not rely on auto-detect or a PAC script", []string{"R6"}, SeverityHigh},
	{CheckWinHTTPNoAutoProxy, "WinHTTP carries no auto-proxy settings", []string{"R6"}, SeverityMedium},
	{CheckWinHTTPViewsAgree, "The 64-bit and 32-bit WinHTTP settings agree", []string{"R4"}, SeverityMedium},
	{CheckWinHTTPProxyUsable, "The services can use the WinHTTP proxy for HTTPS", []string{"R1", "R4"}, SeverityHigh},
	{CheckNoProxyCredentials, "No credentials in the proxy settings (the connector supports only an unauthenticated proxy)", []string{"R4"}, SeverityHigh},
	{CheckRestartNotPending, "No restart pending after a WinHTTP change", []string{"R5"}, SeverityMedium},
	{CheckInternalBypassed, "Internal resources bypass the proxy under WinHTTP's rules", []string{"R7"}, SeverityHigh},
	{CheckServiceAccountsAgree, "The connector services' accounts' own Internet Options lead where WinHTTP does", []string{"R4"}, SeverityMedium},
	{CheckWinHTTPAdvancedAgrees, "The advanced WinHTTP settings (netsh winhttp show advproxy) agree with WinHttpSettings", []string{"R4"}, SeverityMedium},
	{CheckWinHTTPBypassHonoured, "Every WinHTTP bypass entry is one Windows honours", []string{"R7"}, SeverityMedium},
	{CheckTLS12ClientEnabled, "SChannel's TLS 1.2 client protocol is enabled", []string{"CTX335879"}, SeverityHigh},
	{CheckCipherSuitesAccepted, "The cipher-suite order holds a TLS 1.2 suite Citrix Cloud accepts", []string{"CTX335879"}, SeverityHigh},
	{CheckDotNetStrongCrypto, ".NET Framework programs use the system's TLS 1.2 (SchUseStrongCrypto, SystemDefaultTlsVersions)", []string{"CTX335879"}, SeverityMedium},
	{CheckDotNetVersion, ".NET Framework 4.7.2 or later is installed", []string{"prerequisites"}, SeverityHigh},
	{CheckFIPSModeOff, "FIPS mode is off", []string{"prerequisites"}, SeverityHigh},
	{CheckAutoProxyService, "The WinHTTP Web Proxy Auto-Discovery service is not disabled", []string{"prerequisites"}, SeverityLow},
	{CheckRebootNotPending, "No reboot is pending (the connector would reboot itself)", []string{"prerequisites"}, SeverityMedium},
	{CheckServicesRouteReaches, "The services' WinHTTP route reached every required Citrix Cloud endpoint (ccproxy check)", []string{"R1", "R2", "R8"}, SeverityHigh},
}

func checkInfo(id string) CheckInfo {
	for _, c := range Checks {
		if c.ID == id {
			return c
		}
	}
	panic("compliance: unknown check " + id)
}

// Evaluate runs every check on st.
func Evaluate(st *model.State, o Options) Report {
	c := newContext(st, o)
	r := Report{Schema: SchemaTest, Source: st.Source, Internal: append([]string{}, o.Internal...), Findings: []Finding{}}
	for _, run := range []func() []Finding{
		c.winhttpReadable, c.installerProxyInServices, c.winhttpMatchesImport, c.installerNoAutoProxy,
		c.winhttpNoAutoProxy, c.winhttpViewsAgree, c.winhttpProxyUsable, c.noProxyCredentials,
		c.restartNotPending, c.internalBypassed, c.serviceAccountsAgree, c.winhttpAdvancedAgrees, c.winhttpBypassHonoured,
		c.tls12ClientEnabled, c.cipherSuitesAccepted, c.dotnetStrongCrypto, c.dotnetVersion, c.fipsModeOff,
		c.autoProxyServiceEnabled, c.rebootNotPending, c.servicesRouteReaches,
	} {
		r.Findings = append(r.Findings, run()...)
	}
	c.oneNextStep(r.Findings)
	for _, f := range r.Findings {
		r.Summary.Total++
		switch f.Status {
		case StatusPass:
			r.Summary.Pass++
		case StatusFail:
			r.Summary.Fail++
		case StatusWarn:
			r.Summary.Warn++
		case StatusNotApplicable:
			r.Summary.NotApplicable++
		case StatusNotChecked:
			r.Summary.NotChecked++
		}
	}
	r.MissingEvidence = c.missingEvidence(r.Findings)
	switch {
	case r.Summary.Fail > 0:
		r.Verdict = VerdictNotCompliant
	case len(r.MissingEvidence) > 0:
		r.Verdict = VerdictIncomplete
	case r.Summary.Pass == 0:
		// Nothing checked is not a pass: a source that let no check pass proves nothing.
		r.Verdict = VerdictIncomplete
		r.MissingEvidence = []MissingEvidence{{What: "settings any check could judge", Supply: "ccproxy test on the connector machine"}}
	default:
		r.Verdict = VerdictCompliant
	}
	r.Compliant = r.Verdict == VerdictCompliant
	return r
}

// Failed lists the ids of the failed findings, in report order.
func (r Report) Failed() []string {
	out := []string{}
	for _, f := range r.Findings {
		if f.Status == StatusFail {
			out = append(out, f.ID)
		}
	}
	return out
}
