// Package render turns ccproxy's JSON documents into text for a person at a console: the
// verdict in one line, then short aligned tables. It reads the document as written (with
// gjson), so the text says exactly what the JSON says and a saved document renders the same.
//
// The text is ASCII, fits 80 columns (long values wrap onto indented lines, never cut), and
// colour, when asked for, only repeats what a word already says (PASS, FAIL, WARN).
package render

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"

	"ccproxy/jsonin"
	"ccproxy/model"
)

// Options shape the text.
type Options struct {
	// Color adds ANSI colours to the status words (a terminal, without NO_COLOR or
	// --no-color).
	Color bool
	// Width is the line width to fit; 0 means 80.
	Width int
	// Verbose lists everything a document holds (every finding of a test), not only what
	// needs a person's attention.
	Verbose bool
}

// Text renders a ccproxy document. A document kind without a text form is an error naming it.
func Text(doc []byte, o Options) ([]byte, error) {
	if o.Width <= 0 {
		o.Width = 80
	}
	if !gjson.ValidBytes(doc) {
		return nil, fmt.Errorf("render: not a JSON document")
	}
	d := gjson.Parse(visibleStrings(gjson.ParseBytes(doc), nil))
	w := &writer{o: o}
	kind := d.Get("schema").String()
	switch kind {
	case "ccproxy/state@1":
		w.state(d)
	case "ccproxy/test@1":
		w.test(d)
	case "ccproxy/plan@1":
		w.plan(d)
	case "ccproxy/apply@1":
		w.apply(d)
	case "ccproxy/route@1":
		w.route(d)
	case "ccproxy/check@1":
		w.check(d)
	case "ccproxy/diff@1":
		w.diff(d)
	case "ccproxy/endpoints@1":
		w.endpoints(d)
	case "ccproxy/report@1":
		w.report(d)
	case "ccproxy/backups@1":
		w.backups(d)
	case "ccproxy/version@1":
		w.linef("ccproxy %s (commit %s, built %s, %s, %s/%s)", d.Get("version").String(), d.Get("commit").String(),
			d.Get("buildDate").String(), d.Get("goVersion").String(), d.Get("os").String(), d.Get("arch").String())
	default:
		return nil, fmt.Errorf("render: no text form for %q", kind)
	}
	return []byte(w.b.String()), nil
}

// visibleStrings rewrites a document with every string made visible (jsonin.Visible): every
// string in it may have come from input (a host name, a proxy, a bypass entry, a finding id,
// a file name), and none may reach a terminal as a control, an escape sequence or a bidi
// override (ECMA-48; Unicode UAX #9; CVE-2021-42574). Doing it once here covers every
// renderer, including fields added later. Key order is kept.
func visibleStrings(r gjson.Result, b []byte) string {
	return string(appendVisible(b, r))
}

func appendVisible(b []byte, r gjson.Result) []byte {
	switch {
	case r.IsObject():
		b = append(b, '{')
		n := 0
		r.ForEach(func(k, v gjson.Result) bool {
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = append(b, k.Raw...)
			b = append(b, ':')
			b = appendVisible(b, v)
			return true
		})
		return append(b, '}')
	case r.IsArray():
		b = append(b, '[')
		n := 0
		r.ForEach(func(_, v gjson.Result) bool {
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = appendVisible(b, v)
			return true
		})
		return append(b, ']')
	case r.Type == gjson.String:
		s := r.String()
		if v := jsonin.Visible(s); v != s {
			q, _ := json.Marshal(v)
			return append(b, q...)
		}
	}
	return append(b, r.Raw...)
}

type writer struct {
	b strings.Builder
	o Options
}

// ANSI colours, used only to repeat a word's meaning.
const (
	red    = "31"
	green  = "32"
	yellow = "33"
	bold   = "1"
)

func (w *writer) paint(code, s string) string {
	if !w.o.Color || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// upperWord is a word of the document in capitals when it is one of ASCII letters, as every
// status and decision ccproxy writes is; any other value (an edited document) is shown as it
// is, escaped to ASCII: upper-casing its escapes (\xa2) or its letters (U+043A) would show
// something else, and not always in ASCII.
func upperWord(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return jsonin.ASCII(s)
		}
	}
	return strings.ToUpper(s)
}

// status renders a status word in capitals, padded to width, coloured by meaning.
func (w *writer) status(s string, width int) string {
	word := upperWord(s)
	switch s {
	case "notChecked":
		word = "NOT CHECKED"
	case "notApplicable":
		word = "N/A"
	}
	pad := strings.Repeat(" ", max(0, width-len(word)))
	switch s {
	case "pass", "ok", "direct", "same":
		return w.paint(green, word) + pad
	case "fail", "failed":
		return w.paint(red, word) + pad
	case "warn", "notChecked":
		return w.paint(yellow, word) + pad
	}
	return word + pad
}

