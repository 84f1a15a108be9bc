package commands

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"ccproxy/model"
	"ccproxy/model/dscres"
	"ccproxy/model/jsonin"
	"ccproxy/system"
)

// DscCmd is the Microsoft DSC v3 resource CCProxy/ProxySettings. Its subcommands follow
// DSC's contract rather than ccproxy's: JSON Lines on stdout, exit 0 whenever the
// operation ran (drift is in the JSON), and stderr lines that DSC parses, at the level
// DSC asks for in DSC_TRACE_LEVEL.
type DscCmd struct {
	Manifest DscManifestCmd `cmd:"" help:"Print the resource manifest (shipped as ccproxy.dsc.resource.json beside ccproxy.exe)."`
	Schema   DscSchemaCmd   `cmd:"" help:"Print the JSON Schema of a CCProxy/ProxySettings instance."`
	Get      DscGetCmd      `cmd:"" help:"Print the actual state of the instance: one JSON line."`
	Test     DscTestCmd     `cmd:"" help:"Print the actual state with _inDesiredState, then the differing properties: two JSON lines."`
	Set      DscSetCmd      `cmd:"" help:"Reach the desired state through plan, backup, write and verify, as 'ccproxy apply' does; print the new state and the changed properties: two JSON lines."`
	Export   DscExportCmd   `cmd:"" help:"Print every instance on the machine, one JSON line each: the WinHTTP setting and each user's WinINet settings."`
}

// DscInput is the instance an operation works on.
type DscInput struct {
	Input string `help:"The instance as JSON text. Without it the instance is read from stdin, as DSC passes it." placeholder:"JSON"`
}

// DscSource is where the read-only operations read the state.
type DscSource struct {
	From string `help:"Where to read the state: system (the live registry), a .reg export, a ccproxy state document, or - for stdin (then give the instance with --input)." default:"system" placeholder:"SOURCE"`
}

// DscManifestCmd prints the manifest.
type DscManifestCmd struct{}

func (c *DscManifestCmd) Run(env *Env) error {
	env.dscSetupLog()
	return env.Emit(dscres.NewManifest(env.Build.Version, "ccproxy"))
}

// DscSchemaCmd prints the instance schema.
type DscSchemaCmd struct{}

func (c *DscSchemaCmd) Run(env *Env) error {
	env.dscSetupLog()
	return env.Emit(dscres.InstanceSchema())
}

// DscGetCmd prints the actual state.
type DscGetCmd struct {
	DscInput
	DscSource
}

func (c *DscGetCmd) Run(env *Env) error {
	env.dscSetupLog()
	req, name, err := env.dscRequest(c.DscInput, c.From)
	if err != nil {
		return err
	}
	src, err := env.dscStateSource(c.From, req)
	if err != nil {
		return err
	}
	if err := req.CheckOwner(name, src.state); err != nil {
		return err
	}
	env.dscLogWarnings(src.state.Warnings)
	return env.dscEmit(dscres.Actual(src.state, req))
}

// DscTestCmd compares the actual state with the desired one. The judgement is the plan's:
// the instance is in the desired state when 'ccproxy plan' would change nothing, so a
// test right after a set always agrees with it.
type DscTestCmd struct {
	DscInput
	DscSource
}

func (c *DscTestCmd) Run(env *Env) error {
	env.dscSetupLog()
	req, name, err := env.dscRequest(c.DscInput, c.From)
	if err != nil {
		return err
	}
	if err := needsDesired(req, name); err != nil {
		return err
	}
	src, err := env.dscStateSource(c.From, req)
	if err != nil {
		return err
	}
	if err := req.CheckOwner(name, src.state); err != nil {
		return err
	}
	p, err := model.MakePlan(model.PlanInput{Reader: src.store, State: src.state, Desired: req.Desired, DesiredName: name, Now: env.Now()})
	if err != nil {
		return err
	}
	env.dscLogWarnings(src.state.Warnings)
	env.dscLogWarnings(p.Warnings)
	for _, ch := range p.Changes {
		env.Log.Info().Msg("not in the desired state: " + ch.Reason)
	}
	inst := dscres.Actual(src.state, req)
	inst.InDesiredState = model.Ptr(p.Empty)
	return env.dscEmit(inst, dscres.Diff(dscres.PlanStacks(p)))
}

// DscSetCmd reaches the desired state on the live registry.
type DscSetCmd struct {
	DscInput
	WhatIf bool `name:"what-if" help:"Show the state the resource would reach and the changes, in DSC's what-if form; write nothing."`
	ChangeFlags
}

