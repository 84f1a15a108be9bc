package compliance

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"ccproxy/model"
)

// Intune is what 'test --format intune' prints for an Intune custom compliance discovery
// script: one flat object of settings, each always present, of type boolean, integer or
// string only, since Intune reports a missing setting (65008) or a wrong type (65010) as an
// error. Per-check settings hold the check's status, so that a check the source could not
// run shows as "notChecked" rather than as a pass.
type Intune struct {
	Schema    string `json:"schema"`
	Compliant bool   `json:"compliant"`
	Verdict   string `json:"verdict" enum:"compliant,notCompliant,incomplete"`
	// MissingEvidence names what an incomplete verdict lacks, separated by "; "; "" when none.
	MissingEvidence string `json:"missingEvidence" doc:"what an incomplete verdict lacks and what supplies it, separated by \"; \"; \"\" when nothing is missing"`
	FailCount       int    `json:"failCount"`
	WarnCount       int    `json:"warnCount"`
	NotCheckedCount int    `json:"notCheckedCount"`
	// FailedChecks lists the failed finding ids, separated by ", "; "" when none.
	FailedChecks        string `json:"failedChecks"`
	ServicesMode        string `json:"servicesMode" enum:"direct,proxy,unknown"`
	ServicesProxy       string `json:"servicesProxy" doc:"the WinHTTP proxy string, \"\" when none"`
	InstallerMode       string `json:"installerMode" enum:"direct,proxy,autoConfig,autoDetect,unknown"`
	WinINetOwner        string `json:"wininetOwner"`
	InternalChecked     int    `json:"internalChecked"`
	InternalNotBypassed string `json:"internalNotBypassed" doc:"internal hosts WinHTTP sends through the proxy, separated by \", \""`
	CcproxyVersion      string `json:"ccproxyVersion"`

	WinHTTPReadableStatus          string `json:"winhttpReadableStatus" enum:"pass,fail,warn,notApplicable,notChecked"`
	InstallerProxyInServicesStatus string `json:"installerProxyInServicesStatus" enum:"pass,fail,warn,notApplicable,notChecked"`
	WinHTTPMatchesImportStatus     string `json:"winhttpMatchesImportStatus" enum:"pass,fail,warn,notApplicable,notChecked"`
	InstallerNoAutoProxyStatus     string `json:"installerNoAutoProxyStatus" enum:"pass,fail,warn,notApplicable,notChecked"`
	WinHTTPNoAutoProxyStatus       string `json:"winhttpNoAutoProxyStatus" enum:"pass,fail,warn,notApplicable,notChecked"`
	WinHTTPViewsAgreeStatus        string `json:"winhttpViewsAgreeStatus" enum:"pass,fail,warn,notApplicable,notChecked"`
	WinHTTPProxyUsableStatus       string `json:"winhttpProxyUsableStatus" enum:"pass,fail,warn,notApplicable,notChecked"`
	NoProxyCredentialsStatus       string `json:"noProxyCredentialsStatus" enum:"pass,fail,warn,notApplicable,notChecked"`
	RestartNotPendingStatus        string `json:"restartNotPendingStatus" enum:"pass,fail,warn,notApplicable,notChecked"`
	InternalBypassedStatus         string `json:"internalBypassedStatus" enum:"pass,fail,warn,notApplicable,notChecked"`
	ServiceAccountsAgreeStatus     string `json:"serviceAccountsAgreeStatus" enum:"pass,fail,warn,notApplicable,notChecked"`
	WinHTTPAdvancedAgreesStatus    string `json:"winhttpAdvancedAgreesStatus" enum:"pass,fail,warn,notApplicable,notChecked"`
	WinHTTPBypassHonouredStatus    string `json:"winhttpBypassHonouredStatus" enum:"pass,fail,warn,notApplicable,notChecked"`
	TLS12ClientEnabledStatus       string `json:"tls12ClientEnabledStatus" enum:"pass,fail,warn,notApplicable,notChecked"`
	CipherSuitesAcceptedStatus     string `json:"cipherSuitesAcceptedStatus" enum:"pass,fail,warn,notApplicable,notChecked"`
	DotNetStrongCryptoStatus       string `json:"dotnetStrongCryptoStatus" enum:"pass,fail,warn,notApplicable,notChecked"`
	DotNetVersionStatus            string `json:"dotnetVersionStatus" enum:"pass,fail,warn,notApplicable,notChecked"`
	FIPSModeOffStatus              string `json:"fipsModeOffStatus" enum:"pass,fail,warn,notApplicable,notChecked"`
	AutoProxyServiceEnabledStatus  string `json:"autoProxyServiceEnabledStatus" enum:"pass,fail,warn,notApplicable,notChecked"`
	RebootNotPendingStatus         string `json:"rebootNotPendingStatus" enum:"pass,fail,warn,notApplicable,notChecked"`
	ServicesRouteReachesStatus     string `json:"servicesRouteReachesStatus" enum:"pass,fail,warn,notApplicable,notChecked"`
}

