package csvsafe

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
)

// hostile are cells a document may carry: formulas at the start, after a ";" (a separator in
// German, French and Dutch Excel), after a quote; controls; separators.
var hostile = []string{
	"=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx",
	"x;=cmd|' /C calc'!A0", "a; b", `x;"=1+1"`, "x,=1", "plain", "", "CC01",
	"a\"b", "line\nbreak", "\x1b[2J3 compliant", "host\u202egpj.exe", "x; -1",
}

// splitExcel splits a line as a spreadsheet does with sep as its list separator: a field
// that starts with a quote runs to the closing quote ("" is a quote); a quote anywhere else
// is an ordinary character.
func splitExcel(line string, sep byte) []string {
	var out []string
	for {
		var f strings.Builder
		i := 0
		if strings.HasPrefix(line, `"`) {
			i = 1
			for i < len(line) {
				if line[i] == '"' {
					if i+1 < len(line) && line[i+1] == '"' {
						f.WriteByte('"')
						i += 2
						continue
					}
					i++
					break
				}
				f.WriteByte(line[i])
				i++
			}
		}
		j := strings.IndexByte(line[i:], sep)
		if j < 0 {
			f.WriteString(line[i:])
			return append(out, f.String())
		}
		f.WriteString(line[i : i+j])
		out = append(out, f.String())
		line = line[i+j+1:]
	}
}

// With either list separator, no cell of the file starts as a formula, and with "," every
// record reads back as written, one cell per value.
func TestNoFormulaWithEitherSeparator(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	for _, h := range hostile {
		if err := w.Write([]string{"CC01", h, "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.ContainsAny(out, "\x1b\u202e") {
		t.Errorf("a control reached the file: %q", out)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
	if len(lines) != len(hostile) {
		t.Fatalf("%d lines for %d records: a line break was not quoted", len(lines), len(hostile))
	}
	for _, sep := range []byte{',', ';'} {
		for i, l := range lines {
			for _, f := range splitExcel(l, sep) {
				if f != "" && formula(strings.TrimLeft(f, " ")[0]) {
					t.Errorf("separator %q: record %d (%q) has the formula cell %q", sep, i, hostile[i], f)
				}
			}
		}
	}
	r := csv.NewReader(strings.NewReader(out))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, rec := range recs {
		if len(rec) != 3 || rec[0] != "CC01" || rec[2] != "x" {
			t.Errorf("record %d (%q) reads back as %q", i, hostile[i], rec)
		}
	}
	if got := recs[slices.Index(hostile, "a; b")][1]; got != "a; b" {
		t.Errorf("an ordinary list changed: %q", got)
	}
	if got := recs[slices.Index(hostile, "=cmd|' /C calc'!A0")][1]; got != "'=cmd|' /C calc'!A0" {
		t.Errorf("a formula is not neutralised by a leading quote: %q", got)
	}
}

func FuzzCell(f *testing.F) {
	for _, h := range hostile {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, v string) {
		c := Cell(v)
		for _, sep := range []byte{',', ';'} {
			for _, fld := range splitExcel(c, sep) {
				if f := strings.TrimLeft(fld, " "); f != "" && formula(f[0]) {
					t.Fatalf("Cell(%q) = %q: separator %q gives the formula cell %q", v, c, sep, fld)
				}
			}
		}
		if strings.ContainsAny(c, "\r\n") {
			t.Fatalf("Cell(%q) = %q holds a line break", v, c)
		}
		if c == "" {
			return
		}
		recs, err := csv.NewReader(strings.NewReader(c + "\r\n")).ReadAll()
		if err != nil || len(recs) != 1 || len(recs[0]) != 1 {
			t.Fatalf("Cell(%q) = %q reads back as %q, %v", v, c, recs, err)
		}
	})
}
