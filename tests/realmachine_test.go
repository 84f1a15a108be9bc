package tests

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"ccproxy/schema/schematest"
)

// The rules that make get true to how Windows reads its settings, each on an export shaped
// like the ones real machines give.
const (
	regHeader   = "Windows Registry Editor Version 5.00\r\n\r\n"
	winhttpKey  = `[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections]`
	winhttpProx = `"WinHttpSettings"=hex:28,00,00,00,00,00,00,00,03,00,00,00,0b,00,00,00,70,3a,38,30,38,30,2e,63,6f,72,70,00,00,00,00`
	// proxy "proxy:3128", flags 0x03, WinINet 0x46 with a 4-byte tail.
	dcsProxy = `"DefaultConnectionSettings"=hex:46,00,00,00,05,00,00,00,03,00,00,00,0a,00,00,00,70,72,6f,78,79,3a,33,31,32,38,07,00,00,00,3c,6c,6f,63,61,6c,3e,00,00,00,00,01,02,03,04`
)

func getDoc(t *testing.T, reg string, args ...string) ([]byte, result) {
	t.Helper()
	p := planWrite(t, "machine.reg", planUTF16(reg))
	r := run(t, nil, append([]string{"get", "--from", p}, args...)...)
	if r.code == 0 {
		if err := schematest.Validate(r.stdout); err != nil {
			t.Errorf("state does not validate: %v", err)
		}
	}
	return r.stdout, r
}

func wantJSON(t *testing.T, doc []byte, path, want string) {
	t.Helper()
	var b bytes.Buffer
	got := gjson.GetBytes(doc, path).Raw
	if json.Compact(&b, []byte(got)) == nil {
		got = b.String()
	}
	if got != want {
		t.Errorf("%s = %s, want %s", path, got, want)
	}
}

func TestDefaultHiveIsSystem(t *testing.T) {
	reg := regHeader + `[HKEY_USERS\.DEFAULT\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections]` + "\r\n" + dcsProxy + "\r\n"
	for _, user := range []string{"", "system", "S-1-5-18", ".DEFAULT", "LocalSystem"} {
		args := []string{}
		if user != "" {
			args = []string{"--user", user}
		}
		doc, r := getDoc(t, reg, args...)
		if r.code != 0 {
			t.Fatalf("--user %q: exit %d: %s", user, r.code, r.stderr)
		}
		wantJSON(t, doc, "source.wininetOwner.sid", `"S-1-5-18"`)
		wantJSON(t, doc, "source.wininetOwner.user", `"NT AUTHORITY\\SYSTEM"`)
		wantJSON(t, doc, "wininet.proxy.raw", `"proxy:3128"`)
	}
	_, r := getDoc(t, reg, "--user", "networkservice")
	if r.code != 2 || !strings.Contains(string(r.stderr), "S-1-5-20") || !strings.Contains(string(r.stderr), "S-1-5-18") {
		t.Errorf("--user networkservice on an export without it: exit %d, %s; want 2 naming the SID asked for and the one held", r.code, r.stderr)
	}
}

func TestMissingBlobIsWindowsDefault(t *testing.T) {
	reg := regHeader + `[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Internet Settings]` + "\r\n" + `"ProxyEnable"=dword:00000000` + "\r\n\r\n" +
		`[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections]` + "\r\n"
	doc, r := getDoc(t, reg)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	wantJSON(t, doc, "wininet.defaulted", "true")
	wantJSON(t, doc, "wininet.autoDetect", "true")
	wantJSON(t, doc, "effective.installer.mode", `"autoDetect"`)
	if !strings.Contains(gjson.GetBytes(doc, "warnings.#(code==\"wininetDefault\").message").String(), "default") {
		t.Errorf("no warning says the value is Windows' default: %s", gjson.GetBytes(doc, "warnings").Raw)
	}
}

func TestEmptyAutoConfigURLIsNoPAC(t *testing.T) {
	reg := regHeader + `[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Internet Settings]` + "\r\n" +
		`"ProxyEnable"=dword:00000001` + "\r\n" + `"ProxyServer"="proxy:3128"` + "\r\n" + `"AutoConfigURL"=""` + "\r\n"
	doc, r := getDoc(t, reg)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	wantJSON(t, doc, "wininet.autoConfigUrl", "null")
	wantJSON(t, doc, "effective.installer.mode", `"proxy"`)
	p := planWrite(t, "machine.reg", planUTF16(reg))
	rr := run(t, nil, "route", "--from", p, "https://citrix.cloud.com")
	if strings.Contains(string(rr.stdout), "PAC script") {
		t.Errorf("route speaks of a PAC script: %s", rr.stdout)
	}
	// No PAC; auto-detect is a flag of DefaultConnectionSettings, which this export lacks, so
	// the check is not run rather than passed.
	tr := run(t, nil, "test", "--from", p)
	f := gjson.GetBytes(tr.stdout, `findings.#(id=="installerNoAutoProxy")`)
	if f.Get("status").String() != "notChecked" || strings.Contains(f.Get("message").String(), "PAC script") {
		t.Errorf("test installerNoAutoProxy = %s", f.Raw)
	}
}

