package dscres

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"ccproxy/model"
)

// regMap is a registry in memory, enough for ReadState and MakePlan.
type regMap map[string]*model.RegValue

func regKey(path, name string) string { return strings.ToLower(path + `\` + name) }

// currentSID is the user behind HKEY_CURRENT_USER, which Windows maps to its hive.
const currentSID = "S-1-5-21-1-2-3-1001"

func (r regMap) ReadValue(path, name string) (*model.RegValue, error) {
	if rest, ok := strings.CutPrefix(path, `HKEY_USERS\`+currentSID); ok {
		path = "HKEY_CURRENT_USER" + rest
	}
	return r[regKey(path, name)], nil
}

func (r regMap) Key(path string) (model.KeyInfo, error) {
	return model.KeyInfo{Exists: true}, nil
}

// machine is a registry whose WinINet (HKCU) and WinHTTP views hold the given blobs; a
// nil blob leaves the value absent.
func machine(t testing.TB, native, wow64, wininet *model.ConnBlob) regMap {
	t.Helper()
	r := regMap{}
	_, conns := model.WinINetKeys("HKEY_CURRENT_USER")
	for _, v := range []struct {
		key, name string
		blob      *model.ConnBlob
	}{{model.WinHTTPNativeKey, model.WinHTTPValue, native}, {model.WinHTTPWOW64Key, model.WinHTTPValue, wow64}, {conns, model.DefaultConnValue, wininet}} {
		if v.blob == nil {
			continue
		}
		data, err := v.blob.Encode()
		if err != nil {
			t.Fatal(err)
		}
		r[regKey(v.key, v.name)] = &model.RegValue{Type: model.RegBinary, Data: data}
	}
	if wininet != nil {
		// The Internet Options dialog keeps the plain values in step with the blob.
		settings, _ := model.WinINetKeys("HKEY_CURRENT_USER")
		enable := model.EncodeDWORD(0)
		if wininet.Flags&model.FlagProxy != 0 {
			enable = model.EncodeDWORD(1)
		}
		r[regKey(settings, "ProxyEnable")] = &enable
		pac := ""
		if wininet.Flags&model.FlagAutoProxyURL != 0 {
			pac = wininet.AutoConfigURL
		}
		for name, s := range map[string]string{"ProxyServer": wininet.Proxy, "ProxyOverride": wininet.Bypass, "AutoConfigURL": pac} {
			if s != "" {
				v := model.EncodeRegString(s)
				r[regKey(settings, name)] = &v
			}
		}
	}
	return r
}

func winhttpProxy(proxy, bypass string) *model.ConnBlob {
	return &model.ConnBlob{Version: model.WinHTTPVersionNew, Flags: model.FlagDirect | model.FlagProxy, Proxy: proxy, Bypass: bypass}
}

func wininetBlob(flags uint32, proxy, bypass, pac string) *model.ConnBlob {
	return &model.ConnBlob{WinINet: true, Version: model.WinINetVersionIE7, Counter: 3, Flags: model.FlagDirect | flags, Proxy: proxy, Bypass: bypass, AutoConfigURL: pac, Trailing: model.NewWinINetTrailing(model.WinINetVersionIE7)}
}

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func readState(t testing.TB, r regMap, user string) *model.State {
	t.Helper()
	st, err := model.ReadState(r, model.ReadOptions{Source: model.Source{Kind: "registry"}, User: user, CurrentUserSID: currentSID, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestParse(t *testing.T) {
	cases := []struct {
		name, in string
		check    func(t *testing.T, r *Request)
	}{
		{"blank is an empty instance", " \r\n", func(t *testing.T, r *Request) {
			if r.Desired != nil || r.Names() || r.User != UserCurrent {
				t.Errorf("%+v", r)
			}
		}},
		{"import with ensured entries", `{"winhttp":{"mode":"importFromIE","ensureBypass":["a.corp.example","10.*"]},"wininet":{"user":"S-1-5-21-1-2-3-1001"}}`, func(t *testing.T, r *Request) {
			w := r.Desired.WinHTTP
			if w.Mode != model.ModeImportFromIE || !reflect.DeepEqual(w.EnsureBypass, []string{"a.corp.example", "10.*"}) {
				t.Errorf("%+v", w)
			}
			if r.Desired.WinINet != nil || !r.WinINet || r.SourceUser() != "S-1-5-21-1-2-3-1001" {
				t.Errorf("a user-only wininet part must name whose settings and change none: %+v %+v", r, r.Desired.WinINet)
			}
		}},
		{"keys ignore case, bypass string splits", `{"WinHTTP":{"Proxy":" p.corp.example:8080 ","Bypass":"<local>;*.corp.example"}}`, func(t *testing.T, r *Request) {
			w := r.Desired.WinHTTP
			if w.Proxy == nil || w.Proxy.Raw != "p.corp.example:8080" || !reflect.DeepEqual(w.Bypass, []string{"<local>", "*.corp.example"}) {
				t.Errorf("%+v", w)
			}
		}},
		{"direct as get shows it", `{"winhttp":{"mode":"direct","proxy":null,"bypass":null,"views":["native","wow64"]}}`, func(t *testing.T, r *Request) {
			w := r.Desired.WinHTTP
			if w.Mode != model.ModeDirect || w.Proxy != nil || w.Bypass != nil || !reflect.DeepEqual(r.Views, []string{"native", "wow64"}) {
				t.Errorf("%+v", w)
			}
		}},
		{"direct with an empty list", `{"winhttp":{"mode":"direct","bypass":[]}}`, func(t *testing.T, r *Request) {
			if r.Desired.WinHTTP.Bypass != nil {
				t.Errorf("%+v", r.Desired.WinHTTP)
			}
		}},
		{"an empty list empties it", `{"winhttp":{"mode":"proxy","bypass":[]}}`, func(t *testing.T, r *Request) {
			if b := r.Desired.WinHTTP.Bypass; b == nil || len(b) != 0 {
				t.Errorf("%#v", b)
			}
		}},
		{"null keeps", `{"winhttp":{"mode":null,"proxy":null,"bypass":null},"wininet":{"manualProxy":null,"proxy":null,"autoConfigUrl":null,"autoDetect":null}}`, func(t *testing.T, r *Request) {
			if r.Desired != nil || !r.WinHTTP || !r.WinINet {
				t.Errorf("%+v", r)
			}
		}},
		{"empty PAC URL removes it", `{"wininet":{"autoConfigUrl":""}}`, func(t *testing.T, r *Request) {
			if w := r.Desired.WinINet; !w.RemoveAutoConfigURL || w.AutoConfigURL != nil || w.User != UserCurrent {
				t.Errorf("%+v", w)
			}
		}},
		{"wininet settings", `{"wininet":{"user":"machine","manualProxy":true,"proxy":"p:8080","autoConfigUrl":"http://wpad/proxy.pac","autoDetect":false}}`, func(t *testing.T, r *Request) {
			w := r.Desired.WinINet
			if w.User != UserMachine || !*w.ManualProxy || w.Proxy.Raw != "p:8080" || *w.AutoConfigURL != "http://wpad/proxy.pac" || *w.AutoDetect {
				t.Errorf("%+v", w)
			}
		}},
		{"canonical properties of an output", `{"winhttp":{"mode":"direct"},"_inDesiredState":true,"_rebootRequested":null,"_exist":true}`, func(t *testing.T, r *Request) {
			if r.Desired.WinHTTP.Mode != model.ModeDirect {
				t.Errorf("%+v", r.Desired.WinHTTP)
			}
		}},
		{"UTF-16 from Out-File", "\xff\xfe{\x00}\x00", func(t *testing.T, r *Request) {
			if r.Names() {
				t.Errorf("%+v", r)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _, err := Parse("stdin", []byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, r)
		})
	}
}

func TestParseRefuses(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"winhttp":{"mode":"auto"}}`, `stdin: $.winhttp.mode:`},
		{`{"winhttp":{"proxyServer":"p:8080"}}`, `stdin: $.winhttp: unknown key "proxyServer"; did you mean "proxy"?`},
		{`{"winhttps":{}}`, `stdin: $: unknown key "winhttps"; did you mean "winhttp"?`},
		{`{"winhttp":{"mode":"direct","bypass":["a"]}}`, `stdin: $.winhttp: mode "direct" takes no proxy or bypass list`},
		{`{"winhttp":{"mode":"importFromIE","proxy":"p:8080"}}`, `stdin: $.winhttp: mode "importFromIE" copies`},
		{`{"winhttp":{"proxy":"u:pw@p:8080"}}`, `stdin: $.winhttp.proxy: the proxy holds credentials`},
		{`{"winhttp":{"views":[]}}`, ``},
		{`{"winhttp":{"mode":"proxy","views":["native","native"]}}`, `stdin: $.winhttp.views[1]: native given twice`},
		{`{"wininet":{"user":"S-1-x"}}`, `stdin: $.wininet.user: "S-1-x" is neither`},
		{`{"wininet":{"autoConfigUrl":"ftp://x/p.pac"}}`, `stdin: $.wininet.autoConfigUrl:`},
		{`{"_exist":false}`, `stdin: $._exist: false is not supported`},
		{`{"_purge":true}`, `stdin: $._purge: not supported`},
		{`[1]`, `stdin: $:`},
		{`{"winhttp":"System.Collections.Hashtable"}`, `-Depth`},
	}
	for _, c := range cases {
		r, _, err := Parse("stdin", []byte(c.in))
		if c.want == "" {
			// Accepted as "asks for nothing": an empty views list only selects views.
			if err != nil || r.Desired != nil {
				t.Errorf("%s: %v %+v", c.in, err, r)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: accepted: %+v", c.in, r)
			continue
		}
		var ec interface{ ExitCode() int }
		if !errors.As(err, &ec) || ec.ExitCode() != 2 {
			t.Errorf("%s: %v is not bad input (exit 2)", c.in, err)
		}
		if !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "pw@") {
			t.Errorf("%s:\n got %s\nwant %s", c.in, err, c.want)
		}
	}
}

