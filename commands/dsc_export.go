package commands

import (
	"ccproxy/model"
	"ccproxy/model/dscres"
	"ccproxy/system"
)

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
		src, err := env.machine().ReadSource(op, user)
		if err != nil {
			return nil, err
		}
		return src.State, nil
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
