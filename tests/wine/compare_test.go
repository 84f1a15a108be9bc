package wine

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"ccproxy/model"
	"ccproxy/probe/probetest"
)

// checkCompareLive is check --compare on the live registry, run where the connector's
// services exist (TestConnectorServicesFromTheServiceManager creates them; Wine's service
// manager is slow to forget a deleted service, so the tests share one set): the services'
// WinHTTP setting names a proxy that wants authentication, SYSTEM's own Internet Options a
// proxy that works. The Windows build reads both from the registry and the account from the
// service control manager, probes each route over loopback, and names SYSTEM's as the one
// that works.
func checkCompareLive(t *testing.T, b *Bed) {
	b.Reset(t)
	const systemConns = `HKEY_USERS\S-1-5-18\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`
	t.Cleanup(func() {
		_, _, _ = b.Run(t, "reg", "delete", systemConns, "/v", "DefaultConnectionSettings", "/f")
		b.Reset(t)
	})

	ca := probetest.MustCA("ccproxy Test Root CA", "ccproxy Test")
	up, err := probetest.NewTLSUpstream(ca, probetest.UpstreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(up.Close)
	proxy := func(mode probetest.ProxyMode) *probetest.Proxy {
		p, err := probetest.NewProxy(probetest.ProxyOptions{Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		return p
	}
	auth, good := proxy(probetest.AuthRequired), proxy(probetest.Tunnel)

	dir := b.TempDir(t)
	hosts := []string{"trust.citrixworkspacesapi.net", "citrix.cloud.com"}
	cat, _ := json.Marshal(map[string]any{"schema": "ccproxy/catalog@1", "regions": map[string]any{"commercial": []any{map[string]any{
		"pattern": "*.example", "probeHosts": hosts, "ports": []int{up.Port}, "purpose": "test", "source": "compare_test.go",
		"kind": "https", "expectedIssuers": []string{"ccproxy Test"}, "healthPath": nil, "required": true}}}})
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return WinPath(p)
	}
	catalog, roots := write("catalog.json", cat), write("roots.pem", ca.PEM())

	blob := func(c model.ConnBlob) string {
		data, err := c.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return hex.EncodeToString(data)
	}
	// Wine's WinHTTP reads only 0x18 blobs; ccproxy reads both.
	b.MustRun(t, "reg", "add", KeyWinHTTP64, "/v", "WinHttpSettings", "/t", "REG_BINARY", "/d",
		blob(model.ConnBlob{Version: model.WinHTTPVersionOld, Flags: model.FlagDirect | model.FlagProxy, Proxy: auth.Addr, Bypass: "<local>"}), "/f")
	b.MustRun(t, "reg", "add", systemConns, "/v", "DefaultConnectionSettings", "/t", "REG_BINARY", "/d",
		blob(model.ConnBlob{WinINet: true, Version: model.WinINetVersionIE7, Counter: 2, Flags: model.FlagDirect | model.FlagProxy, Proxy: good.Addr, Bypass: "<local>", Trailing: model.NewWinINetTrailing(model.WinINetVersionIE7)}), "/f")

	// Direct connections go to 127.0.0.2, where nothing listens: refused, on loopback.
	args := []string{"check", "--compare", "--compress", "--catalog", catalog, "--ca-file", roots, "--ip-literal", "192.0.2.10:" + strconv.Itoa(up.Port), "--user", "system"}
	for _, h := range hosts {
		args = append(args, "--resolve", h+"=127.0.0.2")
	}
	var doc []byte
	// Wine's service manager does not always list the services sc.exe created at once.
	for try := 0; try < 20; try++ {
		res := ccproxy(t, b, args...)
		if res.code != 1 {
			t.Fatalf("exit %d, want 1 (the services' proxy wants authentication): %s %s", res.code, res.stdout, res.stderr)
		}
		if doc = res.stdout; gjson.GetBytes(doc, `compare.candidates.#(id=="wininet:S-1-5-18")`).Exists() {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	for path, want := range map[string]string{
		"routing.source":  "winhttp",
		"routing.proxy":   auth.Addr,
		"compare.working": `["wininet:S-1-5-18"]`,
		"compare.fix":     "ccproxy plan --proxy " + good.Addr + ` --bypass "<local>"`,
		`compare.routes.#(id=="winhttp").endpoints.0.failure`: "proxyAuthRequired",
		`compare.routes.#(id=="direct").endpoints.0.failure`:  "tcpRefused",
	} {
		if got := gjson.GetBytes(doc, path); got.String() != want && got.Raw != want {
			t.Errorf("%s = %s, want %s", path, got.Raw, want)
		}
	}
	// NETWORK SERVICE runs a service too; its hive holds no connection settings, which is
	// Windows' default, automatic detection: listed, not probed, and why.
	if ns := gjson.GetBytes(doc, `compare.candidates.#(id=="wininet:S-1-5-20")`); ns.Get("known").Bool() || !strings.Contains(ns.Get("reason").String(), "WPAD") {
		t.Errorf("NETWORK SERVICE's candidate under Wine: %s", ns.Raw)
	}
	// Wine has no netsh winhttp: the advanced setting is a candidate not probed, with why.
	if adv := gjson.GetBytes(doc, `compare.candidates.#(id=="advanced")`); adv.Get("known").Bool() || !strings.Contains(adv.Get("reason").String(), "netsh") {
		t.Errorf("advanced candidate under Wine: %s", adv.Raw)
	}
}
