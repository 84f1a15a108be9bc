package compliance

import (
	"fmt"
	"strings"

	"ccproxy/model"
	"ccproxy/model/bypass"
)

// RouteDoc is the ccproxy/route@1 document.
type RouteDoc struct {
	Schema   string        `json:"schema"`
	Source   model.Source  `json:"source" doc:"where the state came from, as in ccproxy/state@1"`
	Settings RouteSettings `json:"settings" doc:"the settings the decisions were made with"`
	Routes   []RouteEntry  `json:"routes"`
}

// RouteSettings are the proxy settings a route decision uses.
type RouteSettings struct {
	Stack  string  `json:"stack" enum:"winhttp,wininet"`
	View   *string `json:"view" enum:"native,wow64" doc:"the WinHTTP registry view; null for WinINet"`
	Detail string  `json:"detail" doc:"whose settings these are, in words"`
	Mode   *string `json:"mode" enum:"direct,proxy" doc:"null when the source does not hold them"`
	Proxy  *string `json:"proxy" doc:"the proxy string in use, or null"`
	Bypass *string `json:"bypass" doc:"the bypass list in use, or null"`
	// Rules says which reading of the bypass list applies where Windows' stacks differ.
	Rules string   `json:"rules"`
	Notes []string `json:"notes"`
}

// RouteEntry is the decision for one URL.
type RouteEntry struct {
	Input    string      `json:"input" doc:"the URL or host as given, credentials removed"`
	URL      string      `json:"url" doc:"the URL as routed: a bare host is read as https://host"`
	Scheme   string      `json:"scheme" enum:"http,https"`
	Host     string      `json:"host"`
	Port     int         `json:"port"`
	Decision string      `json:"decision" enum:"direct,proxy"`
	Proxy    *RouteProxy `json:"proxy" doc:"the proxy used; null when direct"`
	Bypass   RouteBypass `json:"bypass"`
	Notes    []string    `json:"notes"`
}

// RouteProxy is the proxy entry a URL goes through.
type RouteProxy struct {
	Address     string  `json:"address" doc:"host:port as written, credentials removed"`
	Port        int     `json:"port" doc:"the port connected to, the default one when none is written"`
	Scheme      *string `json:"scheme" doc:"the scheme= the entry serves, null for every scheme"`
	ProxyScheme *string `json:"proxyScheme" doc:"the proxy's own scheme:// prefix, or null"`
	Valid       bool    `json:"valid"`
	Note        *string `json:"note"`
}

// RouteBypass is the bypass-list decision, made even when no proxy applies.
type RouteBypass struct {
	Bypassed  bool    `json:"bypassed"`
	Reason    string  `json:"reason" enum:"loopback,local,entry,noMatch"`
	Entry     *string `json:"entry" doc:"the entry that matched, or null"`
	EntryKind *string `json:"entryKind"`
	// Caveat is bypass.Caveat of the deciding entry under this stack: the one rule that
	// test and plan apply too.
	Caveat *string `json:"caveat" doc:"why the stack may not honour the entry that decided, with what to write instead; null when it does"`
}

// routeSettings holds the parsed settings of one stack.
type routeSettings struct {
	doc   RouteSettings
	stack bypass.Stack
	proxy bypass.Proxy
	list  bypass.List
	// auto names the automatic configuration WinINet consults before the manual settings
	// (a PAC script, WPAD), "" when none: each decision then says it is the manual one.
	auto []string
}

// rulesText says which reading of the bypass list a stack's decisions use.
func rulesText(stack bypass.Stack) string {
	common := "entries match case-insensitively on the host as written in the URL (no DNS); <local> is any name without a dot; Windows' implicit bypass sends localhost, loopback, 127.0.0.1, [::1], 169.254.0.0/16 and [fe80::]/10 direct without an entry (Chromium's notes on Windows), not the rest of 127.0.0.0/8"
	if stack == bypass.StackWinINet {
		return common + "; '*' matches any characters anywhere in an entry, as WinINet reads it; a list with <-loopback> is read from its last entry, the first that applies deciding"
	}
	return common + "; '*' matches any characters, but Microsoft documents for WinHTTP only a left-most '*' (ProxyCfg), so a match that needs another '*' carries a caveat"
}

