package compliance

import (
	"fmt"
	"strings"
	"time"

	"ccproxy/jsonin"
	"ccproxy/model"
	"ccproxy/model/bypass"
	"ccproxy/model/catalog"
)

// winhttpProxyUsable: the services reach Citrix Cloud over HTTPS (R1), through the entry
// WinHTTP picks for https URLs.
func (c *context) winhttpProxyUsable() []Finding {
	id := CheckWinHTTPProxyUsable
	n := c.st.WinHTTP.Native
	var perHTTPS, perHTTP any
	if n.Proxy != nil {
		perHTTPS, perHTTP = deref(n.Proxy.PerScheme.HTTPS), deref(n.Proxy.PerScheme.HTTP)
	}
	evidence := []Evidence{ev("winhttp.native.mode", orNull(c.natMode)), ev("winhttp.native.proxy.raw", orNull(c.natProxy)), ev("winhttp.native.proxy.perScheme.https", perHTTPS), ev("winhttp.native.proxy.perScheme.http", perHTTP)}
	switch c.natMode {
	case "":
		return []Finding{finding(id, StatusNotChecked, c.noWinHTTP(), evidence...)}
	case "direct":
		return []Finding{finding(id, StatusNotApplicable, "WinHTTP uses no proxy", evidence...)}
	}
	p := bypass.ParseProxy(c.natProxy)
	e := p.For("https")
	// An entry the services can use instead, for the remediation.
	var alt *bypass.ProxyEntry
	for i := range p.Entries {
		x := &p.Entries[i]
		if x.Host != "" && usableScheme(x) && (x.Scheme == "" || x.Scheme == "http" || x.Scheme == "https") {
			alt = x
			break
		}
	}
	fixWith := func(summary string, entry *bypass.ProxyEntry) *Remediation {
		if entry == nil {
			return &Remediation{Summary: summary + ": set a proxy the services can use, for example 'ccproxy plan --proxy HOST:PORT'"}
		}
		addr := plainAddress(entry)
		return &Remediation{Summary: summary + ": use " + addr + " for every scheme", Command: c.planCommand(setArgs(addr, c.natBypass)...)}
	}
	fail := func(msg, summary string, entry *bypass.ProxyEntry) []Finding {
		f := finding(id, StatusFail, msg, evidence...)
		f.Remediation = fixWith(summary, entry)
		return []Finding{f}
	}
	switch {
	case e == nil:
		return fail("the proxy string "+c.natProxy+" has no entry for https URLs and no bare entry: WinHTTP sends the services' HTTPS traffic to Citrix Cloud directly, past the proxy", "give https URLs a proxy", alt)
	case e.Host == "":
		return fail("the proxy entry WinHTTP uses for https URLs is not usable: "+e.Note, "correct the proxy string", alt)
	case !usableScheme(e):
		return fail("the proxy entry WinHTTP uses for https URLs is a SOCKS proxy ("+e.Address()+"), which WinHTTP does not support", "use an HTTP proxy", alt)
	case e.ProxyScheme == "https":
		plain := *e
		plain.ProxyScheme = ""
		return fail("the proxy entry for https URLs is written https://"+e.Address()+": a TLS connection to the proxy itself, which the connector's WinHTTP services do not support; they speak plain HTTP to the proxy and tunnel TLS with CONNECT", "write the proxy without https://", &plain)
	}
	if hits, bad := c.cloudBypassed(); len(hits) > 0 {
		f := finding(id, StatusFail, fmt.Sprintf("WinHTTP's bypass list sends the services to Citrix Cloud directly, past the proxy, which a network that allows outbound traffic only through the proxy (R1) refuses: %s", model.ListSome(hits, "; ")),
			append(evidence, ev("winhttp.native.bypass.raw", orNull(c.natBypass)))...)
		keep := c.keepInternal(c.natBypass, bad)
		f.Remediation = &Remediation{Summary: "remove the bypass entries that match Citrix Cloud addresses from WinHTTP's bypass list, so the services reach Citrix Cloud through the proxy",
			Command: c.planCommand(setArgs(c.natProxy, strings.Join(keep, ";"))...)}
		return []Finding{f}
	}
	var warns []string
	if e.Port == 0 {
		warns = append(warns, "the https proxy "+e.Address()+" has no port, so WinHTTP connects to port 80")
	}
	h := p.For("http")
	switch {
	case h == nil:
		warns = append(warns, "http URLs have no proxy entry and go direct, so certificate revocation checks on port 80 (R1) bypass the proxy")
	case h.Host == "" || !usableScheme(h) || h.ProxyScheme == "https":
		warns = append(warns, "the proxy entry for http URLs ("+h.Address()+") is not usable by WinHTTP, so certificate revocation checks on port 80 may fail")
	}
	if len(warns) > 0 {
		f := finding(id, StatusWarn, "WinHTTP sends https URLs through "+e.Address()+", but "+strings.Join(warns, "; "), evidence...)
		f.Severity = SeverityMedium
		f.Remediation = fixWith("use one proxy, with its port, for every scheme", e)
		if e.Port == 0 {
			f.Remediation = &Remediation{Summary: "write the proxy with its port, for example 'ccproxy plan --proxy " + e.Host + ":8080'"}
		}
		return []Finding{f}
	}
	return []Finding{finding(id, StatusPass, "WinHTTP sends https URLs through "+e.Address()+" and http URLs through "+h.Address(), evidence...)}
}

