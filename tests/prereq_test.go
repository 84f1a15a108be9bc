package tests

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tidwall/gjson"
)

// The machine's prerequisites, judged from a .reg export: each key the export holds is
// judged, each it lacks is notChecked, never a pass.
func TestPrerequisitesFromExport(t *testing.T) {
	const head = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections]\r\n\"WinHttpSettings\"=hex:28,00,00,00,00,00,00,00,01,00,00,00,00,00,00,00,00,00,00,00\r\n\r\n"
	multi := func(s string) string { // REG_MULTI_SZ as regedit writes it
		out := "hex(7):"
		for _, r := range s + "\x00\x00" {
			if r == '|' {
				r = 0
			}
			out += string("0123456789abcdef"[r>>4]) + string("0123456789abcdef"[r&15]) + ",00,"
		}
		return out[:len(out)-1]
	}
	cases := []struct {
		name, reg string
		want      map[string]string // check -> status
	}{
		{"nothing exported", "", map[string]string{
			"tls12ClientEnabled": "notChecked", "cipherSuitesAccepted": "notChecked", "dotnetStrongCrypto": "notChecked",
			"dotnetVersion": "notChecked", "fipsModeOff": "notChecked", "autoProxyServiceEnabled": "notChecked", "rebootNotPending": "notChecked",
		}},
		{"all bad", `[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client]
"Enabled"=dword:00000000
[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002]
"Functions"="TLS_RSA_WITH_AES_256_CBC_SHA256,TLS_RSA_WITH_AES_128_CBC_SHA"
[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Cryptography\Configuration\Local\Default\00010002]
[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\.NETFramework\v4.0.30319]
"SchUseStrongCrypto"=dword:00000001
[HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\.NETFramework\v4.0.30319]
[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full]
"Release"=dword:0006040e
[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Lsa\FipsAlgorithmPolicy]
"Enabled"=dword:00000001
[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\WinHttpAutoProxySvc]
"Start"=dword:00000004
[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing]
[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending]
[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update]
[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Session Manager]
`, map[string]string{
			"tls12ClientEnabled": "fail", "cipherSuitesAccepted": "fail", "dotnetStrongCrypto": "warn",
			"dotnetVersion": "fail", "fipsModeOff": "fail", "autoProxyServiceEnabled": "warn", "rebootNotPending": "warn",
		}},
		{"all good", `[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client]
[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002]
[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Cryptography\Configuration\Local\Default\00010002]
"Functions"=` + multi("TLS_AES_256_GCM_SHA384|TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256") + `
[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\.NETFramework\v4.0.30319]
"SchUseStrongCrypto"=dword:00000001
"SystemDefaultTlsVersions"=dword:00000001
[HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\.NETFramework\v4.0.30319]
"SchUseStrongCrypto"=dword:00000001
"SystemDefaultTlsVersions"=dword:00000001
[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full]
"Release"=dword:00080ff4
[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Lsa\FipsAlgorithmPolicy]
"Enabled"=dword:00000000
[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\WinHttpAutoProxySvc]
"Start"=dword:00000003
[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp]
"DisableWpad"=dword:00000001
[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing]
[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update]
[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Session Manager]
`, map[string]string{
			"tls12ClientEnabled": "pass", "cipherSuitesAccepted": "pass", "dotnetStrongCrypto": "pass",
			"dotnetVersion": "pass", "fipsModeOff": "pass", "autoProxyServiceEnabled": "pass", "rebootNotPending": "pass",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			reg := filepath.Join(dir, "machine.reg")
			if err := os.WriteFile(reg, []byte(head+c.reg), 0o644); err != nil {
				t.Fatal(err)
			}
			r := run(t, nil, "test", "--from", reg)
			if r.code == 2 || r.code == 3 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			for check, want := range c.want {
				f := gjson.GetBytes(r.stdout, `findings.#(id=="`+check+`")`)
				if got := f.Get("status").String(); got != want {
					t.Errorf("%s: %s, want %s: %s", check, got, want, f.Get("message"))
				}
				if f.Get(`evidence.#(path=="reference").value`).String() == "" {
					t.Errorf("%s: no reference in the evidence", check)
				}
			}
			// DisableWpad is read where Microsoft documents it ("How to disable WPAD").
			if c.name == "all good" {
				const wpad = `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp\DisableWpad`
				f := gjson.GetBytes(r.stdout, `findings.#(id=="autoProxyServiceEnabled")`)
				found := false
				for _, e := range f.Get("evidence").Array() {
					found = found || e.Get("path").String() == wpad && e.Get("value").Raw == "1"
				}
				if !found {
					t.Errorf("no DisableWpad = 1 in the evidence %s", f.Get("evidence").Raw)
				}
			}
			// A saved state document judges the same.
			st := run(t, nil, "get", "--from", reg)
			saved := filepath.Join(dir, "state.json")
			if err := os.WriteFile(saved, st.stdout, 0o644); err != nil {
				t.Fatal(err)
			}
			again := run(t, nil, "test", "--from", saved)
			for check, want := range c.want {
				if got := gjson.GetBytes(again.stdout, `findings.#(id=="`+check+`").status`).String(); got != want {
					t.Errorf("from the saved state: %s: %s, want %s", check, got, want)
				}
			}
		})
	}
}
