package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"ccproxy/jsonin"
)

// citrixSection is one section of Citrix's allow list.
type citrixSection struct {
	Name            string
	AllowList       []string        `json:"AllowList"`
	LatestChangeLog json.RawMessage `json:"LatestChangeLog"`
}

var citrixSpec = jsonin.Map(jsonin.Object(
	jsonin.Required("AllowList", jsonin.List(jsonin.String())),
	jsonin.Key("LatestChangeLog", jsonin.Any()),
))

// parseCitrix reads Citrix's allow list from text that jsonin.Decode returned, keeping the
// order of its sections, which a Go map would lose.
func parseCitrix(name string, text []byte) ([]citrixSection, error) {
	canonical, err := jsonin.Normalize(name, text, citrixSpec)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(canonical))
	if _, err := dec.Token(); err != nil {
		return nil, inputErr(name, "", "not a JSON object")
	}
	var out []citrixSection
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, inputErr(name, "", "%v", err)
		}
		s := citrixSection{Name: tok.(string)}
		if err := dec.Decode(&s); err != nil {
			return nil, inputErr(name, "$."+s.Name, "%v", err)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, inputErr(name, "", "no sections; hint: pass Citrix's allow-list JSON (sections with an AllowList array) or a ccproxy/catalog@1 file")
	}
	return out, nil
}

// citrixCatalog turns the allow list into entries. The list gives only host patterns, so
// ports, kinds, issuers and probe hosts come from the embedded entry with the same pattern
// (or the first embedded pattern covering a concrete host); anything else is HTTPS on 443
// with no known issuer. warnings, from reading the bytes, become notes.
func citrixCatalog(name, region, id string, sections []citrixSection, warnings []string) (Catalog, error) {
	ref, err := embeddedEntries(region, id)
	if err != nil {
		return Catalog{}, err
	}
	type merged struct {
		pattern  string
		sections []string
		needs    bool
	}
	var order []*merged
	byPattern := map[string]*merged{}
	for _, s := range sections {
		for i, h := range s.AllowList {
			where := sectionPath(s.Name) + ".AllowList[" + strconv.Itoa(i) + "]"
			filled, needs := fill(h, id, "*")
			p, why := checkHost(filled, true)
			if why != "" {
				return Catalog{}, inputErr(name, where, "%q: %s", h, why)
			}
			m := byPattern[p]
			if m == nil {
				m = &merged{pattern: p}
				byPattern[p] = m
				order = append(order, m)
			}
			if len(m.sections) == 0 || m.sections[len(m.sections)-1] != s.Name {
				m.sections = append(m.sections, s.Name)
			}
			m.needs = m.needs || needs
		}
	}
	if len(order) == 0 {
		return Catalog{}, inputErr(name, "", "every AllowList is empty; hint: pass Citrix's published allow list")
	}
	c := Catalog{Region: region, CustomerID: id, Info: Info{
		Source: name, Format: FormatCitrix,
		Notes: append([]string{fmt.Sprintf("Citrix's allow list does not name its region: its %d sections are used for region %s", len(sections), region)}, warnings...),
	}, Entries: []Entry{}}
	for _, m := range order {
		purpose := "Citrix allow list: " + strings.Join(m.sections, ", ")
		source := "Citrix allow list " + name
		var same []Entry
		for _, r := range ref {
			if r.Pattern == m.pattern {
				same = append(same, r)
			}
		}
		if len(same) > 0 {
			for _, r := range same {
				e := r
				e.Purpose, e.Source = purpose, source+"; probe hosts, ports and issuers from the embedded catalog"
				e.NeedsCustomerID = r.NeedsCustomerID || m.needs
				e.Required = true
				c.Entries = append(c.Entries, e)
			}
			continue
		}
		e := Entry{Pattern: m.pattern, ProbeHosts: []string{}, Ports: []int{443}, Purpose: purpose, Source: source, NeedsCustomerID: m.needs, Kind: KindHTTPS, ExpectedIssuers: []string{}, Required: true}
		if !strings.Contains(m.pattern, "*") {
			e.ProbeHosts = append(e.ProbeHosts, m.pattern)
			if r := coveringEntry(ref, m.pattern); r != nil {
				e.Kind, e.Ports, e.ExpectedIssuers = r.Kind, append([]int{}, r.Ports...), append([]string{}, r.ExpectedIssuers...)
				if contains(r.ProbeHosts, m.pattern) {
					e.HealthPath = r.HealthPath
				}
				e.Source += "; ports and issuers from the embedded entry " + r.Pattern
			}
		}
		c.Entries = append(c.Entries, e)
	}
	c.Info.Notes = append(c.Info.Notes, customerNotes(c.Entries, id)...)
	return c, nil
}

func embeddedEntries(region, id string) ([]Entry, error) {
	f, err := parseCcproxy("embedded catalog", embedded)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for i, fe := range f.Regions.get(region) {
		e, err := fe.entry(f.name, "$.regions."+region+"["+strconv.Itoa(i)+"]", id)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// coveringEntry prefers an entry that lists host as a probe host, then an HTTPS entry,
// then any entry whose pattern covers host.
func coveringEntry(ref []Entry, host string) *Entry {
	var https, any *Entry
	for i := range ref {
		r := &ref[i]
		if !covers(r.Pattern, host) {
			continue
		}
		if contains(r.ProbeHosts, host) {
			return r
		}
		if https == nil && r.Kind == KindHTTPS {
			https = r
		}
		if any == nil {
			any = r
		}
	}
	if https != nil {
		return https
	}
	return any
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sectionPath(name string) string {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return "$[" + strconv.Quote(name) + "]"
		}
	}
	if name == "" {
		return `$[""]`
	}
	return "$." + name
}
