// Package commands holds one file per ccproxy command: its flags and a Run method. The domain
// logic lives in model, the machine in system; commands only connect them to the CLI.
package commands

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"time"
	"unicode"

	"github.com/alecthomas/kong"
	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"ccproxy/model"
	"ccproxy/model/jsonin"
	"ccproxy/system"
)

// BuildInfo is stamped into the binary at build time.
type BuildInfo struct{ Version, Commit, Date string }

// Env is what commands get from the outside world. Tests replace any part of it.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Log            zerolog.Logger
	Now            func() time.Time
	Getenv         func(string) string
	Hostname       func() (string, error)
	// OpenLive opens the live registry; on other systems it returns an environment error.
	OpenLive func() (system.Writer, error)
	// ShowAdvproxy runs 'netsh winhttp show advproxy' for the live system's advanced
	// WinHTTP settings; nil means the system's own netsh.
	ShowAdvproxy system.AdvancedRunner
	// StderrIsTerminal enables progress output.
	StderrIsTerminal bool
	// StdoutIsTerminal makes --format auto write text.
	StdoutIsTerminal bool
	Build            BuildInfo
	Globals          *Globals
}

// NewEnv wires the real process.
func NewEnv(stdin io.Reader, stdout, stderr io.Writer) *Env {
	e := &Env{
		Stdin: stdin, Stdout: stdout, Stderr: stderr,
		Now:      time.Now,
		Getenv:   os.Getenv,
		Hostname: os.Hostname,
		OpenLive: func() (system.Writer, error) { return system.OpenLive(system.LiveOptions{}) },
	}
	if f, ok := stderr.(*os.File); ok {
		e.StderrIsTerminal = isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
	}
	if f, ok := stdout.(*os.File); ok {
		e.StdoutIsTerminal = isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
	}
	if f, ok := stdin.(*os.File); ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		e.Stdin = &terminalStdin{r: stdin, w: stderr}
	}
	return e
}

// Globals are the flags every command takes.
type Globals struct {
	LogLevel  string `help:"Log level on stderr: trace, debug, info, warn, error." default:"warn" enum:"trace,debug,info,warn,error" name:"log-level"`
	LogFormat string `help:"Log format: auto (console on a terminal, JSON otherwise), console, json." default:"auto" enum:"auto,console,json" name:"log-format"`
	Compress  bool   `help:"Write the JSON document on one line."`
	Output    string `help:"Write the document to FILE (atomically, UTF-8 without BOM) instead of stdout." placeholder:"FILE" type:"path"`
	NoColor   bool   `name:"no-color" help:"No colour in text output (also NO_COLOR=1)."`
}

// CLI is the whole command line.
type CLI struct {
	Globals

	Get         GetCmd         `cmd:"" help:"Read the current WinINet and WinHTTP proxy state (ccproxy/state@1)."`
	Schema      SchemaCmd      `cmd:"" help:"Print the JSON Schema of a document."`
	Version     VersionCmd     `cmd:"" help:"Print version, commit, Go version and OS/arch (ccproxy/version@1)."`
	Diff        DiffCmd        `cmd:"" help:"Compare two state or desired documents, B defaulting to the live state (ccproxy/diff@1); exit 1 when they differ."`
	Plan        PlanCmd        `cmd:"" help:"Compute the registry changes that reach a desired state (ccproxy/plan@1)."`
	Apply       ApplyCmd       `cmd:"" help:"Apply a plan: lock, stale check, backup, write, read back, roll back on failure (ccproxy/apply@1)."`
	Restore     RestoreCmd     `cmd:"" help:"Put back the exact bytes of a backup, through the same path as apply (ccproxy/apply@1)."`
	Backups     BackupsCmd     `cmd:"" help:"List the backups apply made, newest first (ccproxy/backups@1)."`
	Test        TestCmd        `cmd:"" help:"Check the state against the Cloud Connector proxy requirements R1-R8 (ccproxy/test@1); exit 1 when not compliant."`
	Check       CheckCmd       `cmd:"" help:"Probe the Citrix Cloud endpoints through the route WinHTTP would take, stage by stage (ccproxy/check@1); exit 1 when one is unreachable or intercepted."`
	Route       RouteCmd       `cmd:"" help:"Say whether WinHTTP would send each URL through the proxy, and why (ccproxy/route@1)."`
	Endpoints   EndpointsCmd   `cmd:"" help:"List the addresses a Cloud Connector must reach, per region (ccproxy/endpoints@1)."`
	IntuneRules IntuneRulesCmd `cmd:"" name:"intune-rules" help:"Print the Intune custom compliance rules that match 'test --format intune'."`
	Dsc         DscCmd         `cmd:"" name:"dsc" help:"Microsoft DSC v3 resource CCProxy/ProxySettings: manifest, schema, get, test, set, export (DSC's JSON Lines; exit 0 whenever the operation ran)."`
	Report      ReportCmd      `cmd:"" help:"Summarise the state, test and check documents collected from a fleet (ccproxy/report@1; --jsonl or --format csv for one row per machine)."`
}

// exitCoder is implemented by errors that decide the process exit code.
type exitCoder interface{ ExitCode() int }

// rootCLI is what kong parses: the global flags, with the commands of CLI added by
// commandOptions.
type rootCLI struct{ Globals }

