package model

import (
	"bytes"
	"ccproxy/registry"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// fakeReg is the one in-memory registry (registry.Mem) with what the domain's tests chain:
// set without counting, get, snapshot, and failures injected by call number.
type fakeReg struct {
	*registry.Mem
	sets, reads int
	quiet       bool
	failSet     func(n int, path, name string) error
	failRead    func(n int, path, name string) error
}

func newFakeReg() *fakeReg {
	f := &fakeReg{Mem: registry.NewMem()}
	f.FailWrite = func(_, path, name string) error {
		if f.quiet {
			return nil
		}
		f.sets++
		if f.failSet != nil {
			return f.failSet(f.sets, path, name)
		}
		return nil
	}
	f.FailRead = func(path, name string) error {
		f.reads++
		if f.failRead != nil {
			return f.failRead(f.reads, path, name)
		}
		return nil
	}
	return f
}

func (f *fakeReg) set(path, name string, v RegValue) *fakeReg {
	f.quiet = true
	defer func() { f.quiet = false }()
	if err := f.SetValue(path, name, v); err != nil {
		panic(err)
	}
	return f
}

func (f *fakeReg) get(t *testing.T, path, name string) *RegValue {
	t.Helper()
	f.reads--
	v, err := f.ReadValue(path, name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (f *fakeReg) snapshot() map[string]RegValue { return f.Snapshot() }

func sameSnapshot(a, b map[string]RegValue) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || v.Type != w.Type || !bytes.Equal(v.Data, w.Data) {
			return false
		}
	}
	return true
}

var hkcuSettings, hkcuConns = WinINetKeys("HKEY_CURRENT_USER")

func binVal(b []byte) RegValue { return RegValue{Type: RegBinary, Data: b} }

func winhttpBlob(t testing.TB, version, flags uint32, proxy, bypassList string) RegValue {
	t.Helper()
	b, err := (&ConnBlob{Version: version, Flags: flags, Proxy: proxy, Bypass: bypassList}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	return binVal(b)
}

func wininetBlob(t testing.TB, version, counter, flags uint32, proxy, bypassList, pac string, trailing []byte) RegValue {
	t.Helper()
	if trailing == nil {
		trailing = NewWinINetTrailing(version)
	}
	b, err := (&ConnBlob{WinINet: true, Version: version, Counter: counter, Flags: flags, Proxy: proxy, Bypass: bypassList, AutoConfigURL: pac, Trailing: trailing}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	return binVal(b)
}

// ieUser gives the current user a WinINet setting, blob and plain values in step.
func ieUser(t testing.TB, f *fakeReg, flags uint32, proxy, bypassList, pac string) *fakeReg {
	f.set(hkcuConns, DefaultConnValue, wininetBlob(t, WinINetVersionIE7, 7, flags, proxy, bypassList, pac, nil))
	enable := uint32(0)
	if flags&FlagProxy != 0 {
		enable = 1
	}
	f.set(hkcuSettings, "ProxyEnable", EncodeDWORD(enable))
	if proxy != "" {
		f.set(hkcuSettings, "ProxyServer", EncodeRegString(proxy))
	}
	if bypassList != "" {
		f.set(hkcuSettings, "ProxyOverride", EncodeRegString(bypassList))
	}
	if pac != "" && flags&FlagAutoProxyURL != 0 {
		f.set(hkcuSettings, "AutoConfigURL", EncodeRegString(pac))
	}
	return f
}

var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func readFake(t testing.TB, f RegistryReader) *State {
	t.Helper()
	st, err := ReadState(f, ReadOptions{Source: Source{Kind: "registry"}, Now: testNow, InputName: "registry"})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func mustDesired(t testing.TB, doc string) *Desired {
	t.Helper()
	d, _, err := ParseDesired("desired.json", []byte(doc))
	if err != nil {
		t.Fatalf("ParseDesired: %v", err)
	}
	return d
}

func planFor(t testing.TB, f RegistryReader, doc string) (*Plan, error) {
	t.Helper()
	return MakePlan(PlanInput{Reader: f, State: readFake(t, f), Desired: mustDesired(t, doc), DesiredName: "desired.json", Now: testNow})
}

func mustPlan(t testing.TB, f RegistryReader, doc string) *Plan {
	t.Helper()
	p, err := planFor(t, f, doc)
	if err != nil {
		t.Fatalf("MakePlan: %v", err)
	}
	return p
}

// applyOpts records the backup in memory.
func applyOpts(saved **Backup) ApplyOptions {
	return ApplyOptions{Now: testNow, WriteBackup: func(b *Backup) (string, error) {
		if saved != nil {
			*saved = b
		}
		return "/backups/backup-test.json", nil
	}}
}

func TestWinHTTPWritingRules(t *testing.T) {
	tests := []struct {
		name       string
		before     *RegValue
		doc        string
		wantAction ChangeAction // "" for no change
		wantHex    string
	}{
		{"none to proxy uses 0x28", nil, `{"schema":"ccproxy/desired@1","winhttp":{"proxy":"a:42","bypass":"*.42"}}`,
			"create", "28000000" + "00000000" + "03000000" + "04000000613a3432" + "040000002a2e3432"},
		{"0x18 stays 0x18", Ptr(winhttpBlob(t, 0x18, 1, "", "")), `{"schema":"ccproxy/desired@1","winhttp":{"proxy":"a:42","bypass":"*.42"}}`,
			"update", "18000000" + "00000000" + "03000000" + "04000000613a3432" + "040000002a2e3432"},
		{"Wine's 0x02-only blob gets 0x01 added", Ptr(winhttpBlob(t, 0x18, 2, "a:42", "*.42")), `{"schema":"ccproxy/desired@1","winhttp":{"proxy":"a:42","bypass":"*.42"}}`,
			"update", "18000000" + "00000000" + "03000000" + "04000000613a3432" + "040000002a2e3432"},
		{"proxy to direct clears the strings", Ptr(winhttpBlob(t, 0x28, 3, "a:42", "*.42")), `{"schema":"ccproxy/desired@1","winhttp":{"mode":"direct"}}`,
			"update", "2800000000000000010000000000000000000000"},
		{"auto-proxy flags are dropped", Ptr(winhttpBlob(t, 0x28, 0x09, "", "")), `{"schema":"ccproxy/desired@1","winhttp":{"mode":"direct"}}`,
			"update", "2800000000000000010000000000000000000000"},
		{"missing value already is direct", nil, `{"schema":"ccproxy/desired@1","winhttp":{"mode":"direct"}}`, "", ""},
		{"direct already", Ptr(winhttpBlob(t, 0x18, 1, "", "")), `{"schema":"ccproxy/desired@1","winhttp":{"mode":"direct"}}`, "", ""},
		{"same proxy already", Ptr(winhttpBlob(t, 0x28, 3, "a:42", "*.42")), `{"schema":"ccproxy/desired@1","winhttp":{"proxy":"a:42","bypass":["*.42"]}}`, "", ""},
		{"ensureBypass present in another case", Ptr(winhttpBlob(t, 0x28, 3, "a:42", "<local>;DC01.corp")), `{"schema":"ccproxy/desired@1","winhttp":{"ensureBypass":"dc01.corp"}}`, "", ""},
		{"ensureBypass adds at the end", Ptr(winhttpBlob(t, 0x28, 3, "a:42", "<local>")), `{"schema":"ccproxy/desired@1","winhttp":{"ensureBypass":["dc01.corp","10.*"]}}`,
			"update", hex.EncodeToString(winhttpBlob(t, 0x28, 3, "a:42", "<local>;dc01.corp;10.*").Data)},
		{"corrupt value is replaced with 0x28", Ptr(binVal([]byte{1, 2, 3})), `{"schema":"ccproxy/desired@1","winhttp":{"mode":"direct"}}`,
			"update", "2800000000000000010000000000000000000000"},
		{"mode proxy switches the stored string on", Ptr(winhttpBlob(t, 0x28, 1, "a:42", "<local>")), `{"schema":"ccproxy/desired@1","winhttp":{"mode":"proxy"}}`,
			"update", hex.EncodeToString(winhttpBlob(t, 0x28, 3, "a:42", "<local>").Data)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeReg()
			if tt.before != nil {
				f.set(WinHTTPNativeKey, WinHTTPValue, *tt.before)
				f.set(WinHTTPWOW64Key, WinHTTPValue, *tt.before)
			}
			p := mustPlan(t, f, tt.doc)
			if tt.wantAction == "" {
				if !p.Empty || len(p.Changes) != 0 {
					t.Fatalf("want no change, got %+v", p.Changes)
				}
				return
			}
			if len(p.Changes) != 2 {
				t.Fatalf("want one change per view, got %d: %+v", len(p.Changes), p.Changes)
			}
			for _, c := range p.Changes {
				if c.Action != tt.wantAction || c.After.Hex == nil || *c.After.Hex != tt.wantHex {
					t.Errorf("%s: action %s hex %v, want %s %s", *c.Target.View, c.Action, Deref(c.After.Hex), tt.wantAction, tt.wantHex)
				}
			}
			if !p.RestartRequired.Required || len(p.RestartRequired.Services) == 0 || !p.RequiresElevation {
				t.Errorf("a WinHTTP change needs a restart and elevation: %+v", p.RestartRequired)
			}
			// WOW64 first, native last: the order apply writes in.
			if *p.Changes[0].Target.View != ViewWOW64 || *p.Changes[1].Target.View != ViewNative {
				t.Errorf("order: %s, %s", *p.Changes[0].Target.View, *p.Changes[1].Target.View)
			}
		})
	}
}

func TestWinHTTPViews(t *testing.T) {
	f := newFakeReg()
	p := mustPlan(t, f, `{"schema":"ccproxy/desired@1","winhttp":{"proxy":"p:8080","views":"native"}}`)
	if len(p.Changes) != 1 || *p.Changes[0].Target.View != ViewNative {
		t.Fatalf("want only the native view, got %+v", p.Changes)
	}
	if len(p.Fingerprint.Values) != 1 {
		t.Errorf("the plan reads only what it touches: %+v", p.Fingerprint.Values)
	}
}

func TestWinINetWritingRules(t *testing.T) {
	trailing := make([]byte, 28)
	trailing[0] = 1 // seen in the wild, meaning unknown: must survive
	f := newFakeReg()
	f.set(hkcuConns, DefaultConnValue, wininetBlob(t, WinINetVersionIE6, 0x3a, FlagDirect|FlagAutoDetect, "", "", "", trailing))
	p := mustPlan(t, f, `{"schema":"ccproxy/desired@1","wininet":{"proxy":"p:8080","bypass":["<local>","*.corp"],"autoDetect":false}}`)
	var blob *Change
	plain := map[string]*Change{}
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Target.ValueName == DefaultConnValue {
			blob = c
		} else {
			plain[c.Target.ValueName] = c
		}
	}
	if blob == nil {
		t.Fatalf("no blob change: %+v", p.Changes)
	}
	got, err := DecodeWinINet(blob.after.Data)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != WinINetVersionIE6 || got.Counter != 0x3b || got.Flags != FlagDirect|FlagProxy || got.Proxy != "p:8080" || got.Bypass != "<local>;*.corp" || !bytes.Equal(got.Trailing, trailing) {
		t.Errorf("blob: %+v", got)
	}
	if p.Changes[len(p.Changes)-1].Target.ValueName != DefaultConnValue {
		t.Errorf("the blob is written last")
	}
	if c := plain["ProxyEnable"]; c == nil || c.Action != "create" || *c.After.Text != "1" {
		t.Errorf("ProxyEnable: %+v", c)
	}
	if c := plain["ProxyServer"]; c == nil || *c.After.Text != `"p:8080"` {
		t.Errorf("ProxyServer: %+v", c)
	}
	if c := plain["ProxyOverride"]; c == nil || *c.After.Text != `"<local>;*.corp"` {
		t.Errorf("ProxyOverride: %+v", c)
	}
	if p.RestartRequired.Required || p.RequiresElevation {
		t.Errorf("a user's WinINet change needs no restart or elevation: %+v %v", p.RestartRequired, p.RequiresElevation)
	}

	// Applied, the state reads back consistent, and the same desired state plans nothing.
	if _, err := ApplyPlan(f, p, applyOpts(nil)); err != nil {
		t.Fatal(err)
	}
	st := readFake(t, f)
	if st.WinINet.PlainValuesAgree == nil || !*st.WinINet.PlainValuesAgree {
		t.Errorf("plain values disagree after apply: %v", st.WinINet.Disagreements)
	}
	if again := mustPlan(t, f, `{"schema":"ccproxy/desired@1","wininet":{"proxy":"p:8080","bypass":["<local>","*.corp"],"autoDetect":false}}`); !again.Empty {
		t.Errorf("second plan not empty: %+v", again.Changes)
	}
}

func TestWinINetAutoConfig(t *testing.T) {
	f := ieUser(t, newFakeReg(), FlagDirect|FlagAutoProxyURL, "", "", "http://wpad/old.pac")
	p := mustPlan(t, f, `{"schema":"ccproxy/desired@1","wininet":{"autoConfigUrl":null}}`)
	found := false
	for _, c := range p.Changes {
		if c.Target.ValueName == "AutoConfigURL" {
			found = c.Action == "delete"
		}
		if c.Target.ValueName == DefaultConnValue {
			got, _ := DecodeWinINet(c.after.Data)
			if got.Flags != FlagDirect || got.AutoConfigURL != "" || got.Counter != 8 {
				t.Errorf("blob after removing PAC: %+v", got)
			}
		}
	}
	if !found {
		t.Errorf("AutoConfigURL is not deleted: %+v", p.Changes)
	}
}

// Every combination of a starting registry and a desired state: apply, then plan again.
func TestIdempotence(t *testing.T) {
	starts := map[string]func() *fakeReg{
		"empty": newFakeReg,
		"ie proxy, winhttp direct": func() *fakeReg {
			f := ieUser(t, newFakeReg(), FlagDirect|FlagProxy, "proxy.corp:8080", "<local>;*.corp", "")
			return f.set(WinHTTPNativeKey, WinHTTPValue, winhttpBlob(t, 0x28, 1, "", "")).set(WinHTTPWOW64Key, WinHTTPValue, winhttpBlob(t, 0x18, 1, "", ""))
		},
		"pac and auto-detect": func() *fakeReg {
			return ieUser(t, newFakeReg(), FlagDirect|FlagAutoProxyURL|FlagAutoDetect, "old:1", "", "http://wpad/p.pac")
		},
		"views disagree": func() *fakeReg {
			return newFakeReg().set(WinHTTPNativeKey, WinHTTPValue, winhttpBlob(t, 0x28, 3, "a:1", "")).set(WinHTTPWOW64Key, WinHTTPValue, winhttpBlob(t, 0x18, 2, "b:2", "x"))
		},
	}
	docs := []string{
		`{"schema":"ccproxy/desired@1","winhttp":{"mode":"importFromIE"}}`,
		`{"schema":"ccproxy/desired@1","winhttp":{"mode":"importFromIE","ensureBypass":["dc01.corp","10.*"]}}`,
		`{"schema":"ccproxy/desired@1","winhttp":{"mode":"direct"}}`,
		`{"schema":"ccproxy/desired@1","winhttp":{"proxy":{"http":"p:3128","https":"p:3128"},"bypass":"<local>"}}`,
		`{"schema":"ccproxy/desired@1","wininet":{"manualProxy":false,"autoDetect":true,"autoConfigUrl":"http://wpad/new.pac"}}`,
		`{"schema":"ccproxy/desired@1","wininet":{"proxy":"p:8080","ensureBypass":"<local>","autoConfigUrl":null,"autoDetect":false}}`,
		`{"schema":"ccproxy/desired@1","winhttp":{"proxy":"p:8080"},"wininet":{"proxy":"p:8080","bypass":[]}}`,
	}
	for sname, start := range starts {
		for i, doc := range docs {
			t.Run(fmt.Sprintf("%s/%d", sname, i), func(t *testing.T) {
				f := start()
				p := mustPlan(t, f, doc)
				res, err := ApplyPlan(f, p, applyOpts(nil))
				if err != nil {
					t.Fatal(err)
				}
				if !p.Empty && (res.Result != "applied" || !res.Verified) {
					t.Fatalf("result %s verified %v", res.Result, res.Verified)
				}
				if again := mustPlan(t, f, doc); !again.Empty {
					t.Errorf("second plan not empty: %+v", again.Changes)
				}
			})
		}
	}
}

func TestPlanRefusals(t *testing.T) {
	withCredsIE := ieUser(t, newFakeReg(), FlagDirect|FlagProxy, "bob:s3cret@proxy.corp:8080", "", "")
	tests := []struct {
		name string
		reg  *fakeReg
		doc  string
		want string
	}{
		{"mode proxy with nothing to switch on", newFakeReg(), `{"schema":"ccproxy/desired@1","winhttp":{"mode":"proxy"}}`, "no proxy string to switch on"},
		{"import copies credentials", withCredsIE, `{"schema":"ccproxy/desired@1","winhttp":{"mode":"importFromIE"}}`, "holds credentials"},
		{"wininet change would write stored credentials again", withCredsIE, `{"schema":"ccproxy/desired@1","wininet":{"autoDetect":true}}`, "holds credentials"},
		{"manual proxy on without a proxy", newFakeReg(), `{"schema":"ccproxy/desired@1","wininet":{"manualProxy":true}}`, "no proxy string"},
		{"machine scope on a per-user source", newFakeReg(), `{"schema":"ccproxy/desired@1","wininet":{"user":"machine","autoDetect":false}}`, "per user"},
		{"another user's SID", newFakeReg(), `{"schema":"ccproxy/desired@1","wininet":{"user":"S-1-5-18","autoDetect":false}}`, "--user S-1-5-18"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := planFor(t, tt.reg, tt.doc)
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an input error with %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "bob") {
				t.Errorf("error echoes the credentials: %v", err)
			}
		})
	}
	// Replacing the stored credentials is allowed, and the plan shows the old value redacted.
	p := mustPlan(t, withCredsIE, `{"schema":"ccproxy/desired@1","wininet":{"proxy":"proxy.corp:8080"}}`)
	doc, err := MarshalDocument(p, false)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(doc, []byte("s3cret")) || bytes.Contains(doc, []byte(hex.EncodeToString([]byte("s3cret")))) {
		t.Errorf("plan shows the credentials:\n%s", doc)
	}
	if !bytes.Contains(doc, []byte(`"redacted": true`)) {
		t.Errorf("redacted values are not marked")
	}
}

