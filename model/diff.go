package model

import (
	"ccproxy/registry"
	"fmt"
	"reflect"
	"strings"
)

// SchemaDiff is the document diff writes.
const SchemaDiff = "ccproxy/diff@1"

// Diff is the ccproxy/diff@1 document: the settings in which two state or desired documents
// differ. "before" is A's value and "after" is B's.
type Diff struct {
	Schema      string        `json:"schema"`
	A           DiffSide      `json:"a"`
	B           DiffSide      `json:"b"`
	Same        bool          `json:"same" doc:"true when every compared setting is equal"`
	Differences []Difference  `json:"differences"`
	NotCompared []NotCompared `json:"notCompared" doc:"settings one side does not know"`
}

// DiffSide names one compared document.
type DiffSide struct {
	Name string `json:"name" doc:"file name, stdin or system"`
	Kind string `json:"kind" enum:"state,desired"`
}

// Difference is one setting that differs.
type Difference struct {
	Path   string  `json:"path" doc:"JSON path of the setting, as in the state (or desired) document"`
	Before any     `json:"before" doc:"the value in A"`
	After  any     `json:"after" doc:"the value in B"`
	Note   *string `json:"note"`
}

// NotCompared is a setting left out because a side does not hold it.
type NotCompared struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

type diffField struct {
	path  string
	value any
	set   bool // false: not given (desired documents only)
}

// stateFields are the settings a state holds, in the order documents list them: what each
// stack does, not the bytes (counters and key times change without the settings changing).
func stateFields(st *State) ([]diffField, map[string]string) {
	var out []diffField
	unknown := map[string]string{}
	add := func(path string, v any) { out = append(out, diffField{path: path, value: v, set: true}) }
	for _, v := range []struct {
		name string
		view WinHTTPView
	}{{ViewNative, st.WinHTTP.Native}, {ViewWOW64, st.WinHTTP.WOW64}} {
		base := "$.winhttp." + v.name
		if !v.view.Known {
			unknown[base] = "the " + sourceText(st) + " does not hold this WinHTTP view"
			continue
		}
		mode := Deref(v.view.Mode)
		add(base+".mode", nilIfEmpty(mode))
		if mode == ModeProxy {
			add(base+".proxy", proxyValue(v.view.Proxy))
			add(base+".bypass", bypassValue(v.view.Bypass))
		} else {
			add(base+".proxy", nil)
			add(base+".bypass", []string{})
		}
	}
	w := st.WinINet
	if !w.Known {
		unknown["$.wininet"] = "the " + sourceText(st) + " does not hold WinINet settings"
		return out, unknown
	}
	add("$.wininet.scope", w.Scope)
	add("$.wininet.manualProxy", valueOrNil(w.ManualProxy))
	add("$.wininet.proxy", proxyValue(w.Proxy))
	add("$.wininet.bypass", bypassValue(w.Bypass))
	add("$.wininet.autoConfigUrl", valueOrNil(w.AutoConfigURL))
	add("$.wininet.autoDetect", valueOrNil(w.AutoDetect))
	return out, unknown
}

