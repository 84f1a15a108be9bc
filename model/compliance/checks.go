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
			c.iePAC = *w.AutoConfigURL
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
	if c.st.Source.Kind == "regFile" {
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
	return planCommand(importArgs(c.st.Source.WinINetOwner)...)
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
		// Nothing checked is not compliant: what the services use is the first thing to know.
		return []Finding{finding(CheckWinHTTPReadable, StatusFail, c.noWinHTTP()+": what the connector's services use cannot be judged", evidence...).
			fix("read the live registry on the connector machine (ccproxy test), or give an export that holds the WinHttpSettings key", nil)}
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
	return []Finding{finding(CheckWinHTTPReadable, StatusFail, "the WinHttpSettings value of the "+viewWords(bad)+" cannot be decoded: the services' route is unknown and Windows may ignore the value", evidence...).fix(summary, planCommand(args...))}
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
	case c.natMode == "direct":
		return []Finding{finding(id, StatusFail, fmt.Sprintf("the installer's settings (WinINet, %s) use the proxy %s, but WinHTTP is set to direct access: the connector services will try to reach Citrix Cloud without the proxy%s", c.owner, c.ieProxy, c.caveat), evidence...).
			fix("import the installer's proxy settings into WinHTTP (what 'netsh winhttp import proxy source=ie' does), then restart the machine (R5)", c.importCommand())}
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
	proxySame := same(c.ieProxy, c.natProxy)
	missing, extra := listMinus(c.ieBypass, c.natBypass), listMinus(c.natBypass, c.ieBypass)
	if proxySame && len(missing) == 0 {
		msg := "WinHTTP holds the installer's " + imp
		if len(extra) > 0 {
			msg += ", and bypasses " + strings.Join(extra, ";") + " too"
		}
		return []Finding{finding(id, StatusPass, msg, evidence...)}
	}
	var diffs []string
	if !proxySame {
		diffs = append(diffs, fmt.Sprintf("proxy %s in WinHTTP, %s for the installer", c.natProxy, c.ieProxy))
	}
	if len(missing) > 0 {
		diffs = append(diffs, fmt.Sprintf("the installer bypasses %s, which WinHTTP (bypass list %s) does not", strings.Join(missing, ";"), orNone(c.natBypass)))
	}
	f := finding(id, StatusFail, "WinHTTP differs from the installer's manual settings: "+strings.Join(diffs, "; ")+c.caveat, evidence...)
	if proxySame {
		f.Severity = SeverityMedium
	}
	args := importArgs(c.st.Source.WinINetOwner)
	summary := "import the installer's proxy settings into WinHTTP, then restart the machine (R5)"
	for _, e := range extra {
		args = append(args, "--add-bypass", e)
	}
	if len(extra) > 0 {
		summary = "import the installer's proxy settings into WinHTTP, keeping WinHTTP's own bypass entries (" + strings.Join(extra, ";") + "), then restart the machine (R5)"
	}
	return []Finding{f.fix(summary, planCommand(args...))}
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
		fix("rewrite the value with the same manual settings and no auto-proxy flags", planCommand(args...))}
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
	if c.natMode == wMode && same(c.natProxy, wProxy) && same(c.natBypass, wBypass) {
		msg := "both views hold " + describe(c.natMode, c.natProxy, c.natBypass)
		if h.ViewsAgree != nil && !*h.ViewsAgree {
			msg += ", spelled differently (case or separators), which WinHTTP reads the same"
		}
		return []Finding{finding(id, StatusPass, msg, evidence...)}
	}
	args := setArgs(proxyString(c.natProxy), c.natBypass, ViewNative, ViewWOW64)
	return []Finding{finding(id, StatusFail, "the 64-bit view holds "+describe(c.natMode, c.natProxy, c.natBypass)+" but the 32-bit (WOW6432Node) view holds "+describe(wMode, wProxy, wBypass)+": 32-bit processes take another route than the 64-bit services", evidence...).
		fix("write the 64-bit view's settings to both views", planCommand(args...))}
}

