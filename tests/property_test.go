package tests

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"ccproxy/model"
	"ccproxy/model/bypass"
	"ccproxy/model/compliance"
	"ccproxy/system"
)

// For generated machines and desired states: once the plan is applied to the in-memory
// registry, test with the same internal hosts passes every check the desired state covers,
// route and test decide every internal host the same way, and a second plan is empty.
func TestPlanApplyTestAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	internalPool := []string{"dc01.corp.example", "dc02.corp.example", "10.1.2.3", "vda7.corp.example", "cc02", "pvs.lab.example"}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for n := 0; n < 300; n++ {
		live := system.NewMemStore(system.SourceInfo{Kind: "registry", Host: "CC01"})
		hkcuSettings, hkcuConns := model.WinINetKeys("HKEY_CURRENT_USER")
		live.EnsureKey(hkcuSettings)
		live.EnsureKey(hkcuConns)
		live.EnsureKey(model.WinHTTPNativeKey)
		live.EnsureKey(model.WinHTTPWOW64Key)
		// The machine before.
		for _, key := range []string{model.WinHTTPNativeKey, model.WinHTTPWOW64Key} {
			switch rng.IntN(3) {
			case 1:
				putBlob(t, live, key, model.WinHTTPValue, &model.ConnBlob{Version: model.WinHTTPVersionNew, Flags: model.FlagDirect})
			case 2:
				putBlob(t, live, key, model.WinHTTPValue, &model.ConnBlob{Version: model.WinHTTPVersionNew, Flags: model.FlagDirect | model.FlagProxy, Proxy: pick("old.corp.example:3128", "p:8080"), Bypass: pick("", "<local>", "*.corp.example")})
			}
		}
		ieProxy := pick("proxy.corp.example:8080", "http=p:3128;https=p:3128", "10.0.0.6:80")
		ieBypass := pick("", "<local>", "<local>;*.corp.example", "10.*;<local>")
		ieFlags := model.FlagDirect
		if rng.IntN(4) > 0 {
			ieFlags |= model.FlagProxy
		}
		if rng.IntN(5) == 0 {
			ieFlags |= model.FlagAutoDetect
		}
		putBlob(t, live, hkcuConns, model.DefaultConnValue, &model.ConnBlob{WinINet: true, Version: model.WinINetVersionIE7, Counter: 3, Flags: ieFlags, Proxy: ieProxy, Bypass: ieBypass, Trailing: model.NewWinINetTrailing(model.WinINetVersionIE7)})

		// The desired state.
		var internal []string
		for _, h := range internalPool {
			if rng.IntN(3) == 0 {
				internal = append(internal, h)
			}
		}
		w := &model.DesiredWinHTTP{EnsureBypass: internal}
		mode := pick(model.ModeImportFromIE, model.ModeProxy, model.ModeDirect)
		w.Mode = mode
		switch mode {
		case model.ModeProxy:
			w.Proxy = &model.DesiredProxy{Raw: pick("proxy.corp.example:8080", "p2.corp.example:3128")}
			w.Bypass = strings.Split(pick("<local>", "<local>;*.lab.example", "10.*"), ";")
		case model.ModeDirect:
			w.EnsureBypass, internal = nil, nil
		}
		importDirect := mode == model.ModeImportFromIE && ieFlags&model.FlagProxy == 0
		if importDirect {
			w.EnsureBypass, internal = nil, nil
		}
		d := &model.Desired{Schema: model.SchemaDesired, WinHTTP: w}
		if err := d.Check("desired"); err != nil {
			t.Fatalf("case %d: %v", n, err)
		}
		name := fmt.Sprintf("case %d (%s, IE flags %#x %q %q, internal %v)", n, mode, ieFlags, ieProxy, ieBypass, internal)

		read := func() *model.State {
			st, err := model.ReadState(live, model.ReadOptions{Source: model.Source{Kind: "registry", Host: model.Ptr("CC01")}, Now: now, InputName: "registry"})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return st
		}
		p, err := model.MakePlan(model.PlanInput{Reader: live, State: read(), Desired: d, DesiredName: "desired", Now: now})
		if err != nil {
			t.Fatalf("%s: plan: %v", name, err)
		}
		if _, err := model.ApplyPlan(live, p, model.ApplyOptions{Now: now, Host: "CC01", WriteBackup: func(*model.Backup) (string, error) { return "memory", nil }}); err != nil {
			t.Fatalf("%s: apply: %v", name, err)
		}
		after := read()
		rep := compliance.Evaluate(after, compliance.Options{Internal: internal})
		covered := map[string]bool{compliance.CheckWinHTTPReadable: true, compliance.CheckWinHTTPViewsAgree: true, compliance.CheckInternalBypassed: true}
		if mode == model.ModeImportFromIE {
			covered[compliance.CheckWinHTTPMatchesImport] = true
			covered[compliance.CheckInstallerProxyInServices] = true
		}
		for _, f := range rep.Findings {
			if covered[f.Check] && f.Status == compliance.StatusFail {
				t.Errorf("%s: after apply %s fails: %s", name, f.ID, f.Message)
			}
		}
		// route and test agree on every internal host.
		if len(internal) > 0 {
			doc, err := compliance.Route(after, bypass.StackWinHTTP, model.ViewNative, internal)
			if err != nil {
				t.Fatalf("%s: route: %v", name, err)
			}
			for i, r := range doc.Routes {
				f := findingOf(rep, compliance.CheckInternalBypassed+":"+internal[i])
				if f == nil {
					t.Fatalf("%s: no finding for %s", name, internal[i])
				}
				testDirect := f.Status != compliance.StatusFail
				if (r.Decision == "direct") != testDirect {
					t.Errorf("%s: route says %s for %s, test says %s (%s)", name, r.Decision, internal[i], f.Status, f.Message)
				}
			}
		}
		again, err := model.MakePlan(model.PlanInput{Reader: live, State: after, Desired: d, DesiredName: "desired", Now: now})
		if err != nil || !again.Empty {
			t.Errorf("%s: second plan: %v, %d changes", name, err, len(again.Changes))
		}
	}
}

func putBlob(t *testing.T, st *system.MemStore, key, value string, c *model.ConnBlob) {
	t.Helper()
	b, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetValue(key, value, model.RegValue{Type: model.RegBinary, Data: b}); err != nil {
		t.Fatal(err)
	}
}

func findingOf(r compliance.Report, id string) *compliance.Finding {
	for i := range r.Findings {
		if r.Findings[i].ID == id {
			return &r.Findings[i]
		}
	}
	return nil
}
