package system

import (
	"encoding/binary"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"ccproxy/jsonin"
	"ccproxy/model"
)

const (
	regHeader5 = "Windows Registry Editor Version 5.00"
	regHeader4 = "REGEDIT4"
)

// LoadRegFile reads a registry export (regedit, "reg export") into a MemStore. Lines apply in
// order, as regedit would import them: "[-KEY]" removes a key read earlier in the file and
// "name"=- removes a value, so a file that deletes what it never set yields nothing.
//
// Both formats are read: "Windows Registry Editor Version 5.00" (UTF-16LE with a BOM as Windows
// writes it, or UTF-8 with or without a BOM after someone re-saved it) and "REGEDIT4" (ANSI).
// Text without a BOM that is not valid UTF-8 is read as Windows-1252.
//
// Values are stored as the registry of a Unicode Windows holds them. REGEDIT4 files carry the
// string types (hex(1), hex(2), hex(7)) as ANSI bytes because regedit imports them through the
// ANSI API, which converts exactly those three types to UTF-16; they are converted here the
// same way, assuming code page 1252 (the file does not say which code page wrote it).
func LoadRegFile(name string, data []byte) (*MemStore, error) {
	text, err := decodeText(name, data)
	if err != nil {
		return nil, err
	}
	p := &regParser{
		name:  name,
		lines: splitLines(text),
		store: NewMemStore(SourceInfo{Kind: model.SourceRegFile, Path: name}),
	}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return p.store, nil
}

type regParser struct {
	name    string
	lines   [][]rune
	unicode bool   // the 5.00 format: hex(N) strings are UTF-16LE already
	key     string // the section values go into; "" before the first section and after [-KEY]
	store   *MemStore
}

func (p *regParser) errAt(line int, format string, args ...any) *InputError {
	return &InputError{Input: p.name, Place: fmt.Sprintf("line %d", line), Msg: fmt.Sprintf(format, args...)}
}

