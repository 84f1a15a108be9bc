package system

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
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
		{"German", netshGerman, NetshProxy{Direct: true}},
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

// localized are the outputs of 'netsh winhttp show proxy' in other display languages, with
// the code page cmd.exe's ">" writes them in. The ja-JP, zh-CN and pt-BR lines and the
// fr-FR header and sentence are as real captures show them (see ../shared/realdata for two);
// the other languages' words are Microsoft's usual translations and are not confirmed. The
// parser reads only the structure, which these share with English.
var localized = []struct {
	lang, codePage string
	enc            encoding.Encoding
	text           string
	want           NetshProxy
}{
	{"ja-JP", "CP932", japanese.ShiftJIS, "\r\n現在の WinHTTP プロキシ設定:\r\n\r\n    直接アクセス (プロキシ サーバーなし)。\r\n\r\n", NetshProxy{Direct: true}},
	{"ja-JP", "CP932", japanese.ShiftJIS, "\r\n現在の WinHTTP プロキシ設定:\r\n\r\n    プロキシ サーバー:  1.2.3.4:5678\r\n    バイパス一覧     :  (なし)\r\n\r\n", NetshProxy{Proxy: "1.2.3.4:5678"}},
	{"zh-CN", "CP936", simplifiedchinese.GBK, "\r\n当前的 WinHTTP 代理服务器设置:\r\n\r\n    直接访问(没有代理服务器)。\r\n\r\n", NetshProxy{Direct: true}},
	{"zh-CN", "CP936", simplifiedchinese.GBK, "\r\n当前的 WinHTTP 代理服务器设置:\r\n\r\n    代理服务器:  127.0.0.1:1088\r\n    绕过列表     :  *.corp.example;<local>\r\n\r\n", NetshProxy{Proxy: "127.0.0.1:1088", Bypass: "*.corp.example;<local>"}},
	{"zh-TW", "CP950", traditionalchinese.Big5, "\r\n目前的 WinHTTP Proxy 設定:\r\n\r\n    Proxy 伺服器:  proxy.corp.example:8080\r\n    略過清單     :  (無)\r\n\r\n", NetshProxy{Proxy: "proxy.corp.example:8080"}},
	{"ko-KR", "CP949", korean.EUCKR, "\r\n현재 WinHTTP 프록시 설정:\r\n\r\n    직접 액세스(프록시 서버 없음)\r\n\r\n", NetshProxy{Direct: true}},
	{"ko-KR", "CP949", korean.EUCKR, "\r\n현재 WinHTTP 프록시 설정:\r\n\r\n    프록시 서버:  10.0.0.6:3128\r\n    무시 목록     :  (없음)\r\n\r\n", NetshProxy{Proxy: "10.0.0.6:3128"}},
	{"de-DE", "CP850", charmap.CodePage850, "\r\nAktuelle WinHTTP-Proxyeinstellungen:\r\n\r\n    Direkter Zugriff (kein Proxyserver).\r\n\r\n", NetshProxy{Direct: true}},
	{"de-DE", "CP850", charmap.CodePage850, "\r\nAktuelle WinHTTP-Proxyeinstellungen:\r\n\r\n    Proxyserver:  proxy.corp.example:8080\r\n    Umgehungsliste     :  <local>;*.corp.example\r\n\r\n", NetshProxy{Proxy: "proxy.corp.example:8080", Bypass: "<local>;*.corp.example"}},
	{"fr-FR", "CP850", charmap.CodePage850, "\r\nParamètres de proxy WinHTTP actuels\u00a0:\r\n\r\n    Accès direct (sans serveur proxy).\r\n\r\n", NetshProxy{Direct: true}},
	{"fr-FR", "CP850", charmap.CodePage850, "\r\nParamètres de proxy WinHTTP actuels\u00a0:\r\n\r\n    Serveur(s) proxy\u00a0:  http=p:3128;https=p:3128\r\n    Liste de contournement     \u00a0:  (aucun)\r\n\r\n", NetshProxy{Proxy: "http=p:3128;https=p:3128"}},
	{"es-ES", "CP850", charmap.CodePage850, "\r\nConfiguración actual del proxy WinHTTP:\r\n\r\n    Acceso directo (sin servidor proxy).\r\n\r\n", NetshProxy{Direct: true}},
	{"es-ES", "CP850", charmap.CodePage850, "\r\nConfiguración actual del proxy WinHTTP:\r\n\r\n    Servidor(es) proxy:  p.corp.example:80\r\n    Lista de omisión     :  (ninguno)\r\n\r\n", NetshProxy{Proxy: "p.corp.example:80"}},
	{"ru-RU", "CP866", charmap.CodePage866, "\r\nТекущие параметры прокси WinHTTP:\r\n\r\n    Прямой доступ (без прокси-сервера).\r\n\r\n", NetshProxy{Direct: true}},
	{"ru-RU", "CP866", charmap.CodePage866, "\r\nТекущие параметры прокси WinHTTP:\r\n\r\n    Прокси-сервер:  10.1.1.1:3128\r\n    Список обхода     :  (нет)\r\n\r\n", NetshProxy{Proxy: "10.1.1.1:3128"}},
	{"pt-BR", "CP850", charmap.CodePage850, "\r\nConfigurações do proxy WinHTTP atuais:\r\n\r\n    Acesso direto (nenhum servidor proxy).\r\n\r\n", NetshProxy{Direct: true}},
	{"pt-BR", "CP850", charmap.CodePage850, "\r\nConfigurações do proxy WinHTTP atuais:\r\n\r\n    Servidor(es) Proxy:  http://proxy.corp.example:80\r\n    Ignorar Lista     :  *.corp.example;10.*\r\n\r\n", NetshProxy{Proxy: "http://proxy.corp.example:80", Bypass: "*.corp.example;10.*"}},
}

