package commands

import (
	"ccproxy/model"
	"ccproxy/system"
)

// RestoreCmd puts the exact bytes of a backup back, through the same plan-and-apply path
// as apply, so that a restore makes its own backup and rolls back on failure.
type RestoreCmd struct {
	Backup string `arg:"" optional:"" help:"Backup written by 'ccproxy apply' (ccproxy/backup@1): a file, or - for stdin; or --latest." placeholder:"BACKUP"`
	Latest bool   `help:"Restore the newest backup of the backup folder ('ccproxy backups' lists them)."`
	WhatIf bool   `name:"what-if" help:"Check the backup against the registry (same machine, values still as the backup expects) and show what would be put back; write nothing."`
	From   string `help:"With --what-if: check against this source (a .reg export, a ccproxy state document) instead of the live registry." placeholder:"SOURCE"`
	ChangeFlags
	FormatFlag
}

func (c *RestoreCmd) Run(env *Env) error {
	switch {
	case c.Latest && c.Backup != "":
		return &model.InputError{Input: "--latest", Msg: "names the backup too; hint: give a backup file or --latest, not both"}
	case !c.Latest && c.Backup == "":
		return &model.InputError{Input: "restore", Msg: "no backup named; hint: give a backup file, or --latest for the newest ('ccproxy backups' lists them)"}
	case c.Latest:
		l, err := env.machine().ListBackups(c.BackupDir)
		if err != nil {
			return err
		}
		if len(l.Backups) == 0 {
			return &model.InputError{Input: "--latest", Msg: "no backup in " + l.Folder + "; hint: name the folder with --backup-dir"}
		}
		c.Backup = l.Backups[0].Path
		env.Log.Info().Str("backup", c.Backup).Msg("restoring the newest backup")
	}
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
