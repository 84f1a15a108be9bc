package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"ccproxy/jsonin"
	"ccproxy/model/bypass"
)

// SchemaDesired is the desired-state document that plan takes.
const SchemaDesired = "ccproxy/desired@1"

// Desired is a ccproxy/desired@1 document: how the proxy settings should be. Every part
// is optional and an absent part means "leave it as it is".
type Desired struct {
	Schema  string
	WinHTTP *DesiredWinHTTP
	WinINet *DesiredWinINet
}

// WinHTTP modes of a desired state.
const (
	ModeDirect       = "direct"
	ModeProxy        = "proxy"
	ModeImportFromIE = "importFromIE"
)

// WinHTTP registry views.
const (
	ViewNative = "native"
	ViewWOW64  = "wow64"
)

// DesiredWinHTTP is the machine's WinHTTP setting, written to each chosen view.
type DesiredWinHTTP struct {
	Mode  string        // "" (implied by the other fields), direct, proxy, importFromIE
	Proxy *DesiredProxy // nil: keep (proxy mode) or not used
	// Bypass replaces the whole list when non-nil (an empty list empties it).
	Bypass []string
	// EnsureBypass entries are added when missing; the others are kept.
	EnsureBypass []string
	Views        []string // native, wow64; both when none are given
}

// DesiredWinINet is one owner's WinINet (Internet Options) settings.
type DesiredWinINet struct {
	// User is whose settings: "" or "current", a SID, or "machine" (the policy
	// ProxySettingsPerUser = 0 makes them machine-wide).
	User         string
	ManualProxy  *bool
	Proxy        *DesiredProxy
	Bypass       []string
	EnsureBypass []string
	// AutoConfigURL sets the PAC URL; RemoveAutoConfigURL (autoConfigUrl: null) removes it.
	AutoConfigURL       *string
	RemoveAutoConfigURL bool
	AutoDetect          *bool
}

// DesiredProxy is a proxy given as a Windows proxy string, or per scheme.
type DesiredProxy struct {
	Raw       string // the Windows proxy string ("p:8080" or "http=p:3128;https=p:3128")
	PerScheme bool   // given as an object per scheme
}

var (
	desiredWinHTTPSpec = jsonin.Object(
		jsonin.Key("mode", jsonin.Enum(ModeDirect, ModeProxy, ModeImportFromIE)),
		jsonin.Key("proxy", jsonin.Any()),
		jsonin.Key("bypass", jsonin.BypassList().Nullable()),
		jsonin.Key("ensureBypass", jsonin.BypassList()),
		jsonin.Key("views", jsonin.List(jsonin.Enum(ViewNative, ViewWOW64))),
	)
	desiredWinINetSpec = jsonin.Object(
		jsonin.Key("user", jsonin.String()),
		jsonin.Key("manualProxy", jsonin.Bool()),
		jsonin.Key("proxy", jsonin.Any()),
		jsonin.Key("bypass", jsonin.BypassList().Nullable()),
		jsonin.Key("ensureBypass", jsonin.BypassList()),
		jsonin.Key("autoConfigUrl", jsonin.String().Nullable()),
		jsonin.Key("autoDetect", jsonin.Bool()),
	)
	desiredSpec = jsonin.Object(
		jsonin.Key("schema", jsonin.String()),
		jsonin.Key("winhttp", desiredWinHTTPSpec),
		jsonin.Key("wininet", desiredWinINetSpec),
	)
	perSchemeSpec = jsonin.Object(
		jsonin.Key("http", jsonin.String()),
		jsonin.Key("https", jsonin.String()),
		jsonin.Key("ftp", jsonin.String()),
		jsonin.Key("socks", jsonin.String()),
	)
)