func (c *DscSetCmd) Run(env *Env) error {
	env.dscSetupLog()
	req, name, err := env.dscRequest(c.DscInput, "system")
	if err != nil {
		return err
	}
	if err := needsDesired(req, name); err != nil {
		return err
	}
	if c.WhatIf {
		return env.dscWhatIf(req, name)
	}
	var planned *model.Plan
	makePlan := func(r model.RegistryReader) (*model.Plan, string, error) {
		w, ok := r.(system.Writer)
		if !ok {
			return nil, "", fmt.Errorf("dsc set: the live registry cannot be written")
		}
		p, err := env.dscPlan(w, req, name)
		planned = p
		return p, "run the set again: the registry changed while it ran", err
	}
	res, err := env.lockedApply(c.ChangeFlags, "apply", makePlan)
	if err != nil {
		return err
	}
	if planned != nil {
		env.dscLogWarnings(planned.Warnings)
	}
	env.dscLogWarnings(res.Warnings)
	var stacks []string
	for _, ch := range res.Changes {
		if ch.Status == "applied" {
			stacks = append(stacks, ch.Target.Stack)
		}
	}
	if planned != nil {
		for _, ch := range planned.Changes {
			env.Log.Info().Msg("changed: " + ch.Reason)
		}
	}
	if res.Backup != nil {
		env.Log.Info().Msgf("applied and verified %s; the values before are in %s", model.Count(len(stacks), "change"), res.Backup.Path)
	} else {
		env.Log.Info().Msg("already in the desired state: nothing written")
	}
	src, err := env.openStateSource("system", nil, req.SourceUser())
	if err != nil {
		return err
	}
	inst := dscres.Actual(src.state, req)
	inst.RebootRequested = model.Ptr(dscres.RebootRequested(stacks))
	return env.dscEmit(inst, dscres.Diff(stacks))
}

// dscPlan reads the state from the registry apply holds locked and plans the instance.
func (env *Env) dscPlan(w system.Writer, req *dscres.Request, name string) (*model.Plan, error) {
	sub := *env
	sub.OpenLive = func() (system.Writer, error) { return w, nil }
	src, err := sub.dscStateSource("system", req)
	if err != nil {
		return nil, err
	}
	if err := req.CheckOwner(name, src.state); err != nil {
		return nil, err
	}
	return model.MakePlan(model.PlanInput{Reader: src.store, State: src.state, Desired: req.Desired, DesiredName: name, Now: env.Now()})
}

// dscWhatIf applies the plan to a copy-on-write view of the live registry, through the same
// apply code with its read-back check, and reports the state that set would leave.
func (env *Env) dscWhatIf(req *dscres.Request, name string) error {
	live, err := env.OpenLive()
	if err != nil {
		return err
	}
	ov := newDscOverlay(live)
	p, err := env.dscPlan(ov, req, name)
	if err != nil {
		return err
	}
	env.dscLogWarnings(p.Warnings)
	if _, err := model.ApplyPlan(ov, p, model.ApplyOptions{
		Now:         env.Now(),
		Reason:      "apply",
		WriteBackup: func(*model.Backup) (string, error) { return "", nil },
	}); err != nil {
		return err
	}
	for _, ch := range p.Changes {
		env.Log.Info().Msg("would change: " + ch.Reason)
	}
	sub := *env
	sub.OpenLive = func() (system.Writer, error) { return ov, nil }
	src, err := sub.openStateSource("system", nil, req.SourceUser())
	if err != nil {
		return err
	}
	stacks := dscres.PlanStacks(p)
	inst := dscres.Actual(src.state, req)
	inst.RebootRequested = model.Ptr(dscres.RebootRequested(stacks))
	return env.dscEmit(inst, dscres.Diff(stacks))
}

// DscExportCmd prints every instance.
type DscExportCmd struct {
	DscInput
	DscSource
}

