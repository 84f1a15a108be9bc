package system

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ApplyLock is the machine-wide lock that keeps two applies from interleaving their
// writes. It is an OS file lock (flock, LockFileEx) on a file that is never deleted: the
// kernel drops the lock when its holder exits, however it exits, so a crashed apply cannot
// leave a stale lock behind; and since the file is never removed, two processes can never
// lock two different files of the same name.
type ApplyLock struct {
	f *os.File
}

// lockPoll bounds how often a waiting apply retries.
const (
	lockPollMin = 20 * time.Millisecond
	lockPollMax = 250 * time.Millisecond
)

// errLockBusy is what the platform's try-lock returns while another holder has the lock.
var errLockBusy = errors.New("lock busy")

// AcquireApplyLock takes the lock at path, creating the file (and its folder) if needed,
// and waits up to wait for another holder to let go. The error for a lock still held
// after that names the holder.
func AcquireApplyLock(path string, wait time.Duration) (*ApplyLock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, lockEnvError(path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, lockEnvError(path, err)
	}
	deadline := time.Now().Add(wait)
	poll := lockPollMin
	for {
		err := lockTry(f)
		if err == nil {
			break
		}
		if !errors.Is(err, errLockBusy) {
			f.Close()
			return nil, lockEnvError(path, err)
		}
		if !time.Now().Before(deadline) {
			holder := lockHolder(path)
			f.Close()
			return nil, &EnvError{Msg: fmt.Sprintf("another ccproxy apply holds the lock %s (%s) and did not finish within %s; hint: wait for it, or pass a longer --lock-timeout", path, holder, wait)}
		}
		time.Sleep(poll)
		if poll *= 2; poll > lockPollMax {
			poll = lockPollMax
		}
	}
	// Who holds the lock, for the message another apply shows while it waits; the lock
	// itself does not depend on this text.
	host, _ := os.Hostname()
	info := fmt.Sprintf("pid %d on %s since %s\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(info), 0)
	}
	return &ApplyLock{f: f}, nil
}

// Release lets the next apply in. The file stays, on purpose (see ApplyLock).
func (l *ApplyLock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := lockUntry(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

func lockHolder(path string) string {
	b, err := os.ReadFile(path)
	if err != nil || len(strings.TrimSpace(string(b))) == 0 {
		return "holder unknown"
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

func lockEnvError(path string, err error) error {
	err = PathCause(err)
	if errors.Is(err, os.ErrPermission) {
		return &EnvError{Msg: fmt.Sprintf("cannot take the apply lock %s: access denied; hint: run from an elevated prompt", path)}
	}
	return &EnvError{Msg: fmt.Sprintf("cannot take the apply lock %s: %v", path, err)}
}
