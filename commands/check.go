package commands

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"ccproxy/model"
	"ccproxy/model/bypass"
	"ccproxy/model/catalog"
	"ccproxy/probe"
	"ccproxy/system"
)

// CheckCmd probes the Citrix Cloud endpoints the way the connector's services reach them.
type CheckCmd struct {
	SourceFlags
	FormatFlag
	Region       string        `help:"Citrix Cloud region whose endpoints are probed: commercial, japan or government." enum:"commercial,japan,government" default:"commercial"`
	CustomerID   string        `name:"customer-id" help:"Your Citrix Cloud customer id, which fills the customer-specific host names." placeholder:"ID"`
	Catalog      string        `help:"Use this catalog instead of the embedded one: a ccproxy/catalog@1 file or Citrix's published allow-list JSON; - for stdin." placeholder:"FILE"`
	Host         []string      `help:"Also probe this endpoint: host, host:port or an http(s):// URL whose path is requested. Repeatable." placeholder:"HOST[:PORT]" sep:"none"`
	Internal     []string      `help:"An internal resource (domain controller, VDA, hypervisor) that must go direct (R7): host or host:port, connected to on port 443 unless given. Repeatable." placeholder:"HOST[:PORT]" sep:"none"`
	Proxy        string        `help:"Probe through this proxy instead of the WinHTTP settings, to try it before applying it." placeholder:"PROXY" xor:"route"`
	Bypass       string        `help:"With --proxy: the bypass list to try with it." placeholder:"LIST"`
	Direct       bool          `help:"Probe without a proxy, whatever WinHTTP says." xor:"route"`
	Concurrency  int           `help:"Endpoints probed at once; 0 (the default): the whole catalog in one round, up to 64." default:"0"`
	StageTimeout time.Duration `name:"stage-timeout" help:"Limit for each stage (DNS, TCP, CONNECT, TLS, HTTP)." default:"5s"`
	Deadline     time.Duration `help:"Limit for the whole check; endpoints not finished by then are notChecked." default:"30s"`
	IPLiteral    string        `name:"ip-literal" help:"The IP address (and port, 443 by default) to CONNECT to through the proxy for R8; by default an address of the first catalog host." placeholder:"ADDRESS[:PORT]"`
	Resolve      []string      `help:"Connect directly to ADDRESS instead of looking HOST up in DNS (direct routes only: a proxy resolves names itself). Repeatable." placeholder:"HOST=ADDRESS" sep:"none"`
	CAFile       string        `name:"ca-file" help:"Verify certificates against the roots in this PEM file instead of the system's; they count as public CAs." placeholder:"FILE" type:"path"`
}

// checkFailedError is an unreachable endpoint, a misrouted internal host or TLS
// interception: exit 1, nothing logged, the document says why.
type checkFailedError struct{ res probe.Result }

func (e checkFailedError) Error() string {
	return fmt.Sprintf("check failed: %d of %d required endpoints reachable, interception %s, CONNECT to an IP address %s", e.res.Counts.RequiredPassed, e.res.Counts.Required, e.res.Interception.Verdict, e.res.IPLiteral.Status)
}
func (e checkFailedError) ExitCode() int { return model.ExitFound }
func (e checkFailedError) Quiet() bool   { return true }

