package catalog

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"ccproxy/jsonin"
	"ccproxy/model"
)

// file is the ccproxy/catalog@1 data file. Optional fields are pointers or nil slices so
// that defaults can be told from explicit values.
type file struct {
	name    string
	Schema  string      `json:"schema"`
	Updated *string     `json:"updated"`
	Notes   []string    `json:"notes"`
	Regions fileRegions `json:"regions"`
	// warnings from reading the bytes (a Windows-1252 guess), kept as notes.
	warnings []string
}

type fileRegions struct {
	Commercial []fileEntry `json:"commercial"`
	Japan      []fileEntry `json:"japan"`
	Government []fileEntry `json:"government"`
}

func (r fileRegions) get(region string) []fileEntry {
	switch region {
	case Japan:
		return r.Japan
	case Government:
		return r.Government
	}
	return r.Commercial
}

type fileEntry struct {
	Pattern         string   `json:"pattern"`
	ProbeHosts      []string `json:"probeHosts"`
	Ports           []int    `json:"ports"`
	Purpose         string   `json:"purpose"`
	Source          string   `json:"source"`
	Kind            string   `json:"kind"`
	ExpectedIssuers []string `json:"expectedIssuers"`
	HealthPath      *string  `json:"healthPath"`
	Required        *bool    `json:"required"`
}

var entrySpec = jsonin.Object(
	jsonin.Required("pattern", jsonin.String()),
	jsonin.Key("probeHosts", jsonin.List(jsonin.String())),
	jsonin.Key("ports", jsonin.List(jsonin.Int(1, 65535))),
	jsonin.Required("purpose", jsonin.String()),
	jsonin.Required("source", jsonin.String()),
	jsonin.Key("kind", jsonin.Enum(KindHTTPS, KindRevocation)),
	jsonin.Key("expectedIssuers", jsonin.List(jsonin.String())),
	jsonin.Key("healthPath", jsonin.String().Nullable()),
	jsonin.Key("required", jsonin.Bool()),
)

var fileSpec = jsonin.Object(
	jsonin.Required("schema", jsonin.Enum(Schema)),
	jsonin.Key("updated", jsonin.String().Nullable()),
	jsonin.Key("notes", jsonin.List(jsonin.String())),
	jsonin.Required("regions", jsonin.Object(
		jsonin.Key(Commercial, jsonin.List(entrySpec)),
		jsonin.Key(Japan, jsonin.List(entrySpec)),
		jsonin.Key(Government, jsonin.List(entrySpec)),
	)),
)

// sniffShape tells a ccproxy catalog (it has "schema" or "regions") from Citrix's list.
// Text that is not a JSON object is left to the ccproxy reader, whose errors say why.
func sniffShape(text []byte) string {
	var top map[string]json.RawMessage
	if json.Unmarshal(text, &top) != nil {
		return FormatCcproxy
	}
	for k := range top {
		if strings.EqualFold(k, "schema") || strings.EqualFold(k, "regions") {
			return FormatCcproxy
		}
	}
	return FormatCitrix
}

// parseCcproxy reads a ccproxy/catalog@1 file from text that jsonin.Decode returned.
func parseCcproxy(name string, text []byte) (*file, error) {
	canonical, err := jsonin.Normalize(name, text, fileSpec)
	if err != nil {
		return nil, err
	}
	f := &file{name: name}
	if err := json.Unmarshal(canonical, f); err != nil {
		return nil, inputErr(name, "", "%v", err) // fileSpec and file disagree: a program mistake
	}
	return f, nil
}

func inputErr(name, path, format string, args ...any) error {
	return &model.InputError{Input: name, Place: path, Msg: fmt.Sprintf(format, args...)}
}