// desiredJSON is the canonical form jsonin produces; raw messages keep null apart from absent.
type desiredJSON struct {
	WinHTTP *struct {
		Mode         string          `json:"mode"`
		Proxy        json.RawMessage `json:"proxy"`
		Bypass       json.RawMessage `json:"bypass"`
		EnsureBypass []string        `json:"ensureBypass"`
		Views        []string        `json:"views"`
	} `json:"winhttp"`
	WinINet *struct {
		User          *string         `json:"user"`
		ManualProxy   *bool           `json:"manualProxy"`
		Proxy         json.RawMessage `json:"proxy"`
		Bypass        json.RawMessage `json:"bypass"`
		EnsureBypass  []string        `json:"ensureBypass"`
		AutoConfigURL json.RawMessage `json:"autoConfigUrl"`
		AutoDetect    *bool           `json:"autoDetect"`
	} `json:"wininet"`
}

// ParseDesired reads a desired-state document in any encoding and shape that PowerShell
// writes (see jsonin) and checks it. name is the file name or "stdin", for messages.
func ParseDesired(name string, data []byte) (*Desired, []string, error) {
	// A desired state is often written by hand or by ConvertTo-Json: "schema" is optional,
	// but when present it must be this one.
	canonical, warnings, err := readDocument(name, data, desiredSpec, SchemaDesired, "a desired state", true)
	if err != nil {
		return nil, warnings, err
	}
	var dj desiredJSON
	if err := json.Unmarshal(canonical, &dj); err != nil {
		return nil, warnings, &InputError{Input: name, Msg: "cannot read the document: " + err.Error()}
	}
	d := &Desired{Schema: SchemaDesired}
	if w := dj.WinHTTP; w != nil {
		dw := &DesiredWinHTTP{Mode: w.Mode, EnsureBypass: w.EnsureBypass, Views: w.Views}
		if dw.Proxy, err = parseDesiredProxy(name, "$.winhttp.proxy", w.Proxy); err != nil {
			return nil, warnings, err
		}
		dw.Bypass = rawBypass(w.Bypass)
		d.WinHTTP = dw
	}
	if w := dj.WinINet; w != nil {
		dw := &DesiredWinINet{ManualProxy: w.ManualProxy, EnsureBypass: w.EnsureBypass, AutoDetect: w.AutoDetect}
		if w.User != nil {
			dw.User = *w.User
		}
		if dw.Proxy, err = parseDesiredProxy(name, "$.wininet.proxy", w.Proxy); err != nil {
			return nil, warnings, err
		}
		dw.Bypass = rawBypass(w.Bypass)
		switch {
		case w.AutoConfigURL == nil:
		case string(w.AutoConfigURL) == "null":
			dw.RemoveAutoConfigURL = true
		default:
			var s string
			if err := json.Unmarshal(w.AutoConfigURL, &s); err != nil {
				return nil, warnings, &InputError{Input: name, Place: "$.wininet.autoConfigUrl", Msg: "expected a URL string or null"}
			}
			dw.AutoConfigURL = &s
		}
		d.WinINet = dw
	}
	if err := d.Check(name); err != nil {
		return nil, warnings, err
	}
	return d, warnings, nil
}

// rawBypass turns the canonical bypass list into the Go form: absent is nil, null or [] is
// an empty (non-nil) list.
func rawBypass(raw json.RawMessage) []string {
	if raw == nil {
		return nil
	}
	out := []string{}
	if string(raw) != "null" {
		_ = json.Unmarshal(raw, &out)
	}
	return out
}

