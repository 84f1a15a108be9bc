package system

import (
	"fmt"
	"strings"
)

// NetshProxy is what 'netsh winhttp show proxy' prints: direct access, or a proxy and a
// bypass list ("" when netsh prints its "(none)").
type NetshProxy struct {
	Direct bool
	Proxy  string
	Bypass string
	// Encoding names the OEM code page the text was decoded from, "" for UTF-8 or UTF-16.
	Encoding string
}

// ParseNetsh reads the text of 'netsh winhttp show proxy' in any display language, as saved
// by cmd's ">" (the OEM code page), PowerShell 5.1's ">" (UTF-16LE with a BOM) or PowerShell
// 7 and editors (UTF-8).
//
// The words are localized, so the parser reads the structure, which every language keeps
// (the English, Japanese, Simplified Chinese, French and Brazilian Portuguese outputs seen
// in real captures agree): a header line that names WinHTTP and ends in a colon, then either
// one sentence without a colon (direct access) or two "label : value" lines, the proxy and
// the bypass list. A label holds no colon while a value can ("proxy:8080"), so the first
// colon ends the label. The bypass list's "(none)" is a word in parentheses in every
// language ("(none)", "(なし)", "(无)", "(aucun)"), which no bypass entry can be.
func ParseNetsh(name string, data []byte) (NetshProxy, error) {
	text, enc, err := decodeConsoleText(name, data)
	if err != nil {
		return NetshProxy{}, err
	}
	lines := nonBlankLines(text)
	if len(lines) == 0 {
		return NetshProxy{}, &InputError{Input: name, Msg: "empty file; save the output of 'netsh winhttp show proxy' into it, or pass a .reg export of the WinHttpSettings key"}
	}
	errAt := func(n int, format string, args ...any) error {
		return &InputError{Input: name, Place: fmt.Sprintf("line %d", n), Msg: fmt.Sprintf(format, args...)}
	}
	h := lines[0]
	if !isNetshHeader(h.text) {
		return NetshProxy{}, notNetsh(name, h, text)
	}
	out := NetshProxy{Encoding: enc}
	if len(lines) == 1 {
		return NetshProxy{}, errAt(h.n, "the output ends after its header %s: expected the direct-access sentence or the proxy and bypass lines; the file looks cut", quoteForError(h.text))
	}
	first := lines[1]
	label, value, isField := netshField(first.text)
	switch {
	case !isField:
		// The direct-access sentence: "Direct access (no proxy server).", "直接アクセス (プロキシ
		// サーバーなし)。", ... It is the only line of the body.
		out.Direct = true
		if len(lines) > 2 {
			return NetshProxy{}, errAt(lines[2].n, "unexpected line %s after the direct-access sentence %s: save the output of one 'netsh winhttp show proxy' only", quoteForError(lines[2].text), quoteForError(first.text))
		}
		return out, nil
	case label == "":
		return NetshProxy{}, errAt(first.n, "line %s has no label before its colon: expected \"<proxy label> :  <proxy>\"", quoteForError(first.text))
	case value == "" || isNetshNone(value):
		return NetshProxy{}, errAt(first.n, "the proxy server is empty (%s): netsh prints the direct-access sentence when there is no proxy", quoteForError(first.text))
	}
	out.Proxy = value
	if len(lines) < 3 {
		return NetshProxy{}, errAt(first.n, "the output ends after the proxy line %s: expected the bypass line (\"<bypass label> :  <list or (none)>\"); the file looks cut", quoteForError(first.text))
	}
	second := lines[2]
	label, value, isField = netshField(second.text)
	if !isField || label == "" {
		return NetshProxy{}, errAt(second.n, "line %s does not have the shape of the bypass line (\"<label> :  <list or (none)>\") that follows the proxy line", quoteForError(second.text))
	}
	if !isNetshNone(value) {
		out.Bypass = value
	}
	if len(lines) > 3 {
		return NetshProxy{}, errAt(lines[3].n, "unexpected line %s after the proxy settings: save the output of one 'netsh winhttp show proxy' only", quoteForError(lines[3].text))
	}
	return out, nil
}

