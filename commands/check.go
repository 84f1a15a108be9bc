package commands

import (
	"fmt"
	"time"

	"ccproxy/model"
	"ccproxy/ops"
)

// CheckCmd probes the Citrix Cloud endpoints the way the connector's services reach them.
type CheckCmd struct {
	SourceFlags
	FormatFlag
	CatalogFlags
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
	if err := ops.ClaimStdin(ops.In("--from", c.From), ops.In("--advproxy", c.AdvProxy), ops.In("--catalog", c.Catalog)); err != nil {
		return err
	}
	run := ops.Check{
		Catalog: c.catalog(),
		Host:    c.Host, Internal: c.Internal, ServiceBus: c.ServiceBus, Resolve: c.Resolve,
		Proxy: c.Proxy, Bypass: c.Bypass, Direct: c.Direct, Compare: c.Compare,
		Concurrency: c.Concurrency, StageTimeout: c.StageTimeout, Deadline: c.Deadline,
		IPLiteral: c.IPLiteral, CAFile: c.CAFile,
		Stdin: env.Stdin, Now: env.Now, Hostname: env.Hostname,
		State: func() (*model.State, error) { return env.ReadState(c.SourceFlags) },
	}
	if env.StderrIsTerminal {
		run.Progress = func(done, total int, host string) {
			// The host comes from the catalog, which may be a file: its controls are shown, not acted on.
			fmt.Fprintf(env.Stderr, "\rccproxy: checked %d/%d %s\x1b[K", done, total, safeLogText(host))
		}
	}
	doc, err := run.Run()
	if run.Progress != nil {
		fmt.Fprint(env.Stderr, "\r\x1b[K")
	}
	if err != nil {
		return err
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
