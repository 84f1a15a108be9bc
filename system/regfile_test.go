package system

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"ccproxy/jsonin"
	"ccproxy/model"
)

const (
	connectionsKey = `HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`
	// proxy "a:42", bypass "*.42", as Windows writes it after 'netsh winhttp set proxy a:42 *.42'
	winHTTPA42 = "28000000000000000300000004000000613a3432040000002a2e3432"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "regfile", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// utf16z is a string as the registry stores REG_SZ data, terminating NUL included.
func utf16z(s string) []byte { return model.EncodeRegString(s).Data }

// Encodings a .reg file turns up in.
func encUTF16LE(s string) []byte {
	out := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		out = binary.LittleEndian.AppendUint16(out, u)
	}
	return out
}
func encUTF8BOM(s string) []byte { return append([]byte{0xEF, 0xBB, 0xBF}, s...) }
func encUTF8(s string) []byte    { return []byte(s) }
func enc1252(s string) []byte {
	var out []byte
	for _, r := range s {
		switch {
		case r < 0x80 || (r >= 0xA0 && r <= 0xFF):
			out = append(out, byte(r))
		default:
			k := 0x80
			for k < 0xA0 && jsonin.Windows1252Rune(byte(k)) != r {
				k++
			}
			if k == 0xA0 {
				panic(fmt.Sprintf("%U not in Windows-1252", r))
			}
			out = append(out, byte(k))
		}
	}
	return out
}

var regEncodings = []struct {
	name string
	enc  func(string) []byte
}{
	{"utf16le-bom", encUTF16LE}, {"utf8-bom", encUTF8BOM}, {"utf8", encUTF8},
}

func mustLoad(t testing.TB, name string, data []byte) *MemStore {
	t.Helper()
	st, err := LoadRegFile(name, data)
	if err != nil {
		t.Fatalf("LoadRegFile: %v", err)
	}
	return st
}

func wantValue(t testing.TB, st *MemStore, path, name string, want *Value) {
	t.Helper()
	got, err := st.ReadValue(path, name)
	if err != nil {
		t.Fatalf("ReadValue(%s, %q): %v", path, name, err)
	}
	switch {
	case want == nil && got != nil:
		t.Errorf("%s\\%s = %d:%x, want absent", path, name, got.Type, got.Data)
	case want != nil && got == nil:
		t.Errorf("%s\\%s absent, want %d:%x", path, name, want.Type, want.Data)
	case want != nil && (got.Type != want.Type || !bytes.Equal(got.Data, want.Data)):
		t.Errorf("%s\\%s = %d:%x, want %d:%x", path, name, got.Type, got.Data, want.Type, want.Data)
	}
}

func TestLoadRegFileWineExports(t *testing.T) {
	t.Run("WinHttpSettings", func(t *testing.T) {
		st := mustLoad(t, "winhttp.reg", readFixture(t, "wine-winhttp.reg"))
		if got := st.Source(); got.Kind != "regFile" || got.Path != "winhttp.reg" {
			t.Errorf("Source() = %+v", got)
		}
		wantValue(t, st, connectionsKey, "WinHttpSettings", &Value{Type: RegBinary, Data: mustHex(winHTTPA42)})
		// Paths compare as the registry compares them.
		wantValue(t, st, `hklm\SOFTWARE\MICROSOFT\Windows\CurrentVersion\Internet Settings\Connections`, "winhttpsettings",
			&Value{Type: RegBinary, Data: mustHex(winHTTPA42)})
	})
	t.Run("every value type", func(t *testing.T) {
		st := mustLoad(t, "values.reg", readFixture(t, "wine-values.reg"))
		k := `HKEY_LOCAL_MACHINE\Software\CcproxyTest`
		long := make([]byte, 60)
		for i := range long {
			long[i] = byte(i)
		}
		for _, c := range []struct {
			name string
			want Value
		}{
			{"", Value{Type: RegSZ, Data: utf16z("default value")}},
			{"Dw", Value{Type: RegDWORD, Data: mustHex("efbeadde")}},
			{"Empty", Value{Type: RegSZ, Data: []byte{0, 0}}},
			{"Exp", Value{Type: RegExpandSZ, Data: utf16z(`%SystemRoot%\system32`)}},
			{"Long", Value{Type: RegBinary, Data: long}},
			{"Multi", Value{Type: RegMultiSZ, Data: utf16z("one\x00two\x00three\x00")}},
			{"None", Value{Type: RegNone, Data: []byte{0, 0}}},
			{"Qw", Value{Type: RegQWORD, Data: mustHex("0807060504030201")}},
			{"Str", Value{Type: RegSZ, Data: utf16z(`C:\path\with "quotes" and café`)}},
		} {
			wantValue(t, st, k, c.name, &c.want)
		}
		wantValue(t, st, k+`\Sub Key`, "ProxyEnable", &Value{Type: RegDWORD, Data: []byte{1, 0, 0, 0}})
		if subs, _ := st.SubKeys(k); !slices.Equal(subs, []string{"Sub Key"}) {
			t.Errorf("SubKeys = %q", subs)
		}
	})
	t.Run("HKEY_USERS SID", func(t *testing.T) {
		st := mustLoad(t, "hku.reg", readFixture(t, "wine-hku.reg"))
		k := `HKEY_USERS\S-1-5-18\Software\Microsoft\Windows\CurrentVersion\Internet Settings`
		wantValue(t, st, k, "ProxyEnable", &Value{Type: RegDWORD, Data: []byte{1, 0, 0, 0}})
		wantValue(t, st, k+`\Connections`, "DefaultConnectionSettings", &Value{Type: RegBinary, Data: mustHex(
			"46000000 02000000 03000000 0d000000 676f6f676c652e636f6d3a3432 0b000000 4c6f6c3b3c6c6f63616c3e" + strings.Repeat("00", 33))})
		if subs, _ := st.SubKeys(HKU); !slices.Equal(subs, []string{"S-1-5-18"}) {
			t.Errorf("SubKeys(HKU) = %q", subs)
		}
	})
	t.Run("whole Internet Settings of a user", func(t *testing.T) {
		st := mustLoad(t, "hkcu.reg", readFixture(t, "wine-hkcu-internet-settings.reg"))
		k := `HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Internet Settings`
		wantValue(t, st, k, "ProxyServer", &Value{Type: RegSZ, Data: utf16z("proxy.corp.example:8080")})
		wantValue(t, st, k+`\Zones\3`, "1A00", &Value{Type: RegDWORD, Data: mustHex("00000200")})
		if n := len(st.Snapshot()); n < 100 {
			t.Errorf("%d values, want the hundreds of the export", n)
		}
	})
	// Wine imported regedit4.reg (ANSI) and exported it again as 5.00: both must give the
	// same registry, which pins the ANSI-to-UTF-16 conversion of strings and hex(2)/hex(7).
	t.Run("REGEDIT4 and its reimport agree", func(t *testing.T) {
		ansi := mustLoad(t, "regedit4.reg", readFixture(t, "regedit4.reg"))
		uni := mustLoad(t, "reimport.reg", readFixture(t, "regedit4-wine-reimport.reg"))
		a, u := ansi.Snapshot(), uni.Snapshot()
		if len(a) != 7 || !snapshotsEqual(a, u) {
			t.Errorf("REGEDIT4 gives %v\nreimport gives %v", a, u)
		}
		wantValue(t, ansi, `HKEY_CURRENT_USER\Software\CcproxyAnsi`, "ProxyOverride",
			&Value{Type: RegSZ, Data: utf16z("<local>;*.café.example;10.*")})
		wantValue(t, ansi, `HKEY_CURRENT_USER\Software\CcproxyAnsi`, "Path",
			&Value{Type: RegExpandSZ, Data: utf16z(`%SystemRoot%\é€`)})
	})
}

