package system

// EventLog writes to the Windows Event Log, Application log.
type EventLog interface {
	// Report writes one event: level is "information", "warning" or "error".
	Report(level string, id uint32, msg string) error
	Close() error
}

// eventLogMax keeps a message within ReportEvent's limit of 31,839 characters per string
// (learn.microsoft.com/windows/win32/api/winbase/nf-winbase-reporteventw).
const eventLogMax = 31000

func eventLogText(msg string) string {
	r := []rune(msg)
	if len(r) > eventLogMax {
		return string(r[:eventLogMax]) + "..."
	}
	return msg
}
