//go:build !windows

package tests

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// --output replaces only a regular file: an existing document keeps its mode (0600 stays
// 0600), and a device such as /dev/null is written to, never replaced.
func TestOutputKeepsModeAndDevices(t *testing.T) {
	p := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(p, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := run(t, nil, "get", "--from", "examples/ie-winhttp-matching.reg", "--output", p); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() < 100 {
		t.Errorf("after --output the file is %v, %d bytes (%v); want 0600 and the document", fi.Mode(), fi.Size(), err)
	}
	before, err := os.Stat(os.DevNull)
	if err != nil || before.Mode()&os.ModeCharDevice == 0 {
		t.Skip("no /dev/null device")
	}
	if r := run(t, nil, "get", "--from", "examples/ie-winhttp-matching.reg", "--output", os.DevNull); r.code != 0 || len(r.stdout) != 0 {
		t.Errorf("--output %s: exit %d, stdout %d bytes: %s", os.DevNull, r.code, len(r.stdout), r.stderr)
	}
	if after, err := os.Stat(os.DevNull); err != nil || after.Mode() != before.Mode() || !os.SameFile(before, after) {
		t.Fatalf("%s is no longer the device", os.DevNull)
	}
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFO: %v", err)
	}
	done := make(chan []byte)
	go func() { b, _ := os.ReadFile(fifo); done <- b }()
	if r := run(t, nil, "get", "--from", "examples/ie-winhttp-matching.reg", "--output", fifo); r.code != 0 {
		t.Errorf("--output FIFO: exit %d: %s", r.code, r.stderr)
	}
	if b := <-done; len(b) < 100 {
		t.Errorf("the FIFO's reader got %q", b)
	}
}
