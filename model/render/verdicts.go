package render

import (
	"fmt"
	"strings"

	"github.com/tidwall/gjson"

	"ccproxy/jsonin"
)

// plan: each value's before and after, as terraform plan shows them.
func (w *writer) plan(d gjson.Result) {
	n := d.Get("changes.#").Int()
	unheld := d.Get(`warnings.#(code=="sourceViewUnknown")#.path`).Array()
	switch {
	case (d.Get("empty").Bool() || n == 0) && len(unheld) > 0:
		var parts []string
		for _, u := range unheld {
			parts = append(parts, u.String())
		}
		w.para(w.paint(yellow, "NO CHANGES COMPUTED")+": ", 2, "the source does not hold the WinHTTP settings ("+strings.Join(parts, ", ")+"), so whether the machine is in the desired state there is not known; plan on the machine itself")
	case d.Get("empty").Bool() || n == 0:
		w.linef("%s: the registry already holds the desired state", w.paint(green, "NO CHANGES"))
	default:
		w.linef("PLAN: %s", plural(n, "change"))
	}
	w.para("  made from: ", 13, sourceLine(d.Get("source")))
	d.Get("changes").ForEach(func(_, c gjson.Result) bool {
		w.blank()
		w.change(c, "")
		return true
	})
	if r := d.Get("restartRequired"); r.Get("required").Bool() {
		w.blank()
		w.para(w.paint(yellow, "RESTART")+": ", 9, r.Get("reason").String())
	}
	w.warnings(d.Get("warnings"))
	if n > 0 {
		// Text is what a console shows, so no plan file was written: say how to get one.
		step := "to apply it, rerun this command with --output plan.json, then run:"
		if d.Get("requiresElevation").Bool() {
			step = "to apply it, rerun this command with --output plan.json, then from an elevated prompt:"
		}
		w.blank()
		w.para("", 2, step)
		w.command("  ", 2, "ccproxy apply plan.json")
	}
}

