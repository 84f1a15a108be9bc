package commands

import (
	"ccproxy/jsonin"
	"ccproxy/model"
	"ccproxy/system"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

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
	var w io.Writer = safeJSONLog{e.Stderr}
	if format == "console" {
		w = zerolog.ConsoleWriter{Out: e.Stderr, NoColor: !e.StderrIsTerminal, PartsOrder: []string{zerolog.LevelFieldName, zerolog.MessageFieldName}, FormatLevel: func(i any) string {
			return "ccproxy: " + fmt.Sprint(i) + ":"
		}, FormatMessage: safeLogText, FormatFieldValue: safeLogText, FormatErrFieldValue: safeLogText}
	}
	e.Log = zerolog.New(w).Level(level).With().Timestamp().Logger()
}

// Every log line passes the credential redactor and shows the controls of input as escapes,
// whoever wrote the message: a file name, a host or a proxy from input can hold ESC
// sequences or bidi controls (ECMA-48; CVE-2021-42574) that would act on the terminal.

// safeLogText renders a message or field value of a console log line: redacted, controls
// and bidi characters visible, non-ASCII as \u escapes so it survives any code page.
func safeLogText(i any) string {
	if i == nil {
		return ""
	}
	return jsonin.ASCII(jsonin.Visible(model.RedactCredentials(fmt.Sprint(i))))
}

// safeJSONLog writes JSON log lines (zerolog writes one event per Write) with every string
// redacted and every non-ASCII character escaped: zerolog escapes C0 controls but passes C1
// and bidi controls through as UTF-8.
type safeJSONLog struct{ w io.Writer }

func (s safeJSONLog) Write(p []byte) (int, error) {
	if _, err := s.w.Write([]byte(jsonin.ASCII(string(jsonin.RedactJSON(p))))); err != nil {
		return 0, err
	}
	return len(p), nil
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
	return writeOutput(e.Globals.Output, 0o644, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// writeOutput writes --output atomically (system.WriteFileAtomic): a reader never sees half
// a document and a failure leaves the old file in place.
func writeOutput(path string, perm os.FileMode, write func(io.Writer) error) error {
	return outputError(path, system.WriteFileAtomic(path, system.WriteOptions{Perm: perm}, write))
}

// outputError maps a failed --output write to its exit code: what the path names (a folder, a
// socket, a missing folder, a link loop) is bad usage (exit 2), anything else (access denied,
// a full disk) the environment's (exit 3).
func outputError(path string, err error) error {
	var we *system.WriteError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &we) && we.Op == "kind":
		return &model.InputError{Input: "--output " + path, Msg: we.Err.Error()}
	case errors.As(err, &we) && we.Op == "create" && (errors.Is(we.Err, system.ErrNoFolder) || errors.Is(we.Err, fs.ErrNotExist) && !exists(we.Path)):
		return &model.InputError{Input: "--output " + path, Msg: fmt.Sprintf("cannot create a file in %s: %v; hint: create the folder, or name a file in a folder that exists", we.Path, we.Err)}
	case errors.As(err, &we) && we.Op == "create":
		return &model.EnvError{Msg: fmt.Sprintf("--output %s: cannot create a file in %s: %v", path, we.Path, we.Err)}
	case errors.As(err, &we):
		return &model.EnvError{Msg: fmt.Sprintf("--output %s: %v", path, we.Err)}
	}
	return &model.EnvError{Msg: fmt.Sprintf("--output %s: %v", path, system.PathCause(err))}
}

// resultError is a run whose document on stdout already says what was found (a failed
// check, differences, a plan with changes, findings that failed): exit 1, nothing logged.
type resultError struct{ msg string }

func (e resultError) Error() string { return e.msg }
func (resultError) ExitCode() int   { return model.ExitFound }
func (resultError) Quiet() bool     { return true }

// setupLogFor sets up the logger for a run of args: under 'dsc' its errors, usage errors
// included, are DSC's trace lines, which DSC shows as the resource's error.
func (e *Env) setupLogFor(args []string) {
	e.setupLog()
	if firstCommand(args) == "dsc" {
		e.dscSetupLog()
	}
}

// exists is whether path names something (a folder that refused a new file exists).
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
