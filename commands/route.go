package commands

import (
	"ccproxy/model/bypass"
	"ccproxy/model/compliance"
)

// RouteCmd explains how a stack would send each URL.
type RouteCmd struct {
	SourceFlags
	FormatFlag
	Stack string   `help:"Whose rules: winhttp (the connector services) or wininet (the installer, with the --user's settings)." enum:"winhttp,wininet" default:"winhttp"`
	View  string   `help:"WinHTTP registry view: native (64-bit, the services) or wow64 (32-bit programs)." enum:"native,wow64" default:"native"`
	URLs  []string `arg:"" name:"url" help:"URLs (http or https), host names or host:port; a bare host is read as https." sep:"none"`
}

func (c *RouteCmd) Run(env *Env) error {
	st, err := env.ReadState(c.SourceFlags)
	if err != nil {
		return err
	}
	doc, err := compliance.Route(st, bypass.Stack(c.Stack), c.View, c.URLs)
	if err != nil {
		return err
	}
	return env.EmitAs(doc, c.Format)
}
