package wine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// result is one run of the Windows build of ccproxy under Wine.
type result struct {
	args   []string
	stdout []byte
	stderr []byte
	code   int
}

func ccproxy(t *testing.T, b *Bed, args ...string) result {
	t.Helper()
	out, errOut, code := b.Run(t, "ccproxy.exe", args...)
	return result{args: args, stdout: out, stderr: errOut, code: code}
}

// want checks the exit code and, when schema is not "", that stdout is one document of
// that kind; it returns stdout.
func (r result) want(t *testing.T, code int, schema string) []byte {
	t.Helper()
	if r.code != code {
		t.Fatalf("ccproxy %s: exit %d; want %d\nstdout: %s\nstderr: %s", strings.Join(r.args, " "), r.code, code, r.stdout, r.stderr)
	}
	if schema == "" {
		return r.stdout
	}
	if !gjson.ValidBytes(r.stdout) {
		t.Fatalf("ccproxy %s printed invalid JSON: %s\nstderr: %s", strings.Join(r.args, " "), r.stdout, r.stderr)
	}
	if s := gjson.GetBytes(r.stdout, "schema").String(); s != schema {
		t.Fatalf("ccproxy %s: schema = %q; want %s", strings.Join(r.args, " "), s, schema)
	}
	return r.stdout
}

// failed checks a run that has to fail with code before writing anything: no document on
// stdout, and a message on stderr that contains each of wants.
func (r result) failed(t *testing.T, code int, wants ...string) string {
	t.Helper()
	r.want(t, code, "")
	if len(r.stdout) != 0 {
		t.Errorf("ccproxy %s: stdout = %s; want nothing", strings.Join(r.args, " "), r.stdout)
	}
	msg := logMessages(r.stderr)
	for _, w := range wants {
		if !strings.Contains(msg, w) {
			t.Errorf("ccproxy %s: stderr %q does not mention %q", strings.Join(r.args, " "), msg, w)
		}
	}
	return msg
}

