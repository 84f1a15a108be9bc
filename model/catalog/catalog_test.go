package catalog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"

	"ccproxy/model"
	"ccproxy/schema/schematest"
)

func mustLoad(t *testing.T, region, id string, file []byte) Catalog {
	t.Helper()
	c, err := Load(region, id, file)
	if err != nil {
		t.Fatalf("Load(%q, %q): %v", region, id, err)
	}
	return c
}

func find(c Catalog, pattern string) []Entry {
	var out []Entry
	for _, e := range c.Entries {
		if e.Pattern == pattern {
			out = append(out, e)
		}
	}
	return out
}

func TestEmbeddedCatalogMatchesItsSchema(t *testing.T) {
	if err := schematest.ValidateAs("catalog", embedded); err != nil {
		t.Fatal(err)
	}
	if err := schematest.CheckContract(embedded); err != nil {
		t.Fatal(err)
	}
}

func TestEmbeddedEveryRegion(t *testing.T) {
	for _, r := range Regions() {
		c := mustLoad(t, r, "acme", nil)
		if len(c.Entries) == 0 {
			t.Fatalf("%s: no entries", r)
		}
		if c.Info.Source != "embedded" || c.Info.Format != FormatCcproxy || c.Info.Updated == nil {
			t.Errorf("%s: info %+v", r, c.Info)
		}
		for _, e := range c.Entries {
			if e.Pattern == "" || e.Purpose == "" || e.Source == "" || len(e.Ports) == 0 {
				t.Errorf("%s: incomplete entry %+v", r, e)
			}
			if e.Kind != KindHTTPS && e.Kind != KindRevocation {
				t.Errorf("%s: %s: kind %q", r, e.Pattern, e.Kind)
			}
			for _, h := range e.ProbeHosts {
				if strings.ContainsAny(h, "*<>") || !covers(e.Pattern, h) {
					t.Errorf("%s: probe host %q not a concrete host under %q", r, h, e.Pattern)
				}
			}
			if e.Kind == KindRevocation && (len(e.Ports) != 1 || e.Ports[0] != 80) {
				t.Errorf("%s: revocation entry %s on ports %v, want [80]", r, e.Pattern, e.Ports)
			}
		}
	}
}

func TestEmbeddedCommercialSeedList(t *testing.T) {
	c := mustLoad(t, Commercial, "", nil)
	want := []string{"*.citrixworkspacesapi.net", "*.citrixnetworkapi.net", "*.cloud.com", "*.blob.core.windows.net", "*.servicebus.windows.net", "*.nssvc.net", "*.xendesktop.net", "*.digicert.com", "*.azureedge.net", "*.citrixdata.com", "*.sharefile.com"}
	got := c.Patterns()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("patterns\n got %v\nwant %v", got, want)
	}
	hub := find(c, "*.citrixworkspacesapi.net")
	var health bool
	for _, e := range hub {
		if e.HealthPath != nil && *e.HealthPath == "/root/ping" && contains(e.ProbeHosts, "agenthub.citrixworkspacesapi.net") {
			health = true
		}
	}
	if !health {
		t.Error("agenthub.citrixworkspacesapi.net has no /root/ping health path")
	}
	for _, e := range find(c, "*.digicert.com") {
		if e.Kind == KindRevocation && !contains(e.ProbeHosts, "ocsp.digicert.com") {
			t.Errorf("revocation entry without ocsp.digicert.com: %+v", e)
		}
	}
	for _, e := range find(c, "*.blob.core.windows.net") {
		if !contains(e.ExpectedIssuers, "Microsoft") {
			t.Errorf("blob storage expects %v, want Microsoft", e.ExpectedIssuers)
		}
	}
	for _, p := range []string{"*.citrixdata.com", "*.sharefile.com"} {
		for _, e := range find(c, p) {
			if e.Required {
				t.Errorf("%s is only for ShareFile users, yet required", p)
			}
		}
	}
}

