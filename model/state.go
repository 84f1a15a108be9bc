package model

import (
	"bytes"
	"encoding/json"
	"time"
)

// Document kinds, each "ccproxy/<kind>@<major>".
const (
	SchemaState   = "ccproxy/state@1"
	SchemaVersion = "ccproxy/version@1"
)

// State is the ccproxy/state@1 document: both stacks' proxy settings as read from one source.
// Every field is always present; unknown or not configured is null.
type State struct {
	Schema      string       `json:"schema"`
	Source      Source       `json:"source"`
	WinHTTP     WinHTTPState `json:"winhttp"`
	WinINet     WinINetState `json:"wininet"`
	Environment *Environment `json:"environment"`
	Effective   Effective    `json:"effective"`
	// ServiceAccounts holds the own WinINet settings of each built-in account a connector
	// service runs as (SYSTEM, LOCAL SERVICE, NETWORK SERVICE).
	ServiceAccounts []AccountWinINet `json:"serviceAccounts" doc:"the own WinINet settings (HKEY_USERS\\<SID>) of each built-in account a connector service runs as: SYSTEM S-1-5-18, LOCAL SERVICE S-1-5-19, NETWORK SERVICE S-1-5-20"`
	// Machine holds the registry values of the machine's prerequisites (TLS, .NET, FIPS,
	// WPAD, pending reboots) that test judges.
	Machine  MachineState `json:"machine" doc:"the registry values of the machine's prerequisites beyond the proxy line, as found"`
	Warnings []Warning    `json:"warnings"`
}

// AccountWinINet is one built-in account's own Internet Options (HKEY_USERS\<SID>).
type AccountWinINet struct {
	SID     string       `json:"sid"`
	Account string       `json:"account"`
	WinINet WinINetState `json:"wininet"`
}

// Source says where the state came from and whose WinINet settings it holds.
type Source struct {
	Kind   SourceKind `json:"kind"` // registry, regFile, stateDocument, netsh
	Path   *string    `json:"path"`
	Host   *string    `json:"host"`
	ReadAt time.Time  `json:"readAt"`
	Boot   *time.Time `json:"bootTime"`
	// WinINetOwner is whose WinINet settings were read.
	WinINetOwner Owner `json:"wininetOwner"`
}

// Owner identifies a set of WinINet settings: a user's hive, or the machine under the policy.
type Owner struct {
	Scope string  `json:"scope"` // user, machine, unknown
	User  *string `json:"user"`
	SID   *string `json:"sid"`
	Hive  *string `json:"hive"` // the registry root the settings were read under
}

// WinHTTPState holds both registry views of WinHttpSettings.
type WinHTTPState struct {
	Native WinHTTPView `json:"native"`
	WOW64  WinHTTPView `json:"wow64"`
	// ViewsAgree is null when either view is unknown to the source.
	ViewsAgree *bool `json:"viewsAgree"`
	// Advanced is the second configuration of 'netsh winhttp set|show advproxy'.
	Advanced AdvancedDoc `json:"advanced" doc:"WinHTTP's second configuration, 'netsh winhttp set|show advproxy' (Windows 11, Server 2022 and later); known: false with the reason when the source does not hold it"`
}

// WinHTTPView is one view's WinHttpSettings.
type WinHTTPView struct {
	Known        bool       `json:"known"`
	Present      *bool      `json:"present"` // null when the view is unknown
	RegistryPath string     `json:"registryPath"`
	Mode         *string    `json:"mode"` // direct, proxy; null when unknown
	Proxy        *ProxyDoc  `json:"proxy"`
	Bypass       *BypassDoc `json:"bypass"`
	Blob         *BlobDoc   `json:"blob"`
	KeyLastWrite *time.Time `json:"keyLastWrite"`
}

