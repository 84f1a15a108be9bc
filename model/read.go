package model

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"ccproxy/model/bypass"
)

// ReadOptions say how to turn a registry into a State.
type ReadOptions struct {
	// WinHTTPBytesUnknown: the source holds the WinHTTP setting but not its bytes (netsh
	// text, or a state document read from it), so no blob is shown.
	WinHTTPBytesUnknown bool
	Source              Source // kind, path, host, boot time; ReadAt and WinINetOwner are filled in
	// User picks whose WinINet settings are read: "" or "current" for the source's current
	// user, or a SID for HKEY_USERS\<SID>.
	User string
	// Users lists the SIDs under HKEY_USERS in the source, for sources without a current user.
	Users []string
	// CurrentUser names the account behind HKEY_CURRENT_USER when the source knows it.
	CurrentUserName, CurrentUserSID string
	Now                             time.Time
	Environment                     *Environment // nil when the source is not the live system
	// InputName names the input in errors: the file name, or "registry".
	InputName string
	// InputWarnings say how the input was decoded; they become the document's warnings.
	InputWarnings []string
	// Advanced is the advanced WinHTTP settings when the source holds them; otherwise
	// AdvancedReason says why they are unknown.
	Advanced       *AdvancedSettings
	AdvancedReason string
	// Services, when set, asks the service control manager (the live system) for the
	// connector's services; otherwise they are read from the source's Services key.
	Services func() ([]ServiceConfig, error)
}

var sidPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^S-1-\d+(-\d+)+$`) })

// ValidSID reports whether s looks like a security identifier.
func ValidSID(s string) bool { return sidPattern().MatchString(s) }

// ReadState builds the state document from a registry source.
func ReadState(r RegistryReader, o ReadOptions) (*State, error) {
	b := &stateBuilder{r: r, o: o, st: &State{Schema: SchemaState, Source: o.Source, Warnings: []Warning{}, ServiceAccounts: []AccountWinINet{}}}
	b.st.Source.ReadAt = o.Now.UTC().Truncate(time.Second)
	for _, w := range o.InputWarnings {
		b.warn("inputEncoding", "source", "%s", w)
	}
	if err := b.winhttp(); err != nil {
		return nil, err
	}
	if err := b.wininet(); err != nil {
		return nil, err
	}
	if err := b.services(); err != nil {
		return nil, err
	}
	if err := b.machine(); err != nil {
		return nil, err
	}
	b.st.Environment = o.Environment
	b.effective()
	return b.st, nil
}

// ReadWinHTTP reads only the WinHTTP settings of a source (both views; the advanced ones
// as o gives them): the route the services take, for a registry that is not the machine's
// yet, such as the live one with a plan applied over it.
func ReadWinHTTP(r RegistryReader, o ReadOptions) (*State, error) {
	b := &stateBuilder{r: r, o: o, st: &State{Schema: SchemaState, Source: o.Source, Warnings: []Warning{}, ServiceAccounts: []AccountWinINet{}}}
	if err := b.winhttp(); err != nil {
		return nil, err
	}
	return b.st, nil
}

type stateBuilder struct {
	r  RegistryReader
	o  ReadOptions
	st *State
}

func (b *stateBuilder) warn(code, path, format string, args ...any) {
	b.st.Warnings = append(b.st.Warnings, Warning{Code: code, Path: path, Message: RedactCredentials(fmt.Sprintf(format, args...))})
}

// bad reports a value that cannot be used. One undecodable value never hides the rest of a
// source: it is a warning naming the value (and the byte, for a blob), the field it feeds is
// unknown (null), and everything else is still read. The live registry and files agree.
func (b *stateBuilder) bad(place, msg string) error {
	b.warn("unreadableValue", place, "%s", msg)
	return nil
}

// known says whether the source holds a key at all. A file that lacks a key's section says
// nothing about it, while the live registry always knows (a missing key means defaults).
//
// Known is key by key: a file that lists only ...\Internet Settings\Connections holds that
// key's values and nothing of its parent's (ProxyEnable, ProxyServer...), although the
// parent exists in the registry it describes.
func (b *stateBuilder) known(key string) (bool, error) {
	if b.o.Source.Kind == SourceRegistry {
		return true, nil
	}
	ki, err := b.r.Key(key)
	return ki.Exists && !ki.Implied, err
}

func (b *stateBuilder) keyTime(key string) (*time.Time, error) {
	ki, err := b.r.Key(key)
	if err != nil {
		return nil, err
	}
	if ki.LastWrite == nil {
		return nil, nil
	}
	t := ki.LastWrite.UTC()
	return &t, nil
}

func (b *stateBuilder) winhttp() error {
	views := []struct {
		name string
		key  string
		dst  *WinHTTPView
	}{{"native", WinHTTPNativeKey, &b.st.WinHTTP.Native}, {"wow64", WinHTTPWOW64Key, &b.st.WinHTTP.WOW64}}
	for _, v := range views {
		v.dst.RegistryPath = v.key + `\` + WinHTTPValue
		if known, err := b.known(v.key); err != nil {
			return err
		} else if !known {
			continue
		}
		v.dst.Known, v.dst.Present = true, Ptr(false)
		if err := b.winhttpView(v.key, v.dst); err != nil {
			return err
		}
	}
	n, w := &b.st.WinHTTP.Native, &b.st.WinHTTP.WOW64
	if n.Known && w.Known {
		agree := n.Mode != nil && w.Mode != nil && *n.Mode == *w.Mode &&
			proxyRaw(n.Proxy, *n.Mode) == proxyRaw(w.Proxy, *w.Mode) && bypassRaw(n.Bypass, *n.Mode) == bypassRaw(w.Bypass, *w.Mode)
		b.st.WinHTTP.ViewsAgree = &agree
		if !agree {
			b.warn("winhttpViewsDisagree", "winhttp", "the 64-bit and 32-bit (WOW6432Node) WinHTTP settings differ: 64-bit services and 32-bit programs use different proxies")
		}
	}
	b.advanced()
	return nil
}

func (b *stateBuilder) advanced() {
	a := &b.st.WinHTTP.Advanced
	if b.o.Advanced == nil {
		reason := b.o.AdvancedReason
		if reason == "" {
			reason = "this source does not hold the advanced WinHTTP settings ('netsh winhttp set advproxy'), whose registry location Microsoft does not document; pass the output of 'netsh winhttp show advproxy' with --advproxy"
		}
		*a = unknownAdvanced(reason)
		return
	}
	*a = NewAdvancedDoc(b.o.Advanced)
	a.AgreesWithLegacy = advancedAgrees(*a, b.st.WinHTTP.Native)
	if a.AgreesWithLegacy != nil && !*a.AgreesWithLegacy {
		b.warn("winhttpAdvancedDisagrees", "winhttp.advanced", "the advanced WinHTTP settings (netsh winhttp show advproxy: %s) differ from the legacy WinHttpSettings (netsh winhttp show proxy: %s): programs that read one and those that read the other go different ways",
			describeRoute(*a.Mode, a.Proxy), describeRoute(Deref(b.st.WinHTTP.Native.Mode), b.st.WinHTTP.Native.Proxy))
	}
}

// describeRoute says in words where a mode and proxy lead.
func describeRoute(mode string, p *ProxyDoc) string {
	if mode == "proxy" && p != nil {
		return "proxy " + p.Raw
	}
	switch mode {
	case "autoDetect":
		return "automatic detection"
	case "autoConfig":
		return "a PAC script"
	case "":
		return "unknown"
	}
	return "direct access"
}

// proxyRaw and bypassRaw are what a view uses: a disabled proxy string counts as none.
func proxyRaw(p *ProxyDoc, mode string) string {
	if p == nil || mode != "proxy" {
		return ""
	}
	return p.Raw
}

func bypassRaw(p *BypassDoc, mode string) string {
	if p == nil || mode != "proxy" {
		return ""
	}
	return p.Raw
}

func (b *stateBuilder) winhttpView(key string, dst *WinHTTPView) error {
	place := key + `\` + WinHTTPValue
	t, err := b.keyTime(key)
	if err != nil {
		return err
	}
	dst.KeyLastWrite = t
	v, err := b.r.ReadValue(key, WinHTTPValue)
	if err != nil {
		return err
	}
	direct := "direct"
	if v == nil {
		// A missing value is documented as direct access.
		dst.Mode = &direct
		return nil
	}
	dst.Present = Ptr(true)
	if v.Type != RegBinary {
		dst.Blob = undecodableBlob(WinHTTPValue, v.Data, fmt.Sprintf("value has type %s, expected REG_BINARY", RegTypeName(v.Type)))
		return b.bad(place, fmt.Sprintf("value has type %s, expected REG_BINARY; re-export the key or reset it with 'netsh winhttp reset proxy'", RegTypeName(v.Type)))
	}
	c, err := DecodeWinHTTP(v.Data)
	if err != nil {
		// The mode stays null: nothing can be said of what WinHTTP makes of these bytes.
		dst.Blob = undecodableBlob(WinHTTPValue, v.Data, err.Error())
		return b.bad(place, "cannot decode the WinHttpSettings blob "+err.Error()+"; the value is corrupt or truncated: rewrite it with 'netsh winhttp set proxy' or 'netsh winhttp reset proxy'")
	}
	dst.Blob = blobDoc(WinHTTPValue, c, v.Data)
	if b.o.Source.Kind == SourceNetsh || b.o.WinHTTPBytesUnknown {
		// netsh prints the setting, not the bytes: there is no blob to show.
		dst.Blob = nil
		b.warn("netshNoBlob", place, "read from the text of 'netsh winhttp show proxy', which prints the setting but not the bytes of WinHttpSettings: the blob is unknown")
	}
	if c.Flags&FlagProxy != 0 && strings.TrimSpace(c.Proxy) != "" {
		m := "proxy"
		dst.Mode = &m
	} else {
		dst.Mode = &direct
		if c.Flags&FlagProxy != 0 {
			b.warn("winhttpEmptyProxy", place, "the proxy flag is set but the proxy string is empty: WinHTTP uses direct access")
		}
	}
	if c.Flags&(FlagAutoProxyURL|FlagAutoDetect) != 0 {
		b.warn("winhttpAutoProxy", place, "WinHttpSettings carries auto-proxy flags (0x%x); the Cloud Connector services do not use PAC or auto-detect (R6)", c.Flags&(FlagAutoProxyURL|FlagAutoDetect))
	}
	dst.Proxy = NewProxyDoc(c.Proxy)
	dst.Bypass = NewBypassDoc(c.Bypass)
	return nil
}

// blobDoc describes a decoded blob; its hex is redacted when the proxy string holds credentials.
func blobDoc(name string, c *ConnBlob, raw []byte) *BlobDoc {
	d := &BlobDoc{ValueName: name, Version: Ptr(c.Version), Counter: Ptr(c.Counter), Flags: NewFlagsDoc(c.Flags), Hex: hex.EncodeToString(raw)}
	red := *c
	red.Proxy, red.Bypass, red.AutoConfigURL = RedactProxyList(c.Proxy), RedactProxyList(c.Bypass), RedactURL(c.AutoConfigURL)
	d.Proxy = Ptr(red.Proxy)
	d.Bypass = Ptr(red.Bypass)
	if c.WinINet {
		d.AutoConfigURL = Ptr(red.AutoConfigURL)
	}
	// A secret in any of the blob's strings (the proxy, the bypass list, the PAC URL) is
	// hidden in its bytes too: the hex shown is the blob encoded again from the redacted
	// strings, so it still decodes, and redacted says it is not the stored value.
	if red.Proxy != c.Proxy || red.Bypass != c.Bypass || red.AutoConfigURL != c.AutoConfigURL {
		d.Hex = ""
		if enc, err := red.Encode(); err == nil {
			d.Hex = hex.EncodeToString(enc)
		}
		d.Redacted = true
	}
	return d
}

// undecodableBlob describes a blob value that cannot be decoded. Without a decoded proxy
// string there is nothing to redact, so bytes that may hold credentials are not shown, as
// NewValueDoc does for plans.
func undecodableBlob(name string, data []byte, why string) *BlobDoc {
	d := &BlobDoc{ValueName: name, Hex: hex.EncodeToString(data), Error: Ptr(why)}
	if bytes.IndexByte(data, '@') >= 0 {
		d.Hex, d.Redacted = "", true
	}
	return d
}

// NewFlagsDoc splits a flags DWORD into its bits.
func NewFlagsDoc(f uint32) *FlagsDoc {
	return &FlagsDoc{Value: f, Direct: f&FlagDirect != 0, Proxy: f&FlagProxy != 0, AutoProxyURL: f&FlagAutoProxyURL != 0, AutoDetect: f&FlagAutoDetect != 0}
}

// NewProxyDoc parses a proxy string for output; nil for an empty string.
func NewProxyDoc(raw string) *ProxyDoc {
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	p := bypass.ParseProxy(raw)
	d := &ProxyDoc{Raw: RedactProxyList(p.Raw), Entries: make([]ProxyEntryDoc, 0, len(p.Entries))}
	for _, e := range p.Entries {
		ed := ProxyEntryDoc{Host: RedactProxyList(e.Host), HasCredentials: e.HasCredentials, Valid: e.Valid}
		if e.Scheme != "" {
			ed.Scheme = Ptr(e.Scheme)
		}
		if e.ProxyScheme != "" {
			ed.ProxyScheme = Ptr(e.ProxyScheme)
		}
		if e.Port != 0 {
			ed.Port = Ptr(e.Port)
		}
		if e.Note != "" {
			ed.Note = Ptr(e.Note)
		}
		d.Entries = append(d.Entries, ed)
	}
	for _, s := range []struct {
		scheme string
		dst    **string
	}{{"http", &d.PerScheme.HTTP}, {"https", &d.PerScheme.HTTPS}, {"ftp", &d.PerScheme.FTP}, {"socks", &d.PerScheme.SOCKS}} {
		if e := p.For(s.scheme); e != nil {
			*s.dst = Ptr(hostPort(e))
		}
	}
	return d
}

func hostPort(e *bypass.ProxyEntry) string {
	h := e.Host
	if strings.Contains(h, ":") && !strings.HasPrefix(h, "[") {
		h = "[" + h + "]"
	}
	if e.Port != 0 {
		h += ":" + strconv.Itoa(e.Port)
	}
	return h
}

// NewBypassDoc parses a bypass list for output; nil for an empty string.
func NewBypassDoc(raw string) *BypassDoc {
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	l := bypass.Parse(raw)
	d := &BypassDoc{Raw: RedactProxyList(raw), Entries: make([]BypassEntryDoc, 0, len(l.Entries))}
	for _, e := range l.Entries {
		ed := BypassEntryDoc{Value: RedactProxyList(e.Value), Kind: e.Kind, WindowsMayIgnore: e.WindowsMayIgnore}
		if e.Note != "" {
			ed.Note = Ptr(RedactCredentials(e.Note))
		}
		d.Entries = append(d.Entries, ed)
	}
	return d
}
