package tests

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"ccproxy/commands"
	"ccproxy/model"
	"ccproxy/system"

	"github.com/tidwall/gjson"
)

// The alphabets a password can be drawn from, per slot. In a proxy string or bypass list ';'
// and white space separate entries (WINHTTP_PROXY_INFO), so every other printable character
// can be part of a password. In a URL the userinfo is RFC 3986's: unreserved, sub-delims,
// ':' and percent-encodings, plus the '@', '/', '?', '#' and '\' people (and WinINet, which
// does not require them encoded) write there anyway.
var (
	proxyPasswordAlphabet = func() []byte {
		var a []byte
		for c := byte('!'); c < 0x7f; c++ {
			if c != ';' {
				a = append(a, c)
			}
		}
		return a
	}()
	urlPasswordAlphabet = []byte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/?#\\")
)

// drawPassword draws a password of 10 to 17 characters; URL passwords get a
// percent-encoding too. Each holds a letter run that no output of ccproxy writes, so that a
// leak of its fragments is a leak of the password and not a word of ccproxy's own.
func drawPassword(rng *rand.Rand, alphabet []byte, url bool) string {
	n := 10 + rng.Intn(8)
	b := make([]byte, 0, n+3)
	for len(b) < n {
		if url && rng.Intn(8) == 0 {
			b = fmt.Appendf(b, "%%%02X", rng.Intn(256))
			continue
		}
		b = append(b, alphabet[rng.Intn(len(alphabet))])
	}
	return string(b)
}

// secretForms are the ways a password could show in an output: as is, escaped as JSON
// strings, CSV cells and HTML escape it, and as the hex of its bytes (blobs, plans, .reg
// exports) in ANSI and in UTF-16LE.
func secretForms(secret string) []string {
	j, _ := json.Marshal(secret)
	u := utf16.Encode([]rune(secret))
	wide := make([]byte, 0, 2*len(u))
	for _, c := range u {
		wide = append(wide, byte(c), byte(c>>8))
	}
	return []string{secret, string(j[1 : len(j)-1]), strings.ReplaceAll(secret, `"`, `""`), html.EscapeString(secret),
		hex.EncodeToString([]byte(secret)), hex.EncodeToString(wide)}
}

// fragments are the pieces of a password that must not show: the whole, and every run of
// 6 characters of it (a password that leaks after its first '@' leaks such a run).
func fragments(pw string) []string {
	out := []string{pw}
	for i := 0; i+6 <= len(pw); i++ {
		out = append(out, pw[i:i+6])
	}
	return out
}

// leakChecker remembers the passwords of one trial and finds them in outputs.
type leakChecker struct {
	forms map[string]string // form -> the password it comes from
}

func newLeakChecker(passwords ...string) *leakChecker {
	lc := &leakChecker{forms: map[string]string{}}
	for _, pw := range passwords {
		for _, f := range fragments(pw) {
			for _, form := range secretForms(f) {
				lc.forms[form] = pw
			}
		}
	}
	return lc
}

// check fails when out shows a password. Hex is compared without the commas, backslashes
// and line breaks of a .reg file, and without case; UTF-16 output (a .reg export) is read
// as text first.
func (lc *leakChecker) check(t *testing.T, what string, out []byte) {
	t.Helper()
	if len(out) >= 2 && out[0] == 0xFF && out[1] == 0xFE {
		u := make([]uint16, 0, len(out)/2)
		for i := 2; i+1 < len(out); i += 2 {
			u = append(u, uint16(out[i])|uint16(out[i+1])<<8)
		}
		out = []byte(string(utf16.Decode(u)))
	}
	text := string(out)
	flat := strings.NewReplacer(",", "", "\\", "", "\r", "", "\n", "", " ", "").Replace(strings.ToLower(text))
	for form, pw := range lc.forms {
		isHex := len(form) > 0 && strings.Trim(form, "0123456789abcdef") == "" && len(form)%2 == 0 && form != pw && !strings.Contains(pw, form)
		if strings.Contains(text, form) || isHex && strings.Contains(flat, form) {
			i := strings.Index(text, form)
			ctx := ""
			if i >= 0 {
				ctx = text[max(0, i-80):min(len(text), i+len(form)+40)]
			}
			t.Errorf("%s shows the password %q (as %q): ...%s...", what, pw, form, ctx)
			return
		}
	}
}

