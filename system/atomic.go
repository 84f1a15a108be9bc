package system

import (
	"bufio"
	"fmt"
	"io"
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
// folder), write (filling, syncing or closing it), exists (NoOverwrite found a file), or
// rename (giving it its name). Err is the cause without the path.
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
func WriteFileAtomic(path string, o WriteOptions, write func(io.Writer) error) error {
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
	if err == nil && !o.Private && o.Perm != 0 && runtime.GOOS != "windows" {
		err = os.Chmod(name, o.Perm)
	}
	if err != nil {
		return &WriteError{Op: "write", Path: name, Err: PathCause(err)}
	}
	if o.NoOverwrite {
		if _, err := os.Lstat(path); err == nil {
			return &WriteError{Op: "exists", Path: path}
		}
	}
	if err := os.Rename(name, path); err != nil {
		return &WriteError{Op: "rename", Path: path, Err: PathCause(err)}
	}
	return nil
}
