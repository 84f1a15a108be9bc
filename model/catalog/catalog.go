// Package catalog holds the addresses a Citrix Cloud Connector must reach, per region: the
// allow-list patterns a firewall or proxy team needs (requirement R1) and, for each, the
// concrete hosts and ports that 'check' probes and the certificate issuers it expects.
//
// The data is a JSON file embedded in the binary (catalog.json, schema ccproxy/catalog@1),
// because the lists change more often than the code. An administrator can replace it at
// run time with a file of the same shape, or with Citrix's own published allow list: an
// object of sections, each with an "AllowList" array of host names (some holding a
// <CUSTOMER_ID> placeholder) and a "LatestChangeLog".
//
// Use:
//
//	cat, err := catalog.Load("commercial", "acmecorp", nil) // the embedded data
//	for _, e := range cat.Entries {
//		for _, h := range e.ProbeHosts { ... e.Ports, e.Kind, e.ExpectedIssuers, e.HealthPath ... }
//	}
package catalog

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"ccproxy/jsonin"
	"ccproxy/model"
)

// Document kinds.
const (
	Schema          = "ccproxy/catalog@1"   // the catalog data file
	SchemaEndpoints = "ccproxy/endpoints@1" // the 'endpoints' command's output
)

// Regions, in the order they are listed.
const (
	Commercial = "commercial"
	Japan      = "japan"
	Government = "government"
)

// Regions lists the region names Load accepts.
func Regions() []string { return []string{Commercial, Japan, Government} }

// Entry kinds.
const (
	KindHTTPS      = "https"      // a TLS endpoint: handshake, issuer check, optional health path
	KindRevocation = "revocation" // plain HTTP on port 80: OCSP and CRL fetches, no TLS
)

// Formats of a catalog file.
const (
	FormatCcproxy = "ccproxy"         // ccproxy/catalog@1, like the embedded data
	FormatCitrix  = "citrixAllowList" // Citrix's published allow-list JSON
)

//go:embed catalog.json
var embedded []byte

// Entry is one required address.
type Entry struct {
	// Pattern is the allow-list form (wildcards allowed), with the customer id filled in;
	// when an entry needs a customer id and none was given, the placeholder reads "*".
	Pattern string `json:"pattern" doc:"allow-list pattern for a firewall or proxy, wildcards allowed"`
	// ProbeHosts are concrete host names to test; empty when none is known (customer-specific
	// names without a customer id, or wildcard-only entries).
	ProbeHosts      []string `json:"probeHosts" doc:"concrete hosts to probe; empty when none is known"`
	Ports           []int    `json:"ports" doc:"TCP ports: 443 for HTTPS, 80 for revocation"`
	Purpose         string   `json:"purpose"`
	Source          string   `json:"source" doc:"where the entry came from"`
	NeedsCustomerID bool     `json:"needsCustomerId" doc:"the address contains the customer id"`
	Kind            string   `json:"kind" enum:"https,revocation"`
	// ExpectedIssuers are words that the issuer of a genuine certificate contains (such as
	// "DigiCert"); empty when not known, in which case only known inspection products count
	// as evidence of TLS interception.
	ExpectedIssuers []string `json:"expectedIssuers" doc:"words a genuine certificate issuer contains; empty when unknown"`
	// HealthPath is an HTTP path that answers without authentication, or null.
	HealthPath *string `json:"healthPath" doc:"path of an unauthenticated health endpoint, or null"`
	// Required is false for addresses only some features need (ShareFile, for example).
	Required bool `json:"required" doc:"false for addresses that only some features need"`
}

// Info says where a catalog came from.
type Info struct {
	Source  string   `json:"source" doc:"embedded, or the path of the --catalog file"`
	Format  string   `json:"format" enum:"ccproxy,citrixAllowList"`
	Updated *string  `json:"updated" doc:"date of the data, when the file says"`
	Notes   []string `json:"notes"`
}

// Catalog is the required addresses of one region, ready to use.
type Catalog struct {
	Region     string
	CustomerID string // "" when none was given
	Info       Info
	Entries    []Entry
}

// Endpoints is the ccproxy/endpoints@1 document.
type Endpoints struct {
	Schema     string  `json:"schema"`
	Region     string  `json:"region" enum:"commercial,japan,government"`
	CustomerID *string `json:"customerId"`
	Catalog    Info    `json:"catalog"`
	// Patterns is the allow list: every entry's pattern once, in catalog order.
	Patterns []string `json:"patterns" doc:"the allow list: each pattern once, in catalog order"`
	Entries  []Entry  `json:"entries"`
}

// Patterns is the allow list: each pattern once, in catalog order.
func (c Catalog) Patterns() []string {
	out := []string{}
	seen := map[string]bool{}
	for _, e := range c.Entries {
		if !seen[e.Pattern] {
			seen[e.Pattern] = true
			out = append(out, e.Pattern)
		}
	}
	return out
}

// Document is the catalog as the 'endpoints' command prints it.
func (c Catalog) Document() Endpoints {
	d := Endpoints{Schema: SchemaEndpoints, Region: c.Region, Catalog: c.Info, Patterns: c.Patterns(), Entries: c.Entries}
	if c.CustomerID != "" {
		d.CustomerID = model.Ptr(c.CustomerID)
	}
	if d.Entries == nil {
		d.Entries = []Entry{}
	}
	if d.Catalog.Notes == nil {
		d.Catalog.Notes = []string{}
	}
	return d
}

