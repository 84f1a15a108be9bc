package probe

import "time"

// SchemaCheck is the kind of the document 'ccproxy check' writes.
const SchemaCheck = "ccproxy/check@1"

// Endpoint statuses.
const (
	StatusPass       = "pass"
	StatusFail       = "fail"
	StatusNotChecked = "notChecked"
)

// Stage names, in the order a connection goes through them.
const (
	StageDNS          = "dns"
	StageTCP          = "tcp"
	StageProxyConnect = "proxyConnect"
	StageTLS          = "tls"
	StageHTTP         = "http"
)

// Failure classes: every failure is one of these, never a bare error string.
const (
	FailDNS          = "dnsFailure"
	FailTCPRefused   = "tcpRefused"
	FailTimeout      = "timeout"
	FailProxyAuth    = "proxyAuthRequired"
	FailProxyDenied  = "proxyDenied"
	FailTLSHandshake = "tlsHandshakeFailed"
	FailInterception = "tlsInterception"
	FailCertificate  = "certificateInvalid"
	FailHTTP         = "httpError"
)

// Interception verdicts.
const (
	VerdictNone      = "none"      // a chain was seen and nothing points at interception
	VerdictSuspected = "suspected" // some evidence, not enough to call it interception
	VerdictDetected  = "detected"  // the chain was made by someone other than the site's CA
	VerdictUnknown   = "unknown"   // no chain was seen (no TLS, or it failed before)
)

// Evidence kinds.
const (
	EvidenceIssuerNotExpected = "issuerNotExpected"
	EvidenceInspectionProduct = "inspectionProduct"
	EvidenceNonPublicRoot     = "nonPublicRoot"
)

// Target kinds.
const (
	KindHTTPS = "https" // TLS, through CONNECT when proxied
	KindHTTP  = "http"  // plain HTTP (revocation hosts on port 80), absolute-form through a proxy
	KindTCP   = "tcp"   // a connection only (internal hosts on other ports)
)

// Target sources.
const (
	SourceCatalog  = "catalog"
	SourceHost     = "host"
	SourceInternal = "internal"
	// SourceServiceBus is the connector's Azure Service Bus namespace (--service-bus) and
	// its optional ports.
	SourceServiceBus = "serviceBus"
)

// ServiceBusOptionalPorts are the ports Microsoft documents for Azure Relay's WCF relays
// beside 443 ("Azure Relay port settings": 9350-9354, and 5671 for NetTcpRelayBinding, the
// AMQP port Service Bus also uses); Hybrid Connections use only 443 with TLS. Citrix's
// connector documentation names 443 only, so these are probed as optional.
var ServiceBusOptionalPorts = []int{5671, 9350, 9351, 9352, 9353, 9354}

// Check is the ccproxy/check@1 document.
type Check struct {
	Schema     string      `json:"schema"`
	Source     CheckSource `json:"source"`
	Region     string      `json:"region" enum:"commercial,japan,government"`
	CustomerID *string     `json:"customerId"`
	Catalog    CatalogInfo `json:"catalog"`
	Routing    Routing     `json:"routing"`
	Limits     Limits      `json:"limits"`
	Result
	// Compare is the --compare run: every candidate route and what each reached.
	Compare *Compare `json:"compare" doc:"with --compare: the endpoints probed through every candidate route; null otherwise"`
}

// Compare says which of the ways a connector machine could route reaches Citrix Cloud.
// The top-level result is the route the services use (or --proxy); Routes holds each
// distinct route once, however many candidates share it.
type Compare struct {
	Candidates []Candidate   `json:"candidates"`
	Routes     []RouteResult `json:"routes"`
	// Working is the candidates whose route reaches every required endpoint, with no
	// interception and, through a proxy, CONNECT to an IP address allowed.
	Working []string `json:"working" doc:"ids of the candidates whose route passes: every required endpoint reached, no interception detected, CONNECT to an IP address not refused"`
	Message string   `json:"message"`
	// Fix is the command that gives the services a working route, when theirs fails.
	Fix *string `json:"fix" doc:"when the services' route fails and another passes: the ccproxy plan command line that gives WinHTTP that route; null otherwise"`
}

// Candidate is one way to route, and whether it was probed.
type Candidate struct {
	ID          string  `json:"id" doc:"winhttp (legacy setting, 64-bit view), advanced (netsh winhttp set advproxy), wininet:<SID> (a service account's Internet Options), direct, proxyFlag (--proxy)"`
	Description string  `json:"description"`
	Known       bool    `json:"known" doc:"false when ccproxy cannot probe it: the source does not hold it, or it uses automatic configuration (PAC, WPAD)"`
	Reason      *string `json:"reason" doc:"why it was not probed; null when it was"`
	Route       *string `json:"route" doc:"the id of its entry in routes; null when not probed"`
}