func TestKnownKeyByKey(t *testing.T) {
	reg := regHeader + `[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections]` + "\r\n" + dcsProxy + "\r\n"
	doc, r := getDoc(t, reg)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	wantJSON(t, doc, "wininet.plainValues.known", "false")
	wantJSON(t, doc, "wininet.plainValues.proxyEnable", "null")
	wantJSON(t, doc, "wininet.plainValuesAgree", "null")
	wantJSON(t, doc, "wininet.connectionsKnown", "true")
	if strings.Contains(string(doc), "wininetPlainValuesDisagree") {
		t.Errorf("plain values the export does not hold are said to disagree")
	}
	// The trailing bytes of a 0x46 blob are kept exactly.
	if h := gjson.GetBytes(doc, "wininet.connectionSettings.hex").String(); !strings.HasSuffix(h, "0000000001020304") {
		t.Errorf("hex %s lost the blob's tail", h)
	}
}

func TestOneUndecodableValueHidesNothingElse(t *testing.T) {
	reg := regHeader + winhttpKey + "\r\n" + `"WinHttpSettings"=hex:28,00,00,00,00,00,00,00,03,00,00,00,40,00,00,00,61,3a,34,32` + "\r\n\r\n" +
		`[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections]` + "\r\n" + dcsProxy + "\r\n"
	doc, r := getDoc(t, reg)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	wantJSON(t, doc, "winhttp.native.mode", "null")
	wantJSON(t, doc, "wininet.proxy.raw", `"proxy:3128"`)
	msg := gjson.GetBytes(doc, `warnings.#(code=="unreadableValue").message`).String()
	if !strings.Contains(msg, "at byte 12") || !strings.Contains(gjson.GetBytes(doc, `warnings.#(code=="unreadableValue").path`).String(), "WinHttpSettings") {
		t.Errorf("warning %q does not name the value and the byte", msg)
	}
	p := planWrite(t, "machine.reg", planUTF16(reg))
	tr := run(t, nil, "test", "--from", p)
	if tr.code != 1 {
		t.Errorf("test on an undecodable WinHttpSettings: exit %d, want 1", tr.code)
	}
	if got := gjson.GetBytes(tr.stdout, `findings.#(id=="winhttpReadable").status`).String(); got != "fail" {
		t.Errorf("winhttpReadable = %q, want fail", got)
	}
}

func TestNamedConnectionsAndMachineSettings(t *testing.T) {
	reg := regHeader + `[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections]` + "\r\n" + dcsProxy + "\r\n" +
		`"Corp VPN"=hex:46,00,00,00,01,00,00,00,01,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00` + "\r\n\r\n" +
		`[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections]` + "\r\n" + dcsProxy + "\r\n"
	doc, r := getDoc(t, reg)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	wantJSON(t, doc, "wininet.otherConnections", `["Corp VPN"]`)
	for _, code := range []string{"wininetOtherConnections", "wininetMachineSettingsUnused"} {
		if !gjson.GetBytes(doc, `warnings.#(code=="`+code+`")`).Exists() {
			t.Errorf("no %s warning: %s", code, gjson.GetBytes(doc, "warnings").Raw)
		}
	}
}

func TestProxyBitWithoutDirectBit(t *testing.T) {
	reg := regHeader + `[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections]` + "\r\n" +
		strings.Replace(dcsProxy, "05,00,00,00,03,00", "05,00,00,00,02,00", 1) + "\r\n"
	doc, r := getDoc(t, reg)
	if r.code != 0 || !gjson.GetBytes(doc, `warnings.#(code=="blobProxyWithoutDirect")`).Exists() {
		t.Errorf("exit %d, warnings %s; want a blobProxyWithoutDirect warning", r.code, gjson.GetBytes(doc, "warnings").Raw)
	}
}

