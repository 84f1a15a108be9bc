package system

import (
	"context"
	"errors"
	"strings"
	"testing"

	"ccproxy/model"
)

// realCaptureName stands in a table for the real capture, read inside its subtest.
const realCaptureName = "\x00real capture"

func TestParseAdvanced(t *testing.T) {
	tb, fb := model.Ptr(true), model.Ptr(false)
	s := model.Ptr[string]
	cases := []struct {
		name string
		text string
		want model.AdvancedSettings
	}{
		{"the JSON netsh echoes (Microsoft's netsh reference)", realCaptureName, model.AdvancedSettings{Source: "settingsFile", ProxyIsEnabled: tb,
			Proxy: s("http=http-proxy.com:8080;https=https-proxy.com:8081;ftp=ftp-proxy.com:8082;socks=socks-proxy.com:8083"), AutoConfigIsEnabled: fb, AutoDetect: tb, PerUserProxySettings: tb}},
		{"show advproxy, tab-indented as Server 2022 prints it", "\r\nCurrent WinHTTP advanced proxy settings:\r\n\r\n{\r\n\t\"Proxy\":\t\t\"localhost:8080\",\r\n\t\"ProxyBypass\":\t\t\"<local>\"\r\n}\r\n",
			model.AdvancedSettings{Source: "netshShowAdvproxy", Proxy: s("localhost:8080"), ProxyBypass: s("<local>")}},
		{"show advproxy, empty configuration", "Current WinHTTP advanced proxy settings:\r\n\r\n{\r\n}\r\n", model.AdvancedSettings{Source: "netshShowAdvproxy"}},
		{"show advproxy, keys in another case", "Current WinHTTP advanced proxy settings:\r\n{ \"proxyisenabled\": false, \"AutoConfigUrl\": \"http://wpad/p.pac\", \"AutoConfigIsEnabled\": true }\r\n",
			model.AdvancedSettings{Source: "netshShowAdvproxy", ProxyIsEnabled: fb, AutoconfigURL: s("http://wpad/p.pac"), AutoConfigIsEnabled: tb}},
		{"a localized header", "現在の WinHTTP 詳細プロキシ設定:\r\n\r\n{\r\n  \"Proxy\": \"p:1\"\r\n}\r\n", model.AdvancedSettings{Source: "netshShowAdvproxy", Proxy: s("p:1")}},
		{"set advproxy settings-file", `{"Proxy":"contoso-proxy.com:3128","ProxyBypass":"","AutoconfigUrl":"","AutoDetect":true}`,
			model.AdvancedSettings{Source: "settingsFile", Proxy: s("contoso-proxy.com:3128"), ProxyBypass: s(""), AutoconfigURL: s(""), AutoDetect: tb}},
		{"Get-WinhttpProxy -Advanced", "Current WinHTTP advanced proxy settings:\r\n\r\nProxy: http=http://10.0.43.4:8080;https=http://localhost:40343\r\nProxyBypass: localhost;127.0.0.1\r\nAutoDetect: False\r\n",
			model.AdvancedSettings{Source: "getWinhttpProxy", Proxy: s("http=http://10.0.43.4:8080;https=http://localhost:40343"), ProxyBypass: s("localhost;127.0.0.1"), AutoDetect: fb}},
	}
	for _, c := range cases {
		for _, e := range regEncodings {
			t.Run(c.name+"/"+e.name, func(t *testing.T) {
				text := c.text
				if text == realCaptureName {
					text = string(realCapture(t, "advproxy-json_ms-docs-netsh-exe-commands.txt"))
				}
				got, _, err := ParseAdvanced("adv.txt", e.enc(text))
				if err != nil {
					t.Fatal(err)
				}
				if a, b := advText(*got), advText(c.want); a != b {
					t.Errorf("got  %s\nwant %s", a, b)
				}
			})
		}
	}
}

func advText(a model.AdvancedSettings) string {
	b := func(p *bool) string {
		if p == nil {
			return "-"
		}
		if *p {
			return "T"
		}
		return "F"
	}
	s := func(p *string) string {
		if p == nil {
			return "-"
		}
		return "'" + *p + "'"
	}
	return strings.Join([]string{a.Source, b(a.ProxyIsEnabled), s(a.Proxy), s(a.ProxyBypass), b(a.AutoConfigIsEnabled), s(a.AutoconfigURL), b(a.AutoDetect), b(a.PerUserProxySettings), s(a.ConnectionName)}, " ")
}

func TestParseAdvancedBad(t *testing.T) {
	for _, c := range []struct{ name, text, frag string }{
		{"unknown key", `{"Proxy":"p:1","ProxyByPass2":"x"}`, `unknown key "ProxyByPass2"`},
		{"wrong type", `{"AutoDetect":"yes"}`, "$.AutoDetect"},
		{"cut after the header", "Current WinHTTP advanced proxy settings:\r\n\r\n", "the file looks cut"},
		{"broken JSON", "Current WinHTTP advanced proxy settings:\r\n{\r\n \"Proxy\": \"p:1\",\r\n", "adv.txt"},
		{"module text with a bad AutoDetect", "Current WinHTTP advanced proxy settings:\r\nProxy: p:1\r\nAutoDetect: maybe\r\n", `AutoDetect is "maybe"`},
		{"module text with another line", "Current WinHTTP advanced proxy settings:\r\nProxy: p:1\r\nAutoDetect: True\r\nColour: blue\r\n", "unexpected line \"Colour: blue\""},
		{"credentials hidden", `{"Proxy":"http://bob:hunter2@p:1","Extra":1}`, `unknown key "Extra"`},
	} {
		_, _, err := ParseAdvanced("adv.txt", []byte(c.text))
		var ie interface{ ExitCode() int }
		if err == nil || !errors.As(err, &ie) || ie.ExitCode() != 2 || !strings.Contains(err.Error(), c.frag) || !strings.HasPrefix(err.Error(), "adv.txt") || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: error %v, want exit 2 saying %q", c.name, err, c.frag)
		}
	}
}

// The live reader runs netsh; here a fake stands in for it (Wine has no 'netsh winhttp').
func TestReadLiveAdvanced(t *testing.T) {
	out := "\r\nCurrent WinHTTP advanced proxy settings:\r\n\r\n{\r\n\t\"ProxyIsEnabled\":\ttrue,\r\n\t\"Proxy\":\t\"p:8080\",\r\n\t\"PerUserProxySettings\":\tfalse\r\n}\r\n"
	a, reason := ReadLiveAdvanced(func(context.Context) ([]byte, error) { return []byte(out), nil })
	if a == nil || reason != "" || a.Source != "netshShowAdvproxy" || *a.Proxy != "p:8080" || *a.PerUserProxySettings {
		t.Errorf("got %+v, %q", a, reason)
	}
	for _, c := range []struct {
		run  AdvancedRunner
		frag string
	}{
		{func(context.Context) ([]byte, error) {
			return nil, errors.New("exit status 1: The following command was not found: winhttp show advproxy.")
		}, "failed (exit status 1"},
		{func(context.Context) ([]byte, error) {
			return []byte("Current WinHTTP advanced proxy settings:\r\n"), nil
		}, "could not be read"},
		{func(context.Context) ([]byte, error) { return nil, errors.New("proxy http://u:secret@p:1") }, "***@p:1"},
	} {
		a, reason := ReadLiveAdvanced(c.run)
		if a != nil || !strings.Contains(reason, c.frag) || strings.Contains(reason, "secret") {
			t.Errorf("got %+v, %q; want a reason saying %q", a, reason, c.frag)
		}
	}
}
