package schema

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"ccproxy/model"
	"ccproxy/model/catalog"
	"ccproxy/model/compliance"
	"ccproxy/model/report"
	"ccproxy/model/watch"
	"ccproxy/probe"
)

var update = flag.Bool("update", false, "rewrite the generated schemas")

// generated lists the documents whose schemas come from their Go types.
var generated = []struct {
	name, title, kind string
	v                 any
}{
	{"state", "ccproxy state: WinINet and WinHTTP proxy settings as read from one source", model.SchemaState, model.State{}},
	{"version", "ccproxy version", model.SchemaVersion, model.Version{}},
	{"diff", "ccproxy diff: the settings in which two state or desired documents differ", model.SchemaDiff, model.Diff{}},
	{"plan", "ccproxy plan: the exact registry writes that reach a desired state, with a fingerprint of the state they were computed from", model.SchemaPlan, model.Plan{}},
	{"apply", "ccproxy apply: what an apply or restore wrote, the backup it made, and whether a restart is required", model.SchemaApply, model.ApplyResult{}},
	{"backup", "ccproxy backup: the exact bytes of every registry value an apply was about to change", model.SchemaBackup, model.Backup{}},
	{"backups", "ccproxy backups: the backups in a folder, newest first", model.SchemaBackups, model.BackupList{}},
	{"test", "ccproxy test: findings of the Cloud Connector proxy requirements R1-R8", compliance.SchemaTest, compliance.Report{}},
	{"route", "ccproxy route: how WinHTTP (or WinINet) would send each URL, and why", compliance.SchemaRoute, compliance.RouteDoc{}},
	{"intune", "ccproxy intune: flat settings for an Intune custom compliance discovery script (test --format intune)", compliance.SchemaIntune, compliance.Intune{}},
	{"endpoints", "ccproxy endpoints: the addresses a Cloud Connector must reach in one region", catalog.SchemaEndpoints, catalog.Endpoints{}},
	{"check", "ccproxy check: the Citrix Cloud endpoints probed through the route WinHTTP would take", probe.SchemaCheck, probe.Check{}},
	{"report", "ccproxy report: what is wrong across a fleet, summarised from its collected state, test and check documents", report.SchemaReport, report.Report{}},
	{"event", "ccproxy event: one change watch saw (JSON Lines): what changed, test's verdict after it, the findings that changed, who may have written it", watch.SchemaEvent, watch.Event{}},
	{"service", "ccproxy service: the watch service as the service control manager has it", watch.SchemaService, watch.Service{}},
	{"machine", "ccproxy machine: one machine of a fleet report (report --jsonl)", report.SchemaMachine, report.Machine{}},
}

func render(name, title, kind string, v any) []byte {
	s := Generate(v, "https://ccproxy.invalid/schema/"+name+".schema.json", title, kind)
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

func TestGeneratedSchemasUpToDate(t *testing.T) {
	for _, g := range generated {
		want := render(g.name, g.title, g.kind, g.v)
		file := g.name + ".schema.json"
		if *update {
			if err := os.WriteFile(file, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(file)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is out of date with the Go types; run: go test ./schema -run TestGeneratedSchemasUpToDate -update", file)
		}
	}
}
