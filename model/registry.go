package model

import (
	"strconv"
	"strings"
	"time"
)

// Registry value types, as Windows numbers them.
const (
	RegNone     uint32 = 0
	RegSZ       uint32 = 1
	RegExpandSZ uint32 = 2
	RegBinary   uint32 = 3
	RegDWORD    uint32 = 4
	RegMultiSZ  uint32 = 7
	RegQWORD    uint32 = 11
)

// RegTypeName is the name regedit shows for a value type.
func RegTypeName(t uint32) string {
	switch t {
	case RegNone:
		return "REG_NONE"
	case RegSZ:
		return "REG_SZ"
	case RegExpandSZ:
		return "REG_EXPAND_SZ"
	case RegBinary:
		return "REG_BINARY"
	case RegDWORD:
		return "REG_DWORD"
	case RegMultiSZ:
		return "REG_MULTI_SZ"
	case RegQWORD:
		return "REG_QWORD"
	}
	return "type " + strconv.FormatUint(uint64(t), 10)
}

// RegValue is one registry value exactly as stored. Strings (REG_SZ) are UTF-16LE with a
// terminating NUL, as the registry keeps them.
type RegValue struct {
	Type uint32
	Data []byte
}

// KeyInfo describes a registry key. A key that does not exist is Exists=false, not an error.
type KeyInfo struct {
	Exists    bool
	LastWrite *time.Time
	// Implied is true when a file source holds the key only as the parent of a key it lists:
	// the key exists, but the file says nothing about its values.
	Implied bool
}

// RegistryReader is what the domain needs of a registry: values and key times. A missing
// value is (nil, nil). system.Store implements it for every source.
type RegistryReader interface {
	ReadValue(path, name string) (*RegValue, error)
	Key(path string) (KeyInfo, error)
}

// RegistryLister is what a source offers when it can enumerate keys and values (every source
// ccproxy opens does; the domain asks for it with a type assertion).
type RegistryLister interface {
	SubKeys(path string) ([]string, error)
	ValueNames(path string) ([]string, error)
}

// Where the settings live. The 32-bit view is spelled out as WOW6432Node, as reg.exe exports it.
const (
	WinHTTPNativeKey   = `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`
	WinHTTPWOW64Key    = `HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`
	WinHTTPValue       = "WinHttpSettings"
	InternetSettings   = `Software\Microsoft\Windows\CurrentVersion\Internet Settings`
	PolicyKey          = `HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings`
	PolicyPerUserValue = "ProxySettingsPerUser"
	DefaultConnValue   = "DefaultConnectionSettings"
	SavedLegacyValue   = "SavedLegacySettings"
)

// WinINetKeys returns the Internet Settings key and its Connections subkey under a hive root
// ("HKEY_CURRENT_USER", "HKEY_USERS\S-1-5-21-...", "HKEY_LOCAL_MACHINE").
func WinINetKeys(hive string) (settings, connections string) {
	settings = hive + `\` + InternetSettings
	return settings, settings + `\Connections`
}

// DecodeRegString reads a REG_SZ or REG_EXPAND_SZ value (UTF-16LE), stopping at the first NUL.
func DecodeRegString(v *RegValue) (string, bool) {
	if v == nil || (v.Type != RegSZ && v.Type != RegExpandSZ) {
		return "", false
	}
	d := v.Data
	u := make([]rune, 0, len(d)/2)
	for i := 0; i+1 < len(d); i += 2 {
		c := uint16(d[i]) | uint16(d[i+1])<<8
		if c == 0 {
			break
		}
		if c >= 0xD800 && c < 0xDC00 && i+3 < len(d) {
			c2 := uint16(d[i+2]) | uint16(d[i+3])<<8
			if c2 >= 0xDC00 && c2 < 0xE000 {
				u = append(u, (rune(c)-0xD800)<<10|(rune(c2)-0xDC00)+0x10000)
				i += 2
				continue
			}
		}
		u = append(u, rune(c))
	}
	return string(u), true
}

// EncodeRegString makes a REG_SZ value as the registry stores it: UTF-16LE with a NUL.
func EncodeRegString(s string) RegValue {
	out := make([]byte, 0, 2*len(s)+2)
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			hi, lo := 0xD800+(r>>10), 0xDC00+(r&0x3FF)
			out = append(out, byte(hi), byte(hi>>8), byte(lo), byte(lo>>8))
			continue
		}
		out = append(out, byte(r), byte(r>>8))
	}
	return RegValue{Type: RegSZ, Data: append(out, 0, 0)}
}

// DecodeDWORD reads a REG_DWORD value.
func DecodeDWORD(v *RegValue) (uint32, bool) {
	if v == nil || v.Type != RegDWORD || len(v.Data) != 4 {
		return 0, false
	}
	return uint32(v.Data[0]) | uint32(v.Data[1])<<8 | uint32(v.Data[2])<<16 | uint32(v.Data[3])<<24, true
}

// EncodeDWORD makes a REG_DWORD value.
func EncodeDWORD(n uint32) RegValue {
	return RegValue{Type: RegDWORD, Data: []byte{byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)}}
}

// CanonicalPath turns the short and long root spellings and any case of the root into the
// long upper-case root reg.exe exports, and trims stray backslashes, so paths compare one way.
func CanonicalPath(p string) string {
	p = strings.Trim(strings.TrimSpace(p), `\`)
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
