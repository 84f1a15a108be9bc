package report

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf16"
)

// Documents in the shapes ccproxy writes, cut to what the report reads.

func stateDoc(host, at, svcMode, svcProxy, ieMode, ieProxy string, same bool) string {
	proxy := func(p string) string {
		if p == "" {
			return "null"
		}
		return fmt.Sprintf(`{"raw":%q,"entries":[]}`, p)
	}
	return fmt.Sprintf(`{"schema":"ccproxy/state@1","source":{"kind":"registry","path":null,"host":%s,"readAt":%q,"bootTime":null},"winhttp":{},"wininet":{},"environment":null,"effective":{"services":{"stack":"winhttp","detail":"x","mode":%q,"proxy":%s,"bypass":null,"autoConfigUrl":null,"autoDetect":false},"installer":{"stack":"wininet","detail":"y","mode":%q,"proxy":%s,"bypass":null,"autoConfigUrl":null,"autoDetect":false},"same":%v},"warnings":[]}`,
		jsonHost(host), at, svcMode, proxy(svcProxy), ieMode, proxy(ieProxy), same)
}

func jsonHost(h string) string {
	if h == "" {
		return "null"
	}
	return fmt.Sprintf("%q", h)
}

// testDoc has the settings in the evidence of installerProxyInServices and
// installerNoAutoProxy, as 'test' writes them; findings are "id=status".
func testDoc(host, at string, compliant bool, natMode, natProxy, ieProxy string, findings ...string) string {
	s := func(v string) string {
		if v == "" {
			return "null"
		}
		return fmt.Sprintf("%q", v)
	}
	ev := fmt.Sprintf(`[{"path":"wininet.manualProxy","value":%v},{"path":"wininet.proxy.raw","value":%s},{"path":"wininet.bypass.raw","value":null},{"path":"winhttp.native.mode","value":%s},{"path":"winhttp.native.proxy.raw","value":%s},{"path":"winhttp.native.bypass.raw","value":null}]`,
		ieProxy != "", s(ieProxy), s(natMode), s(natProxy))
	list := []string{
		fmt.Sprintf(`{"id":"installerProxyInServices","check":"installerProxyInServices","subject":null,"title":"t","requirements":["R3"],"severity":"high","status":"pass","message":"m","evidence":%s,"remediation":null}`, ev),
		`{"id":"installerNoAutoProxy","check":"installerNoAutoProxy","subject":null,"title":"t","requirements":["R6"],"severity":"high","status":"pass","message":"m","evidence":[{"path":"wininet.autoDetect","value":false},{"path":"wininet.autoConfigUrl","value":null}],"remediation":null}`,
	}
	for _, f := range findings {
		id, status, _ := strings.Cut(f, "=")
		list = append(list, fmt.Sprintf(`{"id":%q,"check":%q,"subject":null,"title":"t","requirements":[],"severity":"high","status":%q,"message":"m","evidence":[],"remediation":null}`, id, id, status))
	}
	return fmt.Sprintf(`{"schema":"ccproxy/test@1","source":{"kind":"registry","path":null,"host":%s,"readAt":%q,"bootTime":null},"compliant":%v,"summary":{},"internal":[],"findings":[%s]}`, jsonHost(host), at, compliant, strings.Join(list, ","))
}

func checkDoc(at string, ok bool, verdict string, issuers []string, fails ...string) string {
	var eps []string
	for _, f := range fails {
		host, failure, _ := strings.Cut(f, " ")
		eps = append(eps, fmt.Sprintf(`{"host":%q,"port":443,"kind":"https","status":"fail","failure":%q,"message":"x"}`, host, failure))
	}
	eps = append(eps, `{"host":"ok.example","port":443,"kind":"https","status":"pass","failure":null,"message":null}`)
	is, _ := json.Marshal(issuers)
	if issuers == nil {
		is = []byte("[]")
	}
	return fmt.Sprintf(`{"schema":"ccproxy/check@1","region":"commercial","startedAt":%q,"durationMs":1,"ok":%v,"interception":{"verdict":%q,"detected":[],"suspected":[],"issuers":%s},"endpoints":[%s]}`, at, ok, verdict, is, strings.Join(eps, ","))
}

