//go:build windows

package system

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

// An existing file is replaced with ReplaceFileW, which keeps the replaced file's identity:
// its creation time stays (a rename would bring the temporary file's), and a new file is
// still written (ReplaceFileW fails with ERROR_FILE_NOT_FOUND, and the rename takes over).
func TestWriteFileAtomicReplacesKeepingIdentity(t *testing.T) {
	// Wine's files refuse the temporary folder's cleanup after a ReplaceFileW ("Invalid
	// function"); a leftover temporary folder is no failure of the code under test.
	dir, err := os.MkdirTemp("", "ccproxy-atomic-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "doc.json")
	if err := WriteFileAtomic(p, WriteOptions{}, writeString("first")); err != nil {
		t.Fatalf("new file: %v", err)
	}
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	setCreation(t, p, old)
	time.Sleep(20 * time.Millisecond)
	if err := WriteFileAtomic(p, WriteOptions{}, writeString("second")); err != nil {
		t.Fatalf("replacing: %v", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "second" {
		t.Fatalf("content %q", b)
	}
	if got := creation(t, p); !got.Equal(old) {
		if underWine() {
			// Wine's ReplaceFileW replaces the file but does not carry its metadata over
			// (dlls/kernelbase/file.c); what it keeps can only be seen on Windows.
			t.Logf("under Wine: creation time %v, not the replaced file's %v", got, old)
		} else {
			t.Errorf("creation time %v, want the replaced file's %v", got, old)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".doc.json.*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if err := WriteFileAtomic("NUL", WriteOptions{}, writeString("discarded")); err != nil {
		t.Errorf("writing to NUL: %v", err)
	}
}

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

func setCreation(t *testing.T, p string, tm time.Time) {
	t.Helper()
	h, err := windows.Open(p, windows.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(h)
	ft := windows.NsecToFiletime(tm.UnixNano())
	if err := windows.SetFileTime(h, &ft, nil, nil); err != nil {
		t.Fatal(err)
	}
}

func creation(t *testing.T, p string) time.Time {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	d := fi.Sys().(*syscall.Win32FileAttributeData)
	return time.Unix(0, d.CreationTime.Nanoseconds()).UTC()
}
