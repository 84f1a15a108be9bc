package model

import "strings"

// Route candidate ids: the ways a program on a connector machine could reach the Internet.
const (
	CandidateWinHTTP   = "winhttp"   // the legacy WinHttpSettings, native view: what the services use
	CandidateAdvanced  = "advanced"  // 'netsh winhttp set advproxy'
	CandidateDirect    = "direct"    // no proxy
	CandidateProxyFlag = "proxyFlag" // check --proxy
	// CandidateWinINetPrefix starts the id of a service account's own WinINet settings
	// ("wininet:S-1-5-18").
	CandidateWinINetPrefix = "wininet:"
)

// RouteCandidate is one way to route that check --compare probes, read from a state. A
// candidate ccproxy cannot probe (unknown in the source, or automatic configuration that
// ccproxy does not evaluate) is Known false with the reason.
type RouteCandidate struct {
	ID          string
	Description string
	Known       bool
	Reason      string
	// Proxy is the proxy string ("" for direct); Bypass the bypass list.
	Proxy, Bypass string
}

// Direct is whether the candidate goes without a proxy.
func (c RouteCandidate) Direct() bool { return c.Proxy == "" }

// RouteCandidates lists, from a state, the routes a connector's programs could take: the
// legacy WinHTTP setting the services read through WINHTTP_ACCESS_TYPE_DEFAULT_PROXY
// (WinHttpOpen's documentation), the advanced setting that Windows 11 and Server 2022 add
// ('netsh winhttp set advproxy', netsh-exe-commands), and the own Internet Options of each
// account a connector service runs as, which programs asking WinHTTP for the automatic proxy
// and .NET Framework programs without a <defaultProxy> follow. Direct is always a candidate.
// PAC files and WPAD are not evaluated: Citrix does not support them for the connector.
func RouteCandidates(st *State) []RouteCandidate {
	out := []RouteCandidate{fromStack(CandidateWinHTTP, "legacy WinHTTP setting, 64-bit view (netsh winhttp show proxy)", st.Effective.Services,
		"the source holds no 64-bit WinHttpSettings value that can be decoded")}
	a := st.WinHTTP.Advanced
	adv := EffectiveStack{Mode: a.Mode, Proxy: a.Proxy, Bypass: a.Bypass, AutoConfigURL: a.AutoConfigURL, AutoDetect: a.AutoDetect}
	why := "the source does not hold the advanced WinHTTP settings"
	if !a.Known && a.Reason != nil {
		why = *a.Reason
	}
	out = append(out, fromStack(CandidateAdvanced, "advanced WinHTTP setting (netsh winhttp show advproxy)", adv, why))
	for _, acc := range st.ServiceAccounts {
		name := acc.Account
		if name == "" {
			name = acc.SID
		}
		why := "the source does not hold HKEY_USERS\\" + acc.SID + "\\" + InternetSettings
		out = append(out, fromStack(CandidateWinINetPrefix+acc.SID, "Internet Options of "+name+", a connector service account",
			installerStack(acc.WinINet, ""), why))
	}
	return append(out, RouteCandidate{ID: CandidateDirect, Description: "no proxy", Known: true})
}

// fromStack makes a candidate of an effective stack: unknown says why when its mode is.
func fromStack(id, desc string, s EffectiveStack, unknown string) RouteCandidate {
	c := RouteCandidate{ID: id, Description: desc}
	switch {
	case s.Mode == nil:
		c.Reason = unknown
	case *s.Mode == "autoDetect" || *s.Mode == "autoConfig":
		what := "automatic detection (WPAD)"
		if *s.Mode == "autoConfig" {
			what = "a PAC file"
		}
		c.Reason = "uses " + what + ", which ccproxy does not evaluate and Citrix does not support for the connector"
	case *s.Mode == "proxy" && s.Proxy != nil:
		c.Known, c.Proxy = true, strings.TrimSpace(s.Proxy.Raw)
		if s.Bypass != nil {
			c.Bypass = s.Bypass.Raw
		}
	default:
		c.Known = true
	}
	return c
}
