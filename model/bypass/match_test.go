package bypass

import (
	"strings"
	"testing"
)

type matchCase struct {
	host     string
	port     int
	scheme   string
	bypassed bool
	reason   string
	entry    string // Value of the deciding entry, "" for none
	noteHas  string // a note that must be present, "" for none required
}

func runMatch(t *testing.T, list string, stack Stack, cases []matchCase) {
	t.Helper()
	l := Parse(list)
	for _, c := range cases {
		scheme := c.scheme
		if scheme == "" {
			scheme = "https"
		}
		m := l.Match(stack, c.host, c.port, scheme)
		name := string(stack) + " " + scheme + " " + c.host
		if m.Bypassed != c.bypassed || m.Reason != c.reason {
			t.Errorf("%s: bypassed=%v reason=%s, want bypassed=%v reason=%s (notes %q)", name, m.Bypassed, m.Reason, c.bypassed, c.reason, m.Notes)
		}
		got := ""
		if m.Entry != nil {
			got = m.Entry.Value
		}
		if got != c.entry {
			t.Errorf("%s: entry %q, want %q", name, got, c.entry)
		}
		if c.noteHas != "" && !strings.Contains(strings.Join(m.Notes, "|"), c.noteHas) {
			t.Errorf("%s: notes %q, want one mentioning %q", name, m.Notes, c.noteHas)
		}
		if c.noteHas == "" && len(m.Notes) > 0 {
			t.Errorf("%s: unexpected notes %q", name, m.Notes)
		}
	}
}

// The .NET runtime's test vectors for its reading of the Windows bypass list.
func TestMatchDotnetVectors(t *testing.T) {
	for _, stack := range []Stack{StackWinINet, StackWinHTTP} {
		cases := []matchCase{
			{host: "localhost", bypassed: true, reason: ReasonLoopback, noteHas: "implicit bypass"},
			{host: "127.0.0.1", bypassed: true, reason: ReasonLoopback, noteHas: "implicit bypass"},
			{host: "[::1]", bypassed: true, reason: ReasonLoopback, noteHas: "implicit bypass"},
			{host: "foo", bypassed: true, reason: ReasonLocal, entry: "<local>"},
			{host: "www.foo.com", bypassed: true, reason: ReasonEntry, entry: "*.foo.com"},
			{host: "WWW.FOO.COM", bypassed: true, reason: ReasonEntry, entry: "*.foo.com"},
			{host: "foo.com", bypassed: false, reason: ReasonNoMatch},
			{host: "bar.com", bypassed: true, reason: ReasonEntry, entry: "BAR.COM"},
			{host: "23.23.86.44", bypassed: true, reason: ReasonEntry, entry: "23.23.86.44"},
			{host: "[2002::11]", bypassed: true, reason: ReasonEntry, entry: "[2002::11]"},
			{host: "[2a00:1450:f8b0:4005:80a::200e]", bypassed: true, reason: ReasonEntry, entry: "[*:f8b0:4005:80a::200e]"},
			{host: "[2a01:5b40:0:248::52]", bypassed: false, reason: ReasonNoMatch},
		}
		c162 := matchCase{host: "162.1.1.1", bypassed: true, reason: ReasonEntry, entry: "162*"}
		if stack == StackWinHTTP {
			c162.noteHas = "left-most"
		}
		runMatch(t, dotnetBypass, stack, append(cases, c162))
	}
}

