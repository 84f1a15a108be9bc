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
	"strconv"
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
	// KnownIncomplete says why the list is known to lack addresses, "" when it is not.
	KnownIncomplete string
}

// incompleteRegions are the embedded lists known to lack addresses: Citrix's pages for
// these clouds were not read in full (docs.citrix.com citrix-cloud-japan and
// citrix-cloud-government: connectivity requirements), so only what they were seen to say
// is listed.
var incompleteRegions = map[string]string{
	Japan:      "the embedded Japan list holds only the addresses Citrix's Citrix Cloud Japan pages were seen to name; pass Citrix's published allow list for Japan with --catalog before you write firewall rules from it",
	Government: "the embedded Government list holds only the addresses Citrix's Citrix Cloud Government pages were seen to name; pass Citrix's published allow list for Government with --catalog before you write firewall rules from it",
}

// Endpoints is the ccproxy/endpoints@1 document.
type Endpoints struct {
	Schema     string  `json:"schema"`
	Region     string  `json:"region" enum:"commercial,japan,government"`
	CustomerID *string `json:"customerId"`
	Catalog    Info    `json:"catalog"`
	// KnownIncomplete says why the list is known to lack addresses; every format says it
	// (text, csv and list on stderr).
	KnownIncomplete *string `json:"knownIncomplete" doc:"why this region's list is known to lack addresses, or null"`
	// AllowList is what a firewall team pastes: each pattern and port once.
	AllowList []AllowEntry `json:"allowList" doc:"each pattern and port once, the entries that share them merged"`
	// Patterns is the allow list: every entry's pattern once, in catalog order.
	Patterns []string `json:"patterns" doc:"the allow list: each pattern once, in catalog order"`
	Entries  []Entry  `json:"entries"`
}

// AllowEntry is one line of an allow list: a pattern and a port, with the purposes and
// sources of every catalog entry that shares them.
type AllowEntry struct {
	Pattern  string `json:"pattern"`
	Port     int    `json:"port"`
	Kind     string `json:"kind" enum:"https,revocation"`
	Purpose  string `json:"purpose"`
	Required bool   `json:"required"`
	Source   string `json:"source"`
}

// Line is the entry as one allow-list line: the pattern, with ":port" unless the port is
// 443, so the port-80 revocation addresses are not read as HTTPS ones.
func (a AllowEntry) Line() string {
	if a.Port == 443 {
		return a.Pattern
	}
	return a.Pattern + ":" + strconv.Itoa(a.Port)
}

// AllowList merges the entries by pattern and port, in catalog order: several catalog
// entries may share a pattern (they differ in the hosts check probes), but a firewall
// rule is per pattern and port.
func (c Catalog) AllowList() []AllowEntry {
	out := []AllowEntry{}
	at := map[string]int{}
	for _, e := range c.Entries {
		for _, p := range e.Ports {
			k := strings.ToLower(e.Pattern) + "|" + strconv.Itoa(p)
			i, ok := at[k]
			if !ok {
				at[k] = len(out)
				out = append(out, AllowEntry{Pattern: e.Pattern, Port: p, Kind: e.Kind, Purpose: e.Purpose, Required: e.Required, Source: e.Source})
				continue
			}
			a := &out[i]
			a.Required = a.Required || e.Required
			if !strings.Contains(a.Purpose, e.Purpose) {
				a.Purpose += "; " + e.Purpose
			}
			if !strings.Contains(a.Source, e.Source) {
				a.Source += "; " + e.Source
			}
		}
	}
	return out
}

// Lines is the allow list as one line per pattern and port (AllowEntry.Line), each once.
func (c Catalog) Lines() []string {
	var out []string
	for _, a := range c.AllowList() {
		out = append(out, a.Line())
	}
	return out
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
	d := Endpoints{Schema: SchemaEndpoints, Region: c.Region, Catalog: c.Info, Patterns: c.Patterns(), Entries: c.Entries, AllowList: c.AllowList()}
	if c.KnownIncomplete != "" {
		d.KnownIncomplete = model.Ptr(c.KnownIncomplete)
	}
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
		c, err := f.catalog(region, id, Info{Source: "embedded", Format: FormatCcproxy})
		c.KnownIncomplete = incompleteRegions[region]
		// The embedded notes name the regions they speak of; keep those of this one.
		notes := []string{}
		for _, n := range c.Info.Notes {
			if strings.Contains(n, "Japan and Government") && region == Commercial {
				continue
			}
			notes = append(notes, n)
		}
		c.Info.Notes = notes
		return c, err
	}
	text, warnings, err := jsonin.Decode(name, file)
	if err != nil {
		return Catalog{}, err
	}
	var c Catalog
	if sniffShape(text) == FormatCcproxy {
		f, err := parseCcproxy(name, text)
		if err != nil {
			return Catalog{}, err
		}
		f.warnings = warnings
		c, err = f.catalog(region, id, Info{Source: name, Format: FormatCcproxy})
		if err != nil {
			return Catalog{}, err
		}
	} else {
		sections, err := parseCitrix(name, text)
		if err != nil {
			return Catalog{}, err
		}
		if c, err = citrixCatalog(name, region, id, sections, warnings); err != nil {
			return Catalog{}, err
		}
	}
	return c, bounded(name, c)
}

// Bounds of a catalog file. Citrix's lists name tens of addresses (the embedded commercial
// list: 13 entries, 22 probes); a file far beyond them is not one, and each probe is a
// connection 'check' makes and a line of every output (50,000 entries made 100,000 probes,
// 94 MB of JSON and 640 MB of memory).
const (
	MaxEntries = 1000
	MaxProbes  = 2000 // probe hosts times ports, over all entries
)

func bounded(name string, c Catalog) error {
	if len(c.Entries) > MaxEntries {
		return &model.InputError{Input: name, Msg: fmt.Sprintf("%d entries for region %s, more than the %d a catalog may hold; hint: give Citrix's published allow list for one region", len(c.Entries), c.Region, MaxEntries)}
	}
	probes := 0
	for _, e := range c.Entries {
		probes += len(e.ProbeHosts) * max(1, len(e.Ports))
	}
	if probes > MaxProbes {
		return &model.InputError{Input: name, Msg: fmt.Sprintf("%d probes (probe hosts times ports) for region %s, more than the %d a catalog may ask for; hint: give Citrix's published allow list for one region", probes, c.Region, MaxProbes)}
	}
	return nil
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
