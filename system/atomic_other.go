//go:build !windows

package system

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// openOwnFD opens, for writing, a descriptor the process already holds when path names it
// (/dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N) and it is not a regular file or a
// folder: a pipe, a socket or a terminal. The link behind such a path reads "pipe:[N]" or
// "socket:[N]", not a path (proc(5): /proc/[pid]/fd), so it cannot be followed as text, and
// a socket cannot be opened again through /proc at all (open(2) fails with ENXIO); the
// descriptor itself is written to, through a duplicate so that closing it keeps the
// process's own. ok is false for any other path.
func openOwnFD(path string) (f *os.File, fi os.FileInfo, ok bool, err error) {
	fd := -1
	switch p := filepath.Clean(path); {
	case p == "/dev/stdout":
		fd = 1
	case p == "/dev/stderr":
		fd = 2
	case strings.HasPrefix(p, "/dev/fd/"), strings.HasPrefix(p, "/proc/self/fd/"):
		n, err := strconv.Atoi(p[strings.LastIndexByte(p, '/')+1:])
		if err != nil || n < 0 {
			return nil, nil, false, nil
		}
		fd = n
	default:
		return nil, nil, false, nil
	}
	var st syscall.Stat_t
	if syscall.Fstat(fd, &st) != nil {
		return nil, nil, false, nil
	}
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFREG, syscall.S_IFDIR:
		return nil, nil, false, nil
	}
	d, err := syscall.Dup(fd)
	if err != nil {
		return nil, nil, true, err
	}
	f = os.NewFile(uintptr(d), path)
	fi, err = f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, true, err
	}
	return f, fi, true, nil
}