// RouteResult is what one distinct route reached.
type RouteResult struct {
	ID         string          `json:"id" doc:"the id of the first candidate that takes this route"`
	Candidates []string        `json:"candidates" doc:"every candidate that takes this route"`
	Proxy      *string         `json:"proxy" doc:"the proxy string, null for direct"`
	Bypass     *string         `json:"bypass" doc:"the bypass list, null when none"`
	Pass       bool            `json:"pass"`
	Counts     Counts          `json:"counts"`
	Verdict    string          `json:"interception" enum:"none,suspected,detected,unknown"`
	IPLiteral  string          `json:"ipLiteral" enum:"pass,fail,notChecked" doc:"R8: CONNECT to an IP address through this route's proxy"`
	Endpoints  []RouteEndpoint `json:"endpoints"`
}

// RouteEndpoint is one endpoint's result through one route.
type RouteEndpoint struct {
	Host    string  `json:"host"`
	Port    int     `json:"port"`
	Status  string  `json:"status" enum:"pass,fail,notChecked"`
	Failure *string `json:"failure" enum:"dnsFailure,tcpRefused,timeout,proxyAuthRequired,proxyDenied,tlsHandshakeFailed,tlsInterception,certificateInvalid,httpError"`
	Direct  bool    `json:"direct"`
	Proxy   *string `json:"proxy" doc:"host:port of the proxy, null when direct"`
}

// CheckSource names the machine the check ran on, so that fleet reports can tell machines apart.
type CheckSource struct {
	Host *string `json:"host" doc:"computer name of the machine that ran the check; null when unknown"`
}

// CatalogInfo says where the catalog endpoints came from.
type CatalogInfo struct {
	Source  string   `json:"source" enum:"embedded,file"`
	Path    *string  `json:"path" doc:"the --catalog file, or stdin; null for the embedded catalog"`
	Format  string   `json:"format" enum:"ccproxy,citrixAllowList"`
	Updated *string  `json:"updated" doc:"date of the catalog data, when it says"`
	Entries int      `json:"entries" doc:"catalog endpoints probed (host, port)"`
	Notes   []string `json:"notes"`
}

// Routing says how routes were decided.
type Routing struct {
	Source      string   `json:"source" enum:"winhttp,proxyFlag,direct" doc:"winhttp: the native WinHTTP settings of the state source; proxyFlag: --proxy; direct: --direct"`
	StateSource *string  `json:"stateSource" doc:"the --from source the WinHTTP settings were read from"`
	Proxy       *string  `json:"proxy" doc:"the proxy string, null for direct"`
	Bypass      *string  `json:"bypass" doc:"the bypass list, null when none"`
	Notes       []string `json:"notes"`
}

// Limits are the bounds the run kept to.
type Limits struct {
	Concurrency    int   `json:"concurrency"`
	StageTimeoutMs int64 `json:"stageTimeoutMs"`
	DeadlineMs     int64 `json:"deadlineMs"`
}

// Result is what Run found.
type Result struct {
	StartedAt       time.Time `json:"startedAt"`
	DurationMs      float64   `json:"durationMs"`
	DeadlineReached bool      `json:"deadlineReached" doc:"the overall deadline stopped the run; unfinished endpoints are notChecked"`
	// OK is what the exit code says: every required endpoint passed, the routes are as
	// expected and no interception was detected.
	OK                   bool                `json:"ok"`
	AllRequiredReachable bool                `json:"allRequiredReachable"`
	AllRoutesAsExpected  bool                `json:"allRoutesAsExpected" doc:"every --internal host goes direct"`
	Counts               Counts              `json:"counts"`
	Interception         InterceptionSummary `json:"interception"`
	IPLiteral            IPLiteralCheck      `json:"ipLiteral" doc:"R8: CONNECT to an IP address through the proxy"`
	Clock                ClockCheck          `json:"clock" doc:"the local clock against the Date of the endpoints' HTTP answers"`
	Endpoints            []Endpoint          `json:"endpoints"`
}

// ClockCheck compares the local clock with the Date header of the endpoints' HTTP answers
// (RFC 9110 section 6.6.1: the origin's clock, to the second). Citrix asks for a connector
// clock in sync with UTC: TLS certificate and token validation break beyond a few minutes.
type ClockCheck struct {
	Status      string  `json:"status" enum:"pass,fail,notChecked"`
	SkewSeconds *int64  `json:"skewSeconds" doc:"server time minus local time, the median over the answers; positive when the local clock is behind"`
	Answers     int     `json:"answers" doc:"HTTP answers that carried a Date"`
	From        *string `json:"from" doc:"the endpoint whose answer gave the median"`
	Message     string  `json:"message"`
}

// MaxClockSkew is how far the local clock may be from the servers'.
const MaxClockSkew = 5 * time.Minute

// Counts summarise the endpoints.
type Counts struct {
	Total          int `json:"total"`
	Passed         int `json:"passed"`
	Failed         int `json:"failed"`
	NotChecked     int `json:"notChecked"`
	Required       int `json:"required"`
	RequiredPassed int `json:"requiredPassed"`
	Intercepted    int `json:"intercepted"`
	Misrouted      int `json:"misrouted"`
}

