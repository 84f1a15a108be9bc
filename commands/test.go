package commands

import (
	"ccproxy/model"
	"ccproxy/model/catalog"
	"ccproxy/model/compliance"
	"ccproxy/ops"
	"ccproxy/system"
)

// TestCmd checks the state against the Cloud Connector's proxy requirements.
type TestCmd struct {
	SourceFlags
	Internal     []string `help:"An internal resource (domain controller, connector, VDA, hypervisor, Provisioning server) that must bypass the proxy (R7): host, IP address or host:port. Repeatable." placeholder:"HOST" sep:"none"`
	InternalFile string   `name:"internal-file" help:"A file of internal resources, one per line; '#' starts a comment; - for stdin." placeholder:"FILE"`
	Check        string   `help:"A document 'ccproxy check --compare' wrote on this machine: the services' route is judged from what it reached, and a failing one gets the route that worked as its fix; - for stdin." placeholder:"FILE"`
	Region       string   `help:"Citrix Cloud region whose required addresses no WinHTTP bypass entry may send direct: commercial, japan or government." enum:"commercial,japan,government" default:"commercial"`
	Verbose      bool     `help:"In text, list every finding (passed, not checked and not applicable too) with why; the JSON always holds them all." aliases:"all"`
	Format       string   `help:"auto (text on a console, the JSON document otherwise; CCPROXY_FORMAT sets the default), json, text, or intune: one line of flat settings for an Intune custom compliance discovery script (always exit 0: the values decide)." placeholder:"auto|json|text|intune"`
}

func (c *TestCmd) Run(env *Env) error {
	format, err := env.resolveFormat(c.Format, "intune")
	if err != nil {
		return err
	}
	hosts, err := compliance.ParseInternal(c.Internal)
	if err != nil {
		return err
	}
	if err := ops.ClaimStdin(ops.In("--from", c.From), ops.In("--advproxy", c.AdvProxy), ops.In("--internal-file", c.InternalFile), ops.In("--check", c.Check)); err != nil {
		return err
	}
	if c.InternalFile != "" {
		name, data, err := system.ReadInput(c.InternalFile, env.Stdin)
		if err != nil {
			return err
		}
		more, err := compliance.ParseInternalFile(name, data)
		if err != nil {
			return err
		}
		// Flag values come first; the file's may repeat them.
		if hosts, err = compliance.ParseInternal(append(hosts, more...)); err != nil {
			return err
		}
	}
	cat, err := catalog.Load(c.Region, "", nil)
	if err != nil {
		return err
	}
	opts := compliance.Options{Internal: hosts, Catalog: &cat}
	if c.Check != "" {
		name, data, err := system.ReadInput(c.Check, env.Stdin)
		if err != nil {
			return err
		}
		var warnings []string
		if opts.Check, warnings, err = model.ParseCheckDocument(name, data); err != nil {
			return err
		}
		for _, w := range warnings {
			env.Log.Warn().Msg(name + ": " + model.RedactCredentials(w))
		}
	}
	st, err := env.ReadState(c.SourceFlags)
	if err != nil {
		return err
	}
	rep := compliance.Evaluate(st, opts)
	if format == "intune" {
		b, err := model.MarshalDocument(rep.Intune(st, env.Build.Version), true)
		if err != nil {
			return err
		}
		return env.emitFormatted(b)
	}
	if err := env.EmitVerbose(rep, format, c.Verbose); err != nil {
		return err
	}
	switch rep.Verdict {
	case compliance.VerdictIncomplete:
		return resultError{"incomplete: the source lacks " + model.Count(len(rep.MissingEvidence), "piece") + " of evidence a verdict needs"}
	case compliance.VerdictNotCompliant:
		return resultError{"not compliant: " + model.Count(rep.Summary.Fail, "finding") + " failed"}
	}
	return nil
}