// settingsFor picks the settings the stack uses from st. view is "native" or "wow64" for
// WinHTTP and ignored for WinINet. The error is an input error when the source lacks them.
func settingsFor(st *model.State, stack bypass.Stack, view string) (routeSettings, error) {
	input := sourceName(st)
	s := routeSettings{stack: stack, doc: RouteSettings{Stack: string(stack), Rules: rulesText(stack), Notes: []string{}}}
	switch stack {
	case bypass.StackWinHTTP:
		v, label := st.WinHTTP.Native, "64-bit"
		if view == ViewWOW64 {
			v, label = st.WinHTTP.WOW64, "32-bit (WOW6432Node)"
		} else {
			view = ViewNative
		}
		s.doc.View = model.Ptr(view)
		s.doc.Detail = "WinHTTP, " + label + " view (" + v.RegistryPath + ")"
		if view == ViewNative {
			s.doc.Detail += ": the Cloud Connector services"
		}
		if !v.Known {
			return s, &model.InputError{Input: input, Msg: "holds no " + label + " WinHTTP settings; hint: read another source with --from, or pick the other view with --view"}
		}
		if v.Mode == nil {
			return s, &model.InputError{Input: input, Msg: "the " + label + " WinHttpSettings value cannot be decoded; hint: see 'ccproxy get' for the reason"}
		}
		s.doc.Mode = model.Ptr(*v.Mode)
		if *v.Mode == "proxy" && v.Proxy != nil {
			s.proxy = bypass.ParseProxy(v.Proxy.Raw)
			s.doc.Proxy = model.Ptr(v.Proxy.Raw)
			if v.Bypass != nil {
				s.list = bypass.Parse(v.Bypass.Raw)
				s.doc.Bypass = model.Ptr(v.Bypass.Raw)
			}
		} else if v.Proxy != nil {
			s.doc.Notes = append(s.doc.Notes, "a proxy string ("+v.Proxy.Raw+") is stored but its flag is off: WinHTTP goes direct")
		}
	case bypass.StackWinINet:
		w := st.WinINet
		s.doc.Detail = "WinINet settings of " + ownerText(st.Source.WinINetOwner) + ": the Cloud Connector installer"
		if !w.Known {
			return s, &model.InputError{Input: input, Msg: "holds no WinINet (Internet Options) settings; hint: read a .reg export or the live registry with --from, or route with --stack winhttp"}
		}
		mode := "direct"
		if w.ManualProxy != nil && *w.ManualProxy && w.Proxy != nil {
			mode = "proxy"
			s.proxy = bypass.ParseProxy(w.Proxy.Raw)
			s.doc.Proxy = model.Ptr(w.Proxy.Raw)
			if w.Bypass != nil {
				s.list = bypass.Parse(w.Bypass.Raw)
				s.doc.Bypass = model.Ptr(w.Bypass.Raw)
			}
		}
		s.doc.Mode = &mode
		if w.AutoDetect != nil && *w.AutoDetect {
			s.doc.Notes = append(s.doc.Notes, "auto-detect (WPAD) is on: WinINet tries it first, so the network may decide otherwise than shown; the decisions here use the manual settings only")
			s.auto = append(s.auto, "auto-detect (WPAD)")
		}
		if w.AutoConfigURL != nil {
			s.doc.Notes = append(s.doc.Notes, "a PAC script ("+*w.AutoConfigURL+") is set: WinINet asks it first, so the script may decide otherwise than shown; the decisions here use the manual settings only")
			s.auto = append(s.auto, "the PAC script "+*w.AutoConfigURL)
		}
	default:
		return s, &model.InputError{Input: "--stack", Msg: fmt.Sprintf("%q is not a stack; hint: winhttp or wininet", stack)}
	}
	return s, nil
}