func compact(doc string) string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(doc)); err != nil {
		panic(err)
	}
	return b.String()
}

func TestHostFromFileName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"CC01.json", "CC01"},
		{"fleet/CC01.json.gz", "CC01"},
		{`C:\collected\CC01.JSON`, "CC01"},
		{"CC01.test.json", "CC01"},
		{"CC01-check.json", "CC01"},
		{"CC01_state.txt", "CC01"},
		{"CC01.get.jsonl", "CC01"},
		{"collected/CC01/test.json", "CC01"},
		{`collected\CC02\check.json.gz`, "CC02"},
		{"test.json", ""},
		{"./test.json", ""},
		{"contest.json", "contest"}, // a kind word inside a name is part of the name
		{"cc01.corp.example.json", "cc01.corp.example"},
		{"CC01", "CC01"},
		{".json", ""},
	} {
		if got := HostFromFileName(c.in); got != c.want {
			t.Errorf("HostFromFileName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestScanReadsEachKind(t *testing.T) {
	d, rej := Scan("a.json", 0, true, []byte(stateDoc("CC01", "2026-03-01T10:00:00Z", "direct", "", "proxy", "u:p@proxy:8080", false)))
	if rej != nil {
		t.Fatal(rej.Reason)
	}
	if d.Kind != KindState || d.Host != "CC01" || d.HostFromFile || d.At != time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC).UnixNano() {
		t.Errorf("state: %+v", d)
	}
	if s := d.settings; *s.services.Mode != "direct" || *s.installer.Proxy != "***@proxy:8080" || !*s.mismatch {
		t.Errorf("state settings: %+v %+v %v", s.services, s.installer, *s.mismatch)
	}

	// Windows PowerShell 5.1 writes times as "\/Date(ms)\/".
	ps := strings.Replace(testDoc("CC02", "DATE", false, "proxy", "proxy:8080", "proxy:8080", "x=fail", "y=warn"), "DATE", `\/Date(1772359200000)\/`, 1)
	d, rej = Scan("b.json", 0, true, []byte(ps))
	if rej != nil {
		t.Fatal(rej.Reason)
	}
	if d.Kind != KindTest || d.At != time.UnixMilli(1772359200000).UnixNano() || d.test.compliant || len(d.test.findings) != 4 {
		t.Errorf("test: %+v %+v", d, d.test)
	}
	if f := d.test.findings[2]; f.id != "x" || f.status != statusFail {
		t.Errorf("finding: %+v", f)
	}
	if s := d.settings; *s.services.Proxy != "proxy:8080" || *s.installer.Mode != "proxy" || *s.mismatch {
		t.Errorf("test settings: %+v %+v %v", s.services, s.installer, *s.mismatch)
	}

	d, rej = Scan("CC03.check.json", 0, true, []byte(checkDoc("2026-03-01T10:00:00.5Z", false, "detected", []string{"Zscaler"}, "a.example tlsInterception", "::1 timeout")))
	if rej != nil {
		t.Fatal(rej.Reason)
	}
	if d.Kind != KindCheck || d.Host != "CC03" || !d.HostFromFile || d.check.ok || d.check.verdict != 2 || !slices.Equal(d.check.issuers, []string{"Zscaler"}) {
		t.Errorf("check: %+v %+v", d, d.check)
	}
	if u := d.check.unreachable; len(u) != 2 || u[0].Endpoint != "a.example:443" || *u[0].Failure != "tlsInterception" || u[1].Endpoint != "[::1]:443" {
		t.Errorf("unreachable: %+v", u)
	}
}

func TestScanRejects(t *testing.T) {
	good := testDoc("CC01", "2026-03-01T10:00:00Z", true, "direct", "", "")
	for _, c := range []struct {
		name, doc, file string
		single          bool
		want            string
	}{
		{"syntax", "{\n  \"schema\": \"ccproxy/test@1\",\n  \"source\": tru\n}", "a.json", true, "line 3, column 16: not valid JSON"},
		{"cut short", good[:len(good)/2], "a.json", true, "the document is cut short"},
		{"array", `[1,2]`, "a.json", true, "not a JSON object"},
		{"no schema", `{"a":1}`, "a.json", true, "$.schema: missing"},
		{"schema type", `{"schema":1}`, "a.json", true, `$.schema: the number 1, want a string`},
		{"foreign", `{"schema":"other/thing@1"}`, "a.json", true, `"other/thing@1" is not a ccproxy document kind`},
		{"major", strings.Replace(good, "test@1", "test@2", 1), "a.json", true, "unknown major version of test documents"},
		{"kind", `{"schema":"ccproxy/plan@1"}`, "a.json", true, `"ccproxy/plan@1" documents are not read by the report`},
		{"no readAt", strings.Replace(good, `"readAt"`, `"readTime"`, 1), "a.json", true, "$.source.readAt: missing"},
		{"bad readAt", strings.Replace(good, "2026-03-01T10:00:00Z", "yesterday", 1), "a.json", true, `$.source.readAt: "yesterday" is not an RFC 3339 time`},
		{"host type", strings.Replace(good, `"CC01"`, `42`, 1), "a.json", true, "$.source.host: expected a string or null, got the number 42"},
		{"no host, several", testDoc("", "2026-03-01T10:00:00Z", true, "direct", "", ""), "CC01.json", false, "cannot come from the file name of an input holding several documents"},
		{"no host, stdin", testDoc("", "2026-03-01T10:00:00Z", true, "direct", "", ""), "stdin", true, "stdin has no file name"},
		{"no host, no name", testDoc("", "2026-03-01T10:00:00Z", true, "direct", "", ""), "test.json", true, `the file name "test.json" gives no host`},
		{"depth cut", strings.Replace(good, `"findings":[`, `"findings":"System.Object[]","x":[`, 1), "a.json", true, `looks cut by ConvertTo-Json at its default depth 2: rerun it with -Depth 10`},
		{"depth cut object", strings.Replace(good, `"source":{`, `"source":"@{kind=registry; host=CC01}","x":{`, 1), "a.json", true, `$.source: "@{kind=registry; host=CC01}" looks cut by ConvertTo-Json`},
		{"status", strings.Replace(good, `"status":"pass"`, `"status":"great"`, 1), "a.json", true, `$.findings[0].status: expected one of pass, fail, warn, notApplicable, notChecked, got the string "great"`},
		{"compliant", strings.Replace(good, `"compliant":true`, `"compliant":"yes"`, 1), "a.json", true, `$.compliant: expected true or false, got the string "yes"`},
		{"evidence type", strings.Replace(good, `{"path":"winhttp.native.mode","value":"direct"}`, `{"path":"winhttp.native.mode","value":7}`, 1), "a.json", true, `the evidence "winhttp.native.mode": expected a string or null, got the number 7`},
		{"verdict", checkDoc("2026-03-01T10:00:00Z", true, "maybe", nil), "CC01.json", true, `$.interception.verdict: expected one of none, suspected, detected, unknown, got the string "maybe"`},
		{"check time missing", strings.Replace(checkDoc("2026-03-01T10:00:00Z", true, "none", nil), `"startedAt":"2026-03-01T10:00:00Z",`, ``, 1), "CC01.json", true, "$.startedAt: missing"},
		{"check time", strings.Replace(checkDoc("2026-03-01T10:00:00Z", true, "none", nil), `"startedAt"`, `"started"`, 1), "CC01.json", true, `$: unknown key "started"`},
		{"port", strings.Replace(checkDoc("2026-03-01T10:00:00Z", false, "none", nil, "a.example timeout"), `"port":443`, `"port":"443"`, 1), "CC01.json", true, `$.endpoints[0].port: expected a port number, got the string "443"`},
		// "ok" is what the fleet counts: it may not claim more than the document's own evidence.
		{"ok over unreachable", strings.Replace(checkDoc("2026-03-01T10:00:00Z", true, "none", nil), `"ok":true,`, `"ok":true,"allRequiredReachable":false,"allRoutesAsExpected":true,`, 1), "CC01.json", true, `$.allRequiredReachable: false contradicts "ok": true`},
		{"ok over misrouted", strings.Replace(checkDoc("2026-03-01T10:00:00Z", true, "none", nil), `"ok":true,`, `"ok":true,"allRequiredReachable":true,"allRoutesAsExpected":false,`, 1), "CC01.json", true, `$.allRoutesAsExpected: false contradicts "ok": true`},
		{"ok over interception", checkDoc("2026-03-01T10:00:00Z", true, "detected", nil), "CC01.json", true, `$.interception.verdict: "detected" contradicts "ok": true`},
		{"reachable over a failed required endpoint", strings.Replace(strings.Replace(checkDoc("2026-03-01T10:00:00Z", false, "none", nil, "a.example timeout"), `"ok":false,`, `"ok":false,"allRequiredReachable":true,`, 1), `"status":"fail"`, `"required":true,"status":"fail"`, 1), "CC01.json", true, `$.endpoints[0].status: "fail" of a required endpoint contradicts "allRequiredReachable": true`},
		{"credentials in a message", `{"schema":"ccproxy/u:secret@x"}`, "a.json", true, `***@x`},
		// Cutting before redacting would keep the start of a long password and lose the "@"
		// that marks it as one.
		{"long credentials in a wrong-typed field", strings.Replace(good, `"compliant":true`, `"compliant":"http://alice:secret`+strings.Repeat("x", 80)+`@proxy:8080"`, 1), "a.json", true, `$.compliant: expected true or false, got the string "http://***@proxy:8080"`},
		{"depth cut PSObject", strings.Replace(good, `"findings":[`, `"findings":"System.Management.Automation.PSObject[]","x":[`, 1), "a.json", true, `looks cut by ConvertTo-Json at its default depth 2: rerun it with -Depth 10`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, rej := Scan(c.file, 0, c.single, []byte(c.doc))
			if rej == nil || !strings.Contains(rej.Reason, c.want) {
				t.Fatalf("got %+v, want a rejection saying %q", rej, c.want)
			}
			if strings.Contains(rej.Reason, "secret") || rej.File != c.file || rej.Line != nil {
				t.Errorf("rejection %+v", rej)
			}
		})
	}
}

