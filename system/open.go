package system

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"ccproxy/jsonin"
	"ccproxy/model"
)

// Opened is a source ready to be read into a state.
type Opened struct {
	Store     Store
	Info      SourceInfo
	Users     []string // SIDs with a hive under HKEY_USERS
	InputName string   // how errors name the source
}

// Open opens a --from source: "system" for the live registry, "-" for stdin, or a file
// holding a .reg export, a ccproxy/state document or the text of 'netsh winhttp show proxy'.
// The kind is recognised from the content, not from the file name.
func Open(from string, stdin io.Reader, live func() (Writer, error)) (*Opened, error) {
	if from == "" || strings.EqualFold(from, "system") {
		st, err := live()
		if err != nil {
			return nil, err
		}
		o := &Opened{Store: st, Info: st.Source(), InputName: "registry"}
		if l, ok := st.(Lister); ok {
			o.Users = userSIDs(l)
		}
		return o, nil
	}
	name, data, err := ReadInput(from, stdin)
	if err != nil {
		// A folder or a file that is not there: say what --from takes.
		var je *jsonin.Error
		if errors.As(err, &je) && from != "-" && !strings.Contains(je.Msg, "hint:") {
			if fi, serr := os.Stat(from); serr == nil && fi.IsDir() || errors.Is(serr, fs.ErrNotExist) {
				e := *je
				e.Msg += "; hint: pass a .reg export, a state document (ccproxy get --output), netsh text or - for stdin"
				return nil, &e
			}
		}
		return nil, err
	}
	return OpenRead(from, name, data)
}

// OpenRead opens a --from file, or stdin for "-", whose bytes were already read; name is
// how errors refer to it, as system.ReadInput gives it.
func OpenRead(from, name string, data []byte) (*Opened, error) {
	st, err := OpenBytes(name, data)
	if err != nil {
		return nil, err
	}
	info := st.Source()
	info.Path = from
	if from == "-" {
		info.Path = ""
	}
	st.Info = info
	return &Opened{Store: st, Info: info, Users: userSIDs(st), InputName: name}, nil
}

// OpenBytes reads a source held in memory; name is how errors refer to it.
func OpenBytes(name string, data []byte) (*MemStore, error) {
	switch sniff(data) {
	case "reg":
		return LoadRegFile(name, data)
	case "advanced":
		return advancedStore(name, data)
	case "json":
		st, warnings, err := LoadStateDocument(name, data)
		if err != nil {
			return nil, err
		}
		st.Info.Warnings = warnings
		return st, nil
	case "empty":
		return nil, &model.InputError{Input: name, Msg: "empty input; hint: pass a .reg export, a ccproxy state document or the output of 'netsh winhttp show proxy'"}
	case "binary":
		off, c := firstControl(data)
		return nil, &model.InputError{Input: name, Place: fmt.Sprintf("byte %d", off), Msg: fmt.Sprintf("control byte 0x%02x: this is not a text file (a binary file?); hint: pass a .reg export, a ccproxy state document or the output of 'netsh winhttp show proxy'", c)}
	}
	np, err := ParseNetsh(name, data)
	if err != nil {
		return nil, err
	}
	return netshStore(name, np)
}

// sniff recognises a source by its content, decoded as the .reg reader decodes it, whatever
// the encoding: a .reg export, JSON (a state document, or the advanced settings' JSON), the
// text of 'netsh winhttp show advproxy' or 'Get-WinhttpProxy -Advanced', or other text.
func sniff(data []byte) string {
	head, _ := decodeText("", data[:min(len(data), 512)])
	text := strings.TrimLeft(string(head), " \t\r\n\x00\ufeff")
	switch {
	case text == "":
		return "empty"
	case looksBinary(head):
		return "binary"
	case hasPrefixFold(text, "Windows Registry Editor") || hasPrefixFold(text, "REGEDIT4"):
		return "reg"
	case strings.HasPrefix(text, "{") || strings.HasPrefix(text, "["):
		if whole, _, err := jsonin.Decode("", data); err == nil && model.LooksLikeAdvancedJSON(whole) {
			return "advanced"
		}
		return "json"
	}
	if full, _, err := decodeConsoleText("", data); err == nil && isAdvancedText(nonBlankLines(full)) {
		return "advanced"
	}
	return "text"
}

// looksBinary is true for text decoded from a binary file: no source ccproxy reads holds a
// control character other than tab, line breaks, form feed and NUL padding.
func looksBinary(text []rune) bool {
	for _, c := range text {
		if binaryControl(c) {
			return true
		}
	}
	return false
}

// binaryControl is a control character that no text source holds (NUL aside, which
// UTF-16's high bytes are).
func binaryControl(c rune) bool {
	return c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0
}

// firstControl finds, for the message, the first byte of the raw input that looksBinary
// would refuse (UTF-16's zero bytes aside).
func firstControl(data []byte) (int, byte) {
	for i, c := range data {
		if binaryControl(rune(c)) {
			return i, c
		}
	}
	return 0, data[0]
}

// advancedStore is a source that holds only the advanced WinHTTP settings.
func advancedStore(name string, data []byte) (*MemStore, error) {
	a, warnings, err := ParseAdvanced(name, data)
	if err != nil {
		return nil, err
	}
	st := NewMemStore(SourceInfo{Kind: model.SourceAdvproxy, Path: name, Advanced: a, Warnings: warnings})
	return st, nil
}

// netshStore holds what 'netsh winhttp show proxy' tells: the native WinHTTP view only.
// netsh prints the setting, not the bytes: the store holds the blob Windows would write for
// it, which the state marks as not read (NetshText).
func netshStore(name string, np NetshProxy) (*MemStore, error) {
	st := NewMemStore(SourceInfo{Kind: model.SourceNetsh, Path: name, WinHTTPBytesUnknown: true})
	b, err := netshBlob(np)
	if err != nil {
		return nil, &model.InputError{Input: name, Msg: fmt.Sprintf("proxy settings cannot be stored: %v", err)}
	}
	if err := st.SetValue(model.WinHTTPNativeKey, model.WinHTTPValue, Value{Type: RegBinary, Data: b}); err != nil {
		return nil, err
	}
	if np.Encoding != "" {
		st.Info.Warnings = append(st.Info.Warnings, fmt.Sprintf("%s: read as %s, the console code page cmd.exe's '>' writes; hint: netsh's text is best saved with PowerShell's Out-File -Encoding utf8", name, np.Encoding))
	}
	return st, nil
}

// netshBlob is the WinHttpSettings blob Windows writes for a setting netsh printed.
func netshBlob(np NetshProxy) ([]byte, error) {
	blob := &model.ConnBlob{Version: model.WinHTTPVersionNew, Flags: model.FlagDirect}
	if !np.Direct {
		blob.Flags |= model.FlagProxy
		blob.Proxy, blob.Bypass = np.Proxy, np.Bypass
	}
	return blob.Encode()
}

// userSIDs lists the user hives a source holds, leaving out the classes hives.
func userSIDs(l Lister) []string {
	subs, err := l.SubKeys(HKU)
	if err != nil {
		return nil
	}
	var out []string
	for _, s := range subs {
		if model.ValidSID(s) {
			out = append(out, s)
		}
	}
	return out
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
