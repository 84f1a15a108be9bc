package model

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf16"
)

// utf16LE encodes text as Windows PowerShell 5.1's Out-File writes it: BOM, UTF-16LE.
func utf16LE(s string) []byte {
	out := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

// ps51 is ConvertTo-Json's 5.1 layout: 4-space indentation from where the value starts,
// two spaces after the colon, <>&' escaped, CRLF.
const ps51 = "{\r\n" +
	"    \"schema\":  \"ccproxy/desired@1\",\r\n" +
	"    \"winhttp\":  {\r\n" +
	"                    \"mode\":  \"importFromIE\",\r\n" +
	"                    \"ensureBypass\":  [\r\n" +
	"                                         \"\\u003clocal\\u003e\",\r\n" +
	"                                         \"dc01.corp.example\"\r\n" +
	"                                     ]\r\n" +
	"                },\r\n" +
	"    \"wininet\":  {\r\n" +
	"                    \"autoConfigUrl\":  \"http://wpad.corp.example/proxy.pac?site=o\\u0027hare\\u0026x=1\",\r\n" +
	"                    \"autoDetect\":  false\r\n" +
	"                }\r\n" +
	"}\r\n"

func TestParseDesiredPowerShellShapes(t *testing.T) {
	tests := []struct {
		name  string
		data  []byte
		check func(t *testing.T, d *Desired)
	}{
		{"5.1 Out-File", utf16LE(ps51), func(t *testing.T, d *Desired) {
			if d.WinHTTP.Mode != ModeImportFromIE || strings.Join(d.WinHTTP.EnsureBypass, ";") != "<local>;dc01.corp.example" {
				t.Errorf("winhttp: %+v", d.WinHTTP)
			}
			if d.WinINet.AutoConfigURL == nil || *d.WinINet.AutoConfigURL != "http://wpad.corp.example/proxy.pac?site=o'hare&x=1" {
				t.Errorf("autoConfigUrl: %v", d.WinINet.AutoConfigURL)
			}
			if d.WinINet.AutoDetect == nil || *d.WinINet.AutoDetect {
				t.Errorf("autoDetect: %v", d.WinINet.AutoDetect)
			}
		}},
		{"7 Out-File", []byte("{\n  \"schema\": \"ccproxy/desired@1\",\n  \"winhttp\": {\n    \"proxy\": \"proxy.corp.example:8080\",\n    \"bypass\": [\n      \"<local>\",\n      \"*.corp.example\"\n    ],\n    \"views\": [\n      \"native\",\n      \"wow64\"\n    ]\n  }\n}\n"), func(t *testing.T, d *Desired) {
			if d.WinHTTP.Proxy.Raw != "proxy.corp.example:8080" || strings.Join(d.WinHTTP.Bypass, ";") != "<local>;*.corp.example" || len(d.WinHTTP.Views) != 2 {
				t.Errorf("winhttp: %+v", d.WinHTTP)
			}
		}},
		{"one-element list collapsed to a string", []byte(`{"schema":"ccproxy/desired@1","winhttp":{"mode":"proxy","proxy":"p:1","bypass":"<local>","views":"wow64"}}`), func(t *testing.T, d *Desired) {
			if len(d.WinHTTP.Bypass) != 1 || d.WinHTTP.Bypass[0] != "<local>" || len(d.WinHTTP.Views) != 1 || d.WinHTTP.Views[0] != ViewWOW64 {
				t.Errorf("winhttp: %+v", d.WinHTTP)
			}
		}},
		{"PascalCase keys and values", []byte(`{"Schema":"ccproxy/desired@1","WinHttp":{"Mode":"ImportFromIe","EnsureBypass":"dc01.corp.example; 10.*"},"WinINet":{"User":"S-1-5-18","ManualProxy":false}}`), func(t *testing.T, d *Desired) {
			if d.WinHTTP.Mode != ModeImportFromIE || strings.Join(d.WinHTTP.EnsureBypass, ",") != "dc01.corp.example,10.*" {
				t.Errorf("winhttp: %+v", d.WinHTTP)
			}
			if d.WinINet.User != "S-1-5-18" || d.WinINet.ManualProxy == nil || *d.WinINet.ManualProxy {
				t.Errorf("wininet: %+v", d.WinINet)
			}
		}},
		{"5.1 list wrapper", []byte(`{"schema":"ccproxy/desired@1","winhttp":{"proxy":"p:1","bypass":{"value":["a","b"],"Count":2}}}`), func(t *testing.T, d *Desired) {
			if strings.Join(d.WinHTTP.Bypass, ";") != "a;b" {
				t.Errorf("bypass: %v", d.WinHTTP.Bypass)
			}
		}},
		{"UTF-8 BOM", append([]byte{0xEF, 0xBB, 0xBF}, `{"schema":"ccproxy/desired@1","winhttp":{"mode":"direct"}}`...), func(t *testing.T, d *Desired) {
			if d.WinHTTP.Mode != ModeDirect {
				t.Errorf("mode %q", d.WinHTTP.Mode)
			}
		}},
		{"proxy per scheme, any case", []byte(`{"schema":"ccproxy/desired@1","winhttp":{"proxy":{"HTTPS":"p:3128","Http":"p:3128","socks":"s:1080"}}}`), func(t *testing.T, d *Desired) {
			if d.WinHTTP.Proxy.Raw != "http=p:3128;https=p:3128;socks=s:1080" || !d.WinHTTP.Proxy.PerScheme {
				t.Errorf("proxy: %+v", d.WinHTTP.Proxy)
			}
		}},
		{"proxy as Get-Content string wrapper", []byte(`{"schema":"ccproxy/desired@1","winhttp":{"proxy":{"value":"p:8080","PSPath":"C:\\p.txt","ReadCount":1}}}`), func(t *testing.T, d *Desired) {
			if d.WinHTTP.Proxy.Raw != "p:8080" {
				t.Errorf("proxy: %+v", d.WinHTTP.Proxy)
			}
		}},
		{"bypass null empties the list", []byte(`{"schema":"ccproxy/desired@1","winhttp":{"proxy":"p:1","bypass":null},"wininet":{"autoConfigUrl":null}}`), func(t *testing.T, d *Desired) {
			if d.WinHTTP.Bypass == nil || len(d.WinHTTP.Bypass) != 0 || !d.WinINet.RemoveAutoConfigURL {
				t.Errorf("%+v %+v", d.WinHTTP, d.WinINet)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _, err := ParseDesired("desired.json", tt.data)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, d)
		})
	}
}

func TestParseDesiredErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"cut at depth 2", `{"schema":"ccproxy/desired@1","winhttp":{"mode":"proxy","proxy":"System.Collections.Hashtable"}}`, []string{"desired.json: $.winhttp.proxy:", "-Depth"}},
		{"cut custom object", `{"schema":"ccproxy/desired@1","winhttp":{"proxy":"@{http=p:1; https=p:1}"}}`, []string{"$.winhttp.proxy", "-Depth"}},
		{"cut at the top", `{"schema":"ccproxy/desired@1","winhttp":"System.Collections.Hashtable"}`, []string{"$.winhttp", "-Depth"}},
		{"did you mean", `{"schema":"ccproxy/desired@1","winhttp":{"proxyServer":"p:1"}}`, []string{"$.winhttp", `did you mean "proxy"`}},
		{"did you mean inside a proxy object", `{"schema":"ccproxy/desired@1","winhttp":{"proxy":{"htps":"p:1"}}}`, []string{"$.winhttp.proxy", `did you mean "https"`}},
		{"unknown mode", `{"schema":"ccproxy/desired@1","winhttp":{"mode":"importFromIe2"}}`, []string{"$.winhttp.mode"}},
		{"other document", `{"schema":"ccproxy/state@1","source":{"kind":"regFile"},"winhttp":{"native":{"known":true}}}`, []string{"$.schema", "expected \"ccproxy/desired@1\""}},
		{"newer major", `{"schema":"ccproxy/desired@2","winhttp":{"mode":"direct"}}`, []string{"upgrade ccproxy"}},
		{"newer major with a new key", `{"schema":"ccproxy/desired@2","winhttp":{"mode":"direct"},"winhttpTimeouts":{}}`, []string{"upgrade ccproxy"}},
		{"nothing asked", `{"schema":"ccproxy/desired@1"}`, []string{"asks for nothing"}},
		{"direct with proxy", `{"schema":"ccproxy/desired@1","winhttp":{"mode":"direct","proxy":"p:1"}}`, []string{"takes no proxy"}},
		{"import with bypass", `{"schema":"ccproxy/desired@1","winhttp":{"mode":"importFromIE","bypass":"x"}}`, []string{"copies the proxy"}},
		{"credentials", `{"schema":"ccproxy/desired@1","winhttp":{"proxy":"http://bob:hunter2@p:8080"}}`, []string{"$.winhttp.proxy", "holds credentials", "unauthenticated"}},
		{"credentials per scheme", `{"schema":"ccproxy/desired@1","wininet":{"proxy":{"https":"bob:hunter2@p:8080"}}}`, []string{"$.wininet.proxy", "holds credentials"}},
		{"credentials in the PAC URL", `{"schema":"ccproxy/desired@1","wininet":{"autoConfigUrl":"http://bob:hunter2@wpad/p.pac"}}`, []string{"holds credentials"}},
		{"bad port", `{"schema":"ccproxy/desired@1","winhttp":{"proxy":"p:99999"}}`, []string{"$.winhttp.proxy", "1 to 65535"}},
		{"bad bypass entry", `{"schema":"ccproxy/desired@1","winhttp":{"proxy":"p:1","bypass":["<intranet>"]}}`, []string{"$.winhttp.bypass[0]"}},
		{"non-ASCII", `{"schema":"ccproxy/desired@1","winhttp":{"proxy":"pröxy:1"}}`, []string{"ASCII"}},
		{"bad SID", `{"schema":"ccproxy/desired@1","wininet":{"user":"bob","autoDetect":true}}`, []string{"$.wininet.user", "S-1-5-18"}},
		{"views given twice", `{"schema":"ccproxy/desired@1","winhttp":{"mode":"direct","views":["native","native"]}}`, []string{"$.winhttp.views[1]"}},
		{"null proxy", `{"schema":"ccproxy/desired@1","winhttp":{"proxy":null}}`, []string{"$.winhttp.proxy", "mode"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseDesired("desired.json", []byte(tt.doc))
			if err == nil {
				t.Fatal("accepted")
			}
			if ec, ok := err.(interface{ ExitCode() int }); !ok || ec.ExitCode() != 2 {
				t.Errorf("exit code is not 2: %T", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "\n") {
				t.Errorf("message echoes a secret or spans lines: %q", err)
			}
		})
	}
}

