package commands

import (
	"ccproxy/model"
	"ccproxy/ops"
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
	return src.State, nil
}

// openSourceFlags opens --from with --user and --advproxy.
func (env *Env) openSourceFlags(f SourceFlags) (*ops.StateSource, error) {
	return env.machine().OpenSource(ops.Source{From: f.From, User: f.User, AdvProxy: f.AdvProxy})
}
