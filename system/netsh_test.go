package system

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// The two shapes of the English output, as netsh prints them (blank line first, CRLF).
const (
	netshDirectText = "\r\nCurrent WinHTTP proxy settings:\r\n\r\n    Direct access (no proxy server).\r\n\r\n"
	netshProxyText  = "\r\nCurrent WinHTTP proxy settings:\r\n\r\n    Proxy Server(s) :  proxy.contoso.com:8080\r\n    Bypass List     :  localhost;*.contoso.com\r\n\r\n"
	netshGerman     = "Aktuelle WinHTTP-Proxyeinstellungen:\r\n\r\n    Direkter Zugriff (kein Proxyserver).\r\n"
)

// renderNetsh prints a setting as netsh does.
func renderNetsh(p NetshProxy) string {
	if p.Direct {
		return netshDirectText
	}
	bypass := p.Bypass
	if bypass == "" {
		bypass = "(none)"
	}
	return fmt.Sprintf("\r\nCurrent WinHTTP proxy settings:\r\n\r\n    Proxy Server(s) :  %s\r\n    Bypass List     :  %s\r\n\r\n", p.Proxy, bypass)
}

func TestParseNetsh(t *testing.T) {
	cases := []struct {
		name string
		text string
		want NetshProxy
	}{
		{"direct", netshDirectText, NetshProxy{Direct: true}},
		{"proxy and bypass", netshProxyText, NetshProxy{Proxy: "proxy.contoso.com:8080", Bypass: "localhost;*.contoso.com"}},
		{"no bypass list", "Current WinHTTP proxy settings:\r\n\r\n    Proxy Server(s) :  10.0.0.6:8080\r\n    Bypass List     :  (none)\r\n",
			NetshProxy{Proxy: "10.0.0.6:8080"}},
		{"per-scheme proxy", renderNetsh(NetshProxy{Proxy: "http=p:3128;https=p:3128;socks=p:1080", Bypass: "<local>"}),
			NetshProxy{Proxy: "http=p:3128;https=p:3128;socks=p:1080", Bypass: "<local>"}},
		{"values keep inner blanks", renderNetsh(NetshProxy{Proxy: "a:1 b:2", Bypass: "x  y;<-loopback>"}),
			NetshProxy{Proxy: "a:1 b:2", Bypass: "x  y;<-loopback>"}},
		{"no blank lines, tabs, other case", "current winhttp proxy settings:\n\tproxy server(s):\tp:1\n\tbypass list:\t*.a\n",
			NetshProxy{Proxy: "p:1", Bypass: "*.a"}},
		{"trimmed by a script", "Current WinHTTP proxy settings:\nDirect access (no proxy server)", NetshProxy{Direct: true}},
	}
	for _, c := range cases {
		for _, e := range regEncodings {
			for _, eol := range []string{"\r\n", "\n"} {
				t.Run(fmt.Sprintf("%s/%s/%q", c.name, e.name, eol), func(t *testing.T) {
					got, err := ParseNetsh("netsh.txt", e.enc(strings.ReplaceAll(c.text, "\r\n", eol)))
					if err != nil || got != c.want {
						t.Errorf("ParseNetsh = %+v, %v; want %+v", got, err, c.want)
					}
				})
			}
		}
	}
}

