package commands

import (
	"strings"

	"github.com/rs/zerolog"
	"github.com/tidwall/gjson"

	"ccproxy/model"
	"ccproxy/model/compliance"
	"ccproxy/model/report"
	"ccproxy/probe"
	"ccproxy/system"
)

// What --log-level debug and trace add, for every command: debug says what was read (the
// source, whose settings) and what was decided (the document's verdict); trace adds every
// registry value looked at, by key, name, type and size, never its bytes. Everything logged
// passes through the credential redactor.

// decisions names, per document kind, the fields that carry its verdict.
var decisions = map[string][]string{
	model.SchemaState:      {"effective.services.mode", "effective.services.proxy", "effective.installer.mode", "effective.same", "warnings.#"},
	compliance.SchemaTest:  {"compliant", "summary.pass", "summary.fail", "summary.warn", "summary.notChecked"},
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

// logSource logs what a state was read from.
func (e *Env) logSource(op *system.Opened, user string) {
	if e.Log.GetLevel() > zerolog.DebugLevel {
		return
	}
	if user == "" {
		user = "current"
	}
	e.Log.Debug().Str("kind", string(op.Info.Kind)).Str("input", op.InputName).Str("user", user).
		Str("hives", strings.Join(op.Users, ",")).Int("inputWarnings", len(op.Info.Warnings)).
		Bool("advancedKnown", op.Info.Advanced != nil).Msg("opened the source")
}

// tracedStore logs each registry read at trace level. It wraps only stores that list keys
// too, so that the domain's type assertion for a Lister sees the same store it would.
type tracedStore struct {
	listingStore
	log zerolog.Logger
}

type listingStore interface {
	system.Store
	SubKeys(path string) ([]string, error)
	ValueNames(path string) ([]string, error)
}

func (e *Env) traced(s system.Store) system.Store {
	l, ok := s.(listingStore)
	if !ok || e.Log.GetLevel() > zerolog.TraceLevel {
		return s
	}
	return tracedStore{l, e.Log}
}

func (t tracedStore) ReadValue(path, name string) (*system.Value, error) {
	v, err := t.listingStore.ReadValue(path, name)
	ev := t.log.Trace().Str("key", path).Str("value", name)
	switch {
	case err != nil:
		ev = ev.Str("error", model.RedactCredentials(err.Error()))
	case v == nil:
		ev = ev.Bool("exists", false)
	default:
		ev = ev.Str("type", model.RegTypeName(v.Type)).Int("bytes", len(v.Data))
	}
	ev.Msg("read")
	return v, err
}

func (t tracedStore) Key(path string) (model.KeyInfo, error) {
	k, err := t.listingStore.Key(path)
	t.log.Trace().Str("key", path).Bool("exists", err == nil && k.Exists).Msg("key")
	return k, err
}
