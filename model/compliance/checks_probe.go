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
			checked = c.natMode == "proxy" && same(*k.Routing.Proxy, c.natProxy) && same(model.Deref(k.Routing.Bypass), c.natBypass)
		}
		if !checked {
			return []Finding{f(StatusNotChecked, fmt.Sprintf("the check probed %s, but this state's WinHTTP setting is %s: the check is of another configuration; run 'ccproxy check --compare' again", probed, describe(c.natMode, c.natProxy, c.natBypass)))}
		}
	}
	when := "the check of " + k.StartedAt.UTC().Format(time.RFC3339)
	if k.OK {
		return []Finding{f(StatusPass, fmt.Sprintf("in %s, the services' route (%s) reached all %d required endpoints", when, probed, k.Counts.Required))}
	}
	msg := fmt.Sprintf("in %s, the services' route (%s) did not pass: %d of %d required endpoints reached", when, probed, k.Counts.RequiredPassed, k.Counts.Required)
	switch {
	case k.Compare == nil:
		return []Finding{f(StatusFail, msg).fix("find a route that works: run 'ccproxy check --compare' on the machine and pass its document with --check", nil)}
	case k.Compare.Fix != nil:
		return []Finding{f(StatusFail, msg+"; routes that reached everything: "+strings.Join(k.Compare.Working, ", ")).
			fix("give the services a route that reached everything in the check; review the plan, apply it, and restart the connector's services", k.Compare.Fix)}
	case len(k.Compare.Working) > 0:
		return []Finding{f(StatusFail, msg+"; routes that reached everything: "+strings.Join(k.Compare.Working, ", ")).
			fix("set WinHTTP to one of the routes that reached everything ('ccproxy plan --proxy ...'), then restart the connector's services", nil)}
	}
	return []Finding{f(StatusFail, msg+"; no route the machine knows reached everything").
		fix("ask the proxy and firewall teams to allow the endpoints 'ccproxy endpoints' lists, without authentication or TLS inspection, and CONNECT to IP addresses (R8)", nil)}
}
