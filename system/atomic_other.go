//go:build !windows

package system

import (
	"os"
	"syscall"
)

// replaceFile gives the written temporary file the path's name; on POSIX a rename replaces
// the old file atomically (rename(2)), and the mode and owner were copied before.
func replaceFile(tmp, path string) error { return os.Rename(tmp, path) }

// keepOwner gives tmp the owner and group of the file it replaces, when the process may
// (root); otherwise the writer owns it, as with any file it creates.
func keepOwner(tmp string, existing os.FileInfo) {
	if st, ok := existing.Sys().(*syscall.Stat_t); ok && (int(st.Uid) != os.Geteuid() || int(st.Gid) != os.Getegid()) {
		_ = os.Chown(tmp, int(st.Uid), int(st.Gid))
	}
}
