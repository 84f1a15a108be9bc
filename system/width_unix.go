//go:build unix

package system

import (
	"os"

	"golang.org/x/sys/unix"
)

// On Unix COLUMNS comes before the terminal's size, as shells and coreutils take it.
const windowFirst = false

// terminalWidth asks the terminal for its size (TIOCGWINSZ, tty_ioctl(4)); 0 when f is not a
// terminal.
func terminalWidth(f *os.File) int {
	if f == nil {
		return 0
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	return int(ws.Col)
}
