// Package bypass reads Windows proxy strings and proxy bypass lists, decides whether a
// host is bypassed, and decides how WinHTTP or WinINet would route a URL.
//
// It models the stacks from their documentation and from .NET's reading of the same
// settings, never from the machine it runs on: no DNS lookups, no system calls.
package bypass

import (
	"net/netip"
	"strconv"
	"strings"
)

// Entry kinds.
const (
	KindLocal      = "local"      // <local>
	KindNoLoopback = "noLoopback" // <-loopback>
	KindExact      = "exact"      // a host name
	KindWildcard   = "wildcard"   // a host name pattern with *
	KindIPLiteral  = "ipLiteral"  // 10.1.2.3
	KindIPPattern  = "ipPattern"  // 10.* or 192.168.*.*
	KindIPv6       = "ipv6"       // [2002::11], [*:f8b0::200e]
	KindCIDR       = "cidr"       // 10.0.0.0/8 - not supported by Windows
	KindInvalid    = "invalid"
)

// Entry is one entry of a bypass list.
type Entry struct {
	Value            string `json:"value"`            // the entry as written, trimmed
	Kind             string `json:"kind"`             // one of the Kind* constants
	Scheme           string `json:"scheme"`           // "http" or "https" when the entry has a scheme:// prefix, "" otherwise
	Port             int    `json:"port"`             // 0 when none
	WindowsMayIgnore bool   `json:"windowsMayIgnore"` // Windows may not honour this entry (see Note)
	Note             string `json:"note"`             // why, in one short sentence; "" when nothing to say

	host string // the host part, lower-case, without scheme, port, path or IPv6 brackets
}

// Host is the host part of the entry, lower-case, without scheme, port, path or brackets.
func (e Entry) Host() string {
	if e.host == "" && e.Value != "" {
		// An Entry built by hand rather than by Parse.
		return parseEntry(e.Value).host
	}
	return e.host
}

// innerWildcard reports a host pattern with a '*' that is not left-most, which WinINet
// honours but WinHTTP's documentation does not allow.
func (e *Entry) innerWildcard() bool {
	// An IPv6 pattern ([fd00::*]) is held to the same rule: WinHTTP documents no other, and
	// Wine's domain_matches takes a '*' only at the start, as a suffix match.
	return (e.Kind == KindWildcard || e.Kind == KindIPPattern || e.Kind == KindIPv6) && len(e.Host()) > 1 && strings.Contains(e.Host()[1:], "*")
}

// List is a parsed bypass list.
type List struct {
	Raw     string  `json:"raw"`
	Entries []Entry `json:"entries"`
}

// isSep reports the bypass-list separators: ';' (documented) and ASCII whitespace.
// ',' is deliberately not one: Windows documents only ';', so a ',' stays inside the entry
// and the entry is reported as invalid rather than silently split.
func isSep(c byte) bool {
	switch c {
	case ';', ' ', '\t', '\r', '\n', '\v', '\f':
		return true
	}
	return false
}

// Parse reads a bypass list. It never fails: entries Windows cannot use are kept with
// Kind "invalid" and a Note, so that callers can report them. The entries are counted first
// and stored in one allocation, so a list costs its own size plus one Entry per entry: a
// megabyte that any user can write into their ProxyOverride stays tens of megabytes, not the
// gigabyte that growing a slice and a list of tokens cost.
func Parse(raw string) List {
	l := List{Raw: raw}
	if n := countSeps(raw); n > 0 {
		l.Entries = make([]Entry, 0, n)
	}
	eachSep(raw, func(tok string) { l.Entries = append(l.Entries, parseEntry(tok)) })
	return l
}

// countSeps is the number of entries eachSep yields.
func countSeps(s string) int {
	n := 0
	eachSep(s, func(string) { n++ })
	return n
}

