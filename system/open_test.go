package system

import (
	"encoding/binary"
	"strings"
	"testing"
	"unicode/utf16"
)

func TestSniff(t *testing.T) {
	utf16BE := func(s string, bom bool) []byte {
		var out []byte
		if bom {
			out = []byte{0xFE, 0xFF}
		}
		for _, u := range utf16.Encode([]rune(s)) {
			out = binary.BigEndian.AppendUint16(out, u)
		}
		return out
	}
	const reg = h5 + "[HKLM\\SOFTWARE\\T]\r\n"
	const netsh = "\r\nCurrent WinHTTP proxy settings:\r\n\r\n    Direct access (no proxy server).\r\n"
	// A long first line, so that the 512 bytes sniffed end inside a character.
	long := "\uFEFF" + h5 + "; " + strings.Repeat("é", 400) + "\r\n"
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"reg UTF-16LE with BOM", encUTF16LE(reg), "reg"},
		{"reg UTF-16LE without BOM", encUTF16LE(reg)[2:], "reg"},
		{"reg UTF-16BE with BOM", utf16BE(reg, true), "reg"},
		{"reg UTF-16BE without BOM", utf16BE(reg, false), "reg"},
		{"reg UTF-8 with BOM", encUTF8BOM(reg), "reg"},
		{"REGEDIT4 after blank lines", []byte("\r\n\r\nregedit4\r\n"), "reg"},
		{"reg cut inside a UTF-16 character", encUTF16LE(reg)[:63], "reg"},
		{"reg whose first 512 bytes end inside a character", []byte(long), "reg"},
		{"state document", []byte(" {\"schema\": \"ccproxy/state@1\"}"), "json"},
		{"state document in UTF-16LE", encUTF16LE(`{"schema":"ccproxy/state@1"}`), "json"},
		{"advanced settings, empty (netsh prints {})", encUTF16LE("{}"), "advanced"},
		{"advanced settings file", []byte(`{"Proxy":"p:3128","ProxyBypass":"","AutoconfigUrl":"","AutoDetect":false}`), "advanced"},
		{"show advproxy output", []byte("\r\nCurrent WinHTTP advanced proxy settings:\r\n\r\n{\r\n\t\"Proxy\":\t\"p:8080\"\r\n}\r\n"), "advanced"},
		{"Get-WinhttpProxy -Advanced", encUTF16LE("Current WinHTTP advanced proxy settings:\r\n\r\nProxy: p:8080\r\nAutoDetect: False\r\n"), "advanced"},
		{"JSON list", []byte("[]"), "json"},
		{"netsh in UTF-16LE", encUTF16LE(netsh), "text"},
		{"netsh", []byte(netsh), "text"},
		{"nothing", nil, "empty"},
		{"blanks and NULs", []byte(" \r\n\x00\x00\t"), "empty"},
		{"BOM only", []byte{0xFF, 0xFE}, "empty"},
	} {
		if got := sniff(c.data); got != c.want {
			t.Errorf("%s: sniff = %q; want %q", c.name, got, c.want)
		}
	}
}
