package tests

import (
	"fmt"
	"strings"
	"testing"
)

// lineDiff shows how got differs from want, line by line with three lines of context, in
// the unified form gofmt's tests print ("-" the golden file, "+" this run), so that a
// mismatch shows what changed rather than the whole output.
func lineDiff(want, got []byte) string {
	a, b := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	// lcs[i][j] is the length of the longest common subsequence of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type op struct {
		kind byte // ' ', '-', '+'
		line string
	}
	var ops []op
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			ops = append(ops, op{' ', a[i]})
			i, j = i+1, j+1
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, op{'-', a[i]})
			i++
		default:
			ops = append(ops, op{'+', b[j]})
			j++
		}
	}
	const context = 3
	var out strings.Builder
	line := func(c int) { fmt.Fprintf(&out, "%c %s\n", ops[c].kind, ops[c].line) }
	last := -1 // the last op written
	for k, o := range ops {
		if o.kind == ' ' {
			continue
		}
		from := max(k-context, 0)
		if last >= 0 {
			if k-last-1 <= 2*context {
				from = last + 1
			} else {
				for c := last + 1; c <= last+context; c++ {
					line(c)
				}
				out.WriteString("...\n")
			}
		}
		for c := from; c <= k; c++ {
			line(c)
		}
		last = k
	}
	for c := last + 1; last >= 0 && c <= last+context && c < len(ops); c++ {
		line(c)
	}
	if out.Len() == 0 {
		return "(no line differs: the difference is in line endings or a final newline)"
	}
	return "--- golden\n+++ got\n" + out.String()
}

func TestLineDiff(t *testing.T) {
	want := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"
	got := "a\nb\nc\nd\nE\nf\ng\nh\ni\nj\nk\n"
	d := lineDiff([]byte(want), []byte(got))
	for _, frag := range []string{"- e\n+ E\n", "+ k\n", "  d\n", "  f\n"} {
		if !strings.Contains(d, frag) {
			t.Errorf("diff lacks %q:\n%s", frag, d)
		}
	}
	if strings.Contains(d, "  a\n") {
		t.Errorf("diff shows more than three lines of context:\n%s", d)
	}
}