// regHex writes a REG_BINARY value as regedit does.
func regHex(b []byte) string {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = fmt.Sprintf("%02x", c)
	}
	return "hex:" + strings.Join(parts, ",")
}

func regString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// secretExport is a .reg export whose every proxy slot holds a password: both WinHTTP views
// (the old and the new blob version), DefaultConnectionSettings and SavedLegacySettings
// (IE7 and IE6 layouts) with proxy, bypass list and PAC URL, and the plain values.
func secretExport(t *testing.T, pw, upw string) []byte {
	t.Helper()
	proxy := "http=alice:" + pw + "@proxy.corp.example:8080;https=https://bob:" + pw + "@[2001:db8::1]:8443"
	byp := "<local>;*.corp.example;carol:" + pw + "@intranet.corp.example"
	pac := "http://dave:" + upw + "@wpad.corp.example/proxy.pac"
	enc := func(c model.ConnBlob) string {
		b, err := c.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return regHex(b)
	}
	winhttp := func(v uint32) string {
		return enc(model.ConnBlob{Version: v, Counter: 3, Flags: model.FlagDirect | model.FlagProxy, Proxy: proxy, Bypass: byp})
	}
	wininet := func(v uint32) string {
		return enc(model.ConnBlob{WinINet: true, Version: v, Counter: 9, Flags: model.FlagDirect | model.FlagProxy | model.FlagAutoProxyURL,
			Proxy: "erin:" + pw + "@proxy.corp.example:8080", Bypass: byp, AutoConfigURL: pac, Trailing: model.NewWinINetTrailing(v)})
	}
	var b strings.Builder
	b.WriteString("Windows Registry Editor Version 5.00\r\n\r\n")
	fmt.Fprintf(&b, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections]\r\n\"WinHttpSettings\"=%s\r\n\r\n", winhttp(model.WinHTTPVersionNew))
	fmt.Fprintf(&b, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections]\r\n\"WinHttpSettings\"=%s\r\n\r\n", winhttp(model.WinHTTPVersionOld))
	fmt.Fprintf(&b, "[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings]\r\n\"ProxyEnable\"=dword:00000001\r\n\"ProxyServer\"=%s\r\n\"ProxyOverride\"=%s\r\n\"AutoConfigURL\"=%s\r\n\r\n",
		regString("frank:"+pw+"@proxy.corp.example:8080"), regString(byp), regString(pac))
	fmt.Fprintf(&b, "[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections]\r\n\"DefaultConnectionSettings\"=%s\r\n\"SavedLegacySettings\"=%s\r\n",
		wininet(model.WinINetVersionIE7), wininet(model.WinINetVersionIE6))
	return []byte(b.String())
}

// Passwords drawn over each slot's alphabet, put in every slot that can hold one, never
// show in any output of any command, in any format, on stdout or stderr, logs included.
func TestSecretsNeverShown(t *testing.T) {
	rng := rand.New(rand.NewSource(22))
	trials := 4
	if testing.Short() {
		trials = 1
	}
	for trial := 0; trial < trials; trial++ {
		pw := drawPassword(rng, proxyPasswordAlphabet, false)
		upw := drawPassword(rng, urlPasswordAlphabet, true)
		if trial == 0 {
			// The password of the issue: an '@' that a word-based redactor stops at.
			pw, upw = `P@ssw0rd="',/Zq`, "P@ss;w0rd,'=Zq/VKV?J#M\\J"
		}
		t.Run(fmt.Sprintf("trial%d", trial), func(t *testing.T) {
			secretsTrial(t, pw, upw)
		})
	}
}