// winhttpProxyUsable: the services reach Citrix Cloud over HTTPS (R1), through the entry
// WinHTTP picks for https URLs.
func (c *context) winhttpProxyUsable() []Finding {
	id := CheckWinHTTPProxyUsable
	n := c.st.WinHTTP.Native
	var perHTTPS, perHTTP any
	if n.Proxy != nil {
		perHTTPS, perHTTP = deref(n.Proxy.PerScheme.HTTPS), deref(n.Proxy.PerScheme.HTTP)
	}
	evidence := []Evidence{ev("winhttp.native.mode", orNull(c.natMode)), ev("winhttp.native.proxy.raw", orNull(c.natProxy)), ev("winhttp.native.proxy.perScheme.https", perHTTPS), ev("winhttp.native.proxy.perScheme.http", perHTTP)}
	switch c.natMode {
	case "":
		return []Finding{finding(id, StatusNotChecked, c.noWinHTTP(), evidence...)}
	case "direct":
		return []Finding{finding(id, StatusNotApplicable, "WinHTTP uses no proxy", evidence...)}
	}
	p := bypass.ParseProxy(c.natProxy)
	e := p.For("https")
	// An entry the services can use instead, for the remediation.
	var alt *bypass.ProxyEntry
	for i := range p.Entries {
		x := &p.Entries[i]
		if x.Host != "" && usableScheme(x) && (x.Scheme == "" || x.Scheme == "http" || x.Scheme == "https") {
			alt = x
			break
		}
	}
	fixWith := func(summary string, entry *bypass.ProxyEntry) *Remediation {
		if entry == nil {
			return &Remediation{Summary: summary + ": set a proxy the services can use, for example 'ccproxy plan --proxy HOST:PORT'"}
		}
		addr := plainAddress(entry)
		return &Remediation{Summary: summary + ": use " + addr + " for every scheme", Command: planCommand(setArgs(addr, c.natBypass)...)}
	}
	fail := func(msg, summary string, entry *bypass.ProxyEntry) []Finding {
		f := finding(id, StatusFail, msg, evidence...)
		f.Remediation = fixWith(summary, entry)
		return []Finding{f}
	}
	switch {
	case e == nil:
		return fail("the proxy string "+c.natProxy+" has no entry for https URLs and no bare entry: WinHTTP sends the services' HTTPS traffic to Citrix Cloud directly, past the proxy", "give https URLs a proxy", alt)
	case e.Host == "":
		return fail("the proxy entry WinHTTP uses for https URLs is not usable: "+e.Note, "correct the proxy string", alt)
	case !usableScheme(e):
		return fail("the proxy entry WinHTTP uses for https URLs is a SOCKS proxy ("+e.Address()+"), which WinHTTP does not support", "use an HTTP proxy", alt)
	case e.ProxyScheme == "https":
		plain := *e
		plain.ProxyScheme = ""
		return fail("the proxy entry for https URLs is written https://"+e.Address()+": a TLS connection to the proxy itself, which the connector's WinHTTP services do not support; they speak plain HTTP to the proxy and tunnel TLS with CONNECT", "write the proxy without https://", &plain)
	}
	var warns []string
	if e.Port == 0 {
		warns = append(warns, "the https proxy "+e.Address()+" has no port, so WinHTTP connects to port 80")
	}
	h := p.For("http")
	switch {
	case h == nil:
		warns = append(warns, "http URLs have no proxy entry and go direct, so certificate revocation checks on port 80 (R1) bypass the proxy")
	case h.Host == "" || !usableScheme(h) || h.ProxyScheme == "https":
		warns = append(warns, "the proxy entry for http URLs ("+h.Address()+") is not usable by WinHTTP, so certificate revocation checks on port 80 may fail")
	}
	if len(warns) > 0 {
		f := finding(id, StatusWarn, "WinHTTP sends https URLs through "+e.Address()+", but "+strings.Join(warns, "; "), evidence...)
		f.Severity = SeverityMedium
		f.Remediation = fixWith("use one proxy, with its port, for every scheme", e)
		if e.Port == 0 {
			f.Remediation = &Remediation{Summary: "write the proxy with its port, for example 'ccproxy plan --proxy " + e.Host + ":8080'"}
		}
		return []Finding{f}
	}
	return []Finding{finding(id, StatusPass, "WinHTTP sends https URLs through "+e.Address()+" and http URLs through "+h.Address(), evidence...)}
}

func usableScheme(e *bypass.ProxyEntry) bool {
	return e.ProxyScheme != "socks" && !(e.ProxyScheme == "" && e.Scheme == "socks")
}

// plainAddress is host:port with the port made explicit, for a bare proxy entry.
func plainAddress(e *bypass.ProxyEntry) string {
	x := *e
	x.Port = e.EffectivePort()
	if e.ProxyScheme == "https" && e.Port == 0 {
		x.Port = 443
	}
	x.ProxyScheme = ""
	return x.Address()
}

