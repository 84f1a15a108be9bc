package compliance

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"ccproxy/model"
	"ccproxy/model/catalog"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// machine describes a test machine; nil blobs leave the value out.
type machine struct {
	native, wow64 *model.ConnBlob
	noWOW64Key    bool
	ie            *model.ConnBlob // HKCU DefaultConnectionSettings
	ieHive        string          // "" for HKEY_CURRENT_USER, else a SID under HKEY_USERS
	noIE          bool
	boot, changed *time.Time
	live          bool // read as the live registry: undecodable values become warnings
	rawNative     []byte
}

func winhttp(flags uint32, proxy, bypassList string) *model.ConnBlob {
	return &model.ConnBlob{Version: model.WinHTTPVersionNew, Flags: flags, Proxy: proxy, Bypass: bypassList}
}

// bypassHosts is a bypass list of n hosts, h0.corp.example;h1.corp.example;...
func bypassHosts(n int) string {
	var hs []string
	for i := 0; i < n; i++ {
		hs = append(hs, fmt.Sprintf("h%d.corp.example", i))
	}
	return strings.Join(hs, ";")
}

func direct() *model.ConnBlob { return winhttp(model.FlagDirect, "", "") }

func proxied(proxy, bypassList string) *model.ConnBlob {
	return winhttp(model.FlagDirect|model.FlagProxy, proxy, bypassList)
}

func ie(flags uint32, proxy, bypassList, pac string) *model.ConnBlob {
	return &model.ConnBlob{Version: model.WinINetVersionIE7, Counter: 5, Flags: flags, Proxy: proxy, Bypass: bypassList, AutoConfigURL: pac, WinINet: true, Trailing: make([]byte, 32)}
}

// registry is a minimal model.RegistryReader, so that these tests need nothing outside model.
type registry map[string]*regKey

type regKey struct {
	values    map[string]model.RegValue
	lastWrite *time.Time
}

func (r registry) EnsureKey(path string) *regKey {
	k := r[strings.ToLower(path)]
	if k == nil {
		k = &regKey{values: map[string]model.RegValue{}}
		r[strings.ToLower(path)] = k
	}
	return k
}

func (r registry) SetValue(path, name string, v model.RegValue) {
	r.EnsureKey(path).values[strings.ToLower(name)] = v
}

func (r registry) SetKeyTime(path string, t time.Time) { r.EnsureKey(path).lastWrite = &t }

func (r registry) ReadValue(path, name string) (*model.RegValue, error) {
	k := r[strings.ToLower(path)]
	if k == nil {
		return nil, nil
	}
	v, ok := k.values[strings.ToLower(name)]
	if !ok {
		return nil, nil
	}
	return &v, nil
}

func (r registry) Key(path string) (model.KeyInfo, error) {
	k := r[strings.ToLower(path)]
	if k == nil {
		return model.KeyInfo{}, nil
	}
	return model.KeyInfo{Exists: true, LastWrite: k.lastWrite}, nil
}

func (m machine) state(t testing.TB) *model.State {
	t.Helper()
	s, _ := m.stateAndRegistry(t)
	return s
}