func snapshotsEqual(a, b map[string]Value) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || v.Type != w.Type || !bytes.Equal(v.Data, w.Data) {
			return false
		}
	}
	return true
}

// Values the registry would hold after importing the file; nil: absent.
type regCheck struct {
	path, name string
	want       *Value
}

const h5 = "Windows Registry Editor Version 5.00\r\n\r\n"

func TestLoadRegFileGood(t *testing.T) {
	dw := func(n uint32) *Value { v := model.EncodeDWORD(n); return &v }
	sz := func(s string) *Value { v := model.EncodeRegString(s); return &v }
	bin := func(typ uint32, h string) *Value { return &Value{Type: typ, Data: mustHex(h)} }
	const k = `HKEY_LOCAL_MACHINE\SOFTWARE\T`
	cases := []struct {
		name   string
		text   string
		checks []regCheck
		keys   map[string]bool // key -> exists
	}{
		{"short root names", h5 + "[HKLM\\SOFTWARE\\T]\r\n\"a\"=dword:00000001\r\n[HKCU\\X]\r\n\"b\"=\"x\"\r\n[HKU\\S-1-5-18\\Y]\r\n\"c\"=\"y\"\r\n",
			[]regCheck{{k, "a", dw(1)}, {`HKEY_CURRENT_USER\X`, "b", sz("x")}, {`HKEY_USERS\S-1-5-18\Y`, "c", sz("y")}}, nil},
		{"root in any case", h5 + "[hkey_local_machine\\SOFTWARE\\T]\r\n\"a\"=dword:2\r\n",
			[]regCheck{{k, "a", dw(2)}}, nil},
		{"user SID hive", h5 + "[HKEY_USERS\\S-1-5-21-1004336348-1177238915-682003330-512\\Software]\r\n\"a\"=dword:00000003\r\n",
			[]regCheck{{`HKEY_USERS\S-1-5-21-1004336348-1177238915-682003330-512\Software`, "a", dw(3)}}, nil},
		{"key deletion removes subkeys", h5 + "[HKLM\\SOFTWARE\\T]\r\n\"a\"=dword:1\r\n[HKLM\\SOFTWARE\\T\\Sub]\r\n\"b\"=dword:1\r\n[HKLM\\SOFTWARE\\U]\r\n\"c\"=dword:1\r\n[-HKEY_LOCAL_MACHINE\\SOFTWARE\\T]\r\n",
			[]regCheck{{k, "a", nil}, {k + `\Sub`, "b", nil}, {`HKEY_LOCAL_MACHINE\SOFTWARE\U`, "c", dw(1)}},
			map[string]bool{k: false, k + `\Sub`: false, `HKEY_LOCAL_MACHINE\SOFTWARE\U`: true}},
		{"key deletion then the key again", h5 + "[-HKLM\\SOFTWARE\\T]\r\n\r\n[HKLM\\SOFTWARE\\T]\r\n\"a\"=\"new\"\r\n",
			[]regCheck{{k, "a", sz("new")}}, map[string]bool{k: true}},
		{"value deletion", h5 + "[HKLM\\SOFTWARE\\T]\r\n\"a\"=dword:1\r\n\"b\"=dword:1\r\n\"a\"=-\r\n\"never\"=-\r\n",
			[]regCheck{{k, "a", nil}, {k, "b", dw(1)}, {k, "never", nil}}, map[string]bool{k: true}},
		{"empty key exists", h5 + "[HKLM\\SOFTWARE\\T]\r\n", nil, map[string]bool{k: true, `HKEY_LOCAL_MACHINE\SOFTWARE`: true}},
		{"default value", h5 + "[HKLM\\SOFTWARE\\T]\r\n@=\"dflt\"\r\n@=hex(2):41,00,00,00\r\n",
			[]regCheck{{k, "", bin(RegExpandSZ, "41000000")}}, nil},
		{"string escapes", h5 + "[HKLM\\SOFTWARE\\T]\r\n\"q\\\"name\\\\\"=\"C:\\\\dir\\\\ \\\"x\\\" a\\nb\"\r\n",
			[]regCheck{{k, `q"name\`, sz("C:\\dir\\ \"x\" a\nb")}}, nil},
		{"non-ASCII and astral characters", h5 + "[HKLM\\SOFTWARE\\T]\r\n\"ü\"=\"grüße 😀\"\r\n",
			[]regCheck{{k, "ü", sz("grüße 😀")}}, nil},
		{"names match in any case, the last write wins", h5 + "[HKLM\\SOFTWARE\\T]\r\n\"ProxyEnable\"=dword:1\r\n\"proxyenable\"=dword:0\r\n",
			[]regCheck{{k, "PROXYENABLE", dw(0)}}, nil},
		{"dword forms", h5 + "[HKLM\\SOFTWARE\\T]\r\n\"a\"=dword:ffffffff\r\n\"b\"=DWORD:0\r\n\"c\"=dword:DeadBeef\r\n",
			[]regCheck{{k, "a", dw(0xffffffff)}, {k, "b", dw(0)}, {k, "c", dw(0xdeadbeef)}}, nil},
		{"hex forms", h5 + "[HKLM\\SOFTWARE\\T]\r\n\"bin\"=hex:00,FF,0a\r\n\"empty\"=hex:\r\n\"none\"=hex(0):\r\n\"q\"=hex(b):01,00,00,00,00,00,00,00\r\n\"dw\"=hex(4):01,00,00,00\r\n\"odd\"=hex(ffff0001):7f\r\n\"m\"=hex(7):61,00,00,00,00,00\r\n",
			[]regCheck{{k, "bin", bin(RegBinary, "00ff0a")}, {k, "empty", bin(RegBinary, "")}, {k, "none", bin(RegNone, "")},
				{k, "q", bin(RegQWORD, "0100000000000000")}, {k, "dw", dw(1)}, {k, "odd", bin(0xffff0001, "7f")}, {k, "m", bin(RegMultiSZ, "610000000000")}}, nil},
		{"continuation lines", h5 + "[HKLM\\SOFTWARE\\T]\r\n\"WinHttpSettings\"=hex:28,00,00,00,00,00,00,00,03,00,00,00,04,00,00,00,61,3a,34,\\\r\n  32,04,00,00,00,2a,2e,34,32\r\n\"after\"=dword:1\r\n",
			[]regCheck{{k, "WinHttpSettings", bin(RegBinary, winHTTPA42)}, {k, "after", dw(1)}}, nil},
		{"continuation with tabs, blanks and a long name", h5 + "[HKLM\\SOFTWARE\\T]\r\n\"" + strings.Repeat("n", 80) + "\"=hex:\\\r\n\t01, 02 ,\\  \r\n 03\r\n",
			[]regCheck{{k, strings.Repeat("n", 80), bin(RegBinary, "010203")}}, nil},
		{"comments, blank lines and blanks around =", "\r\n" + h5 + "; exported by hand\r\n[HKLM\\SOFTWARE\\T]  \r\n\r\n  ; indented comment\r\n\"a\" = dword:00000005 ; five\r\n\"b\"=\"x\"\t; comment\r\n\"c\"=hex:01,02 ; comment\r\n\r\n",
			[]regCheck{{k, "a", dw(5)}, {k, "b", sz("x")}, {k, "c", bin(RegBinary, "0102")}}, nil},
		{"values of one section across blank lines", h5 + "[HKLM\\SOFTWARE\\T]\r\n\"a\"=dword:1\r\n\r\n\r\n\"b\"=dword:2\r\n",
			[]regCheck{{k, "a", dw(1)}, {k, "b", dw(2)}}, nil},
		{"no final line end", h5 + "[HKLM\\SOFTWARE\\T]\r\n\"a\"=dword:1",
			[]regCheck{{k, "a", dw(1)}}, nil},
		{"exports joined by copy /b", h5 + "[HKLM\\SOFTWARE\\T]\r\n\"a\"=dword:1\r\n\r\n\uFEFF" + h5 + "[HKLM\\SOFTWARE\\U]\r\n\"b\"=dword:2\r\n\r\nREGEDIT4\r\n[HKLM\\SOFTWARE\\V]\r\n\"c\"=hex(1):e9,00\r\n",
			[]regCheck{{k, "a", dw(1)}, {`HKEY_LOCAL_MACHINE\SOFTWARE\U`, "b", dw(2)}, {`HKEY_LOCAL_MACHINE\SOFTWARE\V`, "c", sz("é")}}, nil},
		{"key named by a blank", h5 + "[HKLM\\SOFTWARE\\ \\T]\r\n\"a\"=dword:1\r\n",
			[]regCheck{{`HKEY_LOCAL_MACHINE\SOFTWARE\ \T`, "a", dw(1)}}, nil},
		{"section name with a closing bracket", h5 + "[HKLM\\SOFTWARE\\T]x]\r\n\"a\"=dword:1\r\n",
			[]regCheck{{k + "]x", "a", dw(1)}}, nil},
	}
	for _, c := range cases {
		for _, e := range regEncodings {
			for _, eol := range []string{"\r\n", "\n"} {
				t.Run(fmt.Sprintf("%s/%s/%q", c.name, e.name, eol), func(t *testing.T) {
					st := mustLoad(t, "t.reg", e.enc(strings.ReplaceAll(c.text, "\r\n", eol)))
					for _, ch := range c.checks {
						wantValue(t, st, ch.path, ch.name, ch.want)
					}
					for key, exists := range c.keys {
						if ki, _ := st.Key(key); ki.Exists != exists {
							t.Errorf("Key(%s).Exists = %v, want %v", key, ki.Exists, exists)
						}
					}
				})
			}
		}
	}
}

func TestLoadRegFileREGEDIT4(t *testing.T) {
	const k = `HKEY_CURRENT_USER\Software\T`
	text := "REGEDIT4\r\n\r\n[HKEY_CURRENT_USER\\Software\\T]\r\n" +
		"\"s\"=\"café €\"\r\n" +
		"\"sz\"=hex(1):63,61,66,e9,00\r\n" + // ANSI strings become UTF-16, as the ANSI registry API converts them
		"\"exp\"=hex(2):25,54,45,4d,50,25,80,00\r\n" +
		"\"multi\"=hex(7):61,00,e9,00,00\r\n" +
		"\"bin\"=hex:e9,80\r\n" + // not a string type: the bytes stay as they are
		"\"other\"=hex(5):e9,80\r\n" +
		"\"dw\"=dword:00000010\r\n"
	for name, data := range map[string][]byte{"ansi": enc1252(text), "utf8": encUTF8(text), "utf16": encUTF16LE(text)} {
		t.Run(name, func(t *testing.T) {
			st := mustLoad(t, "old.reg", data)
			wantValue(t, st, k, "s", &Value{Type: RegSZ, Data: utf16z("café €")})
			wantValue(t, st, k, "sz", &Value{Type: RegSZ, Data: utf16z("café")})
			wantValue(t, st, k, "exp", &Value{Type: RegExpandSZ, Data: utf16z("%TEMP%€")})
			wantValue(t, st, k, "multi", &Value{Type: RegMultiSZ, Data: utf16z("a\x00é\x00")})
			wantValue(t, st, k, "bin", &Value{Type: RegBinary, Data: []byte{0xe9, 0x80}})
			wantValue(t, st, k, "other", &Value{Type: 5, Data: []byte{0xe9, 0x80}})
			wantValue(t, st, k, "dw", &Value{Type: RegDWORD, Data: []byte{0x10, 0, 0, 0}})
		})
	}
}

// UTF-16 strings hold whatever code units the registry held, paired or not.
func TestLoadRegFileKeepsLoneSurrogates(t *testing.T) {
	var data []byte
	data = append(data, encUTF16LE(h5+"[HKLM\\SOFTWARE\\T]\r\n\"s\"=\"a")...)
	data = append(data, 0x00, 0xD8) // a high surrogate with no low one
	data = append(data, encUTF16LE("b\"\r\n")[2:]...)
	st := mustLoad(t, "t.reg", data)
	wantValue(t, st, `HKEY_LOCAL_MACHINE\SOFTWARE\T`, "s", &Value{Type: RegSZ, Data: mustHex("610000d862000000")})
}

func TestLoadRegFileBad(t *testing.T) {
	const sec = "[HKLM\\SOFTWARE\\T]\r\n"
	cases := []struct {
		name string
		text string
		line int // 0: the error names no line
		frag string
	}{
		{"empty", "", 0, "empty file"},
		{"only blank lines", " \r\n\t\r\n", 0, "empty file"},
		{"missing header", "[HKLM\\SOFTWARE\\T]\r\n", 1, "not a registry export: first line must be 'Windows Registry Editor Version 5.00' or 'REGEDIT4'"},
		{"other file", "\r\n{\"schema\": \"ccproxy/state@1\"}\r\n", 2, `not a registry export: first line must be 'Windows Registry Editor Version 5.00' or 'REGEDIT4' (found "{"schema": "ccproxy/state@1"}")`},
		{"unknown version", "Windows Registry Editor Version 6.00\r\n", 1, "not a registry export"},
		{"value outside any section", h5 + "\"a\"=dword:1\r\n", 3, "value outside any section"},
		{"value after a key deletion", h5 + "[-HKLM\\SOFTWARE\\T]\r\n\"a\"=dword:1\r\n", 4, "value outside any section"},
		{"value after a repeated header", h5 + sec + "\"a\"=dword:1\r\n" + h5 + "\"b\"=dword:1\r\n", 7, "value outside any section"},
		{"broken line", h5 + sec + "ProxyEnable=1\r\n", 4, `unexpected text "ProxyEnable=1": expected [KEY]`},
		{"hash comment", h5 + sec + "# comment\r\n", 4, "unexpected text"},
		{"missing continuation backslash", h5 + sec + "\"a\"=hex:01,02\r\n  03,04\r\n", 5, "lacks its trailing '\\' continuation"},
		{"key line without ]", h5 + "[HKLM\\SOFTWARE\\T\r\n", 3, "key line does not end with ']'"},
		{"empty key", h5 + "[]\r\n", 3, "empty key name"},
		{"empty key deletion", h5 + "[-]\r\n", 3, "empty key name"},
		{"unknown root", h5 + "[HKEY_LOCAL\\SOFTWARE]\r\n", 3, `unknown root key "HKEY_LOCAL": use HKEY_LOCAL_MACHINE`},
		{"empty key name part", h5 + "[HKLM\\SOFTWARE\\\\T]\r\n", 3, "empty key name between backslashes"},
		{"key deeper than the registry allows", h5 + "[HKLM" + strings.Repeat(`\a`, 513) + "]\r\n", 3, "is 513 levels deep, past the registry's limit of 512"},
		{"key name longer than the registry allows", h5 + "[HKLM\\" + strings.Repeat("k", 257) + "]\r\n", 3, "is 257 characters long, past the registry's limit of 256"},
		{"key name longer with a surrogate pair", h5 + "[HKLM\\" + strings.Repeat("k", 255) + "\U0001F600]\r\n", 3, "is 257 characters long"},
		{"value name longer than the registry allows", h5 + sec + "\"" + strings.Repeat("v", 16384) + "\"=dword:1\r\n", 4, "is 16384 characters long, past the registry's limit of 16383"},
		{"odd hex digits", h5 + sec + "\"a\"=hex:01,2,03\r\n", 4, `odd number of hex digits in "2"`},
		{"odd hex digits in a run", h5 + sec + "\"a\"=hex:010203f\r\n", 4, "odd number of hex digits"},
		{"hex without commas", h5 + sec + "\"a\"=hex:0102\r\n", 4, `bytes not separated by commas in "0102"`},
		{"bad hex byte", h5 + sec + "\"a\"=hex:01,zz\r\n", 4, `bad hex byte "zz"`},
		{"bad hex byte on a continuation line", h5 + sec + "\"a\"=hex:01,02,\\\r\n  03,0g,\\\r\n  05\r\n", 5, `bad hex byte "0g" in value "a"`},
		{"empty hex byte", h5 + sec + "\"a\"=hex:01,,02\r\n", 4, "empty hex byte between commas"},
		{"trailing comma", h5 + sec + "\"a\"=hex:01,02,\r\n", 4, "ends with ','"},
		{"file ends after continuation", h5 + sec + "\"a\"=hex:01,02,\\\r\n", 4, "file ends after the '\\' continuation"},
		{"blank line after continuation", h5 + sec + "\"a\"=hex:01,02,\\\r\n\r\n\"b\"=dword:1\r\n", 5, "blank line after the '\\' continuation"},
		{"bad hex type", h5 + sec + "\"a\"=hex(zz):01\r\n", 4, `bad value type "hex(zz):01"`},
		{"hex type without colon", h5 + sec + "\"a\"=hex(2)01\r\n", 4, "bad value type"},
		{"hex type too wide", h5 + sec + "\"a\"=hex(123456789):01\r\n", 4, "bad value type"},
		{"bad dword", h5 + sec + "\"ProxyEnable\"=dword:xyz\r\n", 4, `bad dword "xyz" for value "ProxyEnable": write dword: and 1 to 8 hex digits`},
		{"dword too long", h5 + sec + "\"a\"=dword:000000001\r\n", 4, "bad dword"},
		{"empty dword", h5 + sec + "\"a\"=dword:\r\n", 4, "bad dword"},
		{"decimal dword", h5 + sec + "\"a\"=dword:1 2\r\n", 4, `unexpected text "2" after the value`},
		{"unterminated string", h5 + sec + "\"a\"=\"abc\r\n", 4, `unterminated string (a '"' inside a string is written \") in the data of value "a"`},
		{"string ends in a backslash", h5 + sec + "\"a\"=\"abc\\\"\r\n", 4, "unterminated string"},
		{"unterminated name", h5 + sec + "\"abc=dword:1\r\n", 4, "unterminated string (a '\"' inside a string is written \\\") in the value name"},
		{"unknown escape", h5 + sec + "\"a\"=\"C:\\temp\"\r\n", 4, `unknown escape "\t" in a string: write a backslash as \\`},
		{"text after a string", h5 + sec + "\"a\"=\"x\" y\r\n", 4, `unexpected text "y" after the value`},
		{"missing =", h5 + sec + "\"a\" dword:1\r\n", 4, "expected '=' after the value name"},
		{"missing data", h5 + sec + "@=\r\n", 4, "no data after '='"},
		{"unknown data", h5 + sec + "\"a\"=qword:1\r\n", 4, `unknown data "qword:1" for value "a": expected "text", dword:, hex:, hex(N): or - to delete`},
		{"text after deletion", h5 + sec + "\"a\"=-1\r\n", 4, `unexpected text "1" after the value`},
	}
	for _, c := range cases {
		for _, e := range regEncodings {
			t.Run(c.name+"/"+e.name, func(t *testing.T) {
				_, err := LoadRegFile("in.reg", e.enc(c.text))
				var ie *InputError
				if !errors.As(err, &ie) {
					t.Fatalf("error %v (%T), want *InputError", err, err)
				}
				wantPlace := ""
				if c.line > 0 {
					wantPlace = fmt.Sprintf("line %d", c.line)
				}
				if ie.Input != "in.reg" || ie.Place != wantPlace || !strings.Contains(ie.Msg, c.frag) {
					t.Errorf("error %q\nwant in.reg, %q and %q", err, wantPlace, c.frag)
				}
				if ie.ExitCode() != 2 {
					t.Errorf("exit code %d", ie.ExitCode())
				}
			})
		}
	}
}

func TestLoadRegFileBadEncoding(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"truncated UTF-16", append(encUTF16LE(h5+"[HKLM\\X]\r\n"), 'x'), `t.reg: line 4: file ends in the middle of a UTF-16 character`},
		{"UTF-8 BOM with bad bytes", append(encUTF8BOM(h5+"[HKLM\\X]\r\n\"a\"=\""), 0xff, '"'), `t.reg: line 4: not valid UTF-8`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadRegFile("t.reg", c.data)
			var ie *InputError
			if !errors.As(err, &ie) || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("error %v, want prefix %q", err, c.want)
			}
		})
	}
}

