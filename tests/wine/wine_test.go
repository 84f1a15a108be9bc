package wine

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

var (
	bedOnce sync.Once
	theBed  *Bed
	bedErr  error
	runFrom = time.Now()
)

func TestMain(m *testing.M) {
	code := m.Run()
	if theBed != nil {
		theBed.Close()
		fmt.Fprintf(os.Stderr, "wine tests: whole run took %s\n", time.Since(runFrom).Round(time.Second))
	}
	os.Exit(code)
}

// bed returns the shared Wine bed, building it on first use. Without Wine it skips the
// test, or fails it when CCPROXY_REQUIRE_WINE=1.
func bed(t *testing.T) *Bed {
	t.Helper()
	if _, _, _, err := Tools(); err != nil {
		if Required() {
			t.Fatalf("%v (%s=1)", err, RequireEnv)
		}
		t.Skip(err.Error())
	}
	bedOnce.Do(func() {
		theBed, bedErr = Setup(func(s string) { fmt.Fprintln(os.Stderr, "wine tests:", s) })
	})
	if bedErr != nil {
		t.Fatalf("setting up Wine: %v", bedErr)
	}
	return theBed
}

const (
	corpProxy  = "proxy.corp.example:8080"
	corpBypass = "<local>;*.corp.example;10.*"
)

// get runs the Windows build's `ccproxy get` on the live (Wine) registry.
func get(t *testing.T, b *Bed, args ...string) []byte {
	t.Helper()
	out := b.MustRun(t, "ccproxy.exe", append([]string{"get", "--compress"}, args...)...)
	if !gjson.ValidBytes(out) {
		t.Fatalf("ccproxy get printed invalid JSON: %s", out)
	}
	if s := gjson.GetBytes(out, "schema").String(); s != "ccproxy/state@1" {
		t.Fatalf("schema = %q; want ccproxy/state@1", s)
	}
	return out
}

func helperJSON(t *testing.T, b *Bed, args ...string) gjson.Result {
	t.Helper()
	out := b.MustRun(t, "winhelper.exe", args...)
	if !gjson.ValidBytes(out) {
		t.Fatalf("winhelper %s printed invalid JSON: %s", strings.Join(args, " "), out)
	}
	return gjson.ParseBytes(out)
}

// expect compares one gjson path of a document with the wanted value, JSON-encoded.
func expect(t *testing.T, doc []byte, path string, want any) {
	t.Helper()
	got := gjson.GetBytes(doc, path)
	w, _ := json.Marshal(want)
	if !jsonEqual(t, []byte(got.Raw), w) {
		t.Errorf("%s = %s; want %s", path, orMissing(got), w)
	}
}