func TestMatchRules(t *testing.T) {
	tests := []struct {
		name  string
		list  string
		stack Stack
		cases []matchCase
	}{
		{"empty list", "", StackWinHTTP, []matchCase{
			{host: "localhost", bypassed: true, reason: ReasonLoopback, noteHas: "implicit bypass"},
			{host: "LocalHost", bypassed: true, reason: ReasonLoopback, noteHas: "implicit bypass"},
			{host: "loopback", bypassed: true, reason: ReasonLoopback, noteHas: "implicit bypass"},
			{host: "127.0.0.1", bypassed: true, reason: ReasonLoopback, noteHas: "implicit bypass"},
			// Windows' list names 127.0.0.1 alone, not all of 127.0.0.0/8 (Chromium's notes).
			{host: "127.10.20.30", bypassed: false, reason: ReasonNoMatch, noteHas: "127.0.0.1 alone"},
			{host: "::1", bypassed: true, reason: ReasonLoopback, noteHas: "implicit bypass"},
			{host: "169.254.1.1", bypassed: true, reason: ReasonLoopback, noteHas: "implicit bypass"},
			{host: "[fe80::1]", bypassed: true, reason: ReasonLoopback, noteHas: "implicit bypass"},
			{host: "intranet", bypassed: false, reason: ReasonNoMatch},
			{host: "128.0.0.1", bypassed: false, reason: ReasonNoMatch},
			{host: "localhost.example", bypassed: false, reason: ReasonNoMatch},
		}},
		{"no-loopback wininet", "<-loopback>", StackWinINet, []matchCase{
			{host: "localhost", bypassed: false, reason: ReasonNoMatch, noteHas: "<-loopback>"},
			{host: "127.0.0.1", bypassed: false, reason: ReasonNoMatch, noteHas: "<-loopback>"},
			{host: "[::1]", bypassed: false, reason: ReasonNoMatch, noteHas: "<-loopback>"},
		}},
		{"no-loopback winhttp", "<-loopback>", StackWinHTTP, []matchCase{
			{host: "localhost", bypassed: true, reason: ReasonLoopback, noteHas: "no effect in WinHTTP"},
			{host: "127.0.0.1", bypassed: true, reason: ReasonLoopback, noteHas: "no effect in WinHTTP"},
		}},
		{"no-loopback with local", "<-loopback>;<local>", StackWinINet, []matchCase{
			{host: "localhost", bypassed: true, reason: ReasonLocal, entry: "<local>"},
			{host: "127.0.0.1", bypassed: false, reason: ReasonNoMatch, noteHas: "<-loopback>"},
		}},
		// WinINet reads a list with <-loopback> from its last entry, as Chromium documents.
		{"no-loopback last", "localhost;127.0.0.1;<-loopback>", StackWinINet, []matchCase{
			{host: "localhost", bypassed: false, reason: ReasonNoMatch, noteHas: "<-loopback>"},
			{host: "127.0.0.1", bypassed: false, reason: ReasonNoMatch, noteHas: "<-loopback>"},
			{host: "[::1]", bypassed: false, reason: ReasonNoMatch, noteHas: "<-loopback>"},
		}},
		{"no-loopback first", "<-loopback>;localhost;127.0.0.1", StackWinINet, []matchCase{
			{host: "localhost", bypassed: true, reason: ReasonEntry, entry: "localhost"},
			{host: "127.0.0.1", bypassed: true, reason: ReasonEntry, entry: "127.0.0.1"},
			{host: "[::1]", bypassed: false, reason: ReasonNoMatch, noteHas: "<-loopback>"},
		}},
		{"local", "<local>", StackWinHTTP, []matchCase{
			{host: "intranet", bypassed: true, reason: ReasonLocal, entry: "<local>"},
			{host: "INTRANET", bypassed: true, reason: ReasonLocal, entry: "<local>"},
			{host: "intranet.corp", bypassed: false, reason: ReasonNoMatch},
			{host: "[fe80::1]", bypassed: true, reason: ReasonLoopback, noteHas: "implicit bypass"},
			{host: "fd00::1", bypassed: false, reason: ReasonNoMatch},
			{host: "10.1.2.3", bypassed: false, reason: ReasonNoMatch},
		}},
		{"wildcards wininet", "ms*;*int*;*.corp.example", StackWinINet, []matchCase{
			{host: "msn.com", bypassed: true, reason: ReasonEntry, entry: "ms*"},
			{host: "ms", bypassed: true, reason: ReasonEntry, entry: "ms*"},
			{host: "printer", bypassed: true, reason: ReasonEntry, entry: "*int*"},
			{host: "a.b.corp.example", bypassed: true, reason: ReasonEntry, entry: "*.corp.example"},
			{host: "corp.example", bypassed: false, reason: ReasonNoMatch},
			{host: "xcorp.example", bypassed: false, reason: ReasonNoMatch},
			{host: "amsn.com", bypassed: false, reason: ReasonNoMatch},
		}},
		{"wildcards winhttp", "ms*;*.corp.example", StackWinHTTP, []matchCase{
			{host: "msn.com", bypassed: true, reason: ReasonEntry, entry: "ms*", noteHas: "left-most"},
			{host: "a.corp.example", bypassed: true, reason: ReasonEntry, entry: "*.corp.example"},
		}},
		{"star", "*", StackWinHTTP, []matchCase{
			{host: "anything.example", bypassed: true, reason: ReasonEntry, entry: "*"},
			{host: "10.0.0.1", bypassed: true, reason: ReasonEntry, entry: "*"},
		}},
		{"ip patterns", "10.*;192.168.*.*;172.16.1.1", StackWinINet, []matchCase{
			{host: "10.1.2.3", bypassed: true, reason: ReasonEntry, entry: "10.*"},
			{host: "192.168.0.1", bypassed: true, reason: ReasonEntry, entry: "192.168.*.*"},
			{host: "192.169.0.1", bypassed: false, reason: ReasonNoMatch},
			{host: "172.16.1.1", bypassed: true, reason: ReasonEntry, entry: "172.16.1.1"},
			{host: "172.16.1.10", bypassed: false, reason: ReasonNoMatch},
			{host: "110.1.2.3", bypassed: false, reason: ReasonNoMatch},
		}},
		{"partial ip is exact", "10.1", StackWinINet, []matchCase{
			{host: "10.1.2.3", bypassed: false, reason: ReasonNoMatch},
		}},
		{"leading dot is exact", ".corp.example", StackWinINet, []matchCase{
			{host: "a.corp.example", bypassed: false, reason: ReasonNoMatch},
		}},
		{"cidr never matches", "10.0.0.0/8", StackWinHTTP, []matchCase{
			{host: "10.1.2.3", bypassed: false, reason: ReasonNoMatch, noteHas: "CIDR"},
			{host: "11.1.2.3", bypassed: false, reason: ReasonNoMatch},
			{host: "ten.example", bypassed: false, reason: ReasonNoMatch},
		}},
		{"scheme restriction", "http://intranet;https://secure", StackWinHTTP, []matchCase{
			{host: "intranet", scheme: "http", bypassed: true, reason: ReasonEntry, entry: "http://intranet"},
			{host: "intranet", scheme: "https", bypassed: false, reason: ReasonNoMatch},
			{host: "secure", scheme: "HTTPS", bypassed: true, reason: ReasonEntry, entry: "https://secure"},
			{host: "secure", scheme: "http", bypassed: false, reason: ReasonNoMatch},
		}},
		{"port restriction", "intranet:8080;web:443;[2002::11]:8443", StackWinHTTP, []matchCase{
			{host: "intranet", port: 8080, bypassed: true, reason: ReasonEntry, entry: "intranet:8080"},
			{host: "intranet", port: 443, bypassed: false, reason: ReasonNoMatch},
			{host: "intranet", scheme: "http", bypassed: false, reason: ReasonNoMatch},
			{host: "web", scheme: "https", bypassed: true, reason: ReasonEntry, entry: "web:443"},
			{host: "web", scheme: "http", bypassed: false, reason: ReasonNoMatch},
			{host: "[2002::11]", port: 8443, bypassed: true, reason: ReasonEntry, entry: "[2002::11]:8443"},
			{host: "[2002::11]", port: 443, bypassed: false, reason: ReasonNoMatch},
		}},
		{"ipv6 literal compares as address", "[2002:0:0::11]", StackWinHTTP, []matchCase{
			{host: "[2002::11]", bypassed: true, reason: ReasonEntry, entry: "[2002:0:0::11]"},
			{host: "[2002::12]", bypassed: false, reason: ReasonNoMatch},
		}},
		{"ipv6 wildcard on uncompressed host", "[2002::*]", StackWinHTTP, []matchCase{
			{host: "[2002:0000:0000:0000:0000:0000:0000:0011]", bypassed: true, reason: ReasonEntry, entry: "[2002::*]", noteHas: "not left-most"},
		}},
		{"first match wins", "*.corp.example;a.corp.example", StackWinHTTP, []matchCase{
			{host: "a.corp.example", bypassed: true, reason: ReasonEntry, entry: "*.corp.example"},
		}},
		{"invalid entries never match", "a.example,b.example;intra$net", StackWinINet, []matchCase{
			{host: "a.example", bypassed: false, reason: ReasonNoMatch},
			{host: "b.example", bypassed: false, reason: ReasonNoMatch},
		}},
		{"unknown stack", "ms*", Stack("curl"), []matchCase{
			{host: "msn.com", bypassed: true, reason: ReasonEntry, entry: "ms*", noteHas: "unknown stack"},
		}},
		{"no dns", "10.*", StackWinHTTP, []matchCase{
			{host: "ten.example", bypassed: false, reason: ReasonNoMatch},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runMatch(t, tt.list, tt.stack, tt.cases) })
	}
}

func TestMatchEntryPointsIntoList(t *testing.T) {
	l := Parse("a;b;c")
	m := l.Match(StackWinHTTP, "b", 0, "https")
	if m.Entry != &l.Entries[1] {
		t.Errorf("Entry does not point at the list's own entry")
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"*", "abc", true},
		{"a*c", "abbbc", true},
		{"a*c", "abcd", false},
		{"*a*b*", "xxaxxbxx", true},
		{"*a*b*", "xxbxxaxx", false},
		{"**", "x", true},
		{"a*a*a*a*b", strings.Repeat("a", 60), false},
	}
	for _, tt := range tests {
		if got := glob(tt.pat, tt.s); got != tt.want {
			t.Errorf("glob(%q, %q) = %v, want %v", tt.pat, tt.s, got, tt.want)
		}
	}
}
