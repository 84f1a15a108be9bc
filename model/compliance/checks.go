package compliance

import (
	"fmt"
	"strings"
	"time"

	"ccproxy/model"
	"ccproxy/model/bypass"
)

// context holds the state and what several checks derive from it.
type context struct {
	st    *model.State
	o     Options
	owner string // whose WinINet settings, in words
	// caveat is appended to installer findings read from a service account's hive.
	caveat string

	// natMode is the services' WinHTTP mode: "direct", "proxy", or "" when unknown.
	natMode   string
	natProxy  string // raw proxy string in use, "" when direct
	natBypass string

	ieKnown  bool
	ieManual bool   // the import gives a proxy: the manual one is on and not empty
	ieProxy  string // what the import copies, raw; "" when it gives direct access
	ieBypass string
	ieDetect bool   // auto-detect (WPAD) on
	iePAC    string // PAC URL, "" when none

	planArgs map[*string][]string // the arguments of each plan command offered
}

func newContext(st *model.State, o Options) *context {
	c := &context{st: st, o: o, owner: ownerText(st.Source.WinINetOwner)}
	if isServiceAccount(st.Source.WinINetOwner) {
		c.caveat = " (these are the settings of a service account, as a script run by Intune, Configuration Manager or DSC sees them; the installer uses those of the administrator who runs it: read them with --user SID)"
	}
	n := st.WinHTTP.Native
	if n.Known && n.Mode != nil {
		c.natMode = *n.Mode
		if c.natMode == "proxy" {
			c.natProxy, c.natBypass = proxyRaw(n.Proxy), bypassRaw(n.Bypass)
		}
	}
	w := st.WinINet
	if w.Known {
		c.ieKnown = true
		c.ieDetect = w.AutoDetect != nil && *w.AutoDetect
		if w.AutoConfigURL != nil {
			// White space alone names no script (as the readers hold): no PAC.
			c.iePAC = strings.TrimSpace(*w.AutoConfigURL)
		}
		// The same import model 'plan --import-ie' applies, so that a finding and the plan
		// that fixes it never disagree about what the import gives.
		imp := model.ImportFromIE(model.IESettings{
			ManualProxy: w.ManualProxy != nil && *w.ManualProxy, Proxy: proxyRaw(w.Proxy), Bypass: bypassRaw(w.Bypass),
			AutoConfigURL: c.iePAC, AutoDetect: c.ieDetect,
		}, c.owner)
		if !imp.Direct {
			c.ieManual, c.ieProxy, c.ieBypass = true, imp.Proxy, imp.Bypass
		}
	}
	return c
}

func proxyRaw(p *model.ProxyDoc) string {
	if p == nil {
		return ""
	}
	return p.Raw
}

func bypassRaw(b *model.BypassDoc) string {
	if b == nil {
		return ""
	}
	return b.Raw
}

// orNull shows an empty string as null in evidence.
func orNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func ev(path string, v any) Evidence { return Evidence{Path: path, Value: v} }

// finding starts a finding of check id with the check's title, requirements and severity.
func finding(id, status, msg string, evidence ...Evidence) Finding {
	ci := checkInfo(id)
	if evidence == nil {
		evidence = []Evidence{}
	}
	return Finding{ID: id, Check: id, Title: ci.Title, Requirements: append([]string{}, ci.Requirements...), Severity: ci.Severity, Status: status, Message: msg, Evidence: evidence}
}

func (f Finding) fix(summary string, command *string) Finding {
	f.Remediation = &Remediation{Summary: summary, Command: command}
	return f
}

// same compares proxy strings or bypass lists as Windows reads them: entries in order,
// ignoring case and the choice of separator.
func same(a, b string) bool { return canonList(a) == canonList(b) }

// proxyScheme is how the proxy itself is spoken to: http unless the entry says otherwise.
func proxyScheme(e bypass.ProxyEntry) string {
	if e.ProxyScheme == "" {
		return "http"
	}
	return e.ProxyScheme
}

