package ops

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"ccproxy/model"
	"ccproxy/model/watch"
	"ccproxy/schema/schematest"
	"ccproxy/system"
)

// fakeWatcher is the notifier the tests drive: each send is one notification Windows
// would have given.
type fakeWatcher struct {
	c      chan system.Notification
	keys   []string
	closed bool
}

func (f *fakeWatcher) Changes() <-chan system.Notification { return f.c }
func (f *fakeWatcher) Notes() []string                     { return []string{"fake notifier"} }
func (f *fakeWatcher) Close() error                        { f.closed = true; return nil }

func watchMachine(t *testing.T, example string) (*Machine, *system.MemStore) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "examples", example))
	if err != nil {
		t.Fatal(err)
	}
	st, err := system.LoadRegFile(example, data)
	if err != nil {
		t.Fatal(err)
	}
	st.Info = system.SourceInfo{Kind: "registry", Host: "CC01"}
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	return &Machine{
		Now: func() time.Time { return now }, Getenv: func(string) string { return "" },
		Hostname:     func() (string, error) { return "CC01", nil },
		OpenLive:     func() (system.Writer, error) { return st, nil },
		ShowAdvproxy: func(context.Context) ([]byte, error) { return nil, errors.New("no netsh in this test") },
		Log:          zerolog.Nop(),
	}, st
}

func setWinHTTP(t *testing.T, st *system.MemStore, proxy, bypass string) {
	t.Helper()
	c := model.ConnBlob{Version: 0x28, Flags: model.FlagDirect, Proxy: proxy, Bypass: bypass}
	if proxy != "" {
		c.Flags |= model.FlagProxy
	}
	b, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{model.WinHTTPNativeKey, model.WinHTTPWOW64Key} {
		if err := st.SetValue(k, model.WinHTTPValue, system.Value{Type: model.RegBinary, Data: b}); err != nil {
			t.Fatal(err)
		}
	}
}

// runWatch starts a watch and returns its events as they come, and a stop that ends it and
// returns its error.
func runWatch(t *testing.T, m *Machine, w Watch) (*fakeWatcher, <-chan watch.Event, func() error) {
	t.Helper()
	fw := &fakeWatcher{c: make(chan system.Notification)}
	events := make(chan watch.Event, 16)
	w.Watcher = func(keys []string) (system.RegistryWatcher, error) { fw.keys = keys; return fw, nil }
	w.Emit = func(e watch.Event) error {
		// Every event is a ccproxy/event@1 document its schema accepts.
		doc, err := model.MarshalDocument(e, true)
		if err != nil {
			t.Errorf("event %s: %v", e.Kind, err)
		} else if err := schematest.Validate(doc); err != nil {
			t.Errorf("event %s does not match its schema: %v\n%s", e.Kind, err, doc)
		}
		events <- e
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Watch(ctx, w) }()
	return fw, events, func() error { cancel(); return <-done }
}

func next(t *testing.T, events <-chan watch.Event) watch.Event {
	t.Helper()
	select {
	case e := <-events:
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
	}
	return watch.Event{}
}

func none(t *testing.T, events <-chan watch.Event, wait time.Duration) {
	t.Helper()
	select {
	case e := <-events:
		t.Fatalf("unexpected event %s: %s", e.Kind, e.Message)
	case <-time.After(wait):
	}
}

func TestWatchDebouncesOneChangeIntoOneEvent(t *testing.T) {
	m, st := watchMachine(t, "ie-proxy-winhttp-direct.reg")
	fw, events, stop := runWatch(t, m, Watch{Debounce: 50 * time.Millisecond})
	start := next(t, events)
	if start.Kind != watch.KindStarted || start.EventID != 1 || len(start.Trigger.Keys) == 0 || start.Verdict == nil {
		t.Fatalf("first event %+v", start)
	}
	for _, k := range []string{model.WinHTTPNativeKey, model.WinHTTPWOW64Key, `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp`} {
		if !contains(fw.keys, k) {
			t.Errorf("does not watch %s", k)
		}
	}
	// One netsh command: both views written, each notified, some twice.
	setWinHTTP(t, st, "proxy.corp.example:8080", "<local>")
	for _, k := range []string{model.WinHTTPNativeKey, model.WinHTTPWOW64Key, model.WinHTTPNativeKey} {
		fw.c <- system.Notification{Keys: []string{k}, Source: "registry"}
		time.Sleep(10 * time.Millisecond)
	}
	ev := next(t, events)
	if ev.Kind != watch.KindBackInDesiredState && ev.Kind != watch.KindChanged && ev.Kind != watch.KindDrift {
		t.Fatalf("kind %s", ev.Kind)
	}
	if len(ev.Trigger.Keys) != 2 || ev.Trigger.Source != "registry" {
		t.Errorf("trigger %+v", ev.Trigger)
	}
	var paths []string
	for _, c := range ev.Changes {
		paths = append(paths, c.Path)
	}
	if !contains(paths, "$.winhttp.native.proxy") || !contains(paths, "$.winhttp.wow64.proxy") {
		t.Errorf("changes %v", paths)
	}
	if len(ev.Writers) != 2 || ev.Writers[0].Likely == "" {
		t.Errorf("writers %+v", ev.Writers)
	}
	none(t, events, 200*time.Millisecond)

	// A notification that changes nothing test reads is no event.
	fw.c <- system.Notification{Keys: []string{model.WinHTTPNativeKey}, Source: "registry"}
	none(t, events, 200*time.Millisecond)

	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if e := next(t, events); e.Kind != watch.KindStopped || e.EventID != 2 {
		t.Errorf("last event %s", e.Kind)
	}
	if !fw.closed {
		t.Error("the notifier was not closed")
	}
}

