//go:build !windows && !linux && !darwin && !freebsd && !netbsd && !openbsd && !dragonfly

package system

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// Without flock, an exclusive-create marker stands in for the lock. A marker outlives a
// crashed holder, so one older than lockStaleAfter is taken to be abandoned: no apply
// holds the lock anywhere near that long.
const lockStaleAfter = 10 * time.Minute

func lockMarker(f *os.File) string { return f.Name() + ".held" }

func lockTry(f *os.File) error {
	m := lockMarker(f)
	for attempt := 0; attempt < 2; attempt++ {
		h, err := os.OpenFile(m, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			fmt.Fprintf(h, "pid %d\n", os.Getpid())
			return h.Close()
		}
		if !errors.Is(err, os.ErrExist) {
			return err
		}
		st, serr := os.Stat(m)
		if serr != nil || time.Since(st.ModTime()) < lockStaleAfter {
			return errLockBusy
		}
		_ = os.Remove(m)
	}
	return errLockBusy
}

func lockUntry(f *os.File) error { return os.Remove(lockMarker(f)) }