// Windows PowerShell 5.1's ConvertTo-Json wraps lists as {"value":[...],"Count":n}.
func TestScanAcceptsPowerShellListWrapper(t *testing.T) {
	doc := testDoc("CC01", "2026-03-01T10:00:00Z", true, "direct", "", "", "x=warn")
	i := strings.Index(doc, `"findings":[`)
	doc = doc[:i] + `"findings":{"value":` + doc[i+len(`"findings":`):len(doc)-1] + `,"Count":3}}`
	d, rej := Scan("a.json", 0, true, []byte(doc))
	if rej != nil || len(d.test.findings) != 3 {
		t.Fatalf("%+v %+v", rej, d.test)
	}
}

// readAll runs an input through both entry points of a Reader.
func readAll(name string, data []byte, stream bool) (docs []Doc, rejects []RejectedDoc, warnings []string) {
	var r Reader
	emit := func(it Item) {
		if it.Reject != nil {
			rejects = append(rejects, *it.Reject)
		} else {
			docs = append(docs, it.Doc)
		}
		if it.Warning != "" {
			warnings = append(warnings, it.Warning)
		}
	}
	if stream {
		r.ReadStream(name, bytes.NewReader(data), emit)
	} else {
		r.ReadBytes(name, data, emit)
	}
	return
}

