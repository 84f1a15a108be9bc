package bypass

import (
	"reflect"
	"strings"
	"testing"
)

// dotnetBypass is .NET's own test vector for its reading of the Windows bypass list.
const dotnetBypass = "23.23.86.44;*.foo.com;<local>;BAR.COM; ; 162*;[2002::11];[*:f8b0:4005:80a::200e]"

func TestParseDotnetVector(t *testing.T) {
	l := Parse(dotnetBypass)
	type want struct {
		value, kind, host string
	}
	exp := []want{
		{"23.23.86.44", KindIPLiteral, "23.23.86.44"},
		{"*.foo.com", KindWildcard, "*.foo.com"},
		{"<local>", KindLocal, ""},
		{"BAR.COM", KindExact, "bar.com"},
		{"162*", KindWildcard, "162*"},
		{"[2002::11]", KindIPv6, "2002::11"},
		{"[*:f8b0:4005:80a::200e]", KindIPv6, "*:f8b0:4005:80a::200e"},
	}
	if len(l.Entries) != len(exp) {
		t.Fatalf("got %d entries, want %d: %+v", len(l.Entries), len(exp), l.Entries)
	}
	for i, w := range exp {
		e := l.Entries[i]
		if e.Value != w.value || e.Kind != w.kind || e.Host() != w.host {
			t.Errorf("entry %d = %q %s host %q, want %q %s host %q", i, e.Value, e.Kind, e.Host(), w.value, w.kind, w.host)
		}
		if e.WindowsMayIgnore && e.Kind != KindWildcard {
			t.Errorf("entry %q flagged WindowsMayIgnore: %s", e.Value, e.Note)
		}
	}
	// "162*" has its '*' after the first character: not left-most.
	if !l.Entries[4].WindowsMayIgnore {
		t.Errorf("162* should be flagged for WinHTTP's left-most rule")
	}
	if l.Entries[1].WindowsMayIgnore {
		t.Errorf("*.foo.com is a left-most wildcard and should not be flagged")
	}
	if got := l.String(); got != "23.23.86.44;*.foo.com;<local>;BAR.COM;162*;[2002::11];[*:f8b0:4005:80a::200e]" {
		t.Errorf("String() = %q", got)
	}
	if l.Raw != dotnetBypass {
		t.Errorf("Raw = %q", l.Raw)
	}
}

