//go:build !windows

package system

import "runtime"

// OpenLive fails on every OS but Windows: there is no registry to read.
func OpenLive(LiveOptions) (Writer, error) {
	return nil, &EnvError{Msg: "live registry is not available on " + runtime.GOOS +
		"; pass --from FILE (a .reg export, a ccproxy state document or netsh output)"}
}

// NotifyWinINetChanged does nothing where there is no WinINet to tell.
func NotifyWinINetChanged() error { return nil }
