package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"ccproxy/jsonin"
)

// MarshalDocument is the one writer of ccproxy's JSON: every command's stdout and every file
// it writes go through it. It guarantees what PowerShell and fleet tools rely on: ASCII only
// (\uXXXX escapes, surrogate pairs for astral characters), no BOM, two-space indentation or
// one line, a final newline, and no proxy credentials. Key order is the order of the Go
// struct fields, so documents put "schema" first by declaring it first.
func MarshalDocument(v any, compress bool) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding the document: %w", err)
	}
	raw := asciiEscape(jsonin.RedactJSON(bytes.TrimRight(buf.Bytes(), "\n")))
	var out bytes.Buffer
	if compress {
		if err := json.Compact(&out, raw); err != nil {
			return nil, err
		}
	} else if err := json.Indent(&out, raw, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// asciiEscape replaces every non-ASCII character, and DEL (which encoding/json leaves raw,
// RFC 8259 section 7 requiring escapes only below U+0020), by its \uXXXX escape, so that no
// control byte reaches a terminal that shows the JSON. Outside strings JSON is printable ASCII
// already, so the bytes can be rewritten without tracking where strings are.
func asciiEscape(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < 0x7f {
		i++
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:i]...)
	for i < len(b) {
		c := b[i]
		if c < 0x7f {
			out = append(out, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		i += size
		if r >= 0x10000 {
			r -= 0x10000
			out = fmt.Appendf(out, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		} else {
			out = fmt.Appendf(out, `\u%04x`, r)
		}
	}
	return out
}

// RedactCredentials hides user:password@ in free text; see jsonin.RedactCredentials.
func RedactCredentials(s string) string { return jsonin.RedactCredentials(s) }

// RedactValue hides credentials in one value of unknown slot; see jsonin.RedactValue.
func RedactValue(s string) string { return jsonin.RedactValue(s) }

// RedactRegString hides credentials in a registry string by the grammar of the value that
// holds it: AutoConfigURL is a URL, ProxyServer and ProxyOverride are proxy lists.
func RedactRegString(valueName, s string) string {
	switch {
	case strings.EqualFold(valueName, "AutoConfigURL"):
		return RedactURL(s)
	case strings.EqualFold(valueName, "ProxyServer"), strings.EqualFold(valueName, "ProxyOverride"):
		return RedactProxyList(s)
	}
	return RedactValue(s)
}

// RedactURL hides the userinfo of a URL (a PAC URL); see jsonin.RedactURL.
func RedactURL(s string) string { return jsonin.RedactURL(s) }

// RedactProxyList hides the userinfo of every entry of a proxy string or bypass list; see
// jsonin.RedactProxyList.
func RedactProxyList(s string) string { return jsonin.RedactProxyList(s) }