// noProxyCredentials: the connector supports only an unauthenticated proxy, and user:pass@
// is not part of the Windows proxy syntax at all.
func (c *context) noProxyCredentials() []Finding {
	id := CheckNoProxyCredentials
	st := c.st
	evidence := []Evidence{}
	var where, winhttpViews []string
	known := false
	for _, v := range []struct {
		name, path, words string
		known             bool
		doc               *model.ProxyDoc
	}{
		{ViewNative, "winhttp.native", "the 64-bit WinHTTP view", st.WinHTTP.Native.Known, st.WinHTTP.Native.Proxy},
		{ViewWOW64, "winhttp.wow64", "the 32-bit WinHTTP view", st.WinHTTP.WOW64.Known, st.WinHTTP.WOW64.Proxy},
		{"wininet", "wininet", "the WinINet settings of " + c.owner, st.WinINet.Known, st.WinINet.Proxy},
	} {
		if !v.known {
			continue
		}
		known = true
		creds := false
		if v.doc != nil {
			for _, e := range v.doc.Entries {
				creds = creds || e.HasCredentials
			}
		}
		evidence = append(evidence, ev(v.path+".proxy.raw", rawOf(v.doc)))
		if creds {
			where = append(where, v.words)
			if v.name != "wininet" {
				winhttpViews = append(winhttpViews, v.name)
			}
		}
	}
	if !known {
		return []Finding{finding(id, StatusNotChecked, "the source holds no proxy settings", evidence...)}
	}
	if len(where) == 0 {
		return []Finding{finding(id, StatusPass, "no user name or password in the proxy strings", evidence...)}
	}
	f := finding(id, StatusFail, "a user name and password (shown as ***) are in the proxy string of "+joinAnd(where)+": Windows does not read credentials from a proxy string, and the connector supports only an unauthenticated proxy", evidence...)
	if len(winhttpViews) > 0 {
		raw := st.WinHTTP.Native.Proxy
		byp := c.natBypass
		if winhttpViews[0] == ViewWOW64 {
			raw, byp = st.WinHTTP.WOW64.Proxy, bypassRaw(st.WinHTTP.WOW64.Bypass)
		}
		summary := "write the proxy without credentials and let the services through unauthenticated (an allow rule on the proxy for the connector machines)"
		if len(winhttpViews) < len(where) {
			summary += "; remove them from Internet Options for " + c.owner + " as well"
		}
		return []Finding{f.fix(summary, planCommand(setArgs(proxyString(proxyRaw(raw)), byp, winhttpViews...)...))}
	}
	return []Finding{f.fix("remove the credentials from the proxy in Internet Options for "+c.owner+"; the connector needs a proxy that lets it through unauthenticated", nil)}
}

