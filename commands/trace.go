package commands

import (
	"github.com/rs/zerolog"
	"github.com/tidwall/gjson"

	"ccproxy/model"
	"ccproxy/model/compliance"
	"ccproxy/model/report"
	"ccproxy/probe"
)

// What --log-level debug and trace add, for every command: debug says what was read (the
// source, whose settings) and what was decided (the document's verdict); trace adds every
// registry value looked at, by key, name, type and size, never its bytes. Everything logged
// passes through the credential redactor.

// decisions names, per document kind, the fields that carry its verdict.
var decisions = map[string][]string{
	model.SchemaState:      {"effective.services.mode", "effective.services.proxy", "effective.installer.mode", "effective.same", "warnings.#"},
	compliance.SchemaTest:  {"compliant", "verdict", "summary.pass", "summary.fail", "summary.warn", "summary.notChecked"},
	model.SchemaPlan:       {"empty", "changes.#", "restartRequired", "warnings.#"},
	model.SchemaApply:      {"result", "verified", "changes.#", "backup.path"},
	compliance.SchemaRoute: {"routes.#.decision"},
	probe.SchemaCheck:      {"ok", "allRequiredReachable", "counts", "deadlineReached", "durationMs"},
	model.SchemaDiff:       {"same", "differences.#"},
	report.SchemaReport:    {"inputs.documents", "machines.seen", "machines.compliant", "machines.nonCompliant", "rejected.#"},
}

// logDecision logs the verdict of a document about to be written.
func (e *Env) logDecision(doc []byte) {
	if e.Log.GetLevel() > zerolog.DebugLevel {
		return
	}
	kind := gjson.GetBytes(doc, "schema").String()
	ev := e.Log.Debug().Str("document", kind).Int("bytes", len(doc))
	for _, p := range decisions[kind] {
		if v := gjson.GetBytes(doc, p); v.Exists() {
			ev = ev.Str(p, model.RedactCredentials(v.Raw))
		}
	}
	ev.Msg("decided")
}
