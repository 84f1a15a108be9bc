//go:build windows

package system

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// The locked byte lies far past the holder text at the start of the file: Windows locks
// are mandatory, and a lock over the text would keep a waiting apply from reading who holds it.
const lockOffsetHigh = 0x7fffffff

func lockTry(f *os.File) error {
	ol := &windows.Overlapped{OffsetHigh: lockOffsetHigh}
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return errLockBusy
	}
	return err
}

func lockUntry(f *os.File) error {
	ol := &windows.Overlapped{OffsetHigh: lockOffsetHigh}
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, ol)
}
