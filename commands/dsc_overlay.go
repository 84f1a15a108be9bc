package commands

import (
	"ccproxy/model"
	"ccproxy/system"
	"strings"
)

// dscOverlay is a copy-on-write view of a registry: what-if writes land in memory and
// reads see them, while the registry itself is never written.
type dscOverlay struct {
	base    system.Store
	written map[string]*model.RegValue // nil value: deleted
}

func newDscOverlay(base system.Store) *dscOverlay {
	return &dscOverlay{base: base, written: map[string]*model.RegValue{}}
}

func dscOverlayKey(path, name string) string {
	return strings.ToLower(system.CanonicalPath(path)) + "\x00" + strings.ToLower(name)
}

func (o *dscOverlay) ReadValue(path, name string) (*model.RegValue, error) {
	if v, ok := o.written[dscOverlayKey(path, name)]; ok {
		if v == nil {
			return nil, nil
		}
		return &model.RegValue{Type: v.Type, Data: append([]byte(nil), v.Data...)}, nil
	}
	return o.base.ReadValue(path, name)
}

func (o *dscOverlay) Key(path string) (model.KeyInfo, error) { return o.base.Key(path) }

func (o *dscOverlay) Source() system.SourceInfo { return o.base.Source() }

func (o *dscOverlay) SetValue(path, name string, v model.RegValue) error {
	o.written[dscOverlayKey(path, name)] = &model.RegValue{Type: v.Type, Data: append([]byte(nil), v.Data...)}
	return nil
}

func (o *dscOverlay) DeleteValue(path, name string) error {
	o.written[dscOverlayKey(path, name)] = nil
	return nil
}

func (o *dscOverlay) SubKeys(path string) ([]string, error) {
	if l, ok := o.base.(system.Lister); ok {
		return l.SubKeys(path)
	}
	return nil, nil
}

func (o *dscOverlay) ValueNames(path string) ([]string, error) {
	if l, ok := o.base.(system.Lister); ok {
		return l.ValueNames(path)
	}
	return nil, nil
}
