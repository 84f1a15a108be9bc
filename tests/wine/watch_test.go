package wine

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"ccproxy/schema/schematest"
)

// eventFile reads the JSON lines watch appended to its --output file.
type eventFile struct {
	path string
	seen int
	// proc is the watch writing the file, whose stderr a failure shows.
	proc *Started
}

// next waits (up to limit) for an event that satisfies ok, skipping others, and returns it.
func (f *eventFile) next(t *testing.T, limit time.Duration, what string, ok func(gjson.Result) bool) gjson.Result {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		data, _ := os.ReadFile(f.path)
		var lines [][]byte
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			lines = append(lines, append([]byte{}, sc.Bytes()...))
		}
		for ; f.seen < len(lines); f.seen++ {
			l := lines[f.seen]
			if err := schematest.CheckContract(append(l, '\n')); err != nil {
				t.Errorf("contract: %v: %s", err, l)
			}
			if err := schematest.Validate(l); err != nil {
				t.Errorf("schema: %v: %s", err, l)
			}
			ev := gjson.ParseBytes(l)
			if ok(ev) {
				f.seen++
				return ev
			}
		}
		if time.Now().After(deadline) {
			stderr := ""
			if f.proc != nil {
				stderr = f.proc.Stderr.String()
			}
			t.Fatalf("no %s event within %s; the file holds:\n%s\nwatch's stderr:\n%s", what, limit, data, stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func changed(ev gjson.Result, path string) bool {
	return ev.Get(`changes.#(path=="` + path + `")`).Exists()
}

// TestWatchReportsChanges: a running watch reports a change made through WinHTTP's own API
// and one made with reg add, each as one event, and writes each to the Event Log. Wine's
// ReportEventW is a stub that only traces its strings on the eventlog debug channel, so
// the Event Log calls are observed with WINEDEBUG=+eventlog on watch's stderr.
func TestWatchReportsChanges(t *testing.T) {
	b := bed(t)
	b.Reset(t)
	dir := b.TempDir(t)
	f := &eventFile{path: filepath.Join(dir, "events.jsonl")}
	w := b.Start(t, []string{"WINEDEBUG=+eventlog"}, "ccproxy.exe", "watch", "--output", WinPath(f.path), "--debounce", "300ms", "--advanced-interval", "0")
	start := f.next(t, 90*time.Second, "started", func(ev gjson.Result) bool { return ev.Get("kind").String() == "started" })
	if start.Get("eventId").Int() != 1 || start.Get("trigger.keys.#").Int() < 10 || !strings.Contains(start.Get("notes").Raw, "WinHttpRegisterProxyChangeNotification") {
		t.Errorf("started event: %s", start.Raw)
	}

	// Through WinHTTP's own API: WinHttpSetDefaultProxyConfiguration.
	b.MustRun(t, "winhelper.exe", "winhttp-set", "--proxy", corpProxy, "--bypass", corpBypass)
	ev := f.next(t, 30*time.Second, "WinHTTP API change", func(ev gjson.Result) bool { return changed(ev, "$.winhttp.native.proxy") })
	if ev.Get("changes.#(path==\"$.winhttp.native.proxy\").after").String() != corpProxy || ev.Get("trigger.source").String() != "registry" ||
		!strings.Contains(ev.Get("trigger.keys").Raw, `Internet Settings\\Connections`) || ev.Get("writers.0.lastWrite").String() == "" {
		t.Errorf("WinHTTP API change: %s", ev.Raw)
	}

	// Through reg add: the 64-bit value set to direct access.
	b.MustRun(t, "reg", "add", KeyWinHTTP64, "/v", "WinHttpSettings", "/t", "REG_BINARY", "/d", "1800000000000000010000000000000000000000", "/f")
	ev = f.next(t, 30*time.Second, "reg add change", func(ev gjson.Result) bool { return changed(ev, "$.winhttp.native.mode") })
	if ev.Get("changes.#(path==\"$.winhttp.native.mode\").after").String() != "direct" {
		t.Errorf("reg add change: %s", ev.Raw)
	}
	w.Stop()
	trace := w.Stderr.String()
	if !strings.Contains(trace, "eventlog") || !strings.Contains(trace, "watching") {
		t.Errorf("no Event Log call traced on stderr (WINEDEBUG=+eventlog):\n%s", trace)
	}
}

// TestWatchHealRefusesADesiredFileOthersMayChange: watch --heal starts only with a desired
// file (and folder) that only Administrators and SYSTEM may change. Under Wine every host
// file's owner is the Wine user its Unix owner maps to, and Wine 8 keeps no owner or DACL
// set through SetNamedSecurityInfo for it (no user.wine.sd is written or read), so the check
// always refuses here: the heal itself is tested against the in-memory registry (ops).
func TestWatchHealRefusesADesiredFileOthersMayChange(t *testing.T) {
	b := bed(t)
	b.Reset(t)
	dir := filepath.Join(b.TempDir(t), "conf")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	desired := filepath.Join(dir, "desired.json")
	doc := `{"schema":"ccproxy/desired@1","winhttp":{"mode":"proxy","proxy":"` + corpProxy + `","bypass":["<local>","*.corp.example"]}}`
	if err := os.WriteFile(desired, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "events.jsonl")
	_, stderr, code := b.Run(t, "ccproxy.exe", "watch", "--heal", "--no-verify", "--desired", WinPath(desired), "--advanced-interval", "0", "--no-event-log", "--output", WinPath(out))
	if code != 2 || !strings.Contains(string(stderr), "desired.json") || !strings.Contains(string(stderr), "S-1-5-21-0-0-0-1000") {
		t.Fatalf("a desired file the Wine user owns: exit %d, %s", code, stderr)
	}
	// Refused before the first read: no event, nothing healed.
	if data, _ := os.ReadFile(out); len(data) != 0 {
		t.Errorf("events written before the refusal: %s", data)
	}
	if got := helperJSON(t, b, "winhttp-get").Get("proxy").String(); got == corpProxy {
		t.Errorf("healed although refused")
	}
}

// TestWatchService: the service installs under Wine's service manager as LocalSystem,
// started at boot, with its command line; it starts and runs, reports a change made with
// reg add to its --output file and to the Event Log, stops when asked, and uninstalls.
// Wine 8's service manager cannot be asked for recovery actions (the install says so in
// its notes). The service's Event Log calls are observed on the service manager's output
// (ServicesLog), which the services it starts inherit with WINEDEBUG=+eventlog.
func TestWatchService(t *testing.T) {
	b := bed(t)
	b.Reset(t)
	b.ServiceManager(t)
	dir := b.TempDir(t)
	desired := filepath.Join(dir, "desired.json")
	if err := os.WriteFile(desired, []byte(`{"schema":"ccproxy/desired@1","winhttp":{"mode":"direct"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	events := filepath.Join(dir, "events.jsonl")
	_, _, _ = b.Run(t, "ccproxy.exe", "service", "uninstall")
	out := b.MustRun(t, "ccproxy.exe", "service", "install", "--desired", WinPath(desired), "--events", WinPath(events), "--compress")
	t.Cleanup(func() { _, _, _ = b.Run(t, "ccproxy.exe", "service", "uninstall") })
	st := gjson.ParseBytes(out)
	if !st.Get("installed").Bool() || st.Get("state").String() != "stopped" || st.Get("startType").String() != "auto" || st.Get("account").String() != "LocalSystem" ||
		!strings.Contains(st.Get("command").String(), "service run --desired "+WinPath(desired)) || !strings.Contains(st.Get("command").String(), "--output "+WinPath(events)) {
		t.Errorf("after install: %s", out)
	}
	if st.Get("recovery.#").Int() != 3 && !strings.Contains(st.Get("notes").Raw, "recovery actions") && !strings.Contains(st.Get("notes").Raw, "FAILURE_ACTIONS") {
		t.Errorf("neither recovery actions nor a note why not: %s", out)
	}
	// Another process sees it at once.
	if out := b.MustRun(t, "ccproxy.exe", "service", "status", "--compress"); !gjson.GetBytes(out, "installed").Bool() || gjson.GetBytes(out, "state").String() != "stopped" {
		t.Errorf("status after install: %s", out)
	}
	// Run in a console, the service's own command says who starts it.
	if _, stderr, code := b.Run(t, "ccproxy.exe", "service", "run", "--desired", WinPath(desired)); code != 2 || !strings.Contains(string(stderr), "service control manager starts") {
		t.Errorf("service run in a console: exit %d %s", code, stderr)
	}

	out = b.MustRun(t, "ccproxy.exe", "service", "start", "--compress")
	if gjson.GetBytes(out, "state").String() != "running" || gjson.GetBytes(out, "pid").Int() == 0 {
		t.Fatalf("after start: %s\nservice manager's output:\n%s", out, tail(b.ServicesLog))
	}
	if out := b.MustRun(t, "ccproxy.exe", "service", "status", "--compress"); gjson.GetBytes(out, "state").String() != "running" {
		t.Errorf("status of the started service: %s", out)
	}
	f := &eventFile{path: events}
	f.next(t, 90*time.Second, "started", func(ev gjson.Result) bool { return ev.Get("kind").String() == "started" })
	b.MustRun(t, "reg", "add", KeyWinHTTP64, "/v", "WinHttpSettings", "/t", "REG_BINARY", "/d", "18000000000000000300000004000000703a383000000000", "/f")
	ev := f.next(t, 30*time.Second, "drift", func(ev gjson.Result) bool { return changed(ev, "$.winhttp.native.proxy") })
	if ev.Get("kind").String() != "drift" || ev.Get("changes.#(path==\"$.winhttp.native.proxy\").after").String() != "p:80" || ev.Get("inDesiredState").Bool() {
		t.Errorf("the service's drift event: %s", ev.Raw)
	}

	began := time.Now()
	out = b.MustRun(t, "ccproxy.exe", "service", "stop", "--compress")
	t.Logf("service stop returned after %s", time.Since(began).Round(time.Millisecond))
	if gjson.GetBytes(out, "state").String() != "stopped" {
		t.Errorf("after stop: %s", out)
	}
	f.next(t, 10*time.Second, "stopped", func(ev gjson.Result) bool { return ev.Get("kind").String() == "stopped" })
	log, _ := os.ReadFile(b.ServicesLog)
	for _, want := range []string{`ReportEventW L"watching`, `ReportEventW L"drift:`, `ReportEventW L"watch stopped`} {
		if !bytes.Contains(log, []byte(want)) {
			t.Errorf("the service's Event Log call %s is not traced in the service manager's output:\n%s", want, tail(b.ServicesLog))
		}
	}

	out = b.MustRun(t, "ccproxy.exe", "service", "uninstall", "--compress")
	if gjson.GetBytes(out, "installed").Bool() {
		t.Errorf("after uninstall: %s", out)
	}
	if out := b.MustRun(t, "ccproxy.exe", "service", "status", "--compress"); gjson.GetBytes(out, "installed").Bool() {
		t.Errorf("status after uninstall: %s", out)
	}
}

// tail is the end of a log file, for a failure message.
func tail(path string) string {
	data, _ := os.ReadFile(path)
	if len(data) > 4000 {
		data = data[len(data)-4000:]
	}
	return string(data)
}
