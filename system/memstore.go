package system

import (
	"sort"
	"strings"
	"sync"
	"time"
)

// MemStore is an in-memory registry. It backs the .reg, state-document and netsh sources
// and is the fake that tests use in place of the live registry. FailWrite lets tests inject
// a failure at any single write step.
type MemStore struct {
	mu   sync.Mutex
	keys map[string]*memKey // by pathKey
	Info SourceInfo
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

// NewMemStore returns an empty store describing itself with info.
func NewMemStore(info SourceInfo) *MemStore {
	return &MemStore{keys: map[string]*memKey{}, Info: info}
}

func (m *MemStore) Source() SourceInfo { return m.Info }

func (m *MemStore) key(path string, create bool) *memKey {
	k := m.keys[pathKey(path)]
	if k == nil && create {
		k = m.newKey(path)
	}
	if k != nil && create {
		k.implied = false
	}
	return k
}

// newKey creates a key and, as the registry does, its parents; the parents are implied.
func (m *MemStore) newKey(path string) *memKey {
	k := &memKey{path: CanonicalPath(path), values: map[string]memValue{}}
	m.keys[pathKey(path)] = k
	if i := strings.LastIndex(k.path, `\`); i > 0 && m.keys[pathKey(k.path[:i])] == nil {
		m.newKey(k.path[:i]).implied = true
	}
	return k
}

// EnsureKey creates a key (and its parents) without values.
func (m *MemStore) EnsureKey(path string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.key(path, true)
}

// DeleteKey removes a key and its subkeys, as a "[-path]" line of a .reg file does.
func (m *MemStore) DeleteKey(path string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	pk := pathKey(path)
	for k := range m.keys {
		if k == pk || strings.HasPrefix(k, pk+`\`) {
			delete(m.keys, k)
		}
	}
}

// SetKeyTime sets a key's last-write time (sources that know it: state documents, the live registry).
func (m *MemStore) SetKeyTime(path string, t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t = t.UTC()
	m.key(path, true).lastWrite = &t
}

func (m *MemStore) ReadValue(path, name string) (*Value, error) {
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
	return &Value{Type: mv.v.Type, Data: append([]byte(nil), mv.v.Data...)}, nil
}

func (m *MemStore) Key(path string) (KeyInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := m.key(path, false)
	if k == nil {
		return KeyInfo{}, nil
	}
	return KeyInfo{Exists: true, LastWrite: k.lastWrite, Implied: k.implied}, nil
}

func (m *MemStore) SetValue(path, name string, v Value) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.FailWrite != nil {
		if err := m.FailWrite("set", path, name); err != nil {
			return err
		}
	}
	k := m.key(path, true)
	k.values[strings.ToLower(name)] = memValue{name: name, v: Value{Type: v.Type, Data: append([]byte(nil), v.Data...)}}
	return nil
}

func (m *MemStore) DeleteValue(path, name string) error {
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

func (m *MemStore) SubKeys(path string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	prefix := pathKey(path) + `\`
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
func (m *MemStore) ValueNames(path string) ([]string, error) {
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
func (m *MemStore) Snapshot() map[string]Value {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]Value{}
	for pk, k := range m.keys {
		for ln, mv := range k.values {
			out[pk+`\\`+ln] = Value{Type: mv.v.Type, Data: append([]byte(nil), mv.v.Data...)}
		}
	}
	return out
}
