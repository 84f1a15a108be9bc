package model

import (
	"encoding/hex"
	"strings"
)

// The machine's prerequisites beyond the proxy line: the registry values that decide whether
// a Cloud Connector can speak TLS 1.2 to Citrix Cloud, has the .NET Framework it needs, is
// not in FIPS mode, can detect a proxy, and is about to reboot. The state holds them raw (the
// value's type, bytes and reading); test judges them. Each is known only where the source
// holds its key, so an export without the key makes the check notChecked, never a pass.

// MachineState is the machine's prerequisite values as the source holds them.
type MachineState struct {
	Values []MachineValue `json:"values" doc:"each registry value (or marker key) the prerequisite checks read, as found"`
}

// MachineValue is one registry value, or a marker key when ValueName is empty.
type MachineValue struct {
	ID           string  `json:"id" doc:"what the value is, stable: tls12ClientEnabled, netFrameworkRelease, ..."`
	RegistryPath string  `json:"registryPath"`
	ValueName    string  `json:"valueName" doc:"empty for a marker key, whose existence is what counts"`
	Known        bool    `json:"known" doc:"false when the source does not hold the key"`
	Exists       bool    `json:"exists"`
	Type         *string `json:"type" doc:"REG_DWORD, REG_SZ, ...; null for a marker key or a missing value"`
	Hex          *string `json:"hex" doc:"the value's bytes; null when it does not exist"`
	Number       *int64  `json:"number" doc:"a REG_DWORD's value"`
	Text         *string `json:"text" doc:"a string value; a REG_MULTI_SZ's strings joined with commas"`
}

// Registry locations the prerequisite checks read. Where each comes from is said in the
// finding that judges it (model/compliance/checks_machine.go).
const (
	keySChannelTLS12Client = `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client`
	keyCipherPolicy        = `HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002`
	keyCipherLocal         = `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Cryptography\Configuration\Local\Default\00010002`
	keyNetFX64             = `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\.NETFramework\v4.0.30319`
	keyNetFX32             = `HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\.NETFramework\v4.0.30319`
	keyNDPFull             = `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full`
	keyFIPS                = `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Lsa\FipsAlgorithmPolicy`
	keyAutoProxySvc        = `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\WinHttpAutoProxySvc`
	// DisableWpad lives here: Microsoft, "Disable HTTP proxy authentication features",
	// "How to disable WPAD" (learn.microsoft.com/troubleshoot/windows-server/networking/
	// disable-http-proxy-auth-features).
	keyWinHTTPSettings = `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp`
	keyCBS             = `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing`
	keyWUAuto          = `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update`
	keySessionManager  = `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Session Manager`
)

// machineValues lists what is read: id, key, value ("" for a marker key, read as the
// key's subkey named in marker).
var machineValues = []struct{ id, key, value, marker string }{
	{"tls12ClientEnabled", keySChannelTLS12Client, "Enabled", ""},
	{"tls12ClientDisabledByDefault", keySChannelTLS12Client, "DisabledByDefault", ""},
	{"cipherSuitesPolicy", keyCipherPolicy, "Functions", ""},
	{"cipherSuitesLocal", keyCipherLocal, "Functions", ""},
	{"netFrameworkRelease", keyNDPFull, "Release", ""},
	{"schUseStrongCrypto64", keyNetFX64, "SchUseStrongCrypto", ""},
	{"schUseStrongCrypto32", keyNetFX32, "SchUseStrongCrypto", ""},
	{"systemDefaultTlsVersions64", keyNetFX64, "SystemDefaultTlsVersions", ""},
	{"systemDefaultTlsVersions32", keyNetFX32, "SystemDefaultTlsVersions", ""},
	{"fipsEnabled", keyFIPS, "Enabled", ""},
	{"winHttpAutoProxySvcStart", keyAutoProxySvc, "Start", ""},
	{"disableWpad", keyWinHTTPSettings, "DisableWpad", ""},
	{"rebootPendingServicing", keyCBS, "", "RebootPending"},
	{"rebootRequiredWindowsUpdate", keyWUAuto, "", "RebootRequired"},
	{"pendingFileRenameOperations", keySessionManager, "PendingFileRenameOperations", ""},
}

// machine reads the prerequisite values.
func (b *stateBuilder) machine() error {
	b.st.Machine.Values = []MachineValue{}
	for _, m := range machineValues {
		v := MachineValue{ID: m.id, RegistryPath: m.key, ValueName: m.value}
		known, err := b.known(m.key)
		if err != nil {
			return err
		}
		v.Known = known
		if m.marker != "" {
			v.RegistryPath = m.key + `\` + m.marker
			if known {
				ki, err := b.r.Key(v.RegistryPath)
				if err != nil {
					return err
				}
				v.Exists = ki.Exists
			}
			b.st.Machine.Values = append(b.st.Machine.Values, v)
			continue
		}
		if known {
			rv, err := b.r.ReadValue(m.key, m.value)
			if err != nil {
				return err
			}
			if rv != nil {
				v.Exists = true
				v.Type = Ptr(RegTypeName(rv.Type))
				v.Hex = Ptr(hex.EncodeToString(rv.Data))
				switch rv.Type {
				case RegDWORD:
					if n, ok := DecodeDWORD(rv); ok {
						v.Number = Ptr(int64(n))
					}
				case RegSZ, RegExpandSZ:
					if s, ok := DecodeRegString(rv); ok {
						v.Text = Ptr(s)
					}
				case RegMultiSZ:
					v.Text = Ptr(strings.Join(decodeMultiSZ(rv.Data), ","))
				}
			}
		}
		b.st.Machine.Values = append(b.st.Machine.Values, v)
	}
	return nil
}

// decodeMultiSZ splits a REG_MULTI_SZ (UTF-16LE strings, each NUL-terminated, an empty one
// at the end).
func decodeMultiSZ(d []byte) []string {
	var out []string
	start := 0
	for i := 0; i+1 < len(d); i += 2 {
		if d[i] == 0 && d[i+1] == 0 {
			if i > start {
				s, _ := DecodeRegString(&RegValue{Type: RegSZ, Data: d[start:i]})
				out = append(out, s)
			}
			start = i + 2
		}
	}
	return out
}

// MachineValueByID finds a prerequisite value in a state; nil when the state has none.
func (s *State) MachineValueByID(id string) *MachineValue {
	for i := range s.Machine.Values {
		if s.Machine.Values[i].ID == id {
			return &s.Machine.Values[i]
		}
	}
	return nil
}
