// Package dscres is the Microsoft DSC v3 resource CCProxy/ProxySettings: the instance that
// DSC sends and receives, the JSON Schema DSC validates it against, the resource manifest,
// and the mapping from an instance to ccproxy's desired state (model.Desired) and from a
// state (model.State) back to an instance.
//
// An instance has the shape of a ccproxy/desired@1 document without its "schema" key, so
// what a user knows from 'ccproxy plan' carries over. As input, absent and null mean
// "leave it as it is"; as output, null means "none". The output of get therefore reads
// back as a desired state that the machine is already in.
package dscres

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"ccproxy/jsonin"
	"ccproxy/model"
)

// Type is the fully qualified DSC type name of the resource.
const Type = "CCProxy/ProxySettings"

// The top-level properties, as DSC lists them in a diff.
const (
	PropWinHTTP = "winhttp"
	PropWinINet = "wininet"
)

// Users of the WinINet part that are not SIDs.
const (
	UserCurrent = "current"
	UserMachine = "machine"
)

//go:embed instance.schema.json
var instanceSchema []byte

// InstanceSchema is the JSON Schema of an instance, as embedded in the manifest.
func InstanceSchema() json.RawMessage { return append(json.RawMessage(nil), instanceSchema...) }

// Instance is one CCProxy/ProxySettings instance. Only the parts it names are present;
// within a part every property is present, null when unknown or none.
type Instance struct {
	WinHTTP *WinHTTP `json:"winhttp,omitempty"`
	WinINet *WinINet `json:"wininet,omitempty"`
	// InDesiredState is set in the output of test only.
	InDesiredState *bool `json:"_inDesiredState,omitempty"`
	// MissingEvidence is set in the output of test only, when the source does not hold a
	// part the instance names: _inDesiredState is then false, since nothing shows the
	// machine in the desired state.
	MissingEvidence []string `json:"missingEvidence,omitempty"`
	// RebootRequested is set in the output of set only: true when WinHTTP changed, since
	// the Cloud Connector services read it when they start.
	RebootRequested *bool `json:"_rebootRequested,omitempty"`
}

// WinHTTP is the WinHttpSettings value of one or both registry views.
type WinHTTP struct {
	Mode   *string  `json:"mode"`
	Proxy  *string  `json:"proxy"`
	Bypass []string `json:"bypass"` // nil is null: no bypass list
	Views  []string `json:"views"`
}

// WinINet is one owner's Internet Options proxy settings.
type WinINet struct {
	User          string   `json:"user"`
	ManualProxy   *bool    `json:"manualProxy"`
	Proxy         *string  `json:"proxy"`
	Bypass        []string `json:"bypass"`
	AutoConfigURL *string  `json:"autoConfigUrl"`
	AutoDetect    *bool    `json:"autoDetect"`
}

// Request is an instance read as what an operation should do.
type Request struct {
	// Desired is the desired state the instance asks for; nil when it asks for nothing
	// (an empty instance, or one that only names whose settings to read).
	Desired *model.Desired
	// WinHTTP and WinINet say which parts the instance names; the output shows those.
	WinHTTP, WinINet bool
	// User is whose WinINet settings: "current", "machine" or a SID.
	User string
	// Views are the WinHTTP views the instance names, in its order; nil for both.
	Views []string
	// Verify, when the instance asks, is how set probes the route before writing.
	Verify *Verify
}

// Verify is the instance's "verify": the catalog the route is probed against before set
// writes (as 'ccproxy apply --verify').
type Verify struct {
	Region     string  `json:"region"`
	CustomerID *string `json:"customerId"`
	Catalog    *string `json:"catalog"`
	CAFile     *string `json:"caFile"`
	IPLiteral  *string `json:"ipLiteral"`
}

// SourceUser is the user to read the state for, as model.ReadOptions takes it: "" for the
// current user, which is also how a machine-wide policy is found.
func (r *Request) SourceUser() string {
	if model.ValidSID(r.User) {
		return r.User
	}
	return ""
}

// Names reports whether the instance names any part.
func (r *Request) Names() bool { return r.WinHTTP || r.WinINet }

