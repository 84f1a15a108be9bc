package system

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestApplyLockExcludesWithinAProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "apply.lock")
	a, err := AcquireApplyLock(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_, err = AcquireApplyLock(path, 100*time.Millisecond)
	var ee *EnvError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("second lock: %v", err)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) || !strings.Contains(err.Error(), "--lock-timeout") {
		t.Errorf("message does not name the holder: %v", err)
	}
	if err := a.Release(); err != nil {
		t.Fatal(err)
	}
	b, err := AcquireApplyLock(path, time.Second)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	b.Release()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the lock file must stay: %v", err)
	}
}

// Goroutines that take the lock never overlap inside it.
func TestApplyLockSerialises(t *testing.T) {
	path := filepath.Join(t.TempDir(), "apply.lock")
	var inside, overlaps, done atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := AcquireApplyLock(path, 10*time.Second)
			if err != nil {
				t.Error(err)
				return
			}
			if inside.Add(1) > 1 {
				overlaps.Add(1)
			}
			time.Sleep(10 * time.Millisecond)
			inside.Add(-1)
			done.Add(1)
			l.Release()
		}()
	}
	wg.Wait()
	if overlaps.Load() != 0 || done.Load() != 6 {
		t.Errorf("overlaps %d, done %d", overlaps.Load(), done.Load())
	}
}

// TestApplyLockHelperProcess holds the lock for the test below, in another process.
func TestApplyLockHelperProcess(t *testing.T) {
	path := os.Getenv("CCPROXY_LOCK_HELPER")
	if path == "" {
		return // only meaningful as the helper process of the test below
	}
	l, err := AcquireApplyLock(path, 5*time.Second)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	// Hold it until killed: the kernel must release it.
	time.Sleep(time.Minute)
	l.Release()
}

// A holder that dies without releasing leaves no stale lock behind.
func TestApplyLockAcrossProcessesAndCrash(t *testing.T) {
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no processes")
	}
	path := filepath.Join(t.TempDir(), "apply.lock")
	cmd := exec.Command(os.Args[0], "-test.run", "^TestApplyLockHelperProcess$", "-test.v")
	cmd.Env = append(os.Environ(), "CCPROXY_LOCK_HELPER="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(out)
	locked := false
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "locked") {
			locked = true
			break
		}
	}
	if !locked {
		t.Fatal("helper did not take the lock")
	}
	_, err = AcquireApplyLock(path, 150*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", cmd.Process.Pid)) {
		t.Fatalf("lock held by another process: %v", err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	l, err := AcquireApplyLock(path, 5*time.Second)
	if err != nil {
		t.Fatalf("a dead holder's lock must be free: %v", err)
	}
	l.Release()
}

func TestWritePrivateFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "backups")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p, err := WritePrivateFile(dir, "backup-1.json", []byte("{}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "{}\n" {
		t.Errorf("content %q", b)
	}
	if runtime.GOOS != "windows" {
		if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
			t.Errorf("dir mode %v: an existing folder must be tightened", st.Mode().Perm())
		}
		if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
			t.Errorf("file mode %v", st.Mode().Perm())
		}
	}
	if _, err := WritePrivateFile(dir, "backup-1.json", []byte("x")); err == nil {
		t.Error("overwrote a backup")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestStateDir(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if runtime.GOOS == "windows" {
		got, _ := StateDir(env(map[string]string{"ProgramData": `D:\PD`}))
		if got != `D:\PD\ccproxy` {
			t.Errorf("got %s", got)
		}
		return
	}
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_STATE_HOME": "/x/state", "HOME": "/home/u"}, "/x/state/ccproxy"},
		{map[string]string{"XDG_STATE_HOME": "relative", "HOME": "/home/u"}, "/home/u/.local/state/ccproxy"},
		{map[string]string{"HOME": "/home/u"}, "/home/u/.local/state/ccproxy"},
	}
	for _, tt := range tests {
		if got, err := StateDir(env(tt.env)); err != nil || got != tt.want {
			t.Errorf("%v: %s %v", tt.env, got, err)
		}
	}
	if _, err := StateDir(env(nil)); err == nil || !strings.Contains(err.Error(), "--backup-dir") {
		t.Errorf("no HOME: %v", err)
	}
}
