package jsonin

import (
	"unicode/utf8"
)

// Visible makes every character of s that could act on a terminal, a log viewer or a
// page's layout visible as an escape, and leaves the rest as it is (non-ASCII included;
// ASCII is the caller's choice). It is the one function for a string that came from
// input and is about to be shown to a person: a host name, a proxy, a bypass entry, a
// finding id or a file name in text output and on stderr.
//
//   - C0 controls and DEL (U+0000-U+001F, U+007F) as \xNN, except \t, \n and \r, which
//     keep their usual names: ESC sequences can clear a screen or rewrite a line
//     (ECMA-48), and a CR lets a value print over the verdict before it.
//   - C1 controls (U+0080-U+009F) as \u0085 and so on: CSI (U+009B) is ESC [ on
//     terminals that honour 8-bit controls.
//   - Unicode bidi controls (U+202A-U+202E, U+2066-U+2069, and the marks U+200E, U+200F,
//     U+061C) as \u202e and so on: they reorder what follows ("Trojan Source",
//     CVE-2021-42574; Unicode UAX #9).
//   - Bytes that are not UTF-8 as \xNN, so nothing raw of a binary input passes.
//
// A backslash is left alone: Windows paths are full of them, and an escape cannot be
// mistaken for a control, which is all this promises.
func Visible(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			break
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || mustShow(r) {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, 0, len(s)+16)
	b = append(b, s[:i]...)
	return string(AppendVisible(b, s[i:]))
}

// AppendVisible appends Visible(s) to b.
func AppendVisible(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'x', hex[c>>4], hex[c&0xF])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b = append(b, '\\', 'x', hex[c>>4], hex[c&0xF])
		case mustShow(r):
			b = append(b, '\\', 'u', hex[r>>12&0xF], hex[r>>8&0xF], hex[r>>4&0xF], hex[r&0xF])
		default:
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return b
}

// mustShow is true for the non-ASCII characters Visible escapes: C1 controls and the
// bidi controls and marks.
func mustShow(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}