func TestParseEntries(t *testing.T) {
	tests := []struct {
		in      string
		kind    string
		scheme  string
		port    int
		ignore  bool
		host    string
		noteHas string
	}{
		{in: "<local>", kind: KindLocal},
		{in: "<LOCAL>", kind: KindLocal},
		{in: "<-loopback>", kind: KindNoLoopback, ignore: true, noteHas: "WinHTTP"},
		{in: "<intranet>", kind: KindInvalid, ignore: true, noteHas: "<local>"},
		{in: "localhost", kind: KindExact, host: "localhost"},
		{in: "Server01", kind: KindExact, host: "server01"},
		{in: "*.corp.example", kind: KindWildcard, host: "*.corp.example"},
		{in: "*", kind: KindWildcard, host: "*", noteHas: "every host"},
		{in: "ms*", kind: KindWildcard, host: "ms*", ignore: true, noteHas: "left-most"},
		{in: "*int*", kind: KindWildcard, host: "*int*", ignore: true},
		{in: "10.*", kind: KindIPPattern, host: "10.*", ignore: true},
		{in: "192.168.*.*", kind: KindIPPattern, host: "192.168.*.*", ignore: true},
		{in: "*.1", kind: KindIPPattern, host: "*.1"},
		{in: "10.1.2.3", kind: KindIPLiteral, host: "10.1.2.3"},
		{in: "10.1", kind: KindExact, host: "10.1", noteHas: "matches only that exact host; for a range, list the internal hosts"},
		{in: ".corp.example", kind: KindExact, host: ".corp.example", ignore: true, noteHas: "*.corp.example"},
		{in: "10.0.0.0/8", kind: KindCIDR, host: "10.0.0.0/8", ignore: true, noteHas: "list the internal hosts in that range"},
		{in: "192.168.1.0/24", kind: KindCIDR, host: "192.168.1.0/24", ignore: true, noteHas: "list the internal hosts in that range"},
		{in: "172.16.0.0/12", kind: KindCIDR, host: "172.16.0.0/12", ignore: true, noteHas: "list the internal hosts in that range"},
		{in: "10.1.2.3/32", kind: KindCIDR, host: "10.1.2.3/32", ignore: true, noteHas: "write 10.1.2.3"},
		{in: "10.128.0.0/9", kind: KindCIDR, host: "10.128.0.0/9", ignore: true, noteHas: "list the internal hosts in that range"},
		{in: "[fd00::]/8", kind: KindCIDR, host: "fd00::/8", ignore: true},
		{in: "fd00::/8", kind: KindCIDR, host: "fd00::/8", ignore: true},
		{in: "http://intranet", kind: KindExact, scheme: "http", host: "intranet"},
		{in: "HTTPS://*.corp.example", kind: KindWildcard, scheme: "https", host: "*.corp.example"},
		{in: "ftp://files", kind: KindInvalid, ignore: true, noteHas: "http://"},
		{in: "intranet:8080", kind: KindExact, port: 8080, host: "intranet"},
		{in: "http://intranet:8080", kind: KindExact, scheme: "http", port: 8080, host: "intranet"},
		{in: "intranet:0", kind: KindInvalid, ignore: true, noteHas: "1 to 65535"},
		{in: "intranet:65536", kind: KindInvalid, ignore: true},
		{in: "intranet:", kind: KindInvalid, ignore: true},
		{in: "intranet:http", kind: KindInvalid, ignore: true},
		{in: ":80", kind: KindInvalid, ignore: true, noteHas: "no host"},
		{in: "http://", kind: KindInvalid, ignore: true},
		{in: "[2002::11]", kind: KindIPv6, host: "2002::11"},
		{in: "[2002::11]:443", kind: KindIPv6, port: 443, host: "2002::11"},
		{in: "[*:f8b0:4005:80a::200e]", kind: KindIPv6, host: "*:f8b0:4005:80a::200e"},
		{in: "2002::11", kind: KindIPv6, host: "2002::11", ignore: true, noteHas: "[2002::11]"},
		{in: "[2002::11", kind: KindInvalid, ignore: true},
		{in: "[]", kind: KindInvalid, ignore: true},
		{in: "[intranet]", kind: KindInvalid, ignore: true},
		{in: "[::1]x", kind: KindInvalid, ignore: true},
		{in: "a.example,b.example", kind: KindInvalid, ignore: true, noteHas: "';'"},
		{in: "\u00a0intranet", kind: KindInvalid, ignore: true, noteHas: "non-ASCII"},
		{in: "bücher.example", kind: KindInvalid, ignore: true, noteHas: "xn--"},
		{in: "intra$net", kind: KindInvalid, ignore: true},
		{in: "intranet/path", kind: KindExact, host: "intranet", ignore: true, noteHas: "path"},
		{in: "http://intranet:81/x", kind: KindExact, scheme: "http", port: 81, host: "intranet", ignore: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			l := Parse(tt.in)
			if len(l.Entries) != 1 {
				t.Fatalf("got %d entries: %+v", len(l.Entries), l.Entries)
			}
			e := l.Entries[0]
			if e.Value != tt.in {
				t.Errorf("Value = %q", e.Value)
			}
			if e.Kind != tt.kind || e.Scheme != tt.scheme || e.Port != tt.port || e.WindowsMayIgnore != tt.ignore {
				t.Errorf("got kind=%s scheme=%q port=%d ignore=%v (%s), want kind=%s scheme=%q port=%d ignore=%v",
					e.Kind, e.Scheme, e.Port, e.WindowsMayIgnore, e.Note, tt.kind, tt.scheme, tt.port, tt.ignore)
			}
			if tt.kind != KindInvalid && tt.kind != KindLocal && tt.kind != KindNoLoopback && e.Host() != tt.host {
				t.Errorf("Host() = %q, want %q", e.Host(), tt.host)
			}
			if !strings.Contains(e.Note, tt.noteHas) {
				t.Errorf("Note = %q, want it to mention %q", e.Note, tt.noteHas)
			}
			if (e.Kind == KindInvalid || e.WindowsMayIgnore) && e.Note == "" {
				t.Errorf("a flagged entry needs a note")
			}
		})
	}
}

