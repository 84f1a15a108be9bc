package ops

import (
	"errors"
	"fmt"
	"strings"

	"ccproxy/jsonin"
	"ccproxy/model"
	"ccproxy/model/catalog"
	"ccproxy/probe"
)

// catalogTargets turns the region's catalog entries into targets: every probe host on
// every port of its entry.
func (c *Check) catalogTargets() ([]probe.Target, probe.CatalogInfo, error) {
	info := probe.CatalogInfo{Source: "embedded", Notes: []string{}}
	cat, name, err := c.Catalog.Load(c.Stdin)
	if err != nil {
		return nil, info, err
	}
	if c.Catalog.File != "" {
		info.Source, info.Path = "file", model.Ptr(name)
	}
	info.Format, info.Updated = cat.Info.Format, cat.Info.Updated
	info.Notes = append(info.Notes, cat.Info.Notes...)
	var out []probe.Target
	for _, e := range cat.Entries {
		if len(e.ProbeHosts) == 0 {
			// The catalog's own note already covers hosts waiting for a customer id.
			if !e.NeedsCustomerID || c.Catalog.CustomerID != "" {
				info.Notes = append(info.Notes, e.Pattern+": the catalog names no concrete host to probe; only an allow list can cover it")
			}
			continue
		}
		kind := probe.KindHTTPS
		if e.Kind == catalog.KindRevocation {
			kind = probe.KindHTTP
		}
		health := ""
		if e.HealthPath != nil {
			health = *e.HealthPath
		}
		for _, h := range e.ProbeHosts {
			for _, p := range e.Ports {
				out = append(out, probe.Target{
					Host: h, Port: p, Kind: kind, Purpose: e.Purpose, Required: e.Required,
					ExpectedIssuers: e.ExpectedIssuers, HealthPath: health, Source: probe.SourceCatalog,
				})
			}
		}
	}
	sb, err := c.serviceBusTargets(cat)
	if err != nil {
		return nil, info, err
	}
	out = append(out, sb...)
	info.Entries = len(out)
	return out, info, nil
}

// serviceBusTargets probes each --service-bus namespace as the catalog's Service Bus entry
// says (443, its expected issuers), and on Azure Relay's other ports as optional.
func (c *Check) serviceBusTargets(cat catalog.Catalog) ([]probe.Target, error) {
	var out []probe.Target
	for _, v := range c.ServiceBus {
		host := strings.ToLower(strings.TrimSpace(v))
		if host != "" && !strings.Contains(host, ".") {
			host += "." + serviceBusSuffix(cat)
		}
		t, err := probe.ParseTarget(host, probe.SourceServiceBus)
		if err != nil || strings.Contains(v, ":") || strings.Contains(v, "/") {
			return nil, &model.InputError{Input: "--service-bus", Msg: fmt.Sprintf("%s is not a namespace; hint: give its name or host, such as cc-example.servicebus.windows.net, without a port or URL", jsonin.Quote(jsonin.RedactProxyEntry(v)))}
		}
		t.Purpose = "Azure Service Bus namespace given with --service-bus"
		for _, e := range cat.Entries {
			if catalog.PatternMatches(e.Pattern, t.Host) {
				t.Purpose, t.ExpectedIssuers, t.Required = e.Purpose, e.ExpectedIssuers, e.Required
				break
			}
		}
		out = append(out, t)
		for _, p := range probe.ServiceBusOptionalPorts {
			out = append(out, probe.Target{Host: t.Host, Port: p, Kind: probe.KindTCP, Source: probe.SourceServiceBus,
				Purpose: fmt.Sprintf("optional, not in Citrix's documentation: Azure Relay port %d (Microsoft, Azure Relay port settings; Hybrid Connections use 443)", p)})
		}
	}
	return out, nil
}

// serviceBusSuffix is the Service Bus domain of the catalog's region.
func serviceBusSuffix(cat catalog.Catalog) string {
	for _, e := range cat.Entries {
		if rest, ok := strings.CutPrefix(e.Pattern, "*."); ok && strings.HasPrefix(rest, "servicebus.") {
			return rest
		}
	}
	return "servicebus.windows.net"
}

func (c *Check) extraTargets() ([]probe.Target, error) {
	var out []probe.Target
	for _, f := range []struct {
		flag, source string
		values       []string
	}{{"--host", probe.SourceHost, c.Host}, {"--internal", probe.SourceInternal, c.Internal}} {
		for _, v := range f.values {
			t, err := probe.ParseTarget(v, f.source)
			if err != nil {
				return nil, flagValueError(f.flag, err)
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// dedupeTargets keeps the first of targets that probe the same thing; a later --internal
// for the same address still marks it as expected to go direct.
func dedupeTargets(ts []probe.Target) []probe.Target {
	out := []probe.Target{}
	at := map[string]int{}
	for _, t := range ts {
		k := t.Kind + " " + t.Address() + t.HealthPath
		if i, ok := at[k]; ok {
			out[i].ExpectDirect = out[i].ExpectDirect || t.ExpectDirect
			out[i].Required = out[i].Required || t.Required
			continue
		}
		at[k] = len(out)
		out = append(out, t)
	}
	return out
}

// flagValueError is the input error for a flag value that probe cannot read. A flag value is
// one host, URL or proxy, so it is shown redacted as one value (its userinfo up to its last
// '@', as the logged command line does), never by the proxy-list rule, which would stop at a
// space inside the password.
func flagValueError(flag string, err error) error {
	var te *probe.TargetError
	if errors.As(err, &te) {
		return &model.InputError{Input: flag, Msg: jsonin.Quote(jsonin.RedactProxyEntry(te.Value)) + ": " + te.Msg}
	}
	return &model.InputError{Input: flag, Msg: err.Error()}
}