func (c *DscExportCmd) Run(env *Env) error {
	env.dscSetupLog()
	req, _, err := env.dscRequest(c.DscInput, c.From)
	if err != nil {
		return err
	}
	op, err := system.Open(c.From, env.Stdin, env.OpenLive)
	if err != nil {
		return err
	}
	read := func(user string) (*model.State, error) {
		src, err := env.readStateSource(op, user)
		if err != nil {
			return nil, err
		}
		return src.state, nil
	}
	// One state per WinINet owner: the machine under the policy, each user hive the source
	// holds, or else whoever HKEY_CURRENT_USER is.
	users := []string{""}
	if req.WinINet && model.ValidSID(req.User) {
		users = []string{req.User}
	} else if pol, err := op.Store.ReadValue(model.PolicyKey, model.PolicyPerUserValue); err != nil {
		return err
	} else if n, ok := model.DecodeDWORD(pol); !(ok && n == 0) && len(op.Users) > 0 {
		var withSettings []string
		for _, sid := range op.Users {
			settings, _ := model.WinINetKeys(`HKEY_USERS\` + sid)
			if k, err := op.Store.Key(settings); err == nil && k.Exists {
				withSettings = append(withSettings, sid)
			}
		}
		if len(withSettings) > 0 {
			users = withSettings
		}
	}
	var lines []any
	all := !req.Names()
	for i, u := range users {
		st, err := read(u)
		if err != nil {
			return err
		}
		if i == 0 && (all || req.WinHTTP) {
			env.dscLogWarnings(st.Warnings)
			for _, inst := range dscres.ExportWinHTTP(st) {
				lines = append(lines, inst)
			}
		}
		if all || req.WinINet {
			if inst := dscres.ExportWinINet(st); inst != nil {
				lines = append(lines, *inst)
			}
		}
	}
	return env.dscEmit(lines...)
}

// dscStateSource reads the state for the instance's WinINet owner. A user hive that is not
// loaded is refused by the reader, so importFromIE never reads it as "nothing configured".
func (env *Env) dscStateSource(from string, req *dscres.Request) (*stateSource, error) {
	return env.openStateSource(from, env.Stdin, req.SourceUser())
}

// needsDesired refuses an instance that asks for nothing where test and set need a goal.
func needsDesired(req *dscres.Request, name string) error {
	if req.Desired != nil {
		return nil
	}
	return &model.InputError{Input: name, Place: "$", Msg: "the instance asks for nothing; hint: give \"winhttp\" (such as {\"mode\": \"importFromIE\"}), \"wininet\" or both; see examples/dsc/"}
}

// dscRequest reads and checks the instance from --input or stdin.
func (env *Env) dscRequest(in DscInput, from string) (*dscres.Request, string, error) {
	name, data := "--input", []byte(in.Input)
	if in.Input == "" {
		if from == "-" {
			return nil, "stdin", &model.InputError{Input: "stdin", Msg: "both the instance and --from read stdin; hint: give the instance with --input"}
		}
		name = jsonin.StdinName
		var err error
		if data, err = env.dscReadStdin(); err != nil {
			return nil, name, err
		}
	}
	req, warnings, err := dscres.Parse(name, data)
	for _, w := range warnings {
		env.Log.Warn().Msg(model.RedactCredentials(w))
	}
	if err != nil {
		return nil, name, err
	}
	return req, name, nil
}

// dscReadStdin reads the instance DSC writes to stdin; a terminal means none was given.
func (env *Env) dscReadStdin() ([]byte, error) {
	if env.Stdin == nil {
		return nil, nil
	}
	if f, ok := env.Stdin.(*os.File); ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(env.Stdin, jsonin.MaxInput+1))
	if err != nil {
		return nil, &model.InputError{Input: jsonin.StdinName, Msg: "cannot read: " + err.Error()}
	}
	if len(data) > jsonin.MaxInput {
		return nil, &model.InputError{Input: jsonin.StdinName, Msg: "input larger than 16 MiB; hint: an instance is a small JSON object"}
	}
	return data, nil
}

// dscEmit writes JSON Lines: each value compressed on its own line.
func (env *Env) dscEmit(values ...any) error {
	var out []byte
	for _, v := range values {
		b, err := model.MarshalDocument(v, true)
		if err != nil {
			return err
		}
		out = append(out, b...)
	}
	return env.emitFormatted(out)
}

func (env *Env) dscLogWarnings(ws []model.Warning) {
	for _, w := range ws {
		env.Log.Warn().Msg(w.Message)
	}
}

// dscLevels maps DSC_TRACE_LEVEL to zerolog's levels, and zerolog's back to DSC's names.
var dscLevels = map[string]zerolog.Level{
	"error": zerolog.ErrorLevel, "warn": zerolog.WarnLevel, "warning": zerolog.WarnLevel,
	"info": zerolog.InfoLevel, "information": zerolog.InfoLevel, "debug": zerolog.DebugLevel, "trace": zerolog.TraceLevel,
}

// dscSetupLog replaces the logger with one that writes DSC's trace lines at the level
// DSC_TRACE_LEVEL asks for (else --log-level).
func (env *Env) dscSetupLog() {
	level := zerolog.WarnLevel
	if env.Globals != nil {
		if l, err := zerolog.ParseLevel(env.Globals.LogLevel); err == nil && env.Globals.LogLevel != "" {
			level = l
		}
	}
	if env.Getenv != nil {
		if l, ok := dscLevels[strings.ToLower(strings.TrimSpace(env.Getenv("DSC_TRACE_LEVEL")))]; ok {
			level = l
		}
	}
	now := env.Now
	if now == nil {
		now = time.Now
	}
	env.Log = zerolog.New(dscLogWriter{w: env.Stderr, now: now}).Level(level)
}

// dscTrace is the line DSC recognises on a resource's stderr and shows at its level.
type dscTrace struct {
	Timestamp string    `json:"timestamp"`
	Level     string    `json:"level"`
	Fields    dscFields `json:"fields"`
}

type dscFields struct {
	Message string `json:"message"`
}

// dscLogWriter turns each zerolog event into a dscTrace line. DSC reads only the message,
// so other fields of the event are appended to it.
type dscLogWriter struct {
	w   io.Writer
	now func() time.Time
}

func (d dscLogWriter) Write(p []byte) (int, error) {
	var ev map[string]any
	dec := json.NewDecoder(bytes.NewReader(p))
	dec.UseNumber()
	if err := dec.Decode(&ev); err != nil {
		ev = map[string]any{zerolog.MessageFieldName: strings.TrimSpace(string(p))}
	}
	level := "INFO"
	if l, ok := ev[zerolog.LevelFieldName].(string); ok {
		switch l {
		case "trace":
			level = "TRACE"
		case "debug":
			level = "DEBUG"
		case "warn":
			level = "WARN"
		case "error", "fatal", "panic":
			level = "ERROR"
		}
	}
	msg, _ := ev[zerolog.MessageFieldName].(string)
	var extra []string
	for k, v := range ev {
		if k == zerolog.LevelFieldName || k == zerolog.MessageFieldName || k == zerolog.TimestampFieldName {
			continue
		}
		extra = append(extra, fmt.Sprintf("%s=%v", k, v))
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		msg += " (" + strings.Join(extra, ", ") + ")"
	}
	line, err := model.MarshalDocument(dscTrace{
		Timestamp: d.now().UTC().Format(time.RFC3339Nano),
		Level:     level,
		Fields:    dscFields{Message: oneLine(model.RedactCredentials(msg))},
	}, true)
	if err != nil {
		return 0, err
	}
	if _, err := d.w.Write(line); err != nil {
		return 0, err
	}
	return len(p), nil
}

// dscOverlay is a copy-on-write view of a registry: what-if writes land in memory and
// reads see them, while the registry itself is never written.
type dscOverlay struct {
	base    system.Store
	written map[string]*model.RegValue // nil value: deleted
}

func newDscOverlay(base system.Store) *dscOverlay {
	return &dscOverlay{base: base, written: map[string]*model.RegValue{}}
}

func dscOverlayKey(path, name string) string {
	return strings.ToLower(system.CanonicalPath(path)) + "\x00" + strings.ToLower(name)
}

func (o *dscOverlay) ReadValue(path, name string) (*model.RegValue, error) {
	if v, ok := o.written[dscOverlayKey(path, name)]; ok {
		if v == nil {
			return nil, nil
		}
		return &model.RegValue{Type: v.Type, Data: append([]byte(nil), v.Data...)}, nil
	}
	return o.base.ReadValue(path, name)
}

func (o *dscOverlay) Key(path string) (model.KeyInfo, error) { return o.base.Key(path) }

func (o *dscOverlay) Source() system.SourceInfo { return o.base.Source() }

func (o *dscOverlay) SetValue(path, name string, v model.RegValue) error {
	o.written[dscOverlayKey(path, name)] = &model.RegValue{Type: v.Type, Data: append([]byte(nil), v.Data...)}
	return nil
}

func (o *dscOverlay) DeleteValue(path, name string) error {
	o.written[dscOverlayKey(path, name)] = nil
	return nil
}

func (o *dscOverlay) SubKeys(path string) ([]string, error) {
	if l, ok := o.base.(system.Lister); ok {
		return l.SubKeys(path)
	}
	return nil, nil
}

func (o *dscOverlay) ValueNames(path string) ([]string, error) {
	if l, ok := o.base.(system.Lister); ok {
		return l.ValueNames(path)
	}
	return nil, nil
}
