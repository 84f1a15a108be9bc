package commands

import (
	"strings"

	"ccproxy/model/catalog"
	"ccproxy/system"
)

// EndpointsCmd lists the addresses a Cloud Connector must reach.
type EndpointsCmd struct {
	Region     string `help:"Citrix Cloud region: commercial, japan or government." enum:"commercial,japan,government" default:"commercial"`
	CustomerID string `name:"customer-id" help:"Your Citrix Cloud customer id, which fills the customer-specific host names." placeholder:"ID"`
	Catalog    string `help:"Use this catalog instead of the embedded one: a ccproxy/catalog@1 file or Citrix's published allow-list JSON; - for stdin." placeholder:"FILE"`
	Format     string `help:"json: the ccproxy/endpoints@1 document; text: one allow-list pattern per line, for a firewall or proxy." enum:"json,text" default:"json"`
}

func (c *EndpointsCmd) Run(env *Env) error {
	var data []byte
	name := "catalog"
	if c.Catalog != "" {
		var err error
		if name, data, err = system.ReadInput(c.Catalog, env.Stdin); err != nil {
			return err
		}
		// nil would mean the embedded catalog; an empty file is an error the loader reports.
		if data == nil {
			data = []byte{}
		}
	}
	cat, err := catalog.LoadNamed(name, c.Region, c.CustomerID, data)
	if err != nil {
		return err
	}
	if c.Format == "text" {
		return env.emitFormatted([]byte(strings.Join(cat.Patterns(), "\n") + "\n"))
	}
	return env.Emit(cat.Document())
}
