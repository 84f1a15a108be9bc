package model

import (
	"reflect"
	"strings"
	"testing"
)

func diffPaths(d *Diff) []string {
	var out []string
	for _, x := range d.Differences {
		out = append(out, x.Path)
	}
	return out
}

func TestDiffStates(t *testing.T) {
	a := ieUser(t, newFakeReg(), FlagDirect|FlagProxy, "p:8080", "<local>", "")
	a.set(WinHTTPNativeKey, WinHTTPValue, winhttpBlob(t, 0x28, 1, "", ""))
	b := ieUser(t, newFakeReg(), FlagDirect|FlagProxy, "p:8080", "<local>;*.corp", "")
	b.set(WinHTTPNativeKey, WinHTTPValue, winhttpBlob(t, 0x28, 3, "p:8080", "<local>"))

	same := DiffStates("a", readFake(t, a), "a again", readFake(t, a))
	if !same.Same || len(same.Differences) != 0 {
		t.Fatalf("a state differs from itself: %+v", same.Differences)
	}

	d := DiffStates("a", readFake(t, a), "b", readFake(t, b))
	want := []string{"$.winhttp.native.mode", "$.winhttp.native.proxy", "$.winhttp.native.bypass", "$.wininet.bypass"}
	if d.Same || !reflect.DeepEqual(diffPaths(d), want) {
		t.Fatalf("paths %v, want %v", diffPaths(d), want)
	}
	if d.Differences[0].Before != "direct" || d.Differences[0].After != "proxy" {
		t.Errorf("before/after: %+v", d.Differences[0])
	}
	if !reflect.DeepEqual(d.Differences[3].After, []string{"<local>", "*.corp"}) {
		t.Errorf("bypass after: %#v", d.Differences[3].After)
	}

	// Only the counter differs: the settings are the same.
	c := ieUser(t, newFakeReg(), FlagDirect|FlagProxy, "p:8080", "<local>", "")
	c.set(hkcuConns, DefaultConnValue, wininetBlob(t, WinINetVersionIE7, 99, FlagDirect|FlagProxy, "p:8080", "<local>", "", nil))
	c.set(WinHTTPNativeKey, WinHTTPValue, winhttpBlob(t, 0x18, 1, "", ""))
	if d := DiffStates("a", readFake(t, a), "c", readFake(t, c)); !d.Same {
		t.Errorf("counter and version are not settings: %+v", d.Differences)
	}
}

func TestDiffSkipsWhatASideDoesNotHold(t *testing.T) {
	a := readFake(t, ieUser(t, newFakeReg(), FlagDirect|FlagProxy, "p:8080", "", ""))
	netsh := &State{Source: Source{Kind: "netsh", Path: Ptr("show.txt")}, WinHTTP: WinHTTPState{Native: WinHTTPView{Known: true, Mode: Ptr("direct")}}}
	d := DiffStates("a", a, "show.txt", netsh)
	var skipped []string
	for _, n := range d.NotCompared {
		skipped = append(skipped, n.Path)
	}
	if !reflect.DeepEqual(skipped, []string{"$.winhttp.wow64", "$.wininet"}) {
		t.Errorf("not compared: %+v", d.NotCompared)
	}
	if !d.Same {
		t.Errorf("only known settings are compared: %+v", d.Differences)
	}
	if !strings.Contains(d.NotCompared[1].Reason, "B: the netsh show.txt does not hold WinINet settings") {
		t.Errorf("reason: %s", d.NotCompared[1].Reason)
	}
}

func TestDiffDesired(t *testing.T) {
	a := mustDesired(t, `{"schema":"ccproxy/desired@1","winhttp":{"mode":"importFromIE","ensureBypass":"dc01"},"wininet":{"autoConfigUrl":null}}`)
	b := mustDesired(t, `{"schema":"ccproxy/desired@1","winhttp":{"mode":"importFromIE","ensureBypass":["dc01","dc02"]}}`)
	d := DiffDesired("a.json", a, "b.json", b)
	if !reflect.DeepEqual(diffPaths(d), []string{"$.winhttp.ensureBypass", "$.wininet.autoConfigUrl"}) {
		t.Fatalf("paths %v", diffPaths(d))
	}
	if n := d.Differences[1].Note; n == nil || !strings.Contains(*n, "not given in B") {
		t.Errorf("note: %v", n)
	}
	if same := DiffDesired("a", a, "a", a); !same.Same {
		t.Errorf("differs from itself: %+v", same.Differences)
	}
}

func TestProjectDesired(t *testing.T) {
	f := ieUser(t, newFakeReg(), FlagDirect|FlagProxy, "p:8080", "<local>", "")
	st := readFake(t, f)
	opts := ReadOptions{Source: Source{Kind: "registry"}, Now: testNow, InputName: "registry"}
	proj, p, err := ProjectDesired(f, opts, st, mustDesired(t, `{"schema":"ccproxy/desired@1","winhttp":{"mode":"importFromIE","ensureBypass":"dc01"}}`), "d.json")
	if err != nil {
		t.Fatal(err)
	}
	if p.Empty || len(f.snapshot()) != 4 {
		t.Errorf("projection must not write: %d values", len(f.snapshot()))
	}
	d := DiffStates("d.json", proj, "system", st)
	want := []string{"$.winhttp.native.mode", "$.winhttp.native.proxy", "$.winhttp.native.bypass", "$.winhttp.wow64.mode", "$.winhttp.wow64.proxy", "$.winhttp.wow64.bypass"}
	if !reflect.DeepEqual(diffPaths(d), want) {
		t.Fatalf("paths %v, want %v", diffPaths(d), want)
	}
	if d.Differences[2].Before.([]string)[1] != "dc01" {
		t.Errorf("projected bypass: %v", d.Differences[2].Before)
	}
	// Once applied, the desired state and the registry agree.
	if _, err := ApplyPlan(f, p, applyOpts(nil)); err != nil {
		t.Fatal(err)
	}
	st2 := readFake(t, f)
	proj2, _, err := ProjectDesired(f, opts, st2, mustDesired(t, `{"schema":"ccproxy/desired@1","winhttp":{"mode":"importFromIE","ensureBypass":"dc01"}}`), "d.json")
	if err != nil {
		t.Fatal(err)
	}
	if d := DiffStates("d.json", proj2, "system", st2); !d.Same {
		t.Errorf("after apply: %+v", d.Differences)
	}
}
