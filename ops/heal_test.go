package ops

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"ccproxy/model"
	"ccproxy/model/watch"
	"ccproxy/probe/probetest"
	"ccproxy/system"
)

func healWatch(t *testing.T, max int) (Watch, string) {
	t.Helper()
	d, _, err := model.ParseDesired("desired.json", []byte(`{"schema":"ccproxy/desired@1","winhttp":{"mode":"proxy","proxy":"proxy.corp.example:8080","bypass":["<local>"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "heal-backups")
	return Watch{Debounce: 20 * time.Millisecond, Desired: d, DesiredName: "desired.json",
		Heal: &Heal{Limit: watch.NewHealLimit(max, 24*time.Hour), BackupDir: dir, LockTimeout: time.Second}}, dir
}

func winhttpProxy(t *testing.T, st *system.MemStore) string {
	t.Helper()
	v, err := st.ReadValue(model.WinHTTPNativeKey, model.WinHTTPValue)
	if err != nil || v == nil {
		t.Fatalf("WinHttpSettings: %v %v", v, err)
	}
	c, err := model.DecodeWinHTTP(v.Data)
	if err != nil {
		t.Fatal(err)
	}
	return c.Proxy
}

func TestWatchHealsDriftBack(t *testing.T) {
	m, st := watchMachine(t, "ie-proxy-winhttp-direct.reg")
	setWinHTTP(t, st, "proxy.corp.example:8080", "<local>")
	w, dir := healWatch(t, 3)
	fw, events, stop := runWatch(t, m, w)
	next(t, events)
	setWinHTTP(t, st, "", "") // netsh winhttp reset proxy
	fw.c <- system.Notification{Keys: []string{model.WinHTTPNativeKey}, Source: "registry"}
	if ev := next(t, events); ev.Kind != watch.KindDrift {
		t.Fatalf("first %s", ev.Kind)
	}
	ev := next(t, events)
	if ev.Kind != watch.KindHealed || ev.EventID != 400 || ev.Heal == nil || ev.Heal.Backup == nil || !strings.HasPrefix(*ev.Heal.Backup, dir) ||
		!ev.Heal.RestartRequired.Required || ev.Heal.HealsInWindow != 1 || len(ev.Heal.Values) != 2 || !strings.Contains(ev.Message, "nothing was restarted") {
		t.Fatalf("healed event %+v %+v", ev, ev.Heal)
	}
	if got := winhttpProxy(t, st); got != "proxy.corp.example:8080" {
		t.Errorf("after the heal WinHTTP holds %q", got)
	}
	if b, _ := os.ReadDir(dir); len(b) != 1 {
		t.Errorf("heal backups %v", b)
	}
	// The heal's own write comes back as a notification: back in the desired state.
	fw.c <- system.Notification{Keys: []string{model.WinHTTPNativeKey}, Source: "registry"}
	if ev := next(t, events); ev.Kind != watch.KindBackInDesiredState {
		t.Fatalf("after the heal %s", ev.Kind)
	}
	stop()
}

func TestWatchStopsFightingAWriter(t *testing.T) {
	m, st := watchMachine(t, "ie-proxy-winhttp-direct.reg")
	setWinHTTP(t, st, "proxy.corp.example:8080", "<local>")
	w, _ := healWatch(t, 3)
	fw, events, stop := runWatch(t, m, w)
	next(t, events)
	var kinds []watch.Kind
	var refused watch.Event
	for round := 0; round < 4; round++ {
		setWinHTTP(t, st, "other.corp.example:3128", "")
		fw.c <- system.Notification{Keys: []string{model.WinHTTPNativeKey}, Source: "registry"}
		next(t, events) // drift
		ev := next(t, events)
		kinds = append(kinds, ev.Kind)
		refused = ev
		if ev.Kind == watch.KindHealed {
			fw.c <- system.Notification{Keys: []string{model.WinHTTPNativeKey}, Source: "registry"}
			next(t, events) // back
		}
	}
	want := []watch.Kind{watch.KindHealed, watch.KindHealed, watch.KindHealed, watch.KindHealRefused}
	if len(kinds) != 4 || kinds[3] != want[3] || kinds[0] != want[0] || kinds[2] != want[2] {
		t.Fatalf("kinds %v, want %v", kinds, want)
	}
	if refused.Heal.HealsInWindow != 3 || !strings.Contains(refused.Heal.Reason, "another writer") || !strings.Contains(refused.Heal.Reason, "likely writer") {
		t.Errorf("refusal %+v", refused.Heal)
	}
	if got := winhttpProxy(t, st); got != "other.corp.example:3128" {
		t.Errorf("the refused value was written: %q", got)
	}
	// It keeps watching.
	setWinHTTP(t, st, "proxy.corp.example:8080", "<local>")
	fw.c <- system.Notification{Keys: []string{model.WinHTTPNativeKey}, Source: "registry"}
	if ev := next(t, events); ev.Kind != watch.KindBackInDesiredState {
		t.Errorf("after the refusal %s", ev.Kind)
	}
	stop()
}

func TestWatchNeverHealsWhatGroupPolicyOwns(t *testing.T) {
	m, st := watchMachine(t, "ie-proxy-winhttp-direct.reg")
	setWinHTTP(t, st, "proxy.corp.example:8080", "<local>")
	w, dir := healWatch(t, 3)
	w.Heal.GPP = func() []system.GPPItem {
		return []system.GPPItem{{GPO: "{6AC1786C-016F-11D2-945F-00C04FB984F9}", Path: model.WinHTTPNativeKey, Name: "WinHttpSettings", File: "Registry.xml"}}
	}
	fw, events, stop := runWatch(t, m, w)
	next(t, events)
	setWinHTTP(t, st, "", "")
	fw.c <- system.Notification{Keys: []string{model.WinHTTPNativeKey}, Source: "registry"}
	next(t, events) // drift
	// The 32-bit view has no item: it is healed; the 64-bit one is left to Group Policy.
	var refusedEv, healedEv *watch.Event
	for i := 0; i < 2; i++ {
		ev := next(t, events)
		switch ev.Kind {
		case watch.KindHealRefused:
			refusedEv = &ev
		case watch.KindHealed:
			healedEv = &ev
		}
	}
	if refusedEv == nil || !strings.Contains(refusedEv.Heal.Reason, "{6AC1786C-016F-11D2-945F-00C04FB984F9}") || len(refusedEv.Heal.Values) != 1 {
		t.Fatalf("refusal %+v", refusedEv)
	}
	if healedEv == nil || len(healedEv.Heal.Values) != 1 || !strings.Contains(healedEv.Heal.Values[0], "WOW6432Node") {
		t.Fatalf("heal %+v", healedEv)
	}
	if got := winhttpProxy(t, st); got != "" {
		t.Errorf("the value Group Policy owns was written: %q", got)
	}
	_ = dir
	stop()
}

// A heal goes through --verify: a desired state whose proxy does not reach Citrix Cloud is
// not written back, and the refusal says why.
func TestWatchHealIsVerified(t *testing.T) {
	ca := probetest.MustCA("ccproxy Test Root CA", "ccproxy Test")
	up, err := probetest.NewTLSUpstream(ca, probetest.UpstreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	proxy, err := probetest.NewProxy(probetest.ProxyOptions{Mode: probetest.AuthRequired})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	dir := t.TempDir()
	cat := filepath.Join(dir, "catalog.json")
	os.WriteFile(cat, []byte(`{"schema":"ccproxy/catalog@1","regions":{"commercial":[{"pattern":"*.cloud.com","probeHosts":["citrix.cloud.com"],"ports":[`+
		strconv.Itoa(up.Port)+`],"purpose":"test","source":"heal_test.go","kind":"https","expectedIssuers":["ccproxy Test"],"healthPath":null,"required":true}]}}`), 0o644)
	roots := filepath.Join(dir, "roots.pem")
	os.WriteFile(roots, ca.PEM(), 0o644)

	m, st := watchMachine(t, "ie-proxy-winhttp-direct.reg")
	d, _, err := model.ParseDesired("desired.json", []byte(`{"schema":"ccproxy/desired@1","winhttp":{"mode":"proxy","proxy":"`+proxy.Addr+`","bypass":["<local>"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	setWinHTTP(t, st, proxy.Addr, "<local>")
	w := Watch{Debounce: 20 * time.Millisecond, Desired: d, DesiredName: "desired.json",
		Heal: &Heal{Limit: watch.NewHealLimit(3, 24*time.Hour), BackupDir: filepath.Join(dir, "heal"), LockTimeout: time.Second,
			Verify: &Verify{Probe: Check{Catalog: Catalog{Region: "commercial", File: cat}, CAFile: roots, IPLiteral: "192.0.2.10:" + strconv.Itoa(up.Port),
				StageTimeout: 2 * time.Second, Deadline: 10 * time.Second, Now: time.Now}}}}
	fw, events, stop := runWatch(t, m, w)
	next(t, events)
	setWinHTTP(t, st, "", "")
	fw.c <- system.Notification{Keys: []string{model.WinHTTPNativeKey}, Source: "registry"}
	next(t, events) // drift
	ev := next(t, events)
	if ev.Kind != watch.KindHealRefused || ev.Heal.Verify == nil || ev.Heal.Verify.OK || !strings.Contains(ev.Heal.Reason, "--verify") {
		t.Fatalf("event %s %+v", ev.Kind, ev.Heal)
	}
	if got := winhttpProxy(t, st); got != "" {
		t.Errorf("written although the probe failed: %q", got)
	}
	stop()
}
