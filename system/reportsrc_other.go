//go:build !unix

package system

import "os"

// openNoWait opens a file for reading. Outside Unix a folder holds no FIFO that open could
// wait on (a Windows named pipe lives in \\.\pipe\, never in a folder).
func openNoWait(path string) (*os.File, error) { return os.Open(path) }
