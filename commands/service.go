package commands

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"ccproxy/model"
	"ccproxy/model/watch"
	"ccproxy/system"
)

// ServiceCmd makes 'ccproxy watch' a Windows service.
type ServiceCmd struct {
	Install   ServiceInstallCmd   `cmd:"" help:"Create the ccproxy service (LocalSystem, automatic start, restarted after a failure) that runs watch with these flags; elevated."`
	Uninstall ServiceUninstallCmd `cmd:"" help:"Stop and delete the ccproxy service; elevated."`
	Status    ServiceStatusCmd    `cmd:"" help:"Say whether the ccproxy service is installed and running (ccproxy/service@1)."`
	Start     ServiceStartCmd     `cmd:"" help:"Start the ccproxy service and wait until it runs (ccproxy/service@1)."`
	Stop      ServiceStopCmd      `cmd:"" help:"Stop the ccproxy service and wait until it has (ccproxy/service@1)."`
	Run       ServiceRunCmd       `cmd:"" hidden:"" help:"What the service control manager starts: watch as a service."`
}

// ServiceInstallCmd creates the service.
type ServiceInstallCmd struct {
	Desired  string   `required:"" help:"The desired state (ccproxy/desired@1) the service watches for (and with --heal writes back)." placeholder:"FILE" type:"path"`
	Heal     bool     `help:"Heal drift from --desired (see 'ccproxy watch --help'); the desired file and its folder must be writable only by Administrators and SYSTEM."`
	NoVerify bool     `name:"no-verify" help:"With --heal: heal without probing the route first."`
	Internal []string `help:"An internal resource that must bypass the proxy (R7). Repeatable." placeholder:"HOST" sep:"none"`
	Events   string   `help:"The file the service appends its events to (default: %ProgramData%\\ccproxy\\events.jsonl)." placeholder:"FILE" type:"path"`
	CatalogFlags
}

func (c *ServiceInstallCmd) Run(env *Env) error {
	desired, err := filepath.Abs(c.Desired)
	if err != nil {
		return &model.InputError{Input: c.Desired, Msg: err.Error()}
	}
	// The file must be readable now, as the service will read it at each start.
	w := WatchCmd{Desired: desired, Internal: c.Internal, Heal: c.Heal, NoVerify: c.NoVerify, Debounce: 500 * time.Millisecond, AdvancedInterval: 5 * time.Minute, HealLimit: 3, HealWindow: 24 * time.Hour}
	w.ProbeFlags = ProbeFlags{CatalogFlags: c.CatalogFlags, StageTimeout: 5 * time.Second, Deadline: 30 * time.Second}
	if _, err := w.watch(env); err != nil {
		return err
	}
	if c.Heal {
		if err := system.CheckAdminOnly(desired); err != nil {
			return err
		}
	}
	events := c.Events
	if events == "" {
		dir, _, err := env.machine().BackupFolder("")
		if err != nil {
			return err
		}
		events = filepath.Join(filepath.Dir(dir), "events.jsonl")
		if err := os.MkdirAll(filepath.Dir(events), 0o755); err != nil {
			return &model.EnvError{Msg: "cannot create " + filepath.Dir(events) + ": " + system.PathCause(err).Error()}
		}
	}
	if events, err = filepath.Abs(events); err != nil {
		return &model.InputError{Input: "--events", Msg: err.Error()}
	}
	args := []string{"service", "run", "--desired", desired, "--output", events}
	if c.Heal {
		args = append(args, "--heal")
		if c.NoVerify {
			args = append(args, "--no-verify")
		}
	}
	for _, h := range c.Internal {
		args = append(args, "--internal", h)
	}
	if c.Region != "" {
		args = append(args, "--region", c.Region)
	}
	if c.CustomerID != "" {
		args = append(args, "--customer-id", c.CustomerID)
	}
	if c.Catalog != "" {
		cat, err := filepath.Abs(c.Catalog)
		if err != nil {
			return &model.InputError{Input: "--catalog", Msg: err.Error()}
		}
		args = append(args, "--catalog", cat)
	}
	exe, err := os.Executable()
	if err != nil {
		return &model.EnvError{Msg: "cannot find this program's path: " + err.Error()}
	}
	info, notes, err := system.InstallService(system.ServiceConfig{Exe: exe, Args: args, DisplayName: "ccproxy watch",
		Description: "Watches the proxy settings of this Citrix Cloud Connector and reports drift to the Event Log (source ccproxy)" + map[bool]string{true: "; heals it", false: ""}[c.Heal] + "."})
	if err != nil {
		return err
	}
	return env.emitService(info, notes...)
}

// ServiceUninstallCmd deletes the service.
type ServiceUninstallCmd struct{}

func (c *ServiceUninstallCmd) Run(env *Env) error {
	if err := system.UninstallService(); err != nil {
		return err
	}
	return env.emitService(system.ServiceInfo{})
}

// ServiceStatusCmd reports the service.
type ServiceStatusCmd struct{}

func (c *ServiceStatusCmd) Run(env *Env) error {
	info, err := system.QueryService()
	if err != nil {
		return err
	}
	return env.emitService(info)
}

func (env *Env) emitService(info system.ServiceInfo, notes ...string) error {
	doc := watch.Service{Schema: watch.SchemaService, Name: system.ServiceName, Installed: info.Installed, Recovery: info.Recovery, Notes: append([]string{}, notes...)}
	if doc.Recovery == nil {
		doc.Recovery = []string{}
	}
	if info.Installed {
		doc.State, doc.StartType, doc.Command = nonEmpty(info.State), nonEmpty(info.StartType), nonEmpty(info.Command)
		doc.Account = nonEmpty(info.Account)
		if info.PID != 0 {
			doc.PID = model.Ptr(int64(info.PID))
		}
	}
	return env.Emit(doc)
}

func nonEmpty(s string) *string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return &s
}

// ServiceStartCmd starts the service.
type ServiceStartCmd struct{}

func (c *ServiceStartCmd) Run(env *Env) error {
	info, err := system.StartService()
	if err != nil {
		return err
	}
	return env.emitService(info)
}

// ServiceStopCmd stops the service.
type ServiceStopCmd struct{}

func (c *ServiceStopCmd) Run(env *Env) error {
	info, err := system.StopService()
	if err != nil {
		return err
	}
	return env.emitService(info)
}

// ServiceRunCmd is the service itself: watch under the service control manager.
type ServiceRunCmd struct {
	WatchCmd
}

func (c *ServiceRunCmd) Run(env *Env) error {
	w, err := c.watch(env)
	if err != nil {
		return err
	}
	return system.RunService(func(ctx context.Context) error {
		return env.runWatch(ctx, w, !c.NoEventLog, c.RotateSize)
	})
}
