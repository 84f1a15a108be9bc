package commands

import (
	"io"

	"ccproxy/model"
	"ccproxy/system"
)

// SourceFlags choose where a state is read from; shared by every command that reads one.
type SourceFlags struct {
	From string `help:"Where to read the state: system (the live registry), a .reg export, a ccproxy state document, 'netsh winhttp show proxy' text, or - for stdin." default:"system" placeholder:"SOURCE"`
	User string `help:"Whose WinINet settings: current, system (S-1-5-18, also .default), localservice (S-1-5-19), networkservice (S-1-5-20), or a SID (HKEY_USERS\\<SID>)." default:"current" placeholder:"current|system|SID"`
	// AdvProxy adds the advanced WinHTTP settings to a source that does not hold them.
	AdvProxy string `name:"advproxy" help:"A file with the output of 'netsh winhttp show advproxy' (or the JSON of 'set advproxy settings-file=', or 'Get-WinhttpProxy -Advanced'), read beside --from." placeholder:"FILE" type:"path"`
}

// GetCmd reads the current state.
type GetCmd struct {
	SourceFlags
	FormatFlag
}

func (c *GetCmd) Run(env *Env) error {
	st, err := env.ReadState(c.SourceFlags)
	if err != nil {
		return err
	}
	return env.EmitAs(st, c.Format)
}

// ReadState reads the state from the chosen source.
func (env *Env) ReadState(f SourceFlags) (*model.State, error) {
	src, err := env.openSourceFlags(f)
	if err != nil {
		return nil, err
	}
	return src.state, nil
}

// openSourceFlags opens --from with --user and --advproxy.
func (env *Env) openSourceFlags(f SourceFlags) (*stateSource, error) {
	var adv *model.AdvancedSettings
	if f.AdvProxy != "" {
		if err := claimStdin(stdinInput{"--from", f.From}, stdinInput{"--advproxy", f.AdvProxy}); err != nil {
			return nil, err
		}
		name, data, err := system.ReadInput(f.AdvProxy, env.Stdin)
		if err != nil {
			return nil, err
		}
		if adv, _, err = system.ParseAdvanced(name, data); err != nil {
			return nil, err
		}
	}
	op, err := system.Open(f.From, env.Stdin, env.OpenLive)
	if err != nil {
		return nil, err
	}
	if adv != nil {
		op.Info.Advanced = adv
	}
	return env.readStateSource(op, f.User)
}

// stateSource is a state together with the registry it was read from: plans and
// projections need the exact bytes, which a state document only summarises.
type stateSource struct {
	state *model.State
	store system.Store
	opts  model.ReadOptions
}

// openStateSource reads a state from --from (the live registry, a .reg export, a state
// document, netsh text, or - for stdin) and keeps its store.
func (env *Env) openStateSource(from string, stdin io.Reader, user string) (*stateSource, error) {
	op, err := system.Open(from, stdin, env.OpenLive)
	if err != nil {
		return nil, err
	}
	return env.readStateSource(op, user)
}

// readStateSource reads the state of an opened source, with user's WinINet settings.
func (env *Env) readStateSource(op *system.Opened, user string) (*stateSource, error) {
	src := model.Source{Kind: op.Info.Kind, Boot: op.Info.BootTime}
	if op.Info.Path != "" {
		src.Path = model.Ptr(op.Info.Path)
	}
	if op.Info.Host != "" {
		src.Host = model.Ptr(op.Info.Host)
	}
	if op.Info.Kind == model.SourceRegistry && op.Info.Advanced == nil && op.Info.AdvancedReason == "" {
		op.Info.Advanced, op.Info.AdvancedReason = system.ReadLiveAdvanced(env.ShowAdvproxy)
	}
	opts := model.ReadOptions{
		Source: src, User: user, Users: op.Users, Now: env.Now(),
		CurrentUserName: op.Info.CurrentUserName, CurrentUserSID: op.Info.CurrentUserSID,
		InputName: op.InputName, InputWarnings: op.Info.Warnings,
		Advanced: op.Info.Advanced, AdvancedReason: op.Info.AdvancedReason, Services: op.Info.Services,
	}
	if op.Info.Kind == model.SourceRegistry {
		opts.Environment = env.proxyEnvironment()
	}
	env.logSource(op, user)
	st, err := model.ReadState(env.traced(op.Store), opts)
	if err != nil {
		return nil, err
	}
	return &stateSource{state: st, store: op.Store, opts: opts}, nil
}

// proxyEnvironment is the process's proxy variables, which some tools use instead of either stack.
func (env *Env) proxyEnvironment() *model.Environment {
	e := &model.Environment{}
	for _, v := range []struct {
		names []string
		dst   **string
	}{{[]string{"HTTP_PROXY", "http_proxy"}, &e.HTTPProxy}, {[]string{"HTTPS_PROXY", "https_proxy"}, &e.HTTPSProxy}, {[]string{"NO_PROXY", "no_proxy"}, &e.NoProxy}} {
		for _, n := range v.names {
			if s := env.Getenv(n); s != "" {
				*v.dst = model.Ptr(model.RedactCredentials(s))
				break
			}
		}
	}
	return e
}