func TestActual(t *testing.T) {
	r := machine(t, winhttpProxy("p.corp.example:8080", "<local>;*.corp.example"), &model.ConnBlob{Version: model.WinHTTPVersionNew, Flags: model.FlagDirect, Proxy: "old:1"},
		wininetBlob(model.FlagProxy|model.FlagAutoProxyURL, "p.corp.example:8080", "<local>", "http://wpad/proxy.pac"))
	st := readState(t, r, "")

	all := Actual(st, &Request{User: UserCurrent})
	want := Instance{
		WinHTTP: &WinHTTP{Mode: model.Ptr("proxy"), Proxy: model.Ptr("p.corp.example:8080"), Bypass: []string{"<local>", "*.corp.example"}, Views: []string{"native"}},
		WinINet: &WinINet{User: "S-1-5-21-1-2-3-1001", ManualProxy: model.Ptr(true), Proxy: model.Ptr("p.corp.example:8080"), Bypass: []string{"<local>"}, AutoConfigURL: model.Ptr("http://wpad/proxy.pac"), AutoDetect: model.Ptr(false)},
	}
	if !reflect.DeepEqual(all, want) {
		t.Errorf("got  %s\nwant %s", js(all), js(want))
	}

	// The 32-bit view alone: a disabled proxy string is no proxy.
	wow := Actual(st, &Request{WinHTTP: true, Views: []string{"wow64"}, User: UserCurrent})
	if wow.WinINet != nil || *wow.WinHTTP.Mode != "direct" || wow.WinHTTP.Proxy != nil || wow.WinHTTP.Bypass != nil || !reflect.DeepEqual(wow.WinHTTP.Views, []string{"wow64"}) {
		t.Errorf("%s", js(wow))
	}

	exp := ExportWinHTTP(st)
	if len(exp) != 2 || !reflect.DeepEqual(exp[0].WinHTTP.Views, []string{"native"}) || !reflect.DeepEqual(exp[1].WinHTTP.Views, []string{"wow64"}) {
		t.Errorf("views that differ are exported apart: %s", js(exp))
	}
	same := readState(t, machine(t, nil, nil, nil), "")
	if exp := ExportWinHTTP(same); len(exp) != 1 || !reflect.DeepEqual(exp[0].WinHTTP.Views, []string{"native", "wow64"}) || *exp[0].WinHTTP.Mode != "direct" {
		t.Errorf("views that agree are one instance: %s", js(exp))
	}

	// The output is what the instance schema allows: the keys of every part present.
	b, _ := json.Marshal(all)
	for _, k := range []string{`"mode":`, `"proxy":`, `"bypass":`, `"views":`, `"user":`, `"manualProxy":`, `"autoConfigUrl":`, `"autoDetect":`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("%s missing from %s", k, b)
		}
	}
	if strings.Contains(string(b), "_inDesiredState") || strings.Contains(string(b), "ensureBypass") {
		t.Errorf("%s", b)
	}
}