func orMissing(r gjson.Result) string {
	if !r.Exists() {
		return "(missing)"
	}
	return r.Raw
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// nullable turns a helper's string-or-null into the value expect wants.
func nullable(r gjson.Result) any {
	if r.Type == gjson.Null || !r.Exists() {
		return nil
	}
	return r.String()
}

// without returns the object at path with the named keys of its sub-objects removed, for
// comparing two documents apart from what one of the sources cannot know.
func without(t *testing.T, doc []byte, path string, drop ...string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(gjson.GetBytes(doc, path).Raw), &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			for _, d := range drop {
				delete(x, d)
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	return v
}

func indent(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// TestLiveStoreUnderWine runs system's own live-registry tests inside Wine: exact types and
// bytes, missing keys, both views, access denied, the source description.
func TestLiveStoreUnderWine(t *testing.T) {
	b := bed(t)
	out, errOut, code := b.Run(t, "system.test.exe", "-test.run", "^Test(Live|NotifyWinINetChanged|WriteFileAtomic)", "-test.v", "-test.count=1")
	if code != 0 {
		t.Fatalf("system tests under Wine: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, name := range []string{"TestLiveRoundTripKeepsTypeAndBytes", "TestLiveMissingIsNotAnError", "TestLiveKeyTimeAndSubKeys",
		"TestLiveViews", "TestLiveAccessDenied", "TestLiveReadOnlyRefusesWrites", "TestLiveSource", "TestNotifyWinINetChanged", "TestWriteFileAtomicReplacesKeepingIdentity"} {
		if !strings.Contains(string(out), "--- PASS: "+name+" ") {
			t.Errorf("%s did not pass under Wine:\n%s", name, out)
		}
	}
}

// TestWinHTTPSetByWine: Wine's WinHttpSetDefaultProxyConfiguration writes the setting;
// ccproxy reads it live, and reads the same from a reg.exe export on Linux.
func TestWinHTTPSetByWine(t *testing.T) {
	b := bed(t)
	b.Reset(t)
	start := time.Now().Add(-time.Minute)

	helperJSON(t, b, "winhttp-set", "--proxy", corpProxy, "--bypass", corpBypass)
	api := helperJSON(t, b, "winhttp-get")
	if api.Get("accessType").Int() != 3 || api.Get("proxy").String() != corpProxy || api.Get("bypass").String() != corpBypass {
		t.Fatalf("WinHttpGetDefaultProxyConfiguration after set = %s", api.Raw)
	}

	live := get(t, b)
	expect(t, live, "source.kind", "registry")
	expect(t, live, "winhttp.native.present", true)
	expect(t, live, "winhttp.native.mode", "proxy")
	expect(t, live, "winhttp.native.proxy.raw", api.Get("proxy").String())
	expect(t, live, "winhttp.native.bypass.raw", api.Get("bypass").String())
	expect(t, live, "winhttp.native.bypass.entries.#.value", []string{"<local>", "*.corp.example", "10.*"})
	// Wine writes version 0x18 with only the PROXY flag (Windows: 0x28, DIRECT|PROXY).
	expect(t, live, "winhttp.native.blob.version", 0x18)
	expect(t, live, "winhttp.native.blob.flags.proxy", true)
	expect(t, live, "winhttp.wow64.present", false)
	expect(t, live, "winhttp.viewsAgree", false)
	lw, err := time.Parse(time.RFC3339Nano, gjson.GetBytes(live, "winhttp.native.keyLastWrite").String())
	if err != nil || lw.Before(start) || lw.After(time.Now().Add(time.Minute)) {
		t.Errorf("winhttp.native.keyLastWrite = %s; want the time of the set call", gjson.GetBytes(live, "winhttp.native.keyLastWrite").Raw)
	}

	// 32-bit programs read their own copy; give them the same bytes, as netsh does on
	// recent Windows, so that both exports carry a value.
	hexBlob := gjson.GetBytes(live, "winhttp.native.blob.hex").String()
	b.MustRun(t, "reg", "add", KeyWinHTTP32, "/v", "WinHttpSettings", "/t", "REG_BINARY", "/d", hexBlob, "/f")
	live = get(t, b)
	expect(t, live, "winhttp.wow64.present", true)
	expect(t, live, "winhttp.viewsAgree", true)
	if n, w := without(t, live, "winhttp.native", "registryPath", "keyLastWrite"), without(t, live, "winhttp.wow64", "registryPath", "keyLastWrite"); !reflect.DeepEqual(n, w) {
		t.Errorf("views hold the same bytes but read differently:\nnative %s\nwow64 %s", indent(n), indent(w))
	}

	dir := b.TempDir(t)
	f64, f32, merged := filepath.Join(dir, "native.reg"), filepath.Join(dir, "wow64.reg"), filepath.Join(dir, "connections.reg")
	b.RegExport(t, KeyWinHTTP64, f64)
	b.RegExport(t, KeyWinHTTP32, f32)
	MergeRegExports(t, merged, f64, f32)
	fromFile, errOut, code := b.RunHost(t, "get", "--compress", "--from", merged)
	if code != 0 {
		t.Fatalf("ccproxy get --from %s: exit %d: %s", merged, code, errOut)
	}
	expect(t, fromFile, "source.kind", "regFile")
	// A .reg export has no key times, and the advanced settings come from netsh live and
	// are unknown in an export; everything else must be the same.
	expect(t, fromFile, "winhttp.native.keyLastWrite", nil)
	if l, f := without(t, live, "winhttp", "keyLastWrite", "advanced"), without(t, fromFile, "winhttp", "keyLastWrite", "advanced"); !reflect.DeepEqual(l, f) {
		t.Errorf("winhttp read live and from reg export differ:\nlive %s\nfile %s", indent(l), indent(f))
	}
}

// TestWinINetSetThroughAPI: what WinINet itself stores through InternetSetOption is what
// ccproxy reports. Wine 8 keeps only the manual-proxy flag and the server (as ProxyEnable
// and ProxyServer, no DefaultConnectionSettings), so the test compares ccproxy with what
// WinINet's InternetQueryOption gives back, and requires that the proxy went through.
func TestWinINetSetThroughAPI(t *testing.T) {
	b := bed(t)
	b.Reset(t)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"manual", []string{"--manual", "--proxy", "wp.corp.example:3128", "--bypass", "<local>;*.corp.example",
			"--pac", "http://pac.corp.example/proxy.pac", "--autodetect"}},
		{"off", []string{"--proxy", "wp.corp.example:3128"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			helperJSON(t, b, append([]string{"wininet-set"}, tc.args...)...)
			api := helperJSON(t, b, "wininet-get")
			if api.Get("proxy").String() != "wp.corp.example:3128" {
				t.Fatalf("WinINet did not keep the proxy: %s", api.Raw)
			}
			live := get(t, b)
			expect(t, live, "wininet.known", true)
			expect(t, live, "wininet.scope", "user")
			expect(t, live, "wininet.manualProxy", api.Get("manualProxy").Bool())
			expect(t, live, "wininet.proxy.raw", api.Get("proxy").String())
			if api.Get("bypass").Type == gjson.Null {
				expect(t, live, "wininet.bypass", nil)
			} else {
				expect(t, live, "wininet.bypass.raw", api.Get("bypass").String())
			}
			expect(t, live, "wininet.autoConfigUrl", nullable(api.Get("autoConfigUrl")))
			if api.Get("autoDetect").Bool() {
				expect(t, live, "wininet.autoDetect", true)
			} else if gjson.GetBytes(live, "wininet.autoDetect").Bool() {
				t.Errorf("wininet.autoDetect = true; WinINet says auto-detect is off")
			}
		})
	}
}

// connSettings builds a DefaultConnectionSettings blob (version 0x46) as the Internet
// Options dialog writes it.
func connSettings(counter, flags uint32, proxy, bypass, pac string) string {
	le := func(v uint32) string { return fmt.Sprintf("%02x%02x%02x%02x", v&0xff, v>>8&0xff, v>>16&0xff, v>>24) }
	str := func(s string) string { return le(uint32(len(s))) + fmt.Sprintf("%x", s) }
	return le(0x46) + le(counter) + le(flags) + str(proxy) + str(bypass) + str(pac) + strings.Repeat("00", 32)
}

// TestWinINetBlobAgreesWithWinHTTPReader: the connection-settings blob that Internet
// Options writes, decoded by ccproxy and by Wine's WinHttpGetIEProxyConfigForCurrentUser.
func TestWinINetBlobAgreesWithWinHTTPReader(t *testing.T) {
	b := bed(t)
	const (
		proxy  = "proxy.corp.example:8080"
		bypass = "<local>;*.corp.example;10.*"
		pac    = "http://pac.corp.example/proxy.pac"
	)
	for _, tc := range []struct {
		name  string
		flags uint32
		plain bool // also write the plain values, as the dialog does
	}{
		{"everything on", 0x0f, true},
		{"manual proxy only", 0x03, true},
		{"pac only, proxy kept but off", 0x05, false},
		{"auto-detect only, strings kept", 0x09, false},
		{"direct", 0x01, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.Reset(t)
			blob := connSettings(7, tc.flags, proxy, bypass, pac)
			b.MustRun(t, "reg", "add", KeyWinINetConn, "/v", "DefaultConnectionSettings", "/t", "REG_BINARY", "/d", blob, "/f")
			if tc.plain {
				enable := "0"
				if tc.flags&0x02 != 0 {
					enable = "1"
				}
				b.MustRun(t, "reg", "add", KeyWinINet, "/v", "ProxyEnable", "/t", "REG_DWORD", "/d", enable, "/f")
				b.MustRun(t, "reg", "add", KeyWinINet, "/v", "ProxyServer", "/t", "REG_SZ", "/d", proxy, "/f")
				b.MustRun(t, "reg", "add", KeyWinINet, "/v", "ProxyOverride", "/t", "REG_SZ", "/d", bypass, "/f")
				if tc.flags&0x04 != 0 {
					b.MustRun(t, "reg", "add", KeyWinINet, "/v", "AutoConfigURL", "/t", "REG_SZ", "/d", pac, "/f")
				}
			}
			ie := helperJSON(t, b, "ie-get")
			live := get(t, b)

			expect(t, live, "wininet.present", true)
			expect(t, live, "wininet.connectionSettings.hex", blob)
			expect(t, live, "wininet.connectionSettings.flags.value", tc.flags)
			manual := gjson.GetBytes(live, "wininet.manualProxy").Bool()
			if manual != (ie.Get("proxy").Type != gjson.Null) {
				t.Errorf("wininet.manualProxy = %v; WinHTTP's IE reader gives proxy %s", manual, ie.Get("proxy").Raw)
			}
			if manual {
				expect(t, live, "wininet.proxy.raw", ie.Get("proxy").String())
				expect(t, live, "wininet.bypass.raw", ie.Get("bypass").String())
			}
			// Strings stay in the blob when their flag is off; ccproxy reports them as stored.
			expect(t, live, "wininet.connectionSettings.proxy", proxy)
			expect(t, live, "wininet.connectionSettings.autoConfigUrl", pac)
			expect(t, live, "wininet.autoConfigUrl", nullable(ie.Get("autoConfigUrl")))
			expect(t, live, "wininet.autoDetect", ie.Get("autoDetect").Bool())
			if tc.plain {
				expect(t, live, "wininet.plainValuesAgree", true)
			}
		})
	}
}

// TestViewsDisagree: a value written only in the 64-bit view (reg add /reg:64) is not what
// 32-bit programs read, and ccproxy says so.
func TestViewsDisagree(t *testing.T) {
	b := bed(t)
	b.Reset(t)
	// proxy a:42, bypass *.42, as Windows writes it (version 0x28, DIRECT|PROXY).
	const proxyBlob = "28000000000000000300000004000000613a3432040000002a2e3432"
	const directBlob = "2800000000000000010000000000000000000000"

	b.MustRun(t, "reg", "add", KeyWinHTTP64, "/v", "WinHttpSettings", "/t", "REG_BINARY", "/d", proxyBlob, "/reg:64", "/f")
	live := get(t, b)
	expect(t, live, "winhttp.native.present", true)
	expect(t, live, "winhttp.native.mode", "proxy")
	expect(t, live, "winhttp.native.proxy.raw", "a:42")
	expect(t, live, "winhttp.wow64.present", false)
	expect(t, live, "winhttp.viewsAgree", false)

	// reg.exe's /reg:32 is the 32-bit view of the same path: WOW6432Node.
	b.MustRun(t, "reg", "add", KeyWinHTTP64, "/v", "WinHttpSettings", "/t", "REG_BINARY", "/d", proxyBlob, "/reg:32", "/f")
	live = get(t, b)
	expect(t, live, "winhttp.wow64.present", true)
	expect(t, live, "winhttp.wow64.proxy.raw", "a:42")
	expect(t, live, "winhttp.viewsAgree", true)

	b.MustRun(t, "reg", "add", KeyWinHTTP64, "/v", "WinHttpSettings", "/t", "REG_BINARY", "/d", directBlob, "/reg:32", "/f")
	live = get(t, b)
	expect(t, live, "winhttp.native.mode", "proxy")
	expect(t, live, "winhttp.wow64.mode", "direct")
	expect(t, live, "winhttp.wow64.blob.hex", directBlob)
	expect(t, live, "winhttp.viewsAgree", false)
}

// TestSourceAndOtherUser: the source names this machine and user, and --user SID reads the
// same hive through HKEY_USERS.
func TestSourceAndOtherUser(t *testing.T) {
	b := bed(t)
	b.Reset(t)
	helperJSON(t, b, "wininet-set", "--manual", "--proxy", "user.corp.example:3128")
	live := get(t, b)
	expect(t, live, "source.kind", "registry")
	expect(t, live, "source.path", nil)
	if h := gjson.GetBytes(live, "source.host").String(); h == "" {
		t.Error("source.host is empty")
	}
	sid := gjson.GetBytes(live, "source.wininetOwner.sid").String()
	if !strings.HasPrefix(sid, "S-1-5-21-") {
		t.Fatalf("source.wininetOwner.sid = %q; want the user's SID", sid)
	}
	if u := gjson.GetBytes(live, "source.wininetOwner.user").String(); !strings.Contains(u, `\`) {
		t.Errorf("source.wininetOwner.user = %q; want DOMAIN\\user", u)
	}
	readAt, err1 := time.Parse(time.RFC3339, gjson.GetBytes(live, "source.readAt").String())
	boot, err2 := time.Parse(time.RFC3339, gjson.GetBytes(live, "source.bootTime").String())
	if err1 != nil || err2 != nil || !boot.Before(readAt) {
		t.Errorf("source.readAt %s, bootTime %s; want boot before read", gjson.GetBytes(live, "source.readAt").Raw, gjson.GetBytes(live, "source.bootTime").Raw)
	}

	other := get(t, b, "--user", sid)
	expect(t, other, "source.wininetOwner.hive", `HKEY_USERS\`+sid)
	expect(t, other, "wininet.proxy.raw", "user.corp.example:3128")
	if l, o := without(t, live, "wininet", "registryPath"), without(t, other, "wininet", "registryPath"); !reflect.DeepEqual(l, o) {
		t.Errorf("wininet via HKEY_CURRENT_USER and via HKEY_USERS\\%s differ:\n%s\n%s", sid, indent(l), indent(o))
	}
}

// TestAccessDenied: a key the user may not read makes get fail with exit code 3 and a
// message that names the key, on stderr only.
func TestAccessDenied(t *testing.T) {
	b := bed(t)
	for _, tc := range []struct {
		key  string // reg.exe spelling for the helper
		want string // how ccproxy names it
	}{
		{`HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`, KeyWinINetConn},
		{`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`, KeyWinHTTP64},
	} {
		t.Run(tc.want, func(t *testing.T) {
			b.Reset(t)
			b.MustRun(t, "reg", "add", tc.key, "/f")
			prev := helperJSON(t, b, "key-dacl", "--key", tc.key, "--sddl", "D:P").Get("previous").String()
			t.Cleanup(func() { helperJSON(t, b, "key-dacl", "--key", tc.key, "--sddl", prev) })

			out, errOut, code := b.Run(t, "ccproxy.exe", "get")
			if code != 3 {
				t.Fatalf("ccproxy get on a locked key: exit %d; want 3\nstdout: %s\nstderr: %s", code, out, errOut)
			}
			if len(out) != 0 {
				t.Errorf("stdout = %q; want nothing on failure", out)
			}
			msg := logMessages(errOut)
			for _, want := range []string{tc.want, "access denied", "elevated"} {
				if !strings.Contains(msg, want) {
					t.Errorf("stderr %q does not mention %q", msg, want)
				}
			}
		})
	}
}

// logMessages extracts the messages of JSON log lines (stderr is not a terminal here);
// anything else is kept as it is.
func logMessages(stderr []byte) string {
	var msgs []string
	for _, line := range strings.Split(strings.TrimSpace(string(stderr)), "\n") {
		if m := gjson.Get(line, "message"); gjson.Valid(line) && m.Exists() {
			msgs = append(msgs, m.String())
		} else {
			msgs = append(msgs, line)
		}
	}
	return strings.Join(msgs, "\n")
}

// TestRegExportAtTheNameLimit: the longest key name Wine's registry takes (256 characters;
// Microsoft documents 255) comes back in Wine's own export, and ccproxy reads that export.
// Wine refuses a longer name, as ccproxy refuses it in a file.
func TestRegExportAtTheNameLimit(t *testing.T) {
	b := bed(t)
	parent := `HKEY_CURRENT_USER\Software\CcproxyLongName`
	t.Cleanup(func() { _, _, _ = b.Run(t, "reg", "delete", parent, "/f") })
	long := parent + `\` + strings.Repeat("n", 256)
	b.MustRun(t, "reg", "add", long, "/v", "V", "/t", "REG_DWORD", "/d", "1", "/f")
	if _, _, code := b.Run(t, "reg", "add", parent+`\`+strings.Repeat("n", 257), "/f"); code == 0 {
		t.Error("Wine took a 257-character key name: the limit ccproxy reads files by is wrong")
	}
	f := filepath.Join(b.TempDir(t), "long.reg")
	b.RegExport(t, parent, f)
	out, errOut, code := b.RunHost(t, "get", "--from", f)
	if code != 0 {
		t.Fatalf("ccproxy get --from Wine's export: exit %d: %s", code, errOut)
	}
	expect(t, out, "source.kind", "regFile")
}