func utf16LE(s string, bom bool) []byte {
	var out []byte
	if bom {
		out = []byte{0xFF, 0xFE}
	}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

func utf16BE(s string) []byte {
	out := []byte{0xFE, 0xFF}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u>>8), byte(u))
	}
	return out
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestReaderShapes(t *testing.T) {
	d1 := testDoc("CC01", "2026-03-01T10:00:00Z", true, "direct", "", "")
	d2 := stateDoc("CC02", "2026-03-01T10:00:00Z", "direct", "", "direct", "", true)
	d3 := testDoc("CC03", "2026-03-01T10:00:00Z", false, "direct", "", "", "x=fail")
	pretty := func(doc string) string {
		var b bytes.Buffer
		json.Indent(&b, []byte(doc), "", "  ")
		return b.String()
	}
	jsonl := compact(d1) + "\n" + compact(d2) + "\r\n\n" + compact(d3) + "\n"
	noHost := testDoc("", "2026-03-01T10:00:00Z", true, "direct", "", "")
	cut := compact(d2)[:200]
	for _, c := range []struct {
		name    string
		file    string
		data    []byte
		hosts   []string
		rejects []string // "line: reason part"
	}{
		{"one document", "CC09.json", []byte(pretty(noHost)), []string{"CC09"}, nil},
		{"one line", "CC09.jsonl", []byte(compact(noHost) + "\n"), []string{"CC09"}, nil},
		{"JSON Lines", "x.jsonl", []byte(jsonl), []string{"CC01", "CC02", "CC03"}, nil},
		{"indented, one after the other", "x.json", []byte(pretty(d1) + "\n" + pretty(d2) + pretty(d3)), []string{"CC01", "CC02", "CC03"}, nil},
		{"two on a line", "x.json", []byte(compact(d1) + compact(d2)), []string{"CC01", "CC02"}, nil},
		{"joined files with BOMs", "x.json", []byte("\uFEFF" + pretty(d1) + "\n\uFEFF" + pretty(d2)), []string{"CC01", "CC02"}, nil},
		{"a list of documents", "x.json", []byte(pretty("[" + d1 + "," + d2 + "]")), []string{"CC01", "CC02"}, nil},
		{"PowerShell 5.1 Out-File", "CC09.json", utf16LE(strings.ReplaceAll(pretty(noHost), "\n", "\r\n")+"\r\n", true), []string{"CC09"}, nil},
		{"UTF-16LE JSON Lines", "x.jsonl", utf16LE(jsonl, true), []string{"CC01", "CC02", "CC03"}, nil},
		{"UTF-16LE without BOM", "x.jsonl", utf16LE(jsonl, false), []string{"CC01", "CC02", "CC03"}, nil},
		{"UTF-16BE", "x.jsonl", utf16BE(jsonl), []string{"CC01", "CC02", "CC03"}, nil},
		{"gzip", "CC09.json.gz", gz([]byte(pretty(noHost))), []string{"CC09"}, nil},
		{"gzip JSON Lines", "x.jsonl.gz", gz([]byte(jsonl)), []string{"CC01", "CC02", "CC03"}, nil},
		{"gzip of UTF-16", "x.jsonl.gz", gz(utf16LE(jsonl, true)), []string{"CC01", "CC02", "CC03"}, nil},
		{"cut line among good ones", "x.jsonl", []byte(compact(d1) + "\n" + cut + "\n" + compact(d3) + "\n"), []string{"CC01", "CC03"}, []string{"2: the document is cut short: line 3 starts another one"}},
		{"cut at the end", "x.jsonl", []byte(compact(d1) + "\n" + cut), []string{"CC01"}, []string{"2: not valid JSON: the document is cut short"}},
		{"a line of text", "x.jsonl", []byte(compact(d1) + "\nAccess is denied.\n" + compact(d3)), []string{"CC01", "CC03"}, []string{`2: not a JSON document: "Access is denied."`}},
		{"only text", "x.json", []byte("Access is denied.\r\n"), nil, []string{`0: not a JSON document`}},
		{"blank", "x.json", []byte(" \r\n\r\n"), nil, []string{"0: empty input"}},
		{"host needed in several", "CC09.jsonl", []byte(compact(noHost) + "\n" + compact(d1)), []string{"CC01"}, []string{"1: $.source.host: null, and the host cannot come from the file name of an input holding several"}},
		{"odd UTF-16", "x.json", utf16LE(pretty(d1), true)[:101], nil, []string{"0: odd number of bytes"}},
		{"cut gzip", "x.json.gz", gz([]byte(pretty(d1)))[:300], nil, []string{"0: cannot decompress"}},
		{"not gzip after all", "x.json.gz", []byte{0x1f, 0x8b, 0, 0}, nil, []string{"0: cannot decompress"}},
		{"an empty list", "x.json", []byte("[]"), nil, []string{"0: an empty list"}},
		{"a bad element", "x.json", []byte("[" + compact(d1) + `,{"schema":"ccproxy/test@9"}]`), []string{"CC01"}, []string{"0: element 1 of the list: $.schema"}},
	} {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stream=%v", c.name, stream), func(t *testing.T) {
				docs, rejects, _ := readAll(c.file, c.data, stream)
				var hosts, rs []string
				for _, d := range docs {
					hosts = append(hosts, d.Host)
				}
				for _, r := range rejects {
					line := 0
					if r.Line != nil {
						line = *r.Line
					}
					rs = append(rs, fmt.Sprintf("%d: %s", line, r.Reason))
				}
				if !slices.Equal(hosts, c.hosts) || len(rs) != len(c.rejects) {
					t.Fatalf("hosts %v, rejects %q; want %v, %q", hosts, rs, c.hosts, c.rejects)
				}
				for i := range rs {
					if !strings.HasPrefix(rs[i], c.rejects[i]) {
						t.Errorf("reject %q, want %q", rs[i], c.rejects[i])
					}
				}
			})
		}
	}
}

