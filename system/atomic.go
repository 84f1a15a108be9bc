package system

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// WriteOptions say how WriteFileAtomic writes.
type WriteOptions struct {
	// Perm is the file's mode on POSIX systems (0: CreateTemp's 0600).
	Perm os.FileMode
	// Private makes the file readable by Administrators and SYSTEM only on Windows, and by
	// its owner only elsewhere, before any byte is written.
	Private bool
	// NoOverwrite refuses to replace an existing file.
	NoOverwrite bool
	// Sync flushes the file to disk before it takes its name.
	Sync bool
}

// WriteError says which step of an atomic write failed: create (the temporary file in the
// folder), write (filling, syncing or closing it), exists (NoOverwrite found a file), kind
// (the path names something that is neither a file nor writable in place: a folder, a
// socket), or rename (giving it its name). Err is the cause without the path.
type WriteError struct {
	Op, Path string
	Err      error
}

func (e *WriteError) Error() string {
	if e.Op == "exists" {
		return e.Path + " already exists"
	}
	return fmt.Sprintf("cannot write %s: %v", e.Path, e.Err)
}

func (e *WriteError) Unwrap() error { return e.Err }

// WriteFileAtomic writes through a temporary file in the same folder and renames it, so a
// reader never sees half a file and a failure leaves the old file in place. write fills the
// file through a buffer, so streamed output need not be held in memory. It is the one file
// writer: --output documents and the private backups both go through it.
//
// Only a regular file is replaced. A path that names something else that can be opened for
// writing - a FIFO, a character device such as /dev/null, /dev/stdout or Windows' NUL - is
// written to directly, as a shell's '>' would: replacing it would turn /dev/null into a
// regular file (as root) or leave a pipe's reader waiting forever. An existing file keeps
// its mode (never widened: 0600 stays 0600) and, where the process may, its owner; on
// Windows it is replaced with ReplaceFileW, which keeps its ACL, attributes and identity.
//
// A symbolic link is followed (unless the file is Private, whose folder no link may lead out
// of): its target is replaced, by the rules above, and the link stays, as a shell's '>' writes
// through it (POSIX open(2) without O_NOFOLLOW). A link whose target does not exist yet has
// that target created.
func WriteFileAtomic(path string, o WriteOptions, write func(io.Writer) error) error {
	if o.NoOverwrite {
		if _, err := os.Lstat(path); err == nil {
			return &WriteError{Op: "exists", Path: path}
		}
	}
	if !o.Private {
		// A descriptor of the process's own (/dev/stdout into a pipe) and a link whose
		// target is a pipe or a device are written through, not followed as text: the link
		// behind /proc/self/fd/1 reads "pipe:[N]", which is no path.
		if f, fi, ok, err := openOwnFD(path); ok {
			if err != nil {
				return &WriteError{Op: "write", Path: path, Err: PathCause(err)}
			}
			return writeInto(f, path, fi, write)
		}
		if fi, err := os.Stat(path); err == nil && fi.Mode()&(os.ModeNamedPipe|os.ModeCharDevice) != 0 {
			return writeSpecial(path, fi, write)
		}
		target, err := FollowLinks(path)
		if err != nil {
			return &WriteError{Op: "kind", Path: path, Err: err}
		}
		path = target
	}
	existing, statErr := os.Stat(path)
	if statErr == nil && !existing.Mode().IsRegular() {
		if err := kindError(path, existing); err != nil {
			return err
		}
		return writeSpecial(path, existing, write)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return &WriteError{Op: "create", Path: dir, Err: PathCause(err)}
	}
	name := tmp.Name()
	defer os.Remove(name)
	if o.Private {
		if err := privateRestrict(name, false); err != nil {
			tmp.Close()
			return &WriteError{Op: "write", Path: name, Err: PathCause(err)}
		}
	}
	bw := bufio.NewWriterSize(tmp, 64<<10)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && o.Sync {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && !o.Private && runtime.GOOS != "windows" {
		switch {
		case statErr == nil:
			// The file keeps its mode, also when it is narrower than Perm, and its owner
			// when the process may give it (root writing a user's file).
			err = os.Chmod(name, existing.Mode().Perm())
			keepOwner(name, existing)
		case o.Perm != 0:
			err = os.Chmod(name, o.Perm)
		}
	}
	if err != nil {
		return &WriteError{Op: "write", Path: name, Err: PathCause(err)}
	}
	if o.NoOverwrite {
		if _, err := os.Lstat(path); err == nil {
			return &WriteError{Op: "exists", Path: path}
		}
	}
	if statErr == nil && !o.Private {
		if err := replaceFile(name, path); err != nil {
			return &WriteError{Op: "rename", Path: path, Err: PathCause(err)}
		}
		return nil
	}
	if err := os.Rename(name, path); err != nil {
		return &WriteError{Op: "rename", Path: path, Err: PathCause(err)}
	}
	return nil
}

// writeSpecial writes to a FIFO or a character device in place: opened for writing, never
// created or truncated (a device has nothing to truncate, and O_TRUNC on a FIFO is ignored
// anyway). A block device (a disk: a document written there as root destroys what it holds),
// a socket or anything else is refused with what it is.
func writeSpecial(path string, fi os.FileInfo, write func(io.Writer) error) error {
	if err := kindError(path, fi); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return &WriteError{Op: "write", Path: path, Err: PathCause(err)}
	}
	return writeInto(f, path, fi, write)
}

