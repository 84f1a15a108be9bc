package system

// Notification is one change Windows reported: the watched keys it concerns (the keys as
// asked for, also when Windows watches their nearest existing parent) and where it came from.
type Notification struct {
	Keys   []string
	Source string // "registry" or "winhttpProxyChange"
	// Error, when set, says a key could not be watched again after this change: it is no
	// longer watched.
	Error string
}

// RegistryWatcher delivers change notifications for registry keys. It waits on Windows'
// own notifications and never reads the registry to find changes.
type RegistryWatcher interface {
	Changes() <-chan Notification
	// Notes say what it could not watch as asked (a notification Windows lacks).
	Notes() []string
	Close() error
}
