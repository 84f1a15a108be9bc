package system

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"ccproxy/model"
)

// StateDir is ccproxy's machine-wide folder for the apply lock and backups:
// %ProgramData%\ccproxy on Windows; $XDG_STATE_HOME/ccproxy or ~/.local/state/ccproxy elsewhere.
func StateDir(getenv func(string) string) (string, error) {
	if runtime.GOOS == "windows" {
		pd := getenv("ProgramData")
		if pd == "" {
			pd = `C:\ProgramData`
		}
		return filepath.Join(pd, "ccproxy"), nil
	}
	if x := getenv("XDG_STATE_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "ccproxy"), nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", &EnvError{Msg: "cannot find a folder for backups: neither XDG_STATE_HOME nor HOME is set; hint: pass --backup-dir"}
	}
	return filepath.Join(home, ".local", "state", "ccproxy"), nil
}

// PrivateDir creates dir and makes it readable only by Administrators and SYSTEM on
// Windows (see privateACL), and by its owner (0700) elsewhere. An existing folder is
// tightened too, since backups may hold a proxy password.
func PrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return privateErr(dir, err)
	}
	if err := privateRestrict(dir, true); err != nil {
		return privateErr(dir, err)
	}
	return nil
}

// WritePrivateFile writes data to dir/name through a temporary file that is synced and
// renamed, so that a crash leaves either no file or the whole one; the file is private as
// PrivateDir says. It returns the file's path.
func WritePrivateFile(dir, name string, data []byte) (string, error) {
	if err := PrivateDir(dir); err != nil {
		return "", err
	}
	final := filepath.Join(dir, name)
	err := WriteFileAtomic(final, WriteOptions{Private: true, NoOverwrite: true, Sync: true}, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
	var we *WriteError
	switch {
	case err == nil:
		return final, nil
	case !errors.As(err, &we):
		return "", privateErr(final, err)
	case we.Op == "exists":
		return "", &EnvError{Msg: fmt.Sprintf("%s already exists; not overwriting a backup", final)}
	}
	return "", privateErr(we.Path, we.Err)
}

func privateErr(path string, err error) error {
	err = PathCause(err)
	if errors.Is(err, os.ErrPermission) {
		return &EnvError{Msg: fmt.Sprintf("cannot write %s: access denied; hint: run from an elevated prompt, or pass --backup-dir", path)}
	}
	return &EnvError{Msg: fmt.Sprintf("cannot write %s: %v", path, err)}
}

// ReadBackupFolder reads the files of a backup folder whose names say they are backups
// (backup-*.json, as apply names them); a folder that does not exist holds none.
func ReadBackupFolder(dir string) ([]model.BackupFile, error) {
	names, err := filepath.Glob(filepath.Join(dir, "backup-*.json"))
	if err != nil {
		return nil, &EnvError{Msg: "--backup-dir " + dir + ": " + err.Error()}
	}
	if _, err := os.Stat(dir); err != nil && !os.IsNotExist(err) {
		return nil, privateErr(dir, err)
	}
	var out []model.BackupFile
	for _, n := range names {
		data, err := ReadFile(n)
		out = append(out, model.BackupFile{Path: n, Data: data, Err: err})
	}
	return out, nil
}
