package commands

// BackupsCmd lists the backups apply left, newest first.
type BackupsCmd struct {
	BackupDir string `name:"backup-dir" help:"The backup folder (default: the one apply uses)." placeholder:"DIR" type:"path"`
	FormatFlag
}

func (c *BackupsCmd) Run(env *Env) error {
	format, err := env.resolveFormat(c.Format)
	if err != nil {
		return err
	}
	l, err := env.machine().ListBackups(c.BackupDir)
	if err != nil {
		return err
	}
	return env.EmitAs(l, format)
}
