package jsonin

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// MaxInput is the largest input accepted, in bytes as read. The fleet report streams its
// inputs, with limits of its own (model/report); every other document is small, so anything bigger is a
// mistake (a wrong file, a log) better refused than held in memory.
const MaxInput = 16 << 20

// StdinName is how messages name standard input.
const StdinName = "stdin"

// TooBig is the error for an input over MaxInput.
func TooBig(name string) error { return tooBig(name) }

func tooBig(name string) error {
	return &Error{Input: name, Msg: "input larger than 16 MiB; hint: this is not a ccproxy document, or pass it to \"ccproxy report\", which streams"}
}

func emptyInput(name string) error {
	return &Error{Input: name, Msg: "empty input; hint: give a JSON document (ConvertTo-Json writes nothing at all for an empty array)"}
}

// Decode turns raw input bytes into UTF-8 text without a byte order mark.
//
// It reads UTF-8 with or without a BOM, UTF-16LE and UTF-16BE with a BOM, UTF-16 without
// a BOM when the first character shows it (every JSON document starts with an ASCII
// character, so "{\x00" can only be UTF-16LE), and reads bytes that are neither as
// Windows-1252, which is what Windows PowerShell 5.1's Set-Content writes, with a warning.
// Empty or blank input and input over MaxInput are errors.
func Decode(name string, data []byte) (text []byte, warnings []string, err error) {
	if len(data) > MaxInput {
		return nil, nil, tooBig(name)
	}
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		text = data[3:]
		if !utf8.Valid(text) {
			line, col := position(text, firstInvalidUTF8(text))
			return nil, nil, &Error{Input: name, Path: place(line, col),
				Msg: "not valid UTF-8 although the file starts with a UTF-8 byte order mark; hint: save it again as UTF-8"}
		}
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		text, err = decodeUTF16(name, data[2:], false, 2)
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		text, err = decodeUTF16(name, data[2:], true, 2)
	case len(data) >= 2 && data[0] != 0 && data[1] == 0:
		text, err = decodeUTF16(name, data, false, 0)
	case len(data) >= 2 && data[0] == 0 && data[1] != 0:
		text, err = decodeUTF16(name, data, true, 0)
	case utf8.Valid(data):
		text = data
	default:
		line, _ := position(data, firstInvalidUTF8(data))
		text = decodeWindows1252(data)
		warnings = append(warnings, fmt.Sprintf("%s: not valid UTF-8 (line %d) and no byte order mark; read as Windows-1252; hint: save it as UTF-8", name, line))
	}
	if err != nil {
		return nil, nil, err
	}
	// A UTF-8 BOM inside UTF-16 happens when a BOM-carrying string is written again, and a
	// file converted more than once carries one per pass. U+FEFF at the start of a document
	// is never JSON (RFC 8259 section 8.1 lets a parser ignore a BOM, and nothing else), so
	// every leading one is an encoding artefact and goes; one inside the text is a character.
	for bytes.HasPrefix(text, []byte("\uFEFF")) {
		text = text[len("\uFEFF"):]
	}
	if len(bytes.Trim(text, " \t\r\n")) == 0 {
		return nil, warnings, emptyInput(name)
	}
	if err := notJSONText(name, text); err != nil {
		return nil, warnings, err
	}
	return text, warnings, nil
}

