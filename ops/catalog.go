package ops

import (
	"io"

	"ccproxy/model/catalog"
	"ccproxy/system"
	"strings"
)

// Catalog names the endpoint catalog to use: the region, the customer id that fills the
// customer-specific host names, and a file ("-" for stdin) in place of the embedded data.
type Catalog struct {
	Region, CustomerID, File string
}

// Load reads the catalog for the region: the embedded one, or File in ccproxy's catalog@1
// shape or Citrix's published allow-list JSON. name is what its messages call it.
func (c Catalog) Load(stdin io.Reader) (cat catalog.Catalog, name string, err error) {
	var data []byte
	name = "catalog"
	if c.File != "" {
		if name, data, err = system.ReadInput(c.File, stdin); err != nil {
			return cat, name, err
		}
		// nil would mean the embedded catalog; an empty file is an error the loader reports.
		if data == nil {
			data = []byte{}
		}
	}
	cat, err = catalog.LoadNamed(name, c.Region, c.CustomerID, data)
	return cat, name, err
}

// EndpointsNotes is what the endpoints command says beside a list that has no room for
// notes (text, csv, list): warnings, that the list is known to be incomplete (a caveat the
// user must act on), and infos, whose customer addresses it holds (nothing to act on: shown
// at --log-level info, since a successful run writes nothing on stderr otherwise).
func EndpointsNotes(cat catalog.Catalog) (warnings, infos []string) {
	if cat.KnownIncomplete != "" {
		warnings = append(warnings, "region "+cat.Region+": "+cat.KnownIncomplete)
	}
	var out []string
	if cat.CustomerID != "" {
		var hosts []string
		for _, e := range cat.Entries {
			if e.NeedsCustomerID {
				hosts = append(hosts, e.ProbeHosts...)
			}
		}
		msg := "customer " + cat.CustomerID
		if len(hosts) > 0 {
			msg += ": its own addresses " + strings.Join(hosts, ", ") + " are covered by the patterns listed"
		}
		out = append(out, msg)
	}
	return warnings, out
}
