package compliance

import (
	"encoding/json"
	"strconv"
	"strings"

	"ccproxy/model"
	"ccproxy/model/bypass"
)

// serviceAccountsAgree: the connector's services get WinHTTP's default configuration, but a
// component that asks WinHTTP for the automatic proxy (WINHTTP_ACCESS_TYPE_AUTOMATIC_PROXY,
// WinHttpOpen's documentation) or a .NET Framework component without a <defaultProxy> of
// its own follows the Internet Options of the account the service runs as. Citrix says only
// that the connector uses "the WinHTTP proxy settings", so a difference is a warning.
func (c *context) serviceAccountsAgree() []Finding {
	id := CheckServiceAccountsAgree
	cs := c.st.Effective.ConnectorServices
	evidence := []Evidence{ev("effective.connectorServices.known", cs.Known)}
	if !cs.Known {
		return []Finding{finding(id, StatusNotChecked, "the accounts of the connector's services are unknown: "+strDeref(cs.Reason), evidence...)}
	}
	if len(cs.Services) == 0 {
		return []Finding{finding(id, StatusNotApplicable, "no Cloud Connector service is installed", evidence...)}
	}
	var differ, unknown []string
	for i, s := range cs.Services {
		path := "effective.connectorServices.services[" + strconv.Itoa(i) + "]"
		evidence = append(evidence, ev(path+".account", strDeref(s.Account)), ev(path+".wininet.mode", deref(s.WinINet.Mode)), ev(path+".sameRoute", deref(s.SameRoute)))
		switch {
		case s.SameRoute == nil:
			unknown = append(unknown, s.Name+" ("+strDeref(s.Account)+")")
		case !*s.SameRoute:
			differ = append(differ, s.Name+" ("+strDeref(s.Account)+": "+stackWords(s.WinINet)+")")
		}
	}
	switch {
	case len(differ) > 0:
		return []Finding{finding(id, StatusWarn, "WinHTTP gives the services "+stackWords(c.st.Effective.Services)+", but the own Internet Options of the accounts of "+strings.Join(differ, ", ")+" lead elsewhere; components that follow the account's settings go another way", evidence...).
			fix("give those accounts' Internet Options the WinHTTP proxy (ccproxy plan --user SID ...), or make sure no component relies on them", nil)}
	case len(unknown) > 0:
		return []Finding{finding(id, StatusNotChecked, "the own Internet Options of the accounts of "+strings.Join(unknown, ", ")+" are not in the source", evidence...)}
	}
	return []Finding{finding(id, StatusPass, "the services' accounts' own Internet Options lead where WinHTTP does", evidence...)}
}

// winhttpAdvancedAgrees: 'netsh winhttp show proxy' can say direct while 'show advproxy'
// shows a proxy, and 'reset proxy' leaves the advanced setting in place.
func (c *context) winhttpAdvancedAgrees() []Finding {
	id := CheckWinHTTPAdvancedAgrees
	a := c.st.WinHTTP.Advanced
	evidence := []Evidence{ev("winhttp.advanced.known", a.Known), ev("winhttp.advanced.mode", deref(a.Mode)), ev("winhttp.native.mode", orNull(c.natMode)), ev("winhttp.advanced.agreesWithLegacy", deref(a.AgreesWithLegacy))}
	switch {
	case !a.Known:
		return []Finding{finding(id, StatusNotChecked, "the advanced WinHTTP settings are unknown: "+strDeref(a.Reason), evidence...)}
	case a.AgreesWithLegacy == nil:
		return []Finding{finding(id, StatusNotChecked, c.noWinHTTP()+", so the advanced settings have nothing to be compared with", evidence...)}
	case *a.AgreesWithLegacy:
		return []Finding{finding(id, StatusPass, "the advanced WinHTTP settings and WinHttpSettings both give "+stackWords(c.st.Effective.Services), evidence...)}
	}
	adv := model.EffectiveStack{Mode: a.Mode, Proxy: a.Proxy, Bypass: a.Bypass}
	f := finding(id, StatusWarn, "'netsh winhttp show advproxy' gives "+stackWords(adv)+" while WinHttpSettings ('show proxy') gives "+stackWords(c.st.Effective.Services)+"; 'netsh winhttp reset proxy' does not clear the advanced settings", evidence...)
	return []Finding{f.fix("align the advanced settings with WinHttpSettings, which the connector's services read, then restart the machine (R5)", c.advproxyLine(a))}
}

// advproxyLine is the netsh line that writes the legacy setting into the advanced one, in
// the form of Microsoft's netsh reference (settings={\"Proxy\":...} with its quotes escaped
// for cmd.exe). Null when the proxy holds credentials, which are never printed.
func (c *context) advproxyLine(a model.AdvancedDoc) *string {
	if strings.Contains(c.natProxy, "***") {
		return nil
	}
	scope := "machine"
	if a.Scope != nil {
		scope = *a.Scope
	}
	settings := struct {
		Proxy         string `json:"Proxy"`
		ProxyBypass   string `json:"ProxyBypass"`
		AutoconfigURL string `json:"AutoconfigUrl"`
		AutoDetect    bool   `json:"AutoDetect"`
	}{Proxy: c.natProxy, ProxyBypass: c.natBypass}
	b, err := json.Marshal(settings)
	if err != nil {
		return nil
	}
	line := "netsh winhttp set advproxy setting-scope=" + scope + " settings=" + strings.ReplaceAll(string(b), `"`, `\"`)
	return &line
}

func stackWords(s model.EffectiveStack) string {
	if s.Mode == nil {
		return "an unknown route"
	}
	switch *s.Mode {
	case "proxy":
		if s.Proxy != nil {
			return "the proxy " + s.Proxy.Raw
		}
	case "autoDetect":
		return "automatic detection (WPAD)"
	case "autoConfig":
		return "a PAC script"
	}
	return "direct access"
}

func strDeref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// winhttpBypassHonoured flags bypass entries of the services' WinHTTP setting that Windows
// does not honour, with what to write instead (the rules of model/bypass: Microsoft's
// documentation, Wine's matcher, Chromium's and .NET's readings).
func (c *context) winhttpBypassHonoured() []Finding {
	id := CheckWinHTTPBypassHonoured
	n := c.st.WinHTTP.Native
	evidence := []Evidence{ev("winhttp.native.bypass.raw", orNull(c.natBypass))}
	switch {
	case c.natMode == "":
		return []Finding{finding(id, StatusNotChecked, c.noWinHTTP(), evidence...)}
	case c.natMode != "proxy" || n.Bypass == nil:
		return []Finding{finding(id, StatusNotApplicable, "WinHTTP has no bypass list in use", evidence...)}
	}
	var bad, odd []string
	for _, entry := range bypass.Parse(c.natBypass).Entries {
		caveat := bypass.Caveat(entry, bypass.StackWinHTTP)
		if caveat == "" {
			continue
		}
		if _, unusable := entry.Unusable(); unusable {
			bad = append(bad, entry.Value+" ("+caveat+")")
		} else {
			odd = append(odd, entry.Value+" ("+caveat+")")
		}
	}
	if len(bad)+len(odd) == 0 {
		return []Finding{finding(id, StatusPass, "every entry of the WinHTTP bypass list is one Windows honours", evidence...)}
	}
	return []Finding{finding(id, StatusWarn, "WinHTTP's bypass list has entries Windows may not honour: "+model.ListSome(append(bad, odd...), "; ")+"; hosts they were meant for go through the proxy", evidence...).
		fix("rewrite those entries as their notes say, with 'ccproxy plan --proxy ... --bypass ...' or the import from a corrected Internet Options list", nil)}
}
