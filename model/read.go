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
	Source Source // kind, path, host, boot time; ReadAt and WinINetOwner are filled in
	// User picks whose WinINet settings are read: "" or "current" for the source's current
	// user, or a SID for HKEY_USERS\<SID>.
	User string
	// Users lists the SIDs under HKEY_USERS in the source, for sources without a current user.
	Users []string
	// CurrentUser names the account behind HKEY_CURRENT_USER when the source knows it.
	CurrentUserName, CurrentUserSID string
	Now                             time.Time
	Environment                     *Environment // nil when the source is not the live system
	// Strict makes a blob or value that cannot be decoded an input error (files), rather
	// than a warning in the document (the live registry, which is what it is).
	Strict bool
	// InputName names the input in errors: the file name, or "registry".
	InputName string
}

var sidPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^S-1-\d+(-\d+)+$`) })

// ValidSID reports whether s looks like a security identifier.
func ValidSID(s string) bool { return sidPattern().MatchString(s) }

// ReadState builds the state document from a registry source.
func ReadState(r RegistryReader, o ReadOptions) (*State, error) {
	b := &stateBuilder{r: r, o: o, st: &State{Schema: SchemaState, Source: o.Source, Warnings: []Warning{}}}
	b.st.Source.ReadAt = o.Now.UTC().Truncate(time.Second)
	if err := b.winhttp(); err != nil {
		return nil, err
	}
	if err := b.wininet(); err != nil {
		return nil, err
	}
	b.st.Environment = o.Environment
	b.effective()
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

// bad reports a value that cannot be used: an input error for files, a warning for the live registry.
func (b *stateBuilder) bad(place, msg string) error {
	if b.o.Strict {
		return &InputError{Input: b.o.InputName, Place: place, Msg: msg}
	}
	b.warn("unreadableValue", place, "%s", msg)
	return nil
}

// known says whether the source holds a key at all. A file that lacks a key's section says
// nothing about it, while the live registry always knows (a missing key means defaults).
func (b *stateBuilder) known(key string) (bool, error) {
	if b.o.Source.Kind == "registry" {
		return true, nil
	}
	ki, err := b.r.Key(key)
	return ki.Exists, err
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
		v.dst.Known = true
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
	return nil
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
	dst.Present = true
	if v.Type != RegBinary {
		dst.Blob = undecodableBlob(WinHTTPValue, v.Data, fmt.Sprintf("value has type %s, expected REG_BINARY", RegTypeName(v.Type)))
		return b.bad(place, fmt.Sprintf("value has type %s, expected REG_BINARY; re-export the key or reset it with 'netsh winhttp reset proxy'", RegTypeName(v.Type)))
	}
	c, err := DecodeWinHTTP(v.Data)
	if err != nil {
		dst.Blob = undecodableBlob(WinHTTPValue, v.Data, err.Error())
		return b.bad(place, "cannot decode the WinHttpSettings blob "+err.Error()+"; the value is corrupt or truncated")
	}
	dst.Blob = blobDoc(WinHTTPValue, c, v.Data)
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
	d.Proxy = Ptr(RedactCredentials(c.Proxy))
	d.Bypass = Ptr(c.Bypass)
	if c.WinINet {
		d.AutoConfigURL = Ptr(RedactCredentials(c.AutoConfigURL))
	}
	if RedactCredentials(c.Proxy) != c.Proxy || RedactCredentials(c.AutoConfigURL) != c.AutoConfigURL {
		red := *c
		red.Proxy, red.AutoConfigURL = RedactCredentials(c.Proxy), RedactCredentials(c.AutoConfigURL)
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
	d := &ProxyDoc{Raw: RedactCredentials(p.Raw), Entries: []ProxyEntryDoc{}}
	for _, e := range p.Entries {
		ed := ProxyEntryDoc{Host: RedactCredentials(e.Host), HasCredentials: e.HasCredentials, Valid: e.Valid}
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
	d := &BypassDoc{Raw: raw, Entries: []BypassEntryDoc{}}
	for _, e := range l.Entries {
		ed := BypassEntryDoc{Value: e.Value, Kind: e.Kind, WindowsMayIgnore: e.WindowsMayIgnore}
		if e.Note != "" {
			ed.Note = Ptr(e.Note)
		}
		d.Entries = append(d.Entries, ed)
	}
	return d
}

// owner decides whose WinINet settings to read and where they live.
func (b *stateBuilder) owner() (Owner, string, error) {
	pol, err := b.r.ReadValue(PolicyKey, PolicyPerUserValue)
	if err != nil {
		return Owner{}, "", err
	}
	if n, ok := DecodeDWORD(pol); ok && n == 0 {
		return Owner{Scope: "machine", Hive: Ptr("HKEY_LOCAL_MACHINE")}, "HKEY_LOCAL_MACHINE", nil
	}
	u := b.o.User
	if u != "" && !strings.EqualFold(u, "current") {
		if !ValidSID(u) {
			return Owner{}, "", &InputError{Input: "--user", Msg: fmt.Sprintf("%q is not a SID; hint: pass 'current' or a SID such as S-1-5-18 (SYSTEM) or S-1-5-21-...-1001", u)}
		}
		hive := `HKEY_USERS\` + u
		if b.o.Source.Kind == "registry" {
			// A user who is not logged on has no hive loaded: reading it would report "no
			// proxy", and an import would then switch WinHTTP to direct access.
			if ki, err := b.r.Key(hive); err != nil {
				return Owner{}, "", err
			} else if !ki.Exists {
				return Owner{}, "", &EnvError{Msg: fmt.Sprintf("--user: the registry hive of %s is not loaded (the user is not logged on, or the SID is wrong), so its Internet Options cannot be read; hint: run while that user is logged on, or give the proxy itself rather than importing it", u)}
			}
		}
		o := Owner{Scope: "user", SID: Ptr(u), Hive: Ptr(hive)}
		if strings.EqualFold(u, b.o.CurrentUserSID) && b.o.CurrentUserName != "" {
			o.User = Ptr(b.o.CurrentUserName)
		}
		if u == "S-1-5-18" {
			o.User = Ptr(`NT AUTHORITY\SYSTEM`)
		}
		return o, hive, nil
	}
	hcuSettings, _ := WinINetKeys("HKEY_CURRENT_USER")
	ki, err := b.r.Key(hcuSettings)
	if err != nil {
		return Owner{}, "", err
	}
	// A file with no HKEY_CURRENT_USER section but exactly one user's hive means that user.
	if !ki.Exists && b.o.Source.Kind != "registry" {
		var withSettings []string
		for _, sid := range b.o.Users {
			s, _ := WinINetKeys(`HKEY_USERS\` + sid)
			if k, err := b.r.Key(s); err == nil && k.Exists {
				withSettings = append(withSettings, sid)
			}
		}
		switch len(withSettings) {
		case 1:
			hive := `HKEY_USERS\` + withSettings[0]
			return Owner{Scope: "user", SID: Ptr(withSettings[0]), Hive: Ptr(hive)}, hive, nil
		case 0:
		default:
			return Owner{}, "", &InputError{Input: b.o.InputName, Msg: fmt.Sprintf("holds the Internet settings of %d users (%s); pick one with --user SID", len(withSettings), strings.Join(withSettings, ", "))}
		}
	}
	o := Owner{Scope: "user", Hive: Ptr("HKEY_CURRENT_USER")}
	if b.o.CurrentUserName != "" {
		o.User = Ptr(b.o.CurrentUserName)
	}
	if b.o.CurrentUserSID != "" {
		o.SID = Ptr(b.o.CurrentUserSID)
	}
	return o, "HKEY_CURRENT_USER", nil
}

func (b *stateBuilder) wininet() error {
	w := &b.st.WinINet
	w.Disagreements = []string{}
	owner, hive, err := b.owner()
	if err != nil {
		return err
	}
	settings, conns := WinINetKeys(hive)
	if known, err := b.known(settings); err != nil {
		return err
	} else if !known {
		w.Scope = "unknown"
		b.st.Source.WinINetOwner = Owner{Scope: "unknown"}
		return nil
	}
	b.st.Source.WinINetOwner = owner
	w.Known, w.Scope = true, owner.Scope
	w.RegistryPath = Ptr(settings)
	if w.KeyLastWrite, err = b.keyTime(conns); err != nil {
		return err
	}
	if err := b.plainValues(settings); err != nil {
		return err
	}
	dcs, err := b.wininetBlob(conns, DefaultConnValue)
	if err != nil {
		return err
	}
	if _, err := b.wininetBlob(conns, SavedLegacyValue); err != nil {
		return err
	}
	p := w.PlainValues
	if dcs == nil {
		w.Present = w.ConnectionSettings != nil
		// Without the blob, the plain values are the only record of the settings.
		if p.ProxyEnable != nil || p.ProxyServer != nil || p.AutoConfigURL != nil {
			w.ManualProxy = Ptr(p.ProxyEnable != nil && *p.ProxyEnable != 0)
			if p.ProxyServer != nil {
				w.Proxy = NewProxyDoc(*p.ProxyServer)
			}
			if p.ProxyOverride != nil {
				w.Bypass = NewBypassDoc(*p.ProxyOverride)
			}
			w.AutoConfigURL = p.AutoConfigURL
			if p.AutoDetect != nil {
				w.AutoDetect = Ptr(*p.AutoDetect != 0)
			}
			if w.ConnectionSettings == nil {
				b.warn("wininetNoBlob", conns+`\`+DefaultConnValue, "no DefaultConnectionSettings: reported from the plain values, which WinINet programs do not read")
			}
		}
		return nil
	}
	w.Present = true
	w.ManualProxy = Ptr(dcs.Flags&FlagProxy != 0)
	w.Proxy = NewProxyDoc(dcs.Proxy)
	w.Bypass = NewBypassDoc(dcs.Bypass)
	if dcs.Flags&FlagAutoProxyURL != 0 && dcs.AutoConfigURL != "" {
		w.AutoConfigURL = Ptr(RedactCredentials(dcs.AutoConfigURL))
	}
	w.AutoDetect = Ptr(dcs.Flags&FlagAutoDetect != 0)
	// The dialog keeps the plain values in step with the blob; a difference means something
	// edited one without the other.
	check := func(name string, same bool) {
		if !same {
			w.Disagreements = append(w.Disagreements, name)
		}
	}
	check("proxyEnable", (p.ProxyEnable != nil && *p.ProxyEnable != 0) == (dcs.Flags&FlagProxy != 0))
	check("proxyServer", deref(p.ProxyServer) == dcs.Proxy)
	check("proxyOverride", deref(p.ProxyOverride) == dcs.Bypass)
	pacOn := dcs.Flags&FlagAutoProxyURL != 0 && dcs.AutoConfigURL != ""
	check("autoConfigUrl", (p.AutoConfigURL != nil) == pacOn && (!pacOn || *p.AutoConfigURL == dcs.AutoConfigURL))
	w.PlainValuesAgree = Ptr(len(w.Disagreements) == 0)
	if len(w.Disagreements) > 0 {
		b.warn("wininetPlainValuesDisagree", settings, "the plain values (%s) differ from DefaultConnectionSettings, which WinINet programs use", strings.Join(w.Disagreements, ", "))
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (b *stateBuilder) plainValues(key string) error {
	p := &b.st.WinINet.PlainValues
	strs := []struct {
		name string
		dst  **string
	}{{"ProxyServer", &p.ProxyServer}, {"ProxyOverride", &p.ProxyOverride}, {"AutoConfigURL", &p.AutoConfigURL}}
	for _, s := range strs {
		v, err := b.r.ReadValue(key, s.name)
		if err != nil {
			return err
		}
		if v == nil {
			continue
		}
		str, ok := DecodeRegString(v)
		if !ok {
			if err := b.bad(key+`\`+s.name, fmt.Sprintf("value has type %s, expected REG_SZ", RegTypeName(v.Type))); err != nil {
				return err
			}
			continue
		}
		*s.dst = Ptr(RedactCredentials(str))
	}
	dws := []struct {
		name string
		dst  **uint32
	}{{"ProxyEnable", &p.ProxyEnable}, {"AutoDetect", &p.AutoDetect}}
	for _, d := range dws {
		v, err := b.r.ReadValue(key, d.name)
		if err != nil {
			return err
		}
		if v == nil {
			continue
		}
		n, ok := DecodeDWORD(v)
		if !ok {
			if err := b.bad(key+`\`+d.name, fmt.Sprintf("value has type %s (%d bytes), expected REG_DWORD", RegTypeName(v.Type), len(v.Data))); err != nil {
				return err
			}
			continue
		}
		*d.dst = Ptr(n)
	}
	return nil
}

func (b *stateBuilder) wininetBlob(key, name string) (*ConnBlob, error) {
	place := key + `\` + name
	v, err := b.r.ReadValue(key, name)
	if err != nil || v == nil {
		return nil, err
	}
	dst := &b.st.WinINet.ConnectionSettings
	if name == SavedLegacyValue {
		dst = &b.st.WinINet.SavedLegacy
	}
	if v.Type != RegBinary {
		*dst = undecodableBlob(name, v.Data, "value has type "+RegTypeName(v.Type)+", expected REG_BINARY")
		return nil, b.bad(place, fmt.Sprintf("value has type %s, expected REG_BINARY", RegTypeName(v.Type)))
	}
	c, err := DecodeWinINet(v.Data)
	if err != nil {
		*dst = undecodableBlob(name, v.Data, err.Error())
		return nil, b.bad(place, "cannot decode the connection-settings blob "+err.Error()+"; the value is corrupt or truncated")
	}
	*dst = blobDoc(name, c, v.Data)
	return c, nil
}

func (b *stateBuilder) effective() {
	e := &b.st.Effective
	n := b.st.WinHTTP.Native
	e.Services = EffectiveStack{Stack: "winhttp", Detail: "the Cloud Connector services: WinHTTP, 64-bit view (" + WinHTTPNativeKey + ")"}
	if n.Known {
		e.Services.Mode = n.Mode
		if n.Mode != nil && *n.Mode == "proxy" {
			e.Services.Proxy, e.Services.Bypass = n.Proxy, n.Bypass
		}
		e.Services.AutoDetect = Ptr(false)
	}
	w := b.st.WinINet
	e.Installer = EffectiveStack{Stack: "wininet", Detail: "the Cloud Connector installer: WinINet settings of " + ownerText(b.st.Source.WinINetOwner)}
	if w.Known {
		mode := "direct"
		// WinINet tries auto-detect, then the PAC script, then the manual proxy.
		switch {
		case w.AutoDetect != nil && *w.AutoDetect:
			mode = "autoDetect"
		case w.AutoConfigURL != nil:
			mode = "autoConfig"
		case w.ManualProxy != nil && *w.ManualProxy && w.Proxy != nil:
			mode = "proxy"
		}
		e.Installer.Mode = &mode
		e.Installer.AutoConfigURL, e.Installer.AutoDetect = w.AutoConfigURL, w.AutoDetect
		if w.ManualProxy != nil && *w.ManualProxy {
			e.Installer.Proxy, e.Installer.Bypass = w.Proxy, w.Bypass
		}
	}
	if e.Services.Mode != nil && e.Installer.Mode != nil {
		same := *e.Services.Mode == *e.Installer.Mode &&
			proxyRaw(e.Services.Proxy, "proxy") == proxyRaw(e.Installer.Proxy, "proxy") &&
			bypassRaw(e.Services.Bypass, "proxy") == bypassRaw(e.Installer.Bypass, "proxy")
		e.Same = &same
	}
}

func ownerText(o Owner) string {
	switch {
	case o.Scope == "machine":
		return "the machine (policy ProxySettingsPerUser = 0)"
	case o.User != nil:
		return *o.User
	case o.SID != nil:
		return *o.SID
	case o.Hive != nil:
		return "the current user (" + *o.Hive + ")"
	}
	return "an unknown user"
}