// WinINetState is the chosen owner's WinINet (Internet Options) settings.
type WinINetState struct {
	Known        bool    `json:"known"`
	Scope        string  `json:"scope"` // user, machine, unknown
	RegistryPath *string `json:"registryPath"`
	Present      *bool   `json:"present"` // DefaultConnectionSettings exists; null when unknown
	// ConnectionsKnown is whether the source holds the Connections key (the blobs); the plain
	// values' key is known on its own (plainValues.known).
	ConnectionsKnown bool `json:"connectionsKnown" doc:"whether the source holds the ...\\Internet Settings\\Connections key (the blobs); plainValues.known says the same of the Internet Settings key"`
	// Defaulted is true when the Connections key holds no DefaultConnectionSettings: the
	// settings shown are Windows' default (automatic detection), not values that were read.
	Defaulted     bool       `json:"defaulted" doc:"true when the Connections key holds no DefaultConnectionSettings and no plain values set a proxy: the settings shown are Windows' default for a profile (automatic detection), not values that were read"`
	ManualProxy   *bool      `json:"manualProxy"`
	Proxy         *ProxyDoc  `json:"proxy"`
	Bypass        *BypassDoc `json:"bypass"`
	AutoConfigURL *string    `json:"autoConfigUrl"`
	AutoDetect    *bool      `json:"autoDetect"`
	// ConnectionSettings is DefaultConnectionSettings decoded.
	ConnectionSettings *BlobDoc `json:"connectionSettings"`
	SavedLegacy        *BlobDoc `json:"savedLegacySettings"`
	PlainValues        Plain    `json:"plainValues"`
	// PlainValuesAgree is null when there is no blob to compare with.
	PlainValuesAgree *bool    `json:"plainValuesAgree"`
	Disagreements    []string `json:"disagreements"`
	// OtherConnections names the dial-up and VPN connection blobs beside the LAN settings.
	OtherConnections []string   `json:"otherConnections" doc:"named connection blobs beside the LAN settings (dial-up and VPN entries): WinINet uses one only while that connection is active, the services never"`
	KeyLastWrite     *time.Time `json:"keyLastWrite"`
}

// Plain is the plain registry values the Internet Options dialog keeps beside the blob.
type Plain struct {
	// Known is whether the source holds the Internet Settings key these values live in.
	Known         bool    `json:"known" doc:"whether the source holds the Internet Settings key these values live in"`
	ProxyEnable   *uint32 `json:"proxyEnable"`
	ProxyServer   *string `json:"proxyServer"`
	ProxyOverride *string `json:"proxyOverride"`
	AutoConfigURL *string `json:"autoConfigUrl"`
	AutoDetect    *uint32 `json:"autoDetect"`
}

// ProxyDoc is a proxy string, raw and parsed.
type ProxyDoc struct {
	Raw              string          `json:"raw"`
	Entries          []ProxyEntryDoc `json:"entries"`
	EntriesNotListed int             `json:"entriesNotListed" doc:"entries of raw beyond the first 1000, which are not listed in entries (0 when all are)"`
	PerScheme        PerScheme       `json:"perScheme"`
}

// PerScheme is the proxy each URL scheme uses ("host:port"), null for direct.
type PerScheme struct {
	HTTP  *string `json:"http"`
	HTTPS *string `json:"https"`
	FTP   *string `json:"ftp"`
	SOCKS *string `json:"socks"`
}

// ProxyEntryDoc is one entry of a proxy string.
type ProxyEntryDoc struct {
	Scheme         *string `json:"scheme"`      // the URL scheme it serves, null for all
	ProxyScheme    *string `json:"proxyScheme"` // scheme:// prefix of the proxy itself
	Host           string  `json:"host"`
	Port           *int    `json:"port"`
	HasCredentials bool    `json:"hasCredentials"`
	Valid          bool    `json:"valid"`
	Note           *string `json:"note"`
}

// BypassDoc is a bypass list, raw and as entries in order. A document lists the first
// MaxListedEntries entries and counts the rest in EntriesNotListed; in memory Entries holds
// them all, for the checks that read them.
type BypassDoc struct {
	Raw              string           `json:"raw"`
	Entries          []BypassEntryDoc `json:"entries"`
	EntriesNotListed int              `json:"entriesNotListed" doc:"entries of raw beyond the first 1000, which are not listed in entries (0 when all are)"`
}

// MaxListedEntries is how many entries of one proxy string or bypass list a document lists
// in detail. Windows sets no limit of its own that ccproxy could report instead: neither
// WINHTTP_PROXY_INFO nor WinINet's INTERNET_PER_CONN_PROXY_BYPASS documents a maximum, and a
// registry value may hold up to the available memory ("Registry element size limits"). Real
// lists hold dozens to a few hundred entries; any user can write a megabyte into their own
// ProxyOverride, and listing each of its entries as an object would make a document, and the
// memory that builds it, a hundred times the list. Raw always holds the whole list.
const MaxListedEntries = 1000

// MarshalJSON lists at most MaxListedEntries entries.
func (d BypassDoc) MarshalJSON() ([]byte, error) {
	type plain BypassDoc
	p := plain(d)
	if n := len(p.Entries); n > MaxListedEntries {
		p.Entries, p.EntriesNotListed = p.Entries[:MaxListedEntries:MaxListedEntries], n-MaxListedEntries
	}
	return marshalPlain(p)
}

// MarshalJSON lists at most MaxListedEntries entries.
func (d ProxyDoc) MarshalJSON() ([]byte, error) {
	type plain ProxyDoc
	p := plain(d)
	if n := len(p.Entries); n > MaxListedEntries {
		p.Entries, p.EntriesNotListed = p.Entries[:MaxListedEntries:MaxListedEntries], n-MaxListedEntries
	}
	return marshalPlain(p)
}

