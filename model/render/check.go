package render

import (
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
)

// check: the verdict and the route in words, then the endpoints in groups: those that failed
// the same way at the same stage share one line that says the cause once and names their
// hosts, so one refused proxy reads as one cause, not as twenty-one.
func (w *writer) check(d gjson.Result) {
	c := d.Get("counts")
	counts := fmt.Sprintf("%d of %d endpoints reached, %d failed, %d not checked; required: %d of %d",
		c.Get("passed").Int(), c.Get("total").Int(), c.Get("failed").Int(), c.Get("notChecked").Int(), c.Get("requiredPassed").Int(), c.Get("required").Int())
	if d.Get("ok").Bool() {
		w.para(w.paint(green, "OK")+": ", 2, counts)
	} else {
		if cause := checkCause(d); cause != "" {
			counts += "; " + cause
		}
		if !d.Get("allRoutesAsExpected").Bool() {
			counts += fmt.Sprintf("; %d internal hosts not routed direct", d.Get("counts.misrouted").Int())
		}
		w.para(w.paint(red, "FAILED")+": ", 2, counts)
	}
	w.para("  route: ", 9, routeWords(d.Get("routing")))
	w.para("  TLS interception: ", 20, d.Get("interception.verdict").String())
	if cl := d.Get("clock"); cl.Exists() {
		w.para("  clock: ", 9, w.status(cl.Get("status").String(), 0)+" "+cl.Get("message").String())
	}
	ip := d.Get("ipLiteral")
	w.para("  CONNECT to an IP (R8): ", 25, w.status(ip.Get("status").String(), 0)+" "+ip.Get("message").String())
	if d.Get("deadlineReached").Bool() {
		w.para("  ", 2, w.paint(yellow, "the deadline stopped the run")+": unfinished endpoints are not checked")
	}
	// A cause is said once: a group whose cause a line above gave already points there.
	said := map[string]bool{ip.Get("message").String(): true, "": true}
	for _, g := range endpointGroups(d.Get("endpoints")) {
		w.blank()
		head := fmt.Sprintf("%s %s", plural(int64(len(g.hosts)), g.noun()), g.how())
		switch {
		case said[g.cause] && g.cause != "":
			head += ", for the same cause as above"
		case g.cause != "":
			head += ": " + g.cause
		}
		said[g.cause] = true
		w.para(w.status(g.status, 5)+" ", 6, head)
		w.list("      ", 6, g.hosts)
	}
	if cmp := d.Get("compare"); cmp.IsObject() {
		w.checkCompare(cmp)
	}
}

// endpointGroup is the endpoints that ended the same way: the same status, failing stage,
// failure class and cause (with each one's own host name taken out of the cause).
type endpointGroup struct {
	status, stage, failure, cause string
	optional                      bool
	hosts                         []string
}

func (g endpointGroup) noun() string {
	if g.optional {
		return "optional endpoint"
	}
	return "endpoint"
}

// how says where the group stopped: reached, or the stage and class it failed at.
func (g endpointGroup) how() string {
	switch g.status {
	case "pass", "ok":
		return "reached"
	case "notChecked":
		return "not checked"
	}
	return strings.TrimSpace("failed " + parens(failureWords(g.stage, g.failure)))
}

// failureWords says a probe's failure class (and, for a timeout, the stage it stopped at)
// in words: the JSON's enums (tcpRefused, proxyConnect) are for programs.
func failureWords(stage, failure string) string {
	stages := map[string]string{"dns": "the DNS lookup", "tcp": "the TCP connection", "proxyConnect": "the proxy's CONNECT",
		"tls": "the TLS handshake", "http": "the HTTP request"}
	switch failure {
	case "dnsFailure":
		return "DNS lookup failed"
	case "tcpRefused":
		return "TCP connection refused"
	case "timeout":
		if s, ok := stages[stage]; ok {
			return "timed out in " + s
		}
		return "timed out"
	case "proxyAuthRequired":
		return "the proxy asks for credentials"
	case "proxyDenied":
		return "the proxy refused the CONNECT"
	case "tlsHandshakeFailed":
		return "TLS handshake failed"
	case "tlsInterception":
		return "TLS interception: the certificate is not the site's"
	case "certificateInvalid":
		return "certificate not valid"
	case "httpError":
		return "HTTP error"
	case "":
		if s, ok := stages[stage]; ok {
			return "at " + s
		}
	}
	return strings.TrimSpace(stage + " " + failure)
}