// stateAndRegistry also returns the registry the state was read from, for a plan.
func (m machine) stateAndRegistry(t testing.TB) (*model.State, registry) {
	t.Helper()
	kind := "fake"
	if m.live {
		kind = "registry"
	}
	st := registry{}
	set := func(key, name string, b *model.ConnBlob) {
		data, err := b.Encode()
		if err != nil {
			t.Fatal(err)
		}
		st.SetValue(key, name, model.RegValue{Type: model.RegBinary, Data: data})
	}
	st.EnsureKey(model.WinHTTPNativeKey)
	if m.native != nil {
		set(model.WinHTTPNativeKey, model.WinHTTPValue, m.native)
	}
	if m.rawNative != nil {
		st.SetValue(model.WinHTTPNativeKey, model.WinHTTPValue, model.RegValue{Type: model.RegBinary, Data: m.rawNative})
	}
	if !m.noWOW64Key {
		st.EnsureKey(model.WinHTTPWOW64Key)
		if m.wow64 != nil {
			set(model.WinHTTPWOW64Key, model.WinHTTPValue, m.wow64)
		}
	}
	hive := "HKEY_CURRENT_USER"
	var users []string
	if m.ieHive != "" {
		hive = `HKEY_USERS\` + m.ieHive
		users = []string{m.ieHive}
	}
	if !m.noIE {
		settings, conns := model.WinINetKeys(hive)
		st.EnsureKey(settings)
		if m.ie != nil {
			set(conns, model.DefaultConnValue, m.ie)
		}
	}
	if m.changed != nil {
		st.SetKeyTime(model.WinHTTPNativeKey, *m.changed)
	}
	s, err := model.ReadState(st, model.ReadOptions{Source: model.Source{Kind: model.SourceKind(kind), Boot: m.boot}, Users: users, Now: now, InputName: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return s, st
}

func byID(r Report) map[string]Finding {
	out := map[string]Finding{}
	for _, f := range r.Findings {
		out[f.ID] = f
	}
	return out
}

func at(h int) *time.Time {
	t := now.Add(time.Duration(h) * time.Hour)
	return &t
}

type want struct {
	status  string
	command string // "" when no command is expected, "-" to skip the comparison
	message string // a part of the message
}

func TestEvaluate(t *testing.T) {
	const corpBypass = "<local>;*.corp.example;10.*"
	ieProxy := ie(model.FlagDirect|model.FlagProxy, "proxy.corp.example:8080", corpBypass, "")
	tests := []struct {
		name      string
		m         machine
		internal  []string
		compliant bool
		want      map[string]want
	}{
		{"nothing configured", machine{native: direct(), wow64: direct(), ie: ie(model.FlagDirect, "", "", "")}, nil, true, map[string]want{
			CheckWinHTTPReadable:          {status: StatusPass},
			CheckInstallerProxyInServices: {status: StatusNotApplicable},
			CheckWinHTTPMatchesImport:     {status: StatusPass},
			CheckInstallerNoAutoProxy:     {status: StatusPass},
			CheckWinHTTPNoAutoProxy:       {status: StatusPass},
			CheckWinHTTPViewsAgree:        {status: StatusPass},
			CheckWinHTTPProxyUsable:       {status: StatusNotApplicable},
			CheckNoProxyCredentials:       {status: StatusPass},
			CheckRestartNotPending:        {status: StatusNotChecked},
			CheckInternalBypassed:         {status: StatusNotChecked, message: "--internal"},
		}},
		{"installer proxy, services direct (R3, R4)", machine{native: direct(), wow64: direct(), ie: ieProxy}, nil, false, map[string]want{
			CheckInstallerProxyInServices: {status: StatusFail, command: "ccproxy plan --import-ie", message: "proxy.corp.example:8080"},
			CheckWinHTTPMatchesImport:     {status: StatusNotApplicable, message: CheckInstallerProxyInServices},
		}},
		{"both proxied, alike", machine{native: proxied("proxy.corp.example:8080", corpBypass), wow64: proxied("PROXY.corp.example:8080", "<local> *.corp.example;10.*"), ie: ieProxy}, nil, true, map[string]want{
			CheckInstallerProxyInServices: {status: StatusPass},
			CheckWinHTTPMatchesImport:     {status: StatusPass},
			CheckWinHTTPProxyUsable:       {status: StatusPass},
			CheckWinHTTPViewsAgree:        {status: StatusPass, message: "spelled differently"},
		}},
		{"bypass lists differ", machine{native: proxied("proxy.corp.example:8080", "<local>"), wow64: proxied("proxy.corp.example:8080", "<local>"), ie: ieProxy}, nil, false, map[string]want{
			CheckWinHTTPMatchesImport: {status: StatusFail, command: "ccproxy plan --import-ie", message: "the installer bypasses *.corp.example;10.*, which WinHTTP (bypass list <local>) does not"},
		}},
		// What 'plan --import-ie --add-bypass dc02.corp.example' writes passes, and the fix of a
		// later difference keeps the ensured entry.
		{"import plus ensured entries", machine{native: proxied("proxy.corp.example:8080", corpBypass+";dc02.corp.example"), wow64: proxied("proxy.corp.example:8080", corpBypass+";dc02.corp.example"), ie: ieProxy}, nil, true, map[string]want{
			CheckWinHTTPMatchesImport: {status: StatusPass, message: "bypasses dc02.corp.example too"},
		}},
		// A message names ten entries of a long list and counts the rest; the command still
		// carries every entry.
		{"many ensured entries", machine{native: proxied("proxy.corp.example:8080", corpBypass+";"+bypassHosts(25)), wow64: proxied("proxy.corp.example:8080", corpBypass+";"+bypassHosts(25)), ie: ieProxy}, nil, true, map[string]want{
			CheckWinHTTPMatchesImport: {status: StatusPass, message: "h9.corp.example and 15 more too"},
		}},
		{"many entries missing", machine{native: proxied("proxy.corp.example:8080", "<local>"), wow64: proxied("proxy.corp.example:8080", "<local>"), ie: ie(model.FlagDirect|model.FlagProxy, "proxy.corp.example:8080", "<local>;"+bypassHosts(25), "")}, nil, false, map[string]want{
			CheckWinHTTPMatchesImport: {status: StatusFail, command: "ccproxy plan --import-ie", message: "the installer bypasses h0.corp.example;h1.corp.example;h2.corp.example;h3.corp.example;h4.corp.example;h5.corp.example;h6.corp.example;h7.corp.example;h8.corp.example;h9.corp.example and 15 more, which"},
		}},
		{"an entry missing, an ensured entry kept", machine{native: proxied("proxy.corp.example:8080", "<local>;dc02.corp.example"), wow64: proxied("proxy.corp.example:8080", "<local>;dc02.corp.example"), ie: ieProxy}, nil, false, map[string]want{
			CheckWinHTTPMatchesImport: {status: StatusFail, command: "ccproxy plan --import-ie --add-bypass dc02.corp.example", message: "the installer bypasses *.corp.example;10.*"},
		}},
		// WinHTTP takes the https entry for https and the http entry for http, and a bare entry
		// for both: these strings route alike (the shipped desired-proxy.json writes the first).
		{"per-scheme proxy, same routes", machine{native: proxied("http=proxy.corp.example:8080;https=proxy.corp.example:8080", corpBypass), wow64: proxied("http=proxy.corp.example:8080;https=proxy.corp.example:8080", corpBypass), ie: ieProxy}, nil, true, map[string]want{
			CheckWinHTTPMatchesImport: {status: StatusPass},
		}},
		{"per-scheme proxy, other https proxy", machine{native: proxied("http=proxy.corp.example:8080;https=other.corp.example:8080", corpBypass), wow64: proxied("http=proxy.corp.example:8080;https=other.corp.example:8080", corpBypass), ie: ieProxy}, nil, false, map[string]want{
			CheckWinHTTPMatchesImport: {status: StatusFail, command: "ccproxy plan --import-ie"},
		}},
		{"proxies differ", machine{native: proxied("old.corp.example:3128", corpBypass), wow64: proxied("old.corp.example:3128", corpBypass), ie: ieProxy}, nil, false, map[string]want{
			CheckWinHTTPMatchesImport: {status: StatusFail, command: "ccproxy plan --import-ie", message: "proxy old.corp.example:3128 in WinHTTP, proxy.corp.example:8080 for the installer"},
		}},
		{"services proxied, installer direct", machine{native: proxied("p.corp.example:8080", ""), wow64: proxied("p.corp.example:8080", ""), ie: ie(model.FlagDirect, "", "", "")}, nil, true, map[string]want{
			CheckWinHTTPMatchesImport:     {status: StatusWarn, message: "an import would remove that proxy"},
			CheckInstallerProxyInServices: {status: StatusNotApplicable},
		}},
		{"installer PAC only (R6), services have a manual proxy", machine{native: proxied("p.corp.example:8080", ""), wow64: proxied("p.corp.example:8080", ""), ie: ie(model.FlagDirect|model.FlagAutoProxyURL, "", "", "http://wpad/proxy.pac")}, nil, false, map[string]want{
			CheckInstallerNoAutoProxy: {status: StatusFail, message: "WinHTTP has its own manual proxy p.corp.example:8080"},
			CheckWinHTTPMatchesImport: {status: StatusWarn, message: "cannot carry"},
		}},
		{"installer auto-detect only", machine{native: direct(), wow64: direct(), ie: ie(model.FlagDirect|model.FlagAutoDetect, "", "", "")}, nil, true, map[string]want{
			CheckInstallerNoAutoProxy: {status: StatusWarn, message: "auto-detect (WPAD)"},
		}},
		{"installer auto-detect besides a manual proxy", machine{native: proxied("proxy.corp.example:8080", corpBypass), wow64: proxied("proxy.corp.example:8080", corpBypass), ie: ie(model.FlagDirect|model.FlagProxy|model.FlagAutoDetect, "proxy.corp.example:8080", corpBypass, "")}, nil, true, map[string]want{
			CheckInstallerNoAutoProxy: {status: StatusWarn, message: "besides the manual proxy"},
			CheckWinHTTPMatchesImport: {status: StatusPass},
		}},
		{"WinHTTP auto-proxy flags (R6)", machine{native: winhttp(0x0b, "p.corp.example:8080", "<local>"), wow64: proxied("p.corp.example:8080", "<local>"), ie: ie(model.FlagDirect|model.FlagProxy, "p.corp.example:8080", "<local>", "")}, nil, false, map[string]want{
			CheckWinHTTPNoAutoProxy: {status: StatusFail, command: `ccproxy plan --proxy p.corp.example:8080 --bypass "<local>" --views native`},
			CheckWinHTTPViewsAgree:  {status: StatusPass},
		}},
		{"views disagree", machine{native: proxied("p.corp.example:8080", "<local>;*.corp.example"), wow64: direct(), ie: ie(model.FlagDirect|model.FlagProxy, "p.corp.example:8080", "<local>;*.corp.example", "")}, nil, false, map[string]want{
			CheckWinHTTPViewsAgree: {status: StatusFail, command: `ccproxy plan --proxy p.corp.example:8080 --bypass "<local>;*.corp.example" --views "native,wow64"`},
		}},
		{"views disagree, native direct", machine{native: direct(), wow64: proxied("p:8080", ""), ie: ie(model.FlagDirect, "", "", "")}, nil, false, map[string]want{
			CheckWinHTTPViewsAgree: {status: StatusFail, command: `ccproxy plan --direct --views "native,wow64"`},
		}},
		{"32-bit copy unknown", machine{native: direct(), noWOW64Key: true, ie: ie(model.FlagDirect, "", "", "")}, nil, true, map[string]want{
			CheckWinHTTPViewsAgree: {status: StatusNotChecked, message: "32-bit"},
		}},
		{"no https entry", machine{native: proxied("http=p.corp.example:3128;ftp=p.corp.example:21", ""), noWOW64Key: true, noIE: true}, nil, false, map[string]want{
			CheckWinHTTPProxyUsable: {status: StatusFail, command: "ccproxy plan --proxy p.corp.example:3128", message: "no entry for https URLs"},
		}},
		{"socks only", machine{native: proxied("socks=s.corp.example:1080", ""), noWOW64Key: true, noIE: true}, nil, false, map[string]want{
			CheckWinHTTPProxyUsable: {status: StatusFail, message: "no entry for https URLs"},
		}},
		{"socks scheme", machine{native: proxied("socks://s.corp.example:1080", ""), noWOW64Key: true, noIE: true}, nil, false, map[string]want{
			CheckWinHTTPProxyUsable: {status: StatusFail, message: "SOCKS"},
		}},
		{"https proxy scheme", machine{native: proxied("https://p.corp.example:8443", "<local>"), noWOW64Key: true, noIE: true}, nil, false, map[string]want{
			CheckWinHTTPProxyUsable: {status: StatusFail, command: `ccproxy plan --proxy p.corp.example:8443 --bypass "<local>"`, message: "https://"},
		}},
		{"invalid port", machine{native: proxied("p.corp.example:99999", ""), noWOW64Key: true, noIE: true}, nil, false, map[string]want{
			CheckWinHTTPProxyUsable: {status: StatusFail, message: "port"},
		}},
		{"no port", machine{native: proxied("p.corp.example", ""), noWOW64Key: true, noIE: true}, nil, false, map[string]want{
			CheckWinHTTPProxyUsable: {status: StatusWarn, message: "port 80"},
		}},
		{"http entry missing", machine{native: proxied("https=p.corp.example:3128", ""), noWOW64Key: true, noIE: true}, nil, false, map[string]want{
			CheckWinHTTPProxyUsable: {status: StatusWarn, command: "ccproxy plan --proxy p.corp.example:3128", message: "revocation"},
		}},
		{"credentials in WinHTTP", machine{native: proxied("svc:S3cret@p.corp.example:8080", "<local>"), wow64: proxied("svc:S3cret@p.corp.example:8080", "<local>"), ie: ie(model.FlagDirect|model.FlagProxy, "svc:S3cret@p.corp.example:8080", "<local>", "")}, nil, false, map[string]want{
			CheckNoProxyCredentials: {status: StatusFail, command: `ccproxy plan --proxy p.corp.example:8080 --bypass "<local>" --views "native,wow64"`, message: "the 64-bit WinHTTP view, the 32-bit WinHTTP view and the WinINet settings"},
			CheckWinHTTPProxyUsable: {status: StatusPass},
		}},
		{"credentials in WinINet only", machine{native: direct(), wow64: direct(), ie: ie(model.FlagDirect|model.FlagProxy, "svc:S3cret@p.corp.example:8080", "", "")}, nil, false, map[string]want{
			CheckNoProxyCredentials: {status: StatusFail, message: "WinINet settings of the current user"},
		}},
		{"restart pending (R5)", machine{native: direct(), wow64: direct(), ie: ie(model.FlagDirect, "", "", ""), boot: at(-5), changed: at(-1)}, nil, false, map[string]want{
			CheckRestartNotPending: {status: StatusFail, message: "after the last boot"},
		}},
		{"restart done", machine{native: direct(), wow64: direct(), ie: ie(model.FlagDirect, "", "", ""), boot: at(-1), changed: at(-5)}, nil, true, map[string]want{
			CheckRestartNotPending: {status: StatusPass},
		}},
		{"boot time unknown", machine{native: direct(), wow64: direct(), ie: ie(model.FlagDirect, "", "", ""), changed: at(-5)}, nil, true, map[string]want{
			CheckRestartNotPending: {status: StatusNotChecked, message: "boot time"},
		}},
		{"last write unknown", machine{native: direct(), wow64: direct(), ie: ie(model.FlagDirect, "", "", ""), boot: at(-5)}, nil, true, map[string]want{
			CheckRestartNotPending: {status: StatusNotChecked, message: "last changed"},
		}},
		{"no WinINet in the source", machine{native: proxied("p:8080", ""), noWOW64Key: true, noIE: true}, nil, false, map[string]want{
			CheckInstallerProxyInServices: {status: StatusNotChecked},
			CheckWinHTTPMatchesImport:     {status: StatusNotChecked},
			CheckInstallerNoAutoProxy:     {status: StatusNotChecked},
		}},
		{"SYSTEM's settings", machine{native: direct(), wow64: direct(), ie: ie(model.FlagDirect|model.FlagProxy, "p:8080", "", ""), ieHive: "S-1-5-18"}, nil, false, map[string]want{
			CheckInstallerProxyInServices: {status: StatusFail, command: "ccproxy plan --import-ie --user S-1-5-18", message: `NT AUTHORITY\SYSTEM (S-1-5-18)`},
		}},
		{"undecodable WinHTTP value on the live registry", machine{rawNative: []byte{0x99, 0, 0, 0}, wow64: direct(), ie: ie(model.FlagDirect|model.FlagProxy, "p:8080", "", ""), live: true}, nil, false, map[string]want{
			CheckWinHTTPReadable:          {status: StatusFail, command: "ccproxy plan --import-ie --views native"},
			CheckInstallerProxyInServices: {status: StatusNotChecked},
			CheckWinHTTPViewsAgree:        {status: StatusNotChecked},
		}},
		{"internal resources (R7)", machine{native: proxied("proxy.corp.example:8080", corpBypass), wow64: proxied("proxy.corp.example:8080", corpBypass), ie: ieProxy},
			[]string{"dc01.corp.example", "fileserver", "10.1.2.3", "www.example.com", "[fd00::5]", "https://vda7.corp.example:8443"}, false, map[string]want{
				"internalBypassed:dc01.corp.example":              {status: StatusPass, message: "*.corp.example"},
				"internalBypassed:fileserver":                     {status: StatusPass, message: "<local>"},
				"internalBypassed:10.1.2.3":                       {status: StatusWarn, command: `ccproxy plan --add-bypass www.example.com --add-bypass "[fd00::5]" --add-bypass 10.1.2.3`, message: "left-most"},
				"internalBypassed:www.example.com":                {status: StatusFail, command: `ccproxy plan --add-bypass www.example.com --add-bypass "[fd00::5]" --add-bypass 10.1.2.3`, message: "through the proxy proxy.corp.example:8080"},
				"internalBypassed:[fd00::5]":                      {status: StatusFail, command: `ccproxy plan --add-bypass www.example.com --add-bypass "[fd00::5]" --add-bypass 10.1.2.3`},
				"internalBypassed:https://vda7.corp.example:8443": {status: StatusPass},
			}},
		{"internal resources, WinHTTP direct until the import", machine{native: direct(), wow64: direct(), ie: ieProxy}, []string{"dc01.corp.example", "www.example.com"}, false, map[string]want{
			"internalBypassed:dc01.corp.example": {status: StatusPass, message: "would still go direct"},
			"internalBypassed:www.example.com":   {status: StatusWarn, command: "ccproxy plan --import-ie --add-bypass www.example.com"},
		}},
		// The look-ahead judges the installer's list by WinHTTP's rules, as after the import:
		// 10.* carries its caveat before the import as after it, and a host that goes direct
		// only because the installer has no https proxy is not said to be covered.
		{"internal resources, WinHTTP direct, the installer's 10.*", machine{native: direct(), wow64: direct(), ie: ieProxy}, []string{"10.1.2.3"}, false, map[string]want{
			"internalBypassed:10.1.2.3": {status: StatusWarn, command: "ccproxy plan --import-ie --add-bypass 10.1.2.3", message: "left-most"},
		}},
		{"internal resources, WinHTTP direct, the installer's http-only proxy", machine{native: direct(), wow64: direct(), ie: ie(model.FlagDirect|model.FlagProxy, "http=proxy.corp.example:8080", "<local>", "")}, []string{"vda.corp.example"}, false, map[string]want{
			"internalBypassed:vda.corp.example": {status: StatusPass, message: "the proxy string has no entry for https URLs"},
		}},
		{"internal resources, nothing to import", machine{native: direct(), wow64: direct(), ie: ie(model.FlagDirect, "", "", "")}, []string{"www.example.com"}, true, map[string]want{
			"internalBypassed:www.example.com": {status: StatusPass, message: "no proxy"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Evaluate(tt.m.state(t), Options{Internal: tt.internal})
			if r.Compliant != tt.compliant {
				t.Errorf("compliant = %v, want %v; failed: %v", r.Compliant, tt.compliant, r.Failed())
			}
			got := byID(r)
			for id, w := range tt.want {
				f, ok := got[id]
				if !ok {
					t.Errorf("%s: no such finding", id)
					continue
				}
				if f.Status != w.status {
					t.Errorf("%s: status %s, want %s (%s)", id, f.Status, w.status, f.Message)
				}
				if !strings.Contains(f.Message, w.message) {
					t.Errorf("%s: message %q, want it to contain %q", id, f.Message, w.message)
				}
				cmd := ""
				if f.Remediation != nil && f.Remediation.Command != nil {
					cmd = *f.Remediation.Command
				}
				if w.command != "-" && cmd != w.command {
					t.Errorf("%s: command %q, want %q", id, cmd, w.command)
				}
			}
			checkInvariants(t, r)
		})
	}
}

// checkInvariants holds for every report.
func checkInvariants(t *testing.T, r Report) {
	t.Helper()
	seen := map[string]bool{}
	n := 0
	for _, f := range r.Findings {
		if seen[f.ID] {
			t.Errorf("finding id %s twice", f.ID)
		}
		seen[f.ID] = true
		ci := checkInfo(f.Check)
		if len(f.Requirements) == 0 || strings.Join(f.Requirements, ",") != strings.Join(ci.Requirements, ",") {
			t.Errorf("%s: requirements %v", f.ID, f.Requirements)
		}
		if f.Evidence == nil || f.Message == "" || f.Title == "" {
			t.Errorf("%s: incomplete %+v", f.ID, f)
		}
		if (f.Status == StatusFail) != (f.Remediation != nil && f.Status == StatusFail) {
			t.Errorf("%s: a failure without a remediation", f.ID)
		}
		if (f.Status == StatusPass || f.Status == StatusNotApplicable || f.Status == StatusNotChecked) && f.Remediation != nil {
			t.Errorf("%s: %s with a remediation", f.ID, f.Status)
		}
		if f.Remediation != nil && f.Remediation.Command != nil && !strings.HasPrefix(*f.Remediation.Command, "ccproxy plan ") {
			t.Errorf("%s: command %q", f.ID, *f.Remediation.Command)
		}
		if f.Status == StatusFail {
			n++
		}
	}
	for _, c := range Checks {
		found := false
		for _, f := range r.Findings {
			found = found || f.Check == c.ID
		}
		if !found {
			t.Errorf("check %s has no finding", c.ID)
		}
	}
	s := r.Summary
	if s.Fail != n || s.Total != len(r.Findings) || s.Pass+s.Fail+s.Warn+s.NotApplicable+s.NotChecked != s.Total || r.Compliant != (n == 0 && len(r.MissingEvidence) == 0) {
		t.Errorf("summary %+v does not add up (%d failed, compliant %v, missing %v)", s, n, r.Compliant, r.MissingEvidence)
	}
	want := VerdictCompliant
	switch {
	case n > 0:
		want = VerdictNotCompliant
	case len(r.MissingEvidence) > 0:
		want = VerdictIncomplete
	}
	if r.Verdict != want || r.Compliant != (r.Verdict == VerdictCompliant) || r.MissingEvidence == nil {
		t.Errorf("verdict %q, compliant %v, missing %v; want %q", r.Verdict, r.Compliant, r.MissingEvidence, want)
	}
	for _, m := range r.MissingEvidence {
		if m.What == "" || m.Supply == "" {
			t.Errorf("missing evidence without words: %+v", m)
		}
	}
	b, err := model.MarshalDocument(r, true)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "S3cret") || strings.Contains(string(b), "svc:") {
		t.Errorf("credentials in the report: %s", b)
	}
}

func TestReportIsStableJSON(t *testing.T) {
	st := machine{native: direct(), wow64: direct(), ie: ie(model.FlagDirect|model.FlagProxy, "p:8080", "", "")}.state(t)
	a, _ := json.Marshal(Evaluate(st, Options{Internal: []string{"a.example"}}))
	b, _ := json.Marshal(Evaluate(st, Options{Internal: []string{"a.example"}}))
	if string(a) != string(b) {
		t.Error("two evaluations of one state differ")
	}
}

// TestVerdict: compliant only when the source shows what the services use (WinHTTP) and
// either the installer's WinINet settings or a check of the route; a failure is notCompliant
// whatever is missing.
func TestVerdict(t *testing.T) {
	ieProxy := ie(model.FlagDirect|model.FlagProxy, "p.corp.example:8080", "<local>", "")
	okCheck := &model.CheckRun{Name: "check.json", StartedAt: now, OK: true}
	okCheck.Counts.Required, okCheck.Counts.RequiredPassed = 1, 1
	okCheck.Routing.Source, okCheck.Routing.Proxy, okCheck.Routing.Bypass = "winhttp", model.Ptr("p.corp.example:8080"), model.Ptr("<local>")
	tests := []struct {
		name    string
		m       machine
		check   *model.CheckRun
		verdict string
		missing []string // a word of each missingEvidence.what, in order
	}{
		{"netsh text alone: WinHTTP only", machine{native: proxied("p.corp.example:8080", "<local>"), noWOW64Key: true, noIE: true}, nil, VerdictIncomplete, []string{"route is right"}},
		{"netsh text and a check of the same route", machine{native: proxied("p.corp.example:8080", "<local>"), noWOW64Key: true, noIE: true}, okCheck, VerdictCompliant, nil},
		{"WinINet alone: WinHTTP unknown", machine{ie: ieProxy, noWOW64Key: true}, nil, VerdictIncomplete, []string{"WinHTTP settings"}},
		{"nothing at all", machine{noIE: true, noWOW64Key: true}, nil, VerdictIncomplete, []string{"WinHTTP settings", "route is right"}},
		{"both stacks, matching", machine{native: proxied("p.corp.example:8080", "<local>"), wow64: proxied("p.corp.example:8080", "<local>"), ie: ieProxy}, nil, VerdictCompliant, nil},
		{"both stacks, the classic failure", machine{native: direct(), wow64: direct(), ie: ieProxy}, nil, VerdictNotCompliant, nil},
		// The Internet Settings key without its Connections key: auto-detect is unknown.
		{"WinINet without the Connections key", machine{native: direct(), wow64: direct()}, nil, VerdictIncomplete, []string{"not its Connections key"}},
		// Another user's settings are that user's, not the installer's.
		{"another user's WinINet", machine{native: direct(), wow64: direct(), ie: ie(model.FlagDirect, "", "", ""), ieHive: "S-1-5-21-1-2-3-1001"}, nil, VerdictIncomplete, []string{"of user S-1-5-21-1-2-3-1001, not those"}},
		{"SYSTEM's WinINet", machine{native: direct(), wow64: direct(), ie: ie(model.FlagDirect, "", "", ""), ieHive: "S-1-5-18"}, nil, VerdictCompliant, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.m.state(t)
			if tt.m.native == nil {
				// The source holds no WinHTTP key at all, as a WinINet-only export.
				st.WinHTTP.Native, st.WinHTTP.WOW64 = model.WinHTTPView{}, model.WinHTTPView{}
			}
			r := Evaluate(st, Options{Check: tt.check})
			if r.Verdict != tt.verdict {
				t.Errorf("verdict %s, want %s; missing %+v, failed %v", r.Verdict, tt.verdict, r.MissingEvidence, r.Failed())
			}
			if len(r.MissingEvidence) != len(tt.missing) {
				t.Fatalf("missing %+v, want %d", r.MissingEvidence, len(tt.missing))
			}
			for i, w := range tt.missing {
				if !strings.Contains(r.MissingEvidence[i].What, w) {
					t.Errorf("missing[%d] %q, want %q in it", i, r.MissingEvidence[i].What, w)
				}
			}
			checkInvariants(t, r)
		})
	}
}

// Reader edge cases: a PAC URL of white space alone is no PAC, and a WinHTTP proxy that
// names only a SOCKS entry is summarised as what the services get for HTTPS: direct, as
// route decides.
func TestReaderEdgeCases(t *testing.T) {
	st := machine{native: direct(), wow64: direct(), ie: ie(model.FlagDirect|model.FlagAutoProxyURL, "", "", "   ")}.state(t)
	if st.WinINet.AutoConfigURL != nil || model.Deref(st.Effective.Installer.Mode) != "direct" {
		t.Errorf("white-space PAC: autoConfigUrl %v, installer mode %v", st.WinINet.AutoConfigURL, model.Deref(st.Effective.Installer.Mode))
	}
	if f := byID(Evaluate(st, Options{}))[CheckInstallerNoAutoProxy]; f.Status != StatusPass {
		t.Errorf("white-space PAC: %s %s", f.Status, f.Message)
	}

	st = machine{native: proxied("socks=s.corp.example:1080", ""), noWOW64Key: true, noIE: true}.state(t)
	if m := model.Deref(st.Effective.Services.Mode); m != "direct" || !strings.Contains(st.Effective.Services.Detail, "https URLs") {
		t.Errorf("SOCKS-only WinHTTP summarised as %q (%s)", m, st.Effective.Services.Detail)
	}
	rd, err := Route(st, "winhttp", ViewNative, []string{"https://citrix.cloud.com"})
	if err != nil || rd.Routes[0].Decision != "direct" {
		t.Errorf("route of SOCKS-only WinHTTP: %+v %v", rd.Routes, err)
	}
}

// A check document completes the verdict only when it is consistent (its ok flag agrees with
// its counts and its endpoints), of this machine, and of the same day as the state.
func TestCheckDocumentEvidence(t *testing.T) {
	m := machine{native: direct(), noWOW64Key: true, noIE: true}
	good := func() *model.CheckRun {
		k := &model.CheckRun{Name: "check.json", StartedAt: now.Add(-time.Hour), OK: true}
		k.Routing.Source = "winhttp"
		k.Counts.Required, k.Counts.RequiredPassed = 2, 2
		k.Endpoints = []model.CheckEndpoint{{Host: "a.cloud.com", Required: true, Status: "pass"}, {Host: "b.cloud.com", Required: true, Status: "pass"}, {Host: "c", Status: "fail"}}
		k.Source.Host = model.Ptr("CC1")
		return k
	}
	tests := []struct {
		name    string
		edit    func(k *model.CheckRun, st *model.State)
		status  string
		verdict string
		message string
	}{
		{"consistent, same host, recent", func(*model.CheckRun, *model.State) {}, StatusPass, VerdictCompliant, "reached all 2"},
		{"same host in another case", func(_ *model.CheckRun, st *model.State) { st.Source.Host = model.Ptr("cc1") }, StatusPass, VerdictCompliant, "reached all 2"},
		{"ok but the counts say none passed", func(k *model.CheckRun, _ *model.State) { k.Counts.RequiredPassed = 0 }, StatusNotChecked, VerdictIncomplete, "inconsistent"},
		{"ok with no required endpoint", func(k *model.CheckRun, _ *model.State) {
			k.Counts.Required, k.Counts.RequiredPassed, k.Endpoints = 0, 0, nil
		}, StatusNotChecked, VerdictIncomplete, "inconsistent"},
		{"counts disagree with the endpoints", func(k *model.CheckRun, _ *model.State) { k.Endpoints[1].Status = "fail" }, StatusNotChecked, VerdictIncomplete, "its endpoints 1 of 2"},
		{"another machine", func(_ *model.CheckRun, st *model.State) { st.Source.Host = model.Ptr("CC2") }, StatusNotChecked, VerdictIncomplete, "another machine"},
		{"older than a day", func(k *model.CheckRun, _ *model.State) { k.StartedAt = now.Add(-25 * time.Hour) }, StatusNotChecked, VerdictIncomplete, "24 hours"},
		{"a day after the state", func(k *model.CheckRun, _ *model.State) { k.StartedAt = now.Add(25 * time.Hour) }, StatusNotChecked, VerdictIncomplete, "24 hours"},
		{"a check of another region", func(k *model.CheckRun, _ *model.State) { k.Region = []byte(`"japan"`) }, StatusNotChecked, VerdictIncomplete, "japan region's endpoints"},
		{"a check of this region", func(k *model.CheckRun, _ *model.State) { k.Region = []byte(`"commercial"`) }, StatusPass, VerdictCompliant, "reached all 2"},
		{"ok over misrouted endpoints", func(k *model.CheckRun, _ *model.State) { k.AllRoutesAsExpected = []byte(`false`) }, StatusNotChecked, VerdictIncomplete, "allRoutesAsExpected is false"},
		{"ok over a detected interception", func(k *model.CheckRun, _ *model.State) { k.Interception = []byte(`{"verdict":"detected"}`) }, StatusNotChecked, VerdictIncomplete, "interception verdict is detected"},
		{"a consistent failing check", func(k *model.CheckRun, _ *model.State) {
			k.OK, k.Endpoints[1].Status, k.Counts.RequiredPassed = false, "fail", 1
		}, StatusFail, VerdictNotCompliant, "1 of 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, k := m.state(t), good()
			tt.edit(k, st)
			r := Evaluate(st, Options{Check: k})
			f := byID(r)[CheckServicesRouteReaches]
			if f.Status != tt.status || !strings.Contains(f.Message, tt.message) {
				t.Errorf("%s %q, want %s with %q", f.Status, f.Message, tt.status, tt.message)
			}
			if r.Verdict != tt.verdict {
				t.Errorf("verdict %s, want %s", r.Verdict, tt.verdict)
			}
			checkInvariants(t, r)
		})
	}
}

// A WinHTTP bypass entry that covers a required Citrix Cloud address sends the services
// direct, past the proxy: winhttpProxyUsable fails and names the entry and the address.
func TestBypassCoversCloud(t *testing.T) {
	japan, err := catalog.Load(catalog.Japan, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		bypass string
		cat    *catalog.Catalog
		status string
		words  []string
	}{
		{"<local>;*.cloud.com", nil, StatusFail, []string{"entry *.cloud.com covers *.cloud.com"}},
		{"<local>;*.com", nil, StatusFail, []string{"entry *.com covers"}},
		{"<local>;customers.cloud.com;*.corp.example", nil, StatusFail, []string{"entry customers.cloud.com covers"}},
		{"<local>;*.cloud.com;customers.cloud.com", nil, StatusFail, []string{"entry *.cloud.com covers", "entry customers.cloud.com covers"}},
		{"<local>;*.corp.example", nil, StatusPass, nil},
		{"<local>;*.cloud.com", &japan, StatusPass, nil},
	}
	for _, tt := range tests {
		t.Run(tt.bypass, func(t *testing.T) {
			p := "p.corp.example:8080"
			st := machine{native: proxied(p, tt.bypass), wow64: proxied(p, tt.bypass), ie: ie(model.FlagDirect|model.FlagProxy, p, "<local>", "")}.state(t)
			r := Evaluate(st, Options{Catalog: tt.cat})
			f := byID(r)[CheckWinHTTPProxyUsable]
			if f.Status != tt.status {
				t.Fatalf("%s %q, want %s", f.Status, f.Message, tt.status)
			}
			for _, w := range tt.words {
				if !strings.Contains(f.Message, w) {
					t.Errorf("message %q lacks %q", f.Message, w)
				}
			}
			if tt.status == StatusFail && (f.Remediation == nil || f.Remediation.Command == nil || strings.Contains(*f.Remediation.Command, "cloud.com")) {
				t.Errorf("remediation %+v keeps the entry", f.Remediation)
			}
			checkInvariants(t, r)
		})
	}
}

// Auto-detect lives in DefaultConnectionSettings alone: without the Connections key it is
// unknown, and installerNoAutoProxy does not claim it is off.
func TestAutoDetectUnknown(t *testing.T) {
	st := machine{native: direct(), wow64: direct()}.state(t)
	if st.WinINet.ConnectionsKnown || st.WinINet.AutoDetect != nil {
		t.Fatalf("state: connectionsKnown %v, autoDetect %v", st.WinINet.ConnectionsKnown, st.WinINet.AutoDetect)
	}
	f := byID(Evaluate(st, Options{}))[CheckInstallerNoAutoProxy]
	if f.Status != StatusNotChecked || !strings.Contains(f.Message, "Connections key") {
		t.Errorf("%s %q", f.Status, f.Message)
	}
}

// A check that proves the services' own direct route reaches everything settles the
// installer's proxy: no import is asked for, which would trade a proven route for an unproven
// one. Without the check, or with a check of another route, the import is still the fix.
func TestDirectProvenByCheck(t *testing.T) {
	ieProxy := ie(model.FlagDirect|model.FlagProxy, "proxy.corp.example:8080", "<local>;*.corp.example", "")
	m := machine{native: direct(), wow64: direct(), ie: ieProxy}
	check := func(proxy *string) *model.CheckRun {
		k := &model.CheckRun{Name: "check.json", StartedAt: now.Add(-time.Hour), OK: true}
		k.Routing.Source, k.Routing.Proxy = "winhttp", proxy
		k.Counts.Required, k.Counts.RequiredPassed = 2, 2
		return k
	}
	for _, c := range []struct {
		name   string
		k      *model.CheckRun
		status string
	}{
		{"direct proven", check(nil), StatusPass},
		{"no check", nil, StatusFail},
		{"a check of a proxy route", check(model.Ptr("proxy.corp.example:8080")), StatusFail},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := Evaluate(m.state(t), Options{Check: c.k, Internal: []string{"www.example.com"}})
			f := byID(r)[CheckInstallerProxyInServices]
			if f.Status != c.status {
				t.Errorf("%s: %s %q", CheckInstallerProxyInServices, f.Status, f.Message)
			}
			in := byID(r)["internalBypassed:www.example.com"]
			if c.status == StatusPass && in.Status != StatusPass {
				t.Errorf("internal resource judged against an import nobody asks for: %s %q", in.Status, in.Message)
			}
			checkInvariants(t, r)
		})
	}
}