func TestParseSeparators(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" ; ;\t", nil},
		{"a;b", []string{"a", "b"}},
		{"a b\tc\r\nd", []string{"a", "b", "c", "d"}},
		{";;a;;", []string{"a"}},
		{"  <local> ;  *.x  ", []string{"<local>", "*.x"}},
		{"a,b;c", []string{"a,b", "c"}},
	}
	for _, tt := range tests {
		l := Parse(tt.in)
		var got []string
		for _, e := range l.Entries {
			got = append(got, e.Value)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.Join(tt.want, ";") != l.String() {
			t.Errorf("Parse(%q).String() = %q", tt.in, l.String())
		}
	}
}

func TestEntryHostForHandBuiltEntry(t *testing.T) {
	e := Entry{Value: "HTTP://*.Corp.Example:8080", Kind: KindWildcard, Scheme: "http", Port: 8080}
	if e.Host() != "*.corp.example" {
		t.Errorf("Host() = %q", e.Host())
	}
	l := List{Entries: []Entry{e}}
	if m := l.Match(StackWinINet, "a.corp.example", 8080, "http"); !m.Bypassed {
		t.Errorf("hand-built entry did not match: %+v", m)
	}
}

// The hint for a CIDR range names only entries every stack honours without a caveat (the
// address itself), or the internal hosts themselves; every entry Unusable refuses says what
// to write instead.
func TestCIDRHintIsUsable(t *testing.T) {
	for _, c := range []string{"10.0.0.0/8", "192.168.1.0/24", "172.16.0.0/12", "10.1.2.3/32", "10.128.0.0/9", "fd00::/8", "fd00::5/128"} {
		note := Parse(c).Entries[0].Note
		for _, w := range strings.Fields(note) {
			w = strings.Trim(w, ",;()'")
			if strings.ContainsAny(w, "*") && w != "*.suffix" {
				t.Errorf("%s: the hint %q proposes the pattern %q", c, note, w)
			}
		}
		if hint := CIDRHint(c); strings.HasPrefix(hint, "write ") {
			for _, e := range Parse(strings.TrimPrefix(hint, "write ")).Entries {
				if cv := Caveat(e, StackWinHTTP); cv != "" {
					t.Errorf("%s: hint %q has entry %q with caveat %q", c, hint, e.Value, cv)
				}
			}
		} else if hint != RangeHint {
			t.Errorf("%s: hint %q", c, hint)
		}
	}
	// Nor does the note on a partial address propose a pattern.
	if note := Parse("10.1").Entries[0].Note; strings.Contains(note, "10.1.*") || !strings.Contains(note, "list the internal hosts") {
		t.Errorf("10.1: note %q", note)
	}
	// An IPv6 pattern whose '*' is not left-most carries WinHTTP's caveat; a left-most one does not.
	if Caveat(Parse("[fd00::*]").Entries[0], StackWinHTTP) == "" || Caveat(Parse("[*:f8b0::200e]").Entries[0], StackWinHTTP) != "" {
		t.Error("IPv6 wildcards: the caveat does not follow the left-most rule")
	}
	for _, v := range []string{"10.0.0.0/8", "corp.example/x", ".corp.example", "fd00::1", "a,b", "<lan>"} {
		e := Parse(v).Entries[0]
		if why, bad := e.Unusable(); !bad || why == "" {
			t.Errorf("%s: Unusable = %q, %v", v, why, bad)
		}
	}
	for _, v := range []string{"*.corp.example", "10.*", "[fd00::1]", "<local>", "ms*", "dc01.corp.example:8080"} {
		if why, bad := Parse(v).Entries[0].Unusable(); bad {
			t.Errorf("%s refused: %s", v, why)
		}
	}
}
