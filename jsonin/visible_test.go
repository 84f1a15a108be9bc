package jsonin

import "testing"

func TestVisible(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"proxy.corp:8080", "proxy.corp:8080"},
		{"h\x1b[2Jost", `h\x1b[2Jost`},
		{"a\rb\nc\td", `a\rb\nc\td`},
		{"del\x7f", `del\x7f`},
		{"csi\u009b31m", `csi\u009b31m`},
		{"abc\u202edcba.com", `abc\u202edcba.com`},
		{"\u2066x\u2069", `\u2066x\u2069`},
		{"b\u00e9b\u00e9.eu", "b\u00e9b\u00e9.eu"},
		{"bad\xffbyte", `bad\xffbyte`},
		{`C:\Temp\x`, `C:\Temp\x`},
		{"", ""},
	} {
		if got := Visible(tc.in); got != tc.want {
			t.Errorf("Visible(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzVisible(f *testing.F) {
	f.Add("h\x1b[2J\u202e\u009b\xff")
	f.Fuzz(func(t *testing.T, s string) {
		v := Visible(s)
		for i := 0; i < len(v); i++ {
			if c := v[i]; c < 0x20 || c == 0x7f {
				t.Fatalf("Visible(%q) kept control byte %#x", s, c)
			}
		}
		for _, r := range v {
			if mustShow(r) {
				t.Fatalf("Visible(%q) kept %U", s, r)
			}
		}
	})
}