func TestMergeBypass(t *testing.T) {
	tests := []struct {
		base   string
		ensure []string
		want   string
	}{
		{"", []string{"a"}, "a"},
		{"<local>; *.corp", []string{"*.CORP"}, "<local>; *.corp"},
		{"<local>", []string{"dc01", "dc01", "10.*"}, "<local>;dc01;10.*"},
		{"a b", []string{"c"}, "a;b;c"},
		{"x", nil, "x"},
	}
	for _, tt := range tests {
		if got := MergeBypass(tt.base, tt.ensure); got != tt.want {
			t.Errorf("MergeBypass(%q, %v) = %q, want %q", tt.base, tt.ensure, got, tt.want)
		}
	}
}

func FuzzParseDesired(f *testing.F) {
	f.Add([]byte(ps51))
	f.Add(utf16LE(ps51))
	f.Add([]byte(`{"schema":"ccproxy/desired@1","winhttp":{"proxy":{"http":"p:1","https":"p:1"},"bypass":"<local>;*.corp"}}`))
	f.Add([]byte(`{"Schema":"ccproxy/desired@1","WinINet":{"autoConfigUrl":null,"ManualProxy":true,"Proxy":"p:1"}}`))
	f.Add([]byte(`{"schema":"ccproxy/desired@1","winhttp":{"proxy":"System.Collections.Hashtable"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, _, err := ParseDesired("fuzz.json", data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		if err := d.Check("again"); err != nil {
			t.Fatalf("parsed document fails its own check: %v", err)
		}
		for _, p := range []*DesiredProxy{winhttpProxy(d), wininetProxy(d)} {
			if p != nil && bytes.ContainsRune([]byte(p.Raw), '@') {
				t.Fatalf("accepted credentials")
			}
		}
		// A parsed document always plans (or refuses with an input error) against an empty registry.
		if _, err := MakePlan(PlanInput{Reader: newFakeReg(), State: readFake(t, newFakeReg()), Desired: d, Now: testNow}); err != nil {
			if _, ok := err.(*InputError); !ok {
				t.Fatalf("plan failed with %T: %v", err, err)
			}
		}
	})
}

func winhttpProxy(d *Desired) *DesiredProxy {
	if d.WinHTTP == nil {
		return nil
	}
	return d.WinHTTP.Proxy
}

func wininetProxy(d *Desired) *DesiredProxy {
	if d.WinINet == nil {
		return nil
	}
	return d.WinINet.Proxy
}

// ConvertTo-Json of a hashtable written on the spot has no "schema": it is still a desired state.
func TestParseDesiredWithoutSchema(t *testing.T) {
	d, _, err := ParseDesired("desired.json", []byte(`{"WinHttp":{"Mode":"proxy","Proxy":"p:8080","Bypass":"<local>;*.corp"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if d.WinHTTP == nil || d.WinHTTP.Mode != "proxy" {
		t.Fatalf("got %+v", d.WinHTTP)
	}
}
