package jsonin

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Error is bad JSON input: a file or stdin that cannot be read, decoded or matched against
// its Spec. The message is one line, "<input>: <path>: <problem>[; hint]", and it maps to
// exit code 2. It mirrors model.InputError and system.InputError without importing them,
// so that model can use this package.
type Error struct {
	Input string // file name or "stdin"
	Path  string // "$.winhttp.proxy", "line 3, column 5", or "" when the whole input is wrong
	Msg   string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Input + ": " + e.Msg
	}
	return e.Input + ": " + e.Path + ": " + e.Msg
}

// ExitCode maps bad input to 2, as the conventions say.
func (e *Error) ExitCode() int { return 2 }

// maxQuoted bounds how much of a user's value an error message repeats.
const maxQuoted = 60

// Quote renders a user-supplied string for an error message: double-quoted, control
// characters escaped so the message stays on one line, long values shortened, and proxy
// credentials ("user:password@") replaced by "***" because they must never be printed.
func Quote(s string) string {
	s = RedactCredentials(s)
	if utf8.RuneCountInString(s) > maxQuoted {
		n := 0
		for i := range s {
			if n == maxQuoted {
				s = s[:i] + "..."
				break
			}
			n++
		}
	}
	return ASCII(string(appendString(make([]byte, 0, len(s)+2), s)))
}

// ASCII writes every character outside ASCII as a \uXXXX escape (a surrogate pair above
// U+FFFF), the way ccproxy's JSON output does, so that a message survives any console code
// page and never carries raw bytes of a binary input.
func ASCII(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, 0, len(s)+16)
	b = append(b, s[:i]...)
	for _, r := range s[i:] {
		switch {
		case r < utf8.RuneSelf:
			b = append(b, byte(r))
		case r > 0xFFFF:
			r1, r2 := utf16.EncodeRune(r)
			b = fmt.Appendf(b, `\u%04x\u%04x`, r1, r2)
		default:
			b = fmt.Appendf(b, `\u%04x`, r)
		}
	}
	return string(b)
}

func quote(s string) string { return Quote(s) }

// short bounds a number literal repeated in a message; a number is ASCII.
func short(s string) string {
	if len(s) > maxQuoted {
		return s[:maxQuoted] + "..."
	}
	return s
}

// jpath is a JSON path built as the walk descends and rendered only for an error, so that
// deep documents cost no string building. nil is the root, "$".
type jpath struct {
	parent *jpath
	name   string
	idx    int // -1 when the step is an object key
}

func (p *jpath) key(k string) *jpath { return &jpath{parent: p, name: k, idx: -1} }
func (p *jpath) index(i int) *jpath  { return &jpath{parent: p, idx: i} }

// String renders "$.a.b[2]", with `["odd key"]` for keys that are not identifiers, so the
// path stays unambiguous and on one line.
func (p *jpath) String() string {
	var steps []*jpath
	for q := p; q != nil; q = q.parent {
		steps = append(steps, q)
	}
	b := []byte{'$'}
	for i := len(steps) - 1; i >= 0; i-- {
		q := steps[i]
		switch {
		case q.idx >= 0:
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(q.idx), 10)
			b = append(b, ']')
		case isIdent(q.name):
			b = append(b, '.')
			b = append(b, q.name...)
		default:
			b = append(b, '[')
			b = appendString(b, RedactCredentials(q.name))
			b = append(b, ']')
		}
	}
	return string(b)
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || (i > 0 && '0' <= c && c <= '9') {
			continue
		}
		return false
	}
	return true
}