// sameProxy says whether two proxy strings send the connector's traffic the same way: the
// entry WinHTTP takes for http and for https (WINHTTP_PROXY_INFO: a scheme's own entry, else
// a bare one; .NET's HttpWindowsProxy reads it the same), by host and effective port. So
// "http=p:8080;https=p:8080" is "p:8080". Strings with an entry that does not parse are
// compared as written.
func sameProxy(a, b string) bool {
	if same(a, b) {
		return true
	}
	pa, pb := bypass.ParseProxy(a), bypass.ParseProxy(b)
	for _, p := range []bypass.Proxy{pa, pb} {
		for _, e := range p.Entries {
			if !e.Valid {
				return false
			}
		}
	}
	for _, scheme := range []string{"http", "https"} {
		ea, eb := pa.For(scheme), pb.For(scheme)
		if (ea == nil) != (eb == nil) {
			return false
		}
		if ea != nil && (!strings.EqualFold(ea.Host, eb.Host) || ea.EffectivePort() != eb.EffectivePort() || proxyScheme(*ea) != proxyScheme(*eb)) {
			return false
		}
	}
	return true
}

func canonList(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return r == ';' || r == ' ' || r == '\t' || r == '\r' || r == '\n'
	}), ";")
}

func describe(mode, proxy, bypassList string) string {
	switch {
	case mode == "direct":
		return "direct access"
	case bypassList == "":
		return "proxy " + proxy + " with no bypass list"
	}
	return "proxy " + proxy + " bypassing " + bypassList
}

// sourceWords names the source a check could not judge.
func (c *context) sourceWords() string {
	switch c.st.Source.Kind {
	case "netsh":
		return "the netsh text"
	case "regFile":
		return "the .reg export"
	case "stateDocument":
		return "the state document"
	case "advproxy":
		return "the advanced proxy settings"
	}
	return "the registry"
}

func (c *context) noWinHTTP() string {
	if c.st.WinHTTP.Native.Known {
		return "the 64-bit WinHttpSettings value cannot be decoded, so the services' route is unknown"
	}
	msg := c.sourceWords() + " holds no WinHTTP settings"
	if c.st.Source.Kind == model.SourceRegFile {
		msg += "; export them with: reg export \"HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections\" winhttp.reg"
	}
	return msg
}

func (c *context) noWinINet() string {
	switch c.st.Source.Kind {
	case "netsh":
		return "the netsh text holds no WinINet settings ('netsh winhttp show proxy' covers WinHTTP only)"
	case "regFile":
		return "the .reg export holds no WinINet (Internet Options) settings; export them with: reg export \"HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\" wininet.reg"
	}
	if c.st.WinINet.Known {
		return c.sourceWords() + " holds WinINet settings that cannot be decoded"
	}
	return c.sourceWords() + " holds no WinINet (Internet Options) settings"
}

func (c *context) importCommand() *string {
	args, _ := c.importBase()
	return c.planCommand(args...)
}

// directProven says whether the check document given with --check is evidence that the
// services' own direct route (WinHTTP direct, as this state holds it) reached every required
// endpoint: the conditions under which servicesRouteReaches passes.
func (c *context) directProven() bool {
	k := c.o.Check
	return k != nil && k.OK && k.Routing.Source == "winhttp" && k.Routing.Proxy == nil && c.natMode == "direct" && c.checkNotEvidence(k) == ""
}

// importedBypass is the bypass list the installer's fix writes into WinHTTP (importBase).
func (c *context) importedBypass() string {
	_, bad := c.cloudBypassedBy(c.ieBypass)
	if len(bad) == 0 || bypass.ParseProxy(c.ieProxy).HasCredentials() {
		return c.ieBypass
	}
	return strings.Join(c.keepInternal(c.ieBypass, bad), ";")
}