func endpointGroups(eps gjson.Result) []*endpointGroup {
	var groups []*endpointGroup
	index := map[string]*endpointGroup{}
	eps.ForEach(func(_, e gjson.Result) bool {
		host := e.Get("host").String()
		g := endpointGroup{status: e.Get("status").String(), failure: e.Get("failure").String(), optional: !e.Get("required").Bool()}
		e.Get("stages").ForEach(func(_, s gjson.Result) bool {
			if !s.Get("ok").Bool() {
				g.stage = s.Get("name").String()
				return false
			}
			return true
		})
		if g.status != "pass" {
			// The same cause for another host is the same cause: say it once for all.
			hostPort := fmt.Sprintf("%s:%d", host, e.Get("port").Int())
			g.cause = strings.ReplaceAll(strings.ReplaceAll(e.Get("message").String(), hostPort, "the endpoint"), host, "the endpoint")
		}
		key := strings.Join([]string{g.status, g.stage, g.failure, g.cause, fmt.Sprint(g.optional)}, "\x00")
		if index[key] == nil {
			index[key] = &g
			groups = append(groups, &g)
		}
		index[key].hosts = append(index[key].hosts, fmt.Sprintf("%s:%d", host, e.Get("port").Int()))
		return true
	})
	// Failures first, then what was not checked, then what was reached; required before
	// optional within each.
	rank := map[string]int{"fail": 0, "notChecked": 1}
	ordered := make([]*endpointGroup, 0, len(groups))
	for _, want := range []int{0, 1, 2} {
		for _, opt := range []bool{false, true} {
			for _, g := range groups {
				r, ok := rank[g.status]
				if !ok {
					r = 2
				}
				if r == want && g.optional == opt {
					ordered = append(ordered, g)
				}
			}
		}
	}
	return ordered
}

// routeWords says which route check took, in words.
func routeWords(r gjson.Result) string {
	proxy := r.Get("proxy").String()
	var s string
	switch r.Get("source").String() {
	case "proxyFlag":
		s = "through the proxy " + proxy + " given with --proxy"
	case "direct":
		s = "direct, without a proxy (--direct)"
	case "winhttp":
		if proxy == "" {
			s = "the services' WinHTTP settings: direct, without a proxy"
		} else {
			s = "the services' WinHTTP settings: through the proxy " + proxy
		}
		if src := r.Get("stateSource").String(); src != "" {
			s += " (read from " + src + ")"
		}
	default:
		s = joinWords(r.Get("source").String(), or(proxy, "direct"))
	}
	if b := r.Get("bypass").String(); b != "" {
		s += "; bypass " + b
	}
	var notes []string
	r.Get("notes").ForEach(func(_, n gjson.Result) bool { notes = append(notes, n.String()); return true })
	return joinNonEmpty(append([]string{s}, notes...)...)
}

// candidateWords names a route candidate of check --compare in words.
func candidateWords(id string) string {
	switch {
	case id == "winhttp":
		return "WinHTTP (legacy setting)"
	case id == "advanced":
		return "WinHTTP advanced setting"
	case id == "direct":
		return "direct"
	case id == "proxyFlag":
		return "--proxy"
	case strings.HasPrefix(id, "wininet:"):
		return "Internet Options of " + strings.TrimPrefix(id, "wininet:")
	}
	return id
}

func joinWords(a, b string) string {
	if b == "" {
		return ""
	}
	return a + " " + b
}

func parens(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}
