package model

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
)

// wininetNow is the owner's current WinINet settings, from the blob or, without one, from
// the plain values.
type wininetNow struct {
	blob    *ConnBlob
	fresh   bool // no usable blob: a new one will be written
	corrupt string
}

// wininetWant is the owner's WinINet settings once the desired state is laid over them.
type wininetWant struct {
	manual, pacOn, autoDetect bool
	proxy, bypassList, pac    string
}

// wininet plans the owner's WinINet settings, in steps: read what the owner has now
// (wininetCurrent), lay the desired state over it (wininetDesired), make the blob that
// holds it (nextBlob), then plan the plain values the Internet Options dialog keeps beside
// the blob (wininetPlain) and the blob itself (wininetBlob).
func (b *planBuilder) wininet(hive string) error {
	settings, conns := WinINetKeys(hive)
	raw := b.cur(conns, DefaultConnValue)
	now := b.wininetCurrent(settings, conns, raw)
	want, err := b.wininetDesired(now.blob)
	if err != nil {
		return err
	}
	nb := nextBlob(now.blob, want)
	same, err := nb.Encode()
	if err != nil {
		return &InputError{Input: b.name, Place: "$.wininet", Msg: err.Error()}
	}
	blobChanges := now.fresh || !bytes.Equal(same, raw.Data)
	// Asking for Windows' default where there is no blob needs no write at all.
	keepDefault := raw == nil && nb.Flags == FlagDirect|FlagAutoDetect && nb.Proxy == "" && nb.Bypass == "" && nb.AutoConfigURL == ""
	if keepDefault {
		blobChanges = false
	}
	if err := b.wininetPlain(settings, want, &nb, blobChanges, keepDefault); err != nil {
		return err
	}
	if blobChanges {
		return b.wininetBlob(conns, raw, now, nb)
	}
	return nil
}