// importBase is what the fix writes to give WinHTTP the installer's settings: --import-ie,
// unless the installer's bypass list holds entries that send Citrix Cloud addresses direct.
// The services must reach Citrix Cloud through the proxy (R1), so an import that copied them
// would fail winhttpProxyUsable, whose fix removes them, after which the import differs
// again: then the fix sets the installer's proxy with its bypass list less those entries,
// and left names them. A proxy string holding credentials cannot be written into a command
// (it is shown redacted), so --import-ie stays.
func (c *context) importBase() (args, left []string) {
	_, bad := c.cloudBypassedBy(c.ieBypass)
	if len(bad) == 0 || !c.ieManual || bypass.ParseProxy(c.ieProxy).HasCredentials() {
		return importArgs(c.st.Source.WinINetOwner), nil
	}
	for _, x := range bypass.Parse(c.ieBypass).Entries {
		if bad[x.Value] {
			left = append(left, x.Value)
		}
	}
	return setArgs(c.ieProxy, strings.Join(c.keepInternal(c.ieBypass, bad), ";")), left
}

// winhttpReadable: a value that cannot be decoded leaves the services' route unknown.
func (c *context) winhttpReadable() []Finding {
	h := c.st.WinHTTP
	var bad, known []string
	evidence := []Evidence{}
	for _, v := range []struct {
		name, path string
		view       model.WinHTTPView
	}{{ViewNative, "winhttp.native", h.Native}, {ViewWOW64, "winhttp.wow64", h.WOW64}} {
		if !v.view.Known {
			continue
		}
		known = append(known, v.name)
		var blobErr any
		if v.view.Blob != nil && v.view.Blob.Error != nil {
			blobErr = *v.view.Blob.Error
			bad = append(bad, v.name)
		}
		evidence = append(evidence, ev(v.path+".present", v.view.Present), ev(v.path+".blob.error", blobErr))
	}
	if len(known) == 0 {
		// Not a failure of the machine but a gap in the evidence: the verdict is incomplete
		// (missingEvidence), never compliant.
		return []Finding{finding(CheckWinHTTPReadable, StatusNotChecked, c.noWinHTTP()+": what the connector's services use cannot be judged", evidence...)}
	}
	if len(bad) == 0 {
		return []Finding{finding(CheckWinHTTPReadable, StatusPass, "the WinHTTP settings of the "+viewWords(known)+" decode", evidence...)}
	}
	args := setArgs("", "", bad...)
	summary := "rewrite the value with direct access, or with the proxy the services need (--proxy HOST:PORT instead of --direct)"
	if c.ieManual {
		args = append(importArgs(c.st.Source.WinINetOwner), "--views", strings.Join(bad, ","))
		summary = "rewrite the value by importing the installer's proxy settings"
	}
	return []Finding{finding(CheckWinHTTPReadable, StatusFail, "the WinHttpSettings value of the "+viewWords(bad)+" cannot be decoded: the services' route is unknown and Windows may ignore the value", evidence...).fix(summary, c.planCommand(args...))}
}

func viewWords(views []string) string {
	var w []string
	for _, v := range views {
		if v == ViewNative {
			w = append(w, "64-bit view")
		} else {
			w = append(w, "32-bit (WOW6432Node) view")
		}
	}
	if len(w) == 2 {
		return "64-bit and 32-bit (WOW6432Node) views"
	}
	return strings.Join(w, "")
}

func (c *context) ieEvidence() []Evidence {
	w := c.st.WinINet
	var proxy, byp any
	if w.Proxy != nil {
		proxy = w.Proxy.Raw
	}
	if w.Bypass != nil {
		byp = w.Bypass.Raw
	}
	return []Evidence{ev("wininet.manualProxy", deref(w.ManualProxy)), ev("wininet.proxy.raw", proxy), ev("wininet.bypass.raw", byp)}
}

func (c *context) natEvidence() []Evidence {
	n := c.st.WinHTTP.Native
	var proxy, byp any
	if n.Proxy != nil {
		proxy = n.Proxy.Raw
	}
	if n.Bypass != nil {
		byp = n.Bypass.Raw
	}
	return []Evidence{ev("winhttp.native.mode", deref(n.Mode)), ev("winhttp.native.proxy.raw", proxy), ev("winhttp.native.bypass.raw", byp)}
}