func (c *CheckCmd) Run(env *Env) error {
	if err := c.validate(); err != nil {
		return err
	}
	doc := probe.Check{Schema: probe.SchemaCheck, Region: c.Region,
		Limits: probe.Limits{Concurrency: c.Concurrency, StageTimeoutMs: c.StageTimeout.Milliseconds(), DeadlineMs: c.Deadline.Milliseconds()}}
	// The probes run from this machine whatever --from reads, so this is the host they speak for.
	if env.Hostname != nil {
		if h, err := env.Hostname(); err == nil && h != "" {
			doc.Source.Host = model.Ptr(h)
		}
	}
	targets, info, err := c.catalogTargets(env)
	if err != nil {
		return err
	}
	doc.Catalog = info
	if c.CustomerID != "" {
		doc.CustomerID = model.Ptr(strings.ToLower(strings.TrimSpace(c.CustomerID)))
	}
	extra, err := c.extraTargets()
	if err != nil {
		return err
	}
	targets = dedupeTargets(append(targets, extra...))
	if c.Concurrency == 0 {
		// One round for the whole catalog: a proxy that adds latency to each connection
		// then costs that latency once, not once per batch.
		// The R8 test (CONNECT to an IP address) takes a slot of its own.
		c.Concurrency = max(1, min(len(targets)+1, 64))
	}
	doc.Limits.Concurrency = c.Concurrency

	route, routing, err := c.routing(env)
	if err != nil {
		return err
	}
	doc.Routing = routing
	o := probe.Options{
		Concurrency: c.Concurrency, StageTimeout: c.StageTimeout, Deadline: c.Deadline,
		Route: route, Now: env.Now,
	}
	if o.Resolver, err = c.resolver(); err != nil {
		return err
	}
	if o.RootCAs, o.PublicCAs, err = c.roots(); err != nil {
		return err
	}
	if o.IPLiteralTarget, err = c.ipLiteral(); err != nil {
		return err
	}
	if env.StderrIsTerminal {
		o.Progress = func(done, total int, host string) {
			fmt.Fprintf(env.Stderr, "\rccproxy: checked %d/%d %s\x1b[K", done, total, host)
		}
	}
	doc.Result = probe.Run(context.Background(), targets, o)
	if o.Progress != nil {
		fmt.Fprint(env.Stderr, "\r\x1b[K")
	}
	if err := env.EmitAs(doc, c.Format); err != nil {
		return err
	}
	if !doc.OK {
		return checkFailedError{doc.Result}
	}
	return nil
}

func (c *CheckCmd) validate() error {
	switch {
	case c.Concurrency < 0 || c.Concurrency > 1024:
		return &model.InputError{Input: "--concurrency", Msg: fmt.Sprintf("%d is out of range (0-1024; 0 is the whole catalog, up to 64)", c.Concurrency)}
	case c.StageTimeout <= 0:
		return &model.InputError{Input: "--stage-timeout", Msg: fmt.Sprintf("%s must be positive; hint: such as 5s or 1500ms", c.StageTimeout)}
	case c.Deadline <= 0:
		return &model.InputError{Input: "--deadline", Msg: fmt.Sprintf("%s must be positive; hint: such as 30s or 2m", c.Deadline)}
	case c.Bypass != "" && c.Proxy == "":
		return &model.InputError{Input: "--bypass", Msg: "only goes with --proxy; hint: to try a bypass list, pass the proxy with it"}
	case c.Catalog == "-" && c.From == "-":
		return &model.InputError{Input: "--catalog", Msg: "stdin already holds the state (--from -); hint: pass the catalog in a file"}
	}
	return nil
}

