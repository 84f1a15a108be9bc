// Package commands holds one file per ccproxy command: its flags and a Run method. The domain
// logic lives in model, the machine in system; commands only connect them to the CLI.
package commands

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kong"
	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"ccproxy/jsonin"
	"ccproxy/model"
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
	// ConsoleWidth is the number of columns text output fits (system.ConsoleWidth of stdout);
	// nil means COLUMNS or 80.
	ConsoleWidth func() int
	Build        BuildInfo
	Globals      *Globals
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
		e.ConsoleWidth = func() int { return system.ConsoleWidth(f, e.Getenv) }
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
	Test        TestCmd        `cmd:"" help:"Check the state against the Cloud Connector proxy requirements R1-R8 (ccproxy/test@1); exit 1 when not compliant or incomplete."`
	Check       CheckCmd       `cmd:"" help:"Probe the Citrix Cloud endpoints through the route WinHTTP would take, stage by stage (ccproxy/check@1); exit 1 when one is unreachable or intercepted."`
	Route       RouteCmd       `cmd:"" help:"Say whether WinHTTP would send each URL through the proxy, and why (ccproxy/route@1)."`
	Endpoints   EndpointsCmd   `cmd:"" help:"List the addresses a Cloud Connector must reach, per region (ccproxy/endpoints@1)."`
	IntuneRules IntuneRulesCmd `cmd:"" name:"intune-rules" help:"Print the Intune custom compliance rules that match 'test --format intune'."`
	Scripts     ScriptsCmd     `cmd:"" help:"Write the deployment scripts of a channel (configmgr, intune, gpo) with the desired state and internal resources written in, ready to sign."`
	Dsc         DscCmd         `cmd:"" name:"dsc" help:"Microsoft DSC v3 resource CCProxy/ProxySettings: manifest, schema, get, test, set, export (DSC's JSON Lines; exit 0 whenever the operation ran)."`
	Watch       WatchCmd       `cmd:"" help:"Wait for changes to the proxy settings (Windows registry notifications, no polling) and report each as a ccproxy/event@1 JSON line and in the Event Log; Ctrl+C stops."`
	Service     ServiceCmd     `cmd:"" help:"Run watch as a Windows service: install (--desired FILE [--heal]), uninstall, status (ccproxy/service@1)."`
	Report      ReportCmd      `cmd:"" help:"Summarise the state, test and check documents collected from a fleet (ccproxy/report@1; --jsonl or --format csv for one row per machine)."`
}

// exitCoder is implemented by errors that decide the process exit code.
type exitCoder interface{ ExitCode() int }

// Main parses args, runs the command and returns the exit code.
func Main(env *Env, args []string) int {
	if len(args) == 0 {
		// No command is a usage error; the top help, on stderr, shows where to start.
		help := *env
		help.Stdout = env.Stderr
		Main(&help, []string{"--help"})
		env.Globals = help.Globals
		env.setupLog()
		env.Log.Error().Msg("no command given; hint: start with 'ccproxy test', as the help above shows")
		return model.ExitBadInput
	}
	args = helpArgs(args)
	parser, err := newParser(env, args)
	if err != nil {
		fmt.Fprintf(env.Stderr, "ccproxy: %v\n", err)
		return model.ExitEnvironment
	}
	return env.run(parser, foldEnumValues(versionFlag(args)))
}

// newParser builds kong's parser for args: the global flags and the commands args need.
func newParser(env *Env, args []string) (*kong.Kong, error) {
	var cli CLI
	var root rootCLI
	env.Globals = &root.Globals
	options := append([]kong.Option{
		kong.Name("ccproxy"),
		kong.Description(topHelp),
		kong.Writers(env.Stdout, env.Stderr),
		kong.Exit(func(code int) { panic(kongExit{code}) }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.Help(printHelp),
		kong.Bind(env),
	}, commandOptions(&cli, args)...)
	parser, err := kong.New(&root, options...)
	if err != nil {
		return nil, err
	}
	setDetails(parser.Model)
	return parser, nil
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
		env.setupLogFor(args)
		env.Log.Error().Msg(oneLine(model.RedactCredentials(fmt.Sprintf("internal error: %v; hint: rerun with --log-level debug and report it", r))))
		code = model.ExitEnvironment
	}()
	if emptyOutput(args) {
		env.setupLogFor(args)
		env.Log.Error().Msg("--output: empty file name; hint: name a file, e.g. --output state.json, or leave --output out to write to stdout")
		return model.ExitBadInput
	}
	ctx, err := parser.Parse(args)
	env.setupLogFor(args)
	if err != nil {
		// Usage errors: unknown flag, missing argument, bad enum value.
		env.Log.Error().Msg(oneLine(model.RedactCredentials(err.Error())) + "; " + helpHint(err))
		return model.ExitBadInput
	}
	env.Log.Debug().Str("command", ctx.Command()).Str("args", redactArgs(args)).Msg("started")
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

// oneLine keeps a message on one line: line breaks and other controls that came from input
// (a file name, a value) are shown as escapes (jsonin.Visible), never acted on.
func oneLine(s string) string { return jsonin.Visible(strings.TrimSpace(s)) }

// redactArgs is the command line for the debug log. A flag's value or an argument that holds
// an '@' is redacted as one proxy entry, up to its last '@' (jsonin.RedactProxyEntry): an
// argument is one value whatever it contains, so a password with a space or a ';'
// ("--proxy 'u:pa ss@h:8080'") is hidden whole, where the free-text rule would stop at the
// space.
func redactArgs(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		prefix := ""
		if strings.HasPrefix(a, "-") {
			if k := strings.IndexByte(a, '='); k >= 0 {
				prefix, a = a[:k+1], a[k+1:]
			}
		}
		a = prefix + jsonin.RedactProxyEntry(a)
		if a == "" || strings.ContainsAny(a, " \t\"") {
			a = strconv.Quote(a)
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}