// installerProxyInServices: R3 says the installer uses the user's WinINet settings, R4 that
// the services use WinHTTP; a proxy in the first and none in the second is the classic
// "installs fine, then never connects" connector.
func (c *context) installerProxyInServices() []Finding {
	evidence := append(c.ieEvidence(), c.natEvidence()...)
	id := CheckInstallerProxyInServices
	switch {
	case !c.ieKnown:
		return []Finding{finding(id, StatusNotChecked, c.noWinINet(), evidence...)}
	case c.natMode == "":
		return []Finding{finding(id, StatusNotChecked, c.noWinHTTP(), evidence...)}
	case !c.ieManual:
		return []Finding{finding(id, StatusNotApplicable, "the installer's settings (WinINet, "+c.owner+") have no manual proxy"+c.caveat, evidence...)}
	case c.natMode == "direct" && c.directProven():
		// A check of this machine's own direct route reached every required endpoint: the
		// services do not need the installer's proxy, and an import would trade a route
		// proven to work for one that is not (servicesRouteReaches judges the same check).
		return []Finding{finding(id, StatusPass, fmt.Sprintf("the installer's settings (WinINet, %s) use the proxy %s and WinHTTP is set to direct access, which the check of %s proves reaches every required Citrix Cloud endpoint%s",
			c.owner, c.ieProxy, c.o.Check.StartedAt.UTC().Format(time.RFC3339), c.caveat), append(evidence, ev("check", c.o.Check.Name), ev("check.ok", true))...)}
	case c.natMode == "direct":
		summary := "import the installer's proxy settings into WinHTTP (what 'netsh winhttp import proxy source=ie' does), then restart the machine (R5)"
		if _, left := c.importBase(); len(left) > 0 {
			summary = "set WinHTTP to the installer's proxy and bypass list, leaving out " + model.ListSome(left, ";") + ", which would send the services to Citrix Cloud past the proxy (R1), then restart the machine (R5)"
		}
		return []Finding{finding(id, StatusFail, fmt.Sprintf("the installer's settings (WinINet, %s) use the proxy %s, but WinHTTP is set to direct access: the connector services will try to reach Citrix Cloud without the proxy%s", c.owner, c.ieProxy, c.caveat), evidence...).
			fix(summary, c.importCommand())}
	}
	return []Finding{finding(id, StatusPass, "the installer uses the proxy "+c.ieProxy+" and WinHTTP uses a proxy too ("+c.natProxy+")", evidence...)}
}