func (p *regParser) parse() error {
	i := 0
	for i < len(p.lines) && isBlank(p.lines[i]) {
		i++
	}
	if i == len(p.lines) {
		return &InputError{Input: p.name, Msg: "empty file; export the key with 'reg export <key> file.reg'"}
	}
	if !p.header(p.lines[i]) {
		return p.errAt(i+1, "not a registry export: first line must be '%s' or '%s' (found %s)",
			regHeader5, regHeader4, quoteForError(strings.TrimSpace(string(p.lines[i]))))
	}
	for i++; i < len(p.lines); i++ {
		line := trimRunesLeft(p.lines[i])
		if len(line) == 0 || line[0] == ';' {
			continue
		}
		var err error
		switch line[0] {
		case '[':
			err = p.section(i+1, line)
		case '@', '"':
			i, err = p.value(i, line)
		default:
			// Exports joined with "copy /b a.reg+b.reg" repeat the header, after a BOM of their own.
			if p.header(line) {
				p.key = ""
				continue
			}
			err = p.brokenLine(i+1, p.lines[i])
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// header recognises a header line and notes the format it announces.
func (p *regParser) header(line []rune) bool {
	if len(line) > 0 && line[0] == '\uFEFF' {
		line = line[1:]
	}
	switch h := strings.TrimSpace(string(line)); {
	case strings.EqualFold(h, regHeader5):
		p.unicode = true
	case strings.EqualFold(h, regHeader4):
		p.unicode = false
	default:
		return false
	}
	return true
}

var hexContinuation = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[ \t]+[0-9a-fA-F]{2}(,[0-9a-fA-F]{2})*,?\\?[ \t]*$`)
})

func (p *regParser) brokenLine(n int, raw []rune) error {
	s := strings.TrimRight(string(raw), " \t")
	if hexContinuation().MatchString(s) {
		return p.errAt(n, "hex bytes outside a value: the line above probably lacks its trailing '\\' continuation")
	}
	return p.errAt(n, "unexpected text %s: expected [KEY], \"name\"=value, @=value or a ; comment", quoteForError(s))
}

// Limits of the registry itself ("Registry element size limits", Microsoft Learn; Wine's
// server/registry.c MAX_NAME_LEN and MAX_VALUE_LEN).
const (
	maxKeyNameChars   = 256   // one key name, in UTF-16 code units: Microsoft says 255, Wine takes 256
	maxKeyDepth       = 512   // levels below the root key
	maxValueNameChars = 16383 // one value name, in UTF-16 code units (both)
)

var regRoots = []string{HKLM, HKCU, HKU, "HKEY_CLASSES_ROOT", "HKEY_CURRENT_CONFIG"}

func (p *regParser) section(n int, line []rune) error {
	line = trimRunesRight(line)
	if line[len(line)-1] != ']' {
		return p.errAt(n, "key line does not end with ']': write it as [HKEY_LOCAL_MACHINE\\...]")
	}
	inner := string(line[1 : len(line)-1])
	del := strings.HasPrefix(inner, "-")
	if del {
		inner = inner[1:]
	}
	path := CanonicalPath(inner)
	if path == "" {
		return p.errAt(n, "empty key name")
	}
	root, rest, _ := strings.Cut(path, `\`)
	known := false
	for _, r := range regRoots {
		known = known || root == r
	}
	if !known {
		return p.errAt(n, "unknown root key %s: use HKEY_LOCAL_MACHINE, HKEY_CURRENT_USER, HKEY_USERS, HKEY_CLASSES_ROOT or HKEY_CURRENT_CONFIG (or HKLM, HKCU, HKU)",
			quoteForError(root))
	}
	if rest != "" {
		parts := strings.Split(rest, `\`)
		// "Registry element size limits" (Microsoft): a key name is at most 255 characters and
		// a tree at most 512 levels deep. Wine's registry server refuses only names longer
		// than MAX_NAME_LEN (256), so its exports can hold a 256-character name: the larger
		// limit is taken, so that no export of a real registry is refused. A file past them
		// would only cost memory and time.
		if len(parts) > maxKeyDepth {
			return p.errAt(n, "key %s is %d levels deep, past the registry's limit of %d; hint: export only the keys ccproxy reads (see the README)",
				quoteForError(path), len(parts), maxKeyDepth)
		}
		for _, part := range parts {
			if part == "" {
				return p.errAt(n, "empty key name between backslashes in %s", quoteForError(path))
			}
			if units := utf16Units([]rune(part)); units > maxKeyNameChars {
				return p.errAt(n, "key name %s is %d characters long, past the registry's limit of %d",
					quoteForError(part), units, maxKeyNameChars)
			}
		}
	}
	if del {
		p.store.DeleteKey(path)
		p.key = ""
		return nil
	}
	p.store.EnsureKey(path)
	p.key = path
	return nil
}

// value reads one value line starting at line index i (plus its continuation lines) and
// returns the index of the last line it used.
func (p *regParser) value(i int, line []rune) (int, error) {
	n := i + 1
	if p.key == "" {
		return i, p.errAt(n, "value outside any section: put a [HKEY_...\\key] line above it")
	}
	var name string
	pos := 0
	if line[0] == '@' {
		pos = 1
	} else {
		s, end, err := readQuoted(line, 0)
		if err != "" {
			return i, p.errAt(n, "%s in the value name", err)
		}
		name, pos = string(s), end
		if units := utf16Units(s); units > maxValueNameChars {
			return i, p.errAt(n, "value name %s is %d characters long, past the registry's limit of %d",
				quoteForError(name), units, maxValueNameChars)
		}
	}
	pos = skipBlanks(line, pos)
	if pos >= len(line) || line[pos] != '=' {
		return i, p.errAt(n, "expected '=' after the value name: write \"name\"=data or @=data")
	}
	data := trimRunesLeft(line[pos+1:])
	lower := strings.ToLower(string(data[:min(len(data), 4)]))
	switch {
	case len(data) == 0:
		return i, p.errAt(n, "no data after '=': write \"text\", dword:, hex:, hex(N): or - to delete")
	case data[0] == '-':
		if err := p.rest(n, data[1:]); err != nil {
			return i, err
		}
		return i, p.store.DeleteValue(p.key, name)
	case data[0] == '"':
		s, end, err := readQuoted(data, 0)
		if err != "" {
			return i, p.errAt(n, "%s in the data of %s", err, valueLabel(name))
		}
		if err := p.rest(n, data[end:]); err != nil {
			return i, err
		}
		return i, p.store.SetValue(p.key, name, Value{Type: RegSZ, Data: encodeUnits(append(s, 0))})
	case strings.HasPrefix(strings.ToLower(string(data[:min(len(data), 6)])), "dword:"):
		return i, p.dword(n, name, data[6:])
	case lower == "hex:":
		return p.hex(i, name, RegBinary, data[4:])
	case lower == "hex(":
		end := runeIndex(data, ')')
		digits := ""
		if end > 0 {
			digits = string(data[4:end])
		}
		t, ok := parseHexUint32(digits)
		if !ok || end+1 >= len(data) || data[end+1] != ':' {
			return i, p.errAt(n, "bad value type %s: write hex(N): with N the type in hex, e.g. hex(2): or hex(7):",
				quoteCut(string(data), 20))
		}
		return p.hex(i, name, t, data[end+2:])
	default:
		return i, p.errAt(n, "unknown data %s for %s: expected \"text\", dword:, hex:, hex(N): or - to delete",
			quoteCut(string(data), 20), valueLabel(name))
	}
}

// rest accepts what may follow a complete value: blanks and a ; comment.
func (p *regParser) rest(n int, r []rune) error {
	r = trimRunesLeft(r)
	if len(r) == 0 || r[0] == ';' {
		return nil
	}
	return p.errAt(n, "unexpected text %s after the value", quoteForError(string(r)))
}

func (p *regParser) dword(n int, name string, data []rune) error {
	end := 0
	for end < len(data) && data[end] != ';' && data[end] != ' ' && data[end] != '\t' {
		end++
	}
	digits := string(data[:end])
	v, ok := parseHexUint32(digits)
	if !ok {
		return p.errAt(n, "bad dword %s for %s: write dword: and 1 to 8 hex digits, e.g. dword:00000001",
			quoteForError(digits), valueLabel(name))
	}
	if err := p.rest(n, data[end:]); err != nil {
		return err
	}
	return p.store.SetValue(p.key, name, model.EncodeDWORD(v))
}

// hex reads comma-separated bytes that may continue over lines ending in '\'.
func (p *regParser) hex(i int, name string, typ uint32, data []rune) (int, error) {
	var out []byte
	for {
		n := i + 1
		if c := runeIndex(data, ';'); c >= 0 {
			data = data[:c]
		}
		data = trimRunesRight(data)
		more := len(data) > 0 && data[len(data)-1] == '\\'
		if more {
			data = trimRunesRight(data[:len(data)-1])
		}
		if len(data) > 0 {
			items := strings.Split(string(data), ",")
			for k, item := range items {
				item = strings.TrimSpace(item)
				if item == "" {
					if k == len(items)-1 && more {
						continue // "...,\" is how exports break lines
					}
					if k == len(items)-1 {
						return i, p.errAt(n, "hex data of %s ends with ',': a line that continues must end with ',\\'", valueLabel(name))
					}
					return i, p.errAt(n, "empty hex byte between commas in %s", valueLabel(name))
				}
				b, err := hexByte(item)
				if err != "" {
					return i, p.errAt(n, "%s in %s: write each byte as two hex digits separated by commas, e.g. hex:0a,1f", err, valueLabel(name))
				}
				out = append(out, b)
			}
		}
		if !more {
			break
		}
		if i+1 >= len(p.lines) {
			return i, p.errAt(n, "file ends after the '\\' continuation of %s", valueLabel(name))
		}
		i++
		data = trimRunesLeft(p.lines[i])
		if len(data) == 0 {
			return i, p.errAt(i+1, "blank line after the '\\' continuation of %s: expected more hex bytes", valueLabel(name))
		}
	}
	if !p.unicode && (typ == RegSZ || typ == RegExpandSZ || typ == RegMultiSZ) {
		out = ansiToUTF16(out)
	}
	return i, p.store.SetValue(p.key, name, Value{Type: typ, Data: out})
}

func hexByte(item string) (byte, string) {
	for _, c := range item {
		if hexDigit(c) < 0 {
			return 0, fmt.Sprintf("bad hex byte %s", quoteForError(item))
		}
	}
	switch {
	case len(item)%2 == 1:
		return 0, fmt.Sprintf("odd number of hex digits in %s", quoteForError(item))
	case len(item) > 2:
		return 0, fmt.Sprintf("bytes not separated by commas in %s", quoteForError(item))
	}
	return byte(hexDigit(rune(item[0]))<<4 | hexDigit(rune(item[1]))), ""
}

func hexDigit(c rune) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func parseHexUint32(s string) (uint32, bool) {
	if s == "" || len(s) > 8 {
		return 0, false
	}
	var v uint32
	for _, c := range s {
		d := hexDigit(c)
		if d < 0 {
			return 0, false
		}
		v = v<<4 | uint32(d)
	}
	return v, true
}

// readQuoted reads a "..." string starting at r[start] == '"'. It returns the characters,
// the index after the closing quote, or a problem description.
func readQuoted(r []rune, start int) ([]rune, int, string) {
	var out []rune
	for k := start + 1; k < len(r); k++ {
		switch r[k] {
		case '"':
			return out, k + 1, ""
		case '\\':
			if k+1 >= len(r) {
				return nil, 0, `unterminated string (a '"' inside a string is written \")`
			}
			k++
			switch r[k] {
			case '\\', '"':
				out = append(out, r[k])
			case 'n':
				// Wine's regedit writes a line feed this way.
				out = append(out, '\n')
			default:
				return nil, 0, fmt.Sprintf(`unknown escape %s in a string: write a backslash as \\`, quoteForError(`\`+string(r[k])))
			}
		default:
			out = append(out, r[k])
		}
	}
	return nil, 0, `unterminated string (a '"' inside a string is written \")`
}

func valueLabel(name string) string {
	if name == "" {
		return "the default value @"
	}
	return "value " + quoteForError(name)
}

// encodeUnits writes runes as UTF-16LE. Lone surrogates that decodeText kept as runes go out
// as the single code units they came from, so registry strings survive byte for byte.
func encodeUnits(r []rune) []byte {
	out := make([]byte, 0, 2*len(r))
	for _, c := range r {
		if c >= 0x10000 && c <= utf8.MaxRune {
			hi, lo := utf16.EncodeRune(c)
			out = binary.LittleEndian.AppendUint16(out, uint16(hi))
			out = binary.LittleEndian.AppendUint16(out, uint16(lo))
			continue
		}
		out = binary.LittleEndian.AppendUint16(out, uint16(c))
	}
	return out
}

// utf16Units counts the UTF-16 code units of r, which is how the registry counts a name.
func utf16Units(r []rune) int {
	n := len(r)
	for _, c := range r {
		if c >= 0x10000 {
			n++
		}
	}
	return n
}

func ansiToUTF16(b []byte) []byte {
	r := make([]rune, len(b))
	for k, c := range b {
		r[k] = jsonin.Windows1252Rune(c)
	}
	return encodeUnits(r)
}

// decodeText turns a text file into runes, guided by its byte order mark. Without one it
// takes UTF-16LE when the second byte is NUL (ASCII text in UTF-16 always has that), UTF-8
// when the bytes are valid UTF-8, and Windows-1252 otherwise. UTF-16 lone surrogates are kept
// as rune values so that encodeUnits can give back the same code units. With an error it
// still returns what it could decode, which is enough to recognise what the file is.
func decodeText(name string, data []byte) ([]rune, error) {
	switch {
	case len(data) >= 2 && data[0] == 0xFF && data[1] == 0xFE:
		return decodeUTF16(name, data[2:], binary.LittleEndian)
	case len(data) >= 2 && data[0] == 0xFE && data[1] == 0xFF:
		return decodeUTF16(name, data[2:], binary.BigEndian)
	case len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF:
		data = data[3:]
		if !utf8.Valid(data) {
			return []rune(string(data)), invalidUTF8(name, data)
		}
		return []rune(string(data)), nil
	case len(data) >= 2 && data[0] != 0 && data[1] == 0:
		return decodeUTF16(name, data, binary.LittleEndian)
	case len(data) >= 2 && data[0] == 0 && data[1] != 0:
		return decodeUTF16(name, data, binary.BigEndian)
	case utf8.Valid(data):
		return []rune(string(data)), nil
	}
	out := make([]rune, len(data))
	for k, b := range data {
		out[k] = jsonin.Windows1252Rune(b)
	}
	return out, nil
}

func decodeUTF16(name string, data []byte, order binary.ByteOrder) ([]rune, error) {
	out := make([]rune, 0, len(data)/2)
	line := 1
	for k := 0; k+1 < len(data); k += 2 {
		u := rune(order.Uint16(data[k:]))
		if utf16.IsSurrogate(u) && u < 0xDC00 && k+3 < len(data) {
			if lo := rune(order.Uint16(data[k+2:])); lo >= 0xDC00 && lo <= 0xDFFF {
				out = append(out, utf16.DecodeRune(u, lo))
				k += 2
				continue
			}
		}
		if u == '\n' {
			line++
		}
		out = append(out, u)
	}
	if len(data)%2 == 1 {
		return out, &InputError{Input: name, Place: fmt.Sprintf("line %d", line),
			Msg: "file ends in the middle of a UTF-16 character: it looks truncated; export it again"}
	}
	return out, nil
}

func invalidUTF8(name string, data []byte) error {
	line := 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size <= 1 {
			break
		}
		if r == '\n' {
			line++
		}
		data = data[size:]
	}
	return &InputError{Input: name, Place: fmt.Sprintf("line %d", line),
		Msg: "not valid UTF-8 although the file starts with a UTF-8 byte order mark; save it again as UTF-8 or UTF-16"}
}

// splitLines splits at LF and drops the CR of CRLF line ends.
func splitLines(text []rune) [][]rune {
	var lines [][]rune
	for len(text) > 0 {
		end := runeIndex(text, '\n')
		if end < 0 {
			lines = append(lines, trimCR(text))
			break
		}
		lines = append(lines, trimCR(text[:end]))
		text = text[end+1:]
	}
	return lines
}

func trimCR(r []rune) []rune {
	if len(r) > 0 && r[len(r)-1] == '\r' {
		return r[:len(r)-1]
	}
	return r
}

func runeIndex(r []rune, c rune) int {
	for k, x := range r {
		if x == c {
			return k
		}
	}
	return -1
}

func isBlankRune(c rune) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' }

func isBlank(r []rune) bool { return len(trimRunesLeft(r)) == 0 }

func skipBlanks(r []rune, k int) int {
	for k < len(r) && isBlankRune(r[k]) {
		k++
	}
	return k
}

func trimRunesLeft(r []rune) []rune { return r[skipBlanks(r, 0):] }

func trimRunesRight(r []rune) []rune {
	for len(r) > 0 && isBlankRune(r[len(r)-1]) {
		r = r[:len(r)-1]
	}
	return r
}

// quoteForError quotes input text for an error message: credentials hidden, long text cut.
func quoteForError(s string) string { return quoteCut(s, 60) }

func quoteCut(s string, max int) string {
	s = model.RedactCredentials(s)
	r := []rune(s)
	if len(r) > max {
		r = append(r[:max-3], '.', '.', '.')
	}
	// Not %q: it would double every backslash of a registry path.
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range r {
		if unicode.IsPrint(c) {
			b.WriteRune(c)
		} else {
			b.WriteString(strings.Trim(strconv.QuoteRune(c), "'"))
		}
	}
	b.WriteByte('"')
	return b.String()
}