// planFile runs `ccproxy plan` with args on the live registry and stores the plan where
// the Windows build can read it; it returns the plan and its Windows path.
func planFile(t *testing.T, b *Bed, args ...string) ([]byte, string) {
	t.Helper()
	doc := ccproxy(t, b, append([]string{"plan"}, args...)...).want(t, 0, "ccproxy/plan@1")
	f := filepath.Join(b.TempDir(t), "plan.json")
	if err := os.WriteFile(f, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	return doc, WinPath(f)
}

// backupDir is a fresh folder on the prefix's drive C: for one apply's backups, as Windows
// and Linux name it. It is created on first use by ccproxy, which sets its ACL.
func backupDir(t *testing.T, b *Bed) (win, host string) {
	t.Helper()
	parent := filepath.Join(b.Prefix, "drive_c", "ccproxy-tests")
	if err := os.MkdirAll(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	d, err := os.MkdirTemp(parent, "backups-")
	if err != nil {
		t.Fatal(err)
	}
	// ccproxy creates it, so that what it finds there is only what it wrote.
	if err := os.Remove(d); err != nil {
		t.Fatal(err)
	}
	return `C:\ccproxy-tests\` + filepath.Base(d), d
}

// backups lists the files ccproxy left in a backup folder.
func backups(t *testing.T, host string) []string {
	t.Helper()
	ents, err := os.ReadDir(host)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// snapshot is reg.exe's export of each key ("" when the key does not exist). An export
// spells out every value's type and bytes, so equal snapshots mean byte-identical values.
func snapshot(t *testing.T, b *Bed, keys ...string) map[string]string {
	t.Helper()
	dir := b.TempDir(t)
	snap := map[string]string{}
	for i, k := range keys {
		if !b.KeyExists(t, k) {
			snap[k] = ""
			continue
		}
		f := filepath.Join(dir, string(rune('a'+i))+".reg")
		b.RegExport(t, k, f)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s, err := DecodeUTF16Reg(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		snap[k] = s
	}
	return snap
}

func sameSnapshot(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	for k, want := range before {
		if got := after[k]; got != want {
			t.Errorf("%s: %s changed:\nbefore:\n%s\nafter:\n%s", what, k, orAbsent(want), orAbsent(got))
		}
	}
}

func orAbsent(export string) string {
	if export == "" {
		return "(key absent)"
	}
	return export
}

var winhttpKeys = []string{KeyWinHTTP64, KeyWinHTTP32}

// wineWinHTTP starts a test from a WinHTTP setting that Wine's own API wrote (version 0x18,
// 64-bit view only), which is the only layout Wine's WinHttpGetDefaultProxyConfiguration
// reads back. The 32-bit view's key is created empty, or with the bytes of wow64Hex.
func wineWinHTTP(t *testing.T, b *Bed, proxy, bypass, wow64Hex string) {
	t.Helper()
	b.Reset(t)
	helperJSON(t, b, "winhttp-set", "--proxy", proxy, "--bypass", bypass)
	if wow64Hex == "" {
		b.MustRun(t, "reg", "add", KeyWinHTTP32, "/f")
	} else {
		b.MustRun(t, "reg", "add", KeyWinHTTP32, "/v", "WinHttpSettings", "/t", "REG_BINARY", "/d", wow64Hex, "/f")
	}
	api := helperJSON(t, b, "winhttp-get")
	if api.Get("proxy").String() != proxy || api.Get("bypass").String() != bypass {
		t.Fatalf("WinHttpGetDefaultProxyConfiguration after set = %s", api.Raw)
	}
}

// TestApplyWinHTTP: a plan for a proxy and bypass list, applied by the Windows build, is
// what WinHTTP's own WinHttpGetDefaultProxyConfiguration then returns; a second plan is
// empty; restore puts back the bytes that were there, in both views.
func TestApplyWinHTTP(t *testing.T) {
	b := bed(t)
	const (
		oldProxy  = "old.corp.example:3128"
		oldBypass = "<local>"
		// Direct access in the layout Wine writes: version 0x18, counter 0, flags DIRECT,
		// empty proxy and bypass strings.
		wow64Direct = "1800000000000000010000000000000000000000"
	)
	for _, tc := range []struct {
		name      string
		wow64Hex  string
		wow64Verb string // the change the plan makes in the 32-bit view
	}{
		{"32-bit view absent", "", "create"},
		{"32-bit view direct", wow64Direct, "update"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wineWinHTTP(t, b, oldProxy, oldBypass, tc.wow64Hex)
			before := snapshot(t, b, winhttpKeys...)
			liveBefore := get(t, b)

			// --detailed-exitcode: 1 while there is something to do.
			ccproxy(t, b, "plan", "--proxy", corpProxy, "--bypass", corpBypass, "--detailed-exitcode").want(t, 1, "ccproxy/plan@1")
			plan, planPath := planFile(t, b, "--proxy", corpProxy, "--bypass", corpBypass)
			expect(t, plan, "empty", false)
			expect(t, plan, "requiresElevation", true)
			expect(t, plan, "restartRequired.required", true)
			expect(t, plan, "source.kind", "registry")
			// The 32-bit view is written before the native one the connector's services read.
			expect(t, plan, "changes.#.target.registryPath", []string{KeyWinHTTP32, KeyWinHTTP64})
			expect(t, plan, "changes.#.action", []string{tc.wow64Verb, "update"})
			// The version already present is kept: Wine reads only 0x18.
			expect(t, plan, "changes.1.after.blob.version", 0x18)

			winDir, hostDir := backupDir(t, b)
			res := ccproxy(t, b, "apply", planPath, "--backup-dir", winDir)
			doc := res.want(t, 0, "ccproxy/apply@1")
			if len(res.stderr) != 0 {
				t.Errorf("apply wrote on stderr: %s", res.stderr)
			}
			expect(t, doc, "result", "applied")
			expect(t, doc, "verified", true)
			expect(t, doc, "error", nil)
			expect(t, doc, "wininetNotified", nil)
			expect(t, doc, "changes.#.status", []string{"applied", "applied"})
			expect(t, doc, "backup.values", 2)
			backup := gjson.GetBytes(doc, "backup.path").String()
			if files := backups(t, hostDir); len(files) != 1 || !strings.HasSuffix(backup, `\`+files[0]) {
				t.Fatalf("backup.path = %q; the backup folder holds %v", backup, files)
			}

			api := helperJSON(t, b, "winhttp-get")
			expect(t, []byte(api.Raw), "accessType", 3)
			expect(t, []byte(api.Raw), "proxy", corpProxy)
			expect(t, []byte(api.Raw), "bypass", corpBypass)

			live := get(t, b)
			for _, view := range []string{"native", "wow64"} {
				expect(t, live, "winhttp."+view+".mode", "proxy")
				expect(t, live, "winhttp."+view+".proxy.raw", corpProxy)
				expect(t, live, "winhttp."+view+".bypass.raw", corpBypass)
			}
			expect(t, live, "winhttp.native.blob.version", 0x18)
			expect(t, live, "winhttp.viewsAgree", true)

			again, _ := planFile(t, b, "--proxy", corpProxy, "--bypass", corpBypass)
			expect(t, again, "empty", true)
			expect(t, again, "changes", []any{})
			ccproxy(t, b, "plan", "--proxy", corpProxy, "--bypass", corpBypass, "--detailed-exitcode").want(t, 0, "ccproxy/plan@1")

			restored := ccproxy(t, b, "restore", backup, "--backup-dir", winDir).want(t, 0, "ccproxy/apply@1")
			expect(t, restored, "result", "applied")
			expect(t, restored, "verified", true)
			// A restore is an apply too: it keeps a backup of what it replaced.
			expect(t, restored, "backup.values", 2)
			sameSnapshot(t, "after restore", before, snapshot(t, b, winhttpKeys...))
			liveAfter := get(t, b)
			for _, view := range []string{"native", "wow64"} {
				for _, p := range []string{"winhttp." + view + ".present", "winhttp." + view + ".blob"} {
					if got, was := orMissing(gjson.GetBytes(liveAfter, p)), orMissing(gjson.GetBytes(liveBefore, p)); got != was {
						t.Errorf("after restore %s = %s; before the apply it was %s", p, got, was)
					}
				}
			}
			api = helperJSON(t, b, "winhttp-get")
			expect(t, []byte(api.Raw), "proxy", oldProxy)
			expect(t, []byte(api.Raw), "bypass", oldBypass)

			// Nothing left to put back.
			again2 := ccproxy(t, b, "restore", backup, "--backup-dir", winDir).want(t, 0, "ccproxy/apply@1")
			expect(t, again2, "result", "noChanges")
			expect(t, again2, "backup", nil)
		})
	}
}

// TestApplyImportIE: WinHTTP imports the manual proxy that WinINet's own
// InternetSetOption stored for the user, and WinHTTP's API then returns it.
func TestApplyImportIE(t *testing.T) {
	b := bed(t)
	const ieProxy, ieBypass = "ie.corp.example:8080", "<local>;*.ie.corp.example"
	wineWinHTTP(t, b, "old.corp.example:3128", "<local>", "")
	helperJSON(t, b, "wininet-set", "--manual", "--proxy", ieProxy, "--bypass", ieBypass)
	// Wine 8's InternetSetOption drops the bypass list but its InternetQueryOption reads
	// ProxyOverride, which the Internet Options dialog writes beside ProxyServer.
	b.MustRun(t, "reg", "add", KeyWinINet, "/v", "ProxyOverride", "/t", "REG_SZ", "/d", ieBypass, "/f")
	ie := helperJSON(t, b, "wininet-get")
	if !ie.Get("manualProxy").Bool() || ie.Get("proxy").String() != ieProxy || ie.Get("bypass").String() != ieBypass {
		t.Fatalf("WinINet does not report the manual proxy and bypass list: %s", ie.Raw)
	}

	plan, planPath := planFile(t, b, "--import-ie")
	expect(t, plan, "empty", false)
	expect(t, plan, "changes.#.target.stack", []string{"winhttp", "winhttp"})
	winDir, _ := backupDir(t, b)
	doc := ccproxy(t, b, "apply", planPath, "--backup-dir", winDir).want(t, 0, "ccproxy/apply@1")
	expect(t, doc, "result", "applied")

	api := helperJSON(t, b, "winhttp-get")
	expect(t, []byte(api.Raw), "accessType", 3)
	expect(t, []byte(api.Raw), "proxy", ie.Get("proxy").String())
	expect(t, []byte(api.Raw), "bypass", ie.Get("bypass").String())

	again, _ := planFile(t, b, "--import-ie")
	expect(t, again, "empty", true)
}

// TestApplyWinINet: a desired state that sets the user's manual proxy, applied by the
// Windows build, is what WinINet's InternetQueryOption and WinHTTP's reader of the IE
// settings then report; restore puts the user's key back byte for byte.
func TestApplyWinINet(t *testing.T) {
	b := bed(t)
	const (
		proxy  = "wp.corp.example:3128"
		bypass = "<local>;*.corp.example;10.*"
	)
	b.Reset(t)
	// The key ccproxy writes DefaultConnectionSettings into, empty, so that the export
	// before and after restore (which deletes the value it created) can be compared.
	b.MustRun(t, "reg", "add", KeyWinINetConn, "/f")
	before := snapshot(t, b, KeyWinINet)

	desired := filepath.Join(b.TempDir(t), "desired.json")
	if err := os.WriteFile(desired, []byte(`{
  "schema": "ccproxy/desired@1",
  "wininet": {
    "user": "current",
    "manualProxy": true,
    "proxy": "`+proxy+`",
    "bypass": ["<local>", "*.corp.example", "10.*"],
    "autoConfigUrl": null,
    "autoDetect": false
  }
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	plan, planPath := planFile(t, b, WinPath(desired))
	expect(t, plan, "empty", false)
	expect(t, plan, "requiresElevation", false)
	expect(t, plan, "restartRequired.required", false)
	expect(t, plan, "source.wininetOwner.hive", "HKEY_CURRENT_USER")
	expect(t, plan, "changes.#.target.valueName", []string{"ProxyEnable", "ProxyServer", "ProxyOverride", "DefaultConnectionSettings"})

	winDir, _ := backupDir(t, b)
	res := ccproxy(t, b, "apply", planPath, "--backup-dir", winDir)
	doc := res.want(t, 0, "ccproxy/apply@1")
	expect(t, doc, "result", "applied")
	expect(t, doc, "verified", true)
	// Wine refuses INTERNET_OPTION_REFRESH (error 12018): running programs are not told, the
	// registry holds the change all the same, and apply says so as a warning, not a failure.
	notified := gjson.GetBytes(doc, "wininetNotified")
	if notified.Type != gjson.True && notified.Type != gjson.False {
		t.Fatalf("wininetNotified = %s; want true or false after a WinINet write", orMissing(notified))
	}
	warned := gjson.GetBytes(doc, `warnings.#(code=="wininetNotNotified").message`)
	if notified.Bool() == warned.Exists() {
		t.Errorf("wininetNotified = %s but the wininetNotNotified warning is %s", notified.Raw, orMissing(warned))
	}
	if warned.Exists() {
		t.Logf("apply: %s", warned.String())
	}
	if len(res.stderr) != 0 {
		t.Errorf("apply wrote on stderr: %s", res.stderr)
	}

	inet := helperJSON(t, b, "wininet-get")
	expect(t, []byte(inet.Raw), "manualProxy", true)
	expect(t, []byte(inet.Raw), "proxy", proxy)
	expect(t, []byte(inet.Raw), "bypass", bypass)
	expect(t, []byte(inet.Raw), "autoConfig", false)
	expect(t, []byte(inet.Raw), "autoDetect", false)
	ie := helperJSON(t, b, "ie-get")
	expect(t, []byte(ie.Raw), "proxy", proxy)
	expect(t, []byte(ie.Raw), "bypass", bypass)
	expect(t, []byte(ie.Raw), "autoConfigUrl", nil)
	expect(t, []byte(ie.Raw), "autoDetect", false)

	live := get(t, b)
	expect(t, live, "wininet.present", true)
	expect(t, live, "wininet.manualProxy", true)
	expect(t, live, "wininet.proxy.raw", proxy)
	expect(t, live, "wininet.bypass.raw", bypass)
	expect(t, live, "wininet.plainValuesAgree", true)

	again, _ := planFile(t, b, WinPath(desired))
	expect(t, again, "empty", true)

	ccproxy(t, b, "restore", gjson.GetBytes(doc, "backup.path").String(), "--backup-dir", winDir).want(t, 0, "ccproxy/apply@1")
	sameSnapshot(t, "after restore", before, snapshot(t, b, KeyWinINet))
	inet = helperJSON(t, b, "wininet-get")
	expect(t, []byte(inet.Raw), "manualProxy", false)
}

// lockKey replaces the DACL of a key (reg.exe spelling) and gives the old one back when
// the test ends, or earlier through the returned function.
func lockKey(t *testing.T, b *Bed, key, sddl string) (unlock func()) {
	t.Helper()
	prev := helperJSON(t, b, "key-dacl", "--key", key, "--sddl", sddl).Get("previous").String()
	done := false
	unlock = func() {
		if !done {
			done = true
			helperJSON(t, b, "key-dacl", "--key", key, "--sddl", prev)
		}
	}
	t.Cleanup(unlock)
	return unlock
}

// TestApplyAccessDenied: when Windows refuses a write, apply puts back what it already
// wrote and exits 4; when it refuses even to read, apply writes nothing and exits 3. The
// registry is the same as before either way, and the message names the key.
func TestApplyAccessDenied(t *testing.T) {
	b := bed(t)
	const hklmConnections = `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`

	t.Run("write denied, rolled back", func(t *testing.T) {
		wineWinHTTP(t, b, "old.corp.example:3128", "<local>", "")
		before := snapshot(t, b, winhttpKeys...)
		_, planPath := planFile(t, b, "--proxy", corpProxy, "--bypass", corpBypass)
		// Everyone may read the native key, nobody may write it: the stale check and the
		// backup pass, the 32-bit view is written, and the native view is refused.
		unlock := lockKey(t, b, hklmConnections, "D:P(A;;KR;;;WD)")
		winDir, hostDir := backupDir(t, b)
		res := ccproxy(t, b, "apply", planPath, "--backup-dir", winDir)
		doc := res.want(t, 4, "ccproxy/apply@1")
		expect(t, doc, "result", "rolledBack")
		expect(t, doc, "verified", false)
		expect(t, doc, "changes.#.target.registryPath", []string{KeyWinHTTP32, KeyWinHTTP64})
		expect(t, doc, "changes.#.status", []string{"rolledBack", "notApplied"})
		expect(t, doc, "restartRequired.required", false)
		if files := backups(t, hostDir); len(files) != 1 {
			t.Errorf("backup folder holds %v; want the one backup written before the first write", files)
		}
		for _, msg := range []string{gjson.GetBytes(doc, "error").String(), logMessages(res.stderr)} {
			for _, want := range []string{KeyWinHTTP64, "WinHttpSettings", "access denied", "rolled back"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not mention %q", msg, want)
				}
			}
			if n := strings.Count(msg, "WinHttpSettings"); n != 1 {
				t.Errorf("message %q names the value %d times", msg, n)
			}
		}
		unlock()
		sameSnapshot(t, "after the refused apply", before, snapshot(t, b, winhttpKeys...))
	})

	t.Run("read denied, nothing written", func(t *testing.T) {
		wineWinHTTP(t, b, "old.corp.example:3128", "<local>", "")
		before := snapshot(t, b, winhttpKeys...)
		_, planPath := planFile(t, b, "--proxy", corpProxy, "--bypass", corpBypass)
		unlock := lockKey(t, b, hklmConnections, "D:P")
		winDir, hostDir := backupDir(t, b)
		ccproxy(t, b, "apply", planPath, "--backup-dir", winDir).failed(t, 3, KeyWinHTTP64, "access denied", "elevated")
		ccproxy(t, b, "plan", "--proxy", corpProxy).failed(t, 3, KeyWinHTTP64, "access denied")
		if files := backups(t, hostDir); len(files) != 0 {
			t.Errorf("backup folder holds %v; want nothing, as nothing was to be written", files)
		}
		unlock()
		sameSnapshot(t, "after the refused apply", before, snapshot(t, b, winhttpKeys...))
	})
}

// TestApplyStalePlan: a plan whose values changed after it was made is refused (exit 2)
// before anything is written.
func TestApplyStalePlan(t *testing.T) {
	b := bed(t)
	wineWinHTTP(t, b, "old.corp.example:3128", "<local>", "")
	_, planPath := planFile(t, b, "--proxy", corpProxy, "--bypass", corpBypass)
	helperJSON(t, b, "winhttp-set", "--proxy", "other.corp.example:8080", "--bypass", "<local>")
	before := snapshot(t, b, winhttpKeys...)
	winDir, hostDir := backupDir(t, b)
	ccproxy(t, b, "apply", planPath, "--backup-dir", winDir).failed(t, 2, "stale", KeyWinHTTP64+`\WinHttpSettings`, "ccproxy plan")
	if files := backups(t, hostDir); len(files) != 0 {
		t.Errorf("backup folder holds %v; want nothing", files)
	}
	sameSnapshot(t, "after the stale apply", before, snapshot(t, b, winhttpKeys...))
	api := helperJSON(t, b, "winhttp-get")
	expect(t, []byte(api.Raw), "proxy", "other.corp.example:8080")
}

// TestApplyAgainAndRestoreValidation: on the live registry, applying a plan a second time
// writes nothing and exits 0, and a backup edited to hold a REG_SZ WinHttpSettings is
// refused before anything is written.
func TestApplyAgainAndRestoreValidation(t *testing.T) {
	b := bed(t)
	wineWinHTTP(t, b, "old.corp.example:3128", "<local>", "")
	_, planPath := planFile(t, b, "--proxy", corpProxy, "--bypass", corpBypass, "--views", "native")
	winDir, hostDir := backupDir(t, b)
	first := ccproxy(t, b, "apply", planPath, "--backup-dir", winDir).want(t, 0, "ccproxy/apply@1")
	expect(t, first, "result", "applied")
	files := backups(t, hostDir)
	if len(files) != 1 {
		t.Fatalf("backups %v; want one", files)
	}
	before := snapshot(t, b, winhttpKeys...)
	again := ccproxy(t, b, "apply", planPath, "--backup-dir", winDir).want(t, 0, "ccproxy/apply@1")
	expect(t, again, "result", "alreadyApplied")
	if n := len(backups(t, hostDir)); n != 1 {
		t.Errorf("applying again wrote a backup (%d now)", n)
	}
	sameSnapshot(t, "after applying again", before, snapshot(t, b, winhttpKeys...))

	data, err := os.ReadFile(filepath.Join(hostDir, files[0]))
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(strings.Replace(string(data), `"type": 3,`, `"type": 1,`, 1), `"typeName": "REG_BINARY",`, `"typeName": "REG_SZ",`, 1)
	if edited == string(data) {
		t.Fatalf("the backup could not be edited: %s", data)
	}
	bad := filepath.Join(b.TempDir(t), "edited-backup.json")
	if err := os.WriteFile(bad, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	ccproxy(t, b, "restore", WinPath(bad), "--backup-dir", winDir).failed(t, 2, "WinHttpSettings must be REG_BINARY, not REG_SZ")
	sameSnapshot(t, "after the refused restore", before, snapshot(t, b, winhttpKeys...))
	// The unedited backup restores, verified.
	restored := ccproxy(t, b, "restore", WinPath(filepath.Join(hostDir, files[0])), "--backup-dir", winDir).want(t, 0, "ccproxy/apply@1")
	expect(t, restored, "verified", true)
	expect(t, []byte(helperJSON(t, b, "winhttp-get").Raw), "proxy", "old.corp.example:3128")
}
