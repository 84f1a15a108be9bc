//go:build !windows

package system

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// An existing file keeps its mode: 0600 is not widened to the 0644 a new document gets,
// and a new file gets Perm.
func TestWriteFileAtomicKeepsMode(t *testing.T) {
	dir := t.TempDir()
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	for _, mode := range []os.FileMode{0o600, 0o640, 0o755} {
		p := filepath.Join(dir, "doc"+mode.String())
		if err := os.WriteFile(p, []byte("old"), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		if err := WriteFileAtomic(p, WriteOptions{Perm: 0o644}, writeString("new")); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != mode {
			t.Errorf("a %v file became %v", mode, got)
		}
		if b, _ := os.ReadFile(p); string(b) != "new" {
			t.Errorf("content %q", b)
		}
	}
	p := filepath.Join(dir, "fresh.json")
	if err := WriteFileAtomic(p, WriteOptions{Perm: 0o644}, writeString("x")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o644 {
		t.Errorf("a new file is %v, want 0644", fi.Mode().Perm())
	}
}

// A FIFO is written to, not replaced by a regular file: its reader gets the document and
// the FIFO is still a FIFO.
func TestWriteFileAtomicWritesIntoFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(p)
		if err != nil {
			got <- "open: " + err.Error()
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- string(b)
	}()
	if err := WriteFileAtomic(p, WriteOptions{Perm: 0o644}, writeString("document\n")); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != "document\n" {
			t.Errorf("the reader got %q", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the FIFO's reader got nothing")
	}
	fi, err := os.Lstat(p)
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", fi.Mode(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(p), ".pipe*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// /dev/null (a character device) is written to and stays a character device, also when the
// process could replace it (as root); no temporary file is made beside it.
func TestWriteFileAtomicWritesIntoDevice(t *testing.T) {
	before, err := os.Lstat(os.DevNull)
	if err != nil || before.Mode()&os.ModeCharDevice == 0 {
		t.Skipf("%s is not a character device here", os.DevNull)
	}
	if err := WriteFileAtomic(os.DevNull, WriteOptions{Perm: 0o644}, writeString("discarded")); err != nil {
		t.Fatalf("writing to %s: %v", os.DevNull, err)
	}
	after, err := os.Lstat(os.DevNull)
	if err != nil || after.Mode() != before.Mode() || !os.SameFile(before, after) {
		t.Fatalf("%s changed: %v -> %v (%v)", os.DevNull, before.Mode(), after.Mode(), err)
	}
	if left, _ := filepath.Glob("/dev/.null.*.tmp"); len(left) != 0 {
		t.Errorf("temporary files left in /dev: %v", left)
	}
}

// A socket is neither written into nor replaced: a named error.
func TestWriteFileAtomicRefusesSocket(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s")
	l, err := net.Listen("unix", p)
	if err != nil {
		t.Skipf("no unix socket here: %v", err)
	}
	defer l.Close()
	err = WriteFileAtomic(p, WriteOptions{Perm: 0o644}, writeString("x"))
	var we *WriteError
	if !errors.As(err, &we) || we.Op != "kind" || !strings.Contains(err.Error(), "socket") {
		t.Fatalf("got %v, want a refusal naming the socket", err)
	}
	if fi, err := os.Lstat(p); err != nil || fi.Mode()&os.ModeSocket == 0 {
		t.Errorf("the socket was replaced")
	}
}

// A character device of the test's own (made where the process may: as root) is written to
// and never replaced: what --output /dev/null did as root before.
func TestWriteFileAtomicWritesIntoOwnDevice(t *testing.T) {
	p := filepath.Join(t.TempDir(), "null")
	// The null device's numbers on Linux (major 1, minor 3; devices.txt of the kernel).
	if err := syscall.Mknod(p, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Skipf("cannot make a device here (needs root): %v", err)
	}
	if err := WriteFileAtomic(p, WriteOptions{Perm: 0o644}, writeString("discarded")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(p)
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("the device was replaced by %v (%v)", fi.Mode(), err)
	}
}

// A block device (a disk) is never written, whatever links to it: a named refusal.
func TestWriteFileAtomicRefusesBlockDevice(t *testing.T) {
	p := filepath.Join(t.TempDir(), "disk")
	// A block device numbered as a loop device (major 7); nothing is opened through it.
	if err := syscall.Mknod(p, syscall.S_IFBLK|0o600, 7<<8|250); err != nil {
		t.Skipf("cannot make a device here (needs root): %v", err)
	}
	link := filepath.Join(filepath.Dir(p), "out.json")
	if err := os.Symlink(p, link); err != nil {
		t.Fatal(err)
	}
	err := WriteFileAtomic(link, WriteOptions{Perm: 0o644}, writeString("x"))
	var we *WriteError
	if !errors.As(err, &we) || we.Op != "kind" || !strings.Contains(err.Error(), "block device") {
		t.Fatalf("got %v, want a refusal naming the block device", err)
	}
}

// A symbolic link is written through: its target is replaced (keeping its mode), the link
// stays a link; a link whose target does not exist has the target created; a link loop and a
// link to a socket are refused by kind.
func TestWriteFileAtomicFollowsLinks(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.json")
	if err := os.WriteFile(target, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(target, 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(sub, "link.json")
	if err := os.Symlink("../real.json", link); err != nil {
		t.Skipf("no symbolic links: %v", err)
	}
	chain := filepath.Join(dir, "chain.json")
	if err := os.Symlink(link, chain); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{link, chain} {
		if err := WriteFileAtomic(p, WriteOptions{Perm: 0o644}, writeString("new "+p)); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Lstat(p); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s is no longer a link: %v", p, err)
		}
		if b, _ := os.ReadFile(target); string(b) != "new "+p {
			t.Errorf("the target holds %q", b)
		}
		if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o600 {
			t.Errorf("the target became %v", fi.Mode().Perm())
		}
	}
	dangling := filepath.Join(dir, "dangling.json")
	if err := os.Symlink("made.json", dangling); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(dangling, WriteOptions{Perm: 0o644}, writeString("made")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "made.json")); string(b) != "made" {
		t.Errorf("the dangling link's target holds %q", b)
	}
	if fi, err := os.Lstat(dangling); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the dangling link was replaced")
	}
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	_ = os.Symlink(b, a)
	_ = os.Symlink(a, b)
	var we *WriteError
	if err := WriteFileAtomic(a, WriteOptions{}, writeString("x")); !errors.As(err, &we) || we.Op != "kind" {
		t.Errorf("a link loop: %v", err)
	}
	if err := CheckWriteTarget(a); !errors.As(err, &we) || we.Op != "kind" {
		t.Errorf("CheckWriteTarget of a link loop: %v", err)
	}
	sock := filepath.Join(dir, "s")
	if l, err := net.Listen("unix", sock); err == nil {
		defer l.Close()
		toSock := filepath.Join(dir, "to-socket")
		_ = os.Symlink(sock, toSock)
		if err := WriteFileAtomic(toSock, WriteOptions{}, writeString("x")); !errors.As(err, &we) || we.Op != "kind" {
			t.Errorf("a link to a socket: %v", err)
		}
	}
}

// CheckWriteTarget names, before anything runs, what a write would refuse.
func TestCheckWriteTarget(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{
		filepath.Join(dir, "new.json"):     "",
		file:                               "",
		dir:                                "kind",
		filepath.Join(dir, "no", "x.json"): "create",
		filepath.Join(file, "x.json"):      "create",
		filepath.Join(dir, "no", "deep", "x.json"): "create",
	} {
		err := CheckWriteTarget(p)
		var we *WriteError
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", p, err)
		case want != "" && (!errors.As(err, &we) || we.Op != want):
			t.Errorf("%s: %v, want a %s error", p, err, want)
		case want == "create" && !errors.Is(err, ErrNoFolder):
			t.Errorf("%s: %v is not ErrNoFolder", p, err)
		}
	}
}

// /dev/stdout into a pipe (`ccproxy version --output /dev/stdout | head`): the link behind
// /proc/self/fd/N reads "pipe:[N]", which is no path; the write goes into the pipe, through
// /proc/self/fd/N, /dev/fd/N and a link of one's own to them, and the descriptor stays open.
func TestWriteFileAtomicWritesIntoOwnPipe(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("no /proc/self/fd here")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	fd := strconv.Itoa(int(w.Fd()))
	link := filepath.Join(t.TempDir(), "out")
	if err := os.Symlink("/proc/self/fd/"+fd, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/proc/self/fd/" + fd, "/dev/fd/" + fd, link} {
		if err := CheckWriteTarget(p); err != nil {
			t.Errorf("CheckWriteTarget(%s): %v", p, err)
		}
		done := make(chan string)
		go func() { b := make([]byte, 512); n, _ := r.Read(b); done <- string(b[:n]) }()
		if err := WriteFileAtomic(p, WriteOptions{Perm: 0o644}, writeString("doc via "+p)); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		select {
		case got := <-done:
			if got != "doc via "+p {
				t.Errorf("%s: the pipe read %q", p, got)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: nothing reached the pipe", p)
		}
	}
	if _, err := w.Write([]byte("x")); err != nil {
		t.Errorf("the pipe's own descriptor was closed: %v", err)
	}
}
