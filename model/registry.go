package model

import "ccproxy/registry"

// Registry value types, as Windows numbers them (the registry package's).
const (
	RegNone     = registry.None
	RegSZ       = registry.SZ
	RegExpandSZ = registry.ExpandSZ
	RegBinary   = registry.Binary
	RegDWORD    = registry.DWORD
	RegMultiSZ  = registry.MultiSZ
	RegQWORD    = registry.QWORD
)

// RegTypeName is the name regedit shows for a value type.
func RegTypeName(t uint32) string { return registry.TypeName(t) }

// RegValue is one registry value exactly as stored (registry.Value).
type RegValue = registry.Value

// KeyInfo describes a registry key (registry.KeyInfo).
type KeyInfo = registry.KeyInfo

// RegistryReader is what the domain needs of a registry: values and key times. A missing
// value is (nil, nil). system.Store implements it for every source.
type RegistryReader = registry.Reader

// RegistryLister is what a source offers when it can enumerate keys and values (every source
// ccproxy opens does; the domain asks for it with a type assertion).
type RegistryLister = registry.Lister

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

// CanonicalPath spells a registry path's root the long way (registry.CanonicalPath).
func CanonicalPath(p string) string { return registry.CanonicalPath(p) }
