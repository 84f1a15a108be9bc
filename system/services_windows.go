//go:build windows

package system

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc/mgr"

	"ccproxy/model"
)

// liveServices asks the service control manager for the connector's services and the
// accounts they run as (QueryServiceConfig's lpServiceStartName), with only the rights a
// non-administrator has: connect and enumerate, then query each service's configuration.
func liveServices() ([]model.ServiceConfig, error) {
	h, err := windows.OpenSCManager(nil, nil, windows.SC_MANAGER_CONNECT|windows.SC_MANAGER_ENUMERATE_SERVICE)
	if err != nil {
		return nil, fmt.Errorf("OpenSCManager: %w", err)
	}
	m := &mgr.Mgr{Handle: h}
	defer m.Disconnect()
	names, err := m.ListServices()
	if err != nil {
		return nil, fmt.Errorf("listing the services: %w", err)
	}
	out := []model.ServiceConfig{}
	for _, n := range names {
		if !model.IsConnectorService(n) {
			continue
		}
		sh, err := windows.OpenService(h, windows.StringToUTF16Ptr(n), windows.SERVICE_QUERY_CONFIG)
		if err != nil {
			return nil, fmt.Errorf("opening the service %s: %w", n, err)
		}
		account, start, err := queryServiceConfig(sh)
		windows.CloseServiceHandle(sh)
		if err != nil {
			return nil, fmt.Errorf("reading the configuration of %s: %w", n, err)
		}
		if account == "" {
			account = "LocalSystem" // CreateService: a NULL account is LocalSystem
		}
		out = append(out, model.ServiceConfig{Name: n, Account: account, Start: start})
	}
	return out, nil
}

// queryServiceConfig is QueryServiceConfig alone: mgr.Service.Config also asks
// QueryServiceConfig2 for the description and more, which Wine refuses ("invalid level")
// and which the accounts do not need.
func queryServiceConfig(h windows.Handle) (account string, start uint32, err error) {
	n := uint32(1024)
	for range 3 {
		buf := make([]byte, n)
		cfg := (*windows.QUERY_SERVICE_CONFIG)(unsafe.Pointer(&buf[0]))
		err = windows.QueryServiceConfig(h, cfg, n, &n)
		if err == nil {
			return windows.UTF16PtrToString(cfg.ServiceStartName), cfg.StartType, nil
		}
		if err != windows.ERROR_INSUFFICIENT_BUFFER {
			return "", 0, err
		}
	}
	return "", 0, err
}
