// Package registry is ccproxy's model of the Windows registry, with nothing of ccproxy in
// it: values as stored, key paths and their one canonical key, the interfaces every source
// implements (Reader, Writer, Lister), the in-memory registry (Mem) and the copy-on-write
// Overlay. It imports nothing but the standard library, so every layer can use it.
package registry

import (
	"strconv"
	"strings"
	"time"
)

// Value types, as Windows numbers them (winnt.h REG_*).
const (
	None     uint32 = 0
	SZ       uint32 = 1
	ExpandSZ uint32 = 2
	Binary   uint32 = 3
	DWORD    uint32 = 4
	MultiSZ  uint32 = 7
	QWORD    uint32 = 11
)

// TypeName is the name regedit shows for a value type.
func TypeName(t uint32) string {
	switch t {
	case None:
		return "REG_NONE"
	case SZ:
		return "REG_SZ"
	case ExpandSZ:
		return "REG_EXPAND_SZ"
	case Binary:
		return "REG_BINARY"
	case DWORD:
		return "REG_DWORD"
	case MultiSZ:
		return "REG_MULTI_SZ"
	case QWORD:
		return "REG_QWORD"
	}
	return "type " + strconv.FormatUint(uint64(t), 10)
}

// Value is one registry value exactly as stored. Strings (REG_SZ) are UTF-16LE with a
// terminating NUL, as the registry keeps them.
type Value struct {
	Type uint32
	Data []byte
}

// Clone is a copy that shares no bytes with v.
func (v Value) Clone() Value { return Value{Type: v.Type, Data: append([]byte(nil), v.Data...)} }

// KeyInfo describes a key. A key that does not exist is Exists=false, not an error.
type KeyInfo struct {
	Exists    bool
	LastWrite *time.Time
	// Implied is true when a file source holds the key only as the parent of a key it lists:
	// the key exists, but the file says nothing about its values.
	Implied bool
}

// Reader reads values and key times. Paths are full paths with the root spelled out
// ("HKEY_LOCAL_MACHINE\SOFTWARE\..."), the 32-bit view as "SOFTWARE\WOW6432Node\...", as
// reg.exe exports it. A missing value is (nil, nil).
type Reader interface {
	ReadValue(path, name string) (*Value, error)
	Key(path string) (KeyInfo, error)
}

// Writer is a Reader that can also change values.
type Writer interface {
	Reader
	SetValue(path, name string, v Value) error
	DeleteValue(path, name string) error
}

// Lister enumerates subkeys and value names: the HKEY_USERS\<SID> hives a source holds, the
// services, the named connection blobs.
type Lister interface {
	SubKeys(path string) ([]string, error)
	ValueNames(path string) ([]string, error)
}

// SIDLocalSystem is LocalSystem's SID, whose profile hive HKEY_USERS\.DEFAULT also names.
const SIDLocalSystem = "S-1-5-18"

// CanonicalPath turns the short and long root spellings and any case of the root into the
// long upper-case root reg.exe exports, and trims stray backslashes, so paths compare one way.
//
// White space is trimmed only before the root, whose names hold none: a key name may hold
// any printable character but the backslash ("Structure of the Registry"), spaces and
// U+0085 included, at either end.
func CanonicalPath(p string) string {
	p = strings.Trim(strings.TrimLeft(p, " \t\r\n"), `\`)
	root, rest, _ := strings.Cut(p, `\`)
	switch strings.ToUpper(root) {
	case "HKLM", "HKEY_LOCAL_MACHINE":
		root = "HKEY_LOCAL_MACHINE"
	case "HKCU", "HKEY_CURRENT_USER":
		root = "HKEY_CURRENT_USER"
	case "HKU", "HKEY_USERS":
		root = "HKEY_USERS"
		// HKEY_USERS\.DEFAULT is LocalSystem's own profile, an alias of HKEY_USERS\S-1-5-18,
		// not a template for new users ("The .Default user is not the default user", The Old
		// New Thing, 2007; Microsoft's well-known SIDs list S-1-5-18 as Local System). One
		// spelling keeps a .reg section under either name and --user in agreement.
		if sub, tail, _ := strings.Cut(rest, `\`); strings.EqualFold(sub, ".DEFAULT") {
			rest = SIDLocalSystem
			if tail != "" {
				rest += `\` + tail
			}
		}
	case "HKCR", "HKEY_CLASSES_ROOT":
		root = "HKEY_CLASSES_ROOT"
	case "HKCC", "HKEY_CURRENT_CONFIG":
		root = "HKEY_CURRENT_CONFIG"
	}
	if rest == "" {
		return root
	}
	return root + `\` + rest
}

// Key is a key path's identity: "Key names are not case sensitive" (Microsoft, "Structure of
// the Registry"), so two spellings of one key have one Key.
func Key(path string) string { return strings.ToLower(CanonicalPath(path)) }

// ValueKey is the identity of one value of a key. Value names are compared without case as
// well (Wine's registry server, server/registry.c find_value, compares them with memicmpW,
// as RegQueryValueEx finds "proxyenable" for ProxyEnable).
func ValueKey(path, name string) string { return Key(path) + "\x00" + strings.ToLower(name) }
