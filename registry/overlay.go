package registry

import (
	"sort"
	"strings"
	"sync"
)

// Overlay is a copy-on-write view of a registry: writes land in memory and reads see them,
// while the registry beneath is never written. It projects a plan onto a source (what the
// state would be after applying it) and serves DSC's what-if.
type Overlay struct {
	base Reader
	mu   sync.Mutex
	vals map[string]*Value // by ValueKey; nil: deleted
	// names keeps each written value's spelling by ValueKey, keys each key a write created.
	names map[string]string
	keys  map[string]string // Key -> canonical path
}

var (
	_ Writer = (*Overlay)(nil)
	_ Lister = (*Overlay)(nil)
)

// NewOverlay starts an overlay with nothing written over base.
func NewOverlay(base Reader) *Overlay {
	return &Overlay{base: base, vals: map[string]*Value{}, names: map[string]string{}, keys: map[string]string{}}
}

func (o *Overlay) ReadValue(path, name string) (*Value, error) {
	o.mu.Lock()
	v, ok := o.vals[ValueKey(path, name)]
	o.mu.Unlock()
	if !ok {
		return o.base.ReadValue(path, name)
	}
	if v == nil {
		return nil, nil
	}
	c := v.Clone()
	return &c, nil
}

// Key is the base's key, existing (and no longer merely implied) once a value was set in it.
func (o *Overlay) Key(path string) (KeyInfo, error) {
	ki, err := o.base.Key(path)
	o.mu.Lock()
	_, written := o.keys[Key(path)]
	o.mu.Unlock()
	if err == nil && written {
		ki.Exists, ki.Implied = true, false
	}
	return ki, err
}

func (o *Overlay) SetValue(path, name string, v Value) error {
	c := v.Clone()
	o.mu.Lock()
	defer o.mu.Unlock()
	k := ValueKey(path, name)
	o.vals[k], o.names[k] = &c, name
	o.keys[Key(path)] = CanonicalPath(path)
	return nil
}

func (o *Overlay) DeleteValue(path, name string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	k := ValueKey(path, name)
	o.vals[k], o.names[k] = nil, name
	return nil
}

// SubKeys are the base's, with the keys writes created below path.
func (o *Overlay) SubKeys(path string) ([]string, error) {
	var out []string
	if l, ok := o.base.(Lister); ok {
		var err error
		if out, err = l.SubKeys(path); err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	for _, s := range out {
		seen[strings.ToLower(s)] = true
	}
	prefix := Key(path) + `\`
	o.mu.Lock()
	defer o.mu.Unlock()
	for k, p := range o.keys {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			child, _, _ := strings.Cut(rest, `\`)
			if !seen[child] {
				seen[child] = true
				out = append(out, strings.Split(p, `\`)[strings.Count(prefix, `\`)])
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// ValueNames are the base's, less the values deleted, with the values set.
func (o *Overlay) ValueNames(path string) ([]string, error) {
	var base []string
	if l, ok := o.base.(Lister); ok {
		var err error
		if base, err = l.ValueNames(path); err != nil {
			return nil, err
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	out := []string{}
	seen := map[string]bool{}
	for _, n := range base {
		k := ValueKey(path, n)
		seen[k] = true
		if v, written := o.vals[k]; !written || v != nil {
			out = append(out, n)
		}
	}
	prefix := Key(path) + "\x00"
	for k, v := range o.vals {
		if v != nil && !seen[k] && strings.HasPrefix(k, prefix) {
			out = append(out, o.names[k])
		}
	}
	sort.Strings(out)
	if len(out) == 0 && base == nil {
		return nil, nil
	}
	return out, nil
}
