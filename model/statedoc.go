package model

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"ccproxy/jsonin"
)

// A saved ccproxy/state@1 document goes through the one JSON reader like every other input:
// encodings, keys in any case, unknown keys refused with the closest known one, wrong types
// named with their JSON path, and a document cut by ConvertTo-Json told so. The parts a
// reader rebuilds the registry from are checked field by field; the derived parts (parsed
// proxy strings, effective, warnings) only have to be JSON.
var (
	stateBlobSpec = jsonin.Object(
		jsonin.Key("valueName", jsonin.String()),
		jsonin.Key("version", jsonin.Int(0, 1<<32-1).Nullable()),
		jsonin.Key("counter", jsonin.Int(0, 1<<32-1).Nullable()),
		jsonin.Key("flags", jsonin.Any()),
		jsonin.Key("proxy", jsonin.String().Nullable()),
		jsonin.Key("bypass", jsonin.String().Nullable()),
		jsonin.Key("autoConfigUrl", jsonin.String().Nullable()),
		jsonin.Required("hex", jsonin.String()),
		jsonin.Key("redacted", jsonin.Bool()),
		jsonin.Key("error", jsonin.String().Nullable()),
	).Nullable()
	stateViewSpec = jsonin.Object(
		jsonin.Required("known", jsonin.Bool()),
		jsonin.Key("present", jsonin.Bool().Nullable()),
		jsonin.Key("registryPath", jsonin.String()),
		jsonin.Key("mode", jsonin.String().Nullable()),
		jsonin.Key("proxy", jsonin.Any()),
		jsonin.Key("bypass", jsonin.Any()),
		jsonin.Key("blob", stateBlobSpec),
		jsonin.Key("keyLastWrite", jsonin.Time().Nullable()),
	)
	statePlainSpec = jsonin.Object(
		jsonin.Key("known", jsonin.Bool()),
		jsonin.Key("proxyEnable", jsonin.Int(0, 1<<32-1).Nullable()),
		jsonin.Key("proxyServer", jsonin.String().Nullable()),
		jsonin.Key("proxyOverride", jsonin.String().Nullable()),
		jsonin.Key("autoConfigUrl", jsonin.String().Nullable()),
		jsonin.Key("autoDetect", jsonin.Int(0, 1<<32-1).Nullable()),
	)
	stateWinINetSpec = jsonin.Object(
		jsonin.Required("known", jsonin.Bool()),
		jsonin.Key("scope", jsonin.Enum("user", "machine", "unknown")),
		jsonin.Key("registryPath", jsonin.String().Nullable()),
		jsonin.Key("present", jsonin.Bool().Nullable()),
		jsonin.Key("connectionsKnown", jsonin.Bool()),
		jsonin.Key("defaulted", jsonin.Bool()),
		jsonin.Key("manualProxy", jsonin.Bool().Nullable()),
		jsonin.Key("proxy", jsonin.Any()),
		jsonin.Key("bypass", jsonin.Any()),
		jsonin.Key("autoConfigUrl", jsonin.String().Nullable()),
		jsonin.Key("autoDetect", jsonin.Bool().Nullable()),
		jsonin.Key("connectionSettings", stateBlobSpec),
		jsonin.Key("savedLegacySettings", stateBlobSpec),
		jsonin.Key("plainValues", statePlainSpec),
		jsonin.Key("plainValuesAgree", jsonin.Bool().Nullable()),
		jsonin.Key("disagreements", jsonin.Any()),
		jsonin.Key("otherConnections", jsonin.List(jsonin.String())),
		jsonin.Key("keyLastWrite", jsonin.Time().Nullable()),
	)
	stateDocSpec = jsonin.Object(
		jsonin.Required("schema", jsonin.String()),
		jsonin.Key("source", jsonin.Object(
			jsonin.Key("kind", jsonin.String()),
			jsonin.Key("path", jsonin.String().Nullable()),
			jsonin.Key("host", jsonin.String().Nullable()),
			jsonin.Key("readAt", jsonin.Time()),
			jsonin.Key("bootTime", jsonin.Time().Nullable()),
			jsonin.Key("wininetOwner", jsonin.Object(
				jsonin.Key("scope", jsonin.String()),
				jsonin.Key("user", jsonin.String().Nullable()),
				jsonin.Key("sid", jsonin.String().Nullable()),
				jsonin.Key("hive", jsonin.String().Nullable()),
			)),
		)),
		jsonin.Required("winhttp", jsonin.Object(
			jsonin.Key("native", stateViewSpec),
			jsonin.Key("wow64", stateViewSpec),
			jsonin.Key("viewsAgree", jsonin.Bool().Nullable()),
			jsonin.Key("advanced", jsonin.Any()),
		)),
		jsonin.Key("wininet", stateWinINetSpec),
		jsonin.Key("environment", jsonin.Any()),
		jsonin.Key("effective", jsonin.Any()),
		jsonin.Key("serviceAccounts", jsonin.List(jsonin.Object(
			jsonin.Required("sid", jsonin.String()),
			jsonin.Key("account", jsonin.String()),
			jsonin.Required("wininet", stateWinINetSpec),
		))),
		jsonin.Key("machine", jsonin.Object(
			jsonin.Key("values", jsonin.List(jsonin.Object(
				jsonin.Required("id", jsonin.String()),
				jsonin.Required("registryPath", jsonin.String()),
				jsonin.Key("valueName", jsonin.String()),
				jsonin.Required("known", jsonin.Bool()),
				jsonin.Required("exists", jsonin.Bool()),
				jsonin.Key("type", jsonin.String().Nullable()),
				jsonin.Key("hex", jsonin.String().Nullable()),
				jsonin.Key("number", jsonin.Any()),
				jsonin.Key("text", jsonin.String().Nullable()),
			))),
		)),
		jsonin.Key("warnings", jsonin.Any()),
	)
)