func joinAnd(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func rawOf(d *model.ProxyDoc) any {
	if d == nil {
		return nil
	}
	return d.Raw
}

// restartNotPending: services read WinHTTP settings when they start (R5), so a change
// after the last boot has not reached them yet.
func (c *context) restartNotPending() []Finding {
	id := CheckRestartNotPending
	boot, kw := c.st.Source.Boot, c.st.WinHTTP.Native.KeyLastWrite
	evidence := []Evidence{ev("source.bootTime", timeValue(boot)), ev("winhttp.native.keyLastWrite", timeValue(kw))}
	switch {
	case boot == nil && kw == nil:
		return []Finding{finding(id, StatusNotChecked, "the source records neither the boot time nor when the WinHTTP settings last changed (only the live registry and state documents read from it do)", evidence...)}
	case boot == nil:
		return []Finding{finding(id, StatusNotChecked, "the source does not record the boot time", evidence...)}
	case kw == nil:
		return []Finding{finding(id, StatusNotChecked, "the source does not record when the WinHTTP settings last changed", evidence...)}
	case kw.After(*boot):
		return []Finding{finding(id, StatusFail, "the WinHTTP settings changed at "+kw.UTC().Format(time.RFC3339)+", after the last boot at "+boot.UTC().Format(time.RFC3339)+": the connector services still run with the settings they read at startup", evidence...).
			fix("restart the machine (Restart-Computer) so that the connector services start with the new settings", nil)}
	}
	return []Finding{finding(id, StatusPass, "the WinHTTP settings last changed at "+kw.UTC().Format(time.RFC3339)+", before the last boot at "+boot.UTC().Format(time.RFC3339), evidence...)}
}

func timeValue(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

// internalBypassed: R7, internal resources sent to the proxy by mistake fail; each is
// routed exactly as 'ccproxy route' routes it.
func (c *context) internalBypassed() []Finding {
	id := CheckInternalBypassed
	if len(c.o.Internal) == 0 {
		return []Finding{finding(id, StatusNotChecked, "no internal resources were named: pass the domain controllers, other connectors, VDAs, hypervisors and Provisioning servers with --internal HOST or --internal-file FILE")}
	}
	s, err := settingsFor(c.st, bypass.StackWinHTTP, ViewNative)
	var imp *routeSettings
	if err == nil && c.natMode == "direct" && c.ieManual {
		// After the import the installer's proxy applies; say now which hosts it would catch.
		x := routeSettings{stack: bypass.StackWinHTTP, proxy: bypass.ParseProxy(c.ieProxy), list: bypass.Parse(c.ieBypass)}
		imp = &x
	}
	var out []Finding
	for _, host := range c.o.Internal {
		subject := host
		base := []Evidence{ev("internal", host), ev("winhttp.native.mode", orNull(c.natMode)), ev("winhttp.native.proxy.raw", orNull(c.natProxy)), ev("winhttp.native.bypass.raw", orNull(c.natBypass))}
		mk := func(status, msg string, evidence []Evidence) Finding {
			f := finding(id, status, msg, evidence...)
			f.ID, f.Subject = id+":"+subject, &subject
			return f
		}
		if err != nil {
			out = append(out, mk(StatusNotChecked, c.noWinHTTP(), base))
			continue
		}
		r, rerr := s.route(host)
		if rerr != nil {
			out = append(out, mk(StatusNotChecked, "cannot route "+host+": "+rerr.Error(), base))
			continue
		}
		evidence := append(base, ev("route.decision", r.Decision), ev("route.bypass.reason", r.Bypass.Reason), ev("route.bypass.entry", deref(r.Bypass.Entry)))
		entry := bypassEntryFor(r)
		switch {
		case r.Decision == "proxy":
			out = append(out, mk(StatusFail, "WinHTTP sends "+r.URL+" through the proxy "+r.Proxy.Address+": no bypass entry matches "+r.Host, evidence).
				fix("add "+entry+" to the WinHTTP bypass list (CTX241222), then restart the machine (R5)", planCommand("--add-bypass", entry)))
		case c.natMode == "direct" && imp != nil:
			after, aerr := imp.route(host)
			if aerr == nil && after.Decision == "proxy" {
				out = append(out, mk(StatusWarn, "WinHTTP is direct now, but after importing the installer's proxy ("+CheckInstallerProxyInServices+") "+r.URL+" would go through "+after.Proxy.Address+": the installer's bypass list does not cover "+r.Host, evidence).
					fix("import the installer's settings with "+entry+" added to the bypass list", planCommand(append(importArgs(c.st.Source.WinINetOwner), "--add-bypass", entry)...)))
				continue
			}
			out = append(out, mk(StatusPass, "WinHTTP uses no proxy, and the installer's bypass list covers "+r.Host+" for when its proxy is imported", evidence))
		case c.natMode == "direct":
			out = append(out, mk(StatusPass, "WinHTTP uses no proxy: "+r.URL+" goes direct", evidence))
		case len(r.Notes) > 0 && r.Bypass.Reason == bypass.ReasonEntry && hasWildcardNote(r.Notes):
			f := mk(StatusWarn, "WinHTTP bypasses the proxy for "+r.URL+" by the entry "+str(r.Bypass.Entry)+", whose '*' is not left-most; WinHTTP's documentation allows only a left-most wildcard, so the services may not honour it", evidence)
			f.Severity = SeverityMedium
			out = append(out, f.
				fix("add "+entry+" itself to the bypass list so the decision does not rest on that wildcard", planCommand("--add-bypass", entry)))
		default:
			out = append(out, mk(StatusPass, "WinHTTP sends "+r.URL+" direct: "+bypassWords(r), evidence))
		}
	}
	return out
}

func hasWildcardNote(notes []string) bool {
	for _, n := range notes {
		if strings.Contains(n, "left-most") {
			return true
		}
	}
	return false
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func bypassWords(r RouteEntry) string {
	switch r.Bypass.Reason {
	case bypass.ReasonLoopback:
		return "loopback addresses always bypass the proxy"
	case bypass.ReasonLocal:
		return "bypassed by <local> (a name without a dot)"
	case bypass.ReasonEntry:
		return "bypassed by the entry " + str(r.Bypass.Entry)
	}
	return "the proxy string has no entry for " + r.Scheme + " URLs"
}
