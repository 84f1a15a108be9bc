package system

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAppendLogAppendsAndRotates(t *testing.T) {
	p := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(p, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := OpenAppendLog(p, 20)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"first\n", "second\n", "third\n"} {
		if err := l.WriteLine([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	cur, _ := os.ReadFile(p)
	old, _ := os.ReadFile(p + ".1")
	// "old\nfirst\nsecond\n" is 17 bytes; "third\n" would pass 20, so it begins a new file.
	if string(old) != "old\nfirst\nsecond\n" || string(cur) != "third\n" {
		t.Errorf("rotated %q, current %q", old, cur)
	}
	l, err = OpenAppendLog(p, 0)
	if err != nil {
		t.Fatal(err)
	}
	l.WriteLine([]byte("fourth\n"))
	l.Close()
	if cur, _ := os.ReadFile(p); !strings.HasPrefix(string(cur), "third\nfourth\n") {
		t.Errorf("not appended: %q", cur)
	}
	if _, err := OpenAppendLog(filepath.Join(p, "x"), 0); err == nil {
		t.Error("a file under a file opened")
	}
}