// parseDesiredProxy reads a proxy given as a string or an object per scheme. The object
// goes through jsonin again, so keys match ignoring case and mistakes get a "did you mean".
func parseDesiredProxy(name, path string, raw json.RawMessage) (*DesiredProxy, error) {
	if raw == nil {
		return nil, nil
	}
	raw = bytes.TrimSpace(raw)
	reparse := func(spec *jsonin.Spec, v any) error {
		canonical, err := jsonin.Normalize(name, raw, spec)
		if err != nil {
			var je *jsonin.Error
			if errors.As(err, &je) {
				je.Path = path + strings.TrimPrefix(je.Path, "$")
			}
			return err
		}
		return json.Unmarshal(canonical, v)
	}
	switch {
	case string(raw) == "null":
		return nil, &InputError{Input: name, Place: path, Msg: "null is not a proxy; hint: to stop using a proxy give \"mode\": \"direct\" (winhttp) or \"manualProxy\": false (wininet)"}
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, &InputError{Input: name, Place: path, Msg: "expected a proxy string"}
		}
		if jsonin.LooksCut(s) {
			return nil, &InputError{Input: name, Place: path, Msg: jsonin.CutMessage}
		}
		return &DesiredProxy{Raw: strings.TrimSpace(s)}, nil
	case raw[0] == '{':
		// Windows PowerShell 5.1 wraps strings read by Get-Content in {"value":...,"PSPath":...}.
		var s string
		if err := reparse(jsonin.String(), &s); err == nil {
			return &DesiredProxy{Raw: strings.TrimSpace(s)}, nil
		}
		var ps struct{ HTTP, HTTPS, FTP, SOCKS *string }
		if err := reparse(perSchemeSpec, &ps); err != nil {
			return nil, err
		}
		var parts []string
		for _, e := range []struct {
			scheme string
			v      *string
		}{{"ftp", ps.FTP}, {"http", ps.HTTP}, {"https", ps.HTTPS}, {"socks", ps.SOCKS}} {
			if e.v == nil || strings.TrimSpace(*e.v) == "" {
				continue
			}
			v := strings.TrimSpace(*e.v)
			if strings.ContainsAny(v, "=; \t") {
				return nil, &InputError{Input: name, Place: path + "." + e.scheme, Msg: fmt.Sprintf("%s is not one proxy; hint: give host:port", jsonQuote(v))}
			}
			parts = append(parts, e.scheme+"="+v)
		}
		if len(parts) == 0 {
			return nil, &InputError{Input: name, Place: path, Msg: "no proxy for any scheme; hint: give at least \"http\" and \"https\", e.g. {\"http\": \"proxy:8080\", \"https\": \"proxy:8080\"}"}
		}
		return &DesiredProxy{Raw: strings.Join(parts, ";"), PerScheme: true}, nil
	}
	return nil, &InputError{Input: name, Place: path, Msg: "expected a proxy string such as \"proxy.corp.example:8080\" or an object per scheme such as {\"http\": \"p:3128\", \"https\": \"p:3128\"}"}
}

// jsonQuote quotes a user value for a message, with credentials hidden.
func jsonQuote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // "<local>" stays readable
	_ = enc.Encode(RedactValue(s))
	return strings.TrimSuffix(b.String(), "\n")
}