var (
	bypassSpec  = jsonin.BypassList().Nullable()
	winhttpSpec = jsonin.Object(
		jsonin.Key("mode", jsonin.Enum(model.ModeDirect, model.ModeProxy, model.ModeImportFromIE).Nullable()),
		jsonin.Key("proxy", jsonin.String().Nullable()),
		jsonin.Key("bypass", bypassSpec),
		jsonin.Key("ensureBypass", jsonin.BypassList()),
		jsonin.Key("views", jsonin.List(jsonin.Enum(model.ViewNative, model.ViewWOW64))),
	).Nullable()
	wininetSpec = jsonin.Object(
		jsonin.Key("user", jsonin.String()),
		jsonin.Key("manualProxy", jsonin.Bool().Nullable()),
		jsonin.Key("proxy", jsonin.String().Nullable()),
		jsonin.Key("bypass", bypassSpec),
		jsonin.Key("ensureBypass", jsonin.BypassList()),
		jsonin.Key("autoConfigUrl", jsonin.String().Nullable()),
		jsonin.Key("autoDetect", jsonin.Bool().Nullable()),
	).Nullable()
	verifySpec = jsonin.Object(
		jsonin.Key("region", jsonin.Enum("commercial", "japan", "government")),
		jsonin.Key("customerId", jsonin.String().Nullable()),
		jsonin.Key("catalog", jsonin.String().Nullable()),
		jsonin.Key("caFile", jsonin.String().Nullable()),
		jsonin.Key("ipLiteral", jsonin.String().Nullable()),
	).Nullable()
	// DSC's canonical properties may come back in an instance that was first an output;
	// they say nothing about the desired state.
	instanceSpec = jsonin.Object(
		jsonin.Key(PropWinHTTP, winhttpSpec),
		jsonin.Key(PropWinINet, wininetSpec),
		jsonin.Key("verify", verifySpec),
		jsonin.Key("_exist", jsonin.Bool().Nullable()),
		jsonin.Key("_inDesiredState", jsonin.Any()),
		jsonin.Key("_rebootRequested", jsonin.Any()),
		jsonin.Key("missingEvidence", jsonin.Any()),
		jsonin.Key("_purge", jsonin.Any()),
		jsonin.Key("_metadata", jsonin.Any()),
		jsonin.Key("_name", jsonin.Any()),
	)
)

type instanceJSON struct {
	WinHTTP json.RawMessage `json:"winhttp"`
	WinINet json.RawMessage `json:"wininet"`
	Verify  json.RawMessage `json:"verify"`
	Exist   *bool           `json:"_exist"`
	Purge   json.RawMessage `json:"_purge"`
}

type winhttpJSON struct {
	Mode         *string         `json:"mode"`
	Proxy        *string         `json:"proxy"`
	Bypass       json.RawMessage `json:"bypass"`
	EnsureBypass []string        `json:"ensureBypass"`
	Views        []string        `json:"views"`
}

type wininetJSON struct {
	User          *string         `json:"user"`
	ManualProxy   *bool           `json:"manualProxy"`
	Proxy         *string         `json:"proxy"`
	Bypass        json.RawMessage `json:"bypass"`
	EnsureBypass  []string        `json:"ensureBypass"`
	AutoConfigURL json.RawMessage `json:"autoConfigUrl"`
	AutoDetect    *bool           `json:"autoDetect"`
}

// Parse reads an instance in any encoding and shape that jsonin accepts and checks the
// desired state it asks for; name is "--input" or "stdin", for messages. Blank input is
// an empty instance, which get and export take to mean everything.
func Parse(name string, data []byte) (*Request, []string, error) {
	req := &Request{User: UserCurrent}
	if len(strings.Trim(string(data), " \t\r\n\x00\ufeff")) == 0 {
		return req, nil, nil
	}
	text, warnings, err := jsonin.Decode(name, data)
	if err != nil {
		return nil, warnings, err
	}
	canonical, err := jsonin.Normalize(name, text, instanceSpec)
	if err != nil {
		return nil, warnings, err
	}
	var ij instanceJSON
	if err := json.Unmarshal(canonical, &ij); err != nil {
		return nil, warnings, &model.InputError{Input: name, Msg: "cannot read the instance: " + err.Error()}
	}
	if ij.Exist != nil && !*ij.Exist {
		return nil, warnings, &model.InputError{Input: name, Place: "$._exist", Msg: "false is not supported: proxy settings always exist; hint: give \"winhttp\": {\"mode\": \"direct\"} for no proxy"}
	}
	if len(ij.Purge) > 0 && string(ij.Purge) == "true" {
		return nil, warnings, &model.InputError{Input: name, Place: "$._purge", Msg: "not supported; hint: give the whole list in \"bypass\" to replace it, or \"ensureBypass\" to add entries"}
	}
	d := &model.Desired{Schema: model.SchemaDesired}
	if isPresent(ij.WinHTTP) {
		var w winhttpJSON
		if err := json.Unmarshal(ij.WinHTTP, &w); err != nil {
			return nil, warnings, &model.InputError{Input: name, Place: "$.winhttp", Msg: "cannot read: " + err.Error()}
		}
		req.WinHTTP = true
		req.Views = w.Views
		dw := &model.DesiredWinHTTP{EnsureBypass: w.EnsureBypass, Views: w.Views}
		if w.Mode != nil {
			dw.Mode = *w.Mode
		}
		if w.Proxy != nil {
			dw.Proxy = &model.DesiredProxy{Raw: strings.TrimSpace(*w.Proxy)}
		}
		dw.Bypass = listOrKeep(w.Bypass)
		if dw.Mode == model.ModeDirect && len(dw.Bypass) == 0 {
			// What get shows for direct access ("bypass": []) reads back as nothing to do.
			dw.Bypass = nil
		}
		if dw.Mode != "" || dw.Proxy != nil || dw.Bypass != nil || len(dw.EnsureBypass) > 0 {
			d.WinHTTP = dw
		}
	}
	if isPresent(ij.WinINet) {
		var w wininetJSON
		if err := json.Unmarshal(ij.WinINet, &w); err != nil {
			return nil, warnings, &model.InputError{Input: name, Place: "$.wininet", Msg: "cannot read: " + err.Error()}
		}
		req.WinINet = true
		if w.User != nil {
			req.User = *w.User
		}
		dw := &model.DesiredWinINet{User: req.User, ManualProxy: w.ManualProxy, EnsureBypass: w.EnsureBypass, AutoDetect: w.AutoDetect}
		if w.Proxy != nil {
			dw.Proxy = &model.DesiredProxy{Raw: strings.TrimSpace(*w.Proxy)}
		}
		dw.Bypass = listOrKeep(w.Bypass)
		if isPresent(w.AutoConfigURL) {
			var s string
			if err := json.Unmarshal(w.AutoConfigURL, &s); err != nil {
				return nil, warnings, &model.InputError{Input: name, Place: "$.wininet.autoConfigUrl", Msg: "expected a URL string, \"\" to remove it, or null"}
			}
			if strings.TrimSpace(s) == "" {
				dw.RemoveAutoConfigURL = true
			} else {
				dw.AutoConfigURL = &s
			}
		}
		if dw.ManualProxy != nil || dw.Proxy != nil || dw.Bypass != nil || len(dw.EnsureBypass) > 0 || dw.AutoConfigURL != nil || dw.RemoveAutoConfigURL || dw.AutoDetect != nil {
			d.WinINet = dw
		}
	}
	if err := checkUser(name, req.User); err != nil {
		return nil, warnings, err
	}
	if isPresent(ij.Verify) {
		req.Verify = &Verify{Region: "commercial"}
		if err := json.Unmarshal(ij.Verify, req.Verify); err != nil {
			return nil, warnings, &model.InputError{Input: name, Place: "$.verify", Msg: "cannot read: " + err.Error()}
		}
		if req.Verify.Region == "" {
			req.Verify.Region = "commercial"
		}
	}
	if d.WinHTTP != nil || d.WinINet != nil {
		if err := d.Check(name); err != nil {
			return nil, warnings, err
		}
		req.Desired = d
	}
	return req, warnings, nil
}

