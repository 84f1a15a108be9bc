package render

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/tidwall/gjson"
)

// test: what a person needs when the command returns, in this order: the verdict; the
// failures and warnings, most severe first, each with its fix; one line for what was not
// checked; the verdict again with the one command to run next, so both are on screen at the
// end. --verbose lists every finding, passes and not-checked ones too.
func (w *writer) test(d gjson.Result) {
	verdict := testVerdict(d)
	word := w.verdictWord(verdict)
	s := d.Get("summary")
	counts := fmt.Sprintf("%d failed, %d warned, %d passed, %d not checked, %d n/a",
		s.Get("fail").Int(), s.Get("warn").Int(), s.Get("pass").Int(), s.Get("notChecked").Int(), s.Get("notApplicable").Int())
	w.para(word+": ", 2, counts)
	src := d.Get("source")
	if !w.o.Verbose {
		// The time a source was read is in the JSON; on screen the name says enough.
		src = gjson.Parse(`{"kind":` + src.Get("kind").Raw + `,"path":` + src.Get("path").Raw + `,"host":` + src.Get("host").Raw + `}`)
	}
	w.para("  source: ", 10, sourceLine(src))

	findings := d.Get("findings").Array()
	order := slices.Clone(findings)
	slices.SortStableFunc(order, func(a, b gjson.Result) int {
		return cmp.Or(cmp.Compare(statusRank(a.Get("status").String()), statusRank(b.Get("status").String())),
			cmp.Compare(severityRank(a.Get("severity").String()), severityRank(b.Get("severity").String())))
	})
	indent := 6
	if w.o.Verbose {
		indent = 13
	}
	next := nextStep(d, verdict, order)
	var notChecked []gjson.Result
	for _, f := range order {
		st := f.Get("status").String()
		if st == "notChecked" {
			notChecked = append(notChecked, f)
		}
		if !w.o.Verbose && st != "fail" && st != "warn" {
			continue
		}
		w.blank()
		w.finding(f, indent, next)
	}

	if missing := d.Get("missingEvidence"); w.o.Verbose && missing.Get("#").Int() > 0 {
		w.blank()
		w.linef("missing evidence:")
		missing.ForEach(func(_, m gjson.Result) bool {
			w.para("  - ", 4, joinNonEmpty(m.Get("what").String(), m.Get("supply").String()))
			return true
		})
	}
	if !w.o.Verbose {
		w.blank()
		w.para("", 2, notCheckedLine(d, notChecked))
	}
	// The last line holds the verdict and the next step: its command whole, on the line
	// below "WORD; next:" when both do not fit; a later step stands above it.
	w.blank()
	tally := fmt.Sprintf("%d failed, %d warned, %d not checked", s.Get("fail").Int(), s.Get("warn").Int(), s.Get("notChecked").Int())
	switch {
	case next.cmd != "":
		if next.then != "" {
			w.command("next: ", 2, next.cmd)
			w.command("then: ", 2, next.then)
		}
		if last := word + "; next: " + next.cmd; visibleLen(last) <= w.o.Width {
			w.linef("%s", last)
		} else {
			w.linef("%s; next:", word)
			w.command("", 0, next.cmd)
		}
	case next.prose != "":
		if last := word + "; next: " + next.prose; visibleLen(last) <= w.o.Width {
			w.linef("%s", last)
		} else {
			w.para("next: ", 2, next.prose)
			w.para(word+": ", 2, tally)
		}
	default:
		w.para(word+": ", 2, tally)
	}
}

// finding: the status, id, requirements and title; for one that did not pass, why, and its fix.
// A fix whose command is the next step at the end points there instead of saying it twice.
func (w *writer) finding(f gjson.Result, indent int, next step) {
	pad := strings.Repeat(" ", indent)
	st := f.Get("status").String()
	var reqs []string
	f.Get("requirements").ForEach(func(_, r gjson.Result) bool { reqs = append(reqs, r.String()); return true })
	head := f.Get("id").String() + " (" + strings.Join(reqs, ", ") + "): "
	msg := ""
	if st == "fail" || st == "warn" || st == "notChecked" {
		msg = f.Get("message").String()
	}
	switch {
	case msg != "" && !w.o.Verbose:
		// Short of room, the message says more than the title: what is wrong, here.
		w.para(w.status(st, indent-1)+" ", indent, head+msg)
	default:
		w.para(w.status(st, indent-1)+" ", indent, head+f.Get("title").String())
		if msg != "" {
			w.para(pad, indent, msg)
		}
	}
	if r := f.Get("remediation"); r.IsObject() {
		c := r.Get("command").String()
		if c != "" && c == next.cmd && !w.o.Verbose {
			w.para(pad+"fix: ", indent+5, r.Get("summary").String()+" (the command is the next step, below)")
			return
		}
		w.para(pad+"fix: ", indent+5, r.Get("summary").String())
		if c != "" {
			w.command(pad+"     ", indent+5, c)
		}
	}
}

// testVerdict reads the verdict a document states, or derives it from compliant in a
// document written before verdicts had a name of their own.
func testVerdict(d gjson.Result) string {
	if v := d.Get("verdict").String(); v != "" {
		return v
	}
	if d.Get("compliant").Bool() {
		return "compliant"
	}
	return "notCompliant"
}