// change renders one registry change: the value, then before and after.
func (w *writer) change(c gjson.Result, status string) {
	t := c.Get("target")
	sign := map[string]string{"create": "+", "update": "~", "delete": "-"}[c.Get("action").String()]
	head := fmt.Sprintf("%s %s %s", sign, t.Get("stack").String(), or(t.Get("view").String(), t.Get("scope").String()))
	if status != "" {
		head += " [" + status + "]"
	}
	w.linef("%s", strings.TrimRight(head, " "))
	w.para("    value:  ", 12, t.Get("registryPath").String()+`\`+t.Get("valueName").String())
	w.para("    before: ", 12, valueText(c.Get("before")))
	w.para("    after:  ", 12, valueText(c.Get("after")))
}

func valueText(v gjson.Result) string {
	if !v.Get("exists").Bool() {
		return "(no value)"
	}
	return or(v.Get("text").String(), v.Get("type").String()+" "+v.Get("hex").String())
}

// apply and restore: the result, the backup, each change's status.
func (w *writer) apply(d gjson.Result) {
	res := d.Get("result").String()
	word := map[string]string{
		"applied": w.paint(green, "APPLIED"), "alreadyApplied": w.paint(green, "ALREADY APPLIED"), "noChanges": w.paint(green, "NO CHANGES"),
		"whatIf": "WHAT-IF", "rolledBack": w.paint(red, "ROLLED BACK"), "rollbackFailed": w.paint(red, "ROLLBACK FAILED"),
	}[res]
	line := fmt.Sprintf("%s: %s", or(word, res), plural(d.Get("changes.#").Int(), "change"))
	if d.Get("verified").Bool() {
		line += ", read back and verified"
	}
	w.para("", 2, line)
	if d.Get("stale").Bool() {
		w.para(w.paint(red, "STALE")+": ", 7, "the registry changed since the plan was made, so apply refuses it; make the plan again and review that one")
	}
	if b := d.Get("backup"); b.IsObject() {
		w.para("  backup: ", 10, b.Get("path").String())
	}
	if e := d.Get("error").String(); e != "" {
		w.para("  error: ", 9, e)
	}
	d.Get("changes").ForEach(func(_, c gjson.Result) bool {
		w.blank()
		w.change(c, c.Get("status").String())
		return true
	})
	if r := d.Get("restartRequired"); r.Get("required").Bool() {
		w.blank()
		w.para(w.paint(yellow, "RESTART")+": ", 9, r.Get("reason").String())
	}
	w.warnings(d.Get("warnings"))
}

// route: per URL the decision and what decided it.
func (w *writer) route(d gjson.Result) {
	set := d.Get("settings")
	w.para("settings: ", 10, set.Get("detail").String())
	w.blank()
	rows := [][]string{}
	d.Get("routes").ForEach(func(_, r gjson.Result) bool {
		b := r.Get("bypass")
		why := ""
		switch {
		case b.Get("entry").String() != "":
			why = "bypass entry " + b.Get("entry").String()
		case b.Get("bypassed").Bool():
			why = "bypassed: " + b.Get("reason").String()
		case r.Get("decision").String() == "proxy":
			why = "no bypass entry matches"
		default:
			var notes []string
			r.Get("notes").ForEach(func(_, n gjson.Result) bool { notes = append(notes, n.String()); return true })
			why = strings.Join(notes, "; ")
		}
		decision := upperWord(r.Get("decision").String())
		if p := r.Get("proxy.address").String(); p != "" && r.Get("decision").String() == "proxy" {
			decision += " " + p
		}
		rows = append(rows, []string{r.Get("url").String(), decision, or(why, "-")})
		return true
	})
	w.table([]string{"URL", "ROUTE", "WHY"}, rows)
	// Every note the JSON carries, so that a caveat is never in the JSON alone.
	notes := [][2]string{}
	set.Get("notes").ForEach(func(_, n gjson.Result) bool { notes = append(notes, [2]string{"settings", n.String()}); return true })
	d.Get("routes").ForEach(func(_, r gjson.Result) bool {
		r.Get("notes").ForEach(func(_, n gjson.Result) bool {
			notes = append(notes, [2]string{r.Get("url").String(), n.String()})
			return true
		})
		return true
	})
	if len(notes) > 0 {
		w.blank()
		for _, n := range notes {
			w.para("note: ", 6, n[0]+": "+n[1])
		}
	}
}

// failureCause words each failure class of a check as the cause a person acts on.
var failureCause = map[string]string{
	"proxyAuthRequired":  "the proxy asks for authentication (407), which the connector cannot give: it supports only an unauthenticated proxy (R4)",
	"proxyDenied":        "the proxy denies the connections",
	"dnsFailure":         "the names do not resolve",
	"tcpRefused":         "the connections are refused",
	"timeout":            "the connections time out",
	"tlsHandshakeFailed": "the TLS handshakes fail",
	"tlsInterception":    "TLS is intercepted",
	"certificateInvalid": "the certificates are not valid",
	"httpError":          "the endpoints answer with HTTP errors",
}

// checkCause names the cause that failed: R8 only when the proxy refused CONNECT to an IP
// address (proxyRefuses), else the failure class most required endpoints (or, when none
// failed, the IP-literal test) ran into.
func checkCause(d gjson.Result) string {
	if d.Get("ipLiteral.proxyRefuses").Bool() {
		return "the proxy refuses CONNECT to an IP address (R8)"
	}
	n := map[string]int{}
	best := ""
	d.Get("endpoints").ForEach(func(_, e gjson.Result) bool {
		if f := e.Get("failure").String(); f != "" && e.Get("required").Bool() {
			n[f]++
			if best == "" || n[f] > n[best] {
				best = f
			}
		}
		return true
	})
	if best == "" {
		best = d.Get("ipLiteral.failure").String()
	}
	if best == "" {
		return ""
	}
	return or(failureCause[best], best)
}

// checkCompare: one line per distinct route, the candidates not probed, and the fix.
func (w *writer) checkCompare(cmp gjson.Result) {
	w.blank()
	w.para("routes compared: ", 2, cmp.Get("message").String())
	rows := [][]string{}
	cmp.Get("routes").ForEach(func(_, r gjson.Result) bool {
		st := "fail"
		if r.Get("pass").Bool() {
			st = "pass"
		}
		c := r.Get("counts")
		via := "with no proxy"
		if p := r.Get("proxy").String(); p != "" {
			via = "via " + p
		}
		if b := r.Get("bypass").String(); b != "" {
			via += " (bypass " + b + ")"
		}
		var ids []string
		r.Get("candidates").ForEach(func(_, id gjson.Result) bool { ids = append(ids, candidateWords(id.String())); return true })
		what := fmt.Sprintf("%s %s: %d of %d required; interception %s; R8 %s", strings.Join(ids, ", "), via,
			c.Get("requiredPassed").Int(), c.Get("required").Int(), r.Get("interception").String(), r.Get("ipLiteral").String())
		rows = append(rows, []string{w.status(st, 11), what})
		return true
	})
	cmp.Get("candidates").ForEach(func(_, c gjson.Result) bool {
		if !c.Get("known").Bool() {
			rows = append(rows, []string{w.status("notChecked", 11), candidateWords(c.Get("id").String()) + ": not probed: " + c.Get("reason").String()})
		}
		return true
	})
	w.table([]string{"STATUS", "ROUTE"}, rows)
	if f := cmp.Get("fix").String(); f != "" {
		w.blank()
		w.command("  fix: ", 4, f)
	}
}

// diff: one line per difference.
func (w *writer) diff(d gjson.Result) {
	n := d.Get("differences.#").Int()
	if d.Get("same").Bool() {
		w.linef("%s: %s and %s", w.paint(green, "SAME"), d.Get("a.name").String(), d.Get("b.name").String())
	} else {
		w.para(w.paint(red, "DIFFERENT")+": ", 2, fmt.Sprintf("%s between %s and %s", plural(n, "difference"), d.Get("a.name").String(), d.Get("b.name").String()))
	}
	d.Get("differences").ForEach(func(_, x gjson.Result) bool {
		w.blank()
		w.linef("  %s", x.Get("path").String())
		w.para("    a: ", 7, rawOrNone(x.Get("before")))
		w.para("    b: ", 7, rawOrNone(x.Get("after")))
		if note := x.Get("note").String(); note != "" {
			w.para("    note: ", 10, note)
		}
		return true
	})
	if m := d.Get("notCompared.#").Int(); m > 0 {
		w.blank()
		w.linef("not compared:")
		d.Get("notCompared").ForEach(func(_, x gjson.Result) bool {
			w.para("  ", 4, x.String())
			return true
		})
	}
}

func rawOrNone(v gjson.Result) string {
	switch {
	case !v.Exists() || v.Type == gjson.Null:
		return "(none)"
	case v.Type == gjson.String:
		return v.String()
	case v.IsArray():
		// A list of strings (a bypass list) reads as its entries, not as JSON with its quotes
		// and escapes doubled.
		var items []string
		strs := true
		v.ForEach(func(_, x gjson.Result) bool {
			strs = x.Type == gjson.String
			items = append(items, x.String())
			return strs
		})
		if strs {
			return "[" + strings.Join(items, "; ") + "]"
		}
	}
	return v.Raw
}

// endpoints: host and port per line, for people and firewall teams.
func (w *writer) endpoints(d gjson.Result) {
	rows := [][]string{}
	d.Get("allowList").ForEach(func(_, e gjson.Result) bool {
		req := "required"
		if !e.Get("required").Bool() {
			req = "optional"
		}
		rows = append(rows, []string{e.Get("pattern").String(), e.Get("port").String(), req, e.Get("purpose").String()})
		return true
	})
	head := fmt.Sprintf("%s for region %s", plural(int64(len(rows)), "endpoint"), d.Get("region").String())
	if id := d.Get("customerId").String(); id != "" {
		head += ", customer " + id
	}
	w.linef("%s", head)
	w.blank()
	w.table([]string{"HOST", "PORT", "NEED", "PURPOSE"}, rows)
}

// report: the fleet in a few lines.
func (w *writer) report(d gjson.Result) {
	// Every string here came from a fleet's files, which any of its machines writes: each is
	// shown through jsonin.Visible, so none can clear the screen or print a verdict of its own.
	v := func(r gjson.Result) string { return jsonin.Visible(r.String()) }
	m := d.Get("machines")
	w.linef("FLEET: %s; %d compliant, %d not compliant, %d incomplete, %d not tested", plural(m.Get("seen").Int(), "machine"),
		m.Get("compliant").Int(), m.Get("nonCompliant").Int(), m.Get("incomplete").Int(), m.Get("notTested").Int())
	w.linef("  check: %d passed, %d failed, %d not checked; services and installer differ on %d",
		m.Get("checkPassed").Int(), m.Get("checkFailed").Int(), m.Get("notChecked").Int(), m.Get("mismatched").Int())
	in := d.Get("inputs")
	w.linef("  read %s from %s; %d rejected, %d skipped by kind", plural(in.Get("documents").Int(), "document"), plural(in.Get("files").Int(), "file"), d.Get("rejected.count").Int(), in.Get("skipped").Int())
	if n := d.Get("provenance.count").Int(); n > 0 {
		w.para("  ", 4, fmt.Sprintf("provenance: %s flagged (not named after the host, or holding several hosts); %s from such files",
			plural(n, "file"), plural(m.Get("otherFile").Int(), "machine")))
	}
	if lo := d.Get("leftOut"); lo.Get("documents").Int()+lo.Get("findings").Int()+lo.Get("issuers").Int()+lo.Get("endpoints").Int()+lo.Get("settings").Int() > 0 {
		w.para("  ", 4, fmt.Sprintf("left out by the report's limits: %d documents, %d findings, %d issuers, %d endpoints, %d settings",
			lo.Get("documents").Int(), lo.Get("findings").Int(), lo.Get("issuers").Int(), lo.Get("endpoints").Int(), lo.Get("settings").Int()))
	}
	rows := [][]string{}
	d.Get("findings").ForEach(func(_, f gjson.Result) bool {
		if f.Get("fail").Int()+f.Get("warn").Int() == 0 {
			return true
		}
		rows = append(rows, []string{v(f.Get("id")), fmt.Sprint(f.Get("fail").Int()), fmt.Sprint(f.Get("warn").Int()),
			hostList(f.Get("failedHosts"), f.Get("fail").Int()), hostList(f.Get("warnedHosts"), f.Get("warn").Int())})
		return true
	})
	if len(rows) > 0 {
		w.blank()
		w.table([]string{"FINDING", "FAIL", "WARN", "FAILED ON", "WARNED ON"}, rows)
	}
	// Failing endpoints by cause: a machine where 21 endpoints failed one way is one machine.
	rows = rows[:0]
	d.Get("failureCauses").ForEach(func(_, c gjson.Result) bool {
		var eps []string
		c.Get("endpoints").ForEach(func(_, e gjson.Result) bool { eps = append(eps, v(e)); return true })
		list := strings.Join(eps, " ")
		if n := c.Get("endpointCount").Int(); n > int64(len(eps)) {
			list += fmt.Sprintf(" and %d more", n-int64(len(eps)))
		}
		rows = append(rows, []string{or(v(c.Get("failure")), "-"), fmt.Sprint(c.Get("machines").Int()), list})
		return true
	})
	if len(rows) > 0 {
		w.blank()
		w.table([]string{"UNREACHABLE BY", "MACHINES", "ENDPOINTS"}, rows)
	}
	// Incomplete machines and the next step of each: the first way to supply the evidence
	// their verdict lacks (the machine table's fix).
	if n := m.Get("incomplete").Int(); n > 0 {
		w.blank()
		w.linef("incomplete (%d):", n)
		shown := int64(0)
		d.Get("machineList.rows").ForEach(func(_, r gjson.Result) bool {
			if r.Get("verdict").String() != "incomplete" {
				return true
			}
			if shown == 5 {
				return false
			}
			shown++
			w.para("  "+hostList(gjson.Parse(`[`+r.Get("host").Raw+`]`), 0)+": ", 4, or(v(r.Get("fix")), "-"))
			return true
		})
		if n > shown {
			w.linef("  ... %d more in the CSV (report --format csv)", n-shown)
		}
	}
	if n := d.Get("provenance.count").Int(); n > 0 {
		w.blank()
		w.linef("provenance (%d):", n)
		d.Get("provenance.files").ForEach(func(i, f gjson.Result) bool {
			if i.Int() >= 5 {
				w.linef("  ... %d more in the JSON report", n-5)
				return false
			}
			var reasons []string
			f.Get("reasons").ForEach(func(_, r gjson.Result) bool { reasons = append(reasons, v(r)); return true })
			w.para("  "+v(f.Get("file"))+": ", 4, strings.Join(reasons, ", ")+"; speaks for "+hostList(f.Get("hosts"), 0))
			return true
		})
	}
	if n := d.Get("rejected.count").Int(); n > 0 {
		w.blank()
		w.linef("rejected (%d):", n)
		d.Get("rejected.documents").ForEach(func(i, r gjson.Result) bool {
			if i.Int() >= 5 {
				w.linef("  ... %d more in the JSON report", n-5)
				return false
			}
			place := v(r.Get("file"))
			if l := r.Get("line"); l.Exists() && l.Type != gjson.Null {
				place += fmt.Sprintf(": line %d", l.Int())
			}
			w.para("  "+place+": ", 4, v(r.Get("reason")))
			return true
		})
	}
}

// hostList is a report's list of hosts for a text cell: each through jsonin.Visible, a host
// that holds a space, a comma or a quote quoted (no host name does: RFC 1123 section 2.1
// allows letters, digits, hyphens and dots), separated by ", ", and the machines the list
// leaves out counted; "-" for none.
func hostList(list gjson.Result, machines int64) string {
	var out []string
	list.ForEach(func(_, h gjson.Result) bool {
		s := jsonin.Visible(h.String())
		if s == "" || strings.ContainsAny(s, " ,\"") {
			s = `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
		}
		out = append(out, s)
		return true
	})
	if len(out) == 0 {
		return "-"
	}
	text := strings.Join(out, ", ")
	if machines > int64(len(out)) {
		text += fmt.Sprintf(" and %d more", machines-int64(len(out)))
	}
	return text
}

// backups: one line per backup, newest first.
func (w *writer) backups(d gjson.Result) {
	n := d.Get("backups.#").Int()
	w.para("", 2, plural(n, "backup")+" in "+d.Get("folder").String()+", newest first")
	rows := [][]string{}
	d.Get("backups").ForEach(func(_, b gjson.Result) bool {
		fp := b.Get("planFingerprint").String()
		if len(fp) > 12 {
			fp = fp[:12]
		}
		rows = append(rows, []string{b.Get("createdAt").String(), or(b.Get("host").String(), "-"), b.Get("reason").String(), fp, b.Get("path").String()})
		return true
	})
	if len(rows) > 0 {
		w.blank()
		w.table([]string{"CREATED", "HOST", "REASON", "PLAN", "FILE"}, rows)
	}
	d.Get("unreadable").ForEach(func(_, u gjson.Result) bool {
		w.para("  "+w.status("warn", 5), 8, u.Get("path").String()+": "+u.Get("reason").String())
		return true
	})
}