func isPresent(raw json.RawMessage) bool { return len(raw) > 0 && string(raw) != "null" }

// listOrKeep turns a canonical bypass list into the desired form: null or absent keeps
// the stored list (nil), [] empties it.
func listOrKeep(raw json.RawMessage) []string {
	if !isPresent(raw) {
		return nil
	}
	out := []string{}
	_ = json.Unmarshal(raw, &out)
	return out
}

func checkUser(name, u string) error {
	switch {
	case strings.EqualFold(u, UserCurrent), strings.EqualFold(u, UserMachine), model.ValidSID(u):
		return nil
	}
	q, _ := json.Marshal(model.RedactValue(u))
	return &model.InputError{Input: name, Place: "$.wininet.user", Msg: fmt.Sprintf("%s is neither \"current\", \"machine\" nor a SID; hint: a SID looks like S-1-5-21-...-1001 (S-1-5-18 is SYSTEM)", q)}
}

// CheckOwner verifies that the state was read for the owner the request names: a state
// read for "machine" must come from a machine-wide policy.
func (r *Request) CheckOwner(name string, st *model.State) error {
	if !strings.EqualFold(r.User, UserMachine) || !r.WinINet || !st.WinINet.Known {
		return nil
	}
	if st.Source.WinINetOwner.Scope != "machine" {
		return &model.InputError{Input: name, Place: "$.wininet.user", Msg: "\"machine\", but WinINet settings are per user on this machine (the policy ProxySettingsPerUser is not 0); hint: give \"current\" or a SID"}
	}
	return nil
}

// Missing lists the parts the instance names that the state's source does not hold, each
// with what supplies it; a plan against such a source would find nothing to change there,
// which proves nothing.
func Missing(st *model.State, req *Request) []string {
	var out []string
	if req.WinHTTP {
		views := req.Views
		if len(views) == 0 {
			views = []string{model.ViewNative, model.ViewWOW64}
		}
		switch {
		case !st.WinHTTP.Native.Known && !st.WinHTTP.WOW64.Known:
			out = append(out, "winhttp: the source holds no WinHTTP settings; test on the machine itself (no --from), or from an export of HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections")
		default:
			// Each view the instance names (both when it names none) must be in the source:
			// a view the source does not hold is not shown to be in the desired state.
			for _, v := range views {
				known, key := st.WinHTTP.Native.Known, `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`
				if v == model.ViewWOW64 {
					known, key = st.WinHTTP.WOW64.Known, `HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`
				}
				if !known {
					out = append(out, "winhttp: the source does not hold the "+v+" view of WinHttpSettings; test on the machine itself (no --from), or from an export of "+key)
				}
			}
		}
	}
	if req.WinINet && !st.WinINet.Known {
		out = append(out, "wininet: the source holds no WinINet (Internet Options) settings of that user; test on the machine itself (no --from), or from an export of that user's Internet Settings key")
	}
	return out
}
