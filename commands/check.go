package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"ccproxy/model"
	"ccproxy/probe"
)

// CheckCmd probes the Citrix Cloud endpoints the way the connector's services reach them.
type CheckCmd struct {
	SourceFlags
	FormatFlag
	Region       string        `help:"Citrix Cloud region whose endpoints are probed: commercial, japan or government." enum:"commercial,japan,government" default:"commercial"`
	CustomerID   string        `name:"customer-id" help:"Your Citrix Cloud customer id, which fills the customer-specific host names." placeholder:"ID"`
	Catalog      string        `help:"Use this catalog instead of the embedded one: a ccproxy/catalog@1 file or Citrix's published allow-list JSON; - for stdin." placeholder:"FILE"`
	Host         []string      `help:"Also probe this endpoint: host, host:port or an http(s):// URL whose path is requested. Repeatable." placeholder:"HOST[:PORT]" sep:"none"`
	ServiceBus   []string      `name:"service-bus" help:"The connector's Azure Service Bus namespace (a name, or its host such as NAME.servicebus.windows.net, as the connector's logs show it): probed on 443 as required, and on 5671 and 9350-9354 as optional (Azure Relay's ports, which Citrix does not document). Repeatable." placeholder:"NAMESPACE" sep:"none"`
	Internal     []string      `help:"An internal resource (domain controller, VDA, hypervisor) that must go direct (R7): host or host:port, connected to on port 443 unless given. Repeatable." placeholder:"HOST[:PORT]" sep:"none"`
	Proxy        string        `help:"Probe through this proxy instead of the WinHTTP settings, to try it before applying it." placeholder:"PROXY" xor:"route"`
	Bypass       string        `help:"With --proxy: the bypass list to try with it." placeholder:"LIST"`
	Direct       bool          `help:"Probe without a proxy, whatever WinHTTP says." xor:"route"`
	Compare      bool          `help:"Also probe through every other way this machine could route: the advanced WinHTTP setting, each connector service account's Internet Options, direct and --proxy; the document says which reach everything, probing a route two of them share once." `
	Concurrency  int           `help:"Endpoints probed at once; 0 (the default): the whole catalog in one round, up to 64." default:"0"`
	StageTimeout time.Duration `name:"stage-timeout" help:"Limit for each stage (DNS, TCP, CONNECT, TLS, HTTP)." default:"5s"`
	Deadline     time.Duration `help:"Limit for the whole check; endpoints not finished by then are notChecked." default:"30s"`
	IPLiteral    string        `name:"ip-literal" help:"The IP address (and port, 443 by default) to CONNECT to through the proxy for R8; by default an address of the first catalog host." placeholder:"ADDRESS[:PORT]"`
	Resolve      []string      `help:"Connect directly to ADDRESS instead of looking HOST up in DNS (direct routes only: a proxy resolves names itself). Repeatable." placeholder:"HOST=ADDRESS" sep:"none"`
	CAFile       string        `name:"ca-file" help:"Verify certificates against the roots in this PEM file instead of the system's; they count as public CAs." placeholder:"FILE" type:"path"`
}

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

	// The state is read once, for the route and for --compare's candidates.
	var st *model.State
	state := func() (*model.State, error) {
		if st == nil {
			s, err := env.ReadState(c.SourceFlags)
			if err != nil {
				return nil, err
			}
			st = s
		}
		return st, nil
	}
	route, routing, err := c.routing(state)
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
	if c.Compare {
		if doc.Result, doc.Compare, err = c.compare(state, routing, targets, o); err != nil {
			return err
		}
	} else {
		doc.Result = probe.Run(context.Background(), targets, o)
	}
	if o.Progress != nil {
		fmt.Fprint(env.Stderr, "\r\x1b[K")
	}
	if err := env.EmitAs(doc, c.Format); err != nil {
		return err
	}
	if !doc.OK {
		res := doc.Result
		return resultError{fmt.Sprintf("check failed: %d of %d required endpoints reachable, interception %s, CONNECT to an IP address %s", res.Counts.RequiredPassed, res.Counts.Required, res.Interception.Verdict, res.IPLiteral.Status)}
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
	}
	return claimStdin(stdinInput{"--from", c.From}, stdinInput{"--advproxy", c.AdvProxy}, stdinInput{"--catalog", c.Catalog})
}
