package model

import (
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// A bypass list or proxy string longer than MaxListedEntries is listed in detail up to that
// count and the rest is counted; raw keeps all of it, and the checks in memory see every entry.
func TestLongListsAreCountedNotListed(t *testing.T) {
	list := "<local>;" + strings.TrimSuffix(strings.Repeat("a;", 1500), ";") + ";u:secret@last.example"
	b := NewBypassDoc(list)
	p := NewProxyDoc(strings.Repeat("p:1 ", 1200))
	if len(b.Entries) != 1502 || len(p.Entries) != 1200 {
		t.Fatalf("in memory: %d bypass entries, %d proxy entries", len(b.Entries), len(p.Entries))
	}
	doc, err := MarshalDocument(struct {
		Bypass *BypassDoc `json:"bypass"`
		Proxy  *ProxyDoc  `json:"proxy"`
	}{b, p}, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		want int64
	}{{"bypass.entries.#", MaxListedEntries}, {"bypass.entriesNotListed", 502}, {"proxy.entries.#", MaxListedEntries}, {"proxy.entriesNotListed", 200}} {
		if got := gjson.GetBytes(doc, c.path).Int(); got != c.want {
			t.Errorf("%s = %d, want %d", c.path, got, c.want)
		}
	}
	if raw := gjson.GetBytes(doc, "bypass.raw").String(); !strings.HasSuffix(raw, ";***@last.example") || strings.Count(raw, ";") != 1501 || !strings.HasPrefix(raw, "<local>;") {
		t.Errorf("raw is not the whole list, redacted: ...%s", raw[len(raw)-40:])
	}
	if strings.Contains(string(doc), `\u003c`) {
		t.Errorf("HTML escaping in a document")
	}
}
