package model

import (
	"encoding/json"
	"strings"

	"ccproxy/jsonin"
)

// WinHTTP's second configuration, the "advanced" proxy settings of 'netsh winhttp set|show
// advproxy' (Windows 11, Server 2022 and later). Microsoft's netsh reference marks 'show
// proxy' and 'set proxy' deprecated in favour of them; they are kept apart from
// WinHttpSettings ('netsh winhttp reset proxy' leaves them in place), and where Windows
// stores them is not documented, so they are read from what netsh and the WinHttpProxy
// module print, or through WinHTTP's own API.

// AdvancedSettings is what a source says of the advanced settings. Every field is optional:
// netsh leaves out what is not set.
type AdvancedSettings struct {
	Source               string  // netshShowAdvproxy, settingsFile, getWinhttpProxy, api
	ProxyIsEnabled       *bool   `json:"ProxyIsEnabled"`
	Proxy                *string `json:"Proxy"`
	ProxyBypass          *string `json:"ProxyBypass"`
	AutoConfigIsEnabled  *bool   `json:"AutoConfigIsEnabled"`
	AutoconfigURL        *string `json:"AutoconfigUrl"`
	AutoDetect           *bool   `json:"AutoDetect"`
	PerUserProxySettings *bool   `json:"PerUserProxySettings"`
	ConnectionName       *string `json:"ConnectionName"`
}

// advancedSpec is the JSON that 'netsh winhttp show advproxy' prints and 'set advproxy
// settings-file=' takes (documented input keys Proxy, ProxyBypass, AutoconfigUrl,
// AutoDetect; output keys ProxyIsEnabled, AutoConfigIsEnabled, PerUserProxySettings;
// ConnectionName as the WinHttpProxy module reads it).
var advancedSpec = jsonin.Object(
	jsonin.Key("ProxyIsEnabled", jsonin.Bool()),
	jsonin.Key("Proxy", jsonin.String()),
	jsonin.Key("ProxyBypass", jsonin.String()),
	jsonin.Key("AutoConfigIsEnabled", jsonin.Bool()),
	jsonin.Key("AutoconfigUrl", jsonin.String()),
	jsonin.Key("AutoDetect", jsonin.Bool()),
	jsonin.Key("PerUserProxySettings", jsonin.Bool()),
	jsonin.Key("ConnectionName", jsonin.String()),
)

// ParseAdvancedJSON reads the advanced settings' JSON; source says where it came from.
func ParseAdvancedJSON(name string, text []byte, source string) (*AdvancedSettings, []string, error) {
	decoded, warnings, err := jsonin.Decode(name, text)
	if err != nil {
		return nil, warnings, err
	}
	canonical, err := jsonin.Normalize(name, decoded, advancedSpec)
	if err != nil {
		return nil, warnings, err
	}
	var a AdvancedSettings
	if err := json.Unmarshal(canonical, &a); err != nil {
		return nil, warnings, &InputError{Input: name, Msg: "cannot read the advanced proxy settings: " + err.Error()}
	}
	a.Source = source
	return &a, warnings, nil
}

// LooksLikeAdvancedJSON: a JSON object without "schema" whose keys are all advanced-setting
// keys (any case) is the advanced settings, not a ccproxy document.
func LooksLikeAdvancedJSON(text []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(text, &m) != nil {
		return false
	}
	// An empty configuration prints "{}".
	for k := range m {
		switch strings.ToLower(k) {
		case "proxyisenabled", "proxy", "proxybypass", "autoconfigisenabled", "autoconfigurl", "autodetect", "peruserproxysettings", "connectionname":
		default:
			return false
		}
	}
	return true
}

// AdvancedDoc is the state document's view of the advanced settings.
type AdvancedDoc struct {
	Known bool `json:"known"`
	// Reason says why they are unknown.
	Reason *string `json:"reason"`
	// Source is where they were read: netshShowAdvproxy, settingsFile, getWinhttpProxy, api.
	Source *string `json:"source"`
	// Scope is user or machine, from PerUserProxySettings; null when the source does not say.
	Scope         *string    `json:"scope"`
	Mode          *string    `json:"mode"` // direct, proxy, autoConfig, autoDetect
	Proxy         *ProxyDoc  `json:"proxy"`
	Bypass        *BypassDoc `json:"bypass"`
	AutoConfigURL *string    `json:"autoConfigUrl"`
	AutoDetect    *bool      `json:"autoDetect"`
	// Raw is each key as the source gave it (null where it said nothing).
	Raw AdvancedRaw `json:"raw"`
	// AgreesWithLegacy compares the advanced proxy with the native WinHttpSettings view;
	// null when either is unknown.
	AgreesWithLegacy *bool `json:"agreesWithLegacy"`
}