// Check validates a desired state, whether it came from a file or from shorthand flags;
// name is how messages call its origin.
func (d *Desired) Check(name string) error {
	fail := func(place, format string, args ...any) error {
		return &InputError{Input: name, Place: place, Msg: fmt.Sprintf(format, args...)}
	}
	if d.WinHTTP == nil && d.WinINet == nil {
		return fail("$", "asks for nothing: give \"winhttp\", \"wininet\" or both; hint: see examples/desired-*.json")
	}
	if w := d.WinHTTP; w != nil {
		switch w.Mode {
		case "", ModeDirect, ModeProxy, ModeImportFromIE:
		default:
			return fail("$.winhttp.mode", "unknown mode %s; expected direct, proxy or importFromIE", jsonQuote(w.Mode))
		}
		if w.Mode == ModeDirect && (w.Proxy != nil || w.Bypass != nil || len(w.EnsureBypass) > 0) {
			return fail("$.winhttp", "mode \"direct\" takes no proxy or bypass list; hint: remove them, or give \"mode\": \"proxy\"")
		}
		if w.Mode == ModeImportFromIE && (w.Proxy != nil || w.Bypass != nil) {
			return fail("$.winhttp", "mode \"importFromIE\" copies the proxy and bypass list from WinINet; hint: remove \"proxy\" and \"bypass\" (\"ensureBypass\" may add entries)")
		}
		if w.Mode == "" && w.Proxy == nil && w.Bypass == nil && len(w.EnsureBypass) == 0 {
			return fail("$.winhttp", "asks for nothing; hint: give \"mode\", \"proxy\", \"bypass\" or \"ensureBypass\"")
		}
		if w.Views != nil && len(w.Views) == 0 {
			return fail("$.winhttp.views", "empty list; hint: give \"native\", \"wow64\" or both, or leave the key out for both")
		}
		seen := map[string]bool{}
		for i, v := range w.Views {
			if v != ViewNative && v != ViewWOW64 {
				return fail(fmt.Sprintf("$.winhttp.views[%d]", i), "unknown view %s; expected native or wow64", jsonQuote(v))
			}
			if seen[v] {
				return fail(fmt.Sprintf("$.winhttp.views[%d]", i), "%s given twice", v)
			}
			seen[v] = true
		}
		if err := checkProxy(name, "$.winhttp.proxy", w.Proxy); err != nil {
			return err
		}
		if err := checkBypass(name, "$.winhttp.bypass", w.Bypass); err != nil {
			return err
		}
		if err := checkBypass(name, "$.winhttp.ensureBypass", w.EnsureBypass); err != nil {
			return err
		}
	}
	if w := d.WinINet; w != nil {
		u := w.User
		if u != "" && !strings.EqualFold(u, "current") && !strings.EqualFold(u, "machine") && !ValidSID(u) {
			return fail("$.wininet.user", "%s is neither \"current\", \"machine\" nor a SID; hint: a SID looks like S-1-5-21-...-1001 (S-1-5-18 is SYSTEM)", jsonQuote(u))
		}
		if w.AutoConfigURL != nil && w.RemoveAutoConfigURL {
			return fail("$.wininet.autoConfigUrl", "both set and removed")
		}
		if w.ManualProxy == nil && w.Proxy == nil && w.Bypass == nil && len(w.EnsureBypass) == 0 && w.AutoConfigURL == nil && !w.RemoveAutoConfigURL && w.AutoDetect == nil {
			return fail("$.wininet", "asks for nothing; hint: give \"manualProxy\", \"proxy\", \"bypass\", \"ensureBypass\", \"autoConfigUrl\" or \"autoDetect\"")
		}
		if err := checkProxy(name, "$.wininet.proxy", w.Proxy); err != nil {
			return err
		}
		if err := checkBypass(name, "$.wininet.bypass", w.Bypass); err != nil {
			return err
		}
		if err := checkBypass(name, "$.wininet.ensureBypass", w.EnsureBypass); err != nil {
			return err
		}
		if w.AutoConfigURL != nil {
			if err := checkPACURL(name, "$.wininet.autoConfigUrl", *w.AutoConfigURL); err != nil {
				return err
			}
		}
	}
	return nil
}

// credentialsError refuses a secret without repeating it.
func credentialsError(name, place, what string) error {
	return &InputError{Input: name, Place: place, Msg: what + " holds credentials (a user name and password before an @); the Cloud Connector supports only an unauthenticated proxy, and ccproxy never writes credentials; hint: remove them"}
}

func checkProxy(name, place string, p *DesiredProxy) error {
	if p == nil {
		return nil
	}
	if p.Raw == "" {
		return &InputError{Input: name, Place: place, Msg: "empty proxy; hint: give host:port, or no proxy at all (\"mode\": \"direct\" or \"manualProxy\": false)"}
	}
	if strings.Contains(p.Raw, "@") {
		return credentialsError(name, place, "the proxy")
	}
	if err := checkStorable(name, place, p.Raw); err != nil {
		return err
	}
	for _, e := range bypass.ParseProxy(p.Raw).Entries {
		if !e.Valid {
			return &InputError{Input: name, Place: place, Msg: "proxy entry is not usable: " + e.Note + "; hint: write host:port, such as proxy.corp.example:8080, or one entry per scheme, such as http=proxy:8080;https=proxy:8080"}
		}
	}
	return nil
}