func TestReaderLineNumbers(t *testing.T) {
	d1 := testDoc("CC01", "2026-03-01T10:00:00Z", true, "direct", "", "")
	in := "\n" + compact(d1) + "\n\n" + compact(strings.Replace(d1, "CC01", "CC02", 1)) + "\n"
	docs, _, _ := readAll("x.jsonl", []byte(in), true)
	if len(docs) != 2 || docs[0].Line != 2 || docs[1].Line != 4 {
		t.Errorf("%+v", docs)
	}
}

func TestReaderWindows1252(t *testing.T) {
	doc := strings.Replace(testDoc("HOST", "2026-03-01T10:00:00Z", true, "direct", "", ""), `"m"`, "\"caf\xe9\"", 1)
	doc = strings.Replace(doc, "HOST", "CAF\xc9", 1)
	for _, stream := range []bool{false, true} {
		docs, rejects, warnings := readAll("x.json", []byte(doc), stream)
		if len(docs) != 1 || docs[0].Host != "CAFÉ" || len(rejects) != 0 || len(warnings) != 1 || !strings.Contains(warnings[0], "Windows-1252") {
			t.Errorf("stream=%v: %+v %+v %q", stream, docs, rejects, warnings)
		}
	}
}

func TestReaderOversizeDocument(t *testing.T) {
	big := `{"schema":"ccproxy/test@1","x":"` + strings.Repeat("a", MaxDocument) + `"}`
	d1 := compact(testDoc("CC01", "2026-03-01T10:00:00Z", true, "direct", "", ""))
	docs, rejects, _ := readAll("x.jsonl", []byte(big+"\n"+d1+"\n"), true)
	if len(docs) != 1 || len(rejects) != 1 || !strings.Contains(rejects[0].Reason, "larger than 4 MiB") {
		t.Errorf("docs %d, rejects %+v", len(docs), rejects)
	}
}