// Errors quote the input; proxy credentials in it must not reach the message.
func TestLoadRegFileErrorsHideCredentials(t *testing.T) {
	for _, text := range []string{
		h5 + "[HKLM\\X]\r\nProxyServer=http://bob:hunter2@proxy:8080\r\n",
		h5 + "[HKLM\\X]\r\n\"ProxyServer\"=\"bob:hunter2@proxy:8080\" junk bob:hunter2@proxy\r\n",
		h5 + "[HKLM\\X]\r\n\"ProxyServer\"=http=bob:hunter2@proxy:8080\r\n",
		"http://bob:hunter2@proxy:8080\r\n",
	} {
		_, err := LoadRegFile("t.reg", []byte(text))
		if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "***") {
			t.Errorf("error %v", err)
		}
	}
}

func TestRegHelpers(t *testing.T) {
	for _, s := range []string{"", "proxy:8080", "grüße 😀", "<local>;*.corp"} {
		v := model.EncodeRegString(s)
		if v.Type != RegSZ || len(v.Data)%2 != 0 || !bytes.HasSuffix(v.Data, []byte{0, 0}) {
			t.Errorf("EncodeRegString(%q) = %+v", s, v)
		}
		if got, ok := model.DecodeRegString(&v); !ok || got != s {
			t.Errorf("round trip of %q gives %q, %v", s, got, ok)
		}
	}
	for _, c := range []struct {
		v    Value
		want string
		ok   bool
	}{
		{Value{Type: RegSZ, Data: mustHex("61006200000063000000")}, "ab", true},
		{Value{Type: RegExpandSZ, Data: mustHex("2500610025000000")}, "%a%", true},
		{Value{Type: RegSZ, Data: mustHex("6100")}, "a", true}, // no NUL: the data ends the string
		{Value{Type: RegSZ}, "", true},
		{Value{Type: RegBinary, Data: mustHex("61000000")}, "", false},
		{Value{Type: RegMultiSZ, Data: mustHex("610000000000")}, "", false},
	} {
		got, ok := model.DecodeRegString(&c.v)
		if got != c.want || ok != c.ok {
			t.Errorf("DecodeRegString(%+v) = %q, %v; want %q, %v", c.v, got, ok, c.want, c.ok)
		}
	}
	for _, n := range []uint32{0, 1, 0xdeadbeef, 0xffffffff} {
		v := model.EncodeDWORD(n)
		if got, ok := model.DecodeDWORD(&v); !ok || got != n {
			t.Errorf("DWORD round trip of %#x gives %#x, %v", n, got, ok)
		}
	}
	if got := model.EncodeDWORD(0x01020304); !bytes.Equal(got.Data, []byte{4, 3, 2, 1}) || got.Type != RegDWORD {
		t.Errorf("EncodeDWORD = %+v", got)
	}
	for _, v := range []Value{{Type: RegDWORD, Data: []byte{1, 0, 0}}, {Type: RegBinary, Data: []byte{1, 0, 0, 0}}, {Type: RegQWORD, Data: make([]byte, 8)}} {
		if _, ok := model.DecodeDWORD(&v); ok {
			t.Errorf("DecodeDWORD(%+v) accepted", v)
		}
	}
}