func usableScheme(e *bypass.ProxyEntry) bool {
	return e.ProxyScheme != "socks" && !(e.ProxyScheme == "" && e.Scheme == "socks")
}

// plainAddress is host:port with the port made explicit, for a bare proxy entry.
func plainAddress(e *bypass.ProxyEntry) string {
	x := *e
	x.Port = e.EffectivePort()
	if e.ProxyScheme == "https" && e.Port == 0 {
		x.Port = 443
	}
	x.ProxyScheme = ""
	return x.Address()
}

// noProxyCredentials: the connector supports only an unauthenticated proxy, and user:pass@
// is not part of the Windows proxy syntax at all.
func (c *context) noProxyCredentials() []Finding {
	id := CheckNoProxyCredentials
	st := c.st
	evidence := []Evidence{}
	var where, winhttpViews []string
	known := false
	for _, v := range []struct {
		name, path, words string
		known             bool
		doc               *model.ProxyDoc
	}{
		{ViewNative, "winhttp.native", "the 64-bit WinHTTP view", st.WinHTTP.Native.Known, st.WinHTTP.Native.Proxy},
		{ViewWOW64, "winhttp.wow64", "the 32-bit WinHTTP view", st.WinHTTP.WOW64.Known, st.WinHTTP.WOW64.Proxy},
		{"wininet", "wininet", "the WinINet settings of " + c.owner, st.WinINet.Known, st.WinINet.Proxy},
	} {
		if !v.known {
			continue
		}
		known = true
		creds := false
		if v.doc != nil {
			for _, e := range v.doc.Entries {
				creds = creds || e.HasCredentials
			}
		}
		evidence = append(evidence, ev(v.path+".proxy.raw", rawOf(v.doc)))
		if creds {
			where = append(where, v.words)
			if v.name != "wininet" {
				winhttpViews = append(winhttpViews, v.name)
			}
		}
	}
	if !known {
		return []Finding{finding(id, StatusNotChecked, "the source holds no proxy settings", evidence...)}
	}
	if len(where) == 0 {
		return []Finding{finding(id, StatusPass, "no user name or password in the proxy strings", evidence...)}
	}
	f := finding(id, StatusFail, "a user name and password (shown as ***) are in the proxy string of "+joinAnd(where)+": Windows does not read credentials from a proxy string, and the connector supports only an unauthenticated proxy", evidence...)
	if len(winhttpViews) > 0 {
		raw := st.WinHTTP.Native.Proxy
		byp := c.natBypass
		if winhttpViews[0] == ViewWOW64 {
			raw, byp = st.WinHTTP.WOW64.Proxy, bypassRaw(st.WinHTTP.WOW64.Bypass)
		}
		summary := "write the proxy without credentials and let the services through unauthenticated (an allow rule on the proxy for the connector machines)"
		if len(winhttpViews) < len(where) {
			summary += "; remove them from Internet Options for " + c.owner + " as well"
		}
		return []Finding{f.fix(summary, c.planCommand(setArgs(proxyString(proxyRaw(raw)), byp, winhttpViews...)...))}
	}
	return []Finding{f.fix("remove the credentials from the proxy in Internet Options for "+c.owner+"; the connector needs a proxy that lets it through unauthenticated", nil)}
}

