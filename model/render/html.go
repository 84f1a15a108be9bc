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
.card b{display:block;font-size:1.6rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
th{background:#f2f2f2;cursor:pointer}td.n,th.n{text-align:right}
.bar{display:inline-block;vertical-align:middle}svg{vertical-align:middle}
details summary{cursor:pointer}code{font-size:.95em;word-break:break-all}
bdi{unicode-bidi:isolate}.fail{color:#a00}.ok{color:#060}input[type=search]{padding:.3rem;width:18rem;max-width:100%}
@media print{th{cursor:auto}input,.noprint{display:none}details{display:block}details>*{display:block}}
</style></head><body>
<h1>ccproxy fleet report</h1>
`)
	p.w(`<p class="meta">Generated ` + esc(d.Get("generatedAt").String()) + ` from ` +
		p.num("documents", d.Get("inputs.documents").Int()) + ` documents in ` + p.num("files", d.Get("inputs.files").Int()) + ` files; ` +
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
	p.w(`<table class="sortable"><thead><tr><th>finding</th><th class="n">fail</th><th class="n">warn</th><th class="n">machines</th><th>failed on</th></tr></thead><tbody>`)
	d.Get("findings").ForEach(func(_, f gjson.Result) bool {
		id := f.Get("id").String()
		p.w(`<tr data-finding="` + esc(id) + `" data-fail="` + fmt.Sprint(f.Get("fail").Int()) + `"><td><code>` + val(id) + `</code></td><td class="n">` +
			fmt.Sprint(f.Get("fail").Int()) + `</td><td class="n">` + fmt.Sprint(f.Get("warn").Int()) + `</td><td class="n">` +
			fmt.Sprint(f.Get("machines").Int()) + `</td><td>` + hosts(f.Get("failedHosts"), f.Get("fail").Int()) + `</td></tr>`)
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

	p.w(`<h2 id="unreachable">Failing endpoints</h2><table class="sortable"><thead><tr><th>endpoint</th><th>failure</th><th class="n">machines</th><th>hosts</th></tr></thead><tbody>`)
	d.Get("unreachable").ForEach(func(_, x gjson.Result) bool {
		p.w(`<tr data-endpoint="` + esc(x.Get("endpoint").String()) + `"><td><code>` + val(x.Get("endpoint").String()) + `</code></td><td>` + val(or(x.Get("failure").String(), "unknown")) +
			`</td><td class="n">` + fmt.Sprint(x.Get("machines").Int()) + `</td><td>` + hosts(x.Get("hosts"), x.Get("machines").Int()) + `</td></tr>`)
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
function filterRows(q){q=q.toLowerCase();document.querySelectorAll('table.sortable tbody tr').forEach(function(r){r.hidden=q!==''&&r.textContent.toLowerCase().indexOf(q)<0})}
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
	return fmt.Sprintf(`<details><summary>%d hosts%s</summary>%s</details>`, len(names), more, strings.Join(names, ", "))
}

func settingWords(s gjson.Result) string {
	mode := or(s.Get("mode").String(), "unknown")
	if p := s.Get("proxy").String(); p != "" {
		mode += " " + p
	}
	return mode
}
