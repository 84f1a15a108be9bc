package system

import "context"

// ServiceName is the Windows service 'ccproxy service install' creates.
const ServiceName = "ccproxy"

// ServiceConfig is what 'service install' creates: the command line the service control
// manager starts (this program, then args), run as LocalSystem, started at boot, restarted
// after a failure.
type ServiceConfig struct {
	Exe         string
	Args        []string
	DisplayName string
	Description string
}

// ServiceInfo is what the service control manager says of the service.
type ServiceInfo struct {
	Installed bool
	State     string // stopped, startPending, stopPending, running, continuePending, pausePending, paused; "" when not installed
	StartType string // auto, manual, disabled, boot, system
	Account   string
	Command   string
	// Recovery lists the actions after the first, second and later failures.
	Recovery []string
	PID      uint32
}

// ServiceRunner runs the watch under the service control manager: run gets a context that
// ends when the service is asked to stop (or the machine shuts down).
type ServiceRunner func(ctx context.Context) error
