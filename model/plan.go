package model

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"ccproxy/model/bypass"
	"ccproxy/registry"
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
	Kind SourceKind `json:"kind" doc:"registry, regFile, stateDocument, netsh, backup"`
	Path *string    `json:"path"`
	Host *string    `json:"host"`
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
	Target Target       `json:"target"`
	Action ChangeAction `json:"action" enum:"create,update,delete"`
	Reason string       `json:"reason"`
	Before ValueDoc     `json:"before"`
	After  ValueDoc     `json:"after"`

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

func (r valueRef) key() string { return registry.ValueKey(r.path, r.name) }

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
	// bypass.Caveat is the rule route and test apply too; WinHTTP's entries are judged by
	// WinHTTP's reading, WinINet's by WinINet's.
	mayIgnore := func(place string, stack bypass.Stack, entries ...[]string) {
		for _, list := range entries {
			for _, v := range list {
				for _, e := range bypass.Parse(v).Entries {
					if c := bypass.Caveat(e, stack); c != "" {
						b.warn("bypassEntryMayBeIgnored", place, "the bypass entry %q is written, though %s may not honour it: %s", e.Value, stackWords(stack), c)
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
		mayIgnore("$.winhttp", bypass.StackWinHTTP, w.Bypass, w.EnsureBypass)
		if w.Mode == ModeImportFromIE && b.st.WinINet.Known {
			// What the import copies from Internet Options is written to WinHTTP as it is.
			imp := ImportFromIE(IESettingsFromState(b.st.WinINet), ownerText(b.st.Source.WinINetOwner))
			if !imp.Direct {
				mayIgnore("$.winhttp.mode", bypass.StackWinHTTP, []string{imp.Bypass})
			}
		}
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
		mayIgnore("$.wininet", bypass.StackWinINet, w.Bypass, w.EnsureBypass)
	}
}

func stackWords(s bypass.Stack) string {
	if s == bypass.StackWinINet {
		return "WinINet (the installer)"
	}
	return "WinHTTP (the connector's services)"
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
		return "", &InputError{Input: b.name, Place: "$.wininet", Msg: "the source holds no WinINet settings (" + string(b.st.Source.Kind) + "); hint: plan against the live registry or a .reg export that has them"}
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
		fmt.Fprintf(h, "%s\x00%s\x00", registry.ValueKey(v.RegistryPath, v.ValueName), v.SHA256)
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