// marshalPlain encodes v as MarshalDocument does (no HTML escaping: "<local>" stays as is).
func marshalPlain(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// BypassEntryDoc is one bypass entry with what Windows makes of it.
type BypassEntryDoc struct {
	Value            string  `json:"value"`
	Kind             string  `json:"kind"`
	WindowsMayIgnore bool    `json:"windowsMayIgnore"`
	Note             *string `json:"note"`
}

// BlobDoc is a decoded connection-settings blob with its exact bytes.
type BlobDoc struct {
	ValueName string    `json:"valueName"`
	Version   *uint32   `json:"version"`
	Counter   *uint32   `json:"counter"`
	Flags     *FlagsDoc `json:"flags"`
	// The strings as stored, also when their flag is off (configured but disabled).
	Proxy         *string `json:"proxy"`
	Bypass        *string `json:"bypass"`
	AutoConfigURL *string `json:"autoConfigUrl"` // WinINet blobs only
	// Hex is the exact value; when it holds credentials they are replaced by *** and Redacted
	// is true (a value that cannot be decoded and may hold them is not shown: "").
	Hex      string  `json:"hex"`
	Redacted bool    `json:"redacted"`
	Error    *string `json:"error"` // why the blob could not be decoded
}

// FlagsDoc is the flags DWORD and its bits.
type FlagsDoc struct {
	Value        uint32 `json:"value"`
	Direct       bool   `json:"direct"`
	Proxy        bool   `json:"proxy"`
	AutoProxyURL bool   `json:"autoProxyUrl"`
	AutoDetect   bool   `json:"autoDetect"`
}

// Environment is the process environment's proxy variables (live system only).
type Environment struct {
	HTTPProxy  *string `json:"httpProxy"`
	HTTPSProxy *string `json:"httpsProxy"`
	NoProxy    *string `json:"noProxy"`
}

// Effective puts what the connector's services and its installer will use side by side.
type Effective struct {
	Services  EffectiveStack `json:"services"`
	Installer EffectiveStack `json:"installer"`
	// Same is true when both would reach the Internet the same way; null when unknown.
	Same *bool `json:"same"`
	// ConnectorServices lists the connector's services with their accounts.
	ConnectorServices ServicesDoc `json:"connectorServices" doc:"the Cloud Connector's services, the account each runs as, and what each reaches the Internet with: WinHTTP's default configuration, and the account's own WinINet settings that components asking WinHTTP for the automatic proxy and .NET Framework components without a <defaultProxy> follow"`
}

// ServicesDoc is the connector's services as the source knows them.
type ServicesDoc struct {
	Known bool `json:"known"`
	// Reason says why the services are unknown, or that none is installed.
	Reason   *string      `json:"reason"`
	Services []ServiceDoc `json:"services"`
}

// ServiceDoc is one connector service: its account and what it reaches the Internet with.
type ServiceDoc struct {
	Name    string  `json:"name"`
	Account *string `json:"account"` // as the service control manager names it
	SID     *string `json:"sid"`     // for the built-in accounts
	Start   *string `json:"start"`   // boot, system, automatic, manual, disabled
	// WinHTTP is the default WinHTTP configuration (WinHttpSettings, 64-bit view).
	WinHTTP EffectiveStack `json:"winhttp"`
	// WinINet is the account's own Internet Options.
	WinINet   EffectiveStack `json:"wininet"`
	SameRoute *bool          `json:"sameRoute" doc:"whether WinHTTP and the account's own WinINet settings lead the same way; null when either is unknown"`
}

// EffectiveStack is how one stack reaches the Internet.
type EffectiveStack struct {
	Stack         string     `json:"stack"` // winhttp, wininet
	Detail        string     `json:"detail"`
	Mode          *string    `json:"mode"` // direct, proxy, autoConfig, autoDetect; null when unknown
	Proxy         *ProxyDoc  `json:"proxy"`
	Bypass        *BypassDoc `json:"bypass"`
	AutoConfigURL *string    `json:"autoConfigUrl"`
	AutoDetect    *bool      `json:"autoDetect"`
}

// Warning is something the reader noticed that a user should know.
type Warning struct {
	Code    string `json:"code"`
	Path    string `json:"path"`
	Message string `json:"message"`
}

// Version is the ccproxy/version@1 document.
type Version struct {
	Schema    string `json:"schema"`
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	BuildDate string `json:"buildDate"`
	GoVersion string `json:"goVersion"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
}

// Ptr returns a pointer to v, for the many nullable fields.
func Ptr[T any](v T) *T { return &v }
