// Package system reads (and, for apply, writes) the registry values that hold proxy
// settings. Every source - the live registry, a .reg export, a state document, netsh text,
// the in-memory fake - is a Store, so the domain code in model never knows which one it has.
package system

import (
	"ccproxy/model"
	"ccproxy/registry"
	"errors"
	"time"
)

// Registry value types, as Windows numbers them.
const (
	RegNone     = registry.None
	RegSZ       = registry.SZ
	RegExpandSZ = registry.ExpandSZ
	RegBinary   = registry.Binary
	RegDWORD    = registry.DWORD
	RegMultiSZ  = registry.MultiSZ
	RegQWORD    = registry.QWORD
)

// Value is one registry value exactly as stored (registry.Value).
type Value = registry.Value

// KeyInfo describes a registry key (registry.KeyInfo).
type KeyInfo = registry.KeyInfo

// Store reads registry values. Paths are full paths with the long root name
// ("HKEY_LOCAL_MACHINE\SOFTWARE\..."); the 32-bit view is spelled out as
// "SOFTWARE\WOW6432Node\...", as reg.exe exports it. A missing value is (nil, nil).
type Store interface {
	registry.Reader
	// Source says what the store reads from, for the document's "source" object.
	Source() SourceInfo
}

// Writer is a Store that can also change values. Only the live registry and the fake are writers.
type Writer interface {
	Store
	registry.Writer
}

// Lister enumerates subkeys and value names: the HKEY_USERS\<SID> hives a source holds, the
// services, the named connection blobs.
type Lister = registry.Lister

// SourceInfo describes where a state was read from.
type SourceInfo struct {
	Kind model.SourceKind // registry, regFile, stateDocument, netsh, fake
	Path string           // file path, "" for the live registry and stdin
	Host string           // computer name for the live registry, "" when unknown
	// CurrentUser is the account whose HKEY_CURRENT_USER the source holds, when known.
	CurrentUserName string
	CurrentUserSID  string
	// BootTime is the last boot of the machine, when the source knows it.
	BootTime *time.Time
	// Warnings say how the input was decoded (a Windows-1252 file, say).
	Warnings []string
	// Advanced is the advanced WinHTTP settings, for the sources that hold them;
	// AdvancedReason says why they are unknown otherwise.
	Advanced       *model.AdvancedSettings
	AdvancedReason string
	// WinHTTPBytesUnknown: the source holds the WinHTTP setting but not its bytes (netsh
	// text, or a state document read from it); the blob it holds is made, not read.
	WinHTTPBytesUnknown bool
	// Services asks the service control manager (the live system) for the connector's
	// services; nil for sources that hold them, if at all, in their registry.
	Services func() ([]model.ServiceConfig, error)
}

// Root names.
const (
	HKLM = "HKEY_LOCAL_MACHINE"
	HKCU = "HKEY_CURRENT_USER"
	HKU  = "HKEY_USERS"
)

// CanonicalPath spells a registry path's root the long way (registry.CanonicalPath).
func CanonicalPath(p string) string { return registry.CanonicalPath(p) }

// ErrAccessDenied is wrapped by stores when the OS refuses access; it maps to exit code 3.
var ErrAccessDenied = errors.New("access denied")

// EnvError is a failure of the environment: exit code 3.
type EnvError = model.EnvError

// InputError is bad input: exit code 2.
type InputError = model.InputError
