package commands

import (
	"encoding/json"
	"strings"

	"ccproxy/jsonin"
	"ccproxy/model"
	"ccproxy/ops"
	"ccproxy/system"
)

// DiffCmd compares two state or desired documents.
type DiffCmd struct {
	A string `arg:"" help:"A state source (.reg export, ccproxy state document, netsh text, system) or a desired-state document; - for stdin." placeholder:"A"`
	B string `arg:"" optional:"" help:"The same kinds as A; default: the state from --from (the live registry unless told otherwise)." placeholder:"B"`
	SourceFlags
	FormatFlag
}

// diffSide is one compared document: a desired state, or a state with its source.
type diffSide struct {
	name    string
	from    string // the argument
	live    bool   // the live registry; else data holds the bytes read
	data    []byte
	desired *model.Desired
	src     *ops.StateSource
}

func (c *DiffCmd) Run(env *Env) error {
	b := c.B
	if b == "" {
		b = c.From
	}
	if err := ops.ClaimStdin(ops.In("A", c.A), ops.In("B", b), ops.In("--advproxy", c.AdvProxy)); err != nil {
		return err
	}
	// Desired documents first: a desired wininet.user decides whose settings a state holds.
	a, err := loadDesiredSide(env, c.A)
	if err != nil {
		return err
	}
	bs, err := loadDesiredSide(env, b)
	if err != nil {
		return err
	}
	user := c.User
	for _, s := range []*diffSide{a, bs} {
		if s.desired != nil {
			if user, err = sourceUser(user, s.desired); err != nil {
				return err
			}
		}
	}
	for _, s := range []*diffSide{a, bs} {
		if s.desired != nil {
			continue
		}
		if s.src, err = s.readState(env, user); err != nil {
			return err
		}
	}
	d, err := diffSides(a, bs)
	if err != nil {
		return err
	}
	if err := env.EmitAs(d, c.Format); err != nil {
		return err
	}
	if !d.Same {
		return resultError{"the documents differ"}
	}
	return nil
}

// readState reads a side that is not a desired state: the live registry, or the bytes
// read already, which the state reader recognises by their content.
func (s *diffSide) readState(env *Env, user string) (*ops.StateSource, error) {
	if s.live {
		return env.machine().OpenState(s.from, nil, user)
	}
	op, err := system.OpenRead(s.from, s.name, s.data)
	if err != nil {
		return nil, err
	}
	return env.machine().ReadSource(op, user)
}

// loadDesiredSide reads arg, and parses it when it is a desired-state document.
func loadDesiredSide(env *Env, arg string) (*diffSide, error) {
	if arg == "" || strings.EqualFold(arg, "system") {
		return &diffSide{name: "system", from: arg, live: true}, nil
	}
	name, data, err := system.ReadInput(arg, env.Stdin)
	if err != nil {
		return nil, err
	}
	s := &diffSide{name: name, from: arg, data: data}
	if !isDesiredDocument(name, data) {
		return s, nil
	}
	d, _, err := model.ParseDesired(name, data)
	if err != nil {
		return nil, err
	}
	s.desired = d
	return s, nil
}

// isDesiredDocument looks for a "schema" key (in any case) naming a desired state; an object
// without one is a desired state written by hand, since ccproxy always writes the key.
func isDesiredDocument(name string, data []byte) bool {
	text, _, err := jsonin.Decode(name, data)
	if err != nil {
		return false
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(text, &top) != nil {
		return false
	}
	for k, v := range top {
		var s string
		if strings.EqualFold(k, "schema") && json.Unmarshal(v, &s) == nil {
			return strings.HasPrefix(strings.ToLower(s), "ccproxy/desired@")
		}
	}
	return true
}

func diffSides(a, b *diffSide) (*model.Diff, error) {
	switch {
	case a.desired != nil && b.desired != nil:
		return model.DiffDesired(a.name, a.desired, b.name, b.desired), nil
	case a.desired != nil:
		proj, _, err := model.ProjectDesired(b.src.Store, b.src.Opts, b.src.State, a.desired, a.name)
		if err != nil {
			return nil, err
		}
		d := model.DiffStates(a.name, proj, b.name, b.src.State)
		d.A.Kind = "desired"
		return d, nil
	case b.desired != nil:
		proj, _, err := model.ProjectDesired(a.src.Store, a.src.Opts, a.src.State, b.desired, b.name)
		if err != nil {
			return nil, err
		}
		d := model.DiffStates(a.name, a.src.State, b.name, proj)
		d.B.Kind = "desired"
		return d, nil
	}
	return model.DiffStates(a.name, a.src.State, b.name, b.src.State), nil
}
