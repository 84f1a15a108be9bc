package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"ccproxy/model/bypass"
	"ccproxy/model/jsonin"
)

// Document kinds of the change workflow.
const (
	SchemaPlan  = "ccproxy/plan@1"
	SchemaApply = "ccproxy/apply@1"
)

// ConnectorServices are the Windows services the Cloud Connector installs; they read the
// WinHTTP settings when they start (see reference/cloud-connector.md).
var ConnectorServices = []string{
	"CitrixWorkspaceCloudAgentSystem", "CitrixWorkspaceCloudAgentWatchdog",
	"CitrixWorkspaceCloudAgentLogger", "CitrixWorkspaceCloudAgentDiscovery",
	"CitrixWorkspaceCloudADProvider", "CitrixWorkspaceCloudCredentialProvider",
	"CitrixWorkspaceCloudWebRelayProvider", "CitrixConfigSyncService",
	"CitrixHighAvailabilityService", "RemoteHCLServer", "XaXdCloudProxy",
	"Citrix NetScaler Cloud Gateway", "cdfCaptureService",
}

// Plan is the ccproxy/plan@1 document: the exact registry writes that reach a desired state
// from the state it was made from, and a fingerprint of that state so that apply can refuse
// the plan once the registry has moved on.
type Plan struct {
	Schema      string      `json:"schema"`
	CreatedAt   time.Time   `json:"createdAt"`
	Source      PlanSource  `json:"source"`
	Fingerprint Fingerprint `json:"fingerprint"`
	Changes     []Change    `json:"changes" doc:"in the order apply writes them"`
	Warnings    []Warning   `json:"warnings"`
	// RequiresElevation is true when a change writes under HKEY_LOCAL_MACHINE or HKEY_USERS.
	RequiresElevation bool    `json:"requiresElevation"`
	RestartRequired   Restart `json:"restartRequired"`
	Empty             bool    `json:"empty"`
}

// PlanSource is what the plan was computed from.
type PlanSource struct {
	Kind string  `json:"kind" doc:"registry, regFile, stateDocument, netsh, backup"`
	Path *string `json:"path"`
	Host *string `json:"host"`
	// WinINetOwner is whose WinINet settings the plan reads or writes; null when none.
	WinINetOwner *Owner `json:"wininetOwner"`
}

// Fingerprint identifies the registry values a plan was made from: SHA-256 over the type
// and exact bytes (or the absence) of each value, in the listed order.
type Fingerprint struct {
	Algorithm string             `json:"algorithm" enum:"sha256"`
	Value     string             `json:"value"`
	Values    []FingerprintValue `json:"values"`
}

// FingerprintValue is one value the plan read.
type FingerprintValue struct {
	RegistryPath string `json:"registryPath" doc:"the key"`
	ValueName    string `json:"valueName"`
	Exists       bool   `json:"exists"`
	SHA256       string `json:"sha256" doc:"of the value's type and bytes, or of its absence"`
}

// Change is one registry value to create, update or delete.
type Change struct {
	Target Target   `json:"target"`
	Action string   `json:"action" enum:"create,update,delete"`
	Reason string   `json:"reason"`
	Before ValueDoc `json:"before"`
	After  ValueDoc `json:"after"`

	after *RegValue // the exact value to write; nil for delete
}

// Target names a registry value and the stack that uses it.
type Target struct {
	Stack        string  `json:"stack" enum:"winhttp,wininet"`
	View         *string `json:"view" enum:"native,wow64" doc:"WinHTTP only"`
	RegistryPath string  `json:"registryPath" doc:"the key"`
	ValueName    string  `json:"valueName"`
}

// ValueDoc shows a registry value: its type, its bytes as hex and what they mean. Values
// holding proxy credentials are shown with *** in place of them and Redacted set.
type ValueDoc struct {
	Exists   bool     `json:"exists"`
	Type     *string  `json:"type" doc:"REG_BINARY, REG_DWORD, REG_SZ, ..."`
	Hex      *string  `json:"hex" doc:"the exact bytes, unless redacted"`
	Redacted bool     `json:"redacted"`
	Text     *string  `json:"text" doc:"what the value means, in words"`
	Blob     *BlobDoc `json:"blob" doc:"connection-settings blobs decoded"`
}

// Restart says whether the change takes effect only after a restart.
type Restart struct {
	Required bool     `json:"required"`
	Reason   *string  `json:"reason"`
	Services []string `json:"services" doc:"the Cloud Connector services that read the WinHTTP settings when they start"`
}

// PlanInput is what MakePlan needs.
type PlanInput struct {
	Reader      RegistryReader // the source the state was read from, for exact bytes
	State       *State
	Desired     *Desired
	DesiredName string // the desired document's file name, "stdin" or the shorthand flags
	Now         time.Time
}

// valueRef is one registry value.
type valueRef struct{ path, name string }

func (r valueRef) key() string {
	return strings.ToLower(CanonicalPath(r.path)) + "\x00" + strings.ToLower(r.name)
}