// winhttpMatchesImport compares WinHTTP with what 'netsh winhttp import proxy source=ie'
// would write: the owner's manual proxy and bypass list when the manual proxy is on, else
// direct access.
func (c *context) winhttpMatchesImport() []Finding {
	evidence := append(c.ieEvidence(), c.natEvidence()...)
	id := CheckWinHTTPMatchesImport
	if !c.ieKnown {
		return []Finding{finding(id, StatusNotChecked, c.noWinINet(), evidence...)}
	}
	if c.natMode == "" {
		return []Finding{finding(id, StatusNotChecked, c.noWinHTTP(), evidence...)}
	}
	impMode := "direct"
	if c.ieManual {
		impMode = "proxy"
	}
	imp := describe(impMode, c.ieProxy, c.ieBypass)
	nat := describe(c.natMode, c.natProxy, c.natBypass)
	switch {
	case impMode == "direct" && c.natMode == "direct":
		return []Finding{finding(id, StatusPass, "an import would give direct access, and WinHTTP is direct", evidence...)}
	case impMode == "proxy" && c.natMode == "direct":
		return []Finding{finding(id, StatusNotApplicable, "WinHTTP has no proxy to compare with the installer's "+c.ieProxy+": see "+CheckInstallerProxyInServices, evidence...)}
	case impMode == "direct" && (c.ieDetect || c.iePAC != ""):
		return []Finding{finding(id, StatusWarn, "the installer relies on "+autoWords(c.ieDetect, c.iePAC)+", which an import cannot carry, and WinHTTP has its own "+nat+"; make sure it is the proxy the network gives the installer for Citrix Cloud addresses", evidence...).
			fix("keep the WinHTTP proxy if the services reach Citrix Cloud ('ccproxy check'); do not import, which would set WinHTTP to direct access", nil)}
	case impMode == "direct":
		return []Finding{finding(id, StatusWarn, "the installer's settings (WinINet, "+c.owner+") go direct while the services use "+nat+"; an import would remove that proxy"+c.caveat, evidence...).
			fix("keep the WinHTTP proxy if the services reach Citrix Cloud ('ccproxy check'), and give the installer's user the same proxy in Internet Options before installing or upgrading the connector", nil)}
	}
	// What 'plan --import-ie --add-bypass HOST' writes is the installer's proxy and every
	// entry of its bypass list, plus the ensured entries: extra entries in WinHTTP are
	// allowed, and the fix keeps them.
	proxySame := sameProxy(c.ieProxy, c.natProxy)
	missing, extra := listMinus(c.ieBypass, c.natBypass), listMinus(c.natBypass, c.ieBypass)
	// Entries of the installer's list that would send the services to Citrix Cloud past the
	// proxy belong out of WinHTTP (R1; winhttpProxyUsable): their absence is no difference.
	base, left := c.importBase()
	if len(left) > 0 {
		drop := map[string]bool{}
		for _, e := range left {
			drop[strings.ToLower(e)] = true
		}
		kept := missing[:0]
		for _, e := range missing {
			if !drop[strings.ToLower(e)] {
				kept = append(kept, e)
			}
		}
		missing = kept
	}
	if proxySame && len(missing) == 0 {
		msg := "WinHTTP holds the installer's " + imp
		if len(left) > 0 {
			msg = "WinHTTP holds the installer's proxy " + c.ieProxy + " and its bypass list without " + model.ListSome(left, ";") + ", which would send the services to Citrix Cloud past the proxy (R1)"
		}
		if len(extra) > 0 {
			msg += ", and bypasses " + model.ListSome(extra, ";") + " too"
		}
		return []Finding{finding(id, StatusPass, msg, evidence...)}
	}
	var diffs []string
	if !proxySame {
		diffs = append(diffs, fmt.Sprintf("proxy %s in WinHTTP, %s for the installer", c.natProxy, c.ieProxy))
	}
	if len(missing) > 0 {
		diffs = append(diffs, fmt.Sprintf("the installer bypasses %s, which WinHTTP (bypass list %s) does not", model.ListSome(missing, ";"), orNone(c.natBypass)))
	}
	f := finding(id, StatusFail, "WinHTTP differs from the installer's manual settings: "+strings.Join(diffs, "; ")+c.caveat, evidence...)
	if proxySame {
		f.Severity = SeverityMedium
	}
	args := append([]string{}, base...)
	summary := "import the installer's proxy settings into WinHTTP, then restart the machine (R5)"
	if len(left) > 0 {
		summary = "set WinHTTP to the installer's proxy and bypass list, leaving out " + model.ListSome(left, ";") + ", which would send the services to Citrix Cloud past the proxy (R1), then restart the machine (R5)"
	}
	for _, e := range extra {
		args = append(args, "--add-bypass", e)
	}
	if len(extra) > 0 {
		summary = strings.TrimSuffix(summary, ", then restart the machine (R5)") + ", keeping WinHTTP's own bypass entries (" + model.ListSome(extra, ";") + "), then restart the machine (R5)"
	}
	return []Finding{f.fix(summary, c.planCommand(args...))}
}