func joinAnd(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func rawOf(d *model.ProxyDoc) any {
	if d == nil {
		return nil
	}
	return d.Raw
}

// restartNotPending: services read WinHTTP settings when they start (R5), so a change
// after the last boot has not reached them yet.
func (c *context) restartNotPending() []Finding {
	id := CheckRestartNotPending
	boot, kw := c.st.Source.Boot, c.st.WinHTTP.Native.KeyLastWrite
	evidence := []Evidence{ev("source.bootTime", timeValue(boot)), ev("winhttp.native.keyLastWrite", timeValue(kw))}
	switch {
	case boot == nil && kw == nil:
		return []Finding{finding(id, StatusNotChecked, "the source records neither the boot time nor when the WinHTTP settings last changed (only the live registry and state documents read from it do)", evidence...)}
	case boot == nil:
		return []Finding{finding(id, StatusNotChecked, "the source does not record the boot time", evidence...)}
	case kw == nil:
		return []Finding{finding(id, StatusNotChecked, "the source does not record when the WinHTTP settings last changed", evidence...)}
	case kw.After(*boot):
		return []Finding{finding(id, StatusFail, "the WinHTTP settings changed at "+kw.UTC().Format(time.RFC3339)+", after the last boot at "+boot.UTC().Format(time.RFC3339)+": the connector services still run with the settings they read at startup", evidence...).
			fix("restart the machine (Restart-Computer) so that the connector services start with the new settings", nil)}
	}
	return []Finding{finding(id, StatusPass, "the WinHTTP settings last changed at "+kw.UTC().Format(time.RFC3339)+", before the last boot at "+boot.UTC().Format(time.RFC3339), evidence...)}
}

func timeValue(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

// internalBypassed: R7, internal resources sent to the proxy by mistake fail; each is
// routed exactly as 'ccproxy route' routes it.
func (c *context) internalBypassed() []Finding {
	id := CheckInternalBypassed
	if len(c.o.Internal) == 0 {
		return []Finding{finding(id, StatusNotChecked, "no internal resources were named: pass the domain controllers, other connectors, VDAs, hypervisors and Provisioning servers with --internal HOST or --internal-file FILE")}
	}
	s, err := settingsFor(c.st, bypass.StackWinHTTP, ViewNative)
	var imp *routeSettings
	if err == nil && c.natMode == "direct" && c.ieManual && !c.directProven() {
		// After the import the installer's proxy applies; say now which hosts it would catch.
		x := routeSettings{stack: bypass.StackWinHTTP, proxy: bypass.ParseProxy(c.ieProxy), list: bypass.Parse(c.importedBypass())}
		imp = &x
	}
	var out []Finding
	for _, host := range c.o.Internal {
		subject := host
		base := []Evidence{ev("internal", host), ev("winhttp.native.mode", orNull(c.natMode)), ev("winhttp.native.proxy.raw", orNull(c.natProxy)), ev("winhttp.native.bypass.raw", orNull(c.natBypass))}
		mk := func(status, msg string, evidence []Evidence) Finding {
			f := finding(id, status, msg, evidence...)
			f.ID, f.Subject = id+":"+subject, &subject
			return f
		}
		if err != nil {
			out = append(out, mk(StatusNotChecked, c.noWinHTTP(), base))
			continue
		}
		r, rerr := s.route(host)
		if rerr != nil {
			out = append(out, mk(StatusNotChecked, "cannot route "+host+": "+rerr.Error(), base))
			continue
		}
		evidence := append(base, ev("route.decision", r.Decision), ev("route.bypass.reason", r.Bypass.Reason), ev("route.bypass.entry", deref(r.Bypass.Entry)))
		entry := bypassEntryFor(r)
		switch {
		case r.Decision == "proxy":
			out = append(out, mk(StatusFail, "WinHTTP sends "+r.URL+" through the proxy "+r.Proxy.Address+": no bypass entry matches "+r.Host, evidence).
				fix("add "+entry+" to the WinHTTP bypass list (CTX241222), then restart the machine (R5)", c.planCommand("--add-bypass", entry)))
		case c.natMode == "direct" && imp != nil:
			// Judged as the fix would leave it, by the same rules as WinHTTP's own list.
			after, aerr := imp.route(host)
			base, _ := c.importBase()
			switch {
			case aerr != nil:
				out = append(out, mk(StatusPass, "WinHTTP uses no proxy: "+r.URL+" goes direct", evidence))
			case after.Decision == "proxy":
				out = append(out, mk(StatusWarn, "WinHTTP is direct now, but after importing the installer's proxy ("+CheckInstallerProxyInServices+") "+r.URL+" would go through "+after.Proxy.Address+": the installer's bypass list does not cover "+r.Host, evidence).
					fix("import the installer's settings with "+entry+" added to the bypass list", c.planCommand(append(append([]string{}, base...), "--add-bypass", entry)...)))
			case after.Bypass.Caveat != nil:
				f := mk(StatusWarn, "WinHTTP is direct now; after importing the installer's proxy ("+CheckInstallerProxyInServices+") it would bypass the proxy for "+r.URL+" only by the "+*after.Bypass.Caveat, evidence)
				f.Severity = SeverityMedium
				out = append(out, f.fix("import the installer's settings with "+entry+" itself added to the bypass list, so the decision does not rest on that wildcard", c.planCommand(append(append([]string{}, base...), "--add-bypass", entry)...)))
			case after.Bypass.Bypassed:
				out = append(out, mk(StatusPass, "WinHTTP uses no proxy, and after importing the installer's proxy "+r.URL+" would still go direct: "+bypassWords(after), evidence))
			default:
				out = append(out, mk(StatusPass, "WinHTTP uses no proxy, and after importing the installer's proxy "+r.URL+" would still go direct: "+bypassWords(after), evidence))
			}
		case c.natMode == "direct":
			out = append(out, mk(StatusPass, "WinHTTP uses no proxy: "+r.URL+" goes direct", evidence))
		case r.Bypass.Caveat != nil:
			f := mk(StatusWarn, "WinHTTP bypasses the proxy for "+r.URL+" only by the "+*r.Bypass.Caveat, evidence)
			f.Severity = SeverityMedium
			out = append(out, f.
				fix("add "+entry+" itself to the bypass list so the decision does not rest on that wildcard", c.planCommand("--add-bypass", entry)))
		default:
			out = append(out, mk(StatusPass, "WinHTTP sends "+r.URL+" direct: "+bypassWords(r), evidence))
		}
	}
	return out
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func bypassWords(r RouteEntry) string {
	switch r.Bypass.Reason {
	case bypass.ReasonLoopback:
		return "Windows' implicit bypass (localhost, 127.0.0.1, [::1], link-local addresses)"
	case bypass.ReasonLocal:
		return "bypassed by <local> (a name without a dot)"
	case bypass.ReasonEntry:
		return "bypassed by the entry " + str(r.Bypass.Entry)
	}
	return "the proxy string has no entry for " + r.Scheme + " URLs"
}

// cloudBypassed lists the required Citrix Cloud endpoints of the region's catalog that the
// services' WinHTTP bypass list sends direct, as "entry covers endpoint", decided by the one
// matching function (bypass.List.Match) that route uses. A wildcard pattern (*.cloud.com) is
// tried with a representative host (each "*" read as one label) and with its probe hosts:
// an entry matching any host the pattern names is enough to send some of that traffic direct.
func (c *context) cloudBypassed() (hits []string, entries map[string]bool) {
	return c.cloudBypassedBy(c.natBypass)
}

// keepInternal is a bypass list less the entries in drop, plus each internal resource
// (--internal) that only a dropped entry sent direct, named on its own: removing an entry
// that covers Citrix Cloud must not send an internal resource to the proxy (R7).
func (c *context) keepInternal(list string, drop map[string]bool) []string {
	var keep []string
	have := map[string]bool{}
	for _, x := range bypass.Parse(list).Entries {
		if !drop[x.Value] {
			keep = append(keep, x.Value)
			have[strings.ToLower(x.Value)] = true
		}
	}
	all := routeSettings{stack: bypass.StackWinHTTP, list: bypass.Parse(list)}
	for _, h := range c.o.Internal {
		r, err := all.route(h)
		if err != nil || r.Bypass.Entry == nil || !drop[*r.Bypass.Entry] {
			continue
		}
		if e := bypassEntryFor(r); !have[strings.ToLower(e)] {
			have[strings.ToLower(e)] = true
			keep = append(keep, e)
		}
	}
	return keep
}

// cloudBypassedBy is cloudBypassed for any bypass list: the installer's, before an import
// copies it into WinHTTP.
func (c *context) cloudBypassedBy(list string) (hits []string, entries map[string]bool) {
	if list == "" {
		return nil, nil
	}
	cat := c.o.Catalog
	if cat == nil {
		loaded, err := catalog.Load(catalog.Commercial, "", nil)
		if err != nil {
			return nil, nil
		}
		cat = &loaded
	}
	l := bypass.Parse(list)
	entries = map[string]bool{}
	seen := map[string]bool{}
	for _, e := range cat.Entries {
		if !e.Required {
			continue
		}
		scheme, port := "https", 443
		if e.Kind == catalog.KindRevocation {
			scheme, port = "http", 80
		}
		if len(e.Ports) > 0 {
			port = e.Ports[0]
		}
		hosts := append([]string{strings.ReplaceAll(e.Pattern, "*", "ccproxy-example")}, e.ProbeHosts...)
		// A bypass entry that names one host the pattern covers (customers.cloud.com under
		// *.cloud.com) sends that host direct.
		for _, x := range l.Entries {
			if h := x.Host(); h != "" && !strings.Contains(h, "*") && catalog.PatternMatches(e.Pattern, h) {
				hosts = append(hosts, h)
			}
		}
		// Each entry is matched on its own, so that every entry that would send the host
		// direct is named (in the whole list the first one decides and hides the rest), and
		// the fix removes them all.
		for _, x := range l.Entries {
			one := bypass.Parse(x.Value)
			for _, h := range hosts {
				m := one.Match(bypass.StackWinHTTP, h, port, scheme)
				if !m.Bypassed || m.Entry == nil {
					continue
				}
				hit := fmt.Sprintf("entry %s covers %s", jsonin.Visible(x.Value), e.Pattern)
				entries[x.Value] = true
				if !seen[hit] {
					seen[hit] = true
					hits = append(hits, hit)
				}
				break
			}
		}
	}
	return hits, entries
}