func (r valueRef) String() string { return r.path + `\` + r.name }

// plain WinINet values kept in step with DefaultConnectionSettings, in writing order.
const (
	valProxyEnable   = "ProxyEnable"
	valProxyServer   = "ProxyServer"
	valProxyOverride = "ProxyOverride"
	valAutoConfigURL = "AutoConfigURL"
)

var wininetPlainValues = []string{valProxyEnable, valProxyServer, valProxyOverride, valAutoConfigURL}

type planBuilder struct {
	in      PlanInput
	d       *Desired
	st      *State
	name    string
	reads   []valueRef
	current map[string]*RegValue
	plan    *Plan
}

// MakePlan computes the registry writes that turn the state into the desired one. Values
// that already say what is desired are left alone, so a plan made right after applying
// the same desired state is empty.
func MakePlan(in PlanInput) (*Plan, error) {
	if in.State == nil || in.Desired == nil || in.Reader == nil {
		return nil, errors.New("plan: state, desired state and reader are required")
	}
	b := &planBuilder{in: in, d: in.Desired, st: in.State, name: in.DesiredName, current: map[string]*RegValue{}}
	if b.name == "" {
		b.name = "desired state"
	}
	b.plan = &Plan{
		Schema: SchemaPlan, CreatedAt: in.Now.UTC().Truncate(time.Second),
		Source:   PlanSource{Kind: in.State.Source.Kind, Path: in.State.Source.Path, Host: in.State.Source.Host},
		Changes:  []Change{},
		Warnings: []Warning{},
	}
	hive, err := b.owner()
	if err != nil {
		return nil, err
	}
	b.collectReads(hive)
	if err := b.readAll(); err != nil {
		return nil, err
	}
	b.plan.Fingerprint = fingerprintOf(b.reads, b.current)
	if b.d.WinHTTP != nil {
		if err := b.winhttp(); err != nil {
			return nil, err
		}
	}
	if b.d.WinINet != nil {
		if err := b.wininet(hive); err != nil {
			return nil, err
		}
	}
	b.desiredWarnings()
	b.plan.finish()
	return b.plan, nil
}

// desiredWarnings say what a plan writes that the connector or Windows will not honour.
func (b *planBuilder) desiredWarnings() {
	https := func(place, raw string) {
		if raw == "" {
			return
		}
		if p := bypass.ParseProxy(raw); len(p.Entries) > 0 && p.For("https") == nil {
			b.warn("proxyWithoutHTTPS", place, "the proxy %s has no entry for https, which all of the connector's traffic is: https URLs go direct; hint: add https=HOST:PORT or give one proxy for every scheme", raw)
		}
	}
	mayIgnore := func(place string, entries ...[]string) {
		for _, list := range entries {
			for _, v := range list {
				for _, e := range bypass.Parse(v).Entries {
					if e.WindowsMayIgnore {
						b.warn("bypassEntryMayBeIgnored", place, "the bypass entry %q is written, though Windows may not honour it: %s", e.Value, e.Note)
					}
				}
			}
		}
	}
	if w := b.d.WinHTTP; w != nil {
		// (An import warns about its own proxy: importNoHttpsProxy.)
		if w.Proxy != nil {
			https("$.winhttp.proxy", w.Proxy.Raw)
		}
		mayIgnore("$.winhttp", w.Bypass, w.EnsureBypass)
	}
	if w := b.d.WinINet; w != nil {
		if w.Proxy != nil {
			https("$.wininet.proxy", w.Proxy.Raw)
		}
		if w.AutoConfigURL != nil {
			b.warn("desiredAutoConfig", "$.wininet.autoConfigUrl", "the plan sets a PAC script for %s; the Cloud Connector supports neither PAC scripts nor auto-detect, and 'netsh winhttp import proxy source=ie' does not carry them (R6)", ownerText(b.st.Source.WinINetOwner))
		}
		if w.AutoDetect != nil && *w.AutoDetect {
			b.warn("desiredAutoConfig", "$.wininet.autoDetect", "the plan turns on automatic detection (WPAD) for %s, which the Cloud Connector does not support (R6)", ownerText(b.st.Source.WinINetOwner))
		}
		mayIgnore("$.wininet", w.Bypass, w.EnsureBypass)
	}
}

// owner checks the desired WinINet owner against the state's and returns the hive, or ""
// when the desired state does not involve WinINet.
func (b *planBuilder) owner() (string, error) {
	if !b.d.UsesWinINet() {
		return "", nil
	}
	w := b.st.WinINet
	o := b.st.Source.WinINetOwner
	if !w.Known || o.Hive == nil {
		return "", &InputError{Input: b.name, Place: "$.wininet", Msg: "the source holds no WinINet settings (" + b.st.Source.Kind + "); hint: plan against the live registry or a .reg export that has them"}
	}
	b.plan.Source.WinINetOwner = &o
	u := b.d.WinINetUser()
	switch {
	case strings.EqualFold(u, "machine") && o.Scope != "machine":
		return "", &InputError{Input: b.name, Place: "$.wininet.user", Msg: "\"machine\", but WinINet settings are per user on this source (the policy ProxySettingsPerUser is not 0); hint: give \"current\" or a SID"}
	case ValidSID(u) && o.Scope == "machine":
		return "", &InputError{Input: b.name, Place: "$.wininet.user", Msg: "the policy ProxySettingsPerUser = 0 makes WinINet settings machine-wide, so per-user settings are not used; hint: give \"user\": \"machine\""}
	case ValidSID(u) && (o.SID == nil || !strings.EqualFold(*o.SID, u)):
		return "", &InputError{Input: b.name, Place: "$.wininet.user", Msg: fmt.Sprintf("asks for %s but the state was read for %s; hint: pass --user %s", u, ownerText(o), u)}
	}
	return CanonicalPath(*o.Hive), nil
}

// collectReads lists the values the plan depends on, in the fingerprint's fixed order.
func (b *planBuilder) collectReads(hive string) {
	if hive != "" {
		b.reads = append(b.reads, valueRef{PolicyKey, PolicyPerUserValue})
	}
	if w := b.d.WinHTTP; w != nil {
		for _, v := range w.views() {
			b.reads = append(b.reads, valueRef{winhttpKey(v), WinHTTPValue})
		}
	}
	if hive != "" {
		settings, conns := WinINetKeys(hive)
		b.reads = append(b.reads, valueRef{conns, DefaultConnValue})
		for _, n := range wininetPlainValues {
			b.reads = append(b.reads, valueRef{settings, n})
		}
	}
}

func winhttpKey(view string) string {
	if view == ViewWOW64 {
		return WinHTTPWOW64Key
	}
	return WinHTTPNativeKey
}

func (b *planBuilder) readAll() error {
	for _, r := range b.reads {
		v, err := b.in.Reader.ReadValue(r.path, r.name)
		if err != nil {
			return err
		}
		b.current[r.key()] = v
	}
	return nil
}

func (b *planBuilder) cur(path, name string) *RegValue { return b.current[valueRef{path, name}.key()] }

func (b *planBuilder) warn(code, path, format string, args ...any) {
	b.plan.Warnings = append(b.plan.Warnings, Warning{Code: code, Path: path, Message: RedactCredentials(fmt.Sprintf(format, args...))})
}

// valueDigest hashes one value's presence, type and bytes.
func valueDigest(v *RegValue) string {
	h := sha256.New()
	h.Write([]byte("ccproxy-value\x00"))
	if v == nil {
		h.Write([]byte{0})
	} else {
		h.Write([]byte{1})
		_ = binary.Write(h, binary.LittleEndian, v.Type)
		_ = binary.Write(h, binary.LittleEndian, uint64(len(v.Data)))
		h.Write(v.Data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// fingerprintValue combines the per-value digests with the names they belong to.
func fingerprintValue(vals []FingerprintValue) string {
	h := sha256.New()
	h.Write([]byte("ccproxy-fingerprint@1\x00"))
	for _, v := range vals {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00", strings.ToLower(CanonicalPath(v.RegistryPath)), strings.ToLower(v.ValueName), v.SHA256)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func fingerprintOf(reads []valueRef, cur map[string]*RegValue) Fingerprint {
	f := Fingerprint{Algorithm: "sha256", Values: []FingerprintValue{}}
	for _, r := range reads {
		v := cur[r.key()]
		f.Values = append(f.Values, FingerprintValue{RegistryPath: r.path, ValueName: r.name, Exists: v != nil, SHA256: valueDigest(v)})
	}
	f.Value = fingerprintValue(f.Values)
	return f
}

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
	for _, view := range w.views() {
		if err := b.winhttpView(view, imp); err != nil {
			return err
		}
	}
	return nil
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

// wininetNow is the owner's current WinINet settings, from the blob or, without one, from
// the plain values.
type wininetNow struct {
	blob    *ConnBlob
	fresh   bool // no usable blob: a new one will be written
	corrupt string
}

func (b *planBuilder) wininet(hive string) error {
	d := b.d.WinINet
	settings, conns := WinINetKeys(hive)
	raw := b.cur(conns, DefaultConnValue)
	now := wininetNow{}
	if raw != nil {
		now.blob, now.corrupt = decodeBlobValue(DefaultConnValue, raw)
	}
	if now.blob == nil {
		// Start from what the plain values say, so that settings held only there are kept.
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
	}
	cur := now.blob
	manual := cur.Flags&FlagProxy != 0
	if d.ManualProxy != nil {
		manual = *d.ManualProxy
	} else if d.Proxy != nil {
		manual = true
	}
	proxy := cur.Proxy
	if d.Proxy != nil {
		proxy = d.Proxy.Raw
	}
	bypassList := cur.Bypass
	if d.Bypass != nil {
		bypassList = strings.Join(d.Bypass, ";")
	}
	bypassList = MergeBypass(bypassList, d.EnsureBypass)
	pac, pacOn := cur.AutoConfigURL, cur.Flags&FlagAutoProxyURL != 0
	switch {
	case d.AutoConfigURL != nil:
		pac, pacOn = *d.AutoConfigURL, true
	case d.RemoveAutoConfigURL:
		pac, pacOn = "", false
	}
	autoDetect := cur.Flags&FlagAutoDetect != 0
	if d.AutoDetect != nil {
		autoDetect = *d.AutoDetect
	}
	if manual && strings.TrimSpace(proxy) == "" {
		return &InputError{Input: b.name, Place: "$.wininet.manualProxy", Msg: "the manual proxy is on but there is no proxy string; hint: give \"proxy\""}
	}
	if !manual && len(d.EnsureBypass) > 0 {
		b.warn("ensureBypassManualOff", "$.wininet.ensureBypass", "the manual proxy of %s is off: the bypass entries are stored but take effect only when it is switched on", ownerText(b.st.Source.WinINetOwner))
	}

	nb := *cur
	nb.Flags = cur.Flags&^(FlagProxy|FlagAutoProxyURL|FlagAutoDetect) | FlagDirect
	if manual {
		nb.Flags |= FlagProxy
	}
	if pacOn && pac != "" {
		nb.Flags |= FlagAutoProxyURL
	}
	if autoDetect {
		nb.Flags |= FlagAutoDetect
	}
	nb.Proxy, nb.Bypass, nb.AutoConfigURL = proxy, bypassList, pac
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

	// The plain values the Internet Options dialog keeps beside the blob, in step with it.
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
	if manual {
		enable = EncodeDWORD(1)
	}
	pacValue := ""
	if nb.Flags&FlagAutoProxyURL != 0 {
		pacValue = pac
	}
	plains := []plainTarget{{valProxyEnable, &enable}, {valProxyServer, str(proxy)}, {valProxyOverride, str(bypassList)}, {valAutoConfigURL, str(pacValue)}}

	for _, s := range []struct{ what, v, place string }{{"the proxy string", proxy, "$.wininet.proxy"}, {"the PAC URL", pacValue, "$.wininet.autoConfigUrl"}} {
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
	if blobChanges {
		if !now.fresh {
			nb.Counter = cur.Counter + 1
		} else if raw != nil && len(raw.Data) >= 8 {
			nb.Counter = binary.LittleEndian.Uint32(raw.Data[4:]) + 1
		} else {
			nb.Counter = 1
		}
		data, err := nb.Encode()
		if err != nil {
			return &InputError{Input: b.name, Place: "$.wininet", Msg: err.Error()}
		}
		b.add(Target{Stack: "wininet", RegistryPath: conns, ValueName: DefaultConnValue}, raw, &RegValue{Type: RegBinary, Data: data},
			wininetReason(ownerText(b.st.Source.WinINetOwner), cur, &nb, now.fresh))
	}
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

// add records a change; before is the current value, after the value to write (nil: delete).
func (b *planBuilder) add(t Target, before, after *RegValue, reason string) {
	b.plan.Changes = append(b.plan.Changes, newChange(t, before, after, reason))
}

func newChange(t Target, before, after *RegValue, reason string) Change {
	c := Change{Target: t, Reason: RedactCredentials(reason), Before: NewValueDoc(t.ValueName, before), After: NewValueDoc(t.ValueName, after)}
	switch {
	case after == nil:
		c.Action = "delete"
	case before == nil:
		c.Action = "create"
	default:
		c.Action = "update"
	}
	if after != nil {
		c.after = &RegValue{Type: after.Type, Data: append([]byte{}, after.Data...)}
	}
	return c
}

// finish orders the changes the way apply writes them and fills in the summary fields.
func (p *Plan) finish() {
	sort.SliceStable(p.Changes, func(i, j int) bool { return writeRank(p.Changes[i].Target) < writeRank(p.Changes[j].Target) })
	p.Empty = len(p.Changes) == 0
	p.RequiresElevation = false
	p.RestartRequired = Restart{Services: []string{}}
	for _, c := range p.Changes {
		root, _, _ := strings.Cut(CanonicalPath(c.Target.RegistryPath), `\`)
		if root == "HKEY_LOCAL_MACHINE" || root == "HKEY_USERS" {
			p.RequiresElevation = true
		}
		if c.Target.Stack == "winhttp" && !p.RestartRequired.Required {
			p.RestartRequired = Restart{Required: true, Services: append([]string{}, ConnectorServices...),
				Reason: Ptr("the Cloud Connector services read the WinHTTP settings only when they start: restart the machine (R5), or at least the Citrix services")}
		}
	}
}

// writeRank is the safe writing order. WinHTTP goes first: its readers (services) only look
// at it when they start, so nobody sees a half-done change before the restart, while WinINet
// programs read their settings live. Within each stack the value programs actually use is
// written last, so that a run that dies midway (where no rollback can run) most likely
// leaves the value in use on its old, consistent setting, with the backup on disk: the
// 32-bit WinHTTP view before the native one the connector's 64-bit services use, and the
// plain WinINet values before DefaultConnectionSettings, which WinINet reads.
func writeRank(t Target) int {
	switch {
	case t.Stack == "winhttp" && t.View != nil && *t.View == ViewWOW64:
		return 0
	case t.Stack == "winhttp":
		return 1
	case !strings.EqualFold(t.ValueName, DefaultConnValue):
		return 2 + indexFold(wininetPlainValues, t.ValueName)
	}
	return 10
}

func indexFold(list []string, s string) int {
	for i, v := range list {
		if strings.EqualFold(v, s) {
			return i
		}
	}
	return len(list)
}

// NewValueDoc describes a value for people: decoded and as hex, with credentials hidden.
func NewValueDoc(name string, v *RegValue) ValueDoc {
	if v == nil {
		return ValueDoc{}
	}
	d := ValueDoc{Exists: true, Type: Ptr(RegTypeName(v.Type)), Hex: Ptr(hex.EncodeToString(v.Data))}
	isBlob := strings.EqualFold(name, WinHTTPValue) || strings.EqualFold(name, DefaultConnValue) || strings.EqualFold(name, SavedLegacyValue)
	switch {
	case isBlob && v.Type == RegBinary:
		c, err := blobDecoder(name)(v.Data)
		if err != nil {
			d.Text = Ptr("cannot be decoded: " + err.Error())
			if bytes.Contains(v.Data, []byte("@")) {
				d.Hex, d.Redacted = nil, true
				d.Text = Ptr("cannot be decoded (" + err.Error() + "); not shown because it may hold credentials")
			}
			return d
		}
		d.Blob = blobDoc(name, c, v.Data)
		d.Hex, d.Redacted = Ptr(d.Blob.Hex), d.Blob.Redacted
		d.Text = Ptr(blobText(c))
	case v.Type == RegDWORD:
		if n, ok := DecodeDWORD(v); ok {
			d.Text = Ptr(strconv.FormatUint(uint64(n), 10))
		}
	case v.Type == RegSZ || v.Type == RegExpandSZ:
		s, _ := DecodeRegString(v)
		if r := RedactCredentials(s); r != s || strings.Contains(s, "@") {
			enc := EncodeRegString(r)
			enc.Type = v.Type
			d.Hex, d.Redacted = Ptr(hex.EncodeToString(enc.Data)), r != s
			s = r
		}
		d.Text = Ptr(jsonQuote(s))
	default:
		if bytes.Contains(v.Data, []byte("@")) {
			d.Hex, d.Redacted = nil, true
			d.Text = Ptr("not shown because it may hold credentials")
		}
	}
	return d
}

// blobText is a blob in one line of words.
func blobText(c *ConnBlob) string {
	var flags []string
	for _, f := range []struct {
		bit  uint32
		name string
	}{{FlagDirect, "direct"}, {FlagProxy, "proxy"}, {FlagAutoProxyURL, "autoConfig"}, {FlagAutoDetect, "autoDetect"}} {
		if c.Flags&f.bit != 0 {
			flags = append(flags, f.name)
		}
	}
	s := fmt.Sprintf("version 0x%x, counter %d, flags 0x%x (%s), proxy %s, bypass %s", c.Version, c.Counter, c.Flags, strings.Join(flags, ", "), jsonQuote(c.Proxy), jsonQuote(c.Bypass))
	if c.WinINet {
		s += ", autoConfigUrl " + jsonQuote(c.AutoConfigURL)
	}
	return s
}

// regTypeCode reverses RegTypeName.
func regTypeCode(name string) (uint32, bool) {
	for _, t := range []uint32{RegNone, RegSZ, RegExpandSZ, RegBinary, RegDWORD, RegMultiSZ, RegQWORD} {
		if RegTypeName(t) == name {
			return t, true
		}
	}
	if n, ok := strings.CutPrefix(name, "type "); ok {
		if v, err := strconv.ParseUint(n, 10, 32); err == nil {
			return uint32(v), true
		}
	}
	return 0, false
}

// allowedTarget says which stack and view a registry value belongs to, and refuses any
// value that is not one of the proxy settings: a plan or backup is input, and apply runs
// elevated, so it must not be a way to write arbitrary registry values.
func allowedTarget(path, name string) (stack, view string, ok bool) {
	p := CanonicalPath(path)
	if strings.EqualFold(name, WinHTTPValue) {
		switch {
		case strings.EqualFold(p, WinHTTPNativeKey):
			return "winhttp", ViewNative, true
		case strings.EqualFold(p, WinHTTPWOW64Key):
			return "winhttp", ViewWOW64, true
		}
		return "", "", false
	}
	hive, ok := wininetHive(p)
	if !ok {
		return "", "", false
	}
	settings, conns := WinINetKeys(hive)
	switch {
	case strings.EqualFold(p, conns) && strings.EqualFold(name, DefaultConnValue):
		return "wininet", "", true
	case strings.EqualFold(p, settings) && indexFold(wininetPlainValues, name) < len(wininetPlainValues):
		return "wininet", "", true
	}
	return "", "", false
}

// wininetHive finds the hive of a WinINet key: HKCU, HKLM or HKEY_USERS\<SID>.
func wininetHive(p string) (string, bool) {
	i := strings.Index(strings.ToLower(p), `\`+strings.ToLower(InternetSettings))
	if i < 0 {
		return "", false
	}
	hive := p[:i]
	switch {
	case strings.EqualFold(hive, "HKEY_CURRENT_USER"), strings.EqualFold(hive, "HKEY_LOCAL_MACHINE"):
		return hive, true
	case len(hive) > len(`HKEY_USERS\`) && strings.EqualFold(hive[:len(`HKEY_USERS\`)], `HKEY_USERS\`) && ValidSID(hive[len(`HKEY_USERS\`):]):
		return hive, true
	}
	return "", false
}

// planSpec mirrors Plan for reading a plan back; the parts apply does not use pass through.
var planSpec = jsonin.Object(
	jsonin.Key("schema", jsonin.String()),
	jsonin.Key("createdAt", jsonin.Time()),
	jsonin.Key("source", jsonin.Any()),
	jsonin.Required("fingerprint", jsonin.Object(
		jsonin.Required("algorithm", jsonin.String()),
		jsonin.Required("value", jsonin.String()),
		jsonin.Required("values", jsonin.List(jsonin.Object(
			jsonin.Required("registryPath", jsonin.String()),
			jsonin.Required("valueName", jsonin.String()),
			jsonin.Key("exists", jsonin.Bool()),
			jsonin.Required("sha256", jsonin.String()),
		))),
	)),
	jsonin.Required("changes", jsonin.List(jsonin.Object(
		jsonin.Required("target", jsonin.Object(
			jsonin.Key("stack", jsonin.Enum("winhttp", "wininet")),
			jsonin.Key("view", jsonin.Enum(ViewNative, ViewWOW64).Nullable()),
			jsonin.Required("registryPath", jsonin.String()),
			jsonin.Required("valueName", jsonin.String()),
		)),
		jsonin.Required("action", jsonin.Enum("create", "update", "delete")),
		jsonin.Key("reason", jsonin.String()),
		jsonin.Key("before", jsonin.Any()),
		jsonin.Required("after", jsonin.Object(
			jsonin.Required("exists", jsonin.Bool()),
			jsonin.Key("type", jsonin.String().Nullable()),
			jsonin.Key("hex", jsonin.String().Nullable()),
			jsonin.Key("redacted", jsonin.Bool()),
			jsonin.Key("text", jsonin.String().Nullable()),
			jsonin.Key("blob", jsonin.Any()),
		)),
	))),
	jsonin.Key("warnings", jsonin.Any()),
	jsonin.Key("requiresElevation", jsonin.Bool()),
	jsonin.Key("restartRequired", jsonin.Any()),
	jsonin.Key("empty", jsonin.Bool()),
)

// ParsePlan reads a plan written by 'ccproxy plan' (also after a round trip through
// PowerShell) and checks that it can be applied as it is.
func ParsePlan(name string, data []byte) (*Plan, error) {
	canonical, _, err := readDocument(name, data, planSpec, SchemaPlan, "a plan written by 'ccproxy plan'", false)
	if err != nil {
		return nil, err
	}
	var p Plan
	if err := json.Unmarshal(canonical, &p); err != nil {
		return nil, &InputError{Input: name, Msg: "cannot read the plan: " + err.Error()}
	}
	if p.Changes == nil {
		p.Changes = []Change{}
	}
	if p.Warnings == nil {
		p.Warnings = []Warning{}
	}
	if err := p.check(name); err != nil {
		return nil, err
	}
	return &p, nil
}

// check verifies a plan read from a file: every target is a proxy setting the fingerprint
// covers, and every value to write is there in full.
func (p *Plan) check(name string) error {
	fail := func(place, format string, args ...any) error {
		return &InputError{Input: name, Place: place, Msg: fmt.Sprintf(format, args...)}
	}
	if p.Fingerprint.Algorithm != "sha256" {
		return fail("$.fingerprint.algorithm", "%s is not supported; expected \"sha256\"", jsonQuote(p.Fingerprint.Algorithm))
	}
	if fingerprintValue(p.Fingerprint.Values) != strings.ToLower(p.Fingerprint.Value) {
		return fail("$.fingerprint", "does not match the values it lists: the plan was edited; hint: make a new one with 'ccproxy plan'")
	}
	covered := map[string]bool{}
	for _, v := range p.Fingerprint.Values {
		covered[valueRef{v.RegistryPath, v.ValueName}.key()] = true
	}
	seen := map[string]bool{}
	for i := range p.Changes {
		c := &p.Changes[i]
		place := fmt.Sprintf("$.changes[%d]", i)
		ref := valueRef{c.Target.RegistryPath, c.Target.ValueName}
		stack, view, ok := allowedTarget(ref.path, ref.name)
		if !ok {
			return fail(place+".target", "%s is not a proxy setting ccproxy writes; the plan was edited", jsonQuote(ref.String()))
		}
		if c.Target.Stack != stack || (c.Target.View == nil) != (view == "") || (c.Target.View != nil && *c.Target.View != view) {
			return fail(place+".target", "stack or view does not match %s; the plan was edited", jsonQuote(ref.String()))
		}
		if !covered[ref.key()] {
			return fail(place+".target", "%s is not covered by the fingerprint; the plan was edited", jsonQuote(ref.String()))
		}
		if seen[ref.key()] {
			return fail(place+".target", "%s is changed twice", jsonQuote(ref.String()))
		}
		seen[ref.key()] = true
		if (c.Action == "delete") == c.After.Exists {
			return fail(place+".action", "%q does not agree with after.exists", c.Action)
		}
		if !c.After.Exists || c.after != nil {
			// A plan built in memory (restore) carries the exact bytes beside the redacted view.
			continue
		}
		if c.After.Redacted || c.After.Hex == nil {
			return fail(place+".after", "the value to write is redacted, so this plan cannot be applied; hint: ccproxy never plans credentials, make a new plan")
		}
		if c.After.Type == nil {
			return fail(place+".after.type", "missing")
		}
		t, ok := regTypeCode(*c.After.Type)
		if !ok {
			return fail(place+".after.type", "unknown registry type %s", jsonQuote(*c.After.Type))
		}
		data, err := hex.DecodeString(*c.After.Hex)
		if err != nil {
			return fail(place+".after.hex", "not a hex string; the plan was edited")
		}
		v := &RegValue{Type: t, Data: data}
		if msg := plannedValueProblem(ref.name, v); msg != "" {
			return fail(place+".after", "%s; the plan was edited", msg)
		}
		c.after = v
	}
	if p.Empty != (len(p.Changes) == 0) {
		return fail("$.empty", "does not agree with the list of changes; the plan was edited")
	}
	return nil
}

// plannedValueProblem says what is wrong with a value a plan would write, "" when it is
// what ccproxy itself writes there.
func plannedValueProblem(name string, v *RegValue) string {
	switch {
	case strings.EqualFold(name, WinHTTPValue), strings.EqualFold(name, DefaultConnValue):
		if v.Type != RegBinary {
			return name + " must be REG_BINARY, not " + RegTypeName(v.Type)
		}
		if _, err := blobDecoder(name)(v.Data); err != nil {
			return "a " + name + " value that does not decode (" + err.Error() + ")"
		}
	case strings.EqualFold(name, valProxyEnable):
		if _, ok := DecodeDWORD(v); !ok {
			return name + ": expected REG_DWORD, got " + RegTypeName(v.Type)
		}
	default:
		if v.Type != RegSZ {
			return name + ": expected REG_SZ, got " + RegTypeName(v.Type)
		}
	}
	return ""
}

// readFingerprinted reads every value the plan's fingerprint covers; stale names the first
// one that no longer has the bytes the plan was made from.
func readFingerprinted(w RegistryReader, p *Plan) (map[string]*RegValue, *valueRef, error) {
	current := map[string]*RegValue{}
	var stale *valueRef
	for _, fv := range p.Fingerprint.Values {
		ref := valueRef{fv.RegistryPath, fv.ValueName}
		v, err := w.ReadValue(ref.path, ref.name)
		if err != nil {
			return nil, nil, err
		}
		if stale == nil && valueDigest(v) != strings.ToLower(fv.SHA256) {
			stale = &ref
		}
		current[ref.key()] = v
	}
	return current, stale, nil
}

// alreadyApplied: every changed value holds its planned bytes (or is gone, for a delete), and
// every value the plan read but does not change is as the plan found it.
func alreadyApplied(p *Plan, current map[string]*RegValue) bool {
	if len(p.Changes) == 0 {
		return false
	}
	changed := map[string]bool{}
	for _, c := range p.Changes {
		k := valueRef{c.Target.RegistryPath, c.Target.ValueName}.key()
		changed[k] = true
		if valueDigest(current[k]) != valueDigest(c.after) {
			return false
		}
	}
	for _, fv := range p.Fingerprint.Values {
		k := valueRef{fv.RegistryPath, fv.ValueName}.key()
		if !changed[k] && valueDigest(current[k]) != strings.ToLower(fv.SHA256) {
			return false
		}
	}
	return true
}

// checkPlanHost refuses a plan made from another machine's state: its fingerprint describes
// that machine's registry, so it would be stale for a reason the user cannot see.
func checkPlanHost(p *Plan, host string) error {
	if p.Source.Host == nil || *p.Source.Host == "" || host == "" || strings.EqualFold(*p.Source.Host, host) {
		return nil
	}
	return &InputError{Input: "plan", Place: "$.source.host", Msg: fmt.Sprintf("the plan was made from the state of %s, and this machine is %s; hint: make the plan on this machine ('ccproxy plan ...' without --from, or --from an export of this machine)", jsonQuote(*p.Source.Host), jsonQuote(host))}
}

// StalePlanError is a plan whose registry values changed after it was made: exit code 2.
type StalePlanError struct {
	Value string // registry path and value name
	Hint  string
}

func (e *StalePlanError) Error() string {
	return "plan is stale: " + e.Value + " changed since the plan was made; " + e.Hint
}

// ExitCode is 2: the plan is bad input now.
func (e *StalePlanError) ExitCode() int { return 2 }

// ApplyError is an apply that failed after it started writing: exit code 4 when the
// registry was put back as it was, 5 when that failed too.
type ApplyError struct {
	Cause          error
	RollbackFailed error  // nil when the rollback succeeded
	BackupPath     string // where the values before the apply are
}

func (e *ApplyError) Error() string {
	cause := RedactCredentials(e.Cause.Error())
	if e.RollbackFailed == nil {
		return "apply failed and was rolled back: " + cause + "; nothing changed"
	}
	return fmt.Sprintf("apply failed and the rollback failed too: %s; rollback: %s; the values before the apply are in %s: run 'ccproxy restore %s'",
		cause, RedactCredentials(e.RollbackFailed.Error()), e.BackupPath, quoteArg(e.BackupPath))
}

// ExitCode is 4 after a successful rollback, 5 otherwise.
func (e *ApplyError) ExitCode() int {
	if e.RollbackFailed == nil {
		return 4
	}
	return 5
}

func (e *ApplyError) Unwrap() error { return e.Cause }

func quoteArg(s string) string {
	if strings.ContainsAny(s, " \t'\"") {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return s
}

// RegistryWriter is what apply needs of the registry: system.Writer implements it.
type RegistryWriter interface {
	RegistryReader
	SetValue(path, name string, v RegValue) error
	DeleteValue(path, name string) error
}

// ApplyOptions are the outside services apply uses.
type ApplyOptions struct {
	WhatIf bool
	// WriteBackup stores the backup (with its exact bytes) and returns its path; it runs
	// after the stale check and before the first write.
	WriteBackup func(*Backup) (string, error)
	// Notify tells running WinINet programs that their settings changed.
	Notify    func() error
	Now       time.Time
	Host      string
	Reason    string // "apply" or "restore", recorded in the backup
	StaleHint string // what to do about a stale plan
}

// ApplyResult is the ccproxy/apply@1 document.
type ApplyResult struct {
	Schema  string          `json:"schema"`
	Result  string          `json:"result" enum:"applied,alreadyApplied,noChanges,whatIf,rolledBack,rollbackFailed"`
	Plan    PlanRef         `json:"plan"`
	Backup  *BackupRef      `json:"backup" doc:"null when nothing was written"`
	Changes []AppliedChange `json:"changes"`
	// Verified is true when every written value was read back with the exact bytes planned.
	Verified        bool      `json:"verified"`
	WinINetNotified *bool     `json:"wininetNotified" doc:"null when no WinINet value was written"`
	RestartRequired Restart   `json:"restartRequired"`
	Warnings        []Warning `json:"warnings"`
	Error           *string   `json:"error"`
}

// PlanRef identifies the plan that was applied.
type PlanRef struct {
	Fingerprint string     `json:"fingerprint"`
	CreatedAt   *time.Time `json:"createdAt"`
	Source      PlanSource `json:"source"`
}

// BackupRef names a backup without showing its bytes.
type BackupRef struct {
	Path   string `json:"path"`
	Values int    `json:"values"`
}

// AppliedChange is a change and what became of it.
type AppliedChange struct {
	Target Target   `json:"target"`
	Action string   `json:"action" enum:"create,update,delete"`
	Status string   `json:"status" enum:"applied,alreadyApplied,wouldApply,notApplied,rolledBack"`
	Before ValueDoc `json:"before"`
	After  ValueDoc `json:"after"`
}

// ApplyPlan applies a plan to the registry: it re-reads every value the plan was made from
// and refuses a stale plan, writes a backup, writes the changes in order, reads each one back
// and compares the bytes, and on any failure puts the backup back. The caller holds the lock.
// On failure it returns the result document too, for the record.
func ApplyPlan(w RegistryWriter, p *Plan, o ApplyOptions) (*ApplyResult, error) {
	if o.StaleHint == "" {
		o.StaleHint = "run 'ccproxy plan' again"
	}
	res := &ApplyResult{
		Schema: SchemaApply, Result: "noChanges", Changes: []AppliedChange{}, Warnings: []Warning{},
		Plan:            PlanRef{Fingerprint: p.Fingerprint.Value, Source: p.Source},
		RestartRequired: Restart{Services: []string{}},
	}
	if !p.CreatedAt.IsZero() {
		res.Plan.CreatedAt = Ptr(p.CreatedAt.UTC())
	}
	// Check the plan again even when it did not come from a file: restore builds its own.
	if err := p.check("plan"); err != nil {
		return nil, err
	}
	if err := checkPlanHost(p, o.Host); err != nil {
		return nil, err
	}
	if p.Source.Kind == "backup" {
		// restore's own warnings (a backup from another machine) belong in its result.
		res.Warnings = append(res.Warnings, p.Warnings...)
	}
	current, stale, err := readFingerprinted(w, p)
	if err != nil {
		return nil, err
	}
	if stale != nil {
		// A plan that was already applied finds every value it changes at its planned bytes
		// and every other value as it was: that is success with nothing to write, so that
		// automation can apply the same plan again.
		if alreadyApplied(p, current) {
			res.Result = "alreadyApplied"
			res.Verified = true
			for _, c := range p.Changes {
				v := current[valueRef{c.Target.RegistryPath, c.Target.ValueName}.key()]
				res.Changes = append(res.Changes, AppliedChange{Target: c.Target, Action: c.Action, Status: "alreadyApplied", Before: NewValueDoc(c.Target.ValueName, v), After: NewValueDoc(c.Target.ValueName, c.after)})
			}
			res.Warnings = append(res.Warnings, Warning{Code: "alreadyApplied", Path: "plan", Message: "every change of this plan is already in the registry: nothing was written"})
			return res, nil
		}
		return nil, &StalePlanError{Value: stale.String(), Hint: o.StaleHint}
	}
	changes := append([]Change{}, p.Changes...)
	sort.SliceStable(changes, func(i, j int) bool { return writeRank(changes[i].Target) < writeRank(changes[j].Target) })
	for _, c := range changes {
		res.Changes = append(res.Changes, AppliedChange{Target: c.Target, Action: c.Action, Status: "notApplied",
			Before: NewValueDoc(c.Target.ValueName, current[valueRef{c.Target.RegistryPath, c.Target.ValueName}.key()]),
			After:  NewValueDoc(c.Target.ValueName, c.after)})
	}
	if len(changes) == 0 {
		res.Verified = true
		return res, nil
	}
	res.RestartRequired = p.RestartRequired
	if res.RestartRequired.Services == nil {
		res.RestartRequired.Services = []string{}
	}
	if o.WhatIf {
		res.Result = "whatIf"
		for i := range res.Changes {
			res.Changes[i].Status = "wouldApply"
		}
		return res, nil
	}

	bk := &Backup{Schema: SchemaBackup, CreatedAt: o.Now.UTC().Truncate(time.Second), Reason: o.Reason, PlanFingerprint: p.Fingerprint.Value, Values: []BackupValue{}}
	if bk.Reason == "" {
		bk.Reason = "apply"
	}
	if o.Host != "" {
		bk.Host = Ptr(o.Host)
	}
	for _, c := range changes {
		ref := valueRef{c.Target.RegistryPath, c.Target.ValueName}
		bk.Values = append(bk.Values, newBackupValue(ref, current[ref.key()]))
	}
	if o.WriteBackup == nil {
		return nil, errors.New("apply: no backup writer")
	}
	path, err := o.WriteBackup(bk)
	if err != nil {
		var ee *EnvError
		if errors.As(err, &ee) {
			return nil, &EnvError{Msg: ee.Msg + "; nothing was written"}
		}
		return nil, &EnvError{Msg: "cannot write the backup: " + err.Error() + "; nothing was written"}
	}
	res.Backup = &BackupRef{Path: path, Values: len(bk.Values)}

	wininet := false
	fail := func(cause error) (*ApplyResult, error) {
		rbErr := rollback(w, bk)
		ae := &ApplyError{Cause: cause, RollbackFailed: rbErr, BackupPath: path}
		if rbErr == nil {
			// Everything is as it was: nothing to restart for.
			res.Result = "rolledBack"
			res.RestartRequired = Restart{Services: []string{}}
			for i := range res.Changes {
				if res.Changes[i].Status == "applied" {
					res.Changes[i].Status = "rolledBack"
				}
			}
		} else {
			// The written values may still be there: they keep "applied", and the restart advice stands.
			res.Result = "rollbackFailed"
		}
		if wininet && o.Notify != nil {
			// Programs may have read the half-written settings; have them read the restored ones.
			_ = o.Notify()
		}
		res.Error = Ptr(RedactCredentials(ae.Error()))
		return res, ae
	}
	for i, c := range changes {
		var err error
		if c.after == nil {
			err = w.DeleteValue(c.Target.RegistryPath, c.Target.ValueName)
		} else {
			err = w.SetValue(c.Target.RegistryPath, c.Target.ValueName, *c.after)
		}
		if c.Target.Stack == "wininet" {
			wininet = true
		}
		if err != nil {
			return fail(withValue("writing", valueRef{c.Target.RegistryPath, c.Target.ValueName}, err))
		}
		res.Changes[i].Status = "applied"
	}
	for _, c := range changes {
		ref := valueRef{c.Target.RegistryPath, c.Target.ValueName}
		got, err := w.ReadValue(ref.path, ref.name)
		if err != nil {
			return fail(withValue("reading back", ref, err))
		}
		if !sameValue(got, c.after) {
			return fail(fmt.Errorf("reading back %s: the registry holds other bytes than were written", ref))
		}
	}
	res.Result, res.Verified = "applied", true
	if wininet && o.Notify != nil {
		ok := true
		if err := o.Notify(); err != nil {
			ok = false
			res.Warnings = append(res.Warnings, Warning{Code: "wininetNotNotified", Path: "wininet", Message: RedactCredentials(err.Error())})
		}
		res.WinINetNotified = &ok
	}
	return res, nil
}

// sameValue compares type and bytes; nil is a value that does not exist.
func sameValue(a, b *RegValue) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Type == b.Type && bytes.Equal(a.Data, b.Data)
}

// withValue names the value in a store's error. An error that carries its own exit code comes
// from the registry itself, which already names the key and value in its message.
func withValue(verb string, ref valueRef, err error) error {
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		return err
	}
	return fmt.Errorf("%s %s: %w", verb, ref, err)
}
