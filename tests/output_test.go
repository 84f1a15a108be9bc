//go:build !windows

package tests

import (
	"net"
	"os"
	"path/filepath"
	"strings"
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

// --output onto a link writes the link's target and keeps the link; what the path names
// decides the exit code: a missing folder, a file used as a folder, a folder, a socket or a
// link loop is bad usage (2) and nothing runs; a folder the user may not write is the
// environment's (3).
func TestOutputLinksAndExitCodes(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.json")
	if err := os.WriteFile(target, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(target, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink("real.json", link); err != nil {
		t.Skipf("no symbolic links: %v", err)
	}
	if r := run(t, nil, "get", "--from", "examples/ie-winhttp-matching.reg", "--output", link); r.code != 0 {
		t.Fatalf("--output link: exit %d: %s", r.code, r.stderr)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced by a file")
	}
	if fi, err := os.Stat(target); err != nil || fi.Size() < 100 || fi.Mode().Perm() != 0o600 {
		t.Errorf("the link's target was not written in place: %v %v", fi, err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_ = os.Symlink(filepath.Join(dir, "loop2"), filepath.Join(dir, "loop1"))
	_ = os.Symlink(filepath.Join(dir, "loop1"), filepath.Join(dir, "loop2"))
	bad := []string{filepath.Join(dir, "missing", "x.json"), filepath.Join(file, "x.json"), dir, filepath.Join(dir, "loop1")}
	sock := filepath.Join(dir, "sock")
	if l, err := net.Listen("unix", sock); err == nil {
		defer l.Close()
		bad = append(bad, sock)
	}
	for _, p := range bad {
		if r := run(t, nil, "get", "--from", "examples/ie-winhttp-matching.reg", "--output", p); r.code != 2 || !strings.Contains(string(r.stderr), "--output") {
			t.Errorf("--output %s: exit %d, want 2: %s", p, r.code, r.stderr)
		}
	}
	if os.Geteuid() != 0 {
		ro := filepath.Join(dir, "ro")
		if err := os.Mkdir(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		if r := run(t, nil, "get", "--from", "examples/ie-winhttp-matching.reg", "--output", filepath.Join(ro, "x.json")); r.code != 3 {
			t.Errorf("--output in a read-only folder: exit %d, want 3: %s", r.code, r.stderr)
		}
	}
}
