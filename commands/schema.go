package commands

import (
	"encoding/json"
	"fmt"
	"strings"

	"ccproxy/model"
	"ccproxy/schema"
)

// SchemaCmd prints an embedded JSON Schema, or the list of them.
type SchemaCmd struct {
	Name string `arg:"" optional:"" help:"Document name (state, plan, ...) or kind (ccproxy/state@1). Without it, lists the names."`
}

type schemaList struct {
	Schema  string   `json:"schema"`
	Schemas []string `json:"schemas"`
}

func (c *SchemaCmd) Run(env *Env) error {
	if c.Name == "" {
		return env.Emit(schemaList{Schema: "ccproxy/schemaList@1", Schemas: schema.Names()})
	}
	b, ok := schema.Get(c.Name)
	if !ok {
		return &model.InputError{Input: "schema", Place: c.Name, Msg: fmt.Sprintf("no such schema; hint: one of %s", strings.Join(schema.Names(), ", "))}
	}
	return env.Emit(json.RawMessage(b))
}
