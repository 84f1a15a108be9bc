package compliance

import (
	"fmt"
	"strings"

	"ccproxy/model"
)

// The machine's prerequisites beyond the proxy line, from the registry values the state
// holds (model/read_machine.go). Each rule names its authority in the finding's evidence:
//
//   - Citrix CTX335879: TLS 1.2 with TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 or
//     TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (the DHE variants also accepted); a hardened
//     cipher-suite order can break the connector.
//   - Microsoft, "TLS registry settings" (SCHANNEL\Protocols\TLS 1.2\Client: Enabled 0
//     disables the protocol, DisabledByDefault 1 keeps it from programs that do not ask);
//     "Prioritizing Schannel Cipher Suites" (the SSL\00010002 Functions policy replaces the
//     order).
//   - Microsoft, "Transport Layer Security (TLS) best practices with .NET Framework":
//     SchUseStrongCrypto and SystemDefaultTlsVersions (both registry views) let .NET 4.x
//     programs use the system's TLS 1.2.
//   - Microsoft, "Determine which .NET Framework versions are installed": Release 461808 or
//     more is 4.7.2; Citrix's connector requirements ask for 4.7.2 or later and FIPS mode off.
//   - The WinHTTP Web Proxy Auto-Discovery service (WinHttpAutoProxySvc) implements WinHTTP's
//     WPAD, so disabling it (Start 4) stops automatic detection; that it also stops Internet
//     Options from being saved is reported by admins and not confirmed: the finding says so.
//   - Pending reboots: Component Based Servicing\RebootPending, WindowsUpdate\Auto
//     Update\RebootRequired, Session Manager PendingFileRenameOperations; Citrix: the
//     connector checks every five minutes and reboots itself.

// Check ids of the machine's prerequisites.
const (
	CheckTLS12ClientEnabled   = "tls12ClientEnabled"
	CheckCipherSuitesAccepted = "cipherSuitesAccepted"
	CheckDotNetStrongCrypto   = "dotnetStrongCrypto"
	CheckDotNetVersion        = "dotnetVersion"
	CheckFIPSModeOff          = "fipsModeOff"
	CheckAutoProxyService     = "autoProxyServiceEnabled"
	CheckRebootNotPending     = "rebootNotPending"
)

// citrixSuites are the TLS 1.2 cipher suites Citrix Cloud accepts (CTX335879); the first
// two are the ones Server 2016, 2019 and 2022 should use.
var citrixSuites = []string{
	"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	"TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
}

func (c *context) mv(id string) *model.MachineValue {
	if v := c.st.MachineValueByID(id); v != nil {
		return v
	}
	return &model.MachineValue{ID: id}
}

