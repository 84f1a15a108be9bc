package model

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
)

// A blob whose secret sits in any one of its strings (the proxy, the bypass list, the PAC
// URL) shows a hex encoded again from the redacted strings, which still decodes, and says so.
func TestBlobDocRedactsEveryString(t *testing.T) {
	const secret = `P@ss;w0rd,'=`
	for name, c := range map[string]ConnBlob{
		"proxy":  {WinINet: true, Version: WinINetVersionIE7, Flags: FlagProxy, Proxy: "http=u:" + strings.ReplaceAll(secret, ";", "") + "@p:1", Trailing: NewWinINetTrailing(WinINetVersionIE7)},
		"bypass": {Version: WinHTTPVersionNew, Flags: FlagProxy, Proxy: "p:1", Bypass: "<local>;u:" + strings.ReplaceAll(secret, ";", "") + "@h"},
		"pac":    {WinINet: true, Version: WinINetVersionIE6, Flags: FlagAutoProxyURL, AutoConfigURL: "http://u:" + secret + "@wpad/p.pac", Trailing: NewWinINetTrailing(WinINetVersionIE6)},
	} {
		raw, err := c.Encode()
		if err != nil {
			t.Fatal(err)
		}
		d := blobDoc("v", &c, raw)
		if !d.Redacted {
			t.Errorf("%s: not marked redacted", name)
		}
		b, err := hex.DecodeString(d.Hex)
		if err != nil {
			t.Fatalf("%s: hex %q: %v", name, d.Hex, err)
		}
		decode := DecodeWinHTTP
		if c.WinINet {
			decode = DecodeWinINet
		}
		back, err := decode(b)
		if err != nil {
			t.Fatalf("%s: the redacted hex does not decode: %v", name, err)
		}
		for _, s := range []string{back.Proxy, back.Bypass, back.AutoConfigURL, string(b), Deref(d.Proxy), Deref(d.Bypass), Deref(d.AutoConfigURL)} {
			if strings.Contains(s, "w0rd") {
				t.Errorf("%s: shows the password: %q", name, s)
			}
		}
		if back.Proxy+back.Bypass+back.AutoConfigURL == "" || !strings.Contains(back.Proxy+back.Bypass+back.AutoConfigURL, "***@") {
			t.Errorf("%s: decoded strings %q %q %q", name, back.Proxy, back.Bypass, back.AutoConfigURL)
		}
	}
}

// A blob's one-line text keeps what surrounds a secret: the scheme= of its entry and the
// other entries of its list.
func TestBlobTextRedactsBySlot(t *testing.T) {
	c := &ConnBlob{Version: WinHTTPVersionNew, Flags: FlagDirect | FlagProxy, Proxy: "http=u:pw@p.example:8080;https=q.example:8443", Bypass: "<local>;u:pw@x.example"}
	data, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	d := NewValueDoc(WinHTTPValue, &RegValue{Type: RegBinary, Data: data})
	out, err := MarshalDocument(d, true)
	if err != nil {
		t.Fatal(err)
	}
	text := gjsonText(t, out)
	for _, want := range []string{`proxy "http=***@p.example:8080;https=q.example:8443"`, `bypass "<local>;***@x.example"`} {
		if !strings.Contains(text, want) {
			t.Errorf("text %s lacks %s", text, want)
		}
	}
	if strings.Contains(string(out), "pw") {
		t.Errorf("the secret is shown: %s", out)
	}
}

func gjsonText(t *testing.T, doc []byte) string {
	t.Helper()
	var v struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	return v.Text
}