func (w *writer) verdictWord(v string) string {
	switch v {
	case "compliant":
		return w.paint(green, "COMPLIANT")
	case "incomplete":
		return w.paint(yellow, "INCOMPLETE")
	}
	return w.paint(red, "NOT COMPLIANT")
}

func statusRank(s string) int {
	switch s {
	case "fail":
		return 0
	case "warn":
		return 1
	case "notChecked":
		return 2
	case "pass":
		return 3
	}
	return 4
}

func severityRank(s string) int {
	switch s {
	case "high":
		return 0
	case "medium":
		return 1
	case "low":
		return 2
	}
	return 3
}

// notCheckedLine says in one paragraph what was not checked and how to supply it; --verbose
// lists the findings themselves.
func notCheckedLine(d gjson.Result, nc []gjson.Result) string {
	all := "--verbose lists every check with its requirement (R1-R8)"
	switch {
	case len(nc) == 0:
		return all
	case d.Get("missingEvidence.#").Int() > 0:
		// One paragraph however much is missing: what, and how to supply it when a few ways
		// cover it all; --verbose lists each with its own way.
		var what, supply []string
		d.Get("missingEvidence").ForEach(func(_, m gjson.Result) bool {
			what = append(what, m.Get("what").String())
			if s := m.Get("supply").String(); s != "" && !slices.Contains(supply, s) {
				supply = append(supply, s)
			}
			return true
		})
		line := fmt.Sprintf("%d not checked: missing %s", len(nc), strings.Join(what, ", "))
		if len(supply) > 0 && len(supply) <= 2 {
			return line + "; " + strings.Join(supply, "; ") + "; --verbose lists every check with its requirement (R1-R8)"
		}
		return line + "; --verbose says how to supply each and lists every check with its requirement (R1-R8)"
	case d.Get("source.kind").String() == "registry":
		return fmt.Sprintf("%d not checked: this machine does not hold what they need; %s and why each was not checked", len(nc), all)
	}
	return fmt.Sprintf("%d not checked: the %s lacks what they need; run 'ccproxy test' on the machine itself, or --verbose for what to export and each check's requirement (R1-R8)",
		len(nc), sourceNoun(d.Get("source.kind").String()))
}

func sourceNoun(kind string) string {
	switch kind {
	case "regFile":
		return "export"
	case "stateDocument":
		return "state document"
	case "netsh":
		return "netsh output"
	}
	return "source"
}

// step is the one thing to do next: a command to run (and, when it takes two, the one
// after it), or, when no command does it, what to do in words.
type step struct{ cmd, then, prose string }

// nextStep is the one thing to do next: the fix of the most severe failure (which carries
// what else a plan can fix), else what evidence to supply, else the fix of the first warning,
// else the probe that judges the route the services take when it was not run; nothing when
// every requirement checked is met.
func nextStep(d gjson.Result, verdict string, order []gjson.Result) step {
	first := func(status string) (gjson.Result, bool) {
		for _, f := range order {
			if f.Get("status").String() == status {
				return f, true
			}
		}
		return gjson.Result{}, false
	}
	fixOf := func(f gjson.Result) step {
		if c := f.Get("remediation.command").String(); c != "" {
			return step{cmd: c}
		}
		if s := f.Get("remediation.summary").String(); s != "" {
			return step{prose: s}
		}
		return step{prose: "resolve " + f.Get("id").String() + " above"}
	}
	if f, ok := first("fail"); ok {
		return fixOf(f)
	}
	if verdict == "incomplete" {
		if s := d.Get("missingEvidence.0.supply").String(); s != "" {
			return supplyStep(s)
		}
	}
	if f, ok := first("warn"); ok {
		return fixOf(f)
	}
	for _, f := range order {
		if f.Get("check").String() == "servicesRouteReaches" && f.Get("status").String() == "notChecked" {
			return step{cmd: "ccproxy check --compare --output check.json", then: "ccproxy test --check check.json"}
		}
	}
	return step{}
}

// supplyStep reads the commands out of a missing evidence's supply ("reg export ... x.reg",
// "ccproxy check ... (on the connector machine), then ccproxy test --check check.json"): the
// first command ends where the words around it begin; one that names no command is words.
func supplyStep(s string) step {
	cmdAt := func(s string) (string, string, bool) {
		for _, p := range []string{"ccproxy ", "reg export ", "netsh "} {
			if strings.HasPrefix(s, p) {
				end := len(s)
				for _, sep := range []string{" (", ", then ", ", or ", "; "} {
					if i := strings.Index(s, sep); i >= 0 && i < end {
						end = i
					}
				}
				return s[:end], s[end:], true
			}
		}
		return "", "", false
	}
	cmd, rest, ok := cmdAt(s)
	if !ok {
		return step{prose: s}
	}
	st := step{cmd: cmd}
	if i := strings.Index(rest, "then "); i >= 0 {
		if then, _, ok := cmdAt(rest[i+len("then "):]); ok {
			st.then = then
		}
	}
	return st
}