func mvEvidence(v *model.MachineValue) Evidence {
	path := v.RegistryPath
	if v.ValueName != "" {
		path += `\` + v.ValueName
	}
	switch {
	case !v.Known:
		return ev(path, "unknown: not in the source")
	case !v.Exists:
		return ev(path, nil)
	case v.Number != nil:
		return ev(path, *v.Number)
	case v.Text != nil:
		return ev(path, *v.Text)
	case v.ValueName == "":
		return ev(path, "present")
	}
	return ev(path, deref(v.Hex))
}

func num(v *model.MachineValue) (int64, bool) {
	if v.Known && v.Exists && v.Number != nil {
		return *v.Number, true
	}
	return 0, false
}

func notInSource(id, what string, e []Evidence, vs ...*model.MachineValue) Finding {
	e = e[:1:1] // the reference; the values follow
	for _, v := range vs {
		e = append(e, mvEvidence(v))
	}
	return finding(id, StatusNotChecked, fmt.Sprintf("the source does not hold %s (%s); export that key to include it", what, vs[0].RegistryPath), e...)
}

func (c *context) tls12ClientEnabled() []Finding {
	en, dbd := c.mv("tls12ClientEnabled"), c.mv("tls12ClientDisabledByDefault")
	e := []Evidence{ev("reference", "CTX335879; Microsoft: TLS registry settings"), mvEvidence(en), mvEvidence(dbd)}
	if !en.Known {
		return []Finding{notInSource(CheckTLS12ClientEnabled, "SChannel's TLS 1.2 client settings", e, en, dbd)}
	}
	fix := `reg add "HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client" /v Enabled /t REG_DWORD /d 1 /f & reg add "HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client" /v DisabledByDefault /t REG_DWORD /d 0 /f, then restart`
	if n, ok := num(en); ok && n == 0 {
		return []Finding{finding(CheckTLS12ClientEnabled, StatusFail, "SChannel's TLS 1.2 client protocol is disabled (Enabled = 0): the connector cannot reach Citrix Cloud, which accepts only TLS 1.2 and later", e...).fix(fix, nil)}
	}
	if n, ok := num(dbd); ok && n != 0 {
		return []Finding{finding(CheckTLS12ClientEnabled, StatusFail, "SChannel's TLS 1.2 client protocol is disabled by default (DisabledByDefault = 1): programs that do not ask for TLS 1.2 by name, as .NET Framework ones often do not, cannot use it", e...).fix(fix, nil)}
	}
	return []Finding{finding(CheckTLS12ClientEnabled, StatusPass, "SChannel's TLS 1.2 client protocol is not disabled (Windows Server 2016 and later enable it when the values are absent)", e...)}
}

func (c *context) cipherSuitesAccepted() []Finding {
	pol, loc := c.mv("cipherSuitesPolicy"), c.mv("cipherSuitesLocal")
	e := []Evidence{ev("reference", "CTX335879; Microsoft: Prioritizing Schannel Cipher Suites"), mvEvidence(pol), mvEvidence(loc)}
	list, from := "", ""
	switch {
	case pol.Known && pol.Exists && pol.Text != nil:
		list, from = *pol.Text, "the cipher-suite order policy"
	case loc.Known && loc.Exists && loc.Text != nil:
		list, from = *loc.Text, "the local cipher-suite configuration"
	case pol.Known && loc.Known:
		return []Finding{finding(CheckCipherSuitesAccepted, StatusPass, "no cipher-suite order is configured: Windows' default order, which holds the ECDHE suites Citrix Cloud accepts on Server 2016 and later", e...)}
	default:
		return []Finding{notInSource(CheckCipherSuitesAccepted, "the cipher-suite order", e, pol, loc)}
	}
	var ecdhe, dhe []string
	for _, s := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		for i, want := range citrixSuites {
			if strings.EqualFold(strings.TrimSpace(s), want) {
				if i < 2 {
					ecdhe = append(ecdhe, want)
				} else {
					dhe = append(dhe, want)
				}
			}
		}
	}
	fix := "put TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 and TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 back in " + from + " (Group Policy: SSL Cipher Suite Order; or Enable-TlsCipherSuite -Name TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384), then restart"
	switch {
	case len(ecdhe) > 0:
		return []Finding{finding(CheckCipherSuitesAccepted, StatusPass, from+" holds "+strings.Join(ecdhe, ", ")+", which Citrix Cloud accepts", e...)}
	case len(dhe) > 0:
		return []Finding{finding(CheckCipherSuitesAccepted, StatusWarn, from+" holds only the DHE suites Citrix Cloud accepts ("+strings.Join(dhe, ", ")+"); Server 2016 and later should use the ECDHE ones", e...).fix(fix, nil)}
	}
	return []Finding{finding(CheckCipherSuitesAccepted, StatusFail, from+" holds none of the TLS 1.2 cipher suites Citrix Cloud accepts: the connector's TLS handshakes fail", e...).fix(fix, nil)}
}

func (c *context) dotnetStrongCrypto() []Finding {
	vals := []*model.MachineValue{c.mv("schUseStrongCrypto64"), c.mv("schUseStrongCrypto32"), c.mv("systemDefaultTlsVersions64"), c.mv("systemDefaultTlsVersions32")}
	e := []Evidence{ev("reference", "CTX335879; Microsoft: TLS best practices with .NET Framework")}
	var missing []string
	for _, v := range vals {
		e = append(e, mvEvidence(v))
		if !v.Known {
			return []Finding{notInSource(CheckDotNetStrongCrypto, ".NET Framework's TLS settings", e, vals...)}
		}
		if n, ok := num(v); !ok || n != 1 {
			missing = append(missing, v.RegistryPath+`\`+v.ValueName)
		}
	}
	if len(missing) == 0 {
		return []Finding{finding(CheckDotNetStrongCrypto, StatusPass, ".NET Framework 4.x programs use the system's TLS versions and strong cryptography, in both registry views", e...)}
	}
	fix := `in PowerShell: foreach ($k in 'HKLM:\SOFTWARE\Microsoft\.NETFramework\v4.0.30319','HKLM:\SOFTWARE\WOW6432Node\Microsoft\.NETFramework\v4.0.30319') { Set-ItemProperty $k SchUseStrongCrypto 1 -Type DWord; Set-ItemProperty $k SystemDefaultTlsVersions 1 -Type DWord }, then restart`
	return []Finding{finding(CheckDotNetStrongCrypto, StatusWarn, "not set to 1: "+strings.Join(missing, ", ")+"; .NET Framework programs built for versions before 4.7 may then offer TLS 1.0 only, which Citrix Cloud refuses", e...).fix(fix, nil)}
}

func (c *context) dotnetVersion() []Finding {
	v := c.mv("netFrameworkRelease")
	e := []Evidence{ev("reference", "Citrix Cloud Connector technical details; Microsoft: determine which .NET Framework versions are installed"), mvEvidence(v)}
	if !v.Known {
		return []Finding{notInSource(CheckDotNetVersion, "the .NET Framework setup key", e, v)}
	}
	n, ok := num(v)
	switch {
	case !ok:
		return []Finding{finding(CheckDotNetVersion, StatusFail, ".NET Framework 4.5 or later is not installed (no Release value); the connector needs 4.7.2 or later", e...).fix("install .NET Framework 4.8, then restart", nil)}
	case n < 461808:
		return []Finding{finding(CheckDotNetVersion, StatusFail, fmt.Sprintf(".NET Framework Release %d is older than 4.7.2 (461808); the connector needs 4.7.2 or later", n), e...).fix("install .NET Framework 4.8, then restart", nil)}
	}
	return []Finding{finding(CheckDotNetVersion, StatusPass, fmt.Sprintf(".NET Framework Release %d: 4.7.2 or later", n), e...)}
}

func (c *context) fipsModeOff() []Finding {
	v := c.mv("fipsEnabled")
	e := []Evidence{ev("reference", "Citrix Cloud Connector technical details: FIPS mode is not supported"), mvEvidence(v)}
	if !v.Known {
		return []Finding{notInSource(CheckFIPSModeOff, "the FIPS policy key", e, v)}
	}
	if n, ok := num(v); ok && n != 0 {
		return []Finding{finding(CheckFIPSModeOff, StatusFail, "FIPS mode is on (FipsAlgorithmPolicy Enabled = 1): the connector does not support it and its installation fails", e...).fix(`turn off "System cryptography: Use FIPS compliant algorithms" (Group Policy), or reg add "HKLM\SYSTEM\CurrentControlSet\Control\Lsa\FipsAlgorithmPolicy" /v Enabled /t REG_DWORD /d 0 /f, then restart`, nil)}
	}
	return []Finding{finding(CheckFIPSModeOff, StatusPass, "FIPS mode is off", e...)}
}

func (c *context) autoProxyServiceEnabled() []Finding {
	v, wpad := c.mv("winHttpAutoProxySvcStart"), c.mv("disableWpad")
	e := []Evidence{ev("reference", "Microsoft: the WinHTTP Web Proxy Auto-Discovery Service implements WinHTTP's WPAD, and WPAD is turned off with DisableWpad = 1 (\"Disable HTTP proxy authentication features\", How to disable WPAD); that disabling the service stops Internet Options from being saved is reported by admins, not documented"), mvEvidence(v), mvEvidence(wpad)}
	if !v.Known {
		return []Finding{notInSource(CheckAutoProxyService, "the WinHttpAutoProxySvc service key", e, v)}
	}
	if n, ok := num(v); ok && n == 4 {
		return []Finding{finding(CheckAutoProxyService, StatusWarn, "the WinHTTP Web Proxy Auto-Discovery service is disabled (Start = 4): WinHTTP's automatic proxy detection cannot run, and changes to Internet Options may not be saved (reported, not confirmed by Microsoft's documentation)", e...).fix(`reg add "HKLM\SYSTEM\CurrentControlSet\Services\WinHttpAutoProxySvc" /v Start /t REG_DWORD /d 3 /f, then restart; to keep WinHTTP from detecting a proxy, set DisableWpad instead: reg add "HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp" /v DisableWpad /t REG_DWORD /d 1 /f`, nil)}
	}
	return []Finding{finding(CheckAutoProxyService, StatusPass, "the WinHTTP Web Proxy Auto-Discovery service is not disabled", e...)}
}

func (c *context) rebootNotPending() []Finding {
	vals := []*model.MachineValue{c.mv("rebootPendingServicing"), c.mv("rebootRequiredWindowsUpdate"), c.mv("pendingFileRenameOperations")}
	e := []Evidence{ev("reference", "Citrix: the connector checks for pending reboots every five minutes and reboots itself")}
	var pending, unknown []string
	for _, v := range vals {
		e = append(e, mvEvidence(v))
		switch {
		case !v.Known:
			unknown = append(unknown, v.RegistryPath)
		case v.Exists && (v.ValueName == "" || (v.Text != nil && *v.Text != "") || (v.Hex != nil && strings.Trim(*v.Hex, "0") != "")):
			pending = append(pending, strings.TrimSuffix(v.RegistryPath+`\`+v.ValueName, `\`))
		}
	}
	switch {
	case len(pending) > 0:
		return []Finding{finding(CheckRebootNotPending, StatusWarn, "a reboot is pending ("+strings.Join(pending, ", ")+"): the connector notices within five minutes and reboots the machine itself, whatever the maintenance schedule", e...).fix("restart the machine at a time of your choosing, one connector at a time", nil)}
	case len(unknown) > 0:
		return []Finding{finding(CheckRebootNotPending, StatusNotChecked, "the source does not hold "+strings.Join(unknown, ", ")+", where Windows marks a pending reboot", e...)}
	}
	return []Finding{finding(CheckRebootNotPending, StatusPass, "no reboot is pending", e...)}
}