// SavedState is what a saved state document holds that a registry can be rebuilt from.
type SavedState struct {
	Source struct {
		// Kind is what the document was read from: "netsh" documents hold no blob bytes.
		Kind         string     `json:"kind"`
		Host         *string    `json:"host"`
		BootTime     *time.Time `json:"bootTime"`
		WinINetOwner struct {
			User *string `json:"user"`
			SID  *string `json:"sid"`
		} `json:"wininetOwner"`
	} `json:"source"`
	WinHTTP struct {
		Native *SavedView `json:"native"`
		WOW64  *SavedView `json:"wow64"`
	} `json:"winhttp"`
	WinINet         *SavedWinINet `json:"wininet"`
	ServiceAccounts []struct {
		SID     string       `json:"sid"`
		WinINet SavedWinINet `json:"wininet"`
	} `json:"serviceAccounts"`
	// Services rebuilds the connector's services from effective.connectorServices.
	Services []SavedService
	// Machine holds the prerequisite values, rebuilt from their bytes.
	Machine struct {
		Values []SavedMachineValue `json:"values"`
	} `json:"machine"`
}

// SavedMachineValue is one prerequisite value of a saved state.
type SavedMachineValue struct {
	RegistryPath string  `json:"registryPath"`
	ValueName    string  `json:"valueName"`
	Known        bool    `json:"known"`
	Exists       bool    `json:"exists"`
	Type         *string `json:"type"`
	Hex          *string `json:"hex"`
}

// Value is the registry value a saved prerequisite holds; nil for a marker key or a value
// that does not exist, and an error when the document was edited into nonsense.
func (v SavedMachineValue) Value() (*RegValue, error) {
	if !v.Exists || v.ValueName == "" || v.Type == nil || v.Hex == nil {
		return nil, nil
	}
	t, ok := regTypeByName(*v.Type)
	if !ok {
		return nil, fmt.Errorf("unknown value type %s", jsonQuote(*v.Type))
	}
	data, err := hex.DecodeString(*v.Hex)
	if err != nil {
		return nil, fmt.Errorf("hex is not hex")
	}
	return &RegValue{Type: t, Data: data}, nil
}

// SavedView is one WinHTTP view of a saved state.
type SavedView struct {
	Known        bool       `json:"known"`
	Present      *bool      `json:"present"`
	Blob         *SavedBlob `json:"blob"`
	KeyLastWrite *time.Time `json:"keyLastWrite"`
	// Mode, Proxy and Bypass are the decoded setting: a view read from netsh text has no
	// blob, and its setting comes back from them (Setting).
	Mode   *string         `json:"mode"`
	Proxy  json.RawMessage `json:"proxy"`
	Bypass json.RawMessage `json:"bypass"`
}

// Setting is the view's decoded setting, for a view with no blob: direct, or a proxy with
// its bypass list (their raw strings, as the document holds them). ok is false when the
// document does not say.
func (v *SavedView) Setting() (direct bool, proxy, bypass string, ok bool) {
	if v.Mode == nil {
		return false, "", "", false
	}
	switch *v.Mode {
	case "direct":
		return true, "", "", true
	case "proxy":
		var p, b struct {
			Raw string `json:"raw"`
		}
		if json.Unmarshal(v.Proxy, &p) != nil || strings.TrimSpace(p.Raw) == "" {
			return false, "", "", false
		}
		if len(v.Bypass) > 0 && string(v.Bypass) != "null" && json.Unmarshal(v.Bypass, &b) != nil {
			return false, "", "", false
		}
		return false, p.Raw, b.Raw, true
	}
	return false, "", "", false
}