func TestParseNetshBad(t *testing.T) {
	cases := []struct {
		name string
		text string
		line int
		frag string
	}{
		{"empty", "", 0, "empty file; save the output of 'netsh winhttp show proxy'"},
		{"blank lines only", "\r\n  \r\n", 0, "empty file"},
		{"German", netshGerman, 1, `not the English output of 'netsh winhttp show proxy' (found "Aktuelle WinHTTP-Proxyeinstellungen:"); run it under an English display language or pass a .reg export of the WinHttpSettings key`},
		{"German after a blank line", "\r\n" + netshGerman, 2, "not the English output"},
		{"French", "\r\nParamètres actuels du proxy WinHTTP :\r\n\r\n    Accès direct (pas de serveur proxy).\r\n", 2, `(found "Paramètres actuels du proxy WinHTTP :")`},
		{"a .reg file", h5 + "[HKLM\\X]\r\n", 1, "not the English output"},
		{"only the proxy lines", "    Proxy Server(s) :  p:1\r\n    Bypass List     :  (none)\r\n", 1, "not the English output"},
		{"header only", "Current WinHTTP proxy settings:\r\n\r\n", 1, "output ends after the header"},
		{"proxy without bypass", "Current WinHTTP proxy settings:\r\n\r\n    Proxy Server(s) :  p:1\r\n", 3, "output ends after the proxy server"},
		{"unknown line", "Current WinHTTP proxy settings:\r\n    Auto-Detect : yes\r\n", 2, `unexpected line "Auto-Detect : yes": expected "Direct access (no proxy server)."`},
		{"bypass before proxy", "Current WinHTTP proxy settings:\r\n    Bypass List     :  (none)\r\n", 2, "unexpected line"},
		{"unknown line after proxy", "Current WinHTTP proxy settings:\r\n    Proxy Server(s) :  p:1\r\n    Auto-Config Script : x\r\n", 3, `expected "Bypass List`},
		{"empty proxy", "Current WinHTTP proxy settings:\r\n    Proxy Server(s) :  \r\n    Bypass List     :  (none)\r\n", 2, "the proxy server is empty"},
		{"extra line after direct", netshDirectText + "    Proxy Server(s) :  p:1\r\n", 6, "after the proxy settings"},
		{"two outputs", netshProxyText + netshDirectText, 8, "save the output of one 'netsh winhttp show proxy' only"},
		{"credentials are hidden", "Current WinHTTP proxy settings:\r\n    Proxy: http://bob:hunter2@p:1\r\n", 2, `"Proxy: http://***@p:1"`},
	}
	for _, c := range cases {
		for _, e := range regEncodings {
			t.Run(c.name+"/"+e.name, func(t *testing.T) {
				_, err := ParseNetsh("netsh.txt", e.enc(c.text))
				var ie *InputError
				if !errors.As(err, &ie) {
					t.Fatalf("error %v (%T), want *InputError", err, err)
				}
				wantPlace := ""
				if c.line > 0 {
					wantPlace = fmt.Sprintf("line %d", c.line)
				}
				if ie.Input != "netsh.txt" || ie.Place != wantPlace || !strings.Contains(ie.Msg, c.frag) || strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error %q\nwant netsh.txt, %q and %q", err, wantPlace, c.frag)
				}
			})
		}
	}
}

func TestParseNetshExactMessage(t *testing.T) {
	_, err := ParseNetsh("netsh.txt", encUTF16LE(netshGerman))
	const want = `netsh.txt: line 1: not the English output of 'netsh winhttp show proxy' (found "Aktuelle WinHTTP-Proxyeinstellungen:"); run it under an English display language or pass a .reg export of the WinHttpSettings key`
	if err == nil || err.Error() != want {
		t.Errorf("error\n%v\nwant\n%s", err, want)
	}
	_, err = ParseNetsh("netsh.txt", append(encUTF16LE(netshDirectText), 'x'))
	if err == nil || !strings.HasPrefix(err.Error(), "netsh.txt: line 6: file ends in the middle of a UTF-16 character") {
		t.Errorf("truncated UTF-16: %v", err)
	}
}

// FuzzParseNetsh: no input panics, every failure is bad input, and what parses prints back
// (as netsh would) to text that parses to the same setting.
func FuzzParseNetsh(f *testing.F) {
	for _, s := range []string{netshDirectText, netshProxyText, netshGerman, renderNetsh(NetshProxy{Proxy: "http=p:3128;https=p:3128", Bypass: ""}), ""} {
		f.Add([]byte(s))
		f.Add(encUTF16LE(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParseNetsh("n.txt", data)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.Input != "n.txt" {
				t.Fatalf("error %v (%T) is not an InputError naming the input", err, err)
			}
			return
		}
		if got.Direct != (got.Proxy == "") || (got.Direct && got.Bypass != "") {
			t.Fatalf("inconsistent result %+v", got)
		}
		again, err := ParseNetsh("again.txt", []byte(renderNetsh(got)))
		if err != nil || again != got {
			t.Fatalf("%+v prints as text that parses to %+v, %v", got, again, err)
		}
	})
}
