package registry

import (
	"sort"
	"strings"
	"sync"
	"time"
)

// Mem is an in-memory registry. It backs the .reg, state-document and netsh sources and is
// the one fake that tests use in place of the live registry. FailWrite and FailRead inject a
// failure at any single step.
//
// Keys form a tree, as the registry's do (Wine's server/registry.c keeps each key's subkeys
// in a sorted array under its parent): every key holds only its own name, so a file of n
// bytes costs O(n) memory however deep its keys go, listing a key's subkeys costs what that
// key holds, and deleting a key costs its own subtree. A flat map of full paths cost the
// square of a key's depth: one 40 KB line of a .reg file took 5 GB.
type Mem struct {
	mu    sync.Mutex
	roots map[string]*memKey // by lower-case root name
	// FailWrite, when set, is called before each write; a non-nil error fails that write.
	FailWrite func(op, path, name string) error
	// FailRead, when set, is called before each read; a non-nil error fails that read.
	FailRead func(path, name string) error
}

type memKey struct {
	name      string              // as first written; roots in their canonical spelling
	subkeys   map[string]*memKey  // by lower-case name
	values    map[string]memValue // by lower-case name
	lastWrite *time.Time
	// implied: created only as the parent of another key, so a file source says nothing
	// about its values.
	implied bool
}

type memValue struct {
	name string
	v    Value
}

// Compile-time proof that Mem is every kind of registry ccproxy uses.
var (
	_ Writer = (*Mem)(nil)
	_ Lister = (*Mem)(nil)
)

// NewMem returns an empty registry.
func NewMem() *Mem { return &Mem{roots: map[string]*memKey{}} }

// pathParts splits a path into its canonical root and key names, as registry.Key sees them:
// an empty name between two backslashes is a name of its own, so Mem and Key agree on which
// paths name one key.
func pathParts(path string) []string {
	return strings.Split(CanonicalPath(path), `\`)
}

func newMemKey(name string) *memKey { return &memKey{name: name} }

// key finds a key; with create it makes the key and, as the registry does, its missing
// parents, which are implied until written themselves.
func (m *Mem) key(path string, create bool) *memKey {
	return m.keyAt(pathParts(path), create)
}

func (m *Mem) keyAt(parts []string, create bool) *memKey {
	k := m.roots[strings.ToLower(parts[0])]
	if k == nil {
		if !create {
			return nil
		}
		k = newMemKey(parts[0])
		k.implied = true
		m.roots[strings.ToLower(parts[0])] = k
	}
	for _, name := range parts[1:] {
		lower := strings.ToLower(name)
		child := k.subkeys[lower]
		if child == nil {
			if !create {
				return nil
			}
			if k.subkeys == nil {
				k.subkeys = map[string]*memKey{}
			}
			child = newMemKey(name)
			child.implied = true
			k.subkeys[lower] = child
		}
		k = child
	}
	if create {
		k.implied = false
	}
	return k
}

// EnsureKey creates a key (and its parents) without values.
func (m *Mem) EnsureKey(path string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.key(path, true)
}

// DeleteKey removes a key and its subkeys, as a "[-path]" line of a .reg file does.
func (m *Mem) DeleteKey(path string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	parts := pathParts(path)
	if len(parts) == 1 {
		delete(m.roots, strings.ToLower(parts[0]))
		return
	}
	parent := m.keyAt(parts[:len(parts)-1], false)
	if parent != nil {
		delete(parent.subkeys, strings.ToLower(parts[len(parts)-1]))
	}
}

// SetKeyTime sets a key's last-write time (sources that know it: state documents, the live registry).
func (m *Mem) SetKeyTime(path string, t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t = t.UTC()
	m.key(path, true).lastWrite = &t
}

func (m *Mem) ReadValue(path, name string) (*Value, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.FailRead != nil {
		if err := m.FailRead(path, name); err != nil {
			return nil, err
		}
	}
	k := m.key(path, false)
	if k == nil {
		return nil, nil
	}
	mv, ok := k.values[strings.ToLower(name)]
	if !ok {
		return nil, nil
	}
	v := mv.v.Clone()
	return &v, nil
}

func (m *Mem) Key(path string) (KeyInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := m.key(path, false)
	if k == nil {
		return KeyInfo{}, nil
	}
	return KeyInfo{Exists: true, LastWrite: k.lastWrite, Implied: k.implied}, nil
}

func (m *Mem) SetValue(path, name string, v Value) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.FailWrite != nil {
		if err := m.FailWrite("set", path, name); err != nil {
			return err
		}
	}
	k := m.key(path, true)
	if k.values == nil {
		k.values = map[string]memValue{}
	}
	k.values[strings.ToLower(name)] = memValue{name: name, v: v.Clone()}
	return nil
}

func (m *Mem) DeleteValue(path, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.FailWrite != nil {
		if err := m.FailWrite("delete", path, name); err != nil {
			return err
		}
	}
	k := m.key(path, false)
	if k == nil {
		return nil
	}
	delete(k.values, strings.ToLower(name))
	return nil
}

// SubKeys lists a key's subkeys by name as first written, in order; none for a missing key.
func (m *Mem) SubKeys(path string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := m.key(path, false)
	if k == nil {
		return []string{}, nil
	}
	out := make([]string, 0, len(k.subkeys))
	for _, c := range k.subkeys {
		out = append(out, c.name)
	}
	sort.Strings(out)
	return out, nil
}

// ValueNames lists a key's value names as first written; none for a missing key.
func (m *Mem) ValueNames(path string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := m.key(path, false)
	if k == nil {
		return nil, nil
	}
	out := make([]string, 0, len(k.values))
	for _, mv := range k.values {
		out = append(out, mv.name)
	}
	sort.Strings(out)
	return out, nil
}

// walk calls fn with the identity (Key) of every key held, parents before children.
func (m *Mem) walk(fn func(id string, k *memKey)) {
	var visit func(id string, k *memKey)
	visit = func(id string, k *memKey) {
		fn(id, k)
		for lower, c := range k.subkeys {
			visit(id+`\`+lower, c)
		}
	}
	for lower, r := range m.roots {
		visit(lower, r)
	}
}

// Snapshot returns every value, for tests that compare a whole registry before and after.
func (m *Mem) Snapshot() map[string]Value {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]Value{}
	m.walk(func(id string, k *memKey) {
		for ln, mv := range k.values {
			out[id+`\\`+ln] = mv.v.Clone()
		}
	})
	return out
}

// Keys lists the identity (Key) of every key held, implied ones too, in order: for tests that
// compare two registries key by key.
func (m *Mem) Keys() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	m.walk(func(id string, _ *memKey) { out = append(out, id) })
	sort.Strings(out)
	return out
}