func (w *writer) linef(format string, args ...any) {
	w.b.WriteString(jsonin.ASCII(fmt.Sprintf(format, args...)))
	w.b.WriteByte('\n')
}

func (w *writer) blank() { w.b.WriteByte('\n') }

// para writes text wrapped to the width, the first line after prefix and the others
// indented by indent spaces.
func (w *writer) para(prefix string, indent int, text string) {
	width := w.o.Width
	text = jsonin.ASCII(text)
	pad := strings.Repeat(" ", indent)
	line := prefix
	lineLen := visibleLen(prefix)
	first := true
	var words []string
	for _, word := range commandUnits(strings.Fields(text)) {
		if strings.Contains(word, " ") {
			words = append(words, word) // a command: whole, past the width if it must
			continue
		}
		words = append(words, split(word, width-indent)...)
	}
	for _, word := range words {
		if !first && lineLen+1+len(word) > width {
			w.b.WriteString(strings.TrimRight(line, " "))
			w.b.WriteByte('\n')
			line, lineLen = pad, indent
			first = true
		}
		if !first {
			line += " "
			lineLen++
		}
		line += word
		lineLen += len(word)
		first = false
	}
	w.b.WriteString(strings.TrimRight(line, " "))
	w.b.WriteByte('\n')
}

// command writes a command a person copies, whole on one line: after prefix when both fit
// the width, else on a line of its own below it, indented by indent spaces, past the width
// if it must. A console wraps a long line only on screen; wrapped here, a copy gives two
// lines, and the second runs as a command of its own.
func (w *writer) command(prefix string, indent int, cmd string) {
	cmd = strings.TrimSpace(jsonin.ASCII(cmd))
	if visibleLen(prefix)+len(cmd) <= w.o.Width || strings.TrimSpace(prefix) == "" {
		w.b.WriteString(prefix + cmd + "\n")
		return
	}
	w.b.WriteString(strings.TrimRight(prefix, " ") + "\n")
	w.b.WriteString(strings.Repeat(" ", indent) + cmd + "\n")
}

// commandWords start a command a sentence names, which commandUnits keeps on one line.
var commandWords = map[string]bool{"ccproxy": true, "netsh": true, "reg": true, "w32tm": true, "powershell": true,
	"Set-ItemProperty": true, "foreach": true, "New-ItemProperty": true, "Restart-Computer": true, "certutil": true}

// commandUnits joins the words of a command inside a sentence into one, so that para never
// breaks it: a quoted one ('ccproxy check --compare') up to its closing quote, and one after
// a colon, a ';', "then" or "or", or an opening parenthesis ("compare with: w32tm /stripchart ...",
// "(w32tm /resync,", "...; ccproxy check --compare --output check.json (on ...), then ccproxy test ...",
// "in PowerShell: foreach (...) { ... },") up to the ',' or ';' that ends it outside its own
// parentheses and braces, the ')' that closes the sentence's, or the end of the text.
func commandUnits(words []string) []string {
	var out []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		t := strings.TrimLeft(w, "(")
		quoted := strings.HasPrefix(t, "'") && commandWords[strings.Trim(t, "'")]
		after := (i > 0 && (strings.HasSuffix(words[i-1], ":") || strings.HasSuffix(words[i-1], ";") || words[i-1] == "then" || words[i-1] == "or") ||
			strings.HasPrefix(w, "(")) && commandWords[t]
		if !quoted && !after {
			out = append(out, w)
			continue
		}
		j, depth := i, 0
		for ; j+1 < len(words); j++ {
			cur := words[j]
			if j == i {
				cur = t
			}
			if quoted {
				if j > i && strings.Contains(cur, "'") || j == i && strings.Count(cur, "'") >= 2 {
					break
				}
				continue
			}
			for _, c := range cur {
				switch c {
				case '(', '{':
					depth++
				case ')', '}':
					depth--
				}
			}
			if last := cur[len(cur)-1]; (last == ',' || last == ';') && depth <= 0 || last == ')' && depth < 0 {
				break
			}
			// Words in parentheses after it ("(on the connector machine)") are the sentence's.
			if next := words[j+1]; depth == 0 && len(next) > 1 && next[0] == '(' && next[1] >= 'a' && next[1] <= 'z' {
				break
			}
		}
		out = append(out, strings.Join(words[i:j+1], " "))
		i = j
	}
	return out
}