// notJSONText refuses, before any JSON parsing, the two inputs that would otherwise get a
// JSON syntax error that helps nobody: a registry export given where a document is expected
// (it is a source, read with --from), and a binary file. JSON text holds no control
// character other than its whitespace (RFC 8259 sections 2 and 7: tab, line feed, carriage
// return outside strings; none unescaped inside), so the first one shows the input is not a
// JSON document, and the message names it by its code, never by the raw byte.
func notJSONText(name string, text []byte) error {
	head := bytes.TrimLeft(text, " \t\r\n")
	if hasPrefixFold(head, "Windows Registry Editor") || hasPrefixFold(head, "REGEDIT4") {
		return &Error{Input: name, Msg: "this is a registry export (.reg), not a JSON document; hint: a registry export is a source, read with --from: 'ccproxy get --from " + name + "', or 'ccproxy plan --from " + name + " --import-ie' for a plan made from it"}
	}
	for i, c := range text {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			line, col := position(text, i)
			return &Error{Input: name, Path: place(line, col), Msg: fmt.Sprintf("control byte 0x%02x: this is not a text document (a binary file?); hint: pass a JSON document written by ccproxy or ConvertTo-Json", c)}
		}
	}
	return nil
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && bytes.EqualFold(b[:len(prefix)], []byte(prefix))
}

// decodeUTF16 converts UTF-16 to UTF-8. skip is the BOM length, so that byte offsets in
// errors count from the start of the file.
func decodeUTF16(name string, b []byte, bigEndian bool, skip int) ([]byte, error) {
	enc := "UTF-16LE"
	if bigEndian {
		enc = "UTF-16BE"
	}
	if len(b)%2 != 0 {
		return nil, &Error{Input: name, Msg: fmt.Sprintf("odd number of bytes (%d) for %s; hint: the file is cut short or not %s", len(b)+skip, enc, enc)}
	}
	out := make([]byte, 0, len(b)/2+len(b)/8)
	unit := func(i int) rune {
		if bigEndian {
			return rune(b[i])<<8 | rune(b[i+1])
		}
		return rune(b[i+1])<<8 | rune(b[i])
	}
	for i := 0; i < len(b); i += 2 {
		r := unit(i)
		switch {
		case r < 0xD800 || r > 0xDFFF:
			out = utf8.AppendRune(out, r)
		case r <= 0xDBFF && i+3 < len(b):
			r2 := unit(i + 2)
			if r2 < 0xDC00 || r2 > 0xDFFF {
				return nil, unpaired(name, enc, out, i+skip)
			}
			out = utf8.AppendRune(out, 0x10000+(r-0xD800)<<10+(r2-0xDC00))
			i += 2
		default:
			return nil, unpaired(name, enc, out, i+skip)
		}
	}
	return out, nil
}

func unpaired(name, enc string, decoded []byte, offset int) error {
	line, col := position(decoded, len(decoded))
	return &Error{Input: name, Path: place(line, col), Msg: fmt.Sprintf("invalid %s: unpaired surrogate at byte %d", enc, offset)}
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// windows1252High maps 0x80-0x9F. The five bytes Windows-1252 leaves undefined map to the
// C1 controls of the same value, as Windows's own conversion does; 0xA0-0xFF equal Latin-1.
var windows1252High = [32]rune{
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
}

// Windows1252Rune is the character a Windows-1252 (ANSI) byte stands for.
func Windows1252Rune(c byte) rune {
	if c >= 0x80 && c < 0xA0 {
		return windows1252High[c-0x80]
	}
	return rune(c)
}

func decodeWindows1252(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/4)
	for _, c := range b {
		switch {
		case c < 0x80:
			out = append(out, c)
		case c < 0xA0:
			out = utf8.AppendRune(out, windows1252High[c-0x80])
		default:
			out = utf8.AppendRune(out, rune(c))
		}
	}
	return out
}

// position converts a byte offset into a 1-based line and a 1-based column counted in
// characters, as editors show them.
func position(text []byte, off int) (line, col int) {
	if off > len(text) {
		off = len(text)
	}
	if off < 0 {
		off = 0
	}
	before := text[:off]
	line = 1 + bytes.Count(before, []byte{'\n'})
	if nl := bytes.LastIndexByte(before, '\n'); nl >= 0 {
		before = before[nl+1:]
	}
	return line, 1 + utf8.RuneCount(before)
}

func place(line, col int) string {
	return fmt.Sprintf("line %d, column %d", line, col)
}