func TestCustomerID(t *testing.T) {
	with := mustLoad(t, Commercial, "  AcmeCorp ", nil)
	if with.CustomerID != "acmecorp" {
		t.Errorf("customer id %q, want acmecorp", with.CustomerID)
	}
	dx := find(with, "*.xendesktop.net")
	if len(dx) != 1 || !dx[0].NeedsCustomerID || strings.Join(dx[0].ProbeHosts, ",") != "acmecorp.xendesktop.net" {
		t.Errorf("with id: %+v", dx)
	}
	for _, n := range with.Info.Notes {
		if strings.Contains(n, "--customer-id") {
			t.Errorf("note about a missing customer id although one was given: %s", n)
		}
	}
	without := mustLoad(t, Commercial, "", nil)
	dx = find(without, "*.xendesktop.net")
	if len(dx) != 1 || !dx[0].NeedsCustomerID || len(dx[0].ProbeHosts) != 0 {
		t.Errorf("without id: %+v", dx)
	}
	if !strings.Contains(strings.Join(without.Info.Notes, "\n"), "no --customer-id") {
		t.Errorf("no note about the missing customer id: %v", without.Info.Notes)
	}
	gov := mustLoad(t, Government, "acme", nil)
	if dx := find(gov, "*.xendesktop.us"); len(dx) != 1 || dx[0].ProbeHosts[0] != "acme.xendesktop.us" {
		t.Errorf("government: %+v", dx)
	}
}

func exitCode(err error) int {
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return -1
}

func TestBadFlags(t *testing.T) {
	for _, tt := range []struct{ region, id, want string }{
		{"europe", "", `--region: "europe" is not a region; hint: one of commercial, japan, government`},
		{"commercial", "acme corp", `--customer-id: "acme corp" is not a valid customer id`},
		{"commercial", "-acme", `--customer-id: "-acme"`},
		{"commercial", "acme.corp", `--customer-id: "acme.corp"`},
		{"commercial", strings.Repeat("a", 64), `--customer-id:`},
		{"commercial", "user:pw@acme", `"***@acme"`},
	} {
		_, err := Load(tt.region, tt.id, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) || exitCode(err) != 2 {
			t.Errorf("Load(%q, %q) = %v (exit %d), want %q, exit 2", tt.region, tt.id, err, exitCode(err), tt.want)
		}
	}
}

func TestOwnCatalogFileDefaults(t *testing.T) {
	data := []byte(`{"Schema": "ccproxy/catalog@1", "regions": {"japan": [
		{"pattern": "Portal.Example.JP", "purpose": "portal", "source": "our firewall team"},
		{"pattern": "*.example.jp", "purpose": "apis", "source": "ours", "probeHosts": ["<CUSTOMER_ID>.example.jp", "a.example.jp"], "required": false},
		{"pattern": "*.pki.example", "purpose": "crl", "source": "ours", "kind": "revocation", "probeHosts": "crl.pki.example"}
	]}}`)
	c, err := LoadNamed("mine.json", Japan, "cust1", data)
	if err != nil {
		t.Fatal(err)
	}
	if c.Info.Source != "mine.json" || c.Info.Format != FormatCcproxy || c.Info.Updated != nil {
		t.Errorf("info %+v", c.Info)
	}
	e := c.Entries
	if len(e) != 3 {
		t.Fatalf("%d entries", len(e))
	}
	if e[0].Pattern != "portal.example.jp" || strings.Join(e[0].ProbeHosts, ",") != "portal.example.jp" || e[0].Ports[0] != 443 || e[0].Kind != KindHTTPS || !e[0].Required || e[0].HealthPath != nil || e[0].ExpectedIssuers == nil {
		t.Errorf("defaults: %+v", e[0])
	}
	if strings.Join(e[1].ProbeHosts, ",") != "cust1.example.jp,a.example.jp" || !e[1].NeedsCustomerID || e[1].Required {
		t.Errorf("entry 1: %+v", e[1])
	}
	if e[2].Kind != KindRevocation || e[2].Ports[0] != 80 || e[2].ProbeHosts[0] != "crl.pki.example" {
		t.Errorf("entry 2: %+v", e[2])
	}
}