type textLine struct {
	n    int // 1-based line number
	text string
}

// nonBlankLines are the trimmed lines that hold something; console padding and the blank
// lines netsh prints around its output do not matter. U+00A0 and U+202F count as blanks
// (French puts a no-break space before its colons).
func nonBlankLines(text []rune) []textLine {
	var out []textLine
	for k, raw := range splitLines(text) {
		if s := trimConsole(string(raw)); s != "" {
			out = append(out, textLine{k + 1, s})
		}
	}
	return out
}

func trimConsole(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\r' || r == 0xA0 || r == 0x202F || r == 0x3000 || r == 0xFEFF
	})
}

// isNetshHeader: "Current WinHTTP proxy settings:", "現在の WinHTTP プロキシ設定:", "当前的 WinHTTP
// 代理服务器设置:", "Paramètres de proxy WinHTTP actuels :", "Aktuelle WinHTTP-Proxyeinstellungen:".
func isNetshHeader(s string) bool {
	return strings.Contains(strings.ToLower(s), "winhttp") && (strings.HasSuffix(s, ":") || strings.HasSuffix(s, "："))
}

// netshField splits "<label> : <value>" at its first colon (ASCII or full-width).
func netshField(line string) (label, value string, ok bool) {
	i := strings.IndexAny(line, ":：")
	if i < 0 {
		return "", "", false
	}
	c := ":"
	if strings.HasPrefix(line[i:], "：") {
		c = "："
	}
	return trimConsole(line[:i]), trimConsole(line[i+len(c):]), true
}

// isNetshNone recognises the localized "(none)": one word or phrase in parentheses, with
// nothing a bypass entry would hold.
func isNetshNone(v string) bool {
	if !(strings.HasPrefix(v, "(") && strings.HasSuffix(v, ")")) && !(strings.HasPrefix(v, "（") && strings.HasSuffix(v, "）")) {
		return false
	}
	return !strings.ContainsAny(v, ";.*<>=/")
}

// notNetsh explains a text that is no format ccproxy reads, saying what it looks like.
func notNetsh(name string, first textLine, text []rune) error {
	lower := strings.ToLower(first.text)
	all := strings.ToLower(string(text))
	hint := "pass a .reg export (reg export \"HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections\" winhttp.reg), a state written by 'ccproxy get', or the output of 'netsh winhttp show proxy' or 'netsh winhttp show advproxy'"
	what := ""
	switch {
	case strings.HasPrefix(lower, "hkey_") || strings.HasPrefix(lower, "hklm\\") || strings.HasPrefix(lower, "hkcu\\"):
		if strings.Contains(all, "reg_binary") || strings.Contains(all, "reg_sz") || strings.Contains(all, "reg_dword") {
			what = "the output of 'reg query'"
		} else {
			what = "a list of registry key names"
		}
	case strings.HasPrefix(lower, "reg add") || strings.HasPrefix(lower, "reg.exe add"):
		what = "a 'reg add' command line"
	case strings.Contains(all, "windows registry editor version") || strings.Contains(all, "regedit4"):
		what = "a script or document with a .reg export inside it (the export's header is not on its first line)"
	case strings.HasPrefix(lower, "netsh") || strings.Contains(lower, ">netsh"):
		what = "a netsh command line rather than its output"
	case strings.Contains(lower, "winhttp"):
		return &InputError{Input: name, Place: fmt.Sprintf("line %d", first.n), Msg: fmt.Sprintf("%s looks like netsh text but not the header of 'netsh winhttp show proxy' (a line naming WinHTTP that ends in a colon); hint: save the whole output of one command, or %s", quoteForError(first.text), hint)}
	default:
		what = "no format ccproxy reads"
	}
	return &InputError{Input: name, Place: fmt.Sprintf("line %d", first.n), Msg: fmt.Sprintf("%s: this is %s; hint: %s", quoteForError(first.text), what, hint)}
}