func checkBypass(name, place string, entries []string) error {
	for i, v := range entries {
		at := fmt.Sprintf("%s[%d]", place, i)
		if strings.Contains(v, "@") {
			return credentialsError(name, at, "the bypass entry")
		}
		if err := checkStorable(name, at, v); err != nil {
			return err
		}
		l := bypass.Parse(v)
		if len(l.Entries) > 1 {
			return &InputError{Input: name, Place: at, Msg: fmt.Sprintf("%s holds %d entries; hint: give each entry on its own (a list, or one string separated by ';')", jsonQuote(v), len(l.Entries))}
		}
		if len(l.Entries) == 1 {
			if why, bad := l.Entries[0].Unusable(); bad {
				return &InputError{Input: name, Place: at, Msg: fmt.Sprintf("%s is not a bypass entry Windows uses: %s", jsonQuote(v), why)}
			}
		}
	}
	return nil
}

func checkPACURL(name, place, s string) error {
	if strings.TrimSpace(s) == "" {
		return &InputError{Input: name, Place: place, Msg: "empty URL; hint: give null to remove the PAC URL"}
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "file") {
		return &InputError{Input: name, Place: place, Msg: fmt.Sprintf("%s is not an http, https or file URL", jsonQuote(s))}
	}
	if u.User != nil {
		return credentialsError(name, place, "the PAC URL")
	}
	return checkStorable(name, place, s)
}

// checkStorable refuses what a connection-settings blob cannot hold: blob strings are one
// byte per character, and Windows itself only ever stores ASCII there.
func checkStorable(name, place, s string) error {
	for _, r := range s {
		if r < 0x20 || r > 0x7E {
			return &InputError{Input: name, Place: place, Msg: fmt.Sprintf("character %U cannot be stored in the proxy settings; hint: use ASCII (the xn-- form for international names)", r)}
		}
	}
	return nil
}

// views lists the WinHTTP views a desired state writes, native first.
func (w *DesiredWinHTTP) views() []string {
	if len(w.Views) == 0 {
		return []string{ViewNative, ViewWOW64}
	}
	out := []string{}
	for _, v := range []string{ViewNative, ViewWOW64} {
		for _, g := range w.Views {
			if g == v {
				out = append(out, v)
			}
		}
	}
	return out
}

// WinINetUser is whose WinINet settings the desired state speaks of: "current", "machine"
// or a SID; "" when it has no wininet part or does not say.
func (d *Desired) WinINetUser() string {
	if d.WinINet == nil {
		return ""
	}
	return d.WinINet.User
}

// UsesWinINet reports whether the desired state reads or writes WinINet settings.
func (d *Desired) UsesWinINet() bool {
	return d.WinINet != nil || (d.WinHTTP != nil && d.WinHTTP.Mode == ModeImportFromIE)
}

// MergeBypass is base with every entry of ensure added that it lacks, compared the way
// Windows compares host names: ignoring case.
func MergeBypass(base string, ensure []string) string {
	entries := bypass.Parse(base).Entries
	have := map[string]bool{}
	var vals []string
	for _, e := range entries {
		have[strings.ToLower(e.Value)] = true
		vals = append(vals, e.Value)
	}
	for _, e := range ensure {
		if !have[strings.ToLower(e)] {
			have[strings.ToLower(e)] = true
			vals = append(vals, e)
		}
	}
	if len(vals) == len(entries) {
		return base // nothing missing: keep the list exactly as written
	}
	return strings.Join(vals, ";")
}