func sourceText(st *State) string {
	if st.Source.Path != nil {
		return string(st.Source.Kind) + " " + *st.Source.Path
	}
	return string(st.Source.Kind) + " source"
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func proxyValue(p *ProxyDoc) any {
	if p == nil {
		return nil
	}
	return p.Raw
}

func bypassValue(b *BypassDoc) []string {
	out := []string{}
	if b == nil {
		return out
	}
	for _, e := range b.Entries {
		out = append(out, e.Value)
	}
	return out
}

// valueOrNil is *p, or nil when p is nil.
func valueOrNil[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// DiffStates compares the settings of two states.
func DiffStates(aName string, a *State, bName string, b *State) *Diff {
	af, au := stateFields(a)
	bf, bu := stateFields(b)
	return compareFields(DiffSide{Name: aName, Kind: "state"}, af, au, DiffSide{Name: bName, Kind: "state"}, bf, bu)
}

// desiredFields lists what a desired state says; keys it leaves out are not set.
func desiredFields(d *Desired) []diffField {
	var out []diffField
	add := func(path string, set bool, v any) { out = append(out, diffField{path: path, value: v, set: set}) }
	w := d.WinHTTP
	if w == nil {
		w = &DesiredWinHTTP{}
	}
	add("$.winhttp.mode", w.Mode != "", nilIfEmpty(w.Mode))
	add("$.winhttp.proxy", w.Proxy != nil, desiredProxyValue(w.Proxy))
	add("$.winhttp.bypass", w.Bypass != nil, listValue(w.Bypass))
	add("$.winhttp.ensureBypass", w.EnsureBypass != nil, listValue(w.EnsureBypass))
	var views any
	if d.WinHTTP != nil {
		views = w.views()
	}
	add("$.winhttp.views", d.WinHTTP != nil, views)
	i := d.WinINet
	if i == nil {
		i = &DesiredWinINet{}
	}
	add("$.wininet.user", i.User != "", nilIfEmpty(i.User))
	add("$.wininet.manualProxy", i.ManualProxy != nil, valueOrNil(i.ManualProxy))
	add("$.wininet.proxy", i.Proxy != nil, desiredProxyValue(i.Proxy))
	add("$.wininet.bypass", i.Bypass != nil, listValue(i.Bypass))
	add("$.wininet.ensureBypass", i.EnsureBypass != nil, listValue(i.EnsureBypass))
	add("$.wininet.autoConfigUrl", i.AutoConfigURL != nil || i.RemoveAutoConfigURL, valueOrNil(i.AutoConfigURL))
	add("$.wininet.autoDetect", i.AutoDetect != nil, valueOrNil(i.AutoDetect))
	return out
}

func desiredProxyValue(p *DesiredProxy) any {
	if p == nil {
		return nil
	}
	return p.Raw
}

func listValue(l []string) any {
	if l == nil {
		return nil
	}
	return append([]string{}, l...)
}

// DiffDesired compares two desired states key by key.
func DiffDesired(aName string, a *Desired, bName string, b *Desired) *Diff {
	return compareFields(DiffSide{Name: aName, Kind: "desired"}, desiredFields(a), nil, DiffSide{Name: bName, Kind: "desired"}, desiredFields(b), nil)
}

func compareFields(a DiffSide, af []diffField, au map[string]string, b DiffSide, bf []diffField, bu map[string]string) *Diff {
	d := &Diff{Schema: SchemaDiff, A: a, B: b, Differences: []Difference{}, NotCompared: []NotCompared{}}
	skipped := map[string]bool{}
	for _, side := range []struct {
		name    string
		unknown map[string]string
	}{{"A", au}, {"B", bu}} {
		for _, f := range append(append([]diffField{}, af...), bf...) {
			for prefix, reason := range side.unknown {
				if !skipped[prefix] && (f.path == prefix || strings.HasPrefix(f.path, prefix+".")) {
					skipped[prefix] = true
					d.NotCompared = append(d.NotCompared, NotCompared{Path: prefix, Reason: side.name + ": " + RedactCredentials(reason)})
				}
			}
		}
	}
	isSkipped := func(path string) bool {
		for prefix := range skipped {
			if path == prefix || strings.HasPrefix(path, prefix+".") {
				return true
			}
		}
		return false
	}
	bByPath := map[string]diffField{}
	for _, f := range bf {
		bByPath[f.path] = f
	}
	seen := map[string]bool{}
	for _, f := range af {
		seen[f.path] = true
		g, ok := bByPath[f.path]
		if isSkipped(f.path) || !ok {
			continue
		}
		if f.set == g.set && reflect.DeepEqual(f.value, g.value) {
			continue
		}
		diff := Difference{Path: f.path, Before: redactAny(f.value), After: redactAny(g.value)}
		switch {
		case !f.set && g.set:
			diff.Note = Ptr("not given in A (left as it is)")
		case f.set && !g.set:
			diff.Note = Ptr("not given in B (left as it is)")
		}
		d.Differences = append(d.Differences, diff)
	}
	d.Same = len(d.Differences) == 0
	return d
}

func redactAny(v any) any {
	switch t := v.(type) {
	case string:
		return RedactValue(t)
	case []string:
		out := make([]string, len(t))
		for i, s := range t {
			out[i] = RedactValue(s)
		}
		return out
	}
	return v
}

// ProjectDesired is the state the source would be in once the desired state is applied:
// the plan's writes laid over the source, read back the way 'get' reads it.
func ProjectDesired(r RegistryReader, opts ReadOptions, st *State, d *Desired, desiredName string) (*State, *Plan, error) {
	p, err := MakePlan(PlanInput{Reader: r, State: st, Desired: d, DesiredName: desiredName, Now: opts.Now})
	if err != nil {
		return nil, nil, err
	}
	ov := registry.NewOverlay(r)
	for _, c := range p.Changes {
		var err error
		if c.after == nil {
			err = ov.DeleteValue(c.Target.RegistryPath, c.Target.ValueName)
		} else {
			err = ov.SetValue(c.Target.RegistryPath, c.Target.ValueName, *c.after)
		}
		if err != nil {
			return nil, nil, err
		}
	}
	proj, err := ReadState(ov, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("projecting the desired state: %w", err)
	}
	return proj, p, nil
}
