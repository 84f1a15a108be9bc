package jsonin

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf16"
)

func utf16LE(s string, bom bool) []byte {
	var b []byte
	if bom {
		b = append(b, 0xFF, 0xFE)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func utf16BE(s string, bom bool) []byte {
	var b []byte
	if bom {
		b = append(b, 0xFE, 0xFF)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return b
}

func TestDecode(t *testing.T) {
	doc := "{\r\n    \"a\":  \"Zoë 😀\"\r\n}\r\n"
	tests := []struct {
		name    string
		in      []byte
		want    string
		warning string // substring of the only warning; "" for none
		err     string // the whole error; "" for none
	}{
		{name: "utf-8 without bom", in: []byte(doc), want: doc},
		{name: "utf-8 with bom (Out-File -Encoding utf8 in 5.1)", in: append([]byte{0xEF, 0xBB, 0xBF}, doc...), want: doc},
		{name: "utf-16le with bom (Out-File in 5.1)", in: utf16LE(doc, true), want: doc},
		{name: "utf-16be with bom", in: utf16BE(doc, true), want: doc},
		{name: "utf-16le without bom", in: utf16LE(doc, false), want: doc},
		{name: "utf-16be without bom", in: utf16BE(doc, false), want: doc},
		{name: "utf-16le with a utf-8 bom inside", in: utf16LE("\uFEFF[1]", true), want: "[1]"},
		{name: "utf-16le converted twice: every leading bom goes", in: utf16LE("\uFEFF\uFEFF[1]", true), want: "[1]"},
		{name: "a bom inside the text is a character", in: []byte("[\"\uFEFF\"]"), want: "[\"\uFEFF\"]"},
		{name: "boms only", in: []byte{0xFF, 0xFE, 0xFF, 0xFE, 0xFF, 0xFE}, err: "in.json: empty input; hint: give a JSON document (ConvertTo-Json writes nothing at all for an empty array)"},
		{name: "one byte", in: []byte("1"), want: "1"},
		{
			name:    "windows-1252 (Set-Content in 5.1)",
			in:      []byte("{\"a\":\"Caf\xe9 \x80 \x93q\x94 \x81 \xff\"}"),
			want:    "{\"a\":\"Café € “q” \u0081 ÿ\"}",
			warning: "in.json: not valid UTF-8 (line 1) and no byte order mark; read as Windows-1252",
		},
		{
			name:    "windows-1252 names the line",
			in:      []byte("{\r\n\"a\":\r\n\"\x96\"}"),
			want:    "{\r\n\"a\":\r\n\"–\"}",
			warning: "(line 3)",
		},
		{name: "empty", in: nil, err: "in.json: empty input; hint: give a JSON document (ConvertTo-Json writes nothing at all for an empty array)"},
		{name: "blank", in: []byte(" \r\n\t\r\n"), err: "in.json: empty input; hint: give a JSON document (ConvertTo-Json writes nothing at all for an empty array)"},
		{name: "utf-8 bom only", in: []byte{0xEF, 0xBB, 0xBF}, err: "in.json: empty input; hint: give a JSON document (ConvertTo-Json writes nothing at all for an empty array)"},
		{name: "utf-16 bom and crlf only", in: utf16LE("\r\n", true), err: "in.json: empty input; hint: give a JSON document (ConvertTo-Json writes nothing at all for an empty array)"},
		{name: "utf-16 odd length", in: append(utf16LE("[1]", true), 'x'), err: "in.json: odd number of bytes (9) for UTF-16LE; hint: the file is cut short or not UTF-16LE"},
		{name: "utf-16 unpaired high surrogate", in: append(utf16LE("[\"", true), 0x00, 0xD8, '"', 0, ']', 0), err: "in.json: line 1, column 3: invalid UTF-16LE: unpaired surrogate at byte 6"},
		{name: "utf-16 lone low surrogate", in: append(utf16BE("\n[", true), 0xDC, 0x00), err: "in.json: line 2, column 2: invalid UTF-16BE: unpaired surrogate at byte 6"},
		{name: "utf-8 bom but invalid utf-8", in: []byte("\xEF\xBB\xBF{\n \"a\xff\":1}"), err: "in.json: line 2, column 4: not valid UTF-8 although the file starts with a UTF-8 byte order mark; hint: save it again as UTF-8"},
		{name: "over 16 MiB", in: bytes.Repeat([]byte(" "), MaxInput+1), err: "in.json: input larger than 16 MiB; hint: this is not a ccproxy document, or pass it to \"ccproxy report\", which streams"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, warnings, err := Decode("in.json", tt.in)
			if tt.err != "" {
				checkError(t, err, tt.err)
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if string(text) != tt.want {
				t.Errorf("text = %q, want %q", text, tt.want)
			}
			switch {
			case tt.warning == "" && len(warnings) != 0:
				t.Errorf("unexpected warnings %q", warnings)
			case tt.warning != "" && (len(warnings) != 1 || !strings.Contains(warnings[0], tt.warning)):
				t.Errorf("warnings = %q, want one containing %q", warnings, tt.warning)
			}
		})
	}
}

func TestDecodeAcceptsExactlyMaxInput(t *testing.T) {
	in := bytes.Repeat([]byte(" "), MaxInput)
	in[0] = '1'
	if _, _, err := Decode("big.json", in); err != nil {
		t.Fatalf("input of exactly MaxInput bytes refused: %v", err)
	}
}

func TestWindows1252Table(t *testing.T) {
	// Spot checks against the published Windows-1252 table.
	want := map[byte]rune{0x80: '€', 0x85: '…', 0x8A: 'Š', 0x91: '‘', 0x92: '’', 0x99: '™', 0x9F: 'Ÿ', 0xA0: '\u00A0', 0xE9: 'é'}
	for b, r := range want {
		if got := string(decodeWindows1252([]byte{b})); got != string(r) {
			t.Errorf("0x%02X -> %q, want %q", b, got, string(r))
		}
	}
}

// checkError asserts the shape every error must have: an *Error, one line, exit code 2,
// and exactly the expected text.
func checkError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %q is not a *jsonin.Error", err, err)
	}
	if e.ExitCode() != 2 {
		t.Errorf("exit code %d, want 2", e.ExitCode())
	}
	if strings.ContainsAny(err.Error(), "\r\n") {
		t.Errorf("error spans lines: %q", err)
	}
	if err.Error() != want {
		t.Errorf("error\n got %s\nwant %s", err, want)
	}
}
