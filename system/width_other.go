//go:build !unix && !windows

package system

import "os"

const windowFirst = false

// terminalWidth is unknown on systems with neither a Unix terminal nor a Windows console.
func terminalWidth(*os.File) int { return 0 }
