package ops

import (
	"strings"
	"testing"

	"ccproxy/model/catalog"
	"ccproxy/probe"
)

// A namespace takes the embedded catalog's Service Bus entry (required, Microsoft's issuers)
// on 443; the optional ports are optional connections.
func TestServiceBusTargetsFromEmbeddedCatalog(t *testing.T) {
	cat, err := catalog.LoadNamed("catalog", "commercial", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &Check{ServiceBus: []string{"cc-Example"}}
	ts, err := c.serviceBusTargets(cat)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1+len(probe.ServiceBusOptionalPorts) {
		t.Fatalf("%d targets", len(ts))
	}
	main := ts[0]
	if main.Host != "cc-example.servicebus.windows.net" || main.Port != 443 || main.Kind != probe.KindHTTPS || !main.Required || len(main.ExpectedIssuers) == 0 || !strings.Contains(main.Purpose, "Service Bus") {
		t.Errorf("443 target %+v", main)
	}
	for _, o := range ts[1:] {
		if o.Required || o.Kind != probe.KindTCP || o.Host != main.Host {
			t.Errorf("optional target %+v", o)
		}
	}
}
