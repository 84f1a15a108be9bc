package model

import (
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf16"
)

// Plans for change control: the same writes as a .reg file regedit imports, and as netsh
// lines where netsh can say them, for change tickets and machines where ccproxy may not run.

// regTypeByName maps a type name as RegTypeName writes it back to Windows' number.
func regTypeByName(name string) (uint32, bool) {
	for _, t := range []uint32{RegNone, RegSZ, RegExpandSZ, RegBinary, RegDWORD, RegMultiSZ, RegQWORD} {
		if RegTypeName(t) == name {
			return t, true
		}
	}
	return 0, false
}

// PlanRegFile writes the plan's target values as a "Windows Registry Editor Version 5.00"
// file: UTF-16LE with a BOM and CRLF line ends, as regedit exports, one section per key in
// the order the plan writes them, every value as its exact planned bytes (hex: for
// REG_BINARY, dword: for REG_DWORD, hex(N): for the others, so that no string is re-encoded),
// and "name"=- for a value the plan deletes. Regedit's format is the one 'reg export'
// writes (Microsoft's "How to add, modify, or delete registry subkeys and values by using a
// .reg file", KB 310516).
func PlanRegFile(p *Plan) ([]byte, error) {
	var b strings.Builder
	b.WriteString("Windows Registry Editor Version 5.00\r\n")
	fmt.Fprintf(&b, "\r\n; ccproxy plan %s, made %s from %s\r\n", shortFingerprint(p), p.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"), p.Source.Kind)
	if p.RestartRequired.Required {
		b.WriteString("; restart the machine after importing (R5): the Cloud Connector services read WinHTTP's settings when they start\r\n")
	}
	if u := p.Unheld(); len(u) > 0 {
		b.WriteString("; the source does not hold the WinHTTP settings (" + strings.Join(u, ", ") + "): this file writes nothing there, which does not mean the machine is in the desired state\r\n")
	}
	key := ""
	for _, c := range p.Changes {
		if c.Target.RegistryPath != key {
			key = c.Target.RegistryPath
			fmt.Fprintf(&b, "\r\n[%s]\r\n", key)
		}
		name := `"` + strings.ReplaceAll(strings.ReplaceAll(c.Target.ValueName, `\`, `\\`), `"`, `\"`) + `"`
		if c.Action == ActionDelete || !c.After.Exists {
			b.WriteString(name + "=-\r\n")
			continue
		}
		if c.After.Redacted || c.After.Hex == nil || c.After.Type == nil {
			return nil, &InputError{Input: "--format reg", Place: key + `\` + c.Target.ValueName, Msg: "the planned value is not in the plan as bytes; hint: write it with 'ccproxy apply'"}
		}
		data, err := hex.DecodeString(*c.After.Hex)
		if err != nil {
			return nil, &InputError{Input: "--format reg", Place: key + `\` + c.Target.ValueName, Msg: "the planned bytes are not hex"}
		}
		t, ok := regTypeByName(*c.After.Type)
		if !ok {
			return nil, &InputError{Input: "--format reg", Place: key + `\` + c.Target.ValueName, Msg: "unknown value type " + *c.After.Type}
		}
		b.WriteString(name + "=" + regData(t, data) + "\r\n")
	}
	text := b.String()
	out := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(text)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out, nil
}

// regData is a value's data as regedit writes it, lines wrapped with "\" as regedit does.
func regData(t uint32, data []byte) string {
	if t == RegDWORD && len(data) == 4 {
		return fmt.Sprintf("dword:%08x", uint32(data[0])|uint32(data[1])<<8|uint32(data[2])<<16|uint32(data[3])<<24)
	}
	prefix := "hex:"
	if t != RegBinary {
		prefix = fmt.Sprintf("hex(%x):", t)
	}
	var b strings.Builder
	b.WriteString(prefix)
	col := len(prefix) + 10 // regedit counts the value name too; any width it reads back is fine
	for i, c := range data {
		if i > 0 {
			b.WriteByte(',')
			col++
			if col > 76 {
				b.WriteString("\\\r\n  ")
				col = 2
			}
		}
		fmt.Fprintf(&b, "%02x", c)
		col += 2
	}
	return b.String()
}

func shortFingerprint(p *Plan) string {
	if len(p.Fingerprint.Value) >= 12 {
		return p.Fingerprint.Value[:12]
	}
	return p.Fingerprint.Value
}

// PlanNetsh writes the plan's WinHTTP changes as the netsh lines that make them (Microsoft's
// "Netsh commands for Windows Hypertext Transfer Protocol (WINHTTP)": 'set proxy
// proxy-server= bypass-list=' and 'reset proxy'); the 64-bit netsh writes the 64-bit view,
// the one in SysWOW64 the 32-bit view. What netsh cannot say (WinINet values, auto-proxy
// flags) is a 'rem' line naming it, so the script never claims more than it does.
// Unheld names (as winhttp.native, winhttp.wow64) the parts of the registry the plan's desired state touches that its source
// does not hold (the sourceViewUnknown warnings): a plan that changes nothing there has not
// shown them to be in the desired state.
func (p *Plan) Unheld() []string {
	var out []string
	for _, w := range p.Warnings {
		if w.Code == "sourceViewUnknown" {
			out = append(out, w.Path)
		}
	}
	return out
}

func PlanNetsh(p *Plan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "rem ccproxy plan %s: %s\r\n", shortFingerprint(p), Count(len(p.Changes), "change"))
	if len(p.Changes) == 0 {
		if u := p.Unheld(); len(u) > 0 {
			b.WriteString("rem no change computed, but the source does not hold the WinHTTP settings (" + strings.Join(u, ", ") + "): whether the machine is in the desired state there is not known; plan on the machine itself\r\n")
		} else {
			b.WriteString("rem nothing to do: the registry already holds the desired state\r\n")
		}
	}
	for _, c := range p.Changes {
		netshLine(&b, c)
	}
	if p.RestartRequired.Required {
		b.WriteString("rem then restart the machine (R5): the Cloud Connector services read WinHTTP's settings when they start\r\n")
	}
	return b.String()
}

func netshLine(b *strings.Builder, c Change) {
	where := c.Target.RegistryPath + `\` + c.Target.ValueName
	if c.Target.Stack != "winhttp" || c.Target.ValueName != WinHTTPValue {
		fmt.Fprintf(b, "rem no netsh line sets %s: import the plan's .reg (ccproxy plan ... --format reg) or run ccproxy apply\r\n", where)
		return
	}
	netsh := "netsh"
	if c.Target.View != nil && *c.Target.View == ViewWOW64 {
		// A 32-bit process's registry writes go to WOW6432Node (Microsoft, "Registry
		// Redirector"); which views each Windows version's netsh writes is not documented.
		netsh = `%SystemRoot%\SysWOW64\netsh.exe`
		b.WriteString("rem the 32-bit view: the 32-bit netsh writes to WOW6432Node; whether the 64-bit netsh already wrote it depends on the Windows version (not documented): check with ccproxy get\r\n")
	}
	bl := c.After.Blob
	switch {
	case c.Action == ActionDelete || !c.After.Exists:
		fmt.Fprintf(b, "rem %s is deleted; 'reset proxy' writes direct access instead, which WinHTTP reads the same\r\n", where)
		fmt.Fprintf(b, "%s winhttp reset proxy\r\n", netsh)
	case bl == nil || bl.Flags == nil || bl.Error != nil:
		fmt.Fprintf(b, "rem the planned %s cannot be said with netsh: import the plan's .reg\r\n", where)
	case bl.Flags.AutoProxyURL || bl.Flags.AutoDetect:
		fmt.Fprintf(b, "rem the planned %s carries auto-proxy flags, which netsh cannot set: import the plan's .reg\r\n", where)
	case !bl.Flags.Proxy:
		fmt.Fprintf(b, "%s winhttp reset proxy\r\n", netsh)
	default:
		line := fmt.Sprintf(`%s winhttp set proxy proxy-server="%s"`, netsh, Deref(bl.Proxy))
		if by := Deref(bl.Bypass); by != "" {
			line += fmt.Sprintf(` bypass-list="%s"`, by)
		}
		b.WriteString(line + "\r\n")
	}
}
