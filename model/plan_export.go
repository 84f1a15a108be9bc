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
	// A view the source does not hold is either written blind or left alone; each is said as
	// it is, so that the comment never contradicts the sections below it.
	var written, untouched []string
	for _, u := range p.Unheld() {
		if p.writesView(u) {
			written = append(written, u)
		} else {
			untouched = append(untouched, u)
		}
	}
	if len(untouched) > 0 {
		b.WriteString("; the source does not hold the WinHTTP settings (" + strings.Join(untouched, ", ") + "): this file writes nothing there, which does not mean the machine is in the desired state\r\n")
	}
	if len(written) > 0 {
		b.WriteString("; the source does not hold the WinHTTP settings (" + strings.Join(written, ", ") + "): the values this file writes there were planned without knowing what the machine holds\r\n")
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

// Unheld names (as winhttp.native, winhttp.wow64) the parts of the registry the plan's desired
// state touches that its source does not hold (the sourceViewUnknown warnings): a plan that
// changes nothing there has not shown them to be in the desired state.
func (p *Plan) Unheld() []string {
	var out []string
	for _, w := range p.Warnings {
		if w.Code == "sourceViewUnknown" {
			out = append(out, w.Path)
		}
	}
	return out
}

// writesView reports whether a change of the plan targets the WinHTTP view a path of Unheld
// names ("winhttp.native", "winhttp.wow64").
func (p *Plan) writesView(path string) bool {
	for _, c := range p.Changes {
		if c.Target.Stack == "winhttp" && c.Target.View != nil && "winhttp."+*c.Target.View == path {
			return true
		}
	}
	return false
}

// Shells a plan's netsh lines can be written for.
const (
	ShellCmd        = "cmd" // cmd.exe: rem comments, %SystemRoot%
	ShellPowerShell = "ps1" // Windows PowerShell 5.1 and PowerShell 7: # comments, $env:SystemRoot, &
)

// shell is what differs between the two scripts: comments, how netsh is called and quoted.
type shell struct {
	name, nl, comment string
	// header says what the script is and how to run it.
	header []string
	// prologue comes before the first netsh line.
	prologue         []string
	netsh64, netsh32 string
	arg              func(name, value string) string
	// carries is whether arg's quoting passes the value to netsh as it is: a value holding a
	// character the shell would interpret there is never written as a command.
	carries func(value string) bool
	// after follows each netsh line: PowerShell does not stop on a native program's failure.
	after string
}

var shells = map[string]shell{
	ShellCmd: {
		name: ShellCmd, nl: "\r\n", comment: "rem ",
		header: []string{"cmd.exe script: run it in a Command Prompt opened with Run as administrator (paste the lines, or save it as plan.cmd and run it); for PowerShell use --format ps1"},
		// cmd.exe expands %SystemRoot%. A 32-bit cmd.exe (a 32-bit deployment agent's) sees
		// SysWOW64 under the name System32, so a bare netsh there is the 32-bit one and the
		// 64-bit view would never be written; Sysnative, which only a 32-bit process sees,
		// reaches the 64-bit netsh from there (Microsoft, "File System Redirector":
		// https://learn.microsoft.com/windows/win32/winprog64/file-system-redirector).
		prologue: []string{
			`if exist "%SystemRoot%\Sysnative\netsh.exe" (set "NETSH=%SystemRoot%\Sysnative\netsh.exe") else (set "NETSH=%SystemRoot%\System32\netsh.exe")`,
		},
		netsh64: `"%NETSH%"`, netsh32: `%SystemRoot%\SysWOW64\netsh.exe`,
		arg:     func(name, value string) string { return name + `="` + value + `"` },
		carries: cmdQuotedCarries,
	},
	ShellPowerShell: {
		name: ShellPowerShell, nl: "\r\n", comment: "# ",
		header: []string{"PowerShell script (Windows PowerShell 5.1 or PowerShell 7): run it in a PowerShell opened with Run as administrator (paste the lines, or save it as plan.ps1 and run: powershell -ExecutionPolicy Bypass -File .\\plan.ps1); for cmd.exe use --format cmd"},
		// A 32-bit PowerShell sees SysWOW64 under the name System32; Sysnative reaches the 64-bit
		// netsh from there (Microsoft, "File System Redirector").
		prologue: []string{
			`$netsh = "$env:SystemRoot\System32\netsh.exe"`,
			`if (-not [Environment]::Is64BitProcess) { $netsh = "$env:SystemRoot\Sysnative\netsh.exe" }`,
		},
		netsh64: "& $netsh", netsh32: `& "$env:SystemRoot\SysWOW64\netsh.exe"`,
		// One single-quoted argument: PowerShell expands nothing in it ($, backtick), and passes
		// name=value to netsh as the one argument cmd.exe's name="value" gives it.
		arg:     func(name, value string) string { return "'" + name + "=" + strings.ReplaceAll(value, "'", "''") + "'" },
		carries: psQuotedCarries,
		after:   `if ($LASTEXITCODE -ne 0) { throw "netsh failed with exit code $LASTEXITCODE" }`,
	},
}

// ShellFormat maps a --format value of plan to the shell of its script; netsh is cmd's older name.
func ShellFormat(format string) (string, bool) {
	switch format {
	case "netsh", ShellCmd:
		return ShellCmd, true
	case ShellPowerShell:
		return ShellPowerShell, true
	}
	return "", false
}

// PlanNetsh writes the plan's WinHTTP changes as cmd.exe lines of netsh.
func PlanNetsh(p *Plan) string { return PlanScript(p, ShellCmd) }

// PlanScript writes the plan's WinHTTP changes as the netsh lines that make them (Microsoft's
// "Netsh commands for Windows Hypertext Transfer Protocol (WINHTTP)": 'set proxy
// proxy-server= bypass-list=' and 'reset proxy'), in the syntax of the shell named (ShellCmd
// or ShellPowerShell); the 64-bit netsh writes the 64-bit view, the one in SysWOW64 the
// 32-bit view. What netsh cannot say (WinINet values, auto-proxy flags) is a comment naming
// it, so the script never claims more than it does.
func PlanScript(p *Plan, shellName string) string {
	sh, ok := shells[shellName]
	if !ok {
		sh = shells[ShellCmd]
	}
	var b strings.Builder
	say := func(format string, args ...any) { b.WriteString(sh.comment + fmt.Sprintf(format, args...) + sh.nl) }
	say("ccproxy plan %s: %s", shortFingerprint(p), Count(len(p.Changes), "change"))
	for _, h := range sh.header {
		say("%s", h)
	}
	if len(p.Changes) == 0 {
		if u := p.Unheld(); len(u) > 0 {
			say("no change computed, but the source does not hold the WinHTTP settings (%s): whether the machine is in the desired state there is not known; plan on the machine itself", strings.Join(u, ", "))
		} else {
			say("nothing to do: the registry already holds the desired state")
		}
	}
	started := false
	for _, c := range p.Changes {
		if !started && netshCan(c) {
			for _, l := range sh.prologue {
				b.WriteString(l + sh.nl)
			}
			started = true
		}
		netshLine(&b, sh, c)
	}
	if p.RestartRequired.Required {
		say("then restart the machine (R5): the Cloud Connector services read WinHTTP's settings when they start")
	}
	return b.String()
}

// netshCan is whether a change is a WinHTTP setting netsh writes (perhaps as a comment that
// it cannot say the planned value).
func netshCan(c Change) bool {
	return c.Target.Stack == "winhttp" && c.Target.ValueName == WinHTTPValue
}

func netshLine(b *strings.Builder, sh shell, c Change) {
	where := c.Target.RegistryPath + `\` + c.Target.ValueName
	say := func(format string, args ...any) { b.WriteString(sh.comment + fmt.Sprintf(format, args...) + sh.nl) }
	run := func(line string) {
		b.WriteString(line + sh.nl)
		if sh.after != "" {
			b.WriteString(sh.after + sh.nl)
		}
	}
	if !netshCan(c) {
		say("no netsh line sets %s: import the plan's .reg (ccproxy plan ... --format reg) or run ccproxy apply", where)
		return
	}
	netsh := sh.netsh64
	if c.Target.View != nil && *c.Target.View == ViewWOW64 {
		// A 32-bit process's registry writes go to WOW6432Node (Microsoft, "Registry
		// Redirector"); which views each Windows version's netsh writes is not documented.
		netsh = sh.netsh32
		say("the 32-bit view: the 32-bit netsh writes to WOW6432Node; whether the 64-bit netsh already wrote it depends on the Windows version (not documented): check with ccproxy get")
	}
	bl := c.After.Blob
	switch {
	case c.Action == ActionDelete || !c.After.Exists:
		say("%s is deleted; 'reset proxy' writes direct access instead, which WinHTTP reads the same", where)
		run(netsh + " winhttp reset proxy")
	case bl == nil || bl.Flags == nil || bl.Error != nil:
		say("the planned %s cannot be said with netsh: import the plan's .reg", where)
	case bl.Flags.AutoProxyURL || bl.Flags.AutoDetect:
		say("the planned %s carries auto-proxy flags, which netsh cannot set: import the plan's .reg", where)
	case !bl.Flags.Proxy:
		run(netsh + " winhttp reset proxy")
	case !sh.carries(Deref(bl.Proxy)) || !sh.carries(Deref(bl.Bypass)):
		// The values come from input anyone controls (an imported HKCU value): never echoed.
		say("the planned value of %s holds characters a script cannot carry safely: import the plan's .reg or run ccproxy apply", where)
	default:
		line := netsh + " winhttp set proxy " + sh.arg("proxy-server", Deref(bl.Proxy))
		if by := Deref(bl.Bypass); by != "" {
			line += " " + sh.arg("bypass-list", by)
		}
		run(line)
	}
}

// scriptPlain is whether s holds only printable ASCII: a control character (CR and LF end a
// command line in both shells) or a non-ASCII character (PowerShell reads the typographic
// quotes U+2018-U+201B and U+201C-U+201E as quotes; the code page decides what cmd.exe sees)
// is never carried by a script.
func scriptPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// cmdQuotedCarries is whether cmd.exe passes value unchanged inside name="value". Inside
// double quotes cmd.exe treats < > & | ^ as ordinary characters (so "<local>" is safe), but
// still expands %VAR% (phase 1, before quotes are seen) and, with delayed expansion on,
// !VAR! (phase 5, where ^ is also consumed), and a " ends the quoting (phase 2); CR is dropped
// and LF ends the command. Sources: Microsoft, "cmd" (/V:ON,
// https://learn.microsoft.com/windows-server/administration/windows-commands/cmd) and the
// "DelayedExpansion" registry entry, which turns !VAR! on for every cmd.exe
// (https://learn.microsoft.com/previous-versions/windows/it-pro/windows-server-2003/cc758866(v=ws.10));
// Raymond Chen, "Environment variable expansion occurs when the command is read"
// (https://devblogs.microsoft.com/oldnewthing/20060823-00/?p=29993); the phase-by-phase
// account "How does the Windows Command Interpreter (CMD.EXE) parse scripts?"
// (https://stackoverflow.com/questions/4094699). & | ^ are refused as well, though
// literal inside the quotes: no host, port or bypass entry holds them, and refusing them keeps
// the line safe even if the quoting were lost.
func cmdQuotedCarries(value string) bool {
	return scriptPlain(value) && !strings.ContainsAny(value, "\"%!^&|")
}

// psQuotedCarries is whether PowerShell passes value unchanged inside '...': in a verbatim
// string only ' is special, written twice, but PowerShell also takes the typographic quotes
// as quotes, which scriptPlain refuses (about_Quoting_Rules,
// https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_quoting_rules).
// A " is refused too: Windows PowerShell 5.1 passes it to a native program unescaped, so
// netsh would split its arguments differently (about_Parsing, "Passing arguments that contain
// quote characters").
func psQuotedCarries(value string) bool {
	return scriptPlain(value) && !strings.Contains(value, "\"")
}
