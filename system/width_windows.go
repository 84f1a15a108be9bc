//go:build windows

package system

import (
	"os"

	"golang.org/x/sys/windows"
)

// On Windows the console window decides: COLUMNS is rarely set there, and when it is (Git
// Bash, MSYS) it speaks for a terminal emulator rather than the console host.
const windowFirst = true

// terminalWidth is the width of the visible part of the console window. A screen buffer is
// often wider than its window (dwSize.X of 120 or more with a horizontal scroll bar), so the
// window rectangle, not the buffer, gives what a person sees: srWindow.Right - srWindow.Left
// + 1 (CONSOLE_SCREEN_BUFFER_INFO, https://learn.microsoft.com/windows/console/console-screen-buffer-info-str).
// 0 when f is not a console.
func terminalWidth(f *os.File) int {
	if f == nil {
		return 0
	}
	var info windows.ConsoleScreenBufferInfo
	if err := windows.GetConsoleScreenBufferInfo(windows.Handle(f.Fd()), &info); err != nil {
		return 0
	}
	return int(info.Window.Right-info.Window.Left) + 1
}
