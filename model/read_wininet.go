package model

import (
	"fmt"
	"sort"
	"strings"

	"ccproxy/model/bypass"
)

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
		sid, err := ResolveUser(u)
		if err != nil {
			return Owner{}, "", err
		}
		hive := `HKEY_USERS\` + sid
		if ki, err := b.r.Key(hive); err != nil {
			return Owner{}, "", err
		} else if !ki.Exists {
			if b.o.Source.Kind == SourceRegistry {
				// A user who is not logged on has no hive loaded: reading it would report "no
				// proxy", and an import would then switch WinHTTP to direct access.
				return Owner{}, "", &EnvError{Msg: fmt.Sprintf("--user: the registry hive of %s is not loaded (the user is not logged on, or the SID is wrong), so its Internet Options cannot be read; hint: run while that user is logged on, or give the proxy itself rather than importing it", accountText(sid))}
			}
			held := "no HKEY_USERS hive"
			if len(b.o.Users) > 0 {
				held = "the hives of " + strings.Join(b.o.Users, ", ")
			}
			return Owner{}, "", &InputError{Input: "--user", Msg: fmt.Sprintf("%s holds no settings of %s (it holds %s); hint: export HKEY_USERS\\%s, or pass one of the SIDs it holds", b.o.InputName, accountText(sid), held, sid)}
		}
		o := Owner{Scope: "user", SID: Ptr(sid), Hive: Ptr(hive)}
		if name := AccountName(sid); name != "" {
			o.User = Ptr(name)
		} else if strings.EqualFold(sid, b.o.CurrentUserSID) && b.o.CurrentUserName != "" {
			o.User = Ptr(b.o.CurrentUserName)
		}
		return o, hive, nil
	}
	hcuSettings, _ := WinINetKeys("HKEY_CURRENT_USER")
	ki, err := b.r.Key(hcuSettings)
	if err != nil {
		return Owner{}, "", err
	}
	// A file with no HKEY_CURRENT_USER section but exactly one user's hive means that user.
	if !ki.Exists && b.o.Source.Kind != SourceRegistry {
		var withSettings []string
		for _, sid := range b.o.Users {
			s, c := WinINetKeys(`HKEY_USERS\` + sid)
			ks, err1 := b.r.Key(s)
			kc, err2 := b.r.Key(c)
			if err1 == nil && err2 == nil && (ks.Exists || kc.Exists) {
				withSettings = append(withSettings, sid)
			}
		}
		switch len(withSettings) {
		case 1:
			sid := withSettings[0]
			hive := `HKEY_USERS\` + sid
			o := Owner{Scope: "user", SID: Ptr(sid), Hive: Ptr(hive)}
			if name := AccountName(sid); name != "" {
				o.User = Ptr(name)
			}
			return o, hive, nil
		case 0:
		default:
			return Owner{}, "", &InputError{Input: b.o.InputName, Msg: fmt.Sprintf("holds the Internet settings of %s (%s); pick one with --user SID", Count(len(withSettings), "user"), ListSome(withSettings, ", "))}
		}
	}
	o := Owner{Scope: "user", Hive: Ptr("HKEY_CURRENT_USER")}
	if b.o.CurrentUserName != "" {
		o.User = Ptr(b.o.CurrentUserName)
	}
	if b.o.CurrentUserSID != "" {
		o.SID = Ptr(b.o.CurrentUserSID)
		if name := AccountName(b.o.CurrentUserSID); name != "" {
			o.User = Ptr(name)
		}
	}
	return o, "HKEY_CURRENT_USER", nil
}

// accountText names a SID for a message: "NT AUTHORITY\SYSTEM (S-1-5-18)" or the SID.
func accountText(sid string) string {
	if n := AccountName(sid); n != "" {
		return n + " (" + sid + ")"
	}
	return sid
}

func (b *stateBuilder) wininet() error {
	owner, hive, err := b.owner()
	if err != nil {
		return err
	}
	w, err := b.readWinINet(hive, owner.Scope)
	if err != nil {
		return err
	}
	b.st.WinINet = w
	if !w.Known {
		b.st.Source.WinINetOwner = Owner{Scope: "unknown"}
	} else {
		b.st.Source.WinINetOwner = owner
	}
	if owner.Scope != "machine" {
		return b.machineSettingsUnused()
	}
	return nil
}

// readWinINet reads one owner's Internet Options under a hive root. Each of the two keys is
// known or not on its own (see known); a source that holds neither knows nothing.
func (b *stateBuilder) readWinINet(hive, scope string) (WinINetState, error) {
	w := WinINetState{Scope: "unknown", Disagreements: []string{}, OtherConnections: []string{}}
	settings, conns := WinINetKeys(hive)
	setKnown, err := b.known(settings)
	if err != nil {
		return w, err
	}
	connKnown, err := b.known(conns)
	if err != nil {
		return w, err
	}
	if !setKnown && !connKnown {
		return w, nil
	}
	w.Known, w.Scope = true, scope
	w.RegistryPath = Ptr(settings)
	w.PlainValues.Known, w.ConnectionsKnown = setKnown, connKnown
	if setKnown {
		if err := b.plainValues(settings, &w.PlainValues); err != nil {
			return w, err
		}
	}
	var dcs *ConnBlob
	dcsPresent := false
	if connKnown {
		if w.KeyLastWrite, err = b.keyTime(conns); err != nil {
			return w, err
		}
		if dcs, dcsPresent, err = b.wininetBlob(conns, DefaultConnValue, &w.ConnectionSettings); err != nil {
			return w, err
		}
		if _, _, err := b.wininetBlob(conns, SavedLegacyValue, &w.SavedLegacy); err != nil {
			return w, err
		}
		if w.OtherConnections, err = b.otherConnections(conns); err != nil {
			return w, err
		}
	}
	if connKnown {
		w.Present = Ptr(dcsPresent)
	}
	p := w.PlainValues
	switch {
	case dcs != nil:
		b.fromBlob(&w, dcs, settings)
	case dcsPresent:
		// The blob is there but cannot be decoded (already warned): WinINet's settings are
		// unknown, and the plain values are no substitute for what WinINet reads.
	case p.ProxyServer != nil || nonEmpty(p.AutoConfigURL) || !connKnown && p.ProxyEnable != nil:
		// (ProxyEnable = 0 alone is what WinINet writes when it finds no value; it sets nothing.)
		// Without the blob, the plain values are the record of the settings: WinINet reads
		// ProxyEnable, ProxyServer and ProxyOverride from the Internet Settings key (Wine's
		// INTERNET_LoadProxySettings, dlls/wininet/internet.c), and the Internet Options
		// dialog writes the blob from them on its next save.
		w.ManualProxy = Ptr(p.ProxyEnable != nil && *p.ProxyEnable != 0)
		if p.ProxyServer != nil {
			w.Proxy = NewProxyDoc(*p.ProxyServer)
		}
		if p.ProxyOverride != nil {
			w.Bypass = NewBypassDoc(*p.ProxyOverride)
		}
		if nonEmpty(p.AutoConfigURL) {
			w.AutoConfigURL = p.AutoConfigURL
		}
		if p.AutoDetect != nil {
			w.AutoDetect = Ptr(*p.AutoDetect != 0)
		}
		if connKnown {
			b.warn("wininetNoBlob", conns+`\`+DefaultConnValue, "no DefaultConnectionSettings: reported from the plain values, which WinINet reads when the blob is missing; WinHTTP's WinHttpGetIEProxyConfigForCurrentUser reads only the blob and sees automatic detection")
		} else {
			b.warn("wininetNoBlob", conns+`\`+DefaultConnValue, "the source does not hold the Connections key with DefaultConnectionSettings: reported from the plain values")
		}
	case connKnown:
		// No DefaultConnectionSettings and nothing in the plain values is Windows' default,
		// not direct access: a fresh profile has "Automatically detect settings" on, and
		// Wine's WinHttpGetIEProxyConfigForCurrentUser (dlls/winhttp/session.c) starts from
		// fAutoDetect = TRUE and keeps it when the value is missing or is not a 0x46 blob.
		w.Defaulted = true
		w.ManualProxy, w.AutoDetect = Ptr(false), Ptr(true)
		b.warn("wininetDefault", conns+`\`+DefaultConnValue, "no DefaultConnectionSettings: Windows' default applies (automatic detection, as in a new profile); nothing was read")
	}
	return w, nil
}

// nonEmpty: an AutoConfigURL of "" is how scripts and policies turn the PAC script off;
// one of white space alone names no script either, so it means no PAC as well.
func nonEmpty(s *string) bool { return s != nil && strings.TrimSpace(*s) != "" }

// fromBlob takes the settings from a decoded DefaultConnectionSettings.
func (b *stateBuilder) fromBlob(w *WinINetState, dcs *ConnBlob, settings string) {
	w.ManualProxy = Ptr(dcs.Flags&FlagProxy != 0)
	w.Proxy = NewProxyDoc(dcs.Proxy)
	w.Bypass = NewBypassDoc(dcs.Bypass)
	pacOn := dcs.Flags&FlagAutoProxyURL != 0 && strings.TrimSpace(dcs.AutoConfigURL) != ""
	if pacOn {
		w.AutoConfigURL = Ptr(RedactURL(dcs.AutoConfigURL))
	}
	w.AutoDetect = Ptr(dcs.Flags&FlagAutoDetect != 0)
	if !w.PlainValues.Known {
		return
	}
	// The dialog keeps the plain values in step with the blob; a difference means something
	// edited one without the other.
	p := w.PlainValues
	check := func(name string, same bool) {
		if !same {
			w.Disagreements = append(w.Disagreements, name)
		}
	}
	check("proxyEnable", (p.ProxyEnable != nil && *p.ProxyEnable != 0) == (dcs.Flags&FlagProxy != 0))
	check("proxyServer", Deref(p.ProxyServer) == RedactProxyList(dcs.Proxy))
	check("proxyOverride", Deref(p.ProxyOverride) == RedactProxyList(dcs.Bypass))
	check("autoConfigUrl", nonEmpty(p.AutoConfigURL) == pacOn && (!pacOn || *p.AutoConfigURL == RedactURL(dcs.AutoConfigURL)))
	w.PlainValuesAgree = Ptr(len(w.Disagreements) == 0)
	if len(w.Disagreements) > 0 {
		b.warn("wininetPlainValuesDisagree", settings, "the plain values (%s) differ from DefaultConnectionSettings, which WinINet programs use", strings.Join(w.Disagreements, ", "))
	}
}

// Deref is the string a pointer holds, "" for nil.
func Deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (b *stateBuilder) plainValues(key string, p *Plain) error {
	strs := []struct {
		name   string
		dst    **string
		redact func(string) string
	}{{"ProxyServer", &p.ProxyServer, RedactProxyList}, {"ProxyOverride", &p.ProxyOverride, RedactProxyList}, {"AutoConfigURL", &p.AutoConfigURL, RedactURL}}
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
		*s.dst = Ptr(s.redact(str))
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

// wininetBlob reads one connection-settings blob into dst; present is true when the value
// exists, decoded or not.
func (b *stateBuilder) wininetBlob(key, name string, dst **BlobDoc) (c *ConnBlob, present bool, err error) {
	place := key + `\` + name
	v, err := b.r.ReadValue(key, name)
	if err != nil || v == nil {
		return nil, false, err
	}
	if v.Type != RegBinary {
		*dst = undecodableBlob(name, v.Data, "value has type "+RegTypeName(v.Type)+", expected REG_BINARY")
		return nil, true, b.bad(place, fmt.Sprintf("value has type %s, expected REG_BINARY", RegTypeName(v.Type)))
	}
	c, err = DecodeWinINet(v.Data)
	if err != nil {
		*dst = undecodableBlob(name, v.Data, err.Error())
		return nil, true, b.bad(place, "cannot decode the connection-settings blob "+err.Error()+"; the value is corrupt or truncated: set the proxy again in Internet Options (inetcpl.cpl)")
	}
	*dst = blobDoc(name, c, v.Data)
	b.proxyWithoutDirect(place, c.Flags)
	return c, true, nil
}

// proxyWithoutDirect warns about a blob with the proxy bit but not the direct bit: Internet
// Explorer was reported to ignore such blobs, and Windows' own writers always set 0x01.
func (b *stateBuilder) proxyWithoutDirect(place string, flags uint32) {
	if flags&FlagProxy != 0 && flags&FlagDirect == 0 {
		b.warn("blobProxyWithoutDirect", place, "the flags (0x%x) have the proxy bit 0x02 without the direct bit 0x01; Internet Explorer was reported to ignore such settings (unconfirmed): set the proxy again in Internet Options", flags)
	}
}

// otherConnections lists the named connection blobs (dial-up and VPN entries) beside the
// LAN settings. WinINet uses one only while that connection is the active one; WinHTTP
// and the connector's services never do.
func (b *stateBuilder) otherConnections(conns string) ([]string, error) {
	l, ok := b.r.(RegistryLister)
	if !ok {
		return []string{}, nil
	}
	names, err := l.ValueNames(conns)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, n := range names {
		switch {
		case strings.EqualFold(n, DefaultConnValue), strings.EqualFold(n, SavedLegacyValue), strings.EqualFold(n, WinHTTPValue), n == "":
			continue
		}
		out = append(out, n)
	}
	sort.Strings(out)
	if len(out) > 0 {
		b.warn("wininetOtherConnections", conns, "connection settings for %s (dial-up or VPN entries) are used by WinINet only while that connection is active; the connector's services never use them", strings.Join(out, ", "))
	}
	return out, nil
}

// machineSettingsUnused says when HKLM holds WinINet settings that no program reads: they
// take effect only under the policy ProxySettingsPerUser = 0.
func (b *stateBuilder) machineSettingsUnused() error {
	_, conns := WinINetKeys("HKEY_LOCAL_MACHINE")
	if known, err := b.known(conns); err != nil || !known {
		return err
	}
	v, err := b.r.ReadValue(conns, DefaultConnValue)
	if err != nil || v == nil || v.Type != RegBinary {
		return err
	}
	c, err := DecodeWinINet(v.Data)
	if err != nil {
		return nil
	}
	if c.Flags&^FlagDirect == 0 && c.Proxy == "" && c.AutoConfigURL == "" {
		return nil
	}
	b.warn("wininetMachineSettingsUnused", conns+`\`+DefaultConnValue, "machine-wide WinINet settings (flags 0x%x, proxy %s) are present but unused: they apply only when the policy %s\\%s is 0", c.Flags, orNoneText(c.Proxy), PolicyKey, PolicyPerUserValue)
	return nil
}

func orNoneText(s string) string {
	if s == "" {
		return "(none)"
	}
	return RedactProxyList(s)
}

func (b *stateBuilder) effective() {
	e := &b.st.Effective
	e.Services = b.servicesStack()
	e.Installer = installerStack(b.st.WinINet, "the Cloud Connector installer: WinINet settings of "+ownerText(b.st.Source.WinINetOwner))
	e.Same = sameRoute(e.Services, e.Installer)
	b.connectorServices()
}

func (b *stateBuilder) servicesStack() EffectiveStack {
	n := b.st.WinHTTP.Native
	s := EffectiveStack{Stack: "winhttp", Detail: "the Cloud Connector services: WinHTTP, 64-bit view (" + WinHTTPNativeKey + ")"}
	if n.Known {
		s.Mode = n.Mode
		if n.Mode != nil && *n.Mode == "proxy" {
			s.Proxy, s.Bypass = n.Proxy, n.Bypass
			// The summary is what the services get for HTTPS, all of the connector's traffic:
			// a proxy string with no entry WinHTTP uses for https URLs (a socks= entry alone,
			// say) sends them direct, as route decides too.
			if n.Proxy != nil && bypass.ParseProxy(n.Proxy.Raw).For("https") == nil {
				s.Mode = Ptr("direct")
				s.Proxy, s.Bypass = nil, nil
				s.Detail += "; the proxy string " + n.Proxy.Raw + " has no entry WinHTTP uses for https URLs, so they go direct"
			}
		}
		if n.Mode != nil {
			s.AutoDetect = Ptr(false)
		}
	}
	return s
}

// installerStack is how a program using one owner's WinINet settings reaches the Internet.
func installerStack(w WinINetState, detail string) EffectiveStack {
	s := EffectiveStack{Stack: "wininet", Detail: detail}
	if !w.Known || w.ManualProxy == nil {
		return s
	}
	mode := "direct"
	// WinINet tries auto-detect, then the PAC script, then the manual proxy.
	switch {
	case w.AutoDetect != nil && *w.AutoDetect:
		mode = "autoDetect"
	case nonEmpty(w.AutoConfigURL):
		mode = "autoConfig"
	case *w.ManualProxy && w.Proxy != nil:
		mode = "proxy"
	}
	s.Mode = &mode
	s.AutoConfigURL, s.AutoDetect = w.AutoConfigURL, w.AutoDetect
	if *w.ManualProxy {
		s.Proxy, s.Bypass = w.Proxy, w.Bypass
	}
	return s
}

// sameRoute is whether two stacks reach the Internet the same way; null when either is unknown.
func sameRoute(a, c EffectiveStack) *bool {
	if a.Mode == nil || c.Mode == nil {
		return nil
	}
	same := *a.Mode == *c.Mode &&
		proxyRaw(a.Proxy, "proxy") == proxyRaw(c.Proxy, "proxy") &&
		bypassRaw(a.Bypass, "proxy") == bypassRaw(c.Bypass, "proxy")
	return &same
}

func ownerText(o Owner) string {
	switch {
	case o.Scope == "machine":
		return "the machine (policy ProxySettingsPerUser = 0)"
	case o.User != nil && o.SID != nil && AccountName(*o.SID) != "":
		return *o.User + " (" + *o.SID + ")"
	case o.User != nil:
		return *o.User
	case o.SID != nil:
		return *o.SID
	case o.Hive != nil:
		return "the current user (" + *o.Hive + ")"
	}
	return "an unknown user"
}
