package commands

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"ccproxy/model"
	"ccproxy/system"
)

// ApplyCmd applies a plan to the live registry.
type ApplyCmd struct {
	Plan   string `arg:"" help:"Plan written by 'ccproxy plan' (ccproxy/plan@1): a file, or - for stdin." placeholder:"PLAN"`
	WhatIf bool   `name:"what-if" help:"Check the plan against the registry (stale values, access) and show what would be written; write nothing."`
	From   string `help:"With --what-if: check the plan against this source (a .reg export, a ccproxy state document) instead of the live registry, to review it on any machine." placeholder:"SOURCE"`
	Keep   int    `help:"Backups to keep in the backup folder: after a successful apply, older ones are deleted." default:"20"`
	ChangeFlags
	FormatFlag
}

// ChangeFlags are shared by the commands that write the registry.
type ChangeFlags struct {
	BackupDir string `name:"backup-dir" help:"Folder for the backup of the values about to change (default: %ProgramData%\\ccproxy\\backups on Windows, $XDG_STATE_HOME/ccproxy/backups or ~/.local/state/ccproxy/backups elsewhere). Made readable by Administrators and SYSTEM only." placeholder:"DIR" type:"path"`
	// WhatIf is each command's own flag, since its help says what that command checks.
	WhatIf bool `kong:"-"`
	// format is the resolved output format, decided before anything is written.
	format string `kong:"-"`
	// from is --from of apply and restore: an export to check against with --what-if.
	from        string        `kong:"-"`
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
	c.ChangeFlags.WhatIf, c.ChangeFlags.from = c.WhatIf, c.From
	if c.ChangeFlags.format, err = env.resolveFormat(c.Format); err != nil {
		return err
	}
	if c.Keep < 1 {
		return &model.InputError{Input: "--keep", Msg: fmt.Sprintf("%d keeps no backup; hint: keep at least 1, the one that undoes this apply", c.Keep)}
	}
	err = env.applyLocked(c.ChangeFlags, "apply", func(model.RegistryReader) (*model.Plan, string, error) {
		return p, "run 'ccproxy plan' again", nil
	})
	if err == nil && !c.WhatIf && c.From == "" {
		env.pruneBackups(c.BackupDir, c.Keep)
	}
	return err
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
	if f.from != "" && !strings.EqualFold(f.from, "system") {
		return env.offlineWhatIf(f, plan)
	}
	backupDir, state, err := env.backupFolder(f.BackupDir)
	if err != nil {
		return nil, err
	}
	lockPath := filepath.Join(backupDir, "..", "apply.lock")
	if state != "" {
		lockPath = filepath.Join(state, "apply.lock")
	}
	store, err := env.OpenLive()
	if err != nil {
		var ee *model.EnvError
		if errors.As(err, &ee) && runtime.GOOS != "windows" {
			return nil, &model.EnvError{Msg: "apply and restore write the live registry, which only Windows has; hint: review a plan here with 'ccproxy apply --what-if --from EXPORT.reg PLAN', and apply it on the machine"}
		}
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

// backupFolder is --backup-dir, or the default folder under ccproxy's state folder; state is
// that folder ("" when only --backup-dir says where).
func (env *Env) backupFolder(flag string) (dir, state string, err error) {
	state, err = system.StateDir(env.Getenv)
	if err != nil && flag == "" {
		return "", "", err
	}
	if flag != "" {
		return flag, state, nil
	}
	return filepath.Join(state, "backups"), state, nil
}

// listBackups lists the backups of --backup-dir (or the default folder), newest first.
func (env *Env) listBackups(flag string) (model.BackupList, error) {
	dir, _, err := env.backupFolder(flag)
	if err != nil {
		return model.BackupList{}, err
	}
	files, err := system.ReadBackupFolder(dir)
	if err != nil {
		return model.BackupList{}, err
	}
	return model.ListBackups(dir, files), nil
}

// pruneBackups keeps the newest keep backups of dir, after a successful apply only, so
// that a failed apply never costs the backups that could undo it.
func (env *Env) pruneBackups(flag string, keep int) {
	l, err := env.listBackups(flag)
	if err != nil {
		env.Log.Warn().Msg(model.RedactCredentials(err.Error()))
		return
	}
	for i, b := range l.Backups {
		if i < keep {
			continue
		}
		if err := os.Remove(b.Path); err != nil {
			env.Log.Warn().Msgf("cannot delete the old backup %s: %v", b.Path, err)
			continue
		}
		env.Log.Debug().Str("backup", b.Path).Msg("deleted an old backup (--keep)")
	}
}

// offlineWhatIf checks a plan (or a restore) against a source that is not the live
// registry: the same stale check and the same list of what would be written, with no lock,
// no backup and no write, so that a change board can review a plan on any machine.
func (env *Env) offlineWhatIf(f ChangeFlags, plan func(model.RegistryReader) (*model.Plan, string, error)) (*model.ApplyResult, error) {
	if !f.WhatIf {
		return nil, &model.InputError{Input: "--from " + f.from, Msg: "a plan is applied to the live registry only; hint: add --what-if to check it against this source, or run apply on the machine itself"}
	}
	op, err := system.Open(f.from, env.Stdin, env.OpenLive)
	if err != nil {
		return nil, err
	}
	w, ok := op.Store.(system.Writer)
	if !ok {
		return nil, &model.InputError{Input: "--from " + f.from, Msg: "cannot be checked against; hint: pass a .reg export or a ccproxy state document"}
	}
	p, staleHint, err := plan(w)
	if err != nil {
		return nil, err
	}
	return model.ApplyPlan(w, p, model.ApplyOptions{
		WhatIf: true, Now: env.Now(), Host: op.Info.Host, Reason: "what-if", StaleHint: staleHint,
		WriteBackup: func(*model.Backup) (string, error) {
			return "", &model.EnvError{Msg: "no backup is written in a what-if"}
		},
	})
}

// backupFileName sorts by time and cannot collide between two applies in one second.
func backupFileName(t time.Time) string {
	var r [4]byte
	_, _ = rand.Read(r[:])
	return "backup-" + t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(r[:]) + ".json"
}
