package jsonin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds nesting. PowerShell 7 refuses more than 1024 levels and 5.1 about 100;
// no ccproxy document comes close.
const maxDepth = 1000

type nodeKind uint8

const (
	nNull nodeKind = iota
	nFalse
	nTrue
	nNumber
	nString
	nArray
	nObject
)

// node is a parsed JSON value. Objects keep their keys in input order, duplicates included,
// which a Go map would lose.
type node struct {
	kind nodeKind
	str  string   // nString: the unescaped value; nNumber: the literal
	keys []string // nObject, parallel to vals
	vals []*node  // nObject values, nArray elements
}

// parse checks text with encoding/json's scanner, whose errors are the reference, and then
// builds the tree with a small parser that relies on the text being valid.
func parse(name string, text []byte) (*node, error) {
	// The nesting limit comes first: encoding/json's scanner has its own (10000 levels), and
	// past it would say only "exceeded max depth".
	if at := tooDeep(text); at >= 0 {
		line, col := position(text, at)
		return nil, &Error{Input: name, Path: place(line, col), Msg: depthMessage}
	}
	if !json.Valid(text) {
		return nil, syntaxError(name, text)
	}
	p := parser{b: text}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return nil, &Error{Input: name, Path: err.path, Msg: err.msg}
	}
	return v, nil
}

type parseErr struct{ path, msg string }

type parser struct {
	b []byte
	i int
}

func (p *parser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

var depthMessage = fmt.Sprintf("nested deeper than %d levels; hint: no ccproxy document nests more than a few levels: pass a document ccproxy or ConvertTo-Json wrote", maxDepth)

// tooDeep is the offset of the first '[' or '{' that opens more than maxDepth levels,
// outside strings, or -1: arrays and objects alike, before anything else reads the text.
func tooDeep(text []byte) int {
	depth, in := 0, false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case in && c == '\\':
			i++
		case c == '"':
			in = !in
		case in:
		case c == '[' || c == '{':
			// The outermost value is level 0, as in parser.value.
			if depth++; depth-1 > maxDepth {
				return i
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return -1
}

func (p *parser) value(depth int) (*node, *parseErr) {
	if depth > maxDepth {
		line, col := position(p.b, p.i)
		return nil, &parseErr{place(line, col), depthMessage}
	}
	switch c := p.b[p.i]; c {
	case '{':
		p.i++
		n := &node{kind: nObject}
		p.space()
		if p.b[p.i] == '}' {
			p.i++
			return n, nil
		}
		for {
			p.space()
			k := p.string()
			p.space()
			p.i++ // ':'
			p.space()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, k)
			n.vals = append(n.vals, v)
			p.space()
			c := p.b[p.i]
			p.i++
			if c == '}' {
				return n, nil
			}
		}
	case '[':
		p.i++
		n := &node{kind: nArray}
		p.space()
		if p.b[p.i] == ']' {
			p.i++
			return n, nil
		}
		for {
			p.space()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, v)
			p.space()
			c := p.b[p.i]
			p.i++
			if c == ']' {
				return n, nil
			}
		}
	case '"':
		return &node{kind: nString, str: p.string()}, nil
	case 't':
		p.i += 4
		return &node{kind: nTrue}, nil
	case 'f':
		p.i += 5
		return &node{kind: nFalse}, nil
	case 'n':
		p.i += 4
		return &node{kind: nNull}, nil
	default:
		start := p.i
		for p.i < len(p.b) && strings.IndexByte("+-.0123456789eE", p.b[p.i]) >= 0 {
			p.i++
		}
		return &node{kind: nNumber, str: string(p.b[start:p.i])}, nil
	}
}

// string reads a string token starting at its opening quote.
func (p *parser) string() string {
	p.i++
	start := p.i
	escaped := false
	for {
		c := p.b[p.i]
		if c == '"' {
			break
		}
		if c == '\\' {
			escaped = true
			p.i++
		}
		p.i++
	}
	raw := p.b[start:p.i]
	p.i++
	if !escaped {
		return string(raw)
	}
	return unescape(raw)
}