func TestServiceAccountsFromExport(t *testing.T) {
	reg := regHeader + winhttpKey + "\r\n" + `"WinHttpSettings"=hex:28,00,00,00,00,00,00,00,01,00,00,00,00,00,00,00,00,00,00,00` + "\r\n\r\n" +
		`[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\CitrixWorkspaceCloudAgentSystem]` + "\r\n" + `"ObjectName"="LocalSystem"` + "\r\n" + `"Start"=dword:00000002` + "\r\n\r\n" +
		`[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\CitrixConfigSyncService]` + "\r\n" + `"ObjectName"="NT AUTHORITY\\NetworkService"` + "\r\n" + `"Start"=dword:00000003` + "\r\n\r\n" +
		`[HKEY_USERS\.DEFAULT\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections]` + "\r\n" + dcsProxy + "\r\n"
	doc, r := getDoc(t, reg)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	wantJSON(t, doc, "effective.connectorServices.known", "true")
	wantJSON(t, doc, "effective.connectorServices.services.#.name", `["CitrixConfigSyncService","CitrixWorkspaceCloudAgentSystem"]`)
	wantJSON(t, doc, "effective.connectorServices.services.#.sid", `["S-1-5-20","S-1-5-18"]`)
	wantJSON(t, doc, "effective.connectorServices.services.#.start", `["manual","automatic"]`)
	// SYSTEM's own settings go through a proxy, WinHTTP is direct: a .NET service without a
	// <defaultProxy> and WinHTTP's default configuration lead different ways.
	wantJSON(t, doc, `effective.connectorServices.services.#(name=="CitrixWorkspaceCloudAgentSystem").wininet.mode`, `"proxy"`)
	wantJSON(t, doc, `effective.connectorServices.services.#(name=="CitrixWorkspaceCloudAgentSystem").sameRoute`, "false")
	wantJSON(t, doc, `effective.connectorServices.services.#(name=="CitrixConfigSyncService").wininet.mode`, "null")
	p := planWrite(t, "machine.reg", planUTF16(reg))
	tr := run(t, nil, "test", "--from", p)
	f := gjson.GetBytes(tr.stdout, `findings.#(id=="serviceAccountsAgree")`)
	if f.Get("status").String() != "warn" || !strings.Contains(f.Get("message").String(), "CitrixWorkspaceCloudAgentSystem") {
		t.Errorf("serviceAccountsAgree: %s", f.Raw)
	}
}

func TestAdvancedSettings(t *testing.T) {
	reg := regHeader + winhttpKey + "\r\n" + `"WinHttpSettings"=hex:28,00,00,00,00,00,00,00,01,00,00,00,00,00,00,00,00,00,00,00` + "\r\n"
	p := planWrite(t, "machine.reg", planUTF16(reg))
	adv := planWrite(t, "advproxy.txt", []byte("\r\nCurrent WinHTTP advanced proxy settings:\r\n\r\n{\r\n\t\"ProxyIsEnabled\":\ttrue,\r\n\t\"Proxy\":\t\"adv.corp.example:8080\",\r\n\t\"ProxyBypass\":\t\"<local>\",\r\n\t\"AutoDetect\":\tfalse\r\n}\r\n"))
	r := run(t, nil, "get", "--from", p, "--advproxy", adv)
	if r.code != 0 || schematest.Validate(r.stdout) != nil {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	wantJSON(t, r.stdout, "winhttp.advanced.known", "true")
	wantJSON(t, r.stdout, "winhttp.advanced.mode", `"proxy"`)
	wantJSON(t, r.stdout, "winhttp.advanced.agreesWithLegacy", "false")
	wantJSON(t, r.stdout, "winhttp.native.mode", `"direct"`)
	tr := run(t, nil, "test", "--from", p, "--advproxy", adv)
	f := gjson.GetBytes(tr.stdout, `findings.#(id=="winhttpAdvancedAgrees")`)
	if f.Get("status").String() != "warn" || !strings.Contains(f.Get("remediation.command").String(), "netsh winhttp set advproxy setting-scope=machine") {
		t.Errorf("winhttpAdvancedAgrees: %s", f.Raw)
	}
	// Alone, the advanced settings say nothing of the legacy views.
	r = run(t, nil, "get", "--from", adv)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	wantJSON(t, r.stdout, "winhttp.native.known", "false")
	wantJSON(t, r.stdout, "winhttp.native.present", "null")
	wantJSON(t, r.stdout, "winhttp.advanced.proxy.raw", `"adv.corp.example:8080"`)
	// A .reg export cannot hold them: unknown, with the reason.
	r = run(t, nil, "get", "--from", p)
	wantJSON(t, r.stdout, "winhttp.advanced.known", "false")
	if !strings.Contains(gjson.GetBytes(r.stdout, "winhttp.advanced.reason").String(), "show advproxy") {
		t.Errorf("no reason: %s", gjson.GetBytes(r.stdout, "winhttp.advanced").Raw)
	}
}

func TestNetshLocalizedEndToEnd(t *testing.T) {
	// Japanese, as cmd.exe's ">" saves it in code page 932.
	sjis := []byte("\r\n\x8c\xbb\x8d\xdd\x82\xcc WinHTTP \x83v\x83\x8d\x83L\x83V\x90\xdd\x92\xe8:\r\n\r\n    \x83v\x83\x8d\x83L\x83V \x83T\x81[\x83o\x81[:  1.2.3.4:5678\r\n    \x83o\x83C\x83p\x83X\x88\xea\x97\x97     :  (\x82\xc8\x82\xb5)\r\n\r\n")
	p := planWrite(t, "netsh-ja.txt", sjis)
	r := run(t, nil, "get", "--from", p)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	wantJSON(t, r.stdout, "winhttp.native.proxy.raw", `"1.2.3.4:5678"`)
	wantJSON(t, r.stdout, "winhttp.native.bypass", "null")
	wantJSON(t, r.stdout, "winhttp.native.blob", "null")
	wantJSON(t, r.stdout, "winhttp.wow64.present", "null")
	tr := run(t, nil, "test", "--from", p)
	if !strings.Contains(string(tr.stdout), "netsh text holds no WinINet settings") {
		t.Errorf("test does not name what the source could not judge: %s", tr.stdout)
	}
}
