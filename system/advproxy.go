package system

import (
	"fmt"
	"strings"

	"ccproxy/model"
)

// ParseAdvanced reads the advanced WinHTTP settings from any of the three texts that show
// them: the output of 'netsh winhttp show advproxy' (a header, then the JSON), the bare JSON
// that 'netsh winhttp set advproxy settings-file=' takes, or the text of the WinHttpProxy
// module's 'Get-WinhttpProxy -Advanced' (the header, then "Proxy: ...", "ProxyBypass: ...",
// "AutoconfigUrl: ...", "AutoDetect: True|False" lines, as its WinHttpProxy.psm1 prints them).
// The header is localized and not read; the JSON keys and the module's labels are not.
func ParseAdvanced(name string, data []byte) (*model.AdvancedSettings, []string, error) {
	text, _, err := decodeConsoleText(name, data)
	if err != nil {
		return nil, nil, err
	}
	lines := nonBlankLines(text)
	if len(lines) == 0 {
		return nil, nil, &InputError{Input: name, Msg: "empty file; save the output of 'netsh winhttp show advproxy' into it"}
	}
	body, source := lines, "settingsFile"
	if !strings.HasPrefix(lines[0].text, "{") {
		if !isNetshHeader(lines[0].text) {
			return nil, nil, notNetsh(name, lines[0], text)
		}
		body, source = lines[1:], "netshShowAdvproxy"
	}
	if len(body) == 0 {
		return nil, nil, &InputError{Input: name, Place: fmt.Sprintf("line %d", lines[0].n), Msg: "the output ends after its header: expected the JSON of the advanced settings; the file looks cut"}
	}
	if strings.HasPrefix(body[0].text, "{") {
		// Line numbers in JSON errors count from the "{".
		var b strings.Builder
		for _, l := range body {
			b.WriteString(l.text)
			b.WriteByte('\n')
		}
		return model.ParseAdvancedJSON(name, []byte(b.String()), source)
	}
	return parseGetWinhttpProxy(name, body)
}

// advancedLabels are the labels 'Get-WinhttpProxy -Advanced' prints, in English in every
// display language (they are string literals of the module).
var advancedLabels = []string{"connection name", "proxy", "proxybypass", "autoconfigurl", "autodetect"}

// isGetWinhttpProxyText: the body has one of the module's own labels that 'show proxy' never
// prints.
func isGetWinhttpProxyText(lines []textLine) bool {
	for _, l := range lines {
		label, _, ok := netshField(l.text)
		if !ok {
			continue
		}
		switch strings.ToLower(label) {
		case "proxybypass", "autoconfigurl", "autodetect", "connection name":
			return true
		}
	}
	return false
}

func parseGetWinhttpProxy(name string, body []textLine) (*model.AdvancedSettings, []string, error) {
	a := &model.AdvancedSettings{Source: "getWinhttpProxy"}
	seen := map[string]bool{}
	for _, l := range body {
		label, value, ok := netshField(l.text)
		key := strings.ToLower(label)
		known := false
		for _, k := range advancedLabels {
			known = known || k == key
		}
		if !ok || !known {
			return nil, nil, &InputError{Input: name, Place: fmt.Sprintf("line %d", l.n), Msg: fmt.Sprintf("unexpected line %s: 'Get-WinhttpProxy -Advanced' prints \"Proxy: \", \"ProxyBypass: \", \"AutoconfigUrl: \" and \"AutoDetect: \" lines", quoteForError(l.text))}
		}
		if seen[key] {
			return nil, nil, &InputError{Input: name, Place: fmt.Sprintf("line %d", l.n), Msg: fmt.Sprintf("%s appears twice: save the output of one command only", quoteForError(label))}
		}
		seen[key] = true
		v := value
		switch key {
		case "connection name":
			a.ConnectionName = &v
		case "proxy":
			a.Proxy = &v
		case "proxybypass":
			a.ProxyBypass = &v
		case "autoconfigurl":
			a.AutoconfigURL = &v
		case "autodetect":
			switch strings.ToLower(v) {
			case "true":
				a.AutoDetect = model.Ptr(true)
			case "false":
				a.AutoDetect = model.Ptr(false)
			default:
				return nil, nil, &InputError{Input: name, Place: fmt.Sprintf("line %d", l.n), Msg: fmt.Sprintf("AutoDetect is %s, expected True or False", quoteForError(v))}
			}
		}
	}
	return a, nil, nil
}

// isAdvancedText tells the advanced settings' texts from 'show proxy' text.
func isAdvancedText(lines []textLine) bool {
	if len(lines) == 0 {
		return false
	}
	if strings.HasPrefix(lines[0].text, "{") {
		return true
	}
	if !isNetshHeader(lines[0].text) || len(lines) < 2 {
		return false
	}
	return strings.HasPrefix(lines[1].text, "{") || isGetWinhttpProxyText(lines[1:])
}
