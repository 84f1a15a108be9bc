package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
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
	raw := redactJSONCredentials(asciiEscape(bytes.TrimRight(buf.Bytes(), "\n")))
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

// asciiEscape replaces every non-ASCII character by its \uXXXX escape. Outside strings JSON
// is ASCII already, so the bytes can be rewritten without tracking where strings are.
func asciiEscape(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:i]...)
	for i < len(b) {
		c := b[i]
		if c < utf8.RuneSelf {
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

// redactJSONCredentials replaces user:password@ by ***@ wherever it follows the start, a
// quote or a separator. The proxy parsers already redact what they know; this is the net
// under every output. It scans by hand: a regexp here cost more than the rest of 'get'.
func redactJSONCredentials(b []byte) []byte {
	at := bytes.IndexByte(b, '@')
	if at < 0 {
		return b
	}
	var out []byte
	copied, floor := 0, 0
	for ; at >= 0; at = nextAt(b, at) {
		start := at
		for start > floor && !isCredentialSep(b[start-1]) {
			start--
		}
		if start > 0 && !isCredentialSep(b[start-1]) {
			continue // the token does not begin at a separator: not a userinfo
		}
		colon := bytes.IndexByte(b[start:at], ':')
		if colon <= 0 || !userChars(b[start:start+colon]) {
			continue
		}
		out = append(out, b[copied:start]...)
		out = append(out, "***@"...)
		copied, floor = at+1, at+1
	}
	if out == nil {
		return b
	}
	return append(out, b[copied:]...)
}

func nextAt(b []byte, at int) int {
	i := bytes.IndexByte(b[at+1:], '@')
	if i < 0 {
		return -1
	}
	return at + 1 + i
}

func isCredentialSep(c byte) bool {
	switch c {
	case '"', ' ', '\t', '\n', '\r', ';', '=', '/':
		return true
	}
	return false
}

// userChars is what a user name in a proxy URL can hold, DOMAIN\user included.
func userChars(b []byte) bool {
	for _, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case bytes.IndexByte([]byte("._~%!$&'()*+,-\\"), c) >= 0:
		default:
			return false
		}
	}
	return true
}

// RedactCredentials hides user:password@ in free text such as a message or a URL. Proxy
// strings go through bypass.ParseProxy, which also hides a bare user@; free text cannot,
// since "ccproxy/state@1" and e-mail addresses look the same.
func RedactCredentials(s string) string {
	return string(redactJSONCredentials([]byte(s)))
}