// get's output, read back as the desired state, is a state the machine is in: the plan
// for it is empty.
func TestActualReadsBackAsNoChange(t *testing.T) {
	machines := map[string]regMap{
		"proxy both":    machine(t, winhttpProxy("p:8080", "<local>;*.corp.example"), winhttpProxy("p:8080", "<local>;*.corp.example"), wininetBlob(model.FlagProxy, "p:8080", "<local>", "")),
		"views differ":  machine(t, winhttpProxy("p:8080", ""), nil, wininetBlob(model.FlagAutoProxyURL, "", "", "http://wpad/p.pac")),
		"nothing":       machine(t, nil, nil, nil),
		"auto-detect":   machine(t, nil, nil, wininetBlob(model.FlagAutoDetect, "", "", "")),
		"per scheme":    machine(t, winhttpProxy("http=p:3128;https=p:3128", "10.*"), winhttpProxy("http=p:3128;https=p:3128", "10.*"), wininetBlob(model.FlagProxy, "http=p:3128;https=p:3128", "10.*", "")),
		"disabled, set": machine(t, nil, nil, wininetBlob(0, "old:8080", "<local>", "")),
	}
	for name, r := range machines {
		t.Run(name, func(t *testing.T) {
			st := readState(t, r, "")
			insts := ExportWinHTTP(st)
			if w := ExportWinINet(st); w != nil {
				insts = append(insts, *w)
			}
			insts = append(insts, Actual(st, &Request{User: UserCurrent}))
			planned := 0
			for _, inst := range insts {
				b, err := json.Marshal(inst)
				if err != nil {
					t.Fatal(err)
				}
				req, _, err := Parse("stdin", b)
				if err != nil {
					t.Fatalf("%s: %v", b, err)
				}
				if req.Desired == nil {
					continue
				}
				st := readState(t, r, req.SourceUser())
				p, err := model.MakePlan(model.PlanInput{Reader: r, State: st, Desired: req.Desired, Now: now})
				if err != nil {
					t.Fatalf("%s: %v", b, err)
				}
				if !p.Empty {
					t.Errorf("%s plans %d changes: %s", b, len(p.Changes), p.Changes[0].Reason)
				}
				planned++
			}
			if planned == 0 {
				t.Errorf("none of %d instances asks for a state: nothing was checked", len(insts))
			}
		})
	}
}