// catalog builds the entries of one region, filling the customer id.
func (f *file) catalog(region, id string, info Info) (Catalog, error) {
	fes := f.Regions.get(region)
	if len(fes) == 0 {
		return Catalog{}, inputErr(f.name, "$.regions."+region, "no entries for region %s; hint: add them, or choose another --region", region)
	}
	info.Updated = f.Updated
	info.Notes = append(append([]string{}, f.Notes...), f.warnings...)
	c := Catalog{Region: region, CustomerID: id, Info: info, Entries: []Entry{}}
	for i, fe := range fes {
		e, err := fe.entry(f.name, "$.regions."+region+"["+strconv.Itoa(i)+"]", id)
		if err != nil {
			return Catalog{}, err
		}
		c.Entries = append(c.Entries, e)
	}
	c.Info.Notes = append(c.Info.Notes, customerNotes(c.Entries, id)...)
	return c, nil
}

func (fe fileEntry) entry(name, path, id string) (Entry, error) {
	e := Entry{Purpose: strings.TrimSpace(fe.Purpose), Source: strings.TrimSpace(fe.Source), Kind: fe.Kind, HealthPath: fe.HealthPath, Required: true}
	if e.Purpose == "" {
		return e, inputErr(name, path+".purpose", "empty; hint: say what the address is for")
	}
	if e.Source == "" {
		return e, inputErr(name, path+".source", "empty; hint: say where the address comes from (a document, a script)")
	}
	filled, needs := fill(fe.Pattern, id, "*")
	p, why := checkHost(filled, true)
	if why != "" {
		return e, inputErr(name, path+".pattern", "%q: %s", fe.Pattern, why)
	}
	e.Pattern, e.NeedsCustomerID = p, needs
	if e.Kind == "" {
		e.Kind = KindHTTPS
	}
	e.ProbeHosts = []string{}
	if fe.ProbeHosts == nil && !strings.Contains(p, "*") && (!needs || id != "") {
		e.ProbeHosts = append(e.ProbeHosts, p)
	}
	for i, h := range fe.ProbeHosts {
		where := path + ".probeHosts[" + strconv.Itoa(i) + "]"
		// Checked with a stand-in id so that a bad host is reported even without --customer-id.
		trial, hasID := fill(h, "customer", "")
		if _, why := checkHost(trial, false); why != "" {
			return e, inputErr(name, where, "%q: %s", h, why)
		}
		if hasID {
			e.NeedsCustomerID = true
			if id == "" {
				continue
			}
		}
		got, _ := fill(h, id, "")
		host, _ := checkHost(got, false)
		e.ProbeHosts = append(e.ProbeHosts, host)
	}
	switch {
	case fe.Ports == nil && e.Kind == KindRevocation:
		e.Ports = []int{80}
	case fe.Ports == nil:
		e.Ports = []int{443}
	case len(fe.Ports) == 0:
		return e, inputErr(name, path+".ports", "empty; hint: list at least one port, such as [443]")
	default:
		e.Ports = append([]int{}, fe.Ports...)
	}
	e.ExpectedIssuers = []string{}
	for i, s := range fe.ExpectedIssuers {
		s = strings.TrimSpace(s)
		if s == "" {
			return e, inputErr(name, path+".expectedIssuers["+strconv.Itoa(i)+"]", "empty; hint: a word the issuer's name contains, such as DigiCert")
		}
		e.ExpectedIssuers = append(e.ExpectedIssuers, s)
	}
	if hp := fe.HealthPath; hp != nil {
		if !strings.HasPrefix(*hp, "/") || strings.ContainsAny(*hp, " \t\r\n") {
			return e, inputErr(name, path+".healthPath", "%q: not a URL path; hint: start it with '/', such as /root/ping", *hp)
		}
	}
	if fe.Required != nil {
		e.Required = *fe.Required
	}
	return e, nil
}

// customerNotes says what a missing customer id leaves out.
func customerNotes(entries []Entry, id string) []string {
	if id != "" {
		return nil
	}
	var pats []string
	for _, e := range entries {
		if e.NeedsCustomerID {
			pats = append(pats, e.Pattern)
		}
	}
	if len(pats) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("no --customer-id: the customer-specific hosts of %s are not probed, and customer-specific patterns use * instead", strings.Join(pats, ", "))}
}
