package render

import (
	"strings"

	"github.com/tidwall/gjson"
)

// state: what the services and the installer use, then each place the settings live.
func (w *writer) state(d gjson.Result) {
	svc, inst := d.Get("effective.services"), d.Get("effective.installer")
	verdict := "the services and the installer reach the Internet the same way"
	switch d.Get("effective.same").Type {
	case gjson.False:
		verdict = w.paint(red, "DIFFERENT:") + " the services and the installer reach the Internet differently"
	case gjson.Null:
		verdict = w.paint(yellow, "UNKNOWN:") + " whether the services and the installer go the same way"
	default:
		verdict = w.paint(green, "SAME:") + " " + verdict
	}
	w.para("", 2, verdict)
	w.para("  source: ", 10, sourceLine(d.Get("source")))
	w.blank()
	w.table([]string{"WHO", "USES", "MODE", "PROXY / BYPASS"}, [][]string{
		{"services", "WinHTTP", or(svc.Get("mode").String(), "unknown"), stackDetail(svc)},
		{"installer", "WinINet", or(inst.Get("mode").String(), "unknown"), stackDetail(inst)},
	})
	w.blank()
	rows := [][]string{}
	for _, v := range []struct{ name, path string }{{"WinHTTP 64-bit", "winhttp.native"}, {"WinHTTP 32-bit", "winhttp.wow64"}} {
		x := d.Get(v.path)
		rows = append(rows, []string{v.name, viewMode(x), viewDetail(x)})
	}
	adv := d.Get("winhttp.advanced")
	if adv.Get("known").Bool() {
		rows = append(rows, []string{"WinHTTP advanced", or(adv.Get("mode").String(), "unknown"), or(joinNonEmpty(adv.Get("proxy").String(), prefixed("bypass ", bypassRaw(adv.Get("bypass"))), prefixed("PAC ", adv.Get("autoConfigUrl").String())), "-")})
	} else {
		rows = append(rows, []string{"WinHTTP advanced", "unknown", adv.Get("reason").String()})
	}
	wi := d.Get("wininet")
	owner := d.Get("source.wininetOwner")
	who := "WinINet " + or(owner.Get("user").String(), or(owner.Get("sid").String(), owner.Get("hive").String()))
	rows = append(rows, []string{who, wininetMode(wi), wininetDetail(wi)})
	w.table([]string{"SETTING", "MODE", "DETAIL"}, rows)
	if d.Get("winhttp.viewsAgree").Type == gjson.False {
		w.para("  ", 2, w.paint(yellow, "WARN")+" the 64-bit and 32-bit WinHTTP views disagree")
	}
	cs := d.Get("effective.connectorServices")
	w.blank()
	if !cs.Get("known").Bool() {
		w.para("connector services: ", 2, "unknown: "+cs.Get("reason").String())
	} else if n := cs.Get("services.#").Int(); n == 0 {
		w.para("connector services: ", 2, or(cs.Get("reason").String(), "none installed"))
	} else {
		w.linef("connector services (%d):", n)
		rows := [][]string{}
		cs.Get("services").ForEach(func(_, s gjson.Result) bool {
			rows = append(rows, []string{"  " + s.Get("name").String(), or(s.Get("account").String(), "unknown"), serviceDetail(s)})
			return true
		})
		w.table([]string{"  SERVICE", "ACCOUNT", "ITS OWN WININET"}, rows)
	}
	w.warnings(d.Get("warnings"))
}

func (w *writer) warnings(ws gjson.Result) {
	if ws.Get("#").Int() == 0 {
		return
	}
	w.blank()
	w.linef("warnings:")
	ws.ForEach(func(_, x gjson.Result) bool {
		msg := x.String()
		if x.IsObject() {
			msg = x.Get("message").String()
		}
		w.para("  "+w.status("warn", 5), 8, msg)
		return true
	})
}

func sourceLine(s gjson.Result) string {
	parts := []string{s.Get("kind").String()}
	if p := s.Get("path").String(); p != "" {
		parts = append(parts, p)
	}
	if h := s.Get("host").String(); h != "" {
		parts = append(parts, "host "+h)
	}
	if t := s.Get("readAt").String(); t != "" {
		parts = append(parts, "read "+t)
	}
	return strings.Join(parts, ", ")
}

// stackDetail is an effective stack's proxy, bypass and auto-proxy settings in one cell.
func stackDetail(s gjson.Result) string {
	var parts []string
	if p := s.Get("proxy.raw").String(); p != "" {
		parts = append(parts, p)
	}
	if b := bypassRaw(s.Get("bypass")); b != "" {
		parts = append(parts, "bypass "+b)
	}
	if u := s.Get("autoConfigUrl").String(); u != "" {
		parts = append(parts, "PAC "+u)
	}
	if s.Get("autoDetect").Bool() {
		parts = append(parts, "auto-detect")
	}
	if d := s.Get("defaulted"); d.Bool() {
		parts = append(parts, "(Windows' default: nothing is set)")
	}
	return or(strings.Join(parts, "; "), "-")
}

func bypassRaw(b gjson.Result) string {
	if b.IsObject() {
		return b.Get("raw").String()
	}
	return b.String()
}

func viewMode(v gjson.Result) string {
	switch {
	case !v.Get("known").Bool():
		return "unknown"
	case !v.Get("present").Bool():
		return "not set"
	}
	return or(v.Get("mode").String(), "unknown")
}

func viewDetail(v gjson.Result) string {
	if !v.Get("known").Bool() {
		return or(v.Get("reason").String(), "the source does not hold this view")
	}
	if e := v.Get("blob.error").String(); e != "" {
		return "cannot decode: " + e
	}
	return or(joinNonEmpty(v.Get("proxy.raw").String(), prefixed("bypass ", bypassRaw(v.Get("bypass")))), "-")
}

func wininetMode(wi gjson.Result) string {
	if !wi.Get("known").Bool() {
		return "unknown"
	}
	var modes []string
	if wi.Get("manualProxy").Bool() {
		modes = append(modes, "proxy")
	}
	if wi.Get("autoConfigUrl").String() != "" {
		modes = append(modes, "PAC")
	}
	if wi.Get("autoDetect").Bool() {
		modes = append(modes, "auto-detect")
	}
	if len(modes) == 0 {
		return "direct"
	}
	return strings.Join(modes, "+")
}

func wininetDetail(wi gjson.Result) string {
	if !wi.Get("known").Bool() {
		return or(wi.Get("reason").String(), "the source holds no WinINet settings")
	}
	s := joinNonEmpty(wi.Get("proxy.raw").String(), prefixed("bypass ", bypassRaw(wi.Get("bypass"))), prefixed("PAC ", wi.Get("autoConfigUrl").String()))
	if wi.Get("defaulted").Bool() {
		s = joinNonEmpty(s, "no DefaultConnectionSettings: Windows' default, automatic detection")
	}
	return or(s, "-")
}

func serviceDetail(s gjson.Result) string {
	wi := s.Get("wininet")
	out := or(wi.Get("mode").String(), "unknown")
	if d := stackDetail(wi); d != "-" {
		out += " " + d
	}
	if s.Get("sameRoute").Type == gjson.False {
		out += " (not where WinHTTP leads)"
	}
	return out
}

func prefixed(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "; ")
}