func TestCheckOwner(t *testing.T) {
	st := readState(t, machine(t, nil, nil, wininetBlob(0, "", "", "")), "")
	req, _, err := Parse("stdin", []byte(`{"winhttp":{"mode":"importFromIE"},"wininet":{"user":"machine"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := req.CheckOwner("stdin", st); err == nil || !strings.Contains(err.Error(), "$.wininet.user") {
		t.Errorf("a per-user machine taken for machine-wide: %v", err)
	}
	r := machine(t, nil, nil, nil)
	r[regKey(model.PolicyKey, model.PolicyPerUserValue)] = &model.RegValue{Type: model.RegDWORD, Data: []byte{0, 0, 0, 0}}
	if err := req.CheckOwner("stdin", readState(t, r, "")); err != nil {
		t.Errorf("machine-wide policy: %v", err)
	}
}

func TestDiff(t *testing.T) {
	cases := []struct {
		stacks     []string
		want       []string
		wantReboot bool
	}{
		{nil, []string{}, false},
		{[]string{"wininet", "wininet"}, []string{"wininet"}, false},
		{[]string{"wininet", "winhttp", "winhttp"}, []string{"winhttp", "wininet"}, true},
	}
	for _, c := range cases {
		if got := Diff(c.stacks); !reflect.DeepEqual(got, c.want) || RebootRequested(c.stacks) != c.wantReboot {
			t.Errorf("%v: %v %v", c.stacks, got, RebootRequested(c.stacks))
		}
	}
}

func TestResourceVersion(t *testing.T) {
	for in, want := range map[string]string{
		"1.4.0":             "1.4.0",
		"v2.0.1":            "2.0.1",
		"1.2.3-rc.1+build5": "1.2.3-rc.1+build5",
		"dev":               "0.0.0-dev",
		"":                  "0.0.0-dev",
		"1.2":               "0.0.0-1-2",
		"0123":              "0.0.0-x0123",
		"feature/x y":       "0.0.0-feature-x-y",
	} {
		got := ResourceVersion(in)
		if got != want || !semver.MatchString(got) {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func TestManifest(t *testing.T) {
	m := NewManifest("1.4.0", "ccproxy")
	if m.Type != Type || m.Version != "1.4.0" || m.Set.Return != "stateAndDiff" || m.Test.Return != "stateAndDiff" || !m.Set.ImplementsPretest {
		t.Errorf("%+v", m)
	}
	if !reflect.DeepEqual(m.WhatIf.Args, []string{"dsc", "set", "--what-if"}) {
		t.Errorf("what-if args %v", m.WhatIf.Args)
	}
	var schema struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(m.Instance.Embedded, &schema); err != nil {
		t.Fatal(err)
	}
	// DSC accepts a canonical property in an embedded schema only as a bare $ref.
	for _, p := range []string{"_inDesiredState", "_rebootRequested"} {
		want := `{"$ref":"https://aka.ms/dsc/schemas/v3/resource/properties/` + strings.TrimPrefix(p, "_") + `.json"}`
		var v any
		_ = json.Unmarshal(schema.Properties[p], &v)
		if got, _ := json.Marshal(v); string(got) != want {
			t.Errorf("%s: %s", p, got)
		}
	}
	// The schema lists exactly the instance's properties.
	var props []string
	for k := range schema.Properties {
		props = append(props, k)
	}
	for _, k := range []string{"winhttp", "wininet", "verify", "_inDesiredState", "_rebootRequested", "missingEvidence"} {
		if _, ok := schema.Properties[k]; !ok {
			t.Errorf("schema lacks %s", k)
		}
	}
	if len(props) != 6 {
		t.Errorf("schema properties %v", props)
	}
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestMissing: a test against a source that lacks a part the instance names is incomplete,
// never "in the desired state" by default.
func TestMissing(t *testing.T) {
	netsh := &model.State{}
	netsh.WinHTTP.Native.Known = true
	for _, tt := range []struct {
		name     string
		st       *model.State
		req      Request
		want     int
		wantWord string
	}{
		{"netsh source, instance names wininet", netsh, Request{WinINet: true}, 1, "wininet"},
		{"netsh source, instance names winhttp (both views)", netsh, Request{WinHTTP: true}, 1, "winhttp: the source does not hold the wow64 view"},
		{"netsh source, instance names winhttp native", netsh, Request{WinHTTP: true, Views: []string{model.ViewNative}}, 0, ""},
		{"netsh source, instance names both views", netsh, Request{WinHTTP: true, Views: []string{model.ViewNative, model.ViewWOW64}}, 1, "winhttp: the source does not hold the wow64 view"},
		{"empty source, both", &model.State{}, Request{WinHTTP: true, WinINet: true}, 2, "winhttp"},
	} {
		got := Missing(tt.st, &tt.req)
		if len(got) != tt.want || (tt.want > 0 && !strings.HasPrefix(got[0], tt.wantWord)) {
			t.Errorf("%s: %q", tt.name, got)
		}
	}
}

func TestParseVerify(t *testing.T) {
	r, _, err := Parse("--input", []byte(`{"winhttp":{"mode":"direct"},"Verify":{"customerId":"acme","catalog":"c.json"}}`))
	if err != nil || r.Verify == nil || r.Verify.Region != "commercial" || *r.Verify.CustomerID != "acme" || *r.Verify.Catalog != "c.json" || r.Verify.CAFile != nil {
		t.Fatalf("verify %+v, %v", r.Verify, err)
	}
	if r, _, err := Parse("--input", []byte(`{"winhttp":{"mode":"direct"},"verify":null}`)); err != nil || r.Verify != nil {
		t.Errorf("null verify: %+v %v", r.Verify, err)
	}
	if _, _, err := Parse("--input", []byte(`{"verify":{"region":"mars"}}`)); err == nil || !strings.Contains(err.Error(), "$.verify.region") {
		t.Errorf("bad region: %v", err)
	}
}