// InterceptionSummary is the verdict over all endpoints.
type InterceptionSummary struct {
	Verdict   string   `json:"verdict" enum:"none,suspected,detected,unknown"`
	Detected  []string `json:"detected" doc:"host:port of the endpoints where interception was detected"`
	Suspected []string `json:"suspected"`
	Issuers   []string `json:"issuers" doc:"the issuers presented instead of the expected ones, distinct"`
}

// IPLiteralCheck is the R8 test.
type IPLiteralCheck struct {
	Status      string  `json:"status" enum:"pass,fail,notChecked"`
	Target      *string `json:"target" doc:"ip:port sent in CONNECT"`
	DerivedFrom *string `json:"derivedFrom" doc:"the host name whose address was used, null when given"`
	Proxy       *string `json:"proxy"`
	// ProxyRefuses is null when the proxy was not asked or did not answer.
	ProxyRefuses *bool   `json:"proxyRefuses"`
	StatusCode   *int    `json:"statusCode" doc:"the proxy's answer to CONNECT"`
	Failure      *string `json:"failure" enum:"dnsFailure,tcpRefused,timeout,proxyAuthRequired,proxyDenied,tlsHandshakeFailed,tlsInterception,certificateInvalid,httpError"`
	Message      string  `json:"message"`
	DurationMs   float64 `json:"durationMs"`
}

// Endpoint is one target's result.
type Endpoint struct {
	Host         string       `json:"host"`
	Port         int          `json:"port"`
	Kind         string       `json:"kind" enum:"https,http,tcp"`
	Purpose      string       `json:"purpose"`
	Required     bool         `json:"required"`
	Source       string       `json:"source" enum:"catalog,host,internal,serviceBus"`
	Status       string       `json:"status" enum:"pass,fail,notChecked"`
	Failure      *string      `json:"failure" enum:"dnsFailure,tcpRefused,timeout,proxyAuthRequired,proxyDenied,tlsHandshakeFailed,tlsInterception,certificateInvalid,httpError"`
	Message      *string      `json:"message" doc:"why it failed or was not checked, with a hint; null on a pass"`
	Route        Route        `json:"route"`
	Stages       []Stage      `json:"stages"`
	TLS          *TLSResult   `json:"tls"`
	HTTP         *HTTPResult  `json:"http"`
	Interception Interception `json:"interception"`
	DurationMs   float64      `json:"durationMs"`
}

// Route is how the endpoint was reached.
type Route struct {
	Direct       bool    `json:"direct"`
	Proxy        *string `json:"proxy" doc:"host:port of the proxy, null when direct"`
	BypassEntry  *string `json:"bypassEntry" doc:"what sent it direct: the bypass entry, or a reason such as loopback; null otherwise"`
	ExpectDirect bool    `json:"expectDirect"`
	AsExpected   bool    `json:"asExpected"`
}

// Stage is one step of a connection, timed.
type Stage struct {
	Name       string  `json:"name" enum:"dns,tcp,proxyConnect,tls,http"`
	DurationMs float64 `json:"durationMs"`
	OK         bool    `json:"ok"`
	Details    string  `json:"details"`
}

// TLSResult is what the TLS handshake showed.
type TLSResult struct {
	Version     *string `json:"version" doc:"1.0, 1.1, 1.2 or 1.3; null when the handshake failed"`
	VersionOK   bool    `json:"versionOk" doc:"1.2 or later"`
	CipherSuite *string `json:"cipherSuite"`
	SNI         *string `json:"sni" doc:"the server name sent; null for an IP address"`
	Chain       []Cert  `json:"chain" doc:"as presented, leaf first"`
	Verified    bool    `json:"verified"`
	VerifyError *string `json:"verifyError"`
	// Root is the root the chain was verified to, or the issuer of the last presented
	// certificate when it could not be verified.
	Root            *string  `json:"root"`
	RootPublic      bool     `json:"rootPublic"`
	ExpectedIssuers []string `json:"expectedIssuers"`
	// IssuerExpected is null when no issuers are expected for the host.
	IssuerExpected *bool `json:"issuerExpected"`
}

// Cert is one certificate of a chain.
type Cert struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
	SHA256    string    `json:"sha256" doc:"fingerprint of the DER bytes, lowercase hex"`
}

// HTTPResult is the answer to the HTTP request.
type HTTPResult struct {
	URL        string  `json:"url"`
	StatusCode *int    `json:"statusCode"`
	Status     string  `json:"status"`
	Date       *string `json:"date" doc:"the answer's Date header, as sent; null when it had none"`
	// SkewSeconds is the Date minus the local clock when the answer came.
	SkewSeconds *int64 `json:"skewSeconds"`
}

// Interception is one endpoint's verdict.
type Interception struct {
	Verdict  string     `json:"verdict" enum:"none,suspected,detected,unknown"`
	Evidence []Evidence `json:"evidence"`
}

// Evidence is one reason to think the TLS session is intercepted.
type Evidence struct {
	Kind   string `json:"kind" enum:"issuerNotExpected,inspectionProduct,nonPublicRoot"`
	Detail string `json:"detail"`
}