// IntuneSetting is the name of the Intune setting that holds a check's status.
func IntuneSetting(check string) string { return check + "Status" }

// statusRank orders statuses from the worst: one status stands for a check with several
// findings (one per internal host).
var statusRank = map[string]int{StatusFail: 0, StatusWarn: 1, StatusNotChecked: 2, StatusPass: 3, StatusNotApplicable: 4}

// CheckStatus is the worst status among the findings of check; notChecked when it has none.
func (r Report) CheckStatus(check string) string {
	status := ""
	for _, f := range r.Findings {
		if f.Check == check && (status == "" || statusRank[f.Status] < statusRank[status]) {
			status = f.Status
		}
	}
	if status == "" {
		return StatusNotChecked
	}
	return status
}

// Intune flattens the report on st for Intune custom compliance; st supplies the modes,
// which the report does not repeat, and version is ccproxy's own.
func (r Report) Intune(st *model.State, version string) Intune {
	servicesMode, servicesProxy, installerMode := "", "", ""
	if m := st.Effective.Services.Mode; m != nil {
		servicesMode = *m
	}
	if p := st.Effective.Services.Proxy; p != nil {
		servicesProxy = p.Raw
	}
	if m := st.Effective.Installer.Mode; m != nil {
		installerMode = *m
	}
	d := Intune{
		Schema: SchemaIntune, Compliant: r.Compliant, Verdict: r.Verdict,
		FailCount: r.Summary.Fail, WarnCount: r.Summary.Warn, NotCheckedCount: r.Summary.NotChecked,
		FailedChecks:   strings.Join(r.Failed(), ", "),
		ServicesMode:   orUnknown(servicesMode),
		ServicesProxy:  servicesProxy,
		InstallerMode:  orUnknown(installerMode),
		WinINetOwner:   ownerText(r.Source.WinINetOwner),
		CcproxyVersion: version,
	}
	var notBypassed []string
	for _, f := range r.Findings {
		if f.Check == CheckInternalBypassed && f.Subject != nil {
			d.InternalChecked++
			if f.Status == StatusFail {
				notBypassed = append(notBypassed, *f.Subject)
			}
		}
	}
	for check, dst := range d.statusFields() {
		*dst = r.CheckStatus(check)
	}
	missing := make([]string, len(r.MissingEvidence))
	for i, m := range r.MissingEvidence {
		missing[i] = m.What + " (supply: " + m.Supply + ")"
	}
	d.fit([]listField{
		{&d.MissingEvidence, missing, "; "},
		{&d.FailedChecks, r.Failed(), ", "},
		{&d.InternalNotBypassed, notBypassed, ", "},
		{&d.ServicesProxy, []string{servicesProxy}, ""},
		{&d.WinINetOwner, []string{d.WinINetOwner}, ""},
	})
	return d
}

// IntuneMaxLength is the most characters the one line of 'test --format intune' may have,
// its newline included: Intune keeps at most 2,048 characters of a script's output (Microsoft
// Learn, Remediations: the maximum output size is 2,048 characters,
// learn.microsoft.com/mem/intune/fundamentals/remediations; the project's reference,
// fleet-integration.md), and a line cut there is not JSON (65009).
const IntuneMaxLength = 2048

