package system

import (
	"os"
	"testing"
)

func TestConsoleWidth(t *testing.T) {
	env := func(cols string) func(string) string {
		return func(k string) string {
			if k == "COLUMNS" {
				return cols
			}
			return ""
		}
	}
	// A file is no terminal: only COLUMNS or the default decide.
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, c := range []struct {
		cols string
		want int
	}{
		{"", 80}, {"120", 120}, {" 100 ", 100}, {"abc", 80}, {"-5", 80}, {"0", 80}, {"10", 40}, {"5000", 200},
	} {
		if got := ConsoleWidth(f, env(c.cols)); got != c.want {
			t.Errorf("COLUMNS=%q: width %d, want %d", c.cols, got, c.want)
		}
	}
	if got := ConsoleWidth(nil, nil); got != 80 {
		t.Errorf("nil file and environment: width %d, want 80", got)
	}
}
