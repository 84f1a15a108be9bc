package commands

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"ccproxy/model"
	"ccproxy/model/compliance"
	"ccproxy/model/watch"
	"ccproxy/ops"
	"ccproxy/system"
)

// WatchCmd waits for changes to the proxy settings and reports each (ccproxy/event@1 lines).
type WatchCmd struct {
	Internal         []string      `help:"An internal resource that must bypass the proxy (R7), as test takes it. Repeatable." placeholder:"HOST" sep:"none"`
	Desired          string        `help:"The desired state (ccproxy/desired@1) the machine should hold: events say when it leaves it and comes back." placeholder:"FILE"`
	Debounce         time.Duration `help:"Quiet time that ends one change, so that one netsh command is one event." default:"500ms"`
	AdvancedInterval time.Duration `name:"advanced-interval" help:"How often to read the advanced WinHTTP settings (netsh winhttp show advproxy) again, which have no change notification; 0 never. The only periodic work." default:"5m"`
	RotateSize       int64         `name:"rotate-size" help:"With --output: when the file would pass this many bytes it becomes FILE.1 and a new one is begun." default:"10485760"`
	NoEventLog       bool          `name:"no-event-log" help:"Do not write the events to the Windows Event Log (Application log, source ccproxy)."`
	Heal             bool          `help:"With --desired: write a drift back through apply's path (backup, write, read-back, rollback), never a value Group Policy owns, never restarting anything. The desired file and its folder must be writable only by Administrators and SYSTEM."`
	HealLimit        int           `name:"heal-limit" help:"With --heal: heals of one value within --heal-window after which it is left alone (heal refused) as another writer keeps changing it." default:"3"`
	HealWindow       time.Duration `name:"heal-window" help:"With --heal: the window --heal-limit counts in." default:"24h"`
	HealBackupDir    string        `name:"heal-backup-dir" help:"With --heal: folder for the heals' backups (default: heal-backups beside apply's backups), so that heals never evict the backups of applies." placeholder:"DIR" type:"path"`
	NoVerify         bool          `name:"no-verify" help:"With --heal: write without first probing the desired state's route (by default a heal goes through apply --verify and is refused when the route does not reach Citrix Cloud)."`
	ProbeFlags
}

// EventSource is the Event Log source watch writes as.
const EventSource = "ccproxy"

func (c *WatchCmd) Run(env *Env) error {
	w, err := c.watch(env)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return env.runWatch(ctx, w, !c.NoEventLog, c.RotateSize)
}

func (c *WatchCmd) watch(env *Env) (ops.Watch, error) {
	if c.Debounce <= 0 || c.Debounce > time.Minute {
		return ops.Watch{}, &model.InputError{Input: "--debounce", Msg: fmt.Sprintf("%s is out of range (more than 0, at most 1m); hint: such as 500ms", c.Debounce)}
	}
	if c.AdvancedInterval < 0 || (c.AdvancedInterval > 0 && c.AdvancedInterval < 10*time.Second) {
		return ops.Watch{}, &model.InputError{Input: "--advanced-interval", Msg: fmt.Sprintf("%s is out of range (0, or 10s and more: each read runs netsh)", c.AdvancedInterval)}
	}
	if c.RotateSize < 0 {
		return ops.Watch{}, &model.InputError{Input: "--rotate-size", Msg: "must not be negative; hint: 0 never rotates"}
	}
	hosts, err := compliance.ParseInternal(c.Internal)
	if err != nil {
		return ops.Watch{}, err
	}
	w := ops.Watch{Internal: hosts, Debounce: c.Debounce, AdvancedEvery: c.AdvancedInterval, Watcher: system.WatchRegistry}
	if c.Desired != "" {
		name, data, err := system.ReadInput(c.Desired, env.Stdin)
		if err != nil {
			return ops.Watch{}, err
		}
		d, warnings, err := model.ParseDesired(name, data)
		if err != nil {
			return ops.Watch{}, err
		}
		for _, wn := range warnings {
			env.Log.Warn().Msg(name + ": " + model.RedactCredentials(wn))
		}
		w.Desired, w.DesiredName = d, name
	}
	if !c.Heal {
		return w, nil
	}
	switch {
	case c.Desired == "" || c.Desired == "-":
		return ops.Watch{}, &model.InputError{Input: "--heal", Msg: "needs --desired FILE, the state to heal back to; hint: pass a ccproxy/desired@1 file writable only by Administrators and SYSTEM"}
	case c.HealLimit < 1 || c.HealLimit > 100:
		return ops.Watch{}, &model.InputError{Input: "--heal-limit", Msg: fmt.Sprintf("%d is out of range (1-100)", c.HealLimit)}
	case c.HealWindow < time.Hour:
		return ops.Watch{}, &model.InputError{Input: "--heal-window", Msg: fmt.Sprintf("%s is too short to notice a writer that comes back with each Group Policy refresh (90 minutes); hint: 24h", c.HealWindow)}
	}
	dir := c.HealBackupDir
	if dir == "" {
		backups, _, err := env.machine().BackupFolder("")
		if err != nil {
			return ops.Watch{}, err
		}
		dir = filepath.Join(filepath.Dir(backups), "heal-backups")
	}
	w.Heal = &ops.Heal{Limit: watch.NewHealLimit(c.HealLimit, c.HealWindow), BackupDir: dir, Keep: 20, LockTimeout: 30 * time.Second,
		GPP: func() []system.GPPItem { return system.GPPRegistryItems(env.Getenv("ProgramData")) }}
	if !c.NoVerify {
		v, err := c.ProbeFlags.verify(env, false)
		if err != nil {
			return ops.Watch{}, err
		}
		w.Heal.Verify = v
	}
	desired := c.Desired
	w.CheckDesired = func() error { return system.CheckAdminOnly(desired) }
	return w, nil
}

// runWatch wires a watch's events to stdout (or the appended --output file) and the Event
// Log, and runs it until ctx ends.
func (env *Env) runWatch(ctx context.Context, w ops.Watch, eventLog bool, rotate int64) error {
	write := func(b []byte) error { _, err := env.Stdout.Write(b); return err }
	if out := env.Globals.Output; out != "" {
		l, err := system.OpenAppendLog(out, rotate)
		if err != nil {
			return err
		}
		defer l.Close()
		write = l.WriteLine
	}
	var el system.EventLog
	var notes []string
	if eventLog {
		var err error
		if el, notes, err = system.OpenEventLog(EventSource); err != nil {
			notes = append(notes, err.Error())
		}
		if el != nil {
			defer el.Close()
		}
	}
	w.Emit = func(ev watch.Event) error {
		if ev.Kind == watch.KindStarted {
			ev.Notes = append(ev.Notes, notes...)
		}
		line, err := model.MarshalDocument(ev, true)
		if err != nil {
			return err
		}
		if el != nil {
			if err := el.Report(ev.Level, ev.EventID, ev.Message+"\r\n\r\n"+string(line)); err != nil {
				env.Log.Warn().Msgf("cannot write to the Event Log: %v", err)
			}
		}
		return write(line)
	}
	return env.machine().Watch(ctx, w)
}
