package model

import (
	"fmt"
	"strings"

	"ccproxy/model/bypass"
)

// winhttpNow is what one view's WinHttpSettings says.
type winhttpNow struct {
	blob    *ConnBlob // nil when absent or undecodable
	present bool
	corrupt string // why the value cannot be decoded
}

func (w winhttpNow) usesProxy() bool {
	return w.blob != nil && w.blob.Flags&FlagProxy != 0 && strings.TrimSpace(w.blob.Proxy) != ""
}

func decodeWinHTTPValue(v *RegValue) winhttpNow {
	if v == nil {
		return winhttpNow{}
	}
	c, corrupt := decodeBlobValue(WinHTTPValue, v)
	return winhttpNow{blob: c, present: true, corrupt: corrupt}
}

// decodeBlobValue decodes the connection-settings value v, of the kind its name says;
// corrupt says why it cannot be used.
func decodeBlobValue(name string, v *RegValue) (c *ConnBlob, corrupt string) {
	if v.Type != RegBinary {
		return nil, "it has type " + RegTypeName(v.Type) + ", not REG_BINARY"
	}
	c, err := blobDecoder(name)(v.Data)
	if err != nil {
		return nil, "it cannot be decoded (" + err.Error() + ")"
	}
	return c, ""
}

// blobDecoder decodes a connection-settings value: WinHttpSettings has a layout of its own.
func blobDecoder(name string) func([]byte) (*ConnBlob, error) {
	if strings.EqualFold(name, WinHTTPValue) {
		return DecodeWinHTTP
	}
	return DecodeWinINet
}

func (b *planBuilder) winhttp() error {
	w := b.d.WinHTTP
	var imp *IEImport
	if w.Mode == ModeImportFromIE {
		ie := IESettingsFromState(b.st.WinINet)
		if p := b.st.WinINet.Proxy; p != nil && ie.ManualProxy {
			for _, e := range p.Entries {
				if e.HasCredentials {
					return credentialsError(b.name, "$.winhttp.mode", "the WinINet proxy of "+ownerText(b.st.Source.WinINetOwner)+" (which importFromIE would copy)")
				}
			}
		}
		r := ImportFromIE(ie, ownerText(b.st.Source.WinINetOwner))
		imp = &r
		b.plan.Warnings = append(b.plan.Warnings, r.Warnings...)
		if r.Direct && len(w.EnsureBypass) > 0 {
			b.warn("ensureBypassDirect", "$.winhttp.ensureBypass", "the import gives direct access, so the ensureBypass entries are not written (everything already goes direct)")
		}
	}
	switch {
	case imp != nil && !imp.Direct:
		b.warnNoPort(imp.Proxy, "$.winhttp.mode")
		b.warnImportedInvalid(imp.Proxy, "$.winhttp.mode")
	case w.Proxy != nil:
		b.warnNoPort(w.Proxy.Raw, "$.winhttp.proxy")
	}
	for _, view := range w.views() {
		if err := b.winhttpView(view, imp); err != nil {
			return err
		}
	}
	return nil
}

// warnNoPort warns of each proxy entry without a port: the proxy string's grammar makes the
// port optional ([<scheme>=][<scheme>"://"]<server>[":"<port>], WINHTTP_PROXY_INFO,
// https://learn.microsoft.com/windows/win32/api/winhttp/ns-winhttp-winhttp_proxy_info) and
// WinHTTP then connects to the proxy on INTERNET_DEFAULT_HTTP_PORT, 80 (Wine's
// dlls/winhttp/request.c does the same), while proxies mostly listen on 8080 or 3128.
func (b *planBuilder) warnNoPort(proxy, place string) {
	for _, e := range bypass.ParseProxy(proxy).Entries {
		if e.Host != "" && e.Port == 0 {
			b.warn("proxyWithoutPort", place, "the proxy %s has no port, so WinHTTP will connect to it on port 80; if it listens on another port (often 8080 or 3128), give host:port", e.Address())
		}
	}
}

// warnImportedInvalid warns of each imported proxy entry that --proxy or a desired state's
// "proxy" would refuse (checkProxy): the import copies Internet Options as netsh does, odd
// values included, so it is not refused, but the plan says that WinHTTP cannot use the entry.
// The value itself is not repeated: anyone can write it in their own HKCU.
func (b *planBuilder) warnImportedInvalid(proxy, place string) {
	for i, e := range bypass.ParseProxy(proxy).Entries {
		if !e.Valid && !e.HasCredentials {
			b.warn("importedProxyInvalid", place, "entry %d of the imported proxy of %s is not a usable proxy entry (%s); WinHTTP cannot use it: correct it in Internet Options or plan --proxy HOST:PORT", i+1, ownerText(b.st.Source.WinINetOwner), e.Note)
		}
	}
}