// list writes items (host names) separated by spaces and wrapped between them, never inside
// one: an item longer than the line stands on a line of its own, past the width, rather
// than be cut into pieces that name nothing.
func (w *writer) list(prefix string, indent int, items []string) {
	pad := strings.Repeat(" ", indent)
	line, lineLen := prefix, visibleLen(prefix)
	first := true
	for _, it := range items {
		it = jsonin.ASCII(it)
		if !first && lineLen+1+len(it) > w.o.Width {
			w.b.WriteString(line + "\n")
			line, lineLen, first = pad, indent, true
		}
		if !first {
			line += " "
			lineLen++
		}
		line += it
		lineLen += len(it)
		first = false
	}
	w.b.WriteString(line + "\n")
}

// split breaks a word longer than n (a registry path, a long bypass list) after its
// separators, and hard where a piece is still too long, so that no line passes the width.
func split(word string, n int) []string {
	if n < 8 {
		n = 8
	}
	if visibleLen(word) <= n {
		return []string{word}
	}
	if hostLike(word) {
		// A host name (host:port) stays whole, past the width if it must: cut, it names
		// nothing, and copied from two lines it names something else.
		return []string{word}
	}
	var out []string
	for len(word) > n {
		cut := strings.LastIndexAny(word[:n], `\;,/`)
		if cut >= 0 && word[cut] == '\\' && cut+1 < len(word) && (word[cut+1] == 'x' || word[cut+1] == 'u') {
			// A visible escape (\x1b, \u202e) stays whole: break before its backslash.
			cut--
		}
		if cut < n/3 {
			cut = n - 1
		}
		out = append(out, word[:cut+1])
		word = word[cut+1:]
	}
	if word != "" {
		out = append(out, word)
	}
	return out
}

// hostLike is a word made of what host names, IP addresses and ports are made of, with a
// dot in it: letters, digits, '.', '-', ':', '[', ']' (and trailing punctuation of a sentence).
func hostLike(word string) bool {
	w := strings.TrimLeft(strings.TrimRight(word, `.,;:)"'`), `"'(`)
	if !strings.Contains(w, ".") {
		return false
	}
	for _, c := range w {
		switch {
		// '*' and '_': a bypass entry is a host pattern (*.corp.example:8443, _ldap.corp.example).
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == ':', c == '[', c == ']', c == '(', c == '*', c == '_':
		default:
			return false
		}
	}
	return true
}

// visibleLen is the length of s without ANSI colour sequences.
func visibleLen(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			continue
		}
		n++
	}
	return n
}

// table writes rows in aligned columns; the last column wraps to the width.
func (w *writer) table(header []string, rows [][]string) {
	if len(rows) == 0 {
		return
	}
	cols := len(header)
	widths := make([]int, cols)
	all := append([][]string{header}, rows...)
	for _, r := range all {
		for i := 0; i < cols-1 && i < len(r); i++ {
			widths[i] = max(widths[i], visibleLen(jsonin.ASCII(r[i])))
		}
	}
	// Leave the last column at least 16 characters: narrow the others only if needed.
	for total(widths[:cols-1])+2*(cols-1) > w.o.Width-16 {
		i := widest(widths[:cols-1])
		if widths[i] <= 12 {
			break
		}
		widths[i]--
	}
	for n, r := range all {
		var line strings.Builder
		col := 0 // where the line stands, in columns
		for i := 0; i < cols-1; i++ {
			cell := ""
			if i < len(r) {
				cell = jsonin.ASCII(r[i])
			}
			if n == 0 {
				cell = w.paint(bold, cell)
			}
			if visibleLen(cell) > widths[i] {
				// Too wide for its column (a long URL or host name): the cell stands whole on a
				// line of its own, and the row goes on below it, in its columns; nothing is cut.
				w.b.WriteString(strings.TrimRight(line.String()+cell, " ") + "\n")
				line.Reset()
				line.WriteString(strings.Repeat(" ", col+widths[i]+2))
				col += widths[i] + 2
				continue
			}
			line.WriteString(cell + strings.Repeat(" ", widths[i]-visibleLen(cell)+2))
			col += widths[i] + 2
		}
		last := ""
		if cols-1 < len(r) {
			last = r[cols-1]
		}
		if n == 0 {
			last = w.paint(bold, last)
		}
		w.para(line.String(), total(widths[:cols-1])+2*(cols-1), last)
	}
}

func total(ws []int) int {
	n := 0
	for _, x := range ws {
		n += x
	}
	return n
}

func widest(ws []int) int {
	best := 0
	for i, x := range ws {
		if x > ws[best] {
			best = i
		}
	}
	return best
}

// or is s, or dash when s is empty, for a table cell.
func or(s, dash string) string {
	if s == "" {
		return dash
	}
	return s
}

// plural writes n with its noun in the number it needs.
func plural(n int64, noun string) string { return model.Count(int(n), noun) }