// listField is a setting made of a list, cut to fit the line.
type listField struct {
	dst   *string
	items []string
	sep   string
}

// fit fills the list settings so that the whole line stays within IntuneMaxLength by
// construction: the fixed settings are measured first, and the room left is shared among the
// lists, the shortest first (a list shorter than its share leaves the rest to the others);
// a cut list ends with a counted remainder ("... and 57 more"), a cut single value with
// "...". The line is measured as it is written (escapes and redaction included), and the
// shares shrink until it fits.
func (d *Intune) fit(fields []listField) {
	for _, f := range fields {
		*f.dst = ""
	}
	base := d.length()
	if base < 0 {
		return
	}
	room := IntuneMaxLength - base
	for shrink := 0; shrink < 12; shrink++ {
		left, n := room, len(fields)
		order := make([]int, n)
		full := make([]string, n)
		for i, f := range fields {
			order[i] = i
			full[i] = strings.Join(f.items, f.sep)
		}
		sort.SliceStable(order, func(a, b int) bool { return len(full[order[a]]) < len(full[order[b]]) })
		for k, i := range order {
			share := left / (n - k)
			if share < 0 {
				share = 0
			}
			*fields[i].dst = cutList(fields[i].items, fields[i].sep, share)
			left -= len(*fields[i].dst)
		}
		if d.length() <= IntuneMaxLength {
			return
		}
		// Escapes made the line longer than the characters counted: leave more room.
		room = room * 3 / 4
	}
	for _, f := range fields {
		*f.dst = cutList(f.items, f.sep, 0)
	}
}

// length is the length of the line MarshalDocument writes for d, newline included.
func (d *Intune) length() int {
	b, err := model.MarshalDocument(d, true)
	if err != nil {
		return -1
	}
	return len(b)
}

// cutList joins items with sep within max characters: as many whole items as fit, then
// " and N more" (or, for a single value, the value cut with "..."); "" for no items.
func cutList(items []string, sep string, max int) string {
	all := strings.Join(items, sep)
	if len(all) <= max {
		return all
	}
	if len(items) == 1 {
		if max < 4 {
			return ""
		}
		cut := max - 3
		for cut > 0 && !utf8.RuneStart(items[0][cut]) {
			cut--
		}
		return items[0][:cut] + "..."
	}
	for k := len(items) - 1; k >= 0; k-- {
		more := fmt.Sprintf("%d more", len(items)-k)
		head := strings.Join(items[:k], sep)
		out := more
		if k > 0 {
			out = head + sep + "and " + more
		}
		if len(out) <= max {
			return out
		}
	}
	return fmt.Sprintf("%d more", len(items))
}

