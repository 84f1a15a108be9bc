package system

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"ccproxy/model"
	"ccproxy/model/jsonin"
)

// LoadStateDocument turns a saved ccproxy/state@1 document back into registry values, so
// that a state captured on one machine can be diffed, planned against and tested anywhere.
// The blobs come back from their hex; the plain WinINet values from plainValues.
func LoadStateDocument(name string, data []byte) (*MemStore, error) {
	text, _, err := jsonin.Decode(name, data)
	if err != nil {
		return nil, err
	}
	if !gjson.ValidBytes(text) {
		return nil, &model.InputError{Input: name, Msg: "not valid JSON; hint: pass a document written by 'ccproxy get'"}
	}
	doc := gjson.ParseBytes(text)
	if !doc.IsObject() {
		return nil, &model.InputError{Input: name, Place: "$", Msg: "expected a ccproxy/state@1 object"}
	}
	schema := jget(doc, "schema").String()
	if schema != model.SchemaState {
		if strings.HasPrefix(schema, "ccproxy/state@") {
			return nil, &model.InputError{Input: name, Place: "$.schema", Msg: fmt.Sprintf("%q is a major version this ccproxy does not read (it reads %s); hint: upgrade ccproxy", schema, model.SchemaState)}
		}
		return nil, &model.InputError{Input: name, Place: "$.schema", Msg: fmt.Sprintf("expected %q, found %q; hint: --from takes a state written by 'ccproxy get'", model.SchemaState, schema)}
	}
	info := SourceInfo{Kind: "stateDocument", Path: name}
	src := jget(doc, "source")
	info.Host = jget(src, "host").String()
	owner := jget(src, "wininetOwner")
	info.CurrentUserName = jget(owner, "user").String()
	info.CurrentUserSID = jget(owner, "sid").String()
	if t, ok := jtime(jget(src, "bootTime")); ok {
		info.BootTime = &t
	}
	st := NewMemStore(info)

	views := []struct{ path, key string }{{"native", model.WinHTTPNativeKey}, {"wow64", model.WinHTTPWOW64Key}}
	for _, v := range views {
		view := jget(jget(doc, "winhttp"), v.path)
		if !jget(view, "known").Bool() {
			continue
		}
		st.EnsureKey(v.key)
		if t, ok := jtime(jget(view, "keyLastWrite")); ok {
			st.SetKeyTime(v.key, t)
		}
		if jget(view, "present").Bool() {
			if err := putBlob(st, name, "$.winhttp."+v.path+".blob", jget(view, "blob"), v.key, model.WinHTTPValue); err != nil {
				return nil, err
			}
		}
	}

	wi := jget(doc, "wininet")
	if jget(wi, "known").Bool() {
		settings := jget(wi, "registryPath").String()
		if settings == "" {
			return nil, &model.InputError{Input: name, Place: "$.wininet.registryPath", Msg: "missing; the document is incomplete"}
		}
		settings = CanonicalPath(settings)
		conns := settings + `\Connections`
		st.EnsureKey(conns)
		if t, ok := jtime(jget(wi, "keyLastWrite")); ok {
			st.SetKeyTime(conns, t)
		}
		if jget(wi, "scope").String() == "machine" {
			if err := st.SetValue(model.PolicyKey, model.PolicyPerUserValue, model.EncodeDWORD(0)); err != nil {
				return nil, err
			}
		}
		for _, b := range []struct{ field, value string }{{"connectionSettings", model.DefaultConnValue}, {"savedLegacySettings", model.SavedLegacyValue}} {
			if j := jget(wi, b.field); j.IsObject() {
				if err := putBlob(st, name, "$.wininet."+b.field, j, conns, b.value); err != nil {
					return nil, err
				}
			}
		}
		pv := jget(wi, "plainValues")
		for _, s := range []struct{ field, value string }{{"proxyServer", "ProxyServer"}, {"proxyOverride", "ProxyOverride"}, {"autoConfigUrl", "AutoConfigURL"}} {
			if j := jget(pv, s.field); j.Type == gjson.String {
				_ = st.SetValue(settings, s.value, model.EncodeRegString(j.String()))
			}
		}
		for _, d := range []struct{ field, value string }{{"proxyEnable", "ProxyEnable"}, {"autoDetect", "AutoDetect"}} {
			if j := jget(pv, d.field); j.Type == gjson.Number {
				_ = st.SetValue(settings, d.value, model.EncodeDWORD(uint32(j.Uint())))
			}
		}
	}
	st.Info = info
	return st, nil
}

// putBlob stores a blob from its hex. A redacted blob (its proxy held credentials, which are
// never written out) comes back redacted: good enough to read, not to restore.
func putBlob(st *MemStore, name, place string, blob gjson.Result, key, value string) error {
	h := jget(blob, "hex").String()
	b, err := hex.DecodeString(h)
	if err != nil {
		return &model.InputError{Input: name, Place: place + ".hex", Msg: "not a hex string; the document was edited or is corrupt"}
	}
	return st.SetValue(key, value, Value{Type: RegBinary, Data: b})
}

// jget looks a key up case-insensitively, as every ccproxy reader does.
func jget(r gjson.Result, key string) gjson.Result {
	if v := r.Get(key); v.Exists() {
		return v
	}
	var found gjson.Result
	r.ForEach(func(k, v gjson.Result) bool {
		if strings.EqualFold(k.String(), key) {
			found = v
			return false
		}
		return true
	})
	return found
}

func jtime(r gjson.Result) (time.Time, bool) {
	if r.Type != gjson.String {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, r.String())
	return t.UTC(), err == nil
}
