package commands

import (
	"errors"
	"fmt"
	"strings"

	"ccproxy/jsonin"
	"ccproxy/model"
	"ccproxy/ops"
	"ccproxy/system"
)

// PlanCmd computes the changes that reach a desired state.
type PlanCmd struct {
	Desired string `arg:"" optional:"" help:"Desired-state document (ccproxy/desired@1): a file, or - for stdin. Or use the shorthand flags." placeholder:"DESIRED"`
	SourceFlags
	Format string `help:"auto (text on a console, the JSON document otherwise; CCPROXY_FORMAT sets the default), json, text, reg (the planned values as a .reg file regedit imports: UTF-16LE, the exact bytes) ps1 (the netsh lines that make the WinHTTP changes, where netsh can, as a PowerShell script), cmd (the same as a cmd.exe script), or netsh (another name for cmd, as before)." placeholder:"auto|json|text|reg|ps1|cmd|netsh"`

	ImportIE         bool     `name:"import-ie" help:"WinHTTP: copy the WinINet manual proxy and bypass list, as 'netsh winhttp import proxy source=ie' does, to both registry views unless --views says otherwise."`
	Direct           bool     `help:"WinHTTP: direct access, no proxy."`
	Proxy            string   `help:"WinHTTP: use this proxy: host:port, or per scheme (http=p:3128;https=p:3128)." placeholder:"PROXY"`
	Bypass           []string `help:"WinHTTP: the whole bypass list, entries separated by ; (or the flag repeated); \"\" empties it." placeholder:"LIST" sep:"none"`
	AddBypass        []string `name:"add-bypass" help:"WinHTTP: make sure this bypass entry is present, keeping the others (repeatable)." placeholder:"ENTRY" sep:"none"`
	Views            []string `help:"WinHTTP registry views to write: native, wow64 (default both)." placeholder:"VIEW"`
	DetailedExitcode bool     `name:"detailed-exitcode" help:"Exit 1 when the plan is not empty (0 when there is nothing to do)."`
}

// commandLine names the shorthand flags in messages.
const commandLine = "command line"

func (c *PlanCmd) Run(env *Env) error {
	format, err := env.resolveFormat(c.Format, "reg", "ps1", "cmd", "netsh")
	if err != nil {
		return err
	}
	if err := ops.ClaimStdin(ops.In("DESIRED", c.Desired), ops.In("--from", c.From), ops.In("--advproxy", c.AdvProxy)); err != nil {
		return err
	}
	d, name, warnings, err := c.desired(env)
	if err != nil {
		return err
	}
	user, err := sourceUser(c.User, d)
	if err != nil {
		return err
	}
	f := c.SourceFlags
	f.User = user
	src, err := env.openSourceFlags(f)
	if err != nil {
		return err
	}
	p, err := model.MakePlan(model.PlanInput{Reader: src.Store, State: src.State, Desired: d, DesiredName: name, Now: env.Now()})
	if err != nil {
		return err
	}
	for _, w := range warnings {
		p.Warnings = append(p.Warnings, model.Warning{Code: "inputEncoding", Path: name, Message: w})
	}
	if err := c.emit(env, p, format); err != nil {
		return err
	}
	if c.DetailedExitcode && !p.Empty {
		return resultError{"the plan is not empty"}
	}
	return nil
}

// desired reads the desired-state document, or builds it from the shorthand flags.
func (c *PlanCmd) desired(env *Env) (*model.Desired, string, []string, error) {
	flags := c.ImportIE || c.Direct || c.Proxy != "" || c.Bypass != nil || c.AddBypass != nil || c.Views != nil
	switch {
	case c.Desired != "" && flags:
		return nil, "", nil, &model.InputError{Input: commandLine, Msg: "give a desired-state document or shorthand flags (--import-ie, --direct, --proxy, --bypass, --add-bypass, --views), not both"}
	case c.Desired != "":
		name, data, err := system.ReadInput(c.Desired, env.Stdin)
		if err != nil {
			return nil, name, nil, err
		}
		d, warnings, err := model.ParseDesired(name, data)
		return d, name, warnings, err
	case !flags:
		return nil, "", nil, &model.InputError{Input: commandLine, Msg: "nothing to plan; hint: give a desired-state document (see examples/desired-*.json) or a flag such as --import-ie, --proxy host:port or --add-bypass host"}
	}
	d, err := c.fromFlags()
	return d, commandLine, nil, err
}

