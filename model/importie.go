package model

import (
	"strings"

	"ccproxy/model/bypass"
)

// IESettings is what 'netsh winhttp import proxy source=ie' reads: one owner's WinINet
// settings as WinHttpGetIEProxyConfigForCurrentUser returns them.
type IESettings struct {
	ManualProxy   bool
	Proxy         string // the proxy string, also when the manual proxy is switched off
	Bypass        string
	AutoConfigURL string // the PAC URL in use, "" when none
	AutoDetect    bool
}

// IEImport is the WinHTTP setting the import produces.
type IEImport struct {
	Direct   bool
	Proxy    string
	Bypass   string
	Warnings []Warning
}

// ImportFromIE reproduces 'netsh winhttp import proxy source=ie': the manual proxy and its
// bypass list are copied as they are (per-scheme strings and <local> included); PAC and
// auto-detect are never carried, because WinHTTP's default configuration cannot hold them
// and the connector does not support them (R6). Without an enabled manual proxy the result
// is direct access.
func ImportFromIE(ie IESettings, owner string) IEImport {
	var out IEImport
	warn := func(code, msg string) {
		out.Warnings = append(out.Warnings, Warning{Code: code, Path: "$.winhttp.mode", Message: RedactCredentials(msg)})
	}
	manual := ie.ManualProxy && strings.TrimSpace(ie.Proxy) != ""
	if manual {
		out.Proxy, out.Bypass = ie.Proxy, ie.Bypass
		p := bypass.ParseProxy(ie.Proxy)
		if p.For("https") == nil {
			warn("importNoHttpsProxy", "the imported proxy string of "+owner+" has no entry for https (only "+schemesOf(p)+"): WinHTTP will connect to Citrix Cloud directly")
		}
	} else {
		out.Direct = true
		switch {
		case ie.ManualProxy:
			warn("importEmptyProxy", "the manual proxy of "+owner+" is switched on but empty: the import gives direct access")
		case strings.TrimSpace(ie.Proxy) != "":
			warn("importProxyDisabled", "the manual proxy of "+owner+" is configured but switched off: the import gives direct access, not that proxy")
		}
	}
	if strings.TrimSpace(ie.AutoConfigURL) != "" {
		if manual {
			warn("importIgnoresAutoConfig", "the PAC script of "+owner+" is not carried to WinHTTP (the import copies only the manual proxy; the connector does not support PAC, R6)")
		} else {
			warn("importIgnoresAutoConfig", owner+" relies on a PAC script, which the import does not carry (R6): WinHTTP gets direct access; configure a manual proxy instead")
		}
	}
	if ie.AutoDetect {
		if manual {
			warn("importIgnoresAutoDetect", "auto-detect (WPAD) of "+owner+" is not carried to WinHTTP (the connector does not support it, R6)")
		} else {
			warn("importIgnoresAutoDetect", owner+" relies on auto-detect (WPAD), which the import does not carry (R6): WinHTTP gets direct access; configure a manual proxy instead")
		}
	}
	return out
}

func schemesOf(p bypass.Proxy) string {
	var s []string
	for _, e := range p.Entries {
		if e.Scheme == "" {
			s = append(s, "all schemes")
		} else {
			s = append(s, e.Scheme)
		}
	}
	if len(s) == 0 {
		return "nothing"
	}
	return strings.Join(s, ", ")
}

// IESettingsFromState takes the import's input from a state document's WinINet part.
func IESettingsFromState(w WinINetState) IESettings {
	var ie IESettings
	if w.ManualProxy != nil {
		ie.ManualProxy = *w.ManualProxy
	}
	if w.Proxy != nil {
		ie.Proxy = w.Proxy.Raw
	}
	if w.Bypass != nil {
		ie.Bypass = w.Bypass.Raw
	}
	if w.AutoConfigURL != nil {
		ie.AutoConfigURL = *w.AutoConfigURL
	}
	if w.AutoDetect != nil {
		ie.AutoDetect = *w.AutoDetect
	}
	return ie
}
