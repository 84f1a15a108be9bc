package model

import (
	"encoding/hex"
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
