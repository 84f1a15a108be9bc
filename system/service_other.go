//go:build !windows

package system

func serviceUnsupported() error {
	return &EnvError{Msg: "services are Windows services: 'ccproxy service' runs only on Windows; hint: run 'ccproxy service install' on the connector machine, elevated"}
}

// InstallService fails: there is no service control manager here.
func InstallService(ServiceConfig) (ServiceInfo, []string, error) {
	return ServiceInfo{}, nil, serviceUnsupported()
}

// UninstallService fails: there is no service control manager here.
func UninstallService() error { return serviceUnsupported() }

// QueryService fails: there is no service control manager here.
func QueryService() (ServiceInfo, error) { return ServiceInfo{}, serviceUnsupported() }

// RunService fails: there is no service control manager here.
func RunService(ServiceRunner) error { return serviceUnsupported() }

// StartService fails: there is no service control manager here.
func StartService() (ServiceInfo, error) { return ServiceInfo{}, serviceUnsupported() }

// StopService fails: there is no service control manager here.
func StopService() (ServiceInfo, error) { return ServiceInfo{}, serviceUnsupported() }