// Load returns the catalog of region: the embedded data when file is nil, else file, in
// either the ccproxy/catalog@1 shape or Citrix's allow-list shape. customerID, when not
// empty, fills the <customer> placeholders. Errors are input errors (exit code 2) naming
// the flag or the file ("catalog" for file; use LoadNamed to give its path).
func Load(region, customerID string, file []byte) (Catalog, error) {
	return LoadNamed("catalog", region, customerID, file)
}

// LoadNamed is Load with the name errors use for file.
func LoadNamed(name, region, customerID string, file []byte) (Catalog, error) {
	region = strings.ToLower(strings.TrimSpace(region))
	if region == "" {
		region = Commercial
	}
	if !validRegion(region) {
		return Catalog{}, &model.InputError{Input: "--region", Msg: fmt.Sprintf("%q is not a region; hint: one of %s", region, strings.Join(Regions(), ", "))}
	}
	id, err := normalizeCustomerID(customerID)
	if err != nil {
		return Catalog{}, err
	}
	if file == nil {
		f, err := parseCcproxy("embedded catalog", embedded)
		if err != nil {
			// The embedded data is checked by tests; failing here is a build mistake.
			return Catalog{}, &model.EnvError{Msg: "the embedded catalog is broken: " + err.Error()}
		}
		return f.catalog(region, id, Info{Source: "embedded", Format: FormatCcproxy})
	}
	text, warnings, err := jsonin.Decode(name, file)
	if err != nil {
		return Catalog{}, err
	}
	if sniffShape(text) == FormatCcproxy {
		f, err := parseCcproxy(name, text)
		if err != nil {
			return Catalog{}, err
		}
		f.warnings = warnings
		return f.catalog(region, id, Info{Source: name, Format: FormatCcproxy})
	}
	sections, err := parseCitrix(name, text)
	if err != nil {
		return Catalog{}, err
	}
	return citrixCatalog(name, region, id, sections, warnings)
}

func validRegion(r string) bool {
	for _, x := range Regions() {
		if r == x {
			return true
		}
	}
	return false
}

var customerIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`) })

// normalizeCustomerID accepts what becomes the first label of a host name.
func normalizeCustomerID(s string) (string, error) {
	id := strings.ToLower(strings.TrimSpace(s))
	if id == "" {
		return "", nil
	}
	if !customerIDPattern().MatchString(id) {
		return "", &model.InputError{Input: "--customer-id", Msg: fmt.Sprintf("%q is not a valid customer id: it becomes a host name label (letters, digits and '-', 1-63 characters, not starting or ending with '-'); hint: copy it from the Citrix Cloud console", model.RedactCredentials(s))}
	}
	return id, nil
}

// placeholder matches the customer-id placeholders of both shapes: <customer> in ccproxy's
// data, <CUSTOMER_ID> in Citrix's list.
var placeholder = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)<customer(_?id)?>`) })

// fill replaces the placeholders with id, or with with when id is empty.
func fill(s, id, with string) (string, bool) {
	if !placeholder().MatchString(s) {
		return s, false
	}
	if id == "" {
		return placeholder().ReplaceAllLiteralString(s, with), true
	}
	return placeholder().ReplaceAllLiteralString(s, id), true
}

// checkHost validates a pattern (wildcards allowed) or a probe host (none allowed), with
// placeholders already filled. It returns the lower-case form or why it is not usable.
func checkHost(s string, wildcards bool) (string, string) {
	h := strings.ToLower(strings.TrimSpace(s))
	if h == "" {
		return "", "empty host name"
	}
	if strings.Contains(h, "<") || strings.Contains(h, ">") {
		return "", "unknown placeholder; the known ones are <customer> and <CUSTOMER_ID>"
	}
	if strings.Contains(h, "://") || strings.ContainsAny(h, "/:") {
		return "", "a host name only: no scheme, port or path"
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '.', c == '_':
		case c == '*' && wildcards:
		case c == '*':
			return "", "a probe host cannot contain '*'; list concrete host names"
		default:
			return "", fmt.Sprintf("character %q is not allowed in a host name", c)
		}
	}
	if strings.HasPrefix(h, ".") || strings.HasSuffix(h, ".") || strings.Contains(h, "..") {
		return "", "empty label (leading, trailing or double '.')"
	}
	return h, ""
}

// covers reports whether an allow-list pattern covers host: equal, or "*.suffix" with host
// a subdomain of suffix, which is how firewall and proxy allow lists read it.
func covers(pattern, host string) bool {
	if pattern == host {
		return true
	}
	if suffix, ok := strings.CutPrefix(pattern, "*."); ok {
		return strings.HasSuffix(host, "."+suffix)
	}
	return false
}

// PatternMatches is whether an allow-list pattern covers a host: "*.example.net" any name
// below example.net, another pattern only itself (case-insensitive, as DNS names compare).
func PatternMatches(pattern, host string) bool {
	pattern, host = strings.ToLower(pattern), strings.ToLower(strings.TrimSuffix(host, "."))
	if rest, ok := strings.CutPrefix(pattern, "*."); ok {
		return strings.HasSuffix(host, "."+rest) && len(host) > len(rest)+1
	}
	return pattern == host
}
