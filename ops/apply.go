package ops

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"ccproxy/model"
	"ccproxy/system"
)

// Machine is what apply, restore and the backup folder use of the machine they run on.
type Machine struct {
	Stdin    io.Reader
	Now      func() time.Time
	Getenv   func(string) string
	Hostname func() (string, error)
	// OpenLive opens the live registry; elsewhere than Windows it is an environment error.
	OpenLive func() (system.Writer, error)
	// ShowAdvproxy runs 'netsh winhttp show advproxy'; nil means the system's own netsh.
	ShowAdvproxy system.AdvancedRunner
	Log          zerolog.Logger
}

// Change is how one apply or restore writes.
type Change struct {
	// BackupDir is --backup-dir: "" for the state folder's backups.
	BackupDir string
	WhatIf    bool
	// From, with WhatIf, is a source to check the plan against instead of the live registry.
	From        string
	LockTimeout time.Duration
	// Reason is what the backup and the result say the change was: apply, restore.
	Reason string
	// Verify, when set, probes the route the plan gives the services before writing.
	Verify *Verify
}

// PlanFunc gives the plan once the lock is held (restore builds it from what the registry
// holds then), and the hint a stale plan's message carries.
type PlanFunc func(model.RegistryReader) (*model.Plan, string, error)

// Apply changes the live registry, step by step:
//
//  1. refuse a --backup-dir that is a file;
//  2. with --from, check the plan against that source instead, writing nothing;
//  3. open the live registry, take the apply lock (one apply at a time);
//  4. get the plan, and in model.ApplyPlan: check every value it expects is still there
//     (stale check), write the backup of the values about to change, write, read each value
//     back, and put the backup back if any step fails (rollback);
//  5. tell running WinINet programs that their settings changed.
//
// The result is there also when the apply failed and was rolled back, with the error.
func (m *Machine) Apply(c Change, plan PlanFunc) (*model.ApplyResult, error) {
	if c.BackupDir != "" {
		if st, err := os.Stat(c.BackupDir); err == nil && !st.IsDir() {
			return nil, &model.InputError{Input: "--backup-dir " + c.BackupDir, Msg: "is a file, not a folder; hint: name a folder for the backups (it is created if missing)"}
		}
	}
	if c.From != "" && !strings.EqualFold(c.From, "system") {
		return m.offlineWhatIf(c, plan)
	}
	backupDir, state, err := m.BackupFolder(c.BackupDir)
	if err != nil {
		return nil, err
	}
	lockPath := filepath.Join(backupDir, "..", "apply.lock")
	if state != "" {
		lockPath = filepath.Join(state, "apply.lock")
	}
	store, err := m.OpenLive()
	if err != nil {
		var ee *model.EnvError
		if errors.As(err, &ee) && runtime.GOOS != "windows" {
			return nil, &model.EnvError{Msg: "apply and restore write the live registry, which only Windows has; hint: review a plan here with 'ccproxy apply --what-if --from EXPORT.reg PLAN', and apply it on the machine"}
		}
		return nil, err
	}
	lock, err := system.AcquireApplyLock(lockPath, c.LockTimeout)
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	p, staleHint, err := plan(store)
	if err != nil {
		return nil, err
	}
	var verified *model.ApplyVerify
	if c.Verify != nil {
		if verified, err = m.verifyPlan(store, p, *c.Verify); err != nil {
			return nil, err
		}
		if verified.Probed && !verified.OK {
			if !c.Verify.Force {
				res, err := refused(store, p, verified, m.Now())
				if err != nil {
					return nil, err
				}
				return res, &model.VerifyError{V: verified}
			}
			verified.Forced = true
			m.Log.Warn().Msg(model.RedactCredentials("--force: writing a plan whose route failed the probe: " + verified.Summary()))
		}
	}
	host := ""
	if m.Hostname != nil {
		host, _ = m.Hostname()
	}
	res, err := model.ApplyPlan(store, p, model.ApplyOptions{
		WhatIf:    c.WhatIf,
		Now:       m.Now(),
		Host:      host,
		Reason:    c.Reason,
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
	if res != nil {
		res.Verify = verified
	}
	return res, err
}

// BackupFolder is --backup-dir, or the default folder under ccproxy's state folder; state is
// that folder ("" when only --backup-dir says where).
func (m *Machine) BackupFolder(flag string) (dir, state string, err error) {
	state, err = system.StateDir(m.Getenv)
	if err != nil && flag == "" {
		return "", "", err
	}
	if flag != "" {
		return flag, state, nil
	}
	return filepath.Join(state, "backups"), state, nil
}

// ListBackups lists the backups of --backup-dir (or the default folder), newest first.
func (m *Machine) ListBackups(flag string) (model.BackupList, error) {
	dir, _, err := m.BackupFolder(flag)
	if err != nil {
		return model.BackupList{}, err
	}
	files, err := system.ReadBackupFolder(dir)
	if err != nil {
		return model.BackupList{}, err
	}
	return model.ListBackups(dir, files), nil
}

// PruneBackups keeps the newest keep backups of the folder. Call it after a successful
// apply only, so that a failed apply never costs the backups that could undo it.
func (m *Machine) PruneBackups(flag string, keep int) {
	l, err := m.ListBackups(flag)
	if err != nil {
		m.Log.Warn().Msg(model.RedactCredentials(err.Error()))
		return
	}
	for i, b := range l.Backups {
		if i < keep {
			continue
		}
		if err := os.Remove(b.Path); err != nil {
			m.Log.Warn().Msgf("cannot delete the old backup %s: %v", b.Path, err)
			continue
		}
		m.Log.Debug().Str("backup", b.Path).Msg("deleted an old backup (--keep)")
	}
}

// offlineWhatIf checks a plan (or a restore) against a source that is not the live
// registry: the same stale check and the same list of what would be written, with no lock,
// no backup and no write, so that a change board can review a plan on any machine.
func (m *Machine) offlineWhatIf(c Change, plan PlanFunc) (*model.ApplyResult, error) {
	if !c.WhatIf {
		return nil, &model.InputError{Input: "--from " + c.From, Msg: "a plan is applied to the live registry only; hint: add --what-if to check it against this source, or run apply on the machine itself"}
	}
	op, err := system.Open(c.From, m.Stdin, m.OpenLive)
	if err != nil {
		return nil, err
	}
	w, ok := op.Store.(system.Writer)
	if !ok {
		return nil, &model.InputError{Input: "--from " + c.From, Msg: "cannot be checked against; hint: pass a .reg export or a ccproxy state document"}
	}
	p, staleHint, err := plan(w)
	if err != nil {
		return nil, err
	}
	// --verify probes the route the plan leaves in this source, as on the machine: the
	// planned proxy and bypass list are probed from here, which reaches the endpoints as
	// the connector would when both go out through that proxy.
	var verified *model.ApplyVerify
	if c.Verify != nil {
		if verified, err = m.verifyPlan(w, p, *c.Verify); err != nil {
			return nil, err
		}
		if verified.Probed && !verified.OK {
			if !c.Verify.Force {
				res, err := refused(w, p, verified, m.Now())
				if err != nil {
					return nil, err
				}
				return res, &model.VerifyError{V: verified}
			}
			verified.Forced = true
			m.Log.Warn().Msg(model.RedactCredentials("--force: the planned route failed the probe: " + verified.Summary()))
		}
	}
	res, err := model.ApplyPlan(w, p, model.ApplyOptions{
		WhatIf: true, Now: m.Now(), Host: op.Info.Host, Reason: "what-if", StaleHint: staleHint,
		WriteBackup: func(*model.Backup) (string, error) {
			return "", &model.EnvError{Msg: "no backup is written in a what-if"}
		},
	})
	if res != nil {
		res.Verify = verified
	}
	return res, err
}

// backupFileName sorts by time and cannot collide between two applies in one second.
func backupFileName(t time.Time) string {
	var r [4]byte
	_, _ = rand.Read(r[:])
	return "backup-" + t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(r[:]) + ".json"
}