// statusFields maps each check to its setting; a test keeps it complete.
func (d *Intune) statusFields() map[string]*string {
	return map[string]*string{
		CheckWinHTTPReadable:          &d.WinHTTPReadableStatus,
		CheckInstallerProxyInServices: &d.InstallerProxyInServicesStatus,
		CheckWinHTTPMatchesImport:     &d.WinHTTPMatchesImportStatus,
		CheckInstallerNoAutoProxy:     &d.InstallerNoAutoProxyStatus,
		CheckWinHTTPNoAutoProxy:       &d.WinHTTPNoAutoProxyStatus,
		CheckWinHTTPViewsAgree:        &d.WinHTTPViewsAgreeStatus,
		CheckWinHTTPProxyUsable:       &d.WinHTTPProxyUsableStatus,
		CheckNoProxyCredentials:       &d.NoProxyCredentialsStatus,
		CheckRestartNotPending:        &d.RestartNotPendingStatus,
		CheckInternalBypassed:         &d.InternalBypassedStatus,
		CheckServiceAccountsAgree:     &d.ServiceAccountsAgreeStatus,
		CheckWinHTTPAdvancedAgrees:    &d.WinHTTPAdvancedAgreesStatus,
		CheckWinHTTPBypassHonoured:    &d.WinHTTPBypassHonouredStatus,
		CheckTLS12ClientEnabled:       &d.TLS12ClientEnabledStatus,
		CheckCipherSuitesAccepted:     &d.CipherSuitesAcceptedStatus,
		CheckDotNetStrongCrypto:       &d.DotNetStrongCryptoStatus,
		CheckDotNetVersion:            &d.DotNetVersionStatus,
		CheckFIPSModeOff:              &d.FIPSModeOffStatus,
		CheckAutoProxyService:         &d.AutoProxyServiceEnabledStatus,
		CheckRebootNotPending:         &d.RebootNotPendingStatus,
		CheckServicesRouteReaches:     &d.ServicesRouteReachesStatus,
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// IntuneRules is an Intune custom compliance rules file.
type IntuneRules struct {
	Rules []IntuneRule `json:"Rules"`
}

// IntuneRule is one rule; Intune's own key spelling.
type IntuneRule struct {
	SettingName        string              `json:"SettingName"`
	Operator           string              `json:"Operator"`
	DataType           string              `json:"DataType"`
	Operand            any                 `json:"Operand"`
	MoreInfoURL        string              `json:"MoreInfoUrl"`
	RemediationStrings []RemediationString `json:"RemediationStrings"`
}

// RemediationString is a rule's text in one language.
type RemediationString struct {
	Language    string `json:"Language"`
	Title       string `json:"Title"`
	Description string `json:"Description"`
}

// MoreInfoURL is Citrix's page on the connector's proxy requirements.
const MoreInfoURL = "https://docs.citrix.com/en-us/citrix-cloud/citrix-cloud-resource-locations/citrix-cloud-connector/proxy-firewall-configuration.html"

const internalMoreInfoURL = "https://support.citrix.com/article/CTX241222"

var ruleText = map[string]string{
	CheckWinHTTPReadable:          "The WinHttpSettings registry value cannot be decoded, so the route of the Cloud Connector services is unknown. Run 'ccproxy test' on the machine and apply the plan it suggests.",
	CheckInstallerProxyInServices: "The logged-on user's Internet Options use a proxy but WinHTTP, which the Cloud Connector services use, is set to direct access. Run 'ccproxy plan --import-ie', apply the plan, and restart the machine.",
	CheckWinHTTPMatchesImport:     "The WinHTTP proxy settings of the Cloud Connector services differ from the user's Internet Options. Run 'ccproxy plan --import-ie', apply the plan, and restart the machine.",
	CheckInstallerNoAutoProxy:     "The user's Internet Options rely on a PAC script or auto-detect, which the Cloud Connector does not support and which cannot be imported into WinHTTP. Set a manual proxy.",
	CheckWinHTTPNoAutoProxy:       "WinHttpSettings carries auto-proxy flags that the Cloud Connector services do not use. Rewrite it with 'ccproxy plan --proxy HOST:PORT' or 'ccproxy plan --direct'.",
	CheckWinHTTPViewsAgree:        "The 64-bit and 32-bit (WOW6432Node) WinHTTP settings differ. Write the same settings to both views with 'ccproxy plan ... --views native,wow64'.",
	CheckWinHTTPProxyUsable:       "The WinHTTP proxy cannot carry the Cloud Connector's HTTPS traffic (no https entry, a SOCKS proxy, an https:// proxy or an invalid entry). Set an HTTP proxy with 'ccproxy plan --proxy HOST:PORT'.",
	CheckNoProxyCredentials:       "A proxy string holds a user name and password. The Cloud Connector supports only an unauthenticated proxy; remove the credentials and allow the connector through the proxy.",
	CheckRestartNotPending:        "The WinHTTP settings changed after the last boot; the Cloud Connector services still use the old ones. Restart the machine.",
	CheckServiceAccountsAgree:     "A Cloud Connector service's account has its own Internet Options that lead elsewhere than WinHTTP; .NET components without their own proxy setting follow them. Give that account the same proxy, or remove its settings.",
	CheckWinHTTPAdvancedAgrees:    "The advanced WinHTTP proxy settings (netsh winhttp show advproxy) differ from the legacy WinHttpSettings. Align them with the 'netsh winhttp set advproxy' line that 'ccproxy test' prints.",
	CheckWinHTTPBypassHonoured:    "The WinHTTP bypass list has entries Windows does not honour (CIDR ranges, paths, a leading dot, IPv6 without brackets, or a wildcard WinHTTP may not match). Rewrite them as 'ccproxy test' suggests.",
	CheckTLS12ClientEnabled:       "SChannel's TLS 1.2 client protocol is disabled; Citrix Cloud accepts only TLS 1.2 and later (CTX335879). Set Enabled=1 and DisabledByDefault=0 under SCHANNEL\\Protocols\\TLS 1.2\\Client and restart.",
	CheckCipherSuitesAccepted:     "The cipher-suite order holds none of the TLS 1.2 suites Citrix Cloud accepts (CTX335879). Put TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 and TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 back and restart.",
	CheckDotNetStrongCrypto:       ".NET Framework is not set to use the system's TLS 1.2 (SchUseStrongCrypto, SystemDefaultTlsVersions). Set both to 1 in both registry views and restart.",
	CheckDotNetVersion:            "The Cloud Connector needs .NET Framework 4.7.2 or later. Install .NET Framework 4.8 and restart.",
	CheckFIPSModeOff:              "FIPS mode is on; the Cloud Connector does not support it. Turn off 'System cryptography: Use FIPS compliant algorithms' and restart.",
	CheckAutoProxyService:         "The WinHTTP Web Proxy Auto-Discovery service is disabled, which breaks automatic detection and saving Internet Options. Set its start type to Manual.",
	CheckRebootNotPending:         "A reboot is pending; the Cloud Connector reboots the machine itself within minutes. Restart it at a time of your choosing.",
	CheckServicesRouteReaches:     "The Cloud Connector services' WinHTTP route did not reach every required Citrix Cloud endpoint when 'ccproxy check' probed it. Give WinHTTP a route that worked ('ccproxy check --compare' names one) and restart the machine.",
	CheckInternalBypassed:         "An internal resource (domain controller, connector, VDA, hypervisor) is sent through the proxy by WinHTTP. Add it to the bypass list with 'ccproxy plan --add-bypass HOST' and restart the machine.",
}

// Rules returns the rules file that matches the Intune document: one rule per check,
// failing only on "fail", so that warnings and unchecked findings leave a device compliant,
// and one that only the verdict "compliant" passes, so that a device whose evidence is
// incomplete is not compliant either, nor one whose discovery script could not run ccproxy
// (the generated script then reports the verdict "error" with every check "notChecked").
// A failing device fails this rule and its checks' rules, which say what to fix.
func Rules() IntuneRules {
	rs := IntuneRules{Rules: []IntuneRule{{
		SettingName: "verdict", Operator: "IsEquals", DataType: "String", Operand: VerdictCompliant,
		MoreInfoURL: MoreInfoURL,
		RemediationStrings: []RemediationString{{
			Language:    "en_US",
			Title:       "Cloud Connector proxy: ccproxy's verdict is compliant - {ActualValue}",
			Description: "notCompliant: the failing checks' rules say what to fix. incomplete: ccproxy could not tell what the Cloud Connector services use or whether it is right for this network (the missingEvidence setting names what was missing); run the discovery script on the machine itself, where the registry holds both the WinHTTP and the Internet Options settings. error: the discovery script could not run ccproxy or read its result (the missingEvidence setting holds the error); install ccproxy.exe in %ProgramFiles%\\ccproxy.",
		}},
	}}}
	for _, c := range Checks {
		url := MoreInfoURL
		if c.ID == CheckInternalBypassed {
			url = internalMoreInfoURL
		}
		rs.Rules = append(rs.Rules, IntuneRule{
			SettingName: IntuneSetting(c.ID), Operator: "NotEquals", DataType: "String", Operand: StatusFail,
			MoreInfoURL: url,
			RemediationStrings: []RemediationString{{
				Language:    "en_US",
				Title:       "Cloud Connector proxy (" + strings.Join(c.Requirements, ", ") + "): " + c.Title + " - {ActualValue}",
				Description: ruleText[c.ID],
			}},
		})
	}
	return rs
}