// The UTF-16 decoder must not care where reads split surrogate pairs or code units.
func TestUTF16ReaderAnySplit(t *testing.T) {
	text := "{\"a\":\"caf\u00e9 \U0001F600 \u4e2d\"}\r\n"
	r := &utf16Reader{r: iotest.OneByteReader(bytes.NewReader(utf16LE(text, false))), name: "UTF-16LE"}
	got, err := io.ReadAll(r)
	if err != nil || string(got) != text {
		t.Errorf("got %q, %v", got, err)
	}
	for _, c := range []struct {
		in   []byte
		want string
	}{
		{append(utf16LE("{}", false), 0x7b), "odd number of bytes"},
		{[]byte{0x7b, 0, 0x00, 0xD8, 0x41, 0}, "unpaired surrogate"},
		{[]byte{0x7b, 0, 0x00, 0xDC}, "unpaired surrogate"},
		{[]byte{0x7b, 0, 0x00, 0xD8}, "unpaired surrogate"},
	} {
		r := &utf16Reader{r: iotest.OneByteReader(bytes.NewReader(c.in)), name: "UTF-16LE"}
		if _, err := io.ReadAll(r); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("% x: %v, want %q", c.in, err, c.want)
		}
	}
}

func docOf(t *testing.T, file, text string) Item {
	t.Helper()
	d, rej := Scan(file, 0, true, []byte(text))
	if rej != nil {
		t.Fatalf("%s: %s", file, rej.Reason)
	}
	return Item{Doc: d}
}