// eachSep calls f with each entry of s, in order; separators never make empty entries.
func eachSep(s string, f func(string)) {
	start := -1
	for i := 0; i < len(s); i++ {
		if isSep(s[i]) {
			if start >= 0 {
				f(s[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		f(s[start:])
	}
}

// String is the list as Windows writes it: entries joined with ";".
func (l List) String() string {
	vals := make([]string, len(l.Entries))
	for i, e := range l.Entries {
		vals[i] = e.Value
	}
	return strings.Join(vals, ";")
}

// Has reports whether the list holds an entry of the given kind.
func (l List) Has(kind string) bool {
	for _, e := range l.Entries {
		if e.Kind == kind {
			return true
		}
	}
	return false
}

func invalid(v, note string) Entry {
	return Entry{Value: v, Kind: KindInvalid, WindowsMayIgnore: true, Note: note}
}

func parseEntry(v string) Entry {
	switch strings.ToLower(v) {
	case "<local>":
		return Entry{Value: v, Kind: KindLocal}
	case "<-loopback>":
		return Entry{Value: v, Kind: KindNoLoopback, WindowsMayIgnore: true,
			Note: "WinINet (IE9+) stops bypassing loopback addresses; WinHTTP reportedly ignores it"}
	}
	if strings.HasPrefix(v, "<") {
		return invalid(v, "unknown <...> entry; Windows knows only <local> and <-loopback>")
	}
	for i := 0; i < len(v); i++ {
		if v[i] >= 0x80 {
			return invalid(v, "non-ASCII characters (a pasted non-breaking space or an IDN name); write the ASCII or xn-- form")
		}
	}
	if strings.Contains(v, ",") {
		return invalid(v, "',' is not a separator in Windows bypass lists; separate entries with ';'")
	}

	e := Entry{Value: v}
	rest := v
	if i := strings.Index(rest, "://"); i >= 0 {
		scheme := strings.ToLower(rest[:i])
		if scheme != "http" && scheme != "https" {
			return invalid(v, "only http:// and https:// prefixes restrict a bypass entry")
		}
		e.Scheme = scheme
		rest = rest[i+3:]
	}

	path := ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest, path = rest[:i], rest[i:]
	}
	if path != "" {
		if c, ok := parseCIDR(rest, path); ok {
			// Microsoft documents no CIDR form, Wine compares entries as text, and .NET as a
			// glob: no Windows stack matches "10.0.0.0/8" (Chromium alone parses it).
			e.Kind = KindCIDR
			e.host = c
			e.WindowsMayIgnore = true
			e.Note = cidrNote(c)
			return e
		}
	}

	host, port, ok := splitHostPort(rest)
	if !ok {
		return invalid(v, "port must be a number from 1 to 65535")
	}
	e.Port = port
	if host == "" {
		return invalid(v, "no host name")
	}
	e.host = strings.ToLower(host)

	if strings.HasPrefix(host, "[") {
		if len(host) < 2 || !strings.HasSuffix(host, "]") {
			return invalid(v, "unclosed or misplaced [ ] around an IPv6 address")
		}
		inner := host[1 : len(host)-1]
		if !validIPv6Pattern(inner) {
			return invalid(v, "not an IPv6 address or pattern inside [ ]")
		}
		e.host = strings.ToLower(inner)
		e.Kind = KindIPv6
	} else if strings.Count(host, ":") >= 2 {
		if !validIPv6Pattern(host) {
			return invalid(v, "not a host name, IP address or IPv6 address")
		}
		e.Kind = KindIPv6
		e.WindowsMayIgnore = true
		e.Note = "IPv6 address without brackets; write it as [" + host + "]"
	} else {
		if !validHostPattern(host) {
			return invalid(v, "not a host name or IP address (allowed: letters, digits, '-', '.', '_' and '*')")
		}
		e.Kind, e.Note = classifyHost(host)
		if strings.HasPrefix(e.Note, leadingDotNote) {
			e.WindowsMayIgnore = true
		}
		if c := Caveat(e, StackWinHTTP); c != "" {
			// WindowsMayIgnore and Note speak for the strictest stack, WinHTTP: the services.
			e.WindowsMayIgnore = true
			e.Note = c
		}
	}

	if path != "" {
		e.WindowsMayIgnore = true
		e.Note = joinNotes(e.Note, "bypass entries name hosts, not paths; the path "+path+" is ignored here and may make Windows ignore the entry")
	}
	return e
}

// splitHostPort splits "host", "host:port", "[v6]" and "[v6]:port". An unbracketed
// string with several colons is an IPv6 address without a port. ok is false for a port
// that is present but not 1-65535.
func splitHostPort(s string) (host string, port int, ok bool) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return s, 0, true // reported as an invalid host by the caller
		}
		host, after := s[:end+1], s[end+1:]
		if after == "" {
			return host, 0, true
		}
		if !strings.HasPrefix(after, ":") {
			return s, 0, true
		}
		p, ok := parsePort(after[1:])
		return host, p, ok
	}
	if strings.Count(s, ":") != 1 {
		return s, 0, true
	}
	i := strings.IndexByte(s, ':')
	p, ok := parsePort(s[i+1:])
	return s[:i], p, ok
}

func parsePort(s string) (int, bool) {
	if s == "" || len(s) > 5 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	p, err := strconv.Atoi(s)
	if err != nil || p < 1 || p > 65535 {
		return 0, false
	}
	return p, true
}

