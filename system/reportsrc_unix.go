//go:build unix

package system

import (
	"os"
	"syscall"
)

// openNoWait opens a file for reading without waiting: O_NONBLOCK makes open(2) of a FIFO
// with no writer return at once (POSIX open(2), "O_NONBLOCK ... an open() for reading-only
// shall return without delay"), and it changes nothing for a regular file, whose reads never
// wait.
func openNoWait(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