func TestOwnCatalogFileErrors(t *testing.T) {
	entry := func(s string) []byte {
		return []byte(`{"schema": "ccproxy/catalog@1", "regions": {"commercial": [` + s + `]}}`)
	}
	for _, tt := range []struct {
		data []byte
		want string
	}{
		{entry(`{"pattern": "a b.com", "purpose": "p", "source": "s"}`), `c.json: $.regions.commercial[0].pattern: "a b.com": character ' ' is not allowed`},
		{entry(`{"pattern": "https://a.com/x", "purpose": "p", "source": "s"}`), `$.regions.commercial[0].pattern: "https://a.com/x": a host name only`},
		{entry(`{"pattern": "*.a.com", "purpose": "p", "source": "s", "probeHosts": ["*.a.com"]}`), `$.regions.commercial[0].probeHosts[0]: "*.a.com": a probe host cannot contain '*'`},
		{entry(`{"pattern": "<tenant>.a.com", "purpose": "p", "source": "s"}`), `unknown placeholder`},
		{entry(`{"pattern": "a.com", "purpose": "p", "source": "s", "ports": []}`), `$.regions.commercial[0].ports: empty`},
		{entry(`{"pattern": "a.com", "purpose": "p", "source": "s", "ports": [70000]}`), `$.regions.commercial[0].ports[0]`},
		{entry(`{"pattern": "a.com", "purpose": "p", "source": "s", "healthPath": "ping"}`), `$.regions.commercial[0].healthPath: "ping": not a URL path`},
		{entry(`{"pattern": "a.com", "purpose": " ", "source": "s"}`), `$.regions.commercial[0].purpose: empty`},
		{entry(`{"pattern": "a.com", "purpose": "p", "source": "s", "prots": [443]}`), `did you mean "ports"`},
		{entry(`{"pattern": "a.com", "purpose": "p", "source": "s", "kind": "tcp"}`), `$.regions.commercial[0].kind`},
		{entry(`{"pattern": "a..com", "purpose": "p", "source": "s"}`), `empty label`},
		{[]byte(`{"schema": "ccproxy/catalog@2", "regions": {}}`), `$.schema`},
		{[]byte(`{"schema": "ccproxy/catalog@1", "regions": {"europe": []}}`), `unknown key "europe"`},
		{[]byte(`{"schema": "ccproxy/catalog@1", "regions": {"japan": []}}`), `c.json: $.regions.commercial: no entries for region commercial`},
		{[]byte(`{"schema": "ccproxy/catalog@1", "regions": `), `c.json`},
	} {
		_, err := LoadNamed("c.json", Commercial, "", tt.data)
		if err == nil || !strings.Contains(err.Error(), tt.want) || exitCode(err) != 2 {
			t.Errorf("%s\n got %v (exit %d)\nwant %q, exit 2", tt.data, err, exitCode(err), tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("error on several lines: %q", err)
		}
	}
}

const citrixList = `{
  "Citrix Cloud": {
    "AllowList": ["*.citrixworkspacesapi.net", "*.cloud.com", "trust.citrixworkspacesapi.net"],
    "LatestChangeLog": "2024-05-01: added api-us"
  },
  "DaaS": {
    "AllowList": ["<CUSTOMER_ID>.xendesktop.net", "*.cloud.com", "ocsp.digicert.com", "status.example.net"],
    "LatestChangeLog": {"date": "2024-04-01", "text": "initial"}
  }
}`

func TestCitrixAllowList(t *testing.T) {
	c, err := LoadNamed("allowlist.json", Commercial, "Acme", []byte(citrixList))
	if err != nil {
		t.Fatal(err)
	}
	if c.Info.Format != FormatCitrix || c.Info.Source != "allowlist.json" {
		t.Errorf("info %+v", c.Info)
	}
	want := []string{"*.citrixworkspacesapi.net", "*.cloud.com", "trust.citrixworkspacesapi.net", "acme.xendesktop.net", "ocsp.digicert.com", "status.example.net"}
	if got := c.Patterns(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("patterns\n got %v\nwant %v", got, want)
	}
	ws := find(c, "*.citrixworkspacesapi.net")
	if len(ws) != 2 || len(ws[0].ProbeHosts) == 0 || ws[0].Purpose != "Citrix allow list: Citrix Cloud" || !strings.Contains(ws[0].Source, "allowlist.json") {
		t.Errorf("wildcard enriched from the embedded catalog: %+v", ws)
	}
	cloud := find(c, "*.cloud.com")
	if len(cloud) != 1 || cloud[0].Purpose != "Citrix allow list: Citrix Cloud, DaaS" {
		t.Errorf("merged sections: %+v", cloud)
	}
	dx := find(c, "acme.xendesktop.net")
	if len(dx) != 1 || !dx[0].NeedsCustomerID || dx[0].ProbeHosts[0] != "acme.xendesktop.net" || !contains(dx[0].ExpectedIssuers, "DigiCert") {
		t.Errorf("customer host: %+v", dx)
	}
	ocsp := find(c, "ocsp.digicert.com")
	if len(ocsp) != 1 || ocsp[0].Kind != KindRevocation || ocsp[0].Ports[0] != 80 {
		t.Errorf("revocation host: %+v", ocsp)
	}
	other := find(c, "status.example.net")
	if len(other) != 1 || other[0].Kind != KindHTTPS || other[0].Ports[0] != 443 || len(other[0].ExpectedIssuers) != 0 {
		t.Errorf("unknown host: %+v", other)
	}

	noID, err := LoadNamed("allowlist.json", Commercial, "", []byte(citrixList))
	if err != nil {
		t.Fatal(err)
	}
	dx = find(noID, "*.xendesktop.net")
	if len(dx) != 1 || !dx[0].NeedsCustomerID || len(dx[0].ProbeHosts) != 0 {
		t.Errorf("without an id the placeholder reads *: %+v", noID.Patterns())
	}
}

func TestCitrixAllowListErrors(t *testing.T) {
	for _, tt := range []struct{ data, want string }{
		{`{"A": {"AllowList": ["good.com", "bad host"]}}`, `list.json: $.A.AllowList[1]: "bad host"`},
		{`{"Two words": {"AllowList": ["x/y"]}}`, `list.json: $["Two words"].AllowList[0]`},
		{`{"A": {"Allowlist": ["a.com"], "Changes": 1}}`, `unknown key "Changes"`},
		{`{"A": {"LatestChangeLog": "x"}}`, `AllowList`},
		{`{"A": {"AllowList": []}}`, `every AllowList is empty`},
		{`{}`, `no sections`},
		{`[1, 2]`, `list.json`},
	} {
		_, err := LoadNamed("list.json", Commercial, "", []byte(tt.data))
		if err == nil || !strings.Contains(err.Error(), tt.want) || exitCode(err) != 2 {
			t.Errorf("%s\n got %v (exit %d)\nwant %q", tt.data, err, exitCode(err), tt.want)
		}
	}
}

// Windows PowerShell 5.1 writes files as UTF-16LE with a BOM.
func TestCatalogFileInUTF16(t *testing.T) {
	u := utf16.Encode([]rune(citrixList))
	b := []byte{0xFF, 0xFE}
	for _, c := range u {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	c, err := LoadNamed("list.json", Commercial, "acme", b)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Patterns()) != 6 {
		t.Errorf("patterns %v", c.Patterns())
	}
}

// A file saved by Windows PowerShell 5.1's Set-Content is Windows-1252; the guess is a
// note in either format, as the ccproxy reader's other warnings are.
func TestCatalogFileInWindows1252(t *testing.T) {
	for name, text := range map[string]string{
		"citrix":  "{\"Caf\xe9\": {\"AllowList\": [\"*.cloud.com\"]}}",
		"ccproxy": "{\"schema\": \"ccproxy/catalog@1\", \"regions\": {\"commercial\": [{\"pattern\": \"*.cloud.com\", \"purpose\": \"caf\xe9\", \"source\": \"test\"}]}}",
	} {
		c, err := LoadNamed("list.json", Commercial, "", []byte(text))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.Contains(strings.Join(c.Info.Notes, "\n"), "Windows-1252") {
			t.Errorf("%s: no note about the Windows-1252 guess: %q", name, c.Info.Notes)
		}
	}
}

func TestDocument(t *testing.T) {
	c := mustLoad(t, Japan, "", nil)
	d := c.Document()
	if d.Schema != SchemaEndpoints || d.Region != Japan || d.CustomerID != nil || len(d.Patterns) != len(c.Patterns()) || d.Catalog.Notes == nil {
		t.Errorf("document %+v", d)
	}
	b, err := model.MarshalDocument(d, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := schematest.CheckContract(b); err != nil {
		t.Error(err)
	}
}

func TestCovers(t *testing.T) {
	for _, tt := range []struct {
		p, h string
		want bool
	}{
		{"*.cloud.com", "citrix.cloud.com", true},
		{"*.cloud.com", "a.b.cloud.com", true},
		{"*.cloud.com", "cloud.com", false},
		{"*.cloud.com", "xcloud.com", false},
		{"a.com", "a.com", true},
		{"a.com", "b.a.com", false},
	} {
		if got := covers(tt.p, tt.h); got != tt.want {
			t.Errorf("covers(%q, %q) = %v", tt.p, tt.h, got)
		}
	}
}

func FuzzLoad(f *testing.F) {
	f.Add([]byte(citrixList), "acme")
	f.Add(embedded, "")
	f.Add([]byte(`{"schema":"ccproxy/catalog@1","regions":{"commercial":[{"pattern":"<customer>.x.com","purpose":"p","source":"s"}]}}`), "")
	f.Add([]byte(`{"A":{"AllowList":"a.com;b.com"}}`), "x")
	f.Fuzz(func(t *testing.T, data []byte, id string) {
		c, err := LoadNamed("fuzz.json", Commercial, id, data)
		if err != nil {
			if exitCode(err) != 2 || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q with exit %d", err, exitCode(err))
			}
			return
		}
		if len(c.Entries) == 0 {
			t.Fatal("no entries without an error")
		}
		for _, e := range c.Entries {
			if e.Pattern == "" || len(e.Ports) == 0 || strings.ContainsAny(e.Pattern, "<> /") {
				t.Fatalf("bad entry %+v", e)
			}
			for _, h := range e.ProbeHosts {
				if h == "" || strings.ContainsAny(h, "*<> /") {
					t.Fatalf("bad probe host %q", h)
				}
			}
		}
	})
}

func TestPatternMatches(t *testing.T) {
	for _, c := range []struct {
		pattern, host string
		want          bool
	}{
		{"*.servicebus.windows.net", "cc-1.servicebus.windows.net", true},
		{"*.servicebus.windows.net", "CC-1.ServiceBus.Windows.Net.", true},
		{"*.servicebus.windows.net", "servicebus.windows.net", false},
		{"*.servicebus.windows.net", "xservicebus.windows.net", false},
		{"citrix.cloud.com", "citrix.cloud.com", true},
		{"citrix.cloud.com", "a.citrix.cloud.com", false},
	} {
		if got := PatternMatches(c.pattern, c.host); got != c.want {
			t.Errorf("PatternMatches(%q, %q) = %v", c.pattern, c.host, got)
		}
	}
}

// The allow list a firewall team pastes: each pattern and port once, the port kept when it
// is not 443, and the regions whose lists are known to be incomplete say so.
func TestAllowList(t *testing.T) {
	c, err := Load(Commercial, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, l := range c.Lines() {
		if seen[l] {
			t.Errorf("%s twice", l)
		}
		seen[l] = true
	}
	for _, want := range []string{"*.digicert.com:80", "*.digicert.com", "*.citrixworkspacesapi.net"} {
		if !seen[want] {
			t.Errorf("no line %q in %v", want, c.Lines())
		}
	}
	for _, a := range c.AllowList() {
		if a.Pattern == "*.citrixworkspacesapi.net" && !strings.Contains(a.Purpose, "Agent hub") {
			t.Errorf("merged entry lost a purpose: %+v", a)
		}
	}
	if c.KnownIncomplete != "" {
		t.Errorf("commercial known incomplete: %s", c.KnownIncomplete)
	}
	for _, n := range c.Info.Notes {
		if strings.Contains(n, "Japan") {
			t.Errorf("commercial carries another region's note: %s", n)
		}
	}
	for _, r := range []string{Japan, Government} {
		c, err := Load(r, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.KnownIncomplete == "" || c.Document().KnownIncomplete == nil {
			t.Errorf("%s: not marked incomplete", r)
		}
	}
}

// A catalog file holds at most MaxEntries entries and asks for at most MaxProbes probes.
func TestCatalogBounds(t *testing.T) {
	file := func(entries, hosts int) []byte {
		var es []string
		for i := 0; i < entries; i++ {
			var hs []string
			for j := 0; j < hosts; j++ {
				hs = append(hs, fmt.Sprintf("%q", fmt.Sprintf("h%d.x%d.example", j, i)))
			}
			es = append(es, fmt.Sprintf(`{"pattern":"*.x%d.example","probeHosts":[%s],"ports":[443],"purpose":"p","source":"s"}`, i, strings.Join(hs, ",")))
		}
		return []byte(`{"schema":"ccproxy/catalog@1","regions":{"commercial":[` + strings.Join(es, ",") + `]}}`)
	}
	if _, err := LoadNamed("c.json", Commercial, "", file(MaxEntries, 2)); err != nil {
		t.Fatalf("%d entries and %d probes refused: %v", MaxEntries, 2*MaxEntries, err)
	}
	for _, c := range []struct {
		data []byte
		want string
	}{
		{file(MaxEntries+1, 0), "1001 entries for region commercial, more than the 1000"},
		{file(10, 201), "2010 probes"},
	} {
		_, err := LoadNamed("c.json", Commercial, "", c.data)
		var ie *model.InputError
		if !errors.As(err, &ie) || ie.Input != "c.json" || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}