// wininetCurrent is the owner's settings now: the blob, or, without a usable one, what the
// plain values say, so that settings held only there are kept.
func (b *planBuilder) wininetCurrent(settings, conns string, raw *RegValue) wininetNow {
	now := wininetNow{}
	if raw != nil {
		now.blob, now.corrupt = decodeBlobValue(DefaultConnValue, raw)
	}
	if now.blob != nil {
		return now
	}
	now.fresh = true
	c := &ConnBlob{WinINet: true, Version: WinINetVersionIE7, Flags: FlagDirect, Trailing: NewWinINetTrailing(WinINetVersionIE7)}
	if raw == nil {
		// No blob is Windows' default, automatic detection, as ReadState reports it.
		c.Flags |= FlagAutoDetect
	}
	if n, ok := DecodeDWORD(b.cur(settings, valProxyEnable)); ok && n != 0 {
		c.Flags |= FlagProxy
	}
	if s, ok := DecodeRegString(b.cur(settings, valProxyServer)); ok {
		c.Proxy = s
	}
	if s, ok := DecodeRegString(b.cur(settings, valProxyOverride)); ok {
		c.Bypass = s
	}
	if s, ok := DecodeRegString(b.cur(settings, valAutoConfigURL)); ok && s != "" {
		c.AutoConfigURL = s
		c.Flags |= FlagAutoProxyURL
	}
	now.blob = c
	if now.corrupt != "" {
		b.warn("wininetBlobReplaced", conns+`\`+DefaultConnValue, "DefaultConnectionSettings is unusable (%s); a new one is written from the plain values and the desired state", now.corrupt)
	}
	return now
}

// wininetDesired lays the desired WinINet settings over the current ones: what the desired
// state leaves out stays as it is.
func (b *planBuilder) wininetDesired(cur *ConnBlob) (wininetWant, error) {
	d := b.d.WinINet
	w := wininetWant{manual: cur.Flags&FlagProxy != 0, proxy: cur.Proxy, bypassList: cur.Bypass,
		pac: cur.AutoConfigURL, pacOn: cur.Flags&FlagAutoProxyURL != 0, autoDetect: cur.Flags&FlagAutoDetect != 0}
	if d.ManualProxy != nil {
		w.manual = *d.ManualProxy
	} else if d.Proxy != nil {
		w.manual = true
	}
	if d.Proxy != nil {
		w.proxy = d.Proxy.Raw
	}
	if d.Bypass != nil {
		w.bypassList = strings.Join(d.Bypass, ";")
	}
	w.bypassList = MergeBypass(w.bypassList, d.EnsureBypass)
	switch {
	case d.AutoConfigURL != nil:
		w.pac, w.pacOn = *d.AutoConfigURL, true
	case d.RemoveAutoConfigURL:
		w.pac, w.pacOn = "", false
	}
	if d.AutoDetect != nil {
		w.autoDetect = *d.AutoDetect
	}
	if w.manual && strings.TrimSpace(w.proxy) == "" {
		return w, &InputError{Input: b.name, Place: "$.wininet.manualProxy", Msg: "the manual proxy is on but there is no proxy string; hint: give \"proxy\""}
	}
	if !w.manual && len(d.EnsureBypass) > 0 {
		b.warn("ensureBypassManualOff", "$.wininet.ensureBypass", "the manual proxy of %s is off: the bypass entries are stored but take effect only when it is switched on", ownerText(b.st.Source.WinINetOwner))
	}
	return w, nil
}

// nextBlob is the current blob with the wanted flags and strings; the direct flag is always
// set, as the Internet Options dialog writes it.
func nextBlob(cur *ConnBlob, w wininetWant) ConnBlob {
	nb := *cur
	nb.Flags = cur.Flags&^(FlagProxy|FlagAutoProxyURL|FlagAutoDetect) | FlagDirect
	if w.manual {
		nb.Flags |= FlagProxy
	}
	if w.pacOn && w.pac != "" {
		nb.Flags |= FlagAutoProxyURL
	}
	if w.autoDetect {
		nb.Flags |= FlagAutoDetect
	}
	nb.Proxy, nb.Bypass, nb.AutoConfigURL = w.proxy, w.bypassList, w.pac
	return nb
}

// wininetPlain plans the plain values the Internet Options dialog keeps beside the blob, in
// step with it, and refuses to write credentials again.
func (b *planBuilder) wininetPlain(settings string, w wininetWant, nb *ConnBlob, blobChanges, keepDefault bool) error {
	type plainTarget struct {
		name string
		v    *RegValue
	}
	str := func(s string) *RegValue {
		if s == "" {
			return nil
		}
		v := EncodeRegString(s)
		return &v
	}
	enable := EncodeDWORD(0)
	if w.manual {
		enable = EncodeDWORD(1)
	}
	pacValue := ""
	if nb.Flags&FlagAutoProxyURL != 0 {
		pacValue = w.pac
	}
	plains := []plainTarget{{valProxyEnable, &enable}, {valProxyServer, str(w.proxy)}, {valProxyOverride, str(w.bypassList)}, {valAutoConfigURL, str(pacValue)}}
	for _, s := range []struct{ what, v, place string }{{"the proxy string", w.proxy, "$.wininet.proxy"}, {"the PAC URL", pacValue, "$.wininet.autoConfigUrl"}} {
		if strings.Contains(s.v, "@") && (blobChanges || s.v != "") {
			return credentialsError(b.name, s.place, s.what+" of "+ownerText(b.st.Source.WinINetOwner)+", which the plan would write again,")
		}
	}
	for _, p := range plains {
		curV := b.cur(settings, p.name)
		if plainSame(curV, p.v) || keepDefault && curV == nil {
			continue
		}
		b.add(Target{Stack: "wininet", RegistryPath: settings, ValueName: p.name}, curV, p.v,
			fmt.Sprintf("WinINet %s: %s kept in step with DefaultConnectionSettings", ownerText(b.st.Source.WinINetOwner), p.name))
	}
	return nil
}

// wininetBlob plans DefaultConnectionSettings with its change counter one past the current
// one, as the Internet Options dialog counts.
func (b *planBuilder) wininetBlob(conns string, raw *RegValue, now wininetNow, nb ConnBlob) error {
	cur := now.blob
	switch {
	case !now.fresh:
		nb.Counter = cur.Counter + 1
	case raw != nil && len(raw.Data) >= 8:
		nb.Counter = binary.LittleEndian.Uint32(raw.Data[4:]) + 1
	default:
		nb.Counter = 1
	}
	data, err := nb.Encode()
	if err != nil {
		return &InputError{Input: b.name, Place: "$.wininet", Msg: err.Error()}
	}
	b.add(Target{Stack: "wininet", RegistryPath: conns, ValueName: DefaultConnValue}, raw, &RegValue{Type: RegBinary, Data: data},
		wininetReason(ownerText(b.st.Source.WinINetOwner), cur, &nb, now.fresh))
	return nil
}

// plainSame compares a plain value with its target by meaning: the same DWORD, or the same
// string stored as REG_SZ; nil target means the value should not exist.
func plainSame(cur, want *RegValue) bool {
	if want == nil {
		return cur == nil
	}
	if cur == nil {
		return false
	}
	if want.Type == RegDWORD {
		a, ok := DecodeDWORD(cur)
		w, _ := DecodeDWORD(want)
		return ok && a == w
	}
	if cur.Type != want.Type {
		return false
	}
	a, _ := DecodeRegString(cur)
	w, _ := DecodeRegString(want)
	return a == w
}

func wininetReason(owner string, cur, nb *ConnBlob, fresh bool) string {
	var parts []string
	if fresh {
		parts = append(parts, "written anew")
	}
	flag := func(name string, bit uint32) {
		if cur.Flags&bit != nb.Flags&bit || fresh {
			parts = append(parts, fmt.Sprintf("%s %v -> %v", name, cur.Flags&bit != 0, nb.Flags&bit != 0))
		}
	}
	flag("direct flag", FlagDirect)
	flag("manual proxy", FlagProxy)
	flag("PAC", FlagAutoProxyURL)
	flag("auto-detect", FlagAutoDetect)
	for _, s := range []struct{ name, a, b string }{{"proxy", cur.Proxy, nb.Proxy}, {"bypass", cur.Bypass, nb.Bypass}, {"PAC URL", cur.AutoConfigURL, nb.AutoConfigURL}} {
		if s.a != s.b {
			parts = append(parts, fmt.Sprintf("%s %s -> %s", s.name, jsonQuote(s.a), jsonQuote(s.b)))
		}
	}
	return "WinINet " + owner + " DefaultConnectionSettings: " + strings.Join(parts, ", ")
}