// parseCIDR recognises "addr/bits" (IPv4, IPv6 with or without brackets) and returns the
// canonical prefix.
func parseCIDR(host, path string) (string, bool) {
	bits := path[1:]
	if bits == "" || len(bits) > 3 {
		return "", false
	}
	for i := 0; i < len(bits); i++ {
		if bits[i] < '0' || bits[i] > '9' {
			return "", false
		}
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	pfx, err := netip.ParsePrefix(host + "/" + bits)
	if err != nil {
		return "", false
	}
	return pfx.String(), true
}

func validHostPattern(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '.', c == '_', c == '*':
		default:
			return false
		}
	}
	return true
}

// validIPv6Pattern accepts an IPv6 address, or a pattern of hex digits, ':', '.' and '*'
// with at least one '*' and one ':'.
func validIPv6Pattern(s string) bool {
	if s == "" {
		return false
	}
	if !strings.Contains(s, "*") {
		a, err := netip.ParseAddr(s)
		return err == nil && a.Is6()
	}
	if !strings.Contains(s, ":") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		case c == ':', c == '.', c == '*':
		default:
			return false
		}
	}
	return true
}

// leadingDotNote starts the note of ".corp.example": Wine compares such an entry as an exact
// name (dlls/winhttp, dlls/wininet domain_matches) and .NET as a whole-string glob, so it
// matches no host; only Chromium rewrites it to "*.corp.example".
const leadingDotNote = "a leading '.' is not a suffix match in Windows; write *"

// Unusable says why no Windows stack can use an entry, with the entry to write instead:
// invalid entries, CIDR ranges, paths, a leading '.', an IPv6 address without brackets.
// Desired states refuse them; entries Windows merely may not honour (a wildcard that is
// not left-most, <-loopback>) are written with a warning.
func (e Entry) Unusable() (string, bool) {
	switch {
	case e.Kind == KindInvalid, e.Kind == KindCIDR:
		return e.Note, true
	case strings.Contains(e.Note, "not paths"), strings.HasPrefix(e.Note, leadingDotNote), e.Kind == KindIPv6 && strings.HasPrefix(e.Note, "IPv6 address without brackets"):
		return e.Note, true
	}
	return "", false
}

// CIDRHint is what to write instead of a CIDR range: the address itself for a single
// address, else RangeHint. No IP pattern is offered: "10.*" has a '*' that is not left-most,
// which Microsoft does not document for WinHTTP (Caveat), and the hint must name only
// entries every command accepts without a warning.
func CIDRHint(cidr string) string {
	pfx, err := netip.ParsePrefix(cidr)
	if err != nil {
		return "write each address on its own (IPv6 addresses in [ ])"
	}
	if pfx.IsSingleIP() {
		if pfx.Addr().Is6() {
			return "write [" + pfx.Addr().String() + "]"
		}
		return "write " + pfx.Addr().String()
	}
	return RangeHint
}

// cidrNote is the note of a CIDR entry, with what to write instead.
func cidrNote(cidr string) string {
	// Microsoft documents no range form for either stack, Wine compares entries as text,
	// and .NET as a glob: only Chromium parses "10.0.0.0/8".
	return "WinINet and WinHTTP do not support CIDR ranges; " + CIDRHint(cidr)
}

func octets(b []byte) string {
	parts := make([]string, len(b))
	for i, o := range b {
		parts[i] = strconv.Itoa(int(o))
	}
	return strings.Join(parts, ".")
}

func classifyHost(h string) (kind, note string) {
	if strings.Contains(h, "*") {
		if h == "*" {
			return KindWildcard, "'*' bypasses the proxy for every host"
		}
		if isIPPattern(h) {
			return KindIPPattern, ""
		}
		return KindWildcard, ""
	}
	if a, err := netip.ParseAddr(h); err == nil && a.Is4() {
		return KindIPLiteral, ""
	}
	if strings.HasPrefix(h, ".") {
		return KindExact, leadingDotNote + h
	}
	if isPartialIP(h) {
		// Not "write 10.1.* for a range": that pattern is one WinHTTP does not document (Caveat),
		// and nothing the tool proposes is written that way.
		return KindExact, "looks like part of an IP address, which matches only that exact host; for a range, " + RangeHint
	}
	return KindExact, ""
}

// isIPPattern: dot-separated labels, each "*" or a decimal 0-255, up to four labels,
// at least one of each.
func isIPPattern(h string) bool {
	labels := strings.Split(h, ".")
	if len(labels) > 4 {
		return false
	}
	star, num := false, false
	for _, l := range labels {
		if l == "*" {
			star = true
			continue
		}
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 || n > 255 || len(l) > 3 || l[0] == '+' || l[0] == '-' {
			return false
		}
		num = true
	}
	return star && num
}

func isPartialIP(h string) bool {
	labels := strings.Split(h, ".")
	if len(labels) < 2 || len(labels) > 3 {
		return false
	}
	for _, l := range labels {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 || n > 255 || len(l) > 3 || l[0] == '+' || l[0] == '-' {
			return false
		}
	}
	return true
}
