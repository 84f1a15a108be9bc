//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package system

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// flock locks belong to the open file, not the process, so two opens in one process
// exclude each other too, as two separate applies must.
func lockTry(f *os.File) error {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EWOULDBLOCK), errors.Is(err, unix.EAGAIN):
			return errLockBusy
		}
		return err
	}
}

func lockUntry(f *os.File) error { return unix.Flock(int(f.Fd()), unix.LOCK_UN) }