func TestFingerprintCoversEveryReadValue(t *testing.T) {
	base := func() *fakeReg {
		f := ieUser(t, newFakeReg(), FlagDirect|FlagProxy, "p:8080", "<local>", "")
		return f.set(WinHTTPNativeKey, WinHTTPValue, winhttpBlob(t, 0x28, 1, "", ""))
	}
	doc := `{"schema":"ccproxy/desired@1","winhttp":{"mode":"importFromIE"}}`
	p := mustPlan(t, base(), doc)
	for _, fv := range p.Fingerprint.Values {
		t.Run(fv.ValueName, func(t *testing.T) {
			f := base()
			f.set(fv.RegistryPath, fv.ValueName, EncodeDWORD(12345))
			before := f.snapshot()
			_, err := ApplyPlan(f, p, applyOpts(nil))
			var se *StalePlanError
			if !errors.As(err, &se) || se.ExitCode() != 2 {
				t.Fatalf("got %v, want a stale plan", err)
			}
			want := "plan is stale: " + fv.RegistryPath + `\` + fv.ValueName + " changed since the plan was made; hint: run 'ccproxy plan' again"
			if err.Error() != want {
				t.Errorf("message %q\nwant %q", err, want)
			}
			if !sameSnapshot(before, f.snapshot()) {
				t.Errorf("a stale plan wrote something")
			}
		})
	}
}

// faultSetup plans changes to both stacks: two WinHTTP views, three plain values and the blob.
func faultSetup(t testing.TB) (*fakeReg, *Plan) {
	f := ieUser(t, newFakeReg(), FlagDirect|FlagProxy, "p:8080", "<local>", "")
	f.set(WinHTTPNativeKey, WinHTTPValue, winhttpBlob(t, 0x28, 1, "", ""))
	p := mustPlan(t, f, `{"schema":"ccproxy/desired@1","winhttp":{"mode":"importFromIE"},"wininet":{"proxy":"q:3128","bypass":"<local>;*.corp","autoConfigUrl":"http://wpad/p.pac"}}`)
	if len(p.Changes) < 5 {
		t.Fatalf("fault plan too small: %d changes", len(p.Changes))
	}
	return f, p
}

func TestApplyRollsBackAtEveryWriteStep(t *testing.T) {
	_, p := faultSetup(t)
	for step := 1; step <= len(p.Changes); step++ {
		t.Run(fmt.Sprint("write ", step), func(t *testing.T) {
			f, p := faultSetup(t)
			before := f.snapshot()
			f.failSet = func(n int, path, name string) error {
				if n == step {
					return errors.New("injected failure")
				}
				return nil
			}
			var bk *Backup
			res, err := ApplyPlan(f, p, applyOpts(&bk))
			var ae *ApplyError
			if !errors.As(err, &ae) || ae.ExitCode() != 4 {
				t.Fatalf("got %v, want exit 4", err)
			}
			if !strings.HasPrefix(err.Error(), "apply failed and was rolled back: writing ") || !strings.HasSuffix(err.Error(), "; nothing changed") {
				t.Errorf("message: %v", err)
			}
			if !sameSnapshot(before, f.snapshot()) {
				t.Errorf("registry differs after the rollback")
			}
			if res == nil || res.Result != "rolledBack" || res.Verified {
				t.Errorf("result: %+v", res)
			}
			if bk == nil || len(bk.Values) != len(p.Changes) {
				t.Errorf("backup: %+v", bk)
			}
		})
	}
	for step := 1; step <= len(p.Changes); step++ {
		t.Run(fmt.Sprint("read back ", step), func(t *testing.T) {
			f, p := faultSetup(t)
			before := f.snapshot()
			checks := len(p.Fingerprint.Values)
			f.reads = 0
			f.failRead = func(n int, path, name string) error {
				if n == checks+step {
					return errors.New("injected read failure")
				}
				return nil
			}
			_, err := ApplyPlan(f, p, applyOpts(nil))
			var ae *ApplyError
			if !errors.As(err, &ae) || ae.ExitCode() != 4 || !strings.Contains(err.Error(), "reading back") {
				t.Fatalf("got %v, want exit 4 after a failed read-back", err)
			}
			if !sameSnapshot(before, f.snapshot()) {
				t.Errorf("registry differs after the rollback")
			}
		})
	}
	for step := 1; step <= len(p.Changes); step++ {
		t.Run(fmt.Sprint("rollback fails after write ", step), func(t *testing.T) {
			f, p := faultSetup(t)
			f.failSet = func(n int, path, name string) error {
				if n >= step {
					return errors.New("disk on fire")
				}
				return nil
			}
			res, err := ApplyPlan(f, p, applyOpts(nil))
			var ae *ApplyError
			if step == 1 {
				// Nothing was written, so there is nothing to roll back: still exit 4.
				if !errors.As(err, &ae) || ae.ExitCode() != 4 {
					t.Fatalf("got %v, want exit 4", err)
				}
				return
			}
			if !errors.As(err, &ae) || ae.ExitCode() != 5 {
				t.Fatalf("got %v, want exit 5", err)
			}
			if !strings.Contains(err.Error(), "/backups/backup-test.json") || !strings.Contains(err.Error(), "ccproxy restore /backups/backup-test.json") {
				t.Errorf("the message must name the backup: %v", err)
			}
			if res.Result != "rollbackFailed" {
				t.Errorf("result %s", res.Result)
			}
		})
	}
}

func TestApplyWhatIfWritesNothing(t *testing.T) {
	f, p := faultSetup(t)
	before := f.snapshot()
	called := false
	res, err := ApplyPlan(f, p, ApplyOptions{WhatIf: true, WriteBackup: func(*Backup) (string, error) { called = true; return "", nil }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Result != "whatIf" || res.Backup != nil || called || f.sets != 0 || !sameSnapshot(before, f.snapshot()) {
		t.Errorf("what-if wrote: result %s backup %v sets %d", res.Result, res.Backup, f.sets)
	}
	for _, c := range res.Changes {
		if c.Status != "wouldApply" {
			t.Errorf("status %s", c.Status)
		}
	}
}

func TestApplyBackupFailureWritesNothing(t *testing.T) {
	f, p := faultSetup(t)
	before := f.snapshot()
	_, err := ApplyPlan(f, p, ApplyOptions{WriteBackup: func(*Backup) (string, error) {
		return "", &EnvError{Msg: "cannot write /x: access denied"}
	}})
	var ee *EnvError
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("got %v", err)
	}
	if f.sets != 0 || !sameSnapshot(before, f.snapshot()) {
		t.Errorf("wrote without a backup")
	}
}

func TestApplyNotifiesAfterWinINetWrites(t *testing.T) {
	f, p := faultSetup(t)
	n := 0
	o := applyOpts(nil)
	o.Notify = func() error { n++; return errors.New("refused REFRESH") }
	res, err := ApplyPlan(f, p, o)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 || res.WinINetNotified == nil || *res.WinINetNotified || len(res.Warnings) != 1 {
		t.Errorf("notify calls %d, notified %v, warnings %+v", n, res.WinINetNotified, res.Warnings)
	}
	// A WinHTTP-only plan does not notify WinINet programs.
	g := newFakeReg()
	q := mustPlan(t, g, `{"schema":"ccproxy/desired@1","winhttp":{"proxy":"p:1"}}`)
	o.Notify = func() error { t.Error("notified for a WinHTTP-only plan"); return nil }
	if res, err := ApplyPlan(g, q, o); err != nil || res.WinINetNotified != nil {
		t.Errorf("%v %v", err, res.WinINetNotified)
	}
}

func TestPlanRoundTrip(t *testing.T) {
	f, p := faultSetup(t)
	doc, err := MarshalDocument(p, false)
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParsePlan("plan.json", doc)
	if err != nil {
		t.Fatalf("ParsePlan: %v", err)
	}
	if _, err := ApplyPlan(f, q, applyOpts(nil)); err != nil {
		t.Fatal(err)
	}
	want := f.snapshot()
	g, p2 := faultSetup(t)
	if _, err := ApplyPlan(g, p2, applyOpts(nil)); err != nil {
		t.Fatal(err)
	}
	if !sameSnapshot(want, g.snapshot()) {
		t.Errorf("a plan read back applies differently from the plan in memory")
	}
}

func TestParsePlanRefusesEdits(t *testing.T) {
	_, p := faultSetup(t)
	doc, _ := MarshalDocument(p, true)
	change := func(m map[string]any, i int) map[string]any { return m["changes"].([]any)[i].(map[string]any) }
	tests := []struct {
		name string
		edit func(m map[string]any)
		want string
	}{
		{"target outside the proxy settings", func(m map[string]any) {
			change(m, 2)["target"].(map[string]any)["valueName"] = "Shell"
		}, "not a proxy setting"},
		{"target not covered by the fingerprint", func(m map[string]any) {
			fp := m["fingerprint"].(map[string]any)
			vals := fp["values"].([]any)
			fp["values"] = vals[:1]
			fp["value"] = fingerprintValue([]FingerprintValue{{RegistryPath: p.Fingerprint.Values[0].RegistryPath, ValueName: p.Fingerprint.Values[0].ValueName, SHA256: p.Fingerprint.Values[0].SHA256}})
		}, "not covered by the fingerprint"},
		{"fingerprint value", func(m map[string]any) {
			m["fingerprint"].(map[string]any)["value"] = strings.Repeat("0", 64)
		}, "plan was edited"},
		{"schema major", func(m map[string]any) { m["schema"] = "ccproxy/plan@2" }, "version this ccproxy does not read"},
		{"redacted after", func(m map[string]any) { change(m, 0)["after"].(map[string]any)["redacted"] = true }, "redacted"},
		{"blob that does not decode", func(m map[string]any) { change(m, 0)["after"].(map[string]any)["hex"] = "00" }, "does not decode"},
		{"string of the wrong type", func(m map[string]any) { change(m, 2)["after"].(map[string]any)["type"] = "REG_BINARY" }, "expected REG_"},
		{"action against after", func(m map[string]any) { change(m, 0)["action"] = "delete" }, "does not agree"},
		{"empty flag", func(m map[string]any) { m["empty"] = true }, "does not agree"},
		{"same target twice", func(m map[string]any) {
			m["changes"] = append(m["changes"].([]any), change(m, 0))
		}, "changed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(doc, &m); err != nil {
				t.Fatal(err)
			}
			tt.edit(m)
			edited, _ := json.Marshal(m)
			_, err := ParsePlan("plan.json", edited)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "plan.json: ") {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}

func TestRestorePutsBackExactBytes(t *testing.T) {
	f, p := faultSetup(t)
	// A value the apply will create must be deleted again by the restore.
	original := f.snapshot()
	var bk *Backup
	if _, err := ApplyPlan(f, p, applyOpts(&bk)); err != nil {
		t.Fatal(err)
	}
	doc, _ := MarshalDocument(bk, false)
	b, err := ParseBackup("backup.json", doc)
	if err != nil {
		t.Fatal(err)
	}
	rp, err := RestorePlan(b, "backup.json", f, testNow, "")
	if err != nil {
		t.Fatal(err)
	}
	if rp.Empty {
		t.Fatal("restore plan is empty")
	}
	deletes := 0
	for _, c := range rp.Changes {
		if c.Action == "delete" {
			deletes++
		}
	}
	if deletes == 0 {
		t.Errorf("the apply created values; the restore must delete them: %+v", rp.Changes)
	}
	var second *Backup
	if _, err := ApplyPlan(f, rp, applyOpts(&second)); err != nil {
		t.Fatal(err)
	}
	if !sameSnapshot(original, f.snapshot()) {
		t.Errorf("restore did not give back the exact bytes")
	}
	if second == nil || second.Reason != "apply" && second.Reason != "restore" {
		t.Errorf("restore makes its own backup: %+v", second)
	}
	again, _ := RestorePlan(b, "backup.json", f, testNow, "")
	if !again.Empty {
		t.Errorf("restoring twice changes more: %+v", again.Changes)
	}
}

func TestRestoreKeepsCredentialsOutOfOutput(t *testing.T) {
	f := ieUser(t, newFakeReg(), FlagDirect|FlagProxy, "bob:s3cret@proxy.corp:8080", "", "")
	p := mustPlan(t, f, `{"schema":"ccproxy/desired@1","wininet":{"proxy":"proxy.corp:8080"}}`)
	var bk *Backup
	if _, err := ApplyPlan(f, p, applyOpts(&bk)); err != nil {
		t.Fatal(err)
	}
	rp, err := RestorePlan(bk, "backup.json", f, testNow, "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := ApplyPlan(f, rp, applyOpts(nil))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := MarshalDocument(res, false)
	if bytes.Contains(out, []byte("s3cret")) || bytes.Contains(out, []byte(hex.EncodeToString([]byte("s3cret")))) {
		t.Errorf("apply output of a restore shows the credentials:\n%s", out)
	}
	if v := f.get(t, hkcuSettings, "ProxyServer"); v == nil {
		t.Fatal("ProxyServer not restored")
	} else if s, _ := DecodeRegString(v); s != "bob:s3cret@proxy.corp:8080" {
		t.Errorf("restore must put back the exact value, got %q", s)
	}
}

func TestParseBackupRefuses(t *testing.T) {
	ok := `{"schema":"ccproxy/backup@1","createdAt":"2026-01-02T03:04:05Z","host":null,"reason":"apply","planFingerprint":"x","values":[{"registryPath":"HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings","valueName":"ProxyEnable","exists":true,"type":4,"typeName":"REG_DWORD","hex":"01000000"}]}`
	if _, err := ParseBackup("b.json", []byte(ok)); err != nil {
		t.Fatalf("valid backup refused: %v", err)
	}
	tests := []struct{ from, to, want string }{
		{`Internet Settings","valueName":"ProxyEnable"`, `Internet Settings","valueName":"Run"`, "not a proxy setting"},
		{`HKEY_CURRENT_USER\\Software`, `HKEY_LOCAL_MACHINE\\SYSTEM`, "not a proxy setting"},
		{`"hex":"01000000"`, `"hex":"zz"`, "not a hex string"},
		{`"hex":"01000000"`, `"hex":null`, "no type or hex"},
		{`ccproxy/backup@1`, `ccproxy/plan@1`, "expected"},
	}
	for _, tt := range tests {
		_, err := ParseBackup("b.json", []byte(strings.Replace(ok, tt.from, tt.to, 1)))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s -> %s: got %v, want %q", tt.from, tt.to, err, tt.want)
		}
	}
}

// A document of another kind is named by its schema, not by the first key a plan lacks.
func TestParsePlanNamesAnotherKind(t *testing.T) {
	f, p := faultSetup(t)
	plan, _ := MarshalDocument(p, false)
	state, _ := MarshalDocument(readFake(t, f), false)
	var bk *Backup
	if _, err := ApplyPlan(f, p, applyOpts(&bk)); err != nil {
		t.Fatal(err)
	}
	backup, _ := MarshalDocument(bk, false)
	for _, tt := range []struct {
		name  string
		parse func([]byte) error
		doc   []byte
		want  string
	}{
		{"state to ParsePlan", func(b []byte) error { _, err := ParsePlan("x.json", b); return err }, state, `x.json: $.schema: expected "ccproxy/plan@1", found "ccproxy/state@1"`},
		{"backup to ParsePlan", func(b []byte) error { _, err := ParsePlan("x.json", b); return err }, backup, `x.json: $.schema: expected "ccproxy/plan@1", found "ccproxy/backup@1"`},
		{"plan to ParseBackup", func(b []byte) error { _, err := ParseBackup("x.json", b); return err }, plan, `x.json: $.schema: expected "ccproxy/backup@1", found "ccproxy/plan@1"`},
		{"plan to ParseDesired", func(b []byte) error { _, _, err := ParseDesired("x.json", b); return err }, plan, `x.json: $.schema: expected "ccproxy/desired@1", found "ccproxy/plan@1"`},
	} {
		if err := tt.parse(tt.doc); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestAllowedTarget(t *testing.T) {
	tests := []struct {
		path, name, stack, view string
		ok                      bool
	}{
		{WinHTTPNativeKey, "WinHttpSettings", "winhttp", "native", true},
		{`HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`, "winhttpsettings", "winhttp", "wow64", true},
		{hkcuConns, DefaultConnValue, "wininet", "", true},
		{`HKEY_USERS\S-1-5-18\Software\Microsoft\Windows\CurrentVersion\Internet Settings`, "ProxyServer", "wininet", "", true},
		{`HKEY_USERS\.DEFAULT\Software\Microsoft\Windows\CurrentVersion\Internet Settings`, "ProxyServer", "wininet", "", true}, // SYSTEM's own hive
		{`HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion\Internet Settings`, "ProxyEnable", "wininet", "", true},
		{hkcuSettings, "AutoDetect", "", "", false},
		{hkcuConns, SavedLegacyValue, "", "", false},
		{PolicyKey, PolicyPerUserValue, "", "", false},
		{`HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services`, "WinHttpSettings", "", "", false},
	}
	for _, tt := range tests {
		stack, view, ok := allowedTarget(tt.path, tt.name)
		if ok != tt.ok || stack != tt.stack || view != tt.view {
			t.Errorf("%s\\%s: %q %q %v, want %q %q %v", tt.path, tt.name, stack, view, ok, tt.stack, tt.view, tt.ok)
		}
	}
}

func FuzzParsePlan(f *testing.F) {
	reg := ieUser(f, newFakeReg(), FlagDirect|FlagProxy, "p:8080", "<local>", "")
	p := mustPlan(f, reg, `{"schema":"ccproxy/desired@1","winhttp":{"mode":"importFromIE"},"wininet":{"autoDetect":true}}`)
	doc, _ := MarshalDocument(p, false)
	f.Add(doc)
	compact, _ := MarshalDocument(p, true)
	f.Add(compact)
	empty := mustPlan(f, reg, `{"schema":"ccproxy/desired@1","winhttp":{"mode":"direct"}}`)
	e, _ := MarshalDocument(empty, true)
	f.Add(e)
	f.Add([]byte(`{"schema":"ccproxy/plan@1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		q, err := ParsePlan("fuzz.json", data)
		if err != nil {
			if _, ok := err.(interface{ ExitCode() int }); !ok {
				t.Fatalf("error without an exit code: %v", err)
			}
			return
		}
		for _, c := range q.Changes {
			if _, _, ok := allowedTarget(c.Target.RegistryPath, c.Target.ValueName); !ok {
				t.Fatalf("accepted a target outside the proxy settings: %+v", c.Target)
			}
			if c.Action != "delete" && c.after == nil {
				t.Fatalf("accepted a change without bytes")
			}
		}
	})
}

func FuzzParseBackup(f *testing.F) {
	reg, p := faultSetup(f)
	var bk *Backup
	if _, err := ApplyPlan(reg, p, applyOpts(&bk)); err != nil {
		f.Fatal(err)
	}
	doc, _ := MarshalDocument(bk, false)
	f.Add(doc)
	f.Add([]byte(`{"schema":"ccproxy/backup@1","values":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBackup("fuzz.json", data)
		if err != nil {
			return
		}
		for _, v := range b.Values {
			if _, _, ok := allowedTarget(v.RegistryPath, v.ValueName); !ok {
				t.Fatalf("accepted %s", v.RegistryPath)
			}
		}
		if _, err := RestorePlan(b, "fuzz.json", newFakeReg(), testNow, ""); err != nil {
			t.Fatalf("a parsed backup cannot be planned: %v", err)
		}
	})
}

func TestValueDigestSeparatesTypeAndAbsence(t *testing.T) {
	a := valueDigest(nil)
	b := valueDigest(&RegValue{Type: RegBinary})
	c := valueDigest(&RegValue{Type: RegNone})
	d := valueDigest(&RegValue{Type: RegBinary, Data: []byte{0}})
	seen := map[string]bool{}
	for _, x := range []string{a, b, c, d} {
		if seen[x] {
			t.Fatalf("digest collision among absent/empty/typed values")
		}
		seen[x] = true
	}
	var le [4]byte
	binary.LittleEndian.PutUint32(le[:], 1)
	if valueDigest(&RegValue{Type: RegDWORD, Data: le[:]}) == valueDigest(&RegValue{Type: RegBinary, Data: le[:]}) {
		t.Error("type is not part of the digest")
	}
}

// A proxy without a port is planned as given, with a warning that WinHTTP will use port 80;
// one warning per entry, not per view.
func TestProxyWithoutPortWarns(t *testing.T) {
	for doc, want := range map[string]int{
		`{"winhttp":{"proxy":"proxy.corp.example"}}`:                            1,
		`{"winhttp":{"proxy":"http=p1;https=p2:3128"}}`:                         1,
		`{"winhttp":{"proxy":"proxy.corp.example:8080"}}`:                       0,
		`{"winhttp":{"proxy":"[fd00::1]:8080"}}`:                                0,
		`{"winhttp":{"proxy":"http://proxy.corp.example:80","views":"native"}}`: 0,
	} {
		p := mustPlan(t, newFakeReg(), doc)
		n := 0
		for _, w := range p.Warnings {
			if w.Code == "proxyWithoutPort" {
				n++
				if !strings.Contains(w.Message, "port 80") {
					t.Errorf("%s: %q", doc, w.Message)
				}
			}
		}
		if n != want {
			t.Errorf("%s: %d proxyWithoutPort warnings, want %d: %+v", doc, n, want, p.Warnings)
		}
	}
}
