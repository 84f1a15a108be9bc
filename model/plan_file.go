package model

import (
	"ccproxy/jsonin"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// planSpec mirrors Plan for reading a plan back; the parts apply does not use pass through.
var planSpec = jsonin.Object(
	jsonin.Key("schema", jsonin.String()),
	jsonin.Key("createdAt", jsonin.Time()),
	jsonin.Key("source", jsonin.Any()),
	jsonin.Required("fingerprint", jsonin.Object(
		jsonin.Required("algorithm", jsonin.String()),
		jsonin.Required("value", jsonin.String()),
		jsonin.Required("values", jsonin.List(jsonin.Object(
			jsonin.Required("registryPath", jsonin.String()),
			jsonin.Required("valueName", jsonin.String()),
			jsonin.Key("exists", jsonin.Bool()),
			jsonin.Required("sha256", jsonin.String()),
		))),
	)),
	jsonin.Required("changes", jsonin.List(jsonin.Object(
		jsonin.Required("target", jsonin.Object(
			jsonin.Key("stack", jsonin.Enum("winhttp", "wininet")),
			jsonin.Key("view", jsonin.Enum(ViewNative, ViewWOW64).Nullable()),
			jsonin.Required("registryPath", jsonin.String()),
			jsonin.Required("valueName", jsonin.String()),
		)),
		jsonin.Required("action", jsonin.Enum("create", "update", "delete")),
		jsonin.Key("reason", jsonin.String()),
		jsonin.Key("before", jsonin.Any()),
		jsonin.Required("after", jsonin.Object(
			jsonin.Required("exists", jsonin.Bool()),
			jsonin.Key("type", jsonin.String().Nullable()),
			jsonin.Key("hex", jsonin.String().Nullable()),
			jsonin.Key("redacted", jsonin.Bool()),
			jsonin.Key("text", jsonin.String().Nullable()),
			jsonin.Key("blob", jsonin.Any()),
		)),
	))),
	jsonin.Key("warnings", jsonin.Any()),
	jsonin.Key("requiresElevation", jsonin.Bool()),
	jsonin.Key("restartRequired", jsonin.Any()),
	jsonin.Key("empty", jsonin.Bool()),
)

// ParsePlan reads a plan written by 'ccproxy plan' (also after a round trip through
// PowerShell) and checks that it can be applied as it is.
func ParsePlan(name string, data []byte) (*Plan, error) {
	canonical, _, err := readDocument(name, data, planSpec, SchemaPlan, "a plan written by 'ccproxy plan'", false)
	if err != nil {
		return nil, err
	}
	var p Plan
	if err := json.Unmarshal(canonical, &p); err != nil {
		return nil, &InputError{Input: name, Msg: "cannot read the plan: " + err.Error()}
	}
	if p.Changes == nil {
		p.Changes = []Change{}
	}
	if p.Warnings == nil {
		p.Warnings = []Warning{}
	}
	if err := p.check(name); err != nil {
		return nil, err
	}
	return &p, nil
}

// check verifies a plan read from a file: every target is a proxy setting the fingerprint
// covers, and every value to write is there in full.
func (p *Plan) check(name string) error {
	fail := func(place, format string, args ...any) error {
		return &InputError{Input: name, Place: place, Msg: fmt.Sprintf(format, args...)}
	}
	if p.Fingerprint.Algorithm != "sha256" {
		return fail("$.fingerprint.algorithm", "%s is not supported; expected \"sha256\"", jsonQuote(p.Fingerprint.Algorithm))
	}
	if fingerprintValue(p.Fingerprint.Values) != strings.ToLower(p.Fingerprint.Value) {
		return fail("$.fingerprint", "does not match the values it lists: the plan was edited; hint: make a new one with 'ccproxy plan'")
	}
	covered := map[string]bool{}
	for _, v := range p.Fingerprint.Values {
		covered[valueRef{v.RegistryPath, v.ValueName}.key()] = true
	}
	seen := map[string]bool{}
	for i := range p.Changes {
		c := &p.Changes[i]
		place := fmt.Sprintf("$.changes[%d]", i)
		ref := valueRef{c.Target.RegistryPath, c.Target.ValueName}
		stack, view, ok := allowedTarget(ref.path, ref.name)
		if !ok {
			return fail(place+".target", "%s is not a proxy setting ccproxy writes; the plan was edited", jsonQuote(ref.String()))
		}
		if c.Target.Stack != stack || (c.Target.View == nil) != (view == "") || (c.Target.View != nil && *c.Target.View != view) {
			return fail(place+".target", "stack or view does not match %s; the plan was edited", jsonQuote(ref.String()))
		}
		if !covered[ref.key()] {
			return fail(place+".target", "%s is not covered by the fingerprint; the plan was edited", jsonQuote(ref.String()))
		}
		if seen[ref.key()] {
			return fail(place+".target", "%s is changed twice", jsonQuote(ref.String()))
		}
		seen[ref.key()] = true
		if (c.Action == ActionDelete) == c.After.Exists {
			return fail(place+".action", "%q does not agree with after.exists", c.Action)
		}
		if !c.After.Exists || c.after != nil {
			// A plan built in memory (restore) carries the exact bytes beside the redacted view.
			continue
		}
		if c.After.Redacted || c.After.Hex == nil {
			return fail(place+".after", "the value to write is redacted, so this plan cannot be applied; hint: ccproxy never plans credentials, make a new plan")
		}
		if c.After.Type == nil {
			return fail(place+".after.type", "missing")
		}
		t, ok := regTypeCode(*c.After.Type)
		if !ok {
			return fail(place+".after.type", "unknown registry type %s", jsonQuote(*c.After.Type))
		}
		data, err := hex.DecodeString(*c.After.Hex)
		if err != nil {
			return fail(place+".after.hex", "not a hex string; the plan was edited")
		}
		v := &RegValue{Type: t, Data: data}
		if msg := plannedValueProblem(ref.name, v); msg != "" {
			return fail(place+".after", "%s; the plan was edited", msg)
		}
		c.after = v
	}
	if p.Empty != (len(p.Changes) == 0) {
		return fail("$.empty", "does not agree with the list of changes; the plan was edited")
	}
	return nil
}

// plannedValueProblem says what is wrong with a value a plan would write, "" when it is
// what ccproxy itself writes there.
func plannedValueProblem(name string, v *RegValue) string {
	switch {
	case strings.EqualFold(name, WinHTTPValue), strings.EqualFold(name, DefaultConnValue):
		if v.Type != RegBinary {
			return name + " must be REG_BINARY, not " + RegTypeName(v.Type)
		}
		if _, err := blobDecoder(name)(v.Data); err != nil {
			return "a " + name + " value that does not decode (" + err.Error() + ")"
		}
	case strings.EqualFold(name, valProxyEnable):
		if _, ok := DecodeDWORD(v); !ok {
			return name + ": expected REG_DWORD, got " + RegTypeName(v.Type)
		}
	default:
		if v.Type != RegSZ {
			return name + ": expected REG_SZ, got " + RegTypeName(v.Type)
		}
	}
	return ""
}
