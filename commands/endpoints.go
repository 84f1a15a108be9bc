package commands

import (
	"bytes"
	"strconv"
	"strings"

	"ccproxy/jsonin"
	"ccproxy/model"
	"ccproxy/model/csvsafe"
	"ccproxy/ops"
)

// EndpointsCmd lists the addresses a Cloud Connector must reach.
type EndpointsCmd struct {
	CatalogFlags
	Format string `help:"auto (text on a console, the JSON document otherwise), json, text (host, port and purpose in a table), csv (host, port, protocol, purpose, required, source: for firewall teams) or list (one allow-list pattern per line, for a firewall or proxy)." placeholder:"auto|json|text|csv|list"`
}

func (c *EndpointsCmd) Run(env *Env) error {
	format, err := env.resolveFormat(c.Format, "csv", "list")
	if err != nil {
		return err
	}
	cat, _, err := c.catalog().Load(env.Stdin)
	if err != nil {
		return err
	}
	if format != "json" {
		// The formats a firewall team pastes have no room for a note: stderr carries it.
		warnings, infos := ops.EndpointsNotes(cat)
		for _, n := range warnings {
			env.Log.Warn().Msg(n)
		}
		for _, n := range infos {
			env.Log.Info().Msg(n)
		}
	}
	switch format {
	case "list":
		return env.emitFormatted([]byte(model.RedactCredentials(strings.Join(cat.Lines(), "\n")) + "\n"))
	case "csv":
		var b bytes.Buffer
		cw := csvsafe.NewWriter(&b)
		_ = cw.Write([]string{"host", "port", "protocol", "purpose", "required", "source"})
		for _, a := range cat.AllowList() {
			// A catalog file is input: its free text is redacted as every other output's is.
			_ = cw.Write([]string{model.RedactCredentials(a.Pattern), strconv.Itoa(a.Port), a.Kind, model.RedactCredentials(a.Purpose),
				strconv.FormatBool(a.Required), model.RedactCredentials(a.Source)})
		}
		_ = cw.Flush()
		return env.emitFormatted([]byte(jsonin.ASCII(b.String())))
	}
	return env.EmitAs(cat.Document(), format)
}

// CatalogFlags choose the endpoint catalog, for check and endpoints alike.
type CatalogFlags struct {
	Region     string `help:"Citrix Cloud region: commercial, japan or government." enum:"commercial,japan,government" default:"commercial"`
	CustomerID string `name:"customer-id" help:"Your Citrix Cloud customer id, which fills the customer-specific host names." placeholder:"ID"`
	Catalog    string `help:"Use this catalog instead of the embedded one: a ccproxy/catalog@1 file or Citrix's published allow-list JSON; - for stdin." placeholder:"FILE"`
}

func (f CatalogFlags) catalog() ops.Catalog {
	return ops.Catalog{Region: f.Region, CustomerID: f.CustomerID, File: f.Catalog}
}