// AdvancedRaw is the advanced settings' keys as read.
type AdvancedRaw struct {
	ProxyIsEnabled       *bool   `json:"proxyIsEnabled"`
	Proxy                *string `json:"proxy"`
	ProxyBypass          *string `json:"proxyBypass"`
	AutoConfigIsEnabled  *bool   `json:"autoConfigIsEnabled"`
	AutoconfigURL        *string `json:"autoconfigUrl"`
	AutoDetect           *bool   `json:"autoDetect"`
	PerUserProxySettings *bool   `json:"perUserProxySettings"`
	ConnectionName       *string `json:"connectionName"`
}

// unknownAdvanced is the view of a source that cannot tell.
func unknownAdvanced(reason string) AdvancedDoc {
	return AdvancedDoc{Reason: Ptr(reason)}
}

// NewAdvancedDoc describes read advanced settings. A proxy is in use when ProxyIsEnabled
// says so, or, where the source leaves that key out (the input JSON of 'set advproxy', the
// WinHttpProxy module's text), when there is a proxy string; likewise the PAC URL. WinHTTP's
// WINHTTP_PROXY_SETTINGS_EX flags follow the same split (WINHTTP_PROXY_TYPE_PROXY 0x2,
// _AUTO_PROXY_URL 0x4, _AUTO_DETECT 0x8).
func NewAdvancedDoc(a *AdvancedSettings) AdvancedDoc {
	d := AdvancedDoc{Known: true, Source: Ptr(a.Source)}
	red := func(s *string, redact func(string) string) *string {
		if s == nil {
			return nil
		}
		return Ptr(redact(*s))
	}
	d.Raw = AdvancedRaw{ProxyIsEnabled: a.ProxyIsEnabled, Proxy: red(a.Proxy, RedactProxyList), ProxyBypass: red(a.ProxyBypass, RedactProxyList), AutoConfigIsEnabled: a.AutoConfigIsEnabled,
		AutoconfigURL: red(a.AutoconfigURL, RedactURL), AutoDetect: a.AutoDetect, PerUserProxySettings: a.PerUserProxySettings, ConnectionName: a.ConnectionName}
	if a.PerUserProxySettings != nil {
		scope := "machine"
		if *a.PerUserProxySettings {
			scope = "user"
		}
		d.Scope = &scope
	}
	proxyOn := strings.TrimSpace(Deref(a.Proxy)) != "" && (a.ProxyIsEnabled == nil || *a.ProxyIsEnabled)
	pacOn := strings.TrimSpace(Deref(a.AutoconfigURL)) != "" && (a.AutoConfigIsEnabled == nil || *a.AutoConfigIsEnabled)
	detect := a.AutoDetect != nil && *a.AutoDetect
	d.AutoDetect = Ptr(detect)
	if pacOn {
		d.AutoConfigURL = Ptr(RedactURL(strings.TrimSpace(*a.AutoconfigURL)))
	}
	if proxyOn {
		d.Proxy = NewProxyDoc(*a.Proxy)
		d.Bypass = NewBypassDoc(Deref(a.ProxyBypass))
	}
	mode := "direct"
	switch {
	case detect:
		mode = "autoDetect"
	case pacOn:
		mode = "autoConfig"
	case proxyOn:
		mode = "proxy"
	}
	d.Mode = &mode
	return d
}

// advancedAgrees compares the advanced settings with a legacy view: the same mode, proxy
// and bypass list.
func advancedAgrees(a AdvancedDoc, v WinHTTPView) *bool {
	if !a.Known || !v.Known || a.Mode == nil || v.Mode == nil {
		return nil
	}
	same := *a.Mode == *v.Mode && proxyRaw(a.Proxy, *a.Mode) == proxyRaw(v.Proxy, *v.Mode) &&
		canonBypass(bypassRaw(a.Bypass, *a.Mode)) == canonBypass(bypassRaw(v.Bypass, *v.Mode))
	return &same
}

// canonBypass compares bypass lists by their entries, ignoring case and separators.
func canonBypass(s string) string {
	return strings.ToLower(strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ' ' || r == '\t' }), ";"))
}
