//go:build windows

package system

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc/eventlog"
)

type winEventLog struct{ l *eventlog.Log }

// OpenEventLog registers source in the Application log with EventCreate.exe's message file
// (eventlog.InstallAsEventCreate: ids 1-1000, the message is the text given) when it is not
// registered yet, which needs Administrators, and opens it. Without the registration the
// events are still written; Event Viewer then says their description cannot be found.
func OpenEventLog(source string) (EventLog, []string, error) {
	var notes []string
	err := eventlog.InstallAsEventCreate(source, eventlog.Error|eventlog.Warning|eventlog.Info)
	switch {
	case err == nil:
		notes = append(notes, "registered the Event Log source "+source+" (Application log)")
	case strings.Contains(err.Error(), "registry key already exists"):
	case errors.Is(err, windows.ERROR_ACCESS_DENIED):
		notes = append(notes, "the Event Log source "+source+" is not registered and registering it needs Administrators: events are written without their message file")
	default:
		notes = append(notes, fmt.Sprintf("cannot register the Event Log source %s: %v", source, err))
	}
	l, err := eventlog.Open(source)
	if err != nil {
		return nil, notes, &EnvError{Msg: fmt.Sprintf("cannot open the Event Log as %s: %v", source, err)}
	}
	return &winEventLog{l}, notes, nil
}

func (w *winEventLog) Report(level string, id uint32, msg string) error {
	msg = eventLogText(msg)
	switch level {
	case "error":
		return w.l.Error(id, msg)
	case "warning":
		return w.l.Warning(id, msg)
	}
	return w.l.Info(id, msg)
}

func (w *winEventLog) Close() error { return w.l.Close() }

// RemoveEventLogSource unregisters the source (service uninstall).
func RemoveEventLogSource(source string) error { return eventlog.Remove(source) }
