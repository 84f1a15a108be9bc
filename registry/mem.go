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
type Mem struct {
	mu   sync.Mutex
	keys map[string]*memKey // by Key
	// FailWrite, when set, is called before each write; a non-nil error fails that write.
	FailWrite func(op, path, name string) error
	// FailRead, when set, is called before each read; a non-nil error fails that read.
	FailRead func(path, name string) error
}

type memKey struct {
	path      string // as first written, canonical root
	values    map[string]memValue
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
func NewMem() *Mem { return &Mem{keys: map[string]*memKey{}} }

func (m *Mem) key(path string, create bool) *memKey {
	k := m.keys[Key(path)]
	if k == nil && create {
		k = m.newKey(path)
	}
	if k != nil && create {
		k.implied = false
	}
	return k
}

// newKey creates a key and, as the registry does, its parents; the parents are implied.
func (m *Mem) newKey(path string) *memKey {
	k := &memKey{path: CanonicalPath(path), values: map[string]memValue{}}
	m.keys[Key(path)] = k
	if i := strings.LastIndex(k.path, `\`); i > 0 && m.keys[Key(k.path[:i])] == nil {
		m.newKey(k.path[:i]).implied = true
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
	pk := Key(path)
	for k := range m.keys {
		if k == pk || strings.HasPrefix(k, pk+`\`) {
			delete(m.keys, k)
		}
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

func (m *Mem) SubKeys(path string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	prefix := Key(path) + `\`
	seen := map[string]string{}
	for pk, k := range m.keys {
		if !strings.HasPrefix(pk, prefix) {
			continue
		}
		rest := k.path[len(prefix):]
		child, _, _ := strings.Cut(rest, `\`)
		seen[strings.ToLower(child)] = child
	}
	out := make([]string, 0, len(seen))
	for _, c := range seen {
		out = append(out, c)
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

// Snapshot returns every value, for tests that compare a whole registry before and after.
func (m *Mem) Snapshot() map[string]Value {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]Value{}
	for pk, k := range m.keys {
		for ln, mv := range k.values {
			out[pk+`\\`+ln] = mv.v.Clone()
		}
	}
	return out
}

// Keys lists the identity (Key) of every key held, implied ones too, in order: for tests that
// compare two registries key by key.
func (m *Mem) Keys() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.keys))
	for k := range m.keys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
