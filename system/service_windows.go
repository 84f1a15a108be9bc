//go:build windows

package system

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"
	"golang.org/x/sys/windows/svc/mgr"
)

func serviceErr(op string, err error) error {
	if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		return &EnvError{Msg: fmt.Sprintf("service %s: access denied; hint: run it from an elevated prompt (Run as administrator)", op)}
	}
	return &EnvError{Msg: fmt.Sprintf("service %s: %v", op, err)}
}

// InstallService creates the service: LocalSystem (an empty account in CreateService), started
// at boot, restarted 60 seconds after each of its first three failures in a day (recovery
// actions, SERVICE_CONFIG_FAILURE_ACTIONS), also when it stops with an error of its own; and
// registers the Event Log source it writes as.
func InstallService(c ServiceConfig) (info ServiceInfo, notes []string, err error) {
	m, err := mgr.Connect()
	if err != nil {
		return info, nil, serviceErr("install", err)
	}
	defer m.Disconnect()
	if s, err := m.OpenService(ServiceName); err == nil {
		s.Close()
		return info, nil, &InputError{Input: "service install", Msg: "the service " + ServiceName + " exists already; hint: 'ccproxy service uninstall' first, then install it again"}
	}
	s, err := m.CreateService(ServiceName, c.Exe, mgr.Config{
		StartType: mgr.StartAutomatic, ErrorControl: mgr.ErrorNormal,
		DisplayName: c.DisplayName, Description: c.Description,
	}, c.Args...)
	if errors.Is(err, windows.ERROR_SERVICE_EXISTS) {
		return info, nil, &InputError{Input: "service install", Msg: "the service " + ServiceName + " exists already; hint: 'ccproxy service uninstall' first, then install it again"}
	}
	if err != nil {
		return info, nil, serviceErr("install", err)
	}
	defer s.Close()
	restart := mgr.RecoveryAction{Type: mgr.ServiceRestart, Delay: time.Minute}
	// ChangeServiceConfig2's levels: a service manager without them (Wine 8 answers
	// ERROR_INVALID_LEVEL) gets the service without recovery actions, and the notes say so.
	if err := s.SetRecoveryActions([]mgr.RecoveryAction{restart, restart, restart}, 24*60*60); errors.Is(err, windows.ERROR_INVALID_LEVEL) {
		notes = append(notes, "this service control manager has no recovery actions (SERVICE_CONFIG_FAILURE_ACTIONS): the service is not restarted after a failure")
	} else if err != nil {
		s.Delete()
		return info, notes, serviceErr("install: setting its recovery actions", err)
	} else if err := s.SetRecoveryActionsOnNonCrashFailures(true); errors.Is(err, windows.ERROR_INVALID_LEVEL) {
		notes = append(notes, "this service control manager cannot restart a service that stops with an error (SERVICE_CONFIG_FAILURE_ACTIONS_FLAG): only crashes restart it")
	} else if err != nil {
		s.Delete()
		return info, notes, serviceErr("install: setting its recovery actions", err)
	}
	if err := eventlog.InstallAsEventCreate(ServiceName, eventlog.Error|eventlog.Warning|eventlog.Info); err != nil && !alreadyRegistered(err) {
		s.Delete()
		return info, notes, serviceErr("install: registering the Event Log source", err)
	}
	// Read from the handle just made, which holds what was created.
	return serviceInfo(s), notes, nil
}

func alreadyRegistered(err error) bool {
	return err != nil && strings.Contains(err.Error(), "already exists")
}

// UninstallService stops the service (waiting up to 20 s) and deletes it. The Event Log
// source stays registered, so that the events written stay readable.
func UninstallService() error {
	m, err := mgr.Connect()
	if err != nil {
		return serviceErr("uninstall", err)
	}
	defer m.Disconnect()
	s, err := m.OpenService(ServiceName)
	if err != nil {
		return &InputError{Input: "service uninstall", Msg: "the service " + ServiceName + " is not installed"}
	}
	defer s.Close()
	if st, err := s.Query(); err == nil && st.State != svc.Stopped {
		if _, err := s.Control(svc.Stop); err == nil {
			for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
				if st, err := s.Query(); err != nil || st.State == svc.Stopped {
					break
				}
			}
		}
	}
	if err := s.Delete(); err != nil {
		return serviceErr("uninstall", err)
	}
	return nil
}

var serviceStates = map[svc.State]string{
	svc.Stopped: "stopped", svc.StartPending: "startPending", svc.StopPending: "stopPending", svc.Running: "running",
	svc.ContinuePending: "continuePending", svc.PausePending: "pausePending", svc.Paused: "paused",
}

var serviceStartTypes = map[uint32]string{
	mgr.StartAutomatic: "auto", mgr.StartManual: "manual", mgr.StartDisabled: "disabled", windows.SERVICE_BOOT_START: "boot", windows.SERVICE_SYSTEM_START: "system",
}

// QueryService says whether the service is installed, its state and configuration.
func QueryService() (ServiceInfo, error) {
	m, err := mgr.Connect()
	if err != nil {
		return ServiceInfo{}, serviceErr("status", err)
	}
	defer m.Disconnect()
	s, err := m.OpenService(ServiceName)
	if err != nil {
		return ServiceInfo{Recovery: []string{}}, nil
	}
	defer s.Close()
	return serviceInfo(s), nil
}