// writeInto fills an open pipe, device or (a descriptor of the process's own) socket and
// closes it.
func writeInto(f *os.File, path string, fi os.FileInfo, write func(io.Writer) error) error {
	bw := bufio.NewWriterSize(f, 64<<10)
	err := write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return &WriteError{Op: "write", Path: path, Err: PathCause(err)}
	}
	return nil
}

// kindError refuses what WriteFileAtomic never writes: a folder, a block device, a socket.
func kindError(path string, fi os.FileInfo) error {
	switch {
	case fi.Mode().IsRegular() || fi.Mode()&(os.ModeNamedPipe|os.ModeCharDevice) != 0:
		return nil
	case fi.IsDir():
		return &WriteError{Op: "kind", Path: path, Err: errors.New("is a folder; name a file")}
	}
	return &WriteError{Op: "kind", Path: path, Err: fmt.Errorf("is a %s; name a file, a pipe or a character device such as %s", fileKind(fi.Mode()), os.DevNull)}
}

// ErrNoFolder is a file to write whose folder does not exist or is a file.
var ErrNoFolder = errors.New("no such folder")

// CheckWriteTarget says, before anything runs, whether WriteFileAtomic (not Private) would
// refuse path for what it names: a link loop, a folder, a block device or a socket (Op
// "kind"), or a file whose folder does not exist (Op "create", Err ErrNoFolder). A path
// it cannot look at (access denied) passes: the write then says why.
func CheckWriteTarget(path string) error {
	if f, _, ok, err := openOwnFD(path); ok {
		if err != nil {
			return &WriteError{Op: "write", Path: path, Err: PathCause(err)}
		}
		f.Close()
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode()&(os.ModeNamedPipe|os.ModeCharDevice) != 0 {
		return nil
	}
	target, err := FollowLinks(path)
	if err != nil {
		return &WriteError{Op: "kind", Path: path, Err: err}
	}
	fi, err := os.Stat(target)
	if err == nil {
		return kindError(target, fi)
	}
	if errors.Is(err, fs.ErrPermission) {
		return nil
	}
	// ENOENT, or ENOTDIR when a component of the folder is a file.
	dir := filepath.Dir(target)
	d, err := os.Stat(dir)
	switch {
	case err == nil && d.IsDir(), errors.Is(err, fs.ErrPermission):
		return nil
	case err == nil:
		return &WriteError{Op: "create", Path: dir, Err: fmt.Errorf("%w: it is a file", ErrNoFolder)}
	}
	return &WriteError{Op: "create", Path: dir, Err: fmt.Errorf("%w: it does not exist", ErrNoFolder)}
}

func fileKind(m os.FileMode) string {
	switch {
	case m&os.ModeDevice != 0:
		return "block device"
	case m&os.ModeSocket != 0:
		return "socket"
	}
	return "special file"
}

// maxLinks is how many symbolic links FollowLinks follows: Linux's MAXSYMLINKS
// (path_resolution(7): "a maximum of 40 symbolic links"), past which open(2) fails with ELOOP.
const maxLinks = 40

// FollowLinks is the path a write to path reaches: path itself unless it is a symbolic link,
// else the link's target, followed link by link (a relative target is read from the link's
// folder). Unlike filepath.EvalSymlinks it also resolves a link whose target does not exist
// yet, which a write then creates.
func FollowLinks(path string) (string, error) {
	for i := 0; i <= maxLinks; i++ {
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			return path, nil
		}
		t, err := os.Readlink(path)
		if err != nil {
			return "", PathCause(err)
		}
		if !filepath.IsAbs(t) {
			t = filepath.Join(filepath.Dir(path), t)
		}
		path = t
	}
	return "", fmt.Errorf("more than %d symbolic links in a row (a loop?); name the file itself", maxLinks)
}
