package system

import (
	"fmt"
	"strings"
)

// NetshProxy is what 'netsh winhttp show proxy' prints: direct access, or a proxy and a
// bypass list ("" when netsh prints "(none)").
type NetshProxy struct {
	Direct bool
	Proxy  string
	Bypass string
}

const (
	netshHeader = "Current WinHTTP proxy settings:"
	netshDirect = "Direct access (no proxy server)."
	netshProxy  = "Proxy Server(s)"
	netshBypass = "Bypass List"
	netshNone   = "(none)"
)

// ParseNetsh reads the English text of 'netsh winhttp show proxy', as saved by cmd's ">"
// (the OEM code page, ASCII here), PowerShell 5.1's ">" (UTF-16LE with a BOM) or a UTF-8 editor.
//
// The text is localized and nothing in it says which language it is in, so anything that is
// not exactly the known English lines is refused rather than guessed at. No Windows version is
// known to print further lines (auto-detect, PAC URL) here; 'show advproxy' is a separate command.
func ParseNetsh(name string, data []byte) (NetshProxy, error) {
	text, err := decodeText(name, data)
	if err != nil {
		return NetshProxy{}, err
	}
	errAt := func(n int, format string, args ...any) error {
		return &InputError{Input: name, Place: fmt.Sprintf("line %d", n), Msg: fmt.Sprintf(format, args...)}
	}
	const (
		wantHeader = iota
		wantSetting
		wantBypass
		done
	)
	var out NetshProxy
	state, last := wantHeader, 0
	for k, raw := range splitLines(text) {
		n := k + 1
		line := strings.TrimSpace(string(raw))
		if line == "" {
			continue
		}
		last = n
		switch state {
		case wantHeader:
			if !strings.EqualFold(collapseBlanks(line), netshHeader) {
				return NetshProxy{}, errAt(n, "not the English output of 'netsh winhttp show proxy' (found %s); run it under an English display language or pass a .reg export of the WinHttpSettings key",
					quoteForError(line))
			}
			state = wantSetting
		case wantSetting:
			if strings.EqualFold(strings.TrimSuffix(collapseBlanks(line), "."), strings.TrimSuffix(netshDirect, ".")) {
				out.Direct = true
				state = done
				break
			}
			v, ok := netshField(line, netshProxy)
			if !ok {
				return NetshProxy{}, errAt(n, "unexpected line %s: expected %q or \"%s :  <proxy>\"", quoteForError(line), netshDirect, netshProxy)
			}
			if v == "" || strings.EqualFold(v, netshNone) {
				return NetshProxy{}, errAt(n, "the proxy server is empty: netsh prints %q when there is no proxy", netshDirect)
			}
			out.Proxy = v
			state = wantBypass
		case wantBypass:
			v, ok := netshField(line, netshBypass)
			if !ok {
				return NetshProxy{}, errAt(n, "unexpected line %s: expected \"%s     :  <bypass list or (none)>\"", quoteForError(line), netshBypass)
			}
			if !strings.EqualFold(v, netshNone) {
				out.Bypass = v
			}
			state = done
		case done:
			return NetshProxy{}, errAt(n, "unexpected line %s after the proxy settings: save the output of one 'netsh winhttp show proxy' only", quoteForError(line))
		}
	}
	switch state {
	case wantHeader:
		return NetshProxy{}, &InputError{Input: name, Msg: "empty file; save the output of 'netsh winhttp show proxy' into it, or pass a .reg export of the WinHttpSettings key"}
	case wantSetting:
		return NetshProxy{}, errAt(last, "output ends after the header: expected %q or \"%s :  <proxy>\"; the file looks cut", netshDirect, netshProxy)
	case wantBypass:
		return NetshProxy{}, errAt(last, "output ends after the proxy server: expected \"%s :  <bypass list>\"; the file looks cut", netshBypass)
	}
	return out, nil
}

// netshField reads "<label> :  <value>". The label holds no colon, while the value can
// ("proxy:8080", "http=p:3128"), so the first colon ends the label.
func netshField(line, label string) (string, bool) {
	l, v, ok := strings.Cut(line, ":")
	if !ok || !strings.EqualFold(collapseBlanks(l), label) {
		return "", false
	}
	return strings.TrimSpace(v), true
}

// collapseBlanks trims a label and turns its runs of blanks into single spaces, so that
// netsh's column padding does not matter. Values are kept as printed.
func collapseBlanks(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' }), " ")
}