// emit writes the plan as its document, as text, or for change control: a .reg file regedit
// imports, or the netsh lines that make its WinHTTP changes.
func (c *PlanCmd) emit(env *Env, p *model.Plan, format string) error {
	switch format {
	case "reg":
		b, err := model.PlanRegFile(p)
		if err != nil {
			return err
		}
		return env.write(b)
	}
	if sh, ok := model.ShellFormat(format); ok {
		return env.write([]byte(jsonin.ASCII(model.PlanScript(p, sh))))
	}
	return env.EmitAs(p, format)
}

// fromFlags builds the WinHTTP part of a desired state from the shorthand flags.
func (c *PlanCmd) fromFlags() (*model.Desired, error) {
	w := &model.DesiredWinHTTP{}
	modes := []string{}
	if c.ImportIE {
		w.Mode = model.ModeImportFromIE
		modes = append(modes, "--import-ie")
	}
	if c.Direct {
		w.Mode = model.ModeDirect
		modes = append(modes, "--direct")
	}
	if c.Proxy != "" {
		w.Mode = model.ModeProxy
		w.Proxy = &model.DesiredProxy{Raw: strings.TrimSpace(c.Proxy)}
		modes = append(modes, "--proxy")
	}
	if len(modes) > 1 {
		return nil, &model.InputError{Input: strings.Join(modes, " and "), Msg: "exclude each other; hint: give one"}
	}
	if c.Bypass != nil {
		if c.ImportIE || c.Direct {
			return nil, &model.InputError{Input: "--bypass", Msg: "goes with --proxy (--import-ie copies the bypass list; --direct has none); hint: use --add-bypass with --import-ie"}
		}
		w.Bypass = splitEntries(c.Bypass)
	}
	if c.AddBypass != nil {
		if c.Direct {
			return nil, &model.InputError{Input: "--add-bypass", Msg: "does nothing with --direct: nothing goes through a proxy; hint: leave it out, or plan --proxy HOST:PORT --bypass ..."}
		}
		w.EnsureBypass = splitEntries(c.AddBypass)
		if len(w.EnsureBypass) == 0 {
			return nil, &model.InputError{Input: "--add-bypass", Msg: "needs an entry such as dc01.corp.example, *.corp.example or 10.1.2.3"}
		}
	}
	if c.Views != nil {
		w.Views = []string{}
		for _, v := range splitEntries(c.Views) {
			for _, part := range strings.Split(v, ",") {
				if part = strings.ToLower(strings.TrimSpace(part)); part != "" {
					if part != model.ViewNative && part != model.ViewWOW64 {
						return nil, &model.InputError{Input: "--views", Msg: fmt.Sprintf("unknown view %s; hint: give native, wow64 or both (native,wow64)", jsonin.Quote(part))}
					}
					w.Views = append(w.Views, part)
				}
			}
		}
	}
	d := &model.Desired{Schema: model.SchemaDesired, WinHTTP: w}
	if err := d.Check(commandLine); err != nil {
		return nil, flagError(err)
	}
	return d, nil
}

// splitEntries splits flag values on ; and white space, as a bypass list is written.
func splitEntries(vals []string) []string {
	out := []string{}
	for _, v := range vals {
		out = append(out, strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ' ' || r == '\t' })...)
	}
	return out
}

// sourceUser decides whose WinINet settings to read: --user, or the desired state's user.
func sourceUser(flag string, d *model.Desired) (string, error) {
	u := d.WinINetUser()
	if !model.ValidSID(u) {
		return flag, nil
	}
	if flag == "" || strings.EqualFold(flag, "current") {
		return u, nil
	}
	if !strings.EqualFold(flag, u) {
		return "", &model.InputError{Input: "--user", Msg: fmt.Sprintf("%s differs from the desired state's wininet.user %s; hint: give one of them", flag, u)}
	}
	return flag, nil
}

// flagPlaces name the flag behind each place of the desired state the flags build, so that an
// error says "--add-bypass: ..." rather than a JSON path the user never wrote.
var flagPlaces = []struct{ prefix, flag string }{
	{"$.winhttp.ensureBypass", "--add-bypass"},
	{"$.winhttp.bypass", "--bypass"},
	{"$.winhttp.proxy", "--proxy"},
	{"$.winhttp.views", "--views"},
	{"$.winhttp", "--import-ie/--direct/--proxy"},
}

func flagError(err error) error {
	var ie *model.InputError
	if !errors.As(err, &ie) || ie.Input != commandLine {
		return err
	}
	for _, f := range flagPlaces {
		if strings.HasPrefix(ie.Place, f.prefix) {
			return &model.InputError{Input: f.flag, Msg: ie.Msg}
		}
	}
	return err
}
