package commands

import (
	"ccproxy/model"
	"ccproxy/system"
)

// SourceFlags choose where a state is read from; shared by every command that reads one.
type SourceFlags struct {
	From string `help:"Where to read the state: system (the live registry), a .reg export, a ccproxy state document, 'netsh winhttp show proxy' text, or - for stdin." default:"system" placeholder:"SOURCE"`
	User string `help:"Whose WinINet settings: current, or a SID (HKEY_USERS\\<SID>), e.g. S-1-5-18 for SYSTEM." default:"current" placeholder:"current|SID"`
}

// GetCmd reads the current state.
type GetCmd struct {
	SourceFlags
}

func (c *GetCmd) Run(env *Env) error {
	st, err := env.ReadState(c.SourceFlags)
	if err != nil {
		return err
	}
	return env.Emit(st)
}

// ReadState reads the state from the chosen source.
func (env *Env) ReadState(f SourceFlags) (*model.State, error) {
	op, err := system.Open(f.From, env.Stdin, env.OpenLive)
	if err != nil {
		return nil, err
	}
	src := model.Source{Kind: op.Info.Kind, Boot: op.Info.BootTime}
	if op.Info.Path != "" {
		src.Path = model.Ptr(op.Info.Path)
	}
	if op.Info.Host != "" {
		src.Host = model.Ptr(op.Info.Host)
	}
	opts := model.ReadOptions{
		Source: src, User: f.User, Users: op.Users, Now: env.Now(),
		CurrentUserName: op.Info.CurrentUserName, CurrentUserSID: op.Info.CurrentUserSID,
		Strict: op.Strict, InputName: op.InputName,
	}
	if op.Info.Kind == "registry" {
		opts.Environment = &model.Environment{}
		for _, v := range []struct {
			names []string
			dst   **string
		}{{[]string{"HTTP_PROXY", "http_proxy"}, &opts.Environment.HTTPProxy}, {[]string{"HTTPS_PROXY", "https_proxy"}, &opts.Environment.HTTPSProxy}, {[]string{"NO_PROXY", "no_proxy"}, &opts.Environment.NoProxy}} {
			for _, n := range v.names {
				if s := env.Getenv(n); s != "" {
					*v.dst = model.Ptr(model.RedactCredentials(s))
					break
				}
			}
		}
	}
	return model.ReadState(op.Store, opts)
}
