package system

import "ccproxy/registry"

// MemStore is the in-memory registry (registry.Mem) with the description of what it holds.
// It backs the .reg, state-document and netsh sources and is the fake tests use in place of
// the live registry.
type MemStore struct {
	*registry.Mem
	Info SourceInfo
}

var _ Writer = (*MemStore)(nil)

// NewMemStore returns an empty store describing itself with info.
func NewMemStore(info SourceInfo) *MemStore {
	return &MemStore{Mem: registry.NewMem(), Info: info}
}

func (m *MemStore) Source() SourceInfo { return m.Info }

// Overlay is a copy-on-write view of a source (registry.Overlay) that still says what it
// reads from: DSC's what-if writes land in memory, and the source is never written.
type Overlay struct {
	*registry.Overlay
	base Store
}

var _ Writer = (*Overlay)(nil)

// NewOverlay starts an overlay with nothing written over base.
func NewOverlay(base Store) *Overlay { return &Overlay{Overlay: registry.NewOverlay(base), base: base} }

func (o *Overlay) Source() SourceInfo { return o.base.Source() }
