package jsonin

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzSeeds are inputs taken from the PowerShell reference: 5.1 and 7 files, wrappers,
// depth-2 placeholders, /Date()/ times, and the syntax mistakes people make.
func fuzzSeeds(t testing.TB) [][]byte {
	seeds := [][]byte{
		[]byte(`{"schema":"ccproxy/desired@1","winhttp":{"mode":"proxy","proxy":{"server":"p","port":8080},"bypass":"<local>;*.corp"}}`),
		[]byte(`{"Schema":"ccproxy/desired@1","Hosts":{"value":["a","b"],"Count":2},"PSComputerName":"x","RunspaceId":"y"}`),
		[]byte(`{"schema":"ccproxy/desired@1","notAfter":{"value":"\/Date(1700000000000)\/","DisplayHint":2,"DateTime":"Tuesday"}}`),
		[]byte(`{"schema":"ccproxy/desired@1","createdAt":"2023-11-14T23:13:20.5+01:00","retries":3.0,"ratio":-1.5e3}`),
		[]byte(`{"schema":"ccproxy/desired@1","winhttp":{"proxy":"System.Collections.Hashtable"}}`),
		[]byte(`{"schema":"ccproxy/desired@1","rules":{"name":"r","targets":"t"},"matrix":[[1],2,{"value":[3],"Count":1}]}`),
		[]byte(`{"schema":"ccproxy/desired@1","tags":{"a":"1","PSPath":"p"},"extra":{"b":[1,true,null,"\u0027\ud83d\ude00"]},"note":null}`),
		[]byte(`{"schema":"ccproxy/desired@1","note":{"value":"hi","PSPath":"p","ReadCount":1}}`),
		[]byte("{\r\n    \"schema\":  \"ccproxy/desired@1\",\r\n    \"hosts\":  [\r\n\r\n              ]\r\n}\r\n"),
		[]byte("{\n  // comment\n  \"a\": 1,\n}"),
		[]byte(`{"ratio": NaN, 'x': 1}`),
		[]byte(`{"schema":"ccproxy/desired@1","winhttp":{"mode":"direct","MODE":"proxy"}}`),
	}
	files, _ := filepath.Glob("testdata/*.json")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

func checkFuzzError(t *testing.T, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T is not a *jsonin.Error: %v", err, err)
	}
	if strings.ContainsAny(err.Error(), "\r\n") || strings.Contains(err.Error(), "\u2028") {
		t.Fatalf("error spans lines: %q", err)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		if text, _, err := Decode("seed", s); err == nil {
			f.Add(text)
		} else {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Normalize("fuzz.json", in, testSpec)
		if err != nil {
			checkFuzzError(t, err)
			return
		}
		if !json.Valid(out) || !utf8.Valid(out) {
			t.Fatalf("invalid canonical output %q from %q", out, in)
		}
		again, err := Normalize("fuzz.json", out, testSpec)
		if err != nil {
			t.Fatalf("canonical output %q refused: %v", out, err)
		}
		if !bytes.Equal(again, out) {
			t.Fatalf("not stable:\n%q\n%q", out, again)
		}
		var d testDoc
		if err := json.Unmarshal(out, &d); err != nil {
			t.Fatalf("canonical output %q does not unmarshal: %v", out, err)
		}
	})
}

func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Add([]byte{0xEF, 0xBB, 0xBF})
	f.Add([]byte("Caf\xe9"))
	f.Add(utf16LE("{\"a\":\"😀\"}", true))
	f.Add(utf16BE("[1]", false))
	f.Add([]byte{0xFF, 0xFE, 0x00, 0xD8})
	f.Add([]byte{0xFF, 0xFE, 0xFF, 0xFE, 0xFF, 0xFE})
	f.Fuzz(func(t *testing.T, in []byte) {
		text, warnings, err := Decode("fuzz.json", in)
		if err != nil {
			checkFuzzError(t, err)
		} else {
			if !utf8.Valid(text) || bytes.HasPrefix(text, []byte("\uFEFF")) || len(bytes.Trim(text, " \t\r\n")) == 0 {
				t.Fatalf("Decode(%q) = %q", in, text)
			}
			for _, w := range warnings {
				if !strings.HasPrefix(w, "fuzz.json: ") || strings.ContainsAny(w, "\r\n") {
					t.Fatalf("bad warning %q", w)
				}
			}
		}
		// Text that is already plain UTF-8 JSON comes back untouched, and reads the same
		// from UTF-16 with a BOM, as Windows PowerShell 5.1 writes it.
		s := string(in)
		if !utf8.Valid(in) || strings.HasPrefix(s, "\uFEFF") || len(in) < 2 || in[0] == 0 || in[1] == 0 {
			return
		}
		if err == nil && (string(text) != s || len(warnings) != 0) {
			t.Fatalf("plain UTF-8 %q changed to %q, %q", in, text, warnings)
		}
		text16, _, err16 := Decode("fuzz.json", utf16LE(s, true))
		if (err == nil) != (err16 == nil) || string(text16) != string(text) {
			t.Fatalf("UTF-16 of %q read as %q, %v; UTF-8 as %q, %v", in, text16, err16, text, err)
		}
	})
}
