package model

import (
	"strings"
	"testing"
)

// What 'netsh winhttp import proxy source=ie' makes of each WinINet setting: only the
// enabled manual proxy and its bypass list travel; PAC and auto-detect never do (R6).
func TestImportSemantics(t *testing.T) {
	tests := []struct {
		name                    string
		flags                   uint32
		proxy, bypassList, pac  string
		wantDirect              bool
		wantProxy, wantBypass   string
		wantWarnings            []string
		winhttpBefore           *RegValue
		wantNoChangeFromDefault bool
	}{
		{name: "manual proxy", flags: FlagDirect | FlagProxy, proxy: "proxy.corp.example:8080", bypassList: "<local>;*.corp.example;10.*",
			wantProxy: "proxy.corp.example:8080", wantBypass: "<local>;*.corp.example;10.*", wantWarnings: []string{"bypassEntryMayBeIgnored"}},
		{name: "manual proxy, entries WinHTTP honours", flags: FlagDirect | FlagProxy, proxy: "proxy.corp.example:8080", bypassList: "<local>;*.corp.example;10.1.2.3",
			wantProxy: "proxy.corp.example:8080", wantBypass: "<local>;*.corp.example;10.1.2.3"},
		{name: "per-scheme proxy", flags: FlagDirect | FlagProxy, proxy: "ftp=p:3128;http=p:3128;https=p:3128;socks=s:1080", bypassList: "<local>",
			wantProxy: "ftp=p:3128;http=p:3128;https=p:3128;socks=s:1080", wantBypass: "<local>"},
		{name: "per-scheme proxy without https", flags: FlagDirect | FlagProxy, proxy: "http=p:3128;socks=s:1080",
			wantProxy: "http=p:3128;socks=s:1080", wantWarnings: []string{"importNoHttpsProxy"}},
		{name: "manual proxy disabled", flags: FlagDirect, proxy: "proxy.corp.example:8080", bypassList: "<local>",
			wantDirect: true, wantWarnings: []string{"importProxyDisabled"}},
		{name: "PAC only", flags: FlagDirect | FlagAutoProxyURL, pac: "http://wpad.corp.example/proxy.pac",
			wantDirect: true, wantWarnings: []string{"importIgnoresAutoConfig"}},
		{name: "auto-detect only", flags: FlagDirect | FlagAutoDetect,
			wantDirect: true, wantWarnings: []string{"importIgnoresAutoDetect"}},
		{name: "PAC plus manual", flags: FlagDirect | FlagProxy | FlagAutoProxyURL, proxy: "p:8080", bypassList: "<local>", pac: "http://wpad/p.pac",
			wantProxy: "p:8080", wantBypass: "<local>", wantWarnings: []string{"importIgnoresAutoConfig"}},
		{name: "empty bypass", flags: FlagDirect | FlagProxy, proxy: "p:8080",
			wantProxy: "p:8080", wantBypass: ""},
		{name: "<local> only", flags: FlagDirect | FlagProxy, proxy: "p:8080", bypassList: "<local>",
			wantProxy: "p:8080", wantBypass: "<local>"},
		{name: "nothing configured", flags: FlagDirect, wantDirect: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ieUser(t, newFakeReg(), tt.flags, tt.proxy, tt.bypassList, tt.pac)
			// WinHTTP starts on a proxy, so that a direct result shows as a change too.
			before := winhttpBlob(t, 0x28, 3, "old.proxy:1", "old")
			f.set(WinHTTPNativeKey, WinHTTPValue, before).set(WinHTTPWOW64Key, WinHTTPValue, before)
			p := mustPlan(t, f, `{"schema":"ccproxy/desired@1","winhttp":{"mode":"importFromIE"}}`)
			if len(p.Changes) != 2 {
				t.Fatalf("want both views changed, got %+v", p.Changes)
			}
			for _, c := range p.Changes {
				if c.Target.Stack != "winhttp" {
					t.Fatalf("the import writes only WinHTTP, got %+v", c.Target)
				}
				got, err := DecodeWinHTTP(c.after.Data)
				if err != nil {
					t.Fatal(err)
				}
				wantFlags := FlagDirect | FlagProxy
				if tt.wantDirect {
					wantFlags = FlagDirect
				}
				if got.Flags != wantFlags || got.Proxy != tt.wantProxy || got.Bypass != tt.wantBypass || got.Version != 0x28 || got.Counter != 0 {
					t.Errorf("%s: got %+v", *c.Target.View, got)
				}
			}
			var codes []string
			for _, w := range p.Warnings {
				codes = append(codes, w.Code)
			}
			if strings.Join(codes, ",") != strings.Join(tt.wantWarnings, ",") {
				t.Errorf("warnings %v, want %v", codes, tt.wantWarnings)
			}
			for _, w := range p.Warnings {
				if w.Code == "bypassEntryMayBeIgnored" {
					// An imported entry the services may not honour is named, with the rule.
					if !strings.Contains(w.Message, `"10.*"`) || !strings.Contains(w.Message, "left-most") {
						t.Errorf("warning: %s", w.Message)
					}
					continue
				}
				if !strings.Contains(w.Message, "current user") {
					t.Errorf("warning does not say whose settings: %s", w.Message)
				}
			}
		})
	}
}

func TestImportDirectIgnoresEnsureBypass(t *testing.T) {
	f := ieUser(t, newFakeReg(), FlagDirect|FlagAutoProxyURL, "", "", "http://wpad/p.pac")
	p := mustPlan(t, f, `{"schema":"ccproxy/desired@1","winhttp":{"mode":"importFromIE","ensureBypass":"dc01"}}`)
	if !p.Empty {
		t.Errorf("WinHTTP absent is already direct: %+v", p.Changes)
	}
	codes := map[string]bool{}
	for _, w := range p.Warnings {
		codes[w.Code] = true
	}
	if !codes["ensureBypassDirect"] || !codes["importIgnoresAutoConfig"] {
		t.Errorf("warnings: %+v", p.Warnings)
	}
}

func TestImportNeedsWinINet(t *testing.T) {
	// A netsh source knows only WinHTTP.
	st := &State{Source: Source{Kind: "netsh"}, WinINet: WinINetState{Known: false}}
	_, err := MakePlan(PlanInput{Reader: newFakeReg(), State: st, Desired: mustDesired(t, `{"schema":"ccproxy/desired@1","winhttp":{"mode":"importFromIE"}}`), DesiredName: "d.json", Now: testNow})
	if err == nil || !strings.Contains(err.Error(), "holds no WinINet settings") {
		t.Errorf("got %v", err)
	}
}
