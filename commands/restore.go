package commands

import (
	"ccproxy/model"
	"ccproxy/system"
)

// RestoreCmd puts the exact bytes of a backup back, through the same plan-and-apply path
// as apply, so that a restore makes its own backup and rolls back on failure.
type RestoreCmd struct {
	Backup string `arg:"" help:"Backup written by 'ccproxy apply' (ccproxy/backup@1): a file, or - for stdin." placeholder:"BACKUP"`
	WhatIf bool   `name:"what-if" help:"Check the backup against the registry (same machine, values still as the backup expects) and show what would be put back; write nothing."`
	From   string `help:"With --what-if: check against this source (a .reg export, a ccproxy state document) instead of the live registry." placeholder:"SOURCE"`
	ChangeFlags
	FormatFlag
}

func (c *RestoreCmd) Run(env *Env) error {
	name, data, err := system.ReadInput(c.Backup, env.Stdin)
	if err != nil {
		return err
	}
	b, err := model.ParseBackup(name, data)
	if err != nil {
		return err
	}
	c.ChangeFlags.WhatIf, c.ChangeFlags.from = c.WhatIf, c.From
	if c.ChangeFlags.format, err = env.resolveFormat(c.Format); err != nil {
		return err
	}
	return env.applyLocked(c.ChangeFlags, "restore", func(r model.RegistryReader) (*model.Plan, string, error) {
		host := ""
		if env.Hostname != nil {
			host, _ = env.Hostname()
		}
		p, err := model.RestorePlan(b, name, r, env.Now(), host)
		return p, "run 'ccproxy restore' again", err
	})
}