func serviceInfo(s *mgr.Service) ServiceInfo {
	info := ServiceInfo{Installed: true, Recovery: []string{}}
	if st, err := s.Query(); err == nil {
		info.State, info.PID = serviceStates[st.State], st.ProcessId
	}
	if c, err := s.Config(); err == nil {
		info.StartType, info.Account, info.Command = serviceStartTypes[c.StartType], c.ServiceStartName, c.BinaryPathName
	} else if c, err := fullServiceConfig(s.Handle); err == nil {
		// mgr's Config also asks QueryServiceConfig2, which Wine's service manager refuses.
		info.StartType = serviceStartTypes[c.StartType]
		info.Account = windows.UTF16PtrToString(c.ServiceStartName)
		info.Command = windows.UTF16PtrToString(c.BinaryPathName)
	}
	if ra, err := s.RecoveryActions(); err == nil {
		for _, a := range ra {
			switch a.Type {
			case mgr.ServiceRestart:
				info.Recovery = append(info.Recovery, fmt.Sprintf("restart after %s", a.Delay))
			case mgr.ComputerReboot:
				info.Recovery = append(info.Recovery, "reboot")
			case mgr.RunCommand:
				info.Recovery = append(info.Recovery, "run a command")
			default:
				info.Recovery = append(info.Recovery, "none")
			}
		}
	}
	return info
}

// RunService runs under the service control manager until it asks the service to stop:
// the context ends at once, and the service reports stopped when run has returned, which
// the watch does within a second (it only has to write its stopped event).
//
// Whether the service control manager started this process is left to
// StartServiceCtrlDispatcher, which says so (ERROR_FAILED_SERVICE_CONTROLLER_CONNECT): the
// parent-process test of svc.IsWindowsService does not hold under Wine, whose services.exe
// is not in session 0.
func RunService(run ServiceRunner) error {
	err := svc.Run(ServiceName, &serviceHandler{run: run})
	if errors.Is(err, windows.ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
		return &InputError{Input: "service run", Msg: "is what the service control manager starts; hint: run 'ccproxy watch' in a console, or 'ccproxy service install' to make the service"}
	}
	if err != nil {
		return serviceErr("run", err)
	}
	return nil
}

type serviceHandler struct{ run ServiceRunner }

func (h *serviceHandler) Execute(args []string, req <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	status <- svc.Status{State: svc.StartPending}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- h.run(ctx) }()
	status <- svc.Status{State: svc.Running, Accepts: svc.AcceptStop | svc.AcceptShutdown}
	for {
		select {
		case err := <-done:
			if err != nil {
				// A non-zero service-specific exit code: the recovery actions restart it.
				return true, 1
			}
			return false, 0
		case c := <-req:
			switch c.Cmd {
			case svc.Interrogate:
				status <- c.CurrentStatus
			case svc.Stop, svc.Shutdown:
				status <- svc.Status{State: svc.StopPending, WaitHint: 2000}
				cancel()
				select {
				case <-done:
				case <-time.After(5 * time.Second):
				}
				return false, 0
			}
		}
	}
}

// StartService asks the service control manager to start the service and waits (up to 30 s)
// until it runs.
func StartService() (ServiceInfo, error) {
	return serviceControl("start", func(s *mgr.Service) error { return s.Start() }, svc.Running)
}

// StopService asks the service to stop and waits (up to 30 s) until it has.
func StopService() (ServiceInfo, error) {
	return serviceControl("stop", func(s *mgr.Service) error { _, err := s.Control(svc.Stop); return err }, svc.Stopped)
}

func serviceControl(op string, do func(*mgr.Service) error, want svc.State) (ServiceInfo, error) {
	m, err := mgr.Connect()
	if err != nil {
		return ServiceInfo{}, serviceErr(op, err)
	}
	defer m.Disconnect()
	s, err := m.OpenService(ServiceName)
	if err != nil {
		return ServiceInfo{}, &InputError{Input: "service " + op, Msg: "the service " + ServiceName + " is not installed; hint: 'ccproxy service install --desired FILE'"}
	}
	defer s.Close()
	if err := do(s); err != nil {
		return serviceInfo(s), serviceErr(op, err)
	}
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if st, err := s.Query(); err == nil && st.State == want {
			break
		}
	}
	return serviceInfo(s), nil
}

// fullServiceConfig is QueryServiceConfig with the command line, which the accounts'
// queryServiceConfig leaves out.
func fullServiceConfig(h windows.Handle) (*windows.QUERY_SERVICE_CONFIG, error) {
	var need uint32
	buf := make([]byte, 1024)
	for {
		c := (*windows.QUERY_SERVICE_CONFIG)(unsafe.Pointer(&buf[0]))
		err := windows.QueryServiceConfig(h, c, uint32(len(buf)), &need)
		if err == nil {
			return c, nil
		}
		if err != windows.ERROR_INSUFFICIENT_BUFFER || int(need) <= len(buf) {
			return nil, err
		}
		buf = make([]byte, need)
	}
}