func TestWatchDriftAndBackWithDesired(t *testing.T) {
	m, st := watchMachine(t, "ie-proxy-winhttp-direct.reg")
	setWinHTTP(t, st, "proxy.corp.example:8080", "<local>")
	d, _, err := model.ParseDesired("desired.json", []byte(`{"schema":"ccproxy/desired@1","winhttp":{"mode":"proxy","proxy":"proxy.corp.example:8080","bypass":["<local>"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	fw, events, stop := runWatch(t, m, Watch{Debounce: 20 * time.Millisecond, Desired: d, DesiredName: "desired.json"})
	if s := next(t, events); s.InDesiredState == nil || !*s.InDesiredState {
		t.Fatalf("started %+v", s)
	}
	// netsh winhttp reset proxy
	setWinHTTP(t, st, "", "")
	fw.c <- system.Notification{Keys: []string{model.WinHTTPNativeKey}, Source: "registry"}
	ev := next(t, events)
	if ev.Kind != watch.KindDrift || ev.Level != watch.LevelWarning || ev.EventID != 200 || *ev.InDesiredState {
		t.Fatalf("drift event %s %s", ev.Kind, ev.Message)
	}
	if !strings.Contains(ev.Message, "drift") || len(ev.Notes) == 0 {
		t.Errorf("message %q notes %v", ev.Message, ev.Notes)
	}
	setWinHTTP(t, st, "proxy.corp.example:8080", "<local>")
	fw.c <- system.Notification{Keys: []string{model.WinHTTPWOW64Key}, Source: "registry"}
	if ev := next(t, events); ev.Kind != watch.KindBackInDesiredState || !*ev.InDesiredState {
		t.Fatalf("back event %s %s", ev.Kind, ev.Message)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestWatchCredentialsNeverInEvents(t *testing.T) {
	m, st := watchMachine(t, "ie-proxy-winhttp-direct.reg")
	fw, events, stop := runWatch(t, m, Watch{Debounce: 20 * time.Millisecond})
	next(t, events)
	setWinHTTP(t, st, "alice:s3cret@proxy.corp.example:8080", "<local>")
	fw.c <- system.Notification{Keys: []string{model.WinHTTPNativeKey}, Source: "registry"}
	ev := next(t, events)
	doc, err := model.MarshalDocument(ev, true)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(doc), "s3cret") || !strings.Contains(string(doc), "***") {
		t.Errorf("credentials in the event: %s", doc)
	}
	stop()
}

func TestWatchReadErrorIsAnEventAndTheWatchGoesOn(t *testing.T) {
	m, st := watchMachine(t, "ie-proxy-winhttp-direct.reg")
	var unavailable atomic.Bool
	m.OpenLive = func() (system.Writer, error) {
		if unavailable.Load() {
			return nil, &model.EnvError{Msg: "registry unavailable"}
		}
		return st, nil
	}
	fw, events, stop := runWatch(t, m, Watch{Debounce: 20 * time.Millisecond})
	next(t, events)
	unavailable.Store(true)
	fw.c <- system.Notification{Keys: []string{model.WinHTTPNativeKey}, Source: "registry"}
	if ev := next(t, events); ev.Kind != watch.KindError || ev.Error == nil || ev.Level != watch.LevelError {
		t.Fatalf("error event %+v", ev)
	}
	unavailable.Store(false)
	setWinHTTP(t, st, "proxy.corp.example:8080", "")
	fw.c <- system.Notification{Keys: []string{model.WinHTTPNativeKey}, Source: "registry"}
	if ev := next(t, events); ev.Kind == watch.KindError || len(ev.Changes) == 0 {
		t.Fatalf("after the error: %s %+v", ev.Kind, ev.Changes)
	}
	stop()
}

// A key Windows can no longer be asked about is an error event; the watch goes on.
func TestWatchReportsAKeyItCannotWatchAgain(t *testing.T) {
	m, st := watchMachine(t, "ie-proxy-winhttp-direct.reg")
	fw, events, stop := runWatch(t, m, Watch{Debounce: 20 * time.Millisecond})
	next(t, events)
	setWinHTTP(t, st, "proxy.corp.example:8080", "")
	fw.c <- system.Notification{Keys: []string{model.WinHTTPNativeKey}, Source: "registry", Error: "watch: cannot open the key to watch it: Access is denied."}
	if ev := next(t, events); ev.Kind != watch.KindError || ev.Error == nil || !strings.Contains(*ev.Error, "Access is denied") {
		t.Fatalf("first %s %v", ev.Kind, ev.Error)
	}
	if ev := next(t, events); len(ev.Changes) == 0 {
		t.Fatalf("the change itself: %s", ev.Kind)
	}
	stop()
}

func contains(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}