// The newest document per host and kind wins, whatever order the documents arrive in.
func TestAggregatorNewestWins(t *testing.T) {
	items := []Item{
		docOf(t, "old/CC01.json", testDoc("CC01", "2026-03-01T10:00:00Z", false, "direct", "", "p:1", "x=fail")),
		docOf(t, "new/CC01.json", testDoc("cc01", "2026-03-02T10:00:00Z", true, "proxy", "p:1", "p:1", "x=pass")),
		docOf(t, "mid/CC01.json", testDoc("CC01", "2026-03-01T12:00:00Z", false, "direct", "", "", "x=warn")),
		docOf(t, "a/CC02.json", stateDoc("CC02", "2026-03-01T10:00:00Z", "direct", "", "direct", "", true)),
		docOf(t, "b/CC02.json", stateDoc("CC02", "2026-03-01T10:00:00Z", "proxy", "p:2", "direct", "", false)), // same time: greater file name wins
		docOf(t, "CC02.check.json", checkDoc("2026-03-01T10:00:00Z", false, "detected", []string{"Z"}, "a.example timeout")),
		docOf(t, "x/CC03.json", testDoc("", "2026-03-01T10:00:00Z", true, "direct", "", "")),
		{Reject: &RejectedDoc{File: "bad.json", Reason: "not valid JSON"}},
	}
	var first []byte
	rng := rand.New(rand.NewSource(1))
	for round := 0; round < 20; round++ {
		rng.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
		a := NewAggregator()
		for _, it := range items {
			a.Add(it)
		}
		r := a.Report(Options{HostsPerGroup: 10, Now: time.Unix(0, 0)})
		var rows []Machine
		a.Machines(func(m Machine) error { rows = append(rows, m); return nil })
		b, _ := json.Marshal([]any{r, rows})
		if first == nil {
			first = b
			m := r.Machines
			if m.Seen != 3 || m.Tested != 2 || m.Compliant != 2 || m.HostFromFileName != 1 || m.Checked != 1 || m.Mismatched != 1 || r.Inputs.Superseded != 3 || r.Rejected.Count != 1 {
				t.Errorf("machines %+v, inputs %+v", m, r.Inputs)
			}
			if rows[0].Host != "cc01" || *rows[0].Services.Mode != "proxy" || rows[0].Superseded != 2 || rows[0].Documents.Test.File != "new/CC01.json" {
				t.Errorf("CC01: %+v", rows[0])
			}
			if rows[1].Documents.State.File != "b/CC02.json" || *rows[1].Services.Proxy != "p:2" || rows[1].HostFrom != "document" || !*rows[1].Mismatch {
				t.Errorf("CC02: %+v", rows[1])
			}
			if rows[2].Host != "CC03" || rows[2].HostFrom != "fileName" {
				t.Errorf("CC03: %+v", rows[2])
			}
			for _, f := range r.Findings {
				if f.ID == "x" && (f.Pass != 1 || f.Fail != 0 || f.Warn != 0) {
					t.Errorf("finding x counts older documents: %+v", f)
				}
			}
		} else if !bytes.Equal(b, first) {
			t.Fatalf("round %d: the result depends on the order of the documents", round)
		}
	}
}