// commandOptions registers the commands of CLI with kong. When args name a command, only that
// one is registered: kong builds its model of every flag of every command it is given, which
// cost more than a whole 'get' does, and one command's flags are all a run needs. Help and
// unknown commands get all of them.
func commandOptions(cli *CLI, args []string) []kong.Option {
	v := reflect.ValueOf(cli).Elem()
	t := v.Type()
	wanted := firstCommand(args)
	var all []kong.Option
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if _, ok := f.Tag.Lookup("cmd"); !ok {
			continue
		}
		name := f.Tag.Get("name")
		if name == "" {
			name = dashed(f.Name)
		}
		opt := kong.DynamicCommand(name, f.Tag.Get("help"), f.Tag.Get("group"), v.Field(i).Addr().Interface())
		if name == wanted {
			return []kong.Option{opt}
		}
		all = append(all, opt)
	}
	return all
}

// firstCommand is the first argument that is not a global flag or a global flag's value.
func firstCommand(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return ""
		case a == "--log-level" || a == "--log-format" || a == "--output":
			i++
		case strings.HasPrefix(a, "-"):
		default:
			return a
		}
	}
	return ""
}

// dashed is kong's command name for a field: IntuneRules -> intune-rules.
func dashed(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Main parses args, runs the command and returns the exit code.
func Main(env *Env, args []string) int {
	var cli CLI
	var root rootCLI
	env.Globals = &root.Globals
	options := append([]kong.Option{
		kong.Name("ccproxy"),
		kong.Description("Make the proxy settings of Citrix Cloud Connector machines correct, visible and provable."),
		kong.Writers(env.Stdout, env.Stderr),
		kong.Exit(func(code int) { panic(kongExit{code}) }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.Bind(env),
	}, commandOptions(&cli, args)...)
	parser, err := kong.New(&root, options...)
	if err != nil {
		fmt.Fprintf(env.Stderr, "ccproxy: %v\n", err)
		return model.ExitEnvironment
	}
	return env.run(parser, foldEnumValues(versionFlag(args)))
}

// versionFlag turns 'ccproxy --version' (with no command) into 'ccproxy version', as most
// command-line tools accept both.
func versionFlag(args []string) []string {
	if firstCommand(args) != "" {
		return args
	}
	out := make([]string, 0, len(args))
	found := false
	for _, a := range args {
		if a == "--version" && !found {
			found = true
			continue
		}
		out = append(out, a)
	}
	if !found {
		return args
	}
	return append(out, "version")
}

// emptyOutput reports an --output flag given an empty value ('--output=' or --output ""),
// which kong would otherwise turn into the current folder.
func emptyOutput(args []string) bool {
	for i, a := range args {
		if a == "--" {
			return false
		}
		if a == "--output=" || (a == "--output" && i+1 < len(args) && args[i+1] == "") {
			return true
		}
	}
	return false
}

// helpHint names the help of the command a usage error is about: 'ccproxy plan --help',
// 'ccproxy dsc set --help', or the top level's when no command was recognised.
func helpHint(err error) string {
	words := []string{"ccproxy"}
	var pe *kong.ParseError
	if errors.As(err, &pe) && pe.Context != nil {
		for _, p := range pe.Context.Path {
			if p.Command != nil {
				words = append(words, p.Command.Name)
			}
		}
	}
	return "see '" + strings.Join(words, " ") + " --help'"
}

// checkOutput refuses an --output that names a folder before anything runs, so the command
// changes nothing and says which flag is wrong.
func checkOutput(path string) error {
	if path == "" {
		return nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return &model.InputError{Input: "--output " + path, Msg: "is a directory; hint: name a file in it, e.g. --output " + filepath.Join(path, "state.json")}
	}
	return nil
}

// kongExit carries the code kong exits with (after --help) out of its parse.
type kongExit struct{ code int }

func (env *Env) run(parser *kong.Kong, args []string) (code int) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if e, ok := r.(kongExit); ok {
			code = e.code
			return
		}
		// A bug must still end in one line and an exit code a script can handle.
		env.setupLog()
		env.Log.Error().Msg(oneLine(model.RedactCredentials(fmt.Sprintf("internal error: %v; hint: rerun with --log-level debug and report it", r))))
		code = model.ExitEnvironment
	}()
	if emptyOutput(args) {
		env.setupLog()
		env.Log.Error().Msg("--output: empty file name; hint: name a file, e.g. --output state.json, or leave --output out to write to stdout")
		return model.ExitBadInput
	}
	ctx, err := parser.Parse(args)
	env.setupLog()
	if err != nil {
		// Usage errors: unknown flag, missing argument, bad enum value.
		env.Log.Error().Msg(oneLine(err.Error()) + "; " + helpHint(err))
		return model.ExitBadInput
	}
	env.Log.Debug().Str("command", ctx.Command()).Str("args", model.RedactCredentials(strings.Join(args, " "))).Msg("started")
	if err := checkOutput(env.Globals.Output); err != nil {
		return env.fail(err)
	}
	if err := ctx.Run(env); err != nil {
		return env.fail(err)
	}
	return 0
}

func (e *Env) fail(err error) int {
	code := model.ExitEnvironment
	var ec exitCoder
	if errors.As(err, &ec) {
		code = ec.ExitCode()
	}
	var quiet interface{ Quiet() bool }
	if errors.As(err, &quiet) && quiet.Quiet() {
		// Drift and non-compliance are results, already in the document on stdout.
		return code
	}
	e.Log.Error().Msg(jsonin.ASCII(oneLine(model.RedactCredentials(err.Error()))))
	return code
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

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
		return &model.EnvError{Msg: fmt.Sprintf("--output %s: cannot create a file in %s: %v", path, dir, unwrapPathError(err))}
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
		return &model.EnvError{Msg: fmt.Sprintf("--output %s: %v", path, unwrapPathError(err))}
	}
	return nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
