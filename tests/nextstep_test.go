package tests

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"ccproxy/model"
	"ccproxy/system"
)

// ieVariant is the installer's machine of ie-proxy-winhttp-direct.reg (WinHTTP direct) with
// other manual settings in its DefaultConnectionSettings blob.
type ieVariant struct {
	name, proxy, bypass string
	internal            []string // --internal flags of the run, nil for random ones
	winhttpBypass       string   // WinHTTP set to the same proxy with this list; "": direct
}

func (v ieVariant) machine(t *testing.T) *system.MemStore {
	t.Helper()
	st := planLive(t, "ie-proxy-winhttp-direct.reg")
	key := `HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Internet Settings`
	for _, name := range []string{"DefaultConnectionSettings", "SavedLegacySettings"} {
		val, err := st.ReadValue(key+`\Connections`, name)
		if err != nil || val == nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := model.DecodeWinINet(val.Data)
		if err != nil {
			t.Fatal(err)
		}
		b.Proxy, b.Bypass = v.proxy, v.bypass
		data, err := b.Encode()
		if err != nil {
			t.Fatal(err)
		}
		_ = st.SetValue(key+`\Connections`, name, system.Value{Type: val.Type, Data: data})
	}
	if v.winhttpBypass != "" {
		blob := &model.ConnBlob{Version: model.WinHTTPVersionNew, Flags: model.FlagDirect | model.FlagProxy, Proxy: v.proxy, Bypass: v.winhttpBypass}
		data, err := blob.Encode()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{model.WinHTTPNativeKey, model.WinHTTPWOW64Key} {
			_ = st.SetValue(k, model.WinHTTPValue, system.Value{Type: model.RegBinary, Data: data})
		}
	}
	_ = st.SetValue(key, "ProxyServer", model.EncodeRegString(v.proxy))
	_ = st.SetValue(key, "ProxyOverride", model.EncodeRegString(v.bypass))
	return st
}

// One next step (property): on every example machine and generated sets of internal hosts,
// the fix test offers first, applied to the in-memory registry, leaves no finding that a
// plan could fix when test runs again with the same flags: one plan, one apply, one restart.
func TestOneNextStepFixesEverythingAPlanCan(t *testing.T) {
	examples := []string{"ie-proxy-winhttp-direct.reg", "winhttp-views-disagree.reg", "ie-winhttp-matching.reg", "per-scheme-proxy.reg", "nothing-configured.reg"}
	pool := []string{"dc01.corp.example", "dc02.corp.example", "www.example.com", "10.9.9.9", "fileserver", "[fd00::5]", "cc02.corp.example", "10.0.20.15", "vda7.lab.example"}
	// Installers whose settings an import would copy into a failing WinHTTP setting: a
	// bypass entry that covers Citrix Cloud (R1), and a proxy string written per scheme.
	variants := []ieVariant{
		{"ie bypasses *.cloud.com", "proxy.corp.example:8080", "<local>;*.cloud.com;*.corp.example", nil, ""},
		{"ie bypasses a Citrix host", "proxy.corp.example:8080", "<local>;customers.cloud.com", nil, ""},
		{"ie per-scheme", "http=proxy.corp.example:8080;https=proxy.corp.example:8080", "<local>;*.corp.example", nil, ""},
		// An internal resource that only the dropped entry covered is named on its own.
		{"ie bypasses *.windows.net, an internal host under it", "proxy.corp.example:8080", "<local>;*.windows.net", []string{"--internal", "sql01.database.windows.net"}, ""},
		{"winhttp bypasses *.windows.net, an internal host under it", "proxy.corp.example:8080", "<local>;*.windows.net", []string{"--internal", "sql01.database.windows.net"}, "<local>;*.windows.net"},
	}
	rng := rand.New(rand.NewSource(24))
	for i := 0; i < 24+len(variants); i++ {
		ex := examples[i%len(examples)]
		var flags []string
		for n := rng.Intn(4); n >= 0; n-- {
			flags = append(flags, "--internal", pool[rng.Intn(len(pool))])
		}
		m := newPlanMachine(t, planLive(t, ex))
		if i < len(variants) {
			m = newPlanMachine(t, variants[i].machine(t))
			ex = variants[i].name
			if variants[i].internal != nil {
				flags = variants[i].internal
			}
		}
		before := m.planRun(t, nil, append([]string{"test", "--compress"}, flags...)...)
		fix := ""
		for _, status := range []string{"fail", "warn"} {
			for _, f := range gjson.GetBytes(before.stdout, "findings").Array() {
				if c := f.Get("remediation.command").String(); fix == "" && f.Get("status").String() == status && c != "" {
					fix = c
				}
			}
		}
		if fix == "" {
			continue
		}
		args := splitCommand(t, fix)
		if len(args) < 2 || args[0] != "ccproxy" || args[1] != "plan" {
			t.Fatalf("fix %q is not a plan", fix)
		}
		p := applyPlanFile(t, m, args[2:]...)
		if a := m.planRun(t, nil, "apply", p); a.code != 0 {
			t.Fatalf("%s %v: apply %s: exit %d: %s", ex, flags, fix, a.code, a.stderr)
		}
		after := m.planRun(t, nil, append([]string{"test", "--compress"}, flags...)...)
		for _, f := range gjson.GetBytes(after.stdout, "findings").Array() {
			if s := f.Get("status").String(); (s == "fail" || s == "warn") && f.Get("remediation.command").String() != "" {
				t.Errorf("%s %v: after %s, %s is %s and offers %s", ex, flags, fix, f.Get("id"), s, f.Get("remediation.command"))
			}
		}
	}
}

// splitCommand splits a command line as ccproxy writes it (model.ShellArg): words separated
// by spaces, a word with special characters in double quotes.
func splitCommand(t *testing.T, s string) []string {
	t.Helper()
	var out []string
	var cur strings.Builder
	quoted, any := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, any = !quoted, true
		case r == ' ' && !quoted:
			if any {
				out = append(out, cur.String())
			}
			cur.Reset()
			any = false
		default:
			cur.WriteRune(r)
			any = true
		}
	}
	if quoted {
		t.Fatalf("unbalanced quotes in %q", s)
	}
	if any {
		out = append(out, cur.String())
	}
	return out
}
