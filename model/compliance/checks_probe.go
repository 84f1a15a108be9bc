package compliance

import (
	"fmt"
	"strings"
	"time"

	"ccproxy/model"
)

// servicesRouteReaches judges a check document of the machine ('test --check'): whether the
// route the services take (the legacy WinHTTP setting, 64-bit view: what
// WINHTTP_ACCESS_TYPE_DEFAULT_PROXY reads) reached every required endpoint, and, from a
// 'check --compare' run, which route to give them instead. A check of another route, or of
// another configuration than this state's, proves nothing about it: notChecked.
func (c *context) servicesRouteReaches() []Finding {
	k := c.o.Check
	if k == nil {
		return []Finding{finding(CheckServicesRouteReaches, StatusNotChecked,
			"no check document was given, so whether the services' route reaches Citrix Cloud is not known: run 'ccproxy check --compare --output check.json' on the machine and pass the file with --check")}
	}
	probed := "direct access"
	if k.Routing.Proxy != nil {
		probed = "proxy " + *k.Routing.Proxy
	}
	evidence := []Evidence{
		ev("check", k.Name), ev("check.startedAt", k.StartedAt.UTC().Format(time.RFC3339)), ev("check.source.host", orNull(model.Deref(k.Source.Host))),
		ev("check.routing.source", k.Routing.Source), ev("check.routing.proxy", orNull(model.Deref(k.Routing.Proxy))), ev("check.routing.bypass", orNull(model.Deref(k.Routing.Bypass))),
		ev("winhttp.native.mode", orNull(c.natMode)), ev("winhttp.native.proxy.raw", orNull(c.natProxy)), ev("winhttp.native.bypass.raw", orNull(c.natBypass)),
		ev("check.ok", k.OK), ev("check.counts.requiredPassed", k.Counts.RequiredPassed), ev("check.counts.required", k.Counts.Required),
	}
	if k.Compare != nil {
		evidence = append(evidence, ev("check.compare.working", strings.Join(k.Compare.Working, ", ")))
	}
	f := func(status, msg string) Finding { return finding(CheckServicesRouteReaches, status, msg, evidence...) }
	if k.Routing.Source != "winhttp" {
		return []Finding{f(StatusNotChecked, fmt.Sprintf("the check probed %s (given with --%s), not the services' WinHTTP route: run 'ccproxy check --compare' without --proxy or --direct", probed, map[string]string{"proxyFlag": "proxy", "direct": "direct"}[k.Routing.Source]))}
	}
	if c.natMode != "" {
		checked := k.Routing.Proxy == nil && c.natMode != "proxy"
		if k.Routing.Proxy != nil {
			checked = c.natMode == "proxy" && sameProxy(*k.Routing.Proxy, c.natProxy) && same(model.Deref(k.Routing.Bypass), c.natBypass)
		}
		if !checked {
			return []Finding{f(StatusNotChecked, fmt.Sprintf("the check probed %s, but this state's WinHTTP setting is %s: the check is of another configuration; run 'ccproxy check --compare' again", probed, describe(c.natMode, c.natProxy, c.natBypass)))}
		}
	}
	if why := c.checkNotEvidence(k); why != "" {
		return []Finding{f(StatusNotChecked, why)}
	}
	when := "the check of " + k.StartedAt.UTC().Format(time.RFC3339)
	if k.OK {
		return []Finding{f(StatusPass, fmt.Sprintf("in %s, the services' route (%s) reached all %d required endpoints", when, probed, k.Counts.Required))}
	}
	msg := fmt.Sprintf("in %s, the services' route (%s) did not pass: %d of %d required endpoints reached", when, probed, k.Counts.RequiredPassed, k.Counts.Required)
	switch {
	case k.Compare == nil:
		return []Finding{f(StatusFail, msg).fix("find a route that works: run 'ccproxy check --compare' on the machine and pass its document with --check", nil)}
	case k.CompareFix() != nil:
		return []Finding{f(StatusFail, msg+"; routes that reached everything: "+model.ListSome(k.Compare.Working, ", ")).
			fix("give the services a route that reached everything in the check; review the plan, apply it, and restart the connector's services", k.CompareFix())}
	case len(k.Compare.Working) > 0:
		return []Finding{f(StatusFail, msg+"; routes that reached everything: "+model.ListSome(k.Compare.Working, ", ")).
			fix("set WinHTTP to one of the routes that reached everything ('ccproxy plan --proxy ...'), then restart the connector's services", nil)}
	}
	return []Finding{f(StatusFail, msg+"; no route the machine knows reached everything").
		fix("ask the proxy and firewall teams to allow the endpoints 'ccproxy endpoints' lists, without authentication or TLS inspection, and CONNECT to IP addresses (R8)", nil)}
}