// unescape decodes the escapes of a valid JSON string body the way encoding/json does,
// including a lone surrogate becoming U+FFFD.
func unescape(raw []byte) string {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		e := raw[i+1]
		i += 2
		switch e {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := hex4(raw[i:])
			i += 4
			if utf16.IsSurrogate(r) {
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					if d := utf16.DecodeRune(r, hex4(raw[i+2:])); d != utf8.RuneError {
						r = d
						i += 6
					} else {
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default: // '"', '\\', '/'
			out = append(out, e)
		}
	}
	return string(out)
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		r <<= 4
		switch {
		case c <= '9':
			r |= rune(c - '0')
		case c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			r |= rune(c - 'a' + 10)
		}
	}
	return r
}

// syntaxError turns encoding/json's byte offset into a line and column and adds a hint for
// the mistakes people make when they write JSON by hand or with PowerShell 5.1.
func syntaxError(name string, text []byte) error {
	var raw json.RawMessage
	err := json.Unmarshal(text, &raw)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return &Error{Input: name, Msg: "not valid JSON"}
	}
	off := int(se.Offset)
	msg := se.Error()
	if strings.HasPrefix(msg, "unexpected end of JSON input") || off >= len(text) {
		end := len(bytes.TrimRight(text, " \t\r\n"))
		line, col := position(text, end)
		return &Error{Input: name, Path: place(line, col), Msg: "unexpected end of JSON input; hint: the document is cut short (a bracket or quote is missing)"}
	}
	// Offset counts the bytes read, the bad one included.
	bad := off - 1
	if bad < 0 {
		bad = 0
	}
	line, col := position(text, bad)
	if h := syntaxHint(text, bad, msg); h != "" {
		msg += "; hint: " + h
	}
	return &Error{Input: name, Path: place(line, col), Msg: msg}
}

func syntaxHint(text []byte, bad int, msg string) string {
	rest := text[bad:]
	prev := bytes.TrimRight(text[:bad], " \t\r\n")
	switch {
	case bytes.HasPrefix(rest, []byte("//")) || bytes.HasPrefix(rest, []byte("/*")):
		return "JSON has no comments; remove them"
	case bytes.HasPrefix(rest, []byte("#")):
		return "JSON has no comments; remove the # line"
	case (rest[0] == '}' || rest[0] == ']') && bytes.HasSuffix(prev, []byte(",")):
		return "remove the comma before " + string(rest[0])
	case rest[0] == '\'':
		return "JSON strings use double quotes"
	case bytes.HasPrefix(rest, []byte("NaN")) || bytes.HasPrefix(rest, []byte("Infinity")) || bytes.HasPrefix(rest, []byte("-Infinity")):
		return "NaN and Infinity are not JSON numbers"
	case strings.Contains(msg, "after top-level value"):
		return "give one JSON document per input"
	case strings.Contains(msg, "in string literal") || strings.Contains(msg, "in string escape code"):
		return `escape \ as \\ and control characters as \n, \t or \u00XX`
	case strings.Contains(msg, "looking for beginning of object key string") && rest[0] != '"':
		return "object keys are double-quoted strings"
	}
	return ""
}

// lineBreakLen is the length of a leading U+0085, U+2028 or U+2029, which some terminals
// and editors treat as line breaks, or 0.
func lineBreakLen(s string) int {
	switch {
	case strings.HasPrefix(s, "\u0085"):
		return 2
	case strings.HasPrefix(s, "\u2028"), strings.HasPrefix(s, "\u2029"):
		return 3
	}
	return 0
}

// appendString writes s as a JSON string. Only what JSON requires is escaped, plus the
// other control characters and Unicode line breaks so that the text stays on one line.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c != 0x7f && c != 0xC2 && c != 0xE2 {
			continue
		}
		if n := lineBreakLen(s[i:]); c >= 0x80 {
			if n == 0 {
				continue
			}
			b = append(b, s[start:i]...)
			r, _ := utf8.DecodeRuneInString(s[i:])
			b = fmt.Appendf(b, `\u%04x`, r)
			i += n - 1
			start = i + 1
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			const hex = "0123456789abcdef"
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
