package system

import (
	"fmt"
	"strings"

	"ccproxy/model"
)

// LoadStateDocument turns a saved ccproxy/state@1 document back into registry values, so
// that a state captured on one machine can be diffed, planned against and tested anywhere.
// The document is read by model.ParseStateDocument (the one JSON reader); the blobs come
// back from their hex, the plain WinINet values from plainValues, and only the keys the
// document knew are made known again.
func LoadStateDocument(name string, data []byte) (*MemStore, []string, error) {
	doc, warnings, err := model.ParseStateDocument(name, data)
	if err != nil {
		return nil, warnings, err
	}
	info := SourceInfo{Kind: model.SourceStateDocument, Path: name, BootTime: doc.Source.BootTime}
	info.Host = deref(doc.Source.Host)
	info.CurrentUserName = deref(doc.Source.WinINetOwner.User)
	info.CurrentUserSID = deref(doc.Source.WinINetOwner.SID)
	st := NewMemStore(info)

	for _, v := range []struct {
		view *model.SavedView
		key  string
	}{{doc.WinHTTP.Native, model.WinHTTPNativeKey}, {doc.WinHTTP.WOW64, model.WinHTTPWOW64Key}} {
		if v.view == nil || !v.view.Known {
			continue
		}
		st.EnsureKey(v.key)
		if t := v.view.KeyLastWrite; t != nil {
			st.SetKeyTime(v.key, *t)
		}
		if v.view.Present != nil && *v.view.Present && v.view.Blob != nil {
			if err := st.SetValue(v.key, model.WinHTTPValue, Value{Type: RegBinary, Data: v.view.Blob.Data}); err != nil {
				return nil, warnings, err
			}
		} else if v.view.Present != nil && *v.view.Present && doc.Source.Kind == string(model.SourceNetsh) {
			// Read from netsh text, which prints the setting but not the bytes: the setting
			// comes back as netsh's own source holds it (netshStore), and the state says
			// again that the bytes are unknown.
			direct, proxy, bypass, ok := v.view.Setting()
			if !ok {
				return nil, warnings, &model.InputError{Input: name, Place: "$.winhttp", Msg: "a view read from netsh text holds neither a blob nor its mode and proxy; the document was edited"}
			}
			b, err := netshBlob(NetshProxy{Direct: direct, Proxy: proxy, Bypass: bypass})
			if err != nil {
				return nil, warnings, &model.InputError{Input: name, Place: "$.winhttp", Msg: fmt.Sprintf("proxy settings cannot be stored: %v", err)}
			}
			if err := st.SetValue(v.key, model.WinHTTPValue, Value{Type: RegBinary, Data: b}); err != nil {
				return nil, warnings, err
			}
			info.WinHTTPBytesUnknown = true
		}
	}
	if w := doc.WinINet; w != nil && w.Known {
		if w.RegistryPath == nil || *w.RegistryPath == "" {
			return nil, warnings, &model.InputError{Input: name, Place: "$.wininet.registryPath", Msg: "missing; the document is incomplete"}
		}
		if w.Scope == "machine" {
			if err := st.SetValue(model.PolicyKey, model.PolicyPerUserValue, model.EncodeDWORD(0)); err != nil {
				return nil, warnings, err
			}
		}
		if err := putWinINet(st, CanonicalPath(*w.RegistryPath), w); err != nil {
			return nil, warnings, err
		}
	}
	for _, a := range doc.ServiceAccounts {
		if !a.WinINet.Known {
			continue
		}
		settings, _ := model.WinINetKeys(`HKEY_USERS\` + a.SID)
		if err := putWinINet(st, settings, &a.WinINet); err != nil {
			return nil, warnings, err
		}
	}
	if doc.Services != nil {
		root := `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services`
		st.EnsureKey(root)
		for _, s := range doc.Services {
			key := root + `\` + s.Name
			st.EnsureKey(key)
			if s.Account != nil {
				_ = st.SetValue(key, "ObjectName", model.EncodeRegString(*s.Account))
			}
			if n, ok := model.StartType(deref(s.Start)); ok {
				_ = st.SetValue(key, "Start", model.EncodeDWORD(n))
			}
		}
	}
	for i, m := range doc.Machine.Values {
		if !m.Known {
			continue
		}
		key := m.RegistryPath
		if m.ValueName == "" {
			// A marker key: what was known is its parent, which holds it or not.
			parent := key[:max(0, strings.LastIndexByte(key, '\\'))]
			st.EnsureKey(parent)
			if m.Exists {
				st.EnsureKey(key)
			}
			continue
		}
		st.EnsureKey(key)
		v, err := m.Value()
		if err != nil {
			return nil, warnings, &model.InputError{Input: name, Place: fmt.Sprintf("$.machine.values[%d]", i), Msg: err.Error() + "; the document was edited"}
		}
		if v != nil {
			if err := st.SetValue(key, m.ValueName, *v); err != nil {
				return nil, warnings, err
			}
		}
	}
	st.Info = info
	return st, warnings, nil
}

// putWinINet stores one owner's WinINet settings under their Internet Settings key.
func putWinINet(st *MemStore, settings string, w *model.SavedWinINet) error {
	conns := settings + `\Connections`
	// Documents written before the two keys were told apart knew both.
	connKnown := w.ConnectionsKnown == nil || *w.ConnectionsKnown
	plainKnown := w.PlainValues.Known == nil || *w.PlainValues.Known
	if connKnown {
		st.EnsureKey(conns)
		if t := w.KeyLastWrite; t != nil {
			st.SetKeyTime(conns, *t)
		}
		for _, b := range []struct {
			blob  *model.SavedBlob
			value string
		}{{w.ConnectionSettings, model.DefaultConnValue}, {w.SavedLegacy, model.SavedLegacyValue}} {
			if b.blob != nil {
				if err := st.SetValue(conns, b.value, Value{Type: RegBinary, Data: b.blob.Data}); err != nil {
					return err
				}
			}
		}
		for _, n := range w.OtherConnections {
			// The bytes of a dial-up entry are not kept; its name is what the state says.
			_ = st.SetValue(conns, n, Value{Type: RegBinary})
		}
	}
	if !plainKnown {
		return nil
	}
	st.EnsureKey(settings)
	p := w.PlainValues
	for _, s := range []struct {
		v     *string
		value string
	}{{p.ProxyServer, "ProxyServer"}, {p.ProxyOverride, "ProxyOverride"}, {p.AutoConfigURL, "AutoConfigURL"}} {
		if s.v != nil {
			if err := st.SetValue(settings, s.value, model.EncodeRegString(*s.v)); err != nil {
				return err
			}
		}
	}
	for _, d := range []struct {
		v     *uint32
		value string
	}{{p.ProxyEnable, "ProxyEnable"}, {p.AutoDetect, "AutoDetect"}} {
		if d.v != nil {
			if err := st.SetValue(settings, d.value, model.EncodeDWORD(*d.v)); err != nil {
				return err
			}
		}
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return strings.TrimSpace(*s)
}