// catalogTargets turns the region's catalog entries into targets: every probe host on
// every port of its entry.
func (c *CheckCmd) catalogTargets(env *Env) ([]probe.Target, probe.CatalogInfo, error) {
	var data []byte
	name := "catalog"
	info := probe.CatalogInfo{Source: "embedded", Notes: []string{}}
	if c.Catalog != "" {
		var err error
		if name, data, err = system.ReadInput(c.Catalog, env.Stdin); err != nil {
			return nil, info, err
		}
		if data == nil {
			data = []byte{}
		}
		info.Source, info.Path = "file", model.Ptr(name)
	}
	cat, err := catalog.LoadNamed(name, c.Region, c.CustomerID, data)
	if err != nil {
		return nil, info, err
	}
	info.Format, info.Updated = cat.Info.Format, cat.Info.Updated
	info.Notes = append(info.Notes, cat.Info.Notes...)
	var out []probe.Target
	for _, e := range cat.Entries {
		if len(e.ProbeHosts) == 0 {
			// The catalog's own note already covers hosts waiting for a customer id.
			if !e.NeedsCustomerID || c.CustomerID != "" {
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
	info.Entries = len(out)
	return out, info, nil
}

func (c *CheckCmd) extraTargets() ([]probe.Target, error) {
	var out []probe.Target
	for _, f := range []struct {
		flag, source string
		values       []string
	}{{"--host", probe.SourceHost, c.Host}, {"--internal", probe.SourceInternal, c.Internal}} {
		for _, v := range f.values {
			t, err := probe.ParseTarget(v, f.source)
			if err != nil {
				return nil, &model.InputError{Input: f.flag, Msg: err.Error()}
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

// routing decides routes as WinHTTP would: from the native (64-bit) view the services
// read, or from --proxy/--direct.
func (c *CheckCmd) routing(env *Env) (probe.RouteFunc, probe.Routing, error) {
	r := probe.Routing{Notes: []string{}}
	switch {
	case c.Direct:
		r.Source = "direct"
		return routeWith(bypass.Proxy{}, bypass.List{}), r, nil
	case c.Proxy != "":
		p := bypass.ParseProxy(c.Proxy)
		pe := p.For("https")
		if pe == nil || !pe.Valid {
			why := "it has no entry for https URLs"
			if pe != nil {
				why = pe.Note
			}
			return nil, r, &model.InputError{Input: "--proxy", Msg: fmt.Sprintf("%q cannot be used: %s; hint: such as proxy.corp.example:8080", p.Raw, why)}
		}
		r.Source, r.Proxy = "proxyFlag", model.Ptr(p.String())
		l := bypass.Parse(c.Bypass)
		if c.Bypass != "" {
			r.Bypass = model.Ptr(l.String())
		}
		r.Notes = append(r.Notes, proxyNotes(p)...)
		return routeWith(p, l), r, nil
	}
	st, err := env.ReadState(c.SourceFlags)
	if err != nil {
		return nil, r, err
	}
	r.Source = "winhttp"
	input := st.Source.Kind
	if st.Source.Path != nil {
		input = *st.Source.Path
	}
	r.StateSource = model.Ptr(input)
	v := st.WinHTTP.Native
	if !v.Known {
		return nil, r, &model.InputError{Input: input, Msg: "holds no 64-bit WinHTTP settings, which the connector's services use; hint: read another source with --from, or pass --proxy or --direct"}
	}
	if v.Mode == nil {
		return nil, r, &model.InputError{Input: input, Msg: "the 64-bit WinHttpSettings value cannot be decoded; hint: see 'ccproxy get' for the reason, or pass --proxy or --direct"}
	}
	if *v.Mode != "proxy" || v.Proxy == nil {
		r.Notes = append(r.Notes, "WinHTTP goes direct")
		return routeWith(bypass.Proxy{}, bypass.List{}), r, nil
	}
	p := bypass.ParseProxy(v.Proxy.Raw)
	r.Proxy = model.Ptr(v.Proxy.Raw)
	var l bypass.List
	if v.Bypass != nil {
		l = bypass.Parse(v.Bypass.Raw)
		r.Bypass = model.Ptr(v.Bypass.Raw)
	}
	r.Notes = append(r.Notes, proxyNotes(p)...)
	return routeWith(p, l), r, nil
}

func proxyNotes(p bypass.Proxy) []string {
	var notes []string
	for _, s := range []string{"https", "http"} {
		pe := p.For(s)
		switch {
		case pe == nil:
			notes = append(notes, "no proxy entry for "+s+" URLs: they go direct")
		case !pe.Valid:
			notes = append(notes, "the proxy entry for "+s+" URLs is not valid ("+pe.Note+"); those probes fail at the proxy")
		case pe.ProxyScheme == "socks" || pe.Scheme == "socks":
			notes = append(notes, "WinHTTP does not support SOCKS proxies")
		}
	}
	return notes
}

// routeWith decides routes with the bypass package's WinHTTP rules, so that check agrees
// with 'route' and 'test'.
func routeWith(p bypass.Proxy, l bypass.List) probe.RouteFunc {
	return func(host string, port int, scheme string) (string, bool, string) {
		h := host
		if strings.Contains(h, ":") {
			h = "[" + h + "]"
		}
		r, err := bypass.Route(p, l, bypass.StackWinHTTP, scheme+"://"+h+":"+strconv.Itoa(port))
		if err != nil {
			// Targets are validated before they get here; a host the router cannot read
			// is decided by the same matcher without the URL parsing.
			r.Match = l.Match(bypass.StackWinHTTP, h, port, scheme)
			r.Proxy = p.For(scheme)
			r.Direct = r.Proxy == nil || r.Match.Bypassed
		}
		if r.Direct {
			switch {
			case !r.Match.Bypassed:
				return "", true, ""
			case r.Match.Entry != nil:
				return "", true, r.Match.Entry.Value
			default:
				return "", true, r.Match.Reason
			}
		}
		if r.Proxy.Host == "" {
			// An unusable entry: the probe reports that it cannot reach it.
			return "invalid proxy entry", false, ""
		}
		return net.JoinHostPort(r.Proxy.Host, strconv.Itoa(r.Proxy.EffectivePort())), false, ""
	}
}

func (c *CheckCmd) resolver() (func(context.Context, string) ([]string, error), error) {
	static := map[string][]string{}
	for _, v := range c.Resolve {
		h, addrs, err := probe.ParseResolve(v)
		if err != nil {
			return nil, &model.InputError{Input: "--resolve", Msg: err.Error()}
		}
		static[h] = append(static[h], addrs...)
	}
	return func(ctx context.Context, host string) ([]string, error) {
		if a, ok := static[strings.ToLower(host)]; ok {
			return a, nil
		}
		return net.DefaultResolver.LookupHost(ctx, host)
	}, nil
}

// roots reads --ca-file. Its roots replace the system's and join the public CAs, because
// whoever passes them says these are the roots the endpoints legitimately chain to.
func (c *CheckCmd) roots() (*x509.CertPool, []string, error) {
	if c.CAFile == "" {
		return nil, nil, nil
	}
	data, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, nil, &model.InputError{Input: c.CAFile, Msg: fmt.Sprintf("cannot read: %v", unwrapPathError(err))}
	}
	pool := x509.NewCertPool()
	names := append([]string{}, probe.PublicCANames...)
	n := 0
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		n++
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, nil, &model.InputError{Input: c.CAFile, Place: fmt.Sprintf("certificate %d", n), Msg: fmt.Sprintf("cannot be read: %v", err)}
		}
		pool.AddCert(cert)
		if cert.Subject.CommonName != "" {
			names = append(names, cert.Subject.CommonName)
		} else if len(cert.Subject.Organization) > 0 {
			names = append(names, cert.Subject.Organization[0])
		}
	}
	if n == 0 {
		return nil, nil, &model.InputError{Input: c.CAFile, Msg: "no PEM certificate (-----BEGIN CERTIFICATE-----); hint: export the roots in Base-64 (PEM) form"}
	}
	return pool, names, nil
}

func (c *CheckCmd) ipLiteral() (string, error) {
	v := strings.TrimSpace(c.IPLiteral)
	if v == "" {
		return "", nil
	}
	t, err := probe.ParseTarget(v, probe.SourceHost)
	if err == nil && net.ParseIP(t.Host) == nil {
		err = fmt.Errorf("%q is not an IP address; hint: such as 20.42.65.92 or 20.42.65.92:443", v)
	}
	if err != nil {
		return "", &model.InputError{Input: "--ip-literal", Msg: err.Error()}
	}
	return t.Address(), nil
}
