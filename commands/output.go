package commands

import (
	"bufio"
	"ccproxy/model"
	"ccproxy/system"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/rs/zerolog"
)

// setupLog builds the stderr logger from the global flags.
func (e *Env) setupLog() {
	g := e.Globals
	level, err := zerolog.ParseLevel(g.LogLevel)
	if err != nil || g.LogLevel == "" {
		level = zerolog.WarnLevel
	}
	format := g.LogFormat
	if format == "" || format == "auto" {
		format = "json"
		if e.StderrIsTerminal {
			format = "console"
		}
	}
	var w io.Writer = e.Stderr
	if format == "console" {
		w = zerolog.ConsoleWriter{Out: e.Stderr, NoColor: !e.StderrIsTerminal, PartsOrder: []string{zerolog.LevelFieldName, zerolog.MessageFieldName}, FormatLevel: func(i any) string {
			return "ccproxy: " + fmt.Sprint(i) + ":"
		}}
	}
	e.Log = zerolog.New(w).Level(level).With().Timestamp().Logger()
}

// Emit writes a document to stdout or, with --output, to a file atomically.
func (e *Env) Emit(doc any) error {
	b, err := model.MarshalDocument(doc, e.Globals.Compress)
	if err != nil {
		return err
	}
	return e.emitFormatted(b)
}

// emitFormatted writes output already formatted (a document, one Intune line, a text list,
// JSON Lines) to stdout, or to --output atomically.
func (e *Env) emitFormatted(b []byte) error {
	e.logDecision(b)
	return e.write(b)
}

// write puts output on stdout, or in --output atomically.
func (e *Env) write(b []byte) error {
	if e.Globals.Output == "" {
		_, err := e.Stdout.Write(b)
		return err
	}
	return WriteFileAtomic(e.Globals.Output, 0o644, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// WriteFileAtomic writes through a temporary file in the same folder and renames it, so a
// reader never sees half a document and a failure leaves the old file in place. write fills
// the file through a buffer, so streamed output need not be held in memory.
func WriteFileAtomic(path string, perm os.FileMode, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return &model.EnvError{Msg: fmt.Sprintf("--output %s: cannot create a file in %s: %v", path, dir, system.PathCause(err))}
	}
	name := tmp.Name()
	defer os.Remove(name)
	bw := bufio.NewWriterSize(tmp, 64<<10)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && runtime.GOOS != "windows" {
		err = os.Chmod(name, perm)
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		return &model.EnvError{Msg: fmt.Sprintf("--output %s: %v", path, system.PathCause(err))}
	}
	return nil
}

// resultError is a run whose document on stdout already says what was found (a failed
// check, differences, a plan with changes, findings that failed): exit 1, nothing logged.
type resultError struct{ msg string }

func (e resultError) Error() string { return e.msg }
func (resultError) ExitCode() int   { return model.ExitFound }
func (resultError) Quiet() bool     { return true }