// region is the region this test judges: its catalog's, commercial by default.
func (c *context) region() string {
	if c.o.Catalog != nil && c.o.Catalog.Region != "" {
		return c.o.Catalog.Region
	}
	return "commercial"
}

// checkMaxSkew is how far apart a check and the state it is judged with may be. The check
// must be of the settings this state holds: the WinHTTP setting is compared above, but the
// network around it (proxy, firewall, DNS) changes too, so a check of another day is not
// evidence of today's route, and a check long after the state was read is not of it either.
const checkMaxSkew = 24 * time.Hour

// checkNotEvidence says why a check document of the services' route cannot complete the
// verdict, or "" when it can: its ok flag must agree with its own counts and results (a
// check passes only when every required endpoint did: probe's summarise), it must be of
// this machine when both name one, and of the same day as the state.
func (c *context) checkNotEvidence(k *model.CheckRun) string {
	// Inconsistent documents are judged notChecked rather than refused as bad input: the
	// document is a well-formed check, the test still says everything else it can, and the
	// verdict stays incomplete (exit 1) with the reason, never compliant.
	if len(k.Endpoints) > 0 {
		required, passed := 0, 0
		for _, e := range k.Endpoints {
			if e.Required {
				required++
				if e.Status == "pass" {
					passed++
				}
			}
		}
		if required != k.Counts.Required || passed != k.Counts.RequiredPassed {
			return fmt.Sprintf("the check document %s is inconsistent: its counts say %d of %d required endpoints passed, its endpoints %d of %d; it is not evidence: run 'ccproxy check --compare' again", k.Name, k.Counts.RequiredPassed, k.Counts.Required, passed, required)
		}
	}
	// A check of another region's endpoints says nothing of this region's (test --region).
	if cr, tr := k.RegionName(), c.region(); cr != "" && tr != "" && !strings.EqualFold(cr, tr) {
		return fmt.Sprintf("the check probed the %s region's endpoints, and this test judges the %s region's: run 'ccproxy check --compare --region %s', or test with --region %s", cr, tr, tr, cr)
	}
	if why := k.CheckOKContradiction(); why != "" {
		return fmt.Sprintf("the check document %s is inconsistent: %s; it is not evidence: run 'ccproxy check --compare' again", k.Name, why)
	}
	if k.OK && (k.Counts.Required == 0 || k.Counts.RequiredPassed != k.Counts.Required) {
		return fmt.Sprintf("the check document %s is inconsistent: it says ok, but %d of %d required endpoints passed; it is not evidence: run 'ccproxy check --compare' again", k.Name, k.Counts.RequiredPassed, k.Counts.Required)
	}
	if ch, sh := model.Deref(k.Source.Host), model.Deref(c.st.Source.Host); ch != "" && sh != "" && !strings.EqualFold(ch, sh) {
		// Windows computer names are case-insensitive.
		return fmt.Sprintf("the check is of another machine (%s), not of this state's %s: run 'ccproxy check --compare' on %s", ch, sh, sh)
	}
	if read := c.st.Source.ReadAt; !read.IsZero() {
		d := k.StartedAt.Sub(read)
		if d < 0 {
			d = -d
		}
		if d > checkMaxSkew {
			return fmt.Sprintf("the check of %s is more than %s apart from this state (read at %s): it is not evidence of the route now; run 'ccproxy check --compare' again",
				k.StartedAt.UTC().Format(time.RFC3339), "24 hours", read.UTC().Format(time.RFC3339))
		}
	}
	return ""
}
