package render

import (
	"fmt"
	"html"
	"strings"

	"github.com/tidwall/gjson"

	"ccproxy/jsonin"
)

// HTML renders a ccproxy/report@1 summary as one self-contained page: inline CSS, inline SVG
// bars, and a little inline script for sorting and filtering that the page does not need to
// be read. A Content-Security-Policy forbids every request the page could make (no network,
// no CDN, no font). Every number carries data-metric (or data-finding) so that a test can read
// it from the DOM; every bar also shows its number as text, so colour never carries meaning
// alone, and tables have headers for screen readers and print.
func HTML(doc []byte) ([]byte, error) {
	if !gjson.ValidBytes(doc) {
		return nil, fmt.Errorf("render: not a JSON document")
	}
	d := gjson.ParseBytes(doc)
	if k := d.Get("schema").String(); k != "ccproxy/report@1" {
		return nil, fmt.Errorf("render: no HTML form for %q", k)
	}
	p := &page{}
	m := d.Get("machines")
	p.w(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ccproxy fleet report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem auto;max-width:72rem;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:1px solid #ccc}
.meta{color:#555}.cards{display:flex;flex-wrap:wrap;gap:.75rem;margin:1rem 0}
.card{border:1px solid #bbb;border-radius:6px;padding:.5rem .9rem;min-width:9rem}
.card b{display:block;font-size:1.6rem}td details+details{margin-top:.25rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
th{background:#f2f2f2;cursor:pointer}td.n,th.n{text-align:right}td{overflow-wrap:anywhere}td[data-col=fix]{min-width:14rem}td:last-child{min-width:9rem}
.bar{display:inline-block;vertical-align:middle}svg{vertical-align:middle}
details summary{cursor:pointer}code{font-size:.95em;word-break:break-all}
bdi{unicode-bidi:isolate}.fail{color:#a00}.ok{color:#060}input[type=search]{padding:.3rem;width:18rem;max-width:100%}
@media print{th{cursor:auto}input,.noprint{display:none}details{display:block}details>*{display:block}}
</style></head><body>
<h1>ccproxy fleet report</h1>
`)
	docs, files := d.Get("inputs.documents").Int(), d.Get("inputs.files").Int()
	p.w(`<p class="meta">Generated ` + esc(d.Get("generatedAt").String()) + ` from ` +
		p.num("documents", docs) + ` ` + noun(docs, "document") + ` in ` + p.num("files", files) + ` ` + noun(files, "file") + `; ` +
		p.num("rejected", d.Get("rejected.count").Int()) + ` rejected, ` + p.num("skipped", d.Get("inputs.skipped").Int()) + ` skipped by kind.</p>
`)
	seen := m.Get("seen").Int()
	p.w(`<h2 id="compliance">Compliance</h2><div class="cards">`)
	for _, c := range []struct{ label, key string }{
		{"machines", "seen"}, {"compliant", "compliant"}, {"not compliant", "nonCompliant"}, {"incomplete evidence", "incomplete"}, {"not tested", "notTested"},
		{"services and installer differ", "mismatched"}, {"check passed", "checkPassed"}, {"check failed", "checkFailed"},
	} {
		p.w(`<div class="card"><b>` + p.num(c.key, m.Get(c.key).Int()) + `</b>` + esc(c.label) + `</div>`)
	}
	p.w("</div>\n")
	p.w(`<table><caption>Machines by verdict of their newest test</caption><thead><tr><th>verdict</th><th class="n">machines</th><th>share</th></tr></thead><tbody>`)
	for _, c := range []struct{ label, key string }{{"compliant", "compliant"}, {"not compliant", "nonCompliant"}, {"incomplete evidence", "incomplete"}, {"not tested", "notTested"}} {
		n := m.Get(c.key).Int()
		p.w(`<tr><td>` + c.label + `</td><td class="n">` + fmt.Sprint(n) + `</td><td>` + bar(n, seen) + `</td></tr>`)
	}
	p.w("</tbody></table>\n")

	p.w(`<h2 id="findings">Machines per finding</h2><p class="noprint"><input type="search" placeholder="filter the tables" aria-label="filter the tables" oninput="filterRows(this.value)"></p>`)
	p.w(`<p>A finding that could not be checked on a machine says nothing about it: the <b>not checked</b> column counts those machines, so a finding with no failure is healthy only where it ran.</p>`)
	p.w(`<table class="sortable"><thead><tr><th>finding</th><th class="n">fail</th><th class="n">warn</th><th class="n">not checked</th><th class="n">not applicable</th><th class="n">machines</th><th>requirement</th><th>fix</th><th>hosts</th></tr></thead><tbody>`)
	d.Get("findings").ForEach(func(_, f gjson.Result) bool {
		id := f.Get("id").String()
		var reqs []string
		f.Get("requirements").ForEach(func(_, r gjson.Result) bool { reqs = append(reqs, val(r.String())); return true })
		fix := "-"
		if x := f.Get("fix"); x.Type == gjson.String {
			fix = val(x.String())
		}
		p.w(`<tr data-finding="` + attr(id) + `" data-fail="` + fmt.Sprint(f.Get("fail").Int()) + `"><td>` + val(f.Get("title").String()) + `<br><code>` + val(id) + `</code></td>` +
			`<td class="n" data-col="fail">` + fmt.Sprint(f.Get("fail").Int()) + `</td><td class="n" data-col="warn">` + fmt.Sprint(f.Get("warn").Int()) +
			`</td><td class="n" data-col="notChecked">` + fmt.Sprint(f.Get("notChecked").Int()) + `</td><td class="n" data-col="notApplicable">` + fmt.Sprint(f.Get("notApplicable").Int()) +
			`</td><td class="n" data-col="machines">` + fmt.Sprint(f.Get("machines").Int()) + `</td><td>` + strings.Join(reqs, ", ") + `</td><td data-col="fix">` + fix + `</td><td>` +
			labeledHosts("failed", f.Get("failedHosts"), f.Get("fail").Int()) + labeledHosts("warned", f.Get("warnedHosts"), f.Get("warn").Int()) +
			labeledHosts("not checked", f.Get("notCheckedHosts"), f.Get("notChecked").Int()) + `</td></tr>`)
		return true
	})
	p.w("</tbody></table>\n")

	ml := d.Get("machineList")
	rowsShown, count := ml.Get("rows.#").Int(), ml.Get("count").Int()
	p.w(`<h2 id="machines">Machines</h2><p>` + esc(plural(count, "machine")) + `; not compliant and incomplete ones first, then failed checks. `)
	if rowsShown < count {
		p.w(`This page lists the first ` + p.num("machineRows", rowsShown) + ` (at most 1000) and leaves <span data-metric="machineRowsLeft">` + fmt.Sprint(count-rowsShown) + `</span> to the CSV: <code>ccproxy report --format csv</code> lists every machine.`)
	} else {
		p.w(`All ` + p.num("machineRows", rowsShown) + ` listed.`)
	}
	p.w(`</p><p class="noprint"><input type="search" placeholder="filter the machines" aria-label="filter the machines" oninput="filterRows(this.value, 'machine-table')"></p>`)
	p.w(`<table class="sortable" id="machine-table"><thead><tr><th>host</th><th>verdict</th><th>failed</th><th>warned</th><th>fix</th><th>written</th></tr></thead><tbody>`)
	ml.Get("rows").ForEach(func(_, r gjson.Result) bool {
		verdict := "not tested"
		if v := r.Get("verdict"); v.Type == gjson.String {
			verdict = map[string]string{"compliant": "compliant", "notCompliant": "not compliant", "incomplete": "incomplete"}[v.String()]
		}
		if r.Get("checkOk").Type == gjson.False {
			verdict += "; check failed"
		}
		list := func(k string) string {
			var out []string
			r.Get(k).ForEach(func(_, x gjson.Result) bool { out = append(out, `<code>`+val(x.String())+`</code>`); return true })
			return or(strings.Join(out, " "), "-")
		}
		fix, at := "-", "-"
		if x := r.Get("fix"); x.Type == gjson.String {
			fix = val(x.String())
		}
		if x := r.Get("at"); x.Type == gjson.String {
			at = esc(x.String())
		}
		flag := ""
		if r.Get("provenance").String() == "otherFile" {
			flag = ` <span title="a document of this machine came from a file not named after it, or from one that also holds other hosts' documents">(not from a file of its own)</span>`
		}
		p.w(`<tr data-host="` + attr(r.Get("host").String()) + `"><td>` + val(r.Get("host").String()) + flag + `</td><td data-col="verdict">` + esc(verdict) + `</td><td data-col="failed">` +
			list("failed") + `</td><td data-col="warned">` + list("warned") + `</td><td data-col="fix">` + fix + `</td><td>` + at + `</td></tr>`)
		return true
	})
	p.w("</tbody></table>\n")

	for _, s := range []struct{ title, path string }{{"WinHTTP settings in use (the connector services)", "settings.services"}, {"WinINet settings in use (the installer)", "settings.installer"}} {
		p.w(`<h2>` + esc(s.title) + `</h2><table class="sortable"><thead><tr><th>mode</th><th>proxy</th><th>bypass</th><th class="n">machines</th><th>hosts</th></tr></thead><tbody>`)
		d.Get(s.path).ForEach(func(_, g gjson.Result) bool {
			p.w(`<tr><td>` + val(or(g.Get("mode").String(), "unknown")) + `</td><td><code>` + val(g.Get("proxy").String()) + `</code></td><td><code>` +
				val(g.Get("bypass").String()) + `</code></td><td class="n">` + fmt.Sprint(g.Get("machines").Int()) + `</td><td>` + hosts(g.Get("hosts"), g.Get("machines").Int()) + `</td></tr>`)
			return true
		})
		p.w("</tbody></table>\n")
	}

	p.w(`<h2 id="mismatches">Services and installer go different ways</h2><table class="sortable"><thead><tr><th>services (WinHTTP)</th><th>installer (WinINet)</th><th class="n">machines</th><th>hosts</th></tr></thead><tbody>`)
	d.Get("mismatches").ForEach(func(_, x gjson.Result) bool {
		p.w(`<tr><td>` + val(settingWords(x.Get("services"))) + `</td><td>` + val(settingWords(x.Get("installer"))) + `</td><td class="n">` +
			fmt.Sprint(x.Get("machines").Int()) + `</td><td>` + hosts(x.Get("hosts"), x.Get("machines").Int()) + `</td></tr>`)
		return true
	})
	p.w("</tbody></table>\n")

	v := d.Get("interception.verdicts")
	p.w(`<h2 id="interception">TLS interception</h2><p>Checked machines: ` + p.num("interceptionNone", v.Get("none").Int()) + ` none, ` +
		p.num("interceptionSuspected", v.Get("suspected").Int()) + ` suspected, ` + p.num("interceptionDetected", v.Get("detected").Int()) + ` detected, ` +
		p.num("interceptionUnknown", v.Get("unknown").Int()) + ` unknown.</p>`)
	p.w(`<table class="sortable"><thead><tr><th>issuer presented</th><th class="n">machines</th><th>hosts</th></tr></thead><tbody>`)
	d.Get("interception.issuers").ForEach(func(_, x gjson.Result) bool {
		p.w(`<tr><td>` + val(x.Get("issuer").String()) + `</td><td class="n">` + fmt.Sprint(x.Get("machines").Int()) + `</td><td>` + hosts(x.Get("hosts"), x.Get("machines").Int()) + `</td></tr>`)
		return true
	})
	p.w("</tbody></table>\n")

	p.w(`<h2 id="unreachable">Failing endpoints, by cause</h2><p>One row per way of failing: a machine where 21 endpoints failed the same way counts once.</p>`)
	p.w(`<table class="sortable"><thead><tr><th>failure</th><th class="n">machines</th><th class="n">endpoints</th><th>endpoints that failed</th><th>hosts</th></tr></thead><tbody>`)
	d.Get("failureCauses").ForEach(func(_, x gjson.Result) bool {
		var eps []string
		x.Get("endpoints").ForEach(func(_, e gjson.Result) bool { eps = append(eps, `<code>`+val(e.String())+`</code>`); return true })
		more := ""
		if n := x.Get("endpointCount").Int(); n > int64(len(eps)) {
			more = fmt.Sprintf(" and %d more", n-int64(len(eps)))
		}
		p.w(`<tr data-cause="` + attr(or(x.Get("failure").String(), "unknown")) + `"><td>` + val(or(x.Get("failure").String(), "unknown")) + `</td><td class="n">` + fmt.Sprint(x.Get("machines").Int()) +
			`</td><td class="n">` + fmt.Sprint(x.Get("endpointCount").Int()) + `</td><td>` + strings.Join(eps, " ") + more + `</td><td>` + hosts(x.Get("hosts"), x.Get("machines").Int()) + `</td></tr>`)
		return true
	})
	p.w("</tbody></table>\n")

	if d.Get("rejected.count").Int() > 0 {
		p.w(`<h2 id="rejected">Documents that could not be read</h2><table><thead><tr><th>file</th><th class="n">line</th><th>reason</th></tr></thead><tbody>`)
		d.Get("rejected.documents").ForEach(func(_, x gjson.Result) bool {
			line := ""
			if l := x.Get("line"); l.Type == gjson.Number {
				line = fmt.Sprint(l.Int())
			}
			p.w(`<tr><td><code>` + val(x.Get("file").String()) + `</code></td><td class="n">` + line + `</td><td>` + val(x.Get("reason").String()) + `</td></tr>`)
			return true
		})
		p.w("</tbody></table>\n")
	}
	p.w(`<script>
function filterRows(q,id){q=q.toLowerCase();document.querySelectorAll(id?'#'+id+' tbody tr':'table.sortable:not(#machine-table) tbody tr').forEach(function(r){r.hidden=q!==''&&r.textContent.toLowerCase().indexOf(q)<0})}
document.querySelectorAll('table.sortable th').forEach(function(th,i){th.tabIndex=0;th.title='sort';th.addEventListener('click',function(){
var tb=th.closest('table').tBodies[0],rows=Array.prototype.slice.call(tb.rows),col=th.cellIndex,num=th.classList.contains('n'),dir=th.dataset.dir==='a'?-1:1;th.dataset.dir=dir===1?'a':'d';
rows.sort(function(a,b){var x=a.cells[col].textContent,y=b.cells[col].textContent;return dir*(num?(+x)-(+y):x.localeCompare(y))});rows.forEach(function(r){tb.appendChild(r)})})});
document.body.dataset.resources=String(performance.getEntriesByType('resource').length);
</script>
</body></html>
`)
	return []byte(p.b.String()), nil
}

type page struct{ b strings.Builder }

func (p *page) w(s string) { p.b.WriteString(s) }

// noun is the noun for n of it: "document", "documents".
func noun(n int64, singular string) string {
	if n == 1 {
		return singular
	}
	return singular + "s"
}

// num is a number with the data-metric name a test reads it by.
func (p *page) num(metric string, n int64) string {
	return fmt.Sprintf(`<span data-metric="%s">%d</span>`, metric, n)
}

func esc(s string) string { return html.EscapeString(s) }

// val is a value from the fleet's files as the page shows it: its controls made visible as
// the text output shows them (jsonin.Visible), escaped for HTML, and isolated in a <bdi>, so
// that a bidi override in a host name cannot reorder what stands around it (UAX #9; the
// HTML standard's bdi element: "isolated from its surroundings for the purposes of
// bidirectional text formatting").
func val(s string) string { return "<bdi>" + esc(jsonin.Visible(s)) + "</bdi>" }

// attr is a string from the documents as an attribute value: escaped for HTML and with
// controls and bidi characters made visible as val shows them, so that a row's data-host or
// data-finding reads as its cell does and carries no raw ESC or override into the page.
func attr(s string) string { return esc(jsonin.Visible(s)) }

// bar is an inline SVG bar of n out of total, with the percentage written beside it.
func bar(n, total int64) string {
	pct := 0.0
	if total > 0 {
		pct = 100 * float64(n) / float64(total)
	}
	return fmt.Sprintf(`<svg class="bar" width="160" height="12" role="img" aria-label="%.0f%%"><rect width="160" height="12" fill="#e6e6e6"/><rect width="%.1f" height="12" fill="#2b5797"/></svg> %.0f%%`, pct, 1.6*pct, pct)
}

// hosts lists host names in a details element, saying when the report holds only some.
func hosts(list gjson.Result, machines int64) string {
	var names []string
	list.ForEach(func(_, h gjson.Result) bool { names = append(names, val(h.String())); return true })
	if len(names) == 0 {
		return ""
	}
	more := ""
	if int64(len(names)) < machines {
		more = fmt.Sprintf(" (first %d of %d; --jsonl lists all)", len(names), machines)
	}
	return fmt.Sprintf(`<details><summary>%s%s</summary>%s</details>`, plural(int64(len(names)), "host"), more, strings.Join(names, ", "))
}

// labeledHosts is hosts under a label that says which status they have ("warned on 2 hosts").
func labeledHosts(label string, list gjson.Result, machines int64) string {
	h := hosts(list, machines)
	if h == "" {
		return ""
	}
	return strings.Replace(h, "<summary>", `<summary data-hosts="`+esc(label)+`">`+esc(label)+` on `, 1)
}

func settingWords(s gjson.Result) string {
	mode := or(s.Get("mode").String(), "unknown")
	if p := s.Get("proxy").String(); p != "" {
		mode += " " + p
	}
	return mode
}
