package system

import (
	"os"
	"sync"
)

// AppendLog is the --output of 'watch': JSON lines appended to a file that outlives the
// process, unlike the atomic --output of the other commands. When a line would take the file
// past MaxBytes, the file is renamed to FILE.1 (replacing an older one) and a new file begun,
// so the log keeps at most about twice MaxBytes.
type AppendLog struct {
	Path     string
	MaxBytes int64
	mu       sync.Mutex
	f        *os.File
	size     int64
}

// OpenAppendLog opens (or creates) the file for appending.
func OpenAppendLog(path string, maxBytes int64) (*AppendLog, error) {
	l := &AppendLog{Path: path, MaxBytes: maxBytes}
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *AppendLog) open() error {
	f, err := os.OpenFile(l.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return &InputError{Input: "--output " + l.Path, Msg: "cannot open for appending: " + PathCause(err).Error() + "; hint: name a file in a folder that exists and that you may write"}
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return &EnvError{Msg: "--output " + l.Path + ": " + PathCause(err).Error()}
	}
	l.f, l.size = f, st.Size()
	return nil
}

// WriteLine appends one line (which ends in a newline), rotating first when it would not fit.
func (l *AppendLog) WriteLine(b []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.MaxBytes > 0 && l.size > 0 && l.size+int64(len(b)) > l.MaxBytes {
		l.f.Close()
		if err := os.Rename(l.Path, l.Path+".1"); err != nil {
			// Windows refuses to replace a file another process holds open: begin again in place.
			_ = os.Remove(l.Path + ".1")
			_ = os.Rename(l.Path, l.Path+".1")
		}
		if err := l.open(); err != nil {
			return err
		}
	}
	n, err := l.f.Write(b)
	l.size += int64(n)
	if err != nil {
		return &EnvError{Msg: "--output " + l.Path + ": " + PathCause(err).Error()}
	}
	return nil
}

// Close closes the file.
func (l *AppendLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}