func secretsTrial(t *testing.T, pw, upw string) {
	lc := newLeakChecker(pw, upw)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	export := write("secret.reg", secretExport(t, pw, upw))
	adv := write("advproxy.json", []byte(fmt.Sprintf(`{"ProxyIsEnabled":true,"Proxy":%q,"ProxyBypass":%q,"AutoConfigIsEnabled":true,"AutoconfigUrl":%q,"AutoDetect":false}`,
		"grace:"+pw+"@adv.corp.example:8080", "<local>;heidi:"+pw+"@adv-bypass.corp.example", "http://ivan:"+upw+"@wpad.corp.example/adv.pac")))
	flagProxy := "judy:" + pw + "@p.corp.example:8080"
	flagURL := "https://mallory:" + upw + "@app.corp.example/x"
	logs := [][]string{{"--log-level", "debug", "--log-format", "json"}, {"--log-level", "trace", "--log-format", "console"}}
	runAll := func(name string, stdin []byte, args ...string) result {
		t.Helper()
		var last result
		for _, l := range logs {
			r := run(t, stdin, append(append([]string{}, args...), l...)...)
			lc.check(t, name+" stdout", r.stdout)
			lc.check(t, name+" stderr "+l[3], r.stderr)
			last = r
		}
		return last
	}

	netsh := write("netsh.txt", []byte("\r\nCurrent WinHTTP proxy settings:\r\n\r\n    Proxy Server(s) :  http=walter:"+pw+"@p.corp.example:8080;https=walter:"+pw+"@p.corp.example:8443\r\n    Bypass List     :  <local>;xavier:"+pw+"@x.corp.example\r\n\r\n"))
	for _, f := range []string{"json", "text"} {
		runAll("get netsh "+f, nil, "get", "--from", netsh, "--format", f)
		runAll("test netsh "+f, nil, "test", "--from", netsh, "--format", f)
		runAll("route netsh "+f, nil, "route", "--from", netsh, "--format", f, "https://citrix.cloud.com")
	}
	runAll("diff netsh", nil, "diff", netsh, export)
	// A catalog is input too: its free text is redacted in every format of endpoints.
	catalog := write("catalog.json", []byte(fmt.Sprintf(`{"schema":"ccproxy/catalog@1","regions":{"commercial":[{"pattern":"c.example","purpose":%q,"source":%q}]}}`,
		"see https://mallory:"+upw+"@docs.corp.example/x", "olivia:"+pw+"@src.corp.example")))
	for _, f := range []string{"json", "text", "csv", "list"} {
		runAll("endpoints --catalog "+f, nil, "endpoints", "--catalog", catalog, "--format", f)
	}

	var getJSON []byte
	for _, f := range []string{"json", "text"} {
		r := runAll("get "+f, nil, "get", "--from", export, "--advproxy", adv, "--format", f)
		if r.code != 0 {
			t.Fatalf("get: exit %d: %s", r.code, r.stderr)
		}
		if f == "json" {
			getJSON = r.stdout
			// The blobs that held a secret say their hex is not the stored value.
			for _, v := range []string{"winhttp.native.blob", "winhttp.wow64.blob", "wininet.blob"} {
				if b := gjson.GetBytes(r.stdout, v); b.Exists() && b.Type != gjson.Null && !b.Get("redacted").Bool() {
					t.Errorf("%s is not marked redacted: %s", v, b.Raw)
				}
			}
		}
	}
	for _, f := range []string{"json", "text", "intune"} {
		runAll("test "+f, nil, "test", "--from", export, "--advproxy", adv, "--format", f, "--internal", "dc01.corp.example")
	}
	runAll("test --internal", nil, "test", "--from", export, "--internal", flagProxy)
	for _, f := range []string{"json", "text", "reg", "netsh"} {
		runAll("plan --direct "+f, nil, "plan", "--from", export, "--direct", "--format", f)
		runAll("plan --add-bypass "+f, nil, "plan", "--from", export, "--add-bypass", "kim:"+pw+"@x.corp.example", "--format", f)
	}
	runAll("plan --proxy", nil, "plan", "--from", export, "--proxy", flagProxy)
	runAll("plan --bypass", nil, "plan", "--from", export, "--bypass", "<local>;"+flagProxy)
	// The logged command line: an argument is one value, so even a password with a space,
	// which no proxy list can hold, is hidden whole.
	spaced := pw[:5] + " " + pw[5:]
	sc := newLeakChecker(spaced)
	for _, l := range logs {
		r := run(t, nil, append([]string{"plan", "--from", export, "--proxy", "judy:" + spaced + "@p.corp.example:8080", "--proxy=http=judy:" + spaced + "@p.corp.example:8080"}, l...)...)
		if !strings.Contains(string(r.stderr), "started") {
			t.Errorf("no command line in the debug log: %s", r.stderr)
		}
		for _, line := range strings.Split(string(r.stderr), "\n") {
			if strings.Contains(line, "started") {
				sc.check(t, "the logged command line", []byte(line))
			}
		}
	}
	// A flag value that is one proxy, host or URL is one value in error messages too: a
	// password with a space is hidden whole, not cut at the space by the proxy-list rule.
	for _, flag := range []string{"--proxy", "--host", "--internal", "--ip-literal", "--resolve", "--service-bus"} {
		for _, l := range logs {
			r := run(t, nil, append([]string{"check", "--from", export, flag, "judy:" + spaced + "@127.0.0.1:9"}, l...)...)
			if r.code != 2 {
				t.Errorf("check %s: exit %d, want 2: %s", flag, r.code, r.stderr)
			}
			sc.check(t, "check "+flag+" stderr", r.stderr)
			sc.check(t, "check "+flag+" stdout", r.stdout)
		}
	}
	for _, l := range logs {
		r := run(t, nil, append([]string{"test", "--from", export, "--internal", "judy:" + spaced + "@127.0.0.1:9"}, l...)...)
		if r.code != 2 {
			t.Errorf("test --internal: exit %d, want 2: %s", r.code, r.stderr)
		}
		sc.check(t, "test --internal stderr", r.stderr)
	}
	runAll("plan --import-ie", nil, "plan", "--from", export, "--import-ie")
	runAll("plan desired", []byte(fmt.Sprintf(`{"schema":"ccproxy/desired@1","winhttp":{"proxy":%q},"wininet":{"autoConfigUrl":%q}}`, flagProxy, "http://x:"+upw+"@wpad/p.pac")), "plan", "-", "--from", export)
	for _, f := range []string{"json", "text"} {
		runAll("diff "+f, nil, "diff", export, "examples/ie-winhttp-matching.reg", "--format", f)
		runAll("route "+f, nil, "route", "--from", export, "--format", f, flagURL, "https://citrix.cloud.com", "http://u:"+upw+"@h:99999/")
		runAll("route wininet "+f, nil, "route", "--from", export, "--stack", "wininet", "--format", f, flagURL)
	}
	for _, op := range []string{"get", "test", "export"} {
		runAll("dsc "+op, nil, "dsc", op, "--from", export, "--input", `{"winhttp":{"mode":"importFromIE"}}`)
	}
	runAll("dsc test desired", nil, "dsc", "test", "--from", export, "--input", fmt.Sprintf(`{"winhttp":{"proxy":%q}}`, flagProxy))

	// apply --what-if against the export, with a plan that replaces every secret.
	plan := run(t, nil, "plan", "--from", export, "--direct")
	if plan.code != 0 {
		t.Fatalf("plan: exit %d: %s", plan.code, plan.stderr)
	}
	planFile := write("plan.json", plan.stdout)
	for _, f := range []string{"json", "text"} {
		runAll("apply --what-if "+f, nil, "apply", planFile, "--what-if", "--from", export, "--format", f)
	}

	// The fleet report over what machines wrote, and over a document from a machine whose
	// ccproxy did not redact (an older or a hostile one): the raw values put back.
	fleet := filepath.Join(dir, "fleet")
	if err := os.MkdirAll(fleet, 0o755); err != nil {
		t.Fatal(err)
	}
	test := run(t, nil, "test", "--from", export, "--format", "json")
	raw := unredact(getJSON, "alice:"+pw, "dave:"+upw)
	rawTest := unredact(test.stdout, "alice:"+pw, "dave:"+upw)
	for name, doc := range map[string][]byte{"cc01-state.json": getJSON, "cc01-test.json": test.stdout, "cc02-state.json": raw, "cc02-test.json": rawTest} {
		if err := os.WriteFile(filepath.Join(fleet, name), doc, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range [][]string{{"--format", "json"}, {"--jsonl"}, {"--format", "csv"}, {"--format", "html"}, {"--format", "text"}} {
		runAll("report "+strings.Join(f, " "), nil, append([]string{"report", fleet}, f...)...)
	}

	// A machine: the live registry holds the export, the process environment the proxy
	// variables; apply makes a backup of the secrets, which backups and restore must not show.
	live, err := system.LoadRegFile("secret.reg", secretExport(t, pw, upw))
	if err != nil {
		t.Fatal(err)
	}
	live.Info = system.SourceInfo{Kind: "registry", Host: "CC01"}
	m := newPlanMachine(t, live)
	envVars := map[string]string{"HTTP_PROXY": "http://oscar:" + upw + "@env.corp.example:8080", "HTTPS_PROXY": "peggy:" + upw + "@env.corp.example:8443", "NO_PROXY": "localhost,trent:" + pw + "@x"}
	machine := func(name string, args ...string) result {
		t.Helper()
		var last result
		for _, l := range logs {
			r := secretRun(t, m, envVars, append(append([]string{}, args...), l...)...)
			lc.check(t, name+" stdout", r.stdout)
			lc.check(t, name+" stderr "+l[3], r.stderr)
			last = r
		}
		return last
	}
	for _, f := range []string{"json", "text"} {
		machine("live get "+f, "get", "--format", f)
	}
	livePlan := secretRun(t, m, envVars, "plan", "--direct")
	if livePlan.code != 0 {
		t.Fatalf("live plan: exit %d: %s", livePlan.code, livePlan.stderr)
	}
	a := secretRun(t, m, envVars, "apply", write("live-plan.json", livePlan.stdout), "--format", "json", "--log-level", "trace", "--log-format", "json")
	lc.check(t, "apply stdout", a.stdout)
	lc.check(t, "apply stderr", a.stderr)
	backup := gjson.GetBytes(a.stdout, "backup.path").String()
	if backup == "" {
		t.Fatalf("apply made no backup: exit %d %s %s", a.code, a.stdout, a.stderr)
	}
	if b, err := os.ReadFile(backup); err != nil || !bytes.Contains(b, []byte(hex.EncodeToString([]byte("alice:"+pw)))) {
		t.Errorf("the backup must keep the exact bytes (err %v)", err)
	}
	for _, f := range []string{"json", "text"} {
		machine("backups "+f, "backups", "--format", f)
		machine("restore --what-if "+f, "restore", backup, "--what-if", "--format", f)
		machine("restore --what-if --from "+f, "restore", backup, "--what-if", "--from", export, "--format", f)
	}
	machine("restore", "restore", backup, "--format", "json")
}

// unredact puts credentials back where a redacting ccproxy wrote *** (the first userinfo
// for proxies and bypass entries, the second for URLs), as a document written by a ccproxy
// that does not redact would hold them.
func unredact(doc []byte, userinfo, urlUserinfo string) []byte {
	esc := func(s string) string {
		j, _ := json.Marshal(s)
		return string(j[1 : len(j)-1])
	}
	s := strings.ReplaceAll(string(doc), "//***@", "//"+esc(urlUserinfo)+"@")
	return []byte(strings.ReplaceAll(s, "***@", esc(userinfo)+"@"))
}

// secretRun runs ccproxy in-process on the machine with these process environment variables.
func secretRun(t testing.TB, m *planMachine, vars map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	env := commands.NewEnv(bytes.NewReader(nil), &out, &errb)
	env.OpenLive = func() (system.Writer, error) { return m.live, nil }
	env.Hostname = func() (string, error) { return m.live.Source().Host, nil }
	env.ShowAdvproxy = func(context.Context) ([]byte, error) { return nil, errors.New("no netsh in this test") }
	env.Getenv = func(k string) string {
		if k == "XDG_STATE_HOME" || k == "HOME" {
			return m.stateDir
		}
		return vars[strings.ToUpper(k)]
	}
	env.Now = func() time.Time { return time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC) }
	code := commands.Main(env, args)
	return result{stdout: out.Bytes(), stderr: errb.Bytes(), code: code}
}