func TestAggregatorHostLists(t *testing.T) {
	a := NewAggregator()
	for i := 29; i >= 0; i-- {
		a.Add(docOf(t, "x.json", testDoc(fmt.Sprintf("Host%02d", i), "2026-03-01T10:00:00Z", false, "direct", "", "", "x=fail")))
	}
	for _, k := range []int{0, 5, 100} {
		r := a.Report(Options{HostsPerGroup: k})
		var x FindingCount
		for _, f := range r.Findings {
			if f.ID == "x" {
				x = f
			}
		}
		want := []string{}
		for i := 0; i < min(k, 30); i++ {
			want = append(want, fmt.Sprintf("Host%02d", i))
		}
		if x.Fail != 30 || !slices.Equal(x.FailedHosts, want) || len(r.Settings.Services[0].Hosts) != min(k, 30) {
			t.Errorf("--hosts %d: %+v", k, x)
		}
	}
}

func TestAggregatorListsFirstRejected(t *testing.T) {
	a := NewAggregator()
	for i := 1500; i > 0; i-- {
		line := i
		a.Add(Item{Reject: &RejectedDoc{File: "stdin", Line: &line, Reason: "x"}})
	}
	r := a.Report(Options{})
	if r.Rejected.Count != 1500 || len(r.Rejected.Documents) != MaxRejectedListed || *r.Rejected.Documents[0].Line != 1 || *r.Rejected.Documents[999].Line != 1000 {
		t.Errorf("count %d, listed %d, first %v", r.Rejected.Count, len(r.Rejected.Documents), r.Rejected.Documents[0])
	}
}

func TestCSVRecord(t *testing.T) {
	m := Machine{Host: "=HYPERLINK(\"x\")", HostFrom: "document", Compliant: new(bool), Failed: []string{"a", "b"},
		Services: &Settings{Mode: ptr("proxy"), Proxy: ptr("u:secret@p:1")}, Unreachable: []EndpointFailure{{Endpoint: "a:443", Failure: ptr("timeout")}},
		Documents: MachineDocuments{Test: &DocumentRef{File: "t.jsonl", Line: ptr(3), At: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}}}
	rec := CSVRecord(m)
	col := func(n string) string { return rec[slices.Index(CSVHeader, n)] }
	if len(rec) != len(CSVHeader) || col("host") != `=HYPERLINK("x")` || col("compliant") != "false" || col("failed") != "a; b" ||
		col("servicesProxy") != "***@p:1" || col("unreachable") != "a:443 timeout" || col("testFile") != "t.jsonl:3" ||
		col("testAt") != "2026-03-01T00:00:00Z" || col("checkOk") != "" || col("stateFile") != "" {
		t.Errorf("%q", rec)
	}
	var b bytes.Buffer
	w, _ := NewCSVWriter(&b)
	w.Write(m)
	if err := w.Flush(); err != nil || !strings.HasPrefix(b.String(), "host,hostFrom,") || !strings.HasSuffix(b.String(), "\r\n") ||
		!strings.Contains(b.String(), "\r\n\"'=HYPERLINK(\"\"x\"\")\",") {
		t.Errorf("%q %v", b.String(), err)
	}
}

func ptr[T any](v T) *T { return &v }

// check writes the machine's name in source.host: such documents need no file name, so they
// can come from stdin or a JSON Lines file too.
func TestScanCheckHostFromSource(t *testing.T) {
	doc := strings.Replace(checkDoc("2026-03-01T10:00:00Z", true, "none", nil), `"region"`, `"source":{"host":"CC07"},"region"`, 1)
	d, rej := Scan(StdinName, 3, false, []byte(doc))
	if rej != nil {
		t.Fatalf("rejected: %+v", rej)
	}
	if d.Kind != KindCheck || d.Host != "CC07" || d.HostFromFile {
		t.Errorf("got %+v", d)
	}
	_, rej = Scan(StdinName, 3, false, []byte(checkDoc("2026-03-01T10:00:00Z", true, "none", nil)))
	if rej == nil {
		t.Error("a check document without a host on stdin must be rejected")
	}
}