// SavedBlob is a blob's bytes; Data is decoded from its hex.
type SavedBlob struct {
	Hex  string `json:"hex"`
	Data []byte `json:"-"`
}

// SavedWinINet is one owner's WinINet settings of a saved state.
type SavedWinINet struct {
	Known bool `json:"known"`
	// ConnectionsKnown is nil in documents written before it existed: both keys were known.
	ConnectionsKnown   *bool      `json:"connectionsKnown"`
	Scope              string     `json:"scope"`
	RegistryPath       *string    `json:"registryPath"`
	ConnectionSettings *SavedBlob `json:"connectionSettings"`
	SavedLegacy        *SavedBlob `json:"savedLegacySettings"`
	PlainValues        struct {
		Known         *bool   `json:"known"`
		ProxyEnable   *uint32 `json:"proxyEnable"`
		ProxyServer   *string `json:"proxyServer"`
		ProxyOverride *string `json:"proxyOverride"`
		AutoConfigURL *string `json:"autoConfigUrl"`
		AutoDetect    *uint32 `json:"autoDetect"`
	} `json:"plainValues"`
	OtherConnections []string   `json:"otherConnections"`
	KeyLastWrite     *time.Time `json:"keyLastWrite"`
}

// SavedService is one connector service of a saved state.
type SavedService struct {
	Name    string  `json:"name"`
	Account *string `json:"account"`
	Start   *string `json:"start"`
}

// ParseStateDocument reads a saved ccproxy/state@1 document; the warnings say how it was
// decoded (a Windows-1252 file, say).
func ParseStateDocument(name string, data []byte) (*SavedState, []string, error) {
	canonical, warnings, err := readDocument(name, data, stateDocSpec, SchemaState, "a state written by 'ccproxy get'", false)
	if err != nil {
		return nil, warnings, err
	}
	var s SavedState
	if err := json.Unmarshal(canonical, &s); err != nil {
		return nil, warnings, &InputError{Input: name, Msg: "cannot read the state: " + err.Error()}
	}
	var eff struct {
		Effective *struct {
			ConnectorServices *struct {
				Known    bool           `json:"known"`
				Services []SavedService `json:"services"`
			} `json:"connectorServices"`
		} `json:"effective"`
	}
	if err := json.Unmarshal(canonical, &eff); err != nil {
		return nil, warnings, &InputError{Input: name, Place: "$.effective", Msg: "not the effective settings ccproxy writes: " + err.Error()}
	}
	if e := eff.Effective; e != nil && e.ConnectorServices != nil && e.ConnectorServices.Known {
		s.Services = e.ConnectorServices.Services
	}
	type blobAt struct {
		place string
		b     *SavedBlob
	}
	var blobs []blobAt
	if v := s.WinHTTP.Native; v != nil {
		blobs = append(blobs, blobAt{"$.winhttp.native.blob", v.Blob})
	}
	if v := s.WinHTTP.WOW64; v != nil {
		blobs = append(blobs, blobAt{"$.winhttp.wow64.blob", v.Blob})
	}
	add := func(prefix string, w *SavedWinINet) {
		blobs = append(blobs, blobAt{prefix + ".connectionSettings", w.ConnectionSettings}, blobAt{prefix + ".savedLegacySettings", w.SavedLegacy})
	}
	if s.WinINet != nil {
		add("$.wininet", s.WinINet)
	}
	for i := range s.ServiceAccounts {
		add(fmt.Sprintf("$.serviceAccounts[%d].wininet", i), &s.ServiceAccounts[i].WinINet)
	}
	for _, b := range blobs {
		if b.b == nil {
			continue
		}
		if b.b.Data, err = hex.DecodeString(b.b.Hex); err != nil {
			return nil, warnings, &InputError{Input: name, Place: b.place + ".hex", Msg: "not a hex string; the document was edited or is corrupt"}
		}
	}
	for _, a := range s.ServiceAccounts {
		if !ValidSID(a.SID) {
			return nil, warnings, &InputError{Input: name, Place: "$.serviceAccounts", Msg: fmt.Sprintf("%s is not a SID; the document was edited", jsonQuote(a.SID))}
		}
	}
	return &s, warnings, nil
}