func (b *planBuilder) winhttpView(view string, imp *IEImport) error {
	w := b.d.WinHTTP
	key := winhttpKey(view)
	stView := b.st.WinHTTP.Native
	if view == ViewWOW64 {
		stView = b.st.WinHTTP.WOW64
	}
	if !stView.Known {
		b.warn("sourceViewUnknown", "winhttp."+view, "the source (%s) does not hold the %s view of WinHttpSettings; the plan takes it as absent, and apply refuses the plan if it is not", b.st.Source.Kind, view)
	}
	raw := b.cur(key, WinHTTPValue)
	now := decodeWinHTTPValue(raw)
	place := "$.winhttp"

	direct := false
	var proxy, bypassList string
	switch {
	case imp != nil:
		place = "$.winhttp.mode"
		direct = imp.Direct
		proxy, bypassList = imp.Proxy, MergeBypass(imp.Bypass, w.EnsureBypass)
	case w.Mode == ModeDirect:
		direct = true
	case w.Mode == ModeProxy || w.Proxy != nil:
		if w.Proxy != nil {
			proxy = w.Proxy.Raw
			place = "$.winhttp.proxy"
		} else if now.blob != nil && strings.TrimSpace(now.blob.Proxy) != "" {
			proxy = now.blob.Proxy
		} else {
			return &InputError{Input: b.name, Place: "$.winhttp.mode", Msg: fmt.Sprintf("\"proxy\", but the %s view has no proxy string to switch on; hint: give \"proxy\"", view)}
		}
		bypassList = b.winhttpBypassBase(now)
		bypassList = MergeBypass(bypassList, w.EnsureBypass)
	default:
		// Only a bypass list: it matters only where a proxy is in use.
		if !now.usesProxy() {
			b.warn("bypassWithoutProxy", "$.winhttp", "the %s view uses direct access, so a bypass list changes nothing and is not written; give \"proxy\" or \"mode\": \"importFromIE\" to use a proxy", view)
			return nil
		}
		proxy = now.blob.Proxy
		bypassList = MergeBypass(b.winhttpBypassBase(now), w.EnsureBypass)
	}

	if direct {
		if !now.present {
			return nil // a missing value is documented as direct access
		}
		if now.blob != nil && !now.usesProxy() && now.blob.Flags&(FlagAutoProxyURL|FlagAutoDetect) == 0 {
			return nil
		}
	} else if now.blob != nil && now.usesProxy() && now.blob.Flags&FlagDirect != 0 &&
		now.blob.Flags&(FlagAutoProxyURL|FlagAutoDetect) == 0 && now.blob.Proxy == proxy && now.blob.Bypass == bypassList {
		return nil
	}

	if strings.Contains(proxy, "@") {
		return credentialsError(b.name, place, fmt.Sprintf("the proxy string of the %s view", view))
	}
	nb := &ConnBlob{Version: WinHTTPVersionNew, Counter: 0, Flags: FlagDirect}
	if now.blob != nil {
		nb.Version = now.blob.Version
	}
	if !direct {
		nb.Flags |= FlagProxy
		nb.Proxy, nb.Bypass = proxy, bypassList
	}
	data, err := nb.Encode()
	if err != nil {
		return &InputError{Input: b.name, Place: place, Msg: err.Error()}
	}
	reason := winhttpReason(view, now, direct, proxy, bypassList)
	b.add(Target{Stack: "winhttp", View: Ptr(view), RegistryPath: key, ValueName: WinHTTPValue}, raw, &RegValue{Type: RegBinary, Data: data}, reason)
	return nil
}

// winhttpBypassBase is the list ensureBypass adds to: the desired list, else the stored one.
func (b *planBuilder) winhttpBypassBase(now winhttpNow) string {
	if b.d.WinHTTP.Bypass != nil {
		return strings.Join(b.d.WinHTTP.Bypass, ";")
	}
	if now.blob != nil {
		return now.blob.Bypass
	}
	return ""
}

func winhttpReason(view string, now winhttpNow, direct bool, proxy, bypassList string) string {
	var was string
	switch {
	case !now.present:
		was = "absent (direct access)"
	case now.blob == nil:
		was = "unusable: " + now.corrupt
	case now.usesProxy():
		was = fmt.Sprintf("proxy %s, bypass %s", jsonQuote(now.blob.Proxy), jsonQuote(now.blob.Bypass))
	default:
		was = "direct access"
	}
	if now.blob != nil && now.blob.Flags&(FlagAutoProxyURL|FlagAutoDetect) != 0 {
		was += fmt.Sprintf(" with auto-proxy flags 0x%x the services do not use", now.blob.Flags&(FlagAutoProxyURL|FlagAutoDetect))
	}
	if now.blob != nil && now.blob.Flags&FlagDirect == 0 {
		was += " without flag 0x01, which Windows needs"
	}
	to := "direct access"
	if !direct {
		to = fmt.Sprintf("proxy %s, bypass %s", jsonQuote(proxy), jsonQuote(bypassList))
	}
	return fmt.Sprintf("WinHTTP %s view: %s -> %s", view, was, to)
}