// writeRegExport writes the keys at and under the roots as reg.exe and regedit write a
// "Windows Registry Editor Version 5.00" export: UTF-16LE with a BOM, CRLF, hex lines broken
// after the byte that takes them past 76 columns, subkeys and values in name order.
func writeRegExport(m *MemStore, roots ...string) []byte {
	// Every key under the roots that the store holds, parents first, in name order.
	type key struct {
		path   string
		values []string
	}
	var keys []key
	var walk func(path string)
	walk = func(path string) {
		if ki, _ := m.Key(path); ki.Exists {
			names, _ := m.ValueNames(path)
			slices.SortFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
			keys = append(keys, key{path, names})
		}
		subs, _ := m.SubKeys(path)
		slices.SortFunc(subs, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
		for _, s := range subs {
			walk(path + `\` + s)
		}
	}
	for _, root := range roots {
		walk(CanonicalPath(root))
	}
	var out []rune
	put := func(s ...string) {
		for _, x := range s {
			out = append(out, []rune(x)...)
		}
	}
	escape := func(r []rune) {
		for _, c := range r {
			switch c {
			case '\\', '"':
				out = append(out, '\\', c)
			case '\n':
				out = append(out, '\\', 'n')
			default:
				out = append(out, c)
			}
		}
	}
	put(regHeader5, "\r\n")
	for _, k := range keys {
		put("\r\n[", k.path, "]\r\n")
		for _, name := range k.values {
			val, _ := m.ReadValue(k.path, name)
			v := struct {
				name string
				v    Value
			}{name, *val}
			start := len(out)
			if v.name == "" {
				put("@=")
			} else {
				put(`"`)
				escape([]rune(v.name))
				put(`"=`)
			}
			d := v.v.Data
			switch {
			case v.v.Type == RegSZ && plainRegString(d):
				r, _ := decodeUTF16("", d[:len(d)-2], binary.LittleEndian)
				put(`"`)
				escape(r)
				put(`"`)
			case v.v.Type == RegDWORD && len(d) == 4:
				put(fmt.Sprintf("dword:%08x", binary.LittleEndian.Uint32(d)))
			default:
				if v.v.Type == RegBinary {
					put("hex:")
				} else {
					put(fmt.Sprintf("hex(%x):", v.v.Type))
				}
				col := len(out) - start
				for i, b := range d {
					put(fmt.Sprintf("%02x", b))
					col += 2
					if i+1 < len(d) {
						put(",")
						col++
						if col > 76 {
							put("\\\r\n  ")
							col = 2
						}
					}
				}
			}
			put("\r\n")
		}
	}
	put("\r\n")
	return append([]byte{0xFF, 0xFE}, encodeUnits(out)...)
}

// plainRegString says whether REG_SZ data can be written as "text": one terminating NUL.
func plainRegString(d []byte) bool {
	if len(d) < 2 || len(d)%2 != 0 || d[len(d)-2] != 0 || d[len(d)-1] != 0 {
		return false
	}
	for i := 0; i+3 < len(d); i += 2 {
		if d[i] == 0 && d[i+1] == 0 {
			return false
		}
	}
	return true
}

// The writer above reproduces Wine's exports byte for byte, which shows that loading lost
// nothing: names, types, bytes, key names and their case.
func TestRegFileReproducesExports(t *testing.T) {
	for _, c := range []struct{ file, root string }{
		{"wine-winhttp.reg", connectionsKey},
		{"wine-values.reg", `HKEY_LOCAL_MACHINE\Software\CcproxyTest`},
		{"wine-hku.reg", `HKEY_USERS\S-1-5-18\Software\Microsoft\Windows\CurrentVersion\Internet Settings`},
		{"regedit4-wine-reimport.reg", `HKEY_CURRENT_USER\Software\CcproxyAnsi`},
		{"wine-hkcu-internet-settings.reg", `HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Internet Settings`},
	} {
		t.Run(c.file, func(t *testing.T) {
			data := readFixture(t, c.file)
			got := writeRegExport(mustLoad(t, c.file, data), c.root)
			if !bytes.Equal(got, data) {
				g, _ := decodeUTF16("", got[2:], binary.LittleEndian)
				w, _ := decodeUTF16("", data[2:], binary.LittleEndian)
				t.Errorf("written export differs:\n%s\nwant:\n%s", string(g), string(w))
			}
		})
	}
}

func TestRegFileRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	types := []uint32{RegNone, RegSZ, RegExpandSZ, RegBinary, RegDWORD, RegMultiSZ, RegQWORD, 0x12345}
	for round := 0; round < 200; round++ {
		st := NewMemStore(SourceInfo{})
		k := fmt.Sprintf(`HKEY_LOCAL_MACHINE\SOFTWARE\R%d`, round)
		for i := 0; i < 1+rng.Intn(5); i++ {
			typ := types[rng.Intn(len(types))]
			var data []byte
			switch {
			case typ == RegSZ && rng.Intn(2) == 0:
				data = model.EncodeRegString(fmt.Sprintf(`p\"%d;<local>`, rng.Int())).Data
			case typ == RegDWORD && rng.Intn(4) > 0:
				data = model.EncodeDWORD(rng.Uint32()).Data
			default:
				data = make([]byte, rng.Intn(200))
				rng.Read(data)
			}
			name := fmt.Sprintf(`v"%d\`, i)
			if i == 0 {
				name = ""
			}
			_ = st.SetValue(k, name, Value{Type: typ, Data: data})
			_ = st.SetValue(k+`\sub key`, name, Value{Type: typ, Data: data})
		}
		checkRoundTrip(t, st, k)
	}
}

func checkRoundTrip(t *testing.T, st *MemStore, root string) {
	t.Helper()
	data := writeRegExport(st, root)
	back, err := LoadRegFile("rt.reg", data)
	if err != nil {
		t.Fatalf("written export does not load: %v\n%x", err, data)
	}
	if a, b := st.Snapshot(), back.Snapshot(); !snapshotsEqual(a, b) {
		t.Fatalf("round trip changed the values:\n%v\n%v", a, b)
	}
}

// FuzzRegValueRoundTrip: any value written as an export loads back with the same type and bytes.
func FuzzRegValueRoundTrip(f *testing.F) {
	f.Add("WinHttpSettings", uint32(RegBinary), mustHex(winHTTPA42))
	f.Add("", uint32(RegSZ), utf16z(`C:\x "y"`))
	f.Add("ProxyEnable", uint32(RegDWORD), []byte{1, 0, 0, 0})
	f.Add("odd", uint32(RegSZ), []byte{0x61})
	f.Add("nul", uint32(RegSZ), []byte{0x61, 0, 0, 0, 0x62, 0, 0, 0})
	f.Add("lone", uint32(RegSZ), []byte{0, 0xd8, 0x0a, 0, 0x0d, 0, 0, 0})
	f.Add(strings.Repeat("long name ", 10), uint32(0xffffffff), bytes.Repeat([]byte{0xab}, 100))
	f.Fuzz(func(t *testing.T, name string, typ uint32, data []byte) {
		if strings.ContainsRune(name, 0) || !utf8.ValidString(name) {
			t.Skip("value names are NUL-free text")
		}
		st := NewMemStore(SourceInfo{})
		_ = st.SetValue(`HKEY_CURRENT_USER\Software\Fuzz`, name, Value{Type: typ, Data: data})
		checkRoundTrip(t, st, `HKEY_CURRENT_USER\Software\Fuzz`)
	})
}

// FuzzLoadRegFile: no input panics, every failure is bad input, and whatever loads, written
// back as an export, loads to the same registry.
func FuzzLoadRegFile(f *testing.F) {
	for _, name := range []string{"wine-winhttp.reg", "wine-values.reg", "wine-hku.reg", "regedit4.reg", "regedit4-wine-reimport.reg"} {
		f.Add(readFixture(f, name))
	}
	f.Add([]byte(h5 + "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections]\r\n" +
		"\"WinHttpSettings\"=hex:28,00,00,00,00,00,00,00,03,00,00,00,04,00,00,00,61,3a,34,\\\r\n  32,04,00,00,00,2a,2e,34,32\r\n"))
	f.Add(encUTF8BOM(h5 + "[HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings]\n\"ProxyEnable\"=dword:00000001\n\"ProxyServer\"=\"proxy:8080\"\n\"ProxyOverride\"=\"<local>\"\n\"AutoConfigURL\"=-\n[-HKCU\\Software\\Old]\n"))
	f.Add([]byte("REGEDIT4\n[HKEY_USERS\\S-1-5-18\\X]\n@=hex(7):61,00,00\n; c\n\"a\"=\"b\\\\\\\"\"\n"))
	// A key as deep as the registry allows, then deeper: each section line once cost memory in
	// the square of its depth (one 40 KB line took 5 GB and the fuzzing process died).
	f.Add([]byte(h5 + "[HKLM" + strings.Repeat(`\a`, 512) + "]\r\n[-HKLM\\a]\r\n[HKCU" + strings.Repeat(`\b`, 600) + "]\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := LoadRegFile("f.reg", data)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.Input != "f.reg" {
				t.Fatalf("error %v (%T) is not an InputError naming the file", err, err)
			}
			return
		}
		back, err := LoadRegFile("again.reg", writeRegExport(st, regRoots...))
		if err != nil {
			t.Fatalf("the export of a loaded file does not load: %v", err)
		}
		if !snapshotsEqual(st.Snapshot(), back.Snapshot()) || !slices.Equal(keyList(st), keyList(back)) {
			t.Fatalf("export of a loaded file loads differently:\n%v\n%v", st.Snapshot(), back.Snapshot())
		}
	})
}

func keyList(st *MemStore) []string { return st.Keys() }

// The registry's own limits are the most a file may hold: 512 levels and 255-character key
// names, 16,383-character value names (Microsoft, "Registry element size limits").
func TestLoadRegFileAtTheRegistryLimits(t *testing.T) {
	// 256 characters: Wine's registry holds and exports such a name.
	deep := "HKEY_LOCAL_MACHINE" + strings.Repeat(`\a`, 511) + `\` + strings.Repeat("k", 254) + "\U0001F600"
	name := strings.Repeat("v", 16383)
	for _, e := range regEncodings {
		st := mustLoad(t, "deep.reg", e.enc(h5+"["+deep+"]\r\n\""+name+"\"=dword:00000001\r\n"))
		wantValue(t, st, deep, name, &Value{Type: RegDWORD, Data: []byte{1, 0, 0, 0}})
	}
}
