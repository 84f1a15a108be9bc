package report

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ccproxy/model"
)

// seeds are documents in the shapes the reference describes: what ccproxy writes, and what
// Windows PowerShell 5.1 makes of it (UTF-16 Out-File, \/Date(ms)\/, {"value":[...],"Count":n},
// the strings ConvertTo-Json leaves at depth 2).
func seeds(t testing.TB) [][]byte {
	out := [][]byte{
		[]byte(stateDoc("CC01", "2026-03-01T10:00:00Z", "proxy", "u:p@proxy:8080", "proxy", "proxy:8080", false)),
		[]byte(testDoc("CC01", "2026-03-01T10:00:00Z", false, "direct", "", "proxy:8080", "internalBypassed:dc01=fail")),
		[]byte(testDoc("", `/Date(1772359200000)/`, true, "proxy", "p:1", "p:1")),
		[]byte(checkDoc("2026-03-01T10:00:00Z", false, "detected", []string{"CN=Zscaler Root CA"}, "trust.citrixworkspacesapi.net tlsInterception")),
		[]byte(`{"schema":"ccproxy/test@1","source":"@{kind=registry; host=CC01}","compliant":true,"findings":"System.Object[]"}`),
		[]byte(`{"schema":"ccproxy/test@1","source":{"host":"CC01","readAt":"2026-03-01T10:00:00Z"},"compliant":true,"findings":{"value":[],"Count":0}}`),
		utf16LE(compact(testDoc("CC02", "2026-03-01T10:00:00Z", true, "direct", "", ""))+"\r\n", true),
		gz([]byte(compact(testDoc("CC03", "2026-03-01T10:00:00Z", true, "direct", "", "")) + "\n" + compact(stateDoc("CC04", "2026-03-01T10:00:00Z", "direct", "", "direct", "", true)))),
		[]byte("{\"schema\":\"ccproxy/test@1\",\n{\"schema\""),
		[]byte("[]"),
	}
	// The PowerShell files the JSON input reader is tested with.
	files, _ := filepath.Glob(filepath.Join("..", "jsonin", "testdata", "*.json"))
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil {
			out = append(out, b)
		}
	}
	return out
}

// describeDoc renders everything a Doc holds, to compare two of them.
func describeDoc(d Doc) string {
	s := fmt.Sprintf("%d %q %q %d %v %d", d.Kind, d.File, d.Host, d.Line, d.HostFromFile, d.At)
	if d.settings != nil {
		for _, st := range []Settings{d.settings.services, d.settings.installer} {
			s += " " + string(appendSettings(nil, &st))
		}
	}
	if d.test != nil {
		s += fmt.Sprintf(" %v %v", d.test.compliant, d.test.findings)
	}
	if d.check != nil {
		s += fmt.Sprintf(" %v %d %q", d.check.ok, d.check.verdict, d.check.issuers)
		for _, u := range d.check.unreachable {
			s += " " + u.Endpoint + " " + model.Deref(u.Failure)
		}
	}
	return s
}

func FuzzScan(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, data []byte, single bool) {
		text := append([]byte(nil), data...)
		d, rej := Scan("CC09.json", 0, single, text)
		if rej != nil {
			if d.Host != "" || rej.Reason == "" || strings.ContainsAny(rej.Reason, "\n") {
				t.Fatalf("rejection %+v with doc %+v", rej, d)
			}
			return
		}
		if d.Host == "" || d.Kind >= numKinds || (d.Kind == KindCheck) != (d.check != nil) || (d.Kind == KindTest) != (d.test != nil) ||
			(d.settings == nil) != (d.Kind == KindCheck) {
			t.Fatalf("accepted an incomplete document: %s", describeDoc(d))
		}
		// Scan reads the bytes in place: nothing it returns may point into them.
		before := describeDoc(d)
		for i := range text {
			text[i] = 'X'
		}
		if after := describeDoc(d); after != before {
			t.Fatalf("the result changed with the input bytes:\n%s\n%s", before, after)
		}
	})
}

func FuzzReader(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		render := func(stream bool, in []byte) string {
			docs, rejects, _ := readAll("CC09.json", in, stream)
			var out []string
			for _, d := range docs {
				if d.Host == "" {
					t.Fatalf("a document without a host: %s", describeDoc(d))
				}
				out = append(out, describeDoc(d))
			}
			for _, r := range rejects {
				if r.Reason == "" || r.File != "CC09.json" {
					t.Fatalf("rejection %+v", r)
				}
				line := 0
				if r.Line != nil {
					line = *r.Line
				}
				out = append(out, fmt.Sprintf("reject %d %s", line, r.Reason))
			}
			if len(out) == 0 {
				t.Fatal("an input gave neither a document nor a rejection")
			}
			return strings.Join(out, "\n")
		}
		in := append([]byte(nil), data...)
		bytesView := render(false, in)
		for i := range in {
			in[i] = 0
		}
		if again := render(false, data); again != bytesView {
			t.Fatalf("the result depends on bytes the reader was done with:\n%s\n%s", bytesView, again)
		}
		streamView := render(true, data)
		if !isGzip(data) {
			// gzip is transparent: a compressed input reads as the plain one.
			if z := render(true, gz(data)); z != streamView {
				t.Fatalf("gzip changes the result:\n%s\n---\n%s", streamView, z)
			}
		}
	})
}

func FuzzHostFromFileName(f *testing.F) {
	for _, s := range []string{"CC01.json", `C:\fleet\CC01\test.json.gz`, "a/b/CC01-check.jsonl", "test.json", ".json", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		h := HostFromFileName(name)
		if strings.ContainsAny(h, `/\`) || len(h) > len(name) || h != strings.TrimSpace(h) {
			t.Fatalf("HostFromFileName(%q) = %q", name, h)
		}
	})
}