// listMinus lists the entries of list a that list b lacks, compared as Windows compares
// them (ignoring case), in a's order.
func listMinus(a, b string) []string {
	have := map[string]bool{}
	for _, e := range strings.Split(canonList(b), ";") {
		have[e] = true
	}
	var out []string
	for _, e := range strings.FieldsFunc(a, func(r rune) bool { return r == ';' || r == ' ' || r == '\t' || r == '\r' || r == '\n' }) {
		if !have[strings.ToLower(e)] {
			out = append(out, e)
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func autoWords(detect bool, pac string) string {
	switch {
	case detect && pac != "":
		return "auto-detect (WPAD) and the PAC script " + pac
	case detect:
		return "auto-detect (WPAD)"
	}
	return "the PAC script " + pac
}

// installerNoAutoProxy: R6, the connector supports neither WPAD nor PAC, and an import
// copies only the manual proxy.
func (c *context) installerNoAutoProxy() []Finding {
	w := c.st.WinINet
	evidence := []Evidence{ev("wininet.autoDetect", deref(w.AutoDetect)), ev("wininet.autoConfigUrl", deref(w.AutoConfigURL)), ev("wininet.manualProxy", deref(w.ManualProxy)), ev("winhttp.native.mode", orNull(c.natMode))}
	id := CheckInstallerNoAutoProxy
	switch {
	case !c.ieKnown:
		return []Finding{finding(id, StatusNotChecked, c.noWinINet(), evidence...)}
	case w.AutoDetect == nil && c.iePAC == "":
		// Auto-detect is a flag of DefaultConnectionSettings alone (the Connections key):
		// INTERNET_PER_CONN_FLAGS' PROXY_TYPE_AUTO_DETECT (Microsoft, INTERNET_PER_CONN_OPTION,
		// learn.microsoft.com/windows/win32/api/wininet/ns-wininet-internet_per_conn_optiona);
		// of the plain Internet Settings values, Wine's INTERNET_LoadProxySettings
		// (dlls/wininet/internet.c) reads only ProxyEnable, ProxyServer and ProxyOverride, no
		// auto-detect value. Unknown is not off.
		return []Finding{finding(id, StatusNotChecked, "whether auto-detect is on in the WinINet settings of "+c.owner+" is not known: "+c.sourceWords()+" does not hold their Connections key (DefaultConnectionSettings); export the Internet Settings key with its Connections subkey", evidence...)}
	case !c.ieDetect && c.iePAC == "":
		return []Finding{finding(id, StatusPass, "auto-detect and PAC are off in the WinINet settings of "+c.owner, evidence...)}
	case c.ieManual:
		return []Finding{finding(id, StatusWarn, "the WinINet settings of "+c.owner+" use "+autoWords(c.ieDetect, c.iePAC)+" besides the manual proxy "+c.ieProxy+"; WinINet tries them first, so the installer may use another proxy than the one an import gives the services"+c.caveat, evidence...).
			fix("turn off 'Automatically detect settings' and 'Use automatic configuration script' in Internet Options for "+c.owner+", so that the installer uses the manual proxy the services get", nil)}
	}
	services := "WinHTTP is direct, so the services go without a proxy"
	switch c.natMode {
	case "proxy":
		services = "WinHTTP has its own manual proxy " + c.natProxy
	case "":
		services = "the services' WinHTTP setting is unknown"
	}
	summary := "find the proxy that the network gives for Citrix Cloud addresses, set it as the manual proxy in Internet Options for " + c.owner + " with auto-detect and the script off, and import it ('ccproxy plan --import-ie'); or set it for the services directly with 'ccproxy plan --proxy HOST:PORT --bypass \"<local>\"'"
	if c.iePAC == "" {
		// Auto-detect alone is Windows' default and falls back to direct access when the
		// network offers no WPAD; only the network can tell whether the installer relies on it.
		f := finding(id, StatusWarn, "the WinINet settings of "+c.owner+" use auto-detect (WPAD) and no manual proxy: if this network hands out a proxy by WPAD, the services cannot use it and an import carries nothing; "+services+c.caveat, evidence...)
		f.Severity = SeverityMedium
		return []Finding{f.fix(summary+"; if the network needs no proxy, turn auto-detect off", nil)}
	}
	return []Finding{finding(id, StatusFail, "the WinINet settings of "+c.owner+" rely on "+autoWords(c.ieDetect, c.iePAC)+" with no manual proxy: the services cannot use either, and an import carries nothing; "+services+c.caveat, evidence...).fix(summary, nil)}
}

// winhttpNoAutoProxy: WinHttpSettings has auto-proxy bits that netsh never writes; the
// services do not use them (R6), so they only hide what is really configured.
func (c *context) winhttpNoAutoProxy() []Finding {
	h := c.st.WinHTTP
	evidence := []Evidence{}
	var flagged, known []string
	for _, v := range []struct {
		name, path string
		view       model.WinHTTPView
	}{{ViewNative, "winhttp.native", h.Native}, {ViewWOW64, "winhttp.wow64", h.WOW64}} {
		if !v.view.Known || v.view.Mode == nil {
			continue
		}
		known = append(known, v.name)
		var flags any
		if b := v.view.Blob; b != nil && b.Flags != nil {
			flags = b.Flags.Value
			if b.Flags.AutoProxyURL || b.Flags.AutoDetect {
				flagged = append(flagged, v.name)
			}
		}
		evidence = append(evidence, ev(v.path+".blob.flags.value", flags))
	}
	id := CheckWinHTTPNoAutoProxy
	if len(known) == 0 {
		return []Finding{finding(id, StatusNotChecked, c.noWinHTTP(), evidence...)}
	}
	if len(flagged) == 0 {
		return []Finding{finding(id, StatusPass, "no auto-proxy flags in WinHttpSettings ("+viewWords(known)+")", evidence...)}
	}
	args := setArgs(proxyString(c.natProxy), c.natBypass, flagged...)
	return []Finding{finding(id, StatusFail, "WinHttpSettings of the "+viewWords(flagged)+" carries auto-proxy flags (PAC 0x04 or auto-detect 0x08), which the connector services do not use", evidence...).
		fix("rewrite the value with the same manual settings and no auto-proxy flags", c.planCommand(args...))}
}

// proxyString is a proxy string without credentials, as a plan may write it.
func proxyString(raw string) string {
	if raw == "" {
		return ""
	}
	return bypass.ParseProxy(raw).String()
}

// winhttpViewsAgree: 32-bit processes read the WOW6432Node copy, so a difference sends
// some connector components and tools another way.
func (c *context) winhttpViewsAgree() []Finding {
	h := c.st.WinHTTP
	w := h.WOW64
	wMode, wProxy, wBypass := "", "", ""
	if w.Mode != nil {
		wMode = *w.Mode
		if wMode == "proxy" {
			wProxy, wBypass = proxyRaw(w.Proxy), bypassRaw(w.Bypass)
		}
	}
	evidence := []Evidence{ev("winhttp.viewsAgree", deref(h.ViewsAgree)), ev("winhttp.native.mode", orNull(c.natMode)), ev("winhttp.native.proxy.raw", orNull(c.natProxy)), ev("winhttp.native.bypass.raw", orNull(c.natBypass)),
		ev("winhttp.wow64.mode", orNull(wMode)), ev("winhttp.wow64.proxy.raw", orNull(wProxy)), ev("winhttp.wow64.bypass.raw", orNull(wBypass))}
	id := CheckWinHTTPViewsAgree
	if c.natMode == "" || wMode == "" {
		missing := "32-bit (WOW6432Node)"
		if c.natMode == "" {
			missing = "64-bit"
		}
		return []Finding{finding(id, StatusNotChecked, "the source does not hold the "+missing+" WinHTTP settings, or they cannot be decoded", evidence...)}
	}
	// Compared as WinHTTP reads them, so that a difference in case or separators alone
	// (which the state's viewsAgree reports) is no failure.
	if c.natMode == wMode && sameProxy(c.natProxy, wProxy) && same(c.natBypass, wBypass) {
		msg := "both views hold " + describe(c.natMode, c.natProxy, c.natBypass)
		if h.ViewsAgree != nil && !*h.ViewsAgree {
			msg += ", spelled differently (case or separators), which WinHTTP reads the same"
		}
		return []Finding{finding(id, StatusPass, msg, evidence...)}
	}
	args := setArgs(proxyString(c.natProxy), c.natBypass, ViewNative, ViewWOW64)
	return []Finding{finding(id, StatusFail, "the 64-bit view holds "+describe(c.natMode, c.natProxy, c.natBypass)+" but the 32-bit (WOW6432Node) view holds "+describe(wMode, wProxy, wBypass)+": 32-bit processes take another route than the 64-bit services", evidence...).
		fix("write the 64-bit view's settings to both views", c.planCommand(args...))}
}