// autoNotes says, for each decision, that WinINet asks its automatic configuration first:
// the decision shown is the manual settings', which apply only when that gives no answer.
func autoNotes(auto []string) []string {
	if len(auto) == 0 {
		return []string{}
	}
	return []string{"not known: WinINet asks " + strings.Join(auto, " and ") + " first, which ccproxy does not run; this is the decision of the manual settings, which apply only if that gives no answer"}
}

// route decides one URL; the internal-resource check uses it too, so both always agree.
func (s routeSettings) route(raw string) (RouteEntry, error) {
	r, err := bypass.Route(s.proxy, s.list, s.stack, raw)
	if err != nil {
		return RouteEntry{}, err
	}
	e := RouteEntry{
		Input: r.Input, URL: r.URL, Scheme: r.Scheme, Host: r.Host, Port: r.Port,
		Decision: "direct", Notes: append(append(autoNotes(s.auto), r.Notes...), r.Match.Notes...),
		Bypass: RouteBypass{Bypassed: r.Match.Bypassed, Reason: r.Match.Reason},
	}
	if m := r.Match.Entry; m != nil {
		e.Bypass.Entry, e.Bypass.EntryKind = model.Ptr(m.Value), model.Ptr(m.Kind)
	}
	if r.Match.Caveat != "" {
		e.Bypass.Caveat = model.Ptr(r.Match.Caveat)
	}
	if !r.Direct && r.Proxy != nil {
		e.Decision = "proxy"
		p := r.Proxy
		e.Proxy = &RouteProxy{Address: p.Address(), Port: p.EffectivePort(), Valid: p.Valid}
		if p.Scheme != "" {
			e.Proxy.Scheme = model.Ptr(p.Scheme)
		}
		if p.ProxyScheme != "" {
			e.Proxy.ProxyScheme = model.Ptr(p.ProxyScheme)
		}
		if p.Note != "" {
			e.Proxy.Note = model.Ptr(p.Note)
		}
	}
	return e, nil
}

// Route decides, for each URL, whether the stack sends it through its proxy. view is
// "native" or "wow64" for WinHTTP. A URL that cannot be read is an input error (exit 2).
func Route(st *model.State, stack bypass.Stack, view string, urls []string) (RouteDoc, error) {
	s, err := settingsFor(st, stack, view)
	if err != nil {
		return RouteDoc{}, err
	}
	d := RouteDoc{Schema: SchemaRoute, Source: st.Source, Settings: s.doc, Routes: []RouteEntry{}}
	for _, u := range urls {
		e, err := s.route(u)
		if err != nil {
			return RouteDoc{}, err
		}
		d.Routes = append(d.Routes, e)
	}
	return d, nil
}

func sourceName(st *model.State) string {
	if st.Source.Path != nil {
		return *st.Source.Path
	}
	if st.Source.Kind == model.SourceRegistry {
		return "registry"
	}
	return "stdin"
}

// serviceAccounts are the well-known accounts that Intune, Configuration Manager and DSC
// run as; their WinINet settings are not the ones an administrator installs with.
var serviceAccounts = map[string]string{
	"S-1-5-18": `NT AUTHORITY\SYSTEM`,
	"S-1-5-19": `NT AUTHORITY\LOCAL SERVICE`,
	"S-1-5-20": `NT AUTHORITY\NETWORK SERVICE`,
}

// ownerText names whose WinINet settings were read.
func ownerText(o model.Owner) string {
	name := ""
	if o.User != nil {
		name = *o.User
	} else if o.SID != nil {
		name = serviceAccounts[strings.ToUpper(*o.SID)]
	}
	switch {
	case o.Scope == "machine":
		return "the machine (policy ProxySettingsPerUser = 0)"
	case name != "" && o.SID != nil && name != *o.SID:
		return name + " (" + *o.SID + ")"
	case name != "":
		return name
	case o.SID != nil:
		return "user " + *o.SID
	case o.Hive != nil:
		return "the current user (" + *o.Hive + ")"
	}
	return "an unknown user"
}

// isServiceAccount reports settings read from a service account's hive.
func isServiceAccount(o model.Owner) bool {
	return o.Scope == "user" && o.SID != nil && serviceAccounts[strings.ToUpper(*o.SID)] != ""
}
