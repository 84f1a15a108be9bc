//go:build !windows

package system

import "ccproxy/model"

// WatchRegistry fails on every OS but Windows: there is no registry to be told about.
func WatchRegistry(keys []string) (RegistryWatcher, error) {
	return nil, &model.EnvError{Msg: "watch waits on the Windows registry's change notifications, which only Windows has; hint: run it on the connector machine, or compare two 'ccproxy get' documents here with 'ccproxy diff'"}
}
