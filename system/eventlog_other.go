//go:build !windows

package system

// OpenEventLog: there is no Event Log but on Windows; events go to stdout or --output only.
func OpenEventLog(source string) (EventLog, []string, error) {
	return nil, []string{"no Windows Event Log on this system"}, nil
}
