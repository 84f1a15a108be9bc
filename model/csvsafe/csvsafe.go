// Package csvsafe writes CSV that a spreadsheet opens as data, never as formulas, whatever
// its list separator, and that a terminal shows without acting on. It is the one CSV writer
// of ccproxy (report --format csv, endpoints --format csv).
//
// A cell is written in three steps:
//
//  1. Controls, DEL and bidi controls are made visible (jsonin.Visible): a cell cannot clear
//     a terminal that shows the file, nor reorder its neighbours.
//  2. A cell that starts with =, +, -, @, a tab or a carriage return gets a leading ' (OWASP,
//     "CSV Injection": "prepend each cell field with a single quote"). Where the list
//     separator is ";" (German, French, Dutch Excel) a comma-separated file is split at each
//     ";" instead, and quotes in the middle of a line do not hold the pieces together, so
//     the same ' goes after every ";" that a formula character (or a quote) follows.
//  3. A cell that holds ",", ";", a quote, a tab, CR or LF is quoted, quotes doubled
//     (RFC 4180 section 2), so that it stays one cell with either separator.
//
// Lines end in CRLF, as RFC 4180 and Excel expect.
package csvsafe

import (
	"bufio"
	"io"
	"strings"

	"ccproxy/jsonin"
)

// Writer writes records.
type Writer struct {
	w   *bufio.Writer
	err error
}

// NewWriter writes to w; call Flush at the end.
func NewWriter(w io.Writer) *Writer { return &Writer{w: bufio.NewWriter(w)} }

// Write writes one record.
func (c *Writer) Write(record []string) error {
	if c.err != nil {
		return c.err
	}
	for i, v := range record {
		if i > 0 {
			c.w.WriteByte(',')
		}
		c.w.WriteString(Cell(v))
	}
	_, c.err = c.w.WriteString("\r\n")
	return c.err
}

// Flush writes what is buffered and returns the first error met.
func (c *Writer) Flush() error {
	if err := c.w.Flush(); c.err == nil {
		c.err = err
	}
	return c.err
}

// formula says whether a spreadsheet reads a cell that starts with c as a formula.
func formula(c byte) bool {
	switch c {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// startsFormula says whether a field that starts with s may be read as a formula: after any
// spaces (some spreadsheets trim them), a formula character or a quote (a quoted field is
// read as a formula too).
func startsFormula(s string) bool {
	s = strings.TrimLeft(s, " ")
	return s != "" && (formula(s[0]) || s[0] == '"')
}

// Cell is v as written in a CSV file: visible, neutralised, quoted when it must be.
func Cell(v string) string {
	v = jsonin.Visible(v)
	var b strings.Builder
	// Leading spaces count as nothing: some spreadsheets trim them before they look for a
	// formula (" -1+2" is read as "-1+2").
	if t := strings.TrimLeft(v, " "); t != "" && formula(t[0]) {
		b.WriteByte('\'')
	}
	for i := 0; i < len(v); i++ {
		b.WriteByte(v[i])
		if v[i] == ';' && startsFormula(v[i+1:]) {
			b.WriteByte('\'')
		}
	}
	v = b.String()
	if !strings.ContainsAny(v, ",;\"\t\r\n") {
		return v
	}
	return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
}