func TestParseNetshLocalized(t *testing.T) {
	for _, c := range localized {
		oem, err := c.enc.NewEncoder().String(c.text)
		if err != nil {
			t.Fatalf("%s: %v", c.lang, err)
		}
		for _, in := range []struct {
			name string
			data []byte
			enc  string
		}{{c.codePage, []byte(oem), c.codePage}, {"utf16le-bom", encUTF16LE(c.text), ""}, {"utf8", encUTF8(c.text), ""}} {
			t.Run(c.lang+"/"+in.name, func(t *testing.T) {
				got, err := ParseNetsh("netsh.txt", in.data)
				want := c.want
				if err != nil || got.Direct != want.Direct || got.Proxy != want.Proxy || got.Bypass != want.Bypass {
					t.Fatalf("ParseNetsh = %+v, %v; want %+v", got, err, want)
				}
				if isASCII(c.text) {
					in.enc = "" // plain ASCII is valid UTF-8
				}
				if !strings.HasPrefix(got.Encoding, in.enc) || in.enc == "" && got.Encoding != "" {
					t.Errorf("read as %q, want %s", got.Encoding, in.enc)
				}
			})
		}
	}
}

// The captures in ../shared/realdata, in the encodings they reach users in.
func TestParseNetshRealCaptures(t *testing.T) {
	for _, c := range []struct {
		file string
		enc  encoding.Encoding
		want NetshProxy
	}{
		{"netsh-ja-proxy-none_mshr-h-blog.txt", japanese.ShiftJIS, NetshProxy{Proxy: "1.2.3.4:5678"}},
		{"netsh-zh-CN-direct_shenlin9-Temp.txt", simplifiedchinese.GBK, NetshProxy{Direct: true}},
	} {
		data := realCapture(t, c.file)
		oem, err := c.enc.NewEncoder().Bytes(data)
		if err != nil {
			t.Fatal(err)
		}
		for name, in := range map[string][]byte{"utf8": data, "oem": oem, "utf16le": encUTF16LE(string(data))} {
			got, err := ParseNetsh(c.file, in)
			if err != nil || got.Direct != c.want.Direct || got.Proxy != c.want.Proxy || got.Bypass != c.want.Bypass {
				t.Errorf("%s (%s): %+v, %v; want %+v", c.file, name, got, err, c.want)
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
		{"a .reg file inside a script", "# set the proxy\r\n" + h5 + "[HKLM\\X]\r\n", 1, "this is a script or document with a .reg export inside it"},
		{"reg query output", "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections\r\n    WinHttpSettings    REG_BINARY    1800000000000000010000000000000000000000\r\n", 2, "this is the output of 'reg query'; hint: pass a .reg export (reg export"},
		{"reg add line", `reg add "HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections" /v WinHttpSettings /t REG_BINARY /d 18000000`, 1, "this is a 'reg add' command line"},
		{"a netsh command", "netsh winhttp set proxy p:8080\r\n", 1, "a netsh command line rather than its output"},
		{"something else", "hello\r\n", 1, `"hello": this is no format ccproxy reads`},
		{"only the proxy lines", "    Proxy Server(s) :  p:1\r\n    Bypass List     :  (none)\r\n", 1, "this is no format ccproxy reads"},
		{"a WinHTTP line without its colon", "Current WinHTTP proxy settings\r\n    Direct access (no proxy server).\r\n", 1, "looks like netsh text but not the header"},
		{"header only", "Current WinHTTP proxy settings:\r\n\r\n", 1, "the output ends after its header"},
		{"proxy without bypass", "Current WinHTTP proxy settings:\r\n\r\n    Proxy Server(s) :  p:1\r\n", 3, "the output ends after the proxy line"},
		{"bypass line without a colon", "Current WinHTTP proxy settings:\r\n    Proxy Server(s) :  p:1\r\n    Auto-Config Script\r\n", 3, "does not have the shape of the bypass line"},
		{"no label", "Current WinHTTP proxy settings:\r\n    :  p:1\r\n    Bypass List     :  (none)\r\n", 2, "has no label before its colon"},
		{"empty proxy", "Current WinHTTP proxy settings:\r\n    Proxy Server(s) :  \r\n    Bypass List     :  (none)\r\n", 2, "the proxy server is empty"},
		{"none as the proxy", "Current WinHTTP proxy settings:\r\n    Bypass List     :  (none)\r\n", 2, "the proxy server is empty"},
		{"extra line after direct", netshDirectText + "    Proxy Server(s) :  p:1\r\n", 6, "after the direct-access sentence"},
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
	_, err := ParseNetsh("netsh.txt", encUTF16LE("Windows IP Configuration\r\n"))
	const want = `netsh.txt: line 1: "Windows IP Configuration": this is no format ccproxy reads; hint: pass a .reg export (reg export "HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections" winhttp.reg), a state written by 'ccproxy get', or the output of 'netsh winhttp show proxy' or 'netsh winhttp show advproxy'`
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
		again.Encoding = got.Encoding
		if err != nil || again != got {
			t.Fatalf("%+v prints as text that parses to %+v, %v", got, again, err)
		}
	})
}

func isASCII(s string) bool {
	for _, r := range s {
		if r >= 0x80 {
			return false
		}
	}
	return true
}
