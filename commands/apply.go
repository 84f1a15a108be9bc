package commands

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"time"

	"ccproxy/model"
	"ccproxy/system"
)

// ApplyCmd applies a plan to the live registry.
type ApplyCmd struct {
	Plan   string `arg:"" help:"Plan written by 'ccproxy plan' (ccproxy/plan@1): a file, or - for stdin." placeholder:"PLAN"`
	WhatIf bool   `name:"what-if" help:"Check the plan against the registry (stale values, access) and show what would be written; write nothing."`
	ChangeFlags
	FormatFlag
}

// ChangeFlags are shared by the commands that write the registry.
type ChangeFlags struct {
	BackupDir string `name:"backup-dir" help:"Folder for the backup of the values about to change (default: %ProgramData%\\ccproxy\\backups on Windows, $XDG_STATE_HOME/ccproxy/backups or ~/.local/state/ccproxy/backups elsewhere). Made readable by Administrators and SYSTEM only." placeholder:"DIR" type:"path"`
	// WhatIf is each command's own flag, since its help says what that command checks.
	WhatIf bool `kong:"-"`
	// format is the resolved output format, decided before anything is written.
	format      string        `kong:"-"`
	LockTimeout time.Duration `name:"lock-timeout" help:"How long to wait for another apply to finish." default:"2m"`
}

func (c *ApplyCmd) Run(env *Env) error {
	name, data, err := system.ReadInput(c.Plan, env.Stdin)
	if err != nil {
		return err
	}
	p, err := model.ParsePlan(name, data)
	if err != nil {
		return err
	}
	c.ChangeFlags.WhatIf = c.WhatIf
	if c.ChangeFlags.format, err = env.resolveFormat(c.Format); err != nil {
		return err
	}
	return env.applyLocked(c.ChangeFlags, "apply", func(model.RegistryReader) (*model.Plan, string, error) {
		return p, "run 'ccproxy plan' again", nil
	})
}

// applyLocked applies under the lock (see lockedApply) and emits the ccproxy/apply@1
// document, also when the apply failed and was rolled back.
func (env *Env) applyLocked(f ChangeFlags, reason string, plan func(model.RegistryReader) (*model.Plan, string, error)) error {
	res, applyErr := env.lockedApply(f, reason, plan)
	if res != nil {
		if err := env.EmitAs(res, f.format); err != nil && applyErr == nil {
			return err
		}
	}
	return applyErr
}

// lockedApply opens the live registry, takes the apply lock, gets the plan (restore builds
// it only once the lock is held) and applies it. The result is there also when the apply
// failed and was rolled back, with the error.
func (env *Env) lockedApply(f ChangeFlags, reason string, plan func(model.RegistryReader) (*model.Plan, string, error)) (*model.ApplyResult, error) {
	if f.BackupDir != "" {
		if st, err := os.Stat(f.BackupDir); err == nil && !st.IsDir() {
			return nil, &model.InputError{Input: "--backup-dir " + f.BackupDir, Msg: "is a file, not a folder; hint: name a folder for the backups (it is created if missing)"}
		}
	}
	state, err := system.StateDir(env.Getenv)
	if err != nil && f.BackupDir == "" {
		return nil, err
	}
	backupDir := f.BackupDir
	if backupDir == "" {
		backupDir = filepath.Join(state, "backups")
	}
	lockPath := filepath.Join(backupDir, "..", "apply.lock")
	if state != "" {
		lockPath = filepath.Join(state, "apply.lock")
	}
	store, err := env.OpenLive()
	if err != nil {
		return nil, err
	}
	lock, err := system.AcquireApplyLock(lockPath, f.LockTimeout)
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	p, staleHint, err := plan(store)
	if err != nil {
		return nil, err
	}
	host := ""
	if env.Hostname != nil {
		host, _ = env.Hostname()
	}
	return model.ApplyPlan(store, p, model.ApplyOptions{
		WhatIf:    f.WhatIf,
		Now:       env.Now(),
		Host:      host,
		Reason:    reason,
		StaleHint: staleHint,
		Notify:    system.NotifyWinINetChanged,
		WriteBackup: func(b *model.Backup) (string, error) {
			doc, err := model.MarshalDocument(b, false)
			if err != nil {
				return "", err
			}
			return system.WritePrivateFile(backupDir, backupFileName(b.CreatedAt), doc)
		},
	})
}

// backupFileName sorts by time and cannot collide between two applies in one second.
func backupFileName(t time.Time) string {
	var r [4]byte
	_, _ = rand.Read(r[:])
	return "backup-" + t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(r[:]) + ".json"
}
