package system

import (
	"os"
	"strconv"
	"strings"
)

// Text widths a console renderer accepts: narrower than minWidth cannot hold a status word, an
// id and a few words of message; wider than maxWidth makes lines no one reads in one glance.
const (
	DefaultWidth = 80
	minWidth     = 40
	maxWidth     = 200
)

// ConsoleWidth is the number of columns text written to f should fit: on Windows the width
// of the console window's visible part, then COLUMNS; elsewhere COLUMNS (which a shell sets
// and a user may set to override), then the terminal's size; DefaultWidth when neither is
// known (a pipe, a file). f may be nil.
func ConsoleWidth(f *os.File, getenv func(string) string) int {
	w := 0
	if windowFirst {
		w = terminalWidth(f)
	}
	if w <= 0 && getenv != nil {
		w = columnsWidth(getenv("COLUMNS"))
	}
	if w <= 0 && !windowFirst {
		w = terminalWidth(f)
	}
	if w <= 0 {
		return DefaultWidth
	}
	return min(max(w, minWidth), maxWidth)
}

// columnsWidth reads the COLUMNS variable: a positive decimal number, else 0.
func columnsWidth(v string) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return 0
	}
	return n
}
