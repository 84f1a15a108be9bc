package report

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"ccproxy/model"
)

// A document nested millions deep, compressed to a few KiB, is rejected by name instead of
// overflowing the stack of the parser (which ended the whole run), read whole or streamed.
func TestReaderRejectsDeepNesting(t *testing.T) {
	const n = 3_000_000
	deep := append(bytes.Repeat([]byte("["), n), bytes.Repeat([]byte("]"), n)...)
	obj := []byte(strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1))
	ok := []byte(compact(testDoc("CC01", "2026-03-01T10:00:00Z", true, "direct", "", "")) + "\n")
	for _, c := range []struct {
		name   string
		in     []byte
		stream bool
	}{
		{"gzip list", gz(deep), true},
		{"plain list", deep, false},
		{"plain list, stream", deep, true},
		{"objects one level too deep", obj, false},
		{"then a good document", append(append(append([]byte{}, deep...), '\n'), ok...), true},
	} {
		docs, rejects, _ := readAll("CC09.json", c.in, c.stream)
		if len(rejects) != 1 || !strings.Contains(rejects[0].Reason, fmt.Sprintf("nested deeper than %d levels", MaxDepth)) {
			t.Errorf("%s: rejects %+v", c.name, rejects)
		}
		if c.name == "then a good document" && len(docs) != 1 {
			t.Errorf("%s: the document after the deep one was lost: %d", c.name, len(docs))
		}
	}
	// Exactly MaxDepth levels is nesting, not an attack: it reaches the schema check.
	edge := []byte(strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth))
	if _, rej := Scan("CC09.json", 0, true, edge); rej == nil || strings.Contains(rej.Reason, "nested") {
		t.Errorf("%d levels: %+v", MaxDepth, rej)
	}
	if _, rej := Scan("CC09.json", 0, true, deep); rej == nil || !strings.Contains(rej.Reason, "nested deeper") {
		t.Errorf("Scan of a deep list: %+v", rej)
	}
}

// zeros is an endless input, as /dev/zero is.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// spaces is n blank lines, then EOF: what a gzip bomb expands to.
type spaces struct{ n int64 }

func (s *spaces) Read(p []byte) (int, error) {
	if s.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > s.n {
		p = p[:s.n]
	}
	for i := range p {
		p[i] = ' '
		if i%64 == 63 {
			p[i] = '\n'
		}
	}
	s.n -= int64(len(p))
	return len(p), nil
}

// An input that never ends stops at MaxInputBytes with a named rejection.
func TestReaderCapsInputSize(t *testing.T) {
	defer func(n int64) { inputByteLimit = n }(inputByteLimit)
	inputByteLimit = 64 << 20
	var r Reader
	var rejects []RejectedDoc
	r.ReadStream("zero", &spaces{n: inputByteLimit + 1<<20}, func(it Item) {
		if it.Reject != nil {
			rejects = append(rejects, *it.Reject)
		}
	})
	if len(rejects) != 1 || !strings.Contains(rejects[0].Reason, "4 GiB once decompressed") {
		t.Fatalf("rejects %+v", rejects)
	}
}

// /dev/zero as one endless line: the reader must not gather it for ever.
func TestReaderEndlessLine(t *testing.T) {
	defer func(n int64) { inputByteLimit = n }(inputByteLimit)
	inputByteLimit = 64 << 20
	var r Reader
	n := 0
	var last string
	r.ReadStream("zero", zeros{}, func(it Item) {
		n++
		if it.Reject != nil {
			last = it.Reject.Reason
		}
	})
	if !strings.Contains(last, "once decompressed") {
		t.Fatalf("%d items, last %q", n, last)
	}
}

// A stream of more documents than one input may hold ends with a named rejection; the
// documents before it count.
func TestReaderCapsDocuments(t *testing.T) {
	line := []byte(compact(testDoc("CC01", "2026-03-01T10:00:00Z", true, "direct", "", "")) + "\n")
	var r Reader
	docs, rejects, items, counted := 0, []string{}, 0, 0
	r.ReadStream("many.jsonl", io.MultiReader(bytes.NewReader(bytes.Repeat([]byte("{}\n"), MaxInputDocuments)), bytes.NewReader(line)), func(it Item) {
		if it.Reject != nil {
			items++
			counted += max(1, it.Rejects)
			if len(rejects) < 3 || strings.Contains(it.Reject.Reason, "more than") {
				rejects = append(rejects, it.Reject.Reason)
			}
			return
		}
		docs++
	})
	if docs != 0 || !slices.ContainsFunc(rejects, func(r string) bool {
		return strings.Contains(r, fmt.Sprintf("holds more than %d documents", MaxInputDocuments))
	}) {
		t.Fatalf("%d documents, rejects %q", docs, rejects)
	}
	// One input lists its first MaxRejectsPerInput rejections, then one that counts the rest.
	if items != MaxRejectsPerInput+2 || counted != MaxInputDocuments+1 {
		t.Errorf("%d rejection items standing for %d documents", items, counted)
	}
}

// FuzzReaderNesting wraps fuzzed text in fuzzed nesting, optionally compressed: the reader
// names nesting past MaxDepth and never fails otherwise.
func FuzzReaderNesting(f *testing.F) {
	f.Add([]byte(`{"schema":"ccproxy/test@1"}`), uint16(1), byte('['), false)
	f.Add([]byte(`"]]]"`), uint16(2000), byte('{'), true)
	f.Add([]byte(`1`), uint16(MaxDepth), byte('['), true)
	f.Add(gz([]byte(strings.Repeat("[", 5000))), uint16(0), byte('['), false)
	f.Fuzz(func(t *testing.T, inner []byte, depth uint16, open byte, compress bool) {
		if open != '{' {
			open = '['
		}
		var b bytes.Buffer
		for range depth {
			b.WriteByte(open)
			if open == '{' {
				b.WriteString(`"k":`)
			}
		}
		b.Write(inner)
		closeWith := map[byte]byte{'[': ']', '{': '}'}[open]
		b.Write(bytes.Repeat([]byte{closeWith}, int(depth)))
		in := b.Bytes()
		stream := compress
		if compress {
			in = gz(in)
		}
		docs, rejects, _ := readAll("CC09.json", in, stream)
		if len(docs)+len(rejects) == 0 {
			t.Fatal("neither a document nor a rejection")
		}
		if int(depth) > MaxDepth {
			if len(docs) > 0 {
				t.Fatalf("%d levels accepted", depth)
			}
			// Text that is not printable may be refused first, as binary.
			for _, c := range inner {
				if c < 0x20 && c != '\n' && c != '\t' && c != '\r' || c >= 0x7f {
					return
				}
			}
			for _, r := range rejects {
				if strings.Contains(r.Reason, "nested deeper") {
					return
				}
			}
			t.Fatalf("%d levels not named: %+v", depth, rejects)
		}
	})
}

// console is a terminal: each Ctrl+D is one read that returns nothing and io.EOF, and the
// user may type on afterwards.
type console struct{ reads [][]byte }

func (c *console) Read(p []byte) (int, error) {
	if len(c.reads) == 0 {
		return 0, io.EOF
	}
	r := c.reads[0]
	c.reads = c.reads[1:]
	if r == nil {
		return 0, io.EOF
	}
	return copy(p, r), nil
}

// One end of input at a console ends the input: nothing typed after it is read.
func TestReaderOneEndOfInput(t *testing.T) {
	doc := []byte(compact(testDoc("CC01", "2026-03-01T10:00:00Z", true, "direct", "", "")) + "\n")
	for _, c := range []struct {
		name  string
		reads [][]byte
		docs  int
	}{
		{"nothing typed", [][]byte{nil, doc, nil}, 0},
		{"one document", [][]byte{doc, nil, doc, nil}, 1},
	} {
		var r Reader
		docs := 0
		in := &console{reads: c.reads}
		r.ReadStream(StdinName, in, func(it Item) {
			if it.Reject == nil {
				docs++
			}
		})
		if docs != c.docs || len(in.reads) == 0 {
			t.Errorf("%s: %d documents, %d reads left: the reader went on after the first end of input", c.name, docs, len(in.reads))
		}
	}
}

// A finding id counts once per document, at its most severe status, however often the
// document lists it; the repeats are not counted as left out by the report's limits.
func TestFindingCountsOncePerDocument(t *testing.T) {
	many := make([]string, 0, 501)
	for range 500 {
		many = append(many, "dup=pass")
	}
	many = append(many, "dup=fail")
	a := NewAggregator()
	a.Add(docOf(t, "CC01.json", testDoc("CC01", "2026-03-01T10:00:00Z", false, "direct", "", "", many...)))
	r := a.Report(Options{HostsPerGroup: 5})
	for _, f := range r.Findings {
		if f.ID == "dup" && (f.Machines != 1 || f.Fail != 1 || f.Pass != 0) {
			t.Errorf("one document listing an id 501 times counts %+v", f)
		}
	}
	if r.LeftOut.Findings != 0 {
		t.Errorf("leftOut.findings = %d, want 0: a repeated id is merged, nothing is left out", r.LeftOut.Findings)
	}
}

// Distinct values beyond the report's limits are counted, not kept; documents of hosts
// beyond MaxMachines are rejected by name.
func TestAggregatorLimits(t *testing.T) {
	a := NewAggregator()
	ids := func(from int) []string {
		var out []string
		for i := range MaxFindingsPerDocument + 10 {
			out = append(out, fmt.Sprintf("id%d=warn", from+i))
		}
		return out
	}
	for h := range 5 {
		a.Add(docOf(t, fmt.Sprintf("CC%d.json", h), testDoc(fmt.Sprintf("CC%d", h), "2026-03-01T10:00:00Z", false, "direct", "", "", ids(h*1000)...)))
	}
	r := a.Report(Options{})
	// Per document: 10 over 256 each (the 2 built-in findings take two of the 256).
	// Over the report: 1000 distinct ids at most.
	if len(r.Findings) != MaxFindingIDs {
		t.Errorf("%d distinct finding ids kept, want %d", len(r.Findings), MaxFindingIDs)
	}
	wantLeft := 5*(MaxFindingsPerDocument+12-MaxFindingsPerDocument) + (2 + 5*(MaxFindingsPerDocument-2) - MaxFindingIDs)
	if r.LeftOut.Findings != wantLeft {
		t.Errorf("leftOut.findings = %d, want %d", r.LeftOut.Findings, wantLeft)
	}

	b := NewAggregator()
	doc := docOf(t, "CC.json", stateDoc("CC", "2026-03-01T10:00:00Z", "direct", "", "direct", "", true))
	for i := range MaxMachines + 3 {
		it := doc
		it.Doc.Host = fmt.Sprintf("h%d", i)
		b.Add(it)
	}
	rb := b.Report(Options{})
	if rb.Machines.Seen != MaxMachines || rb.LeftOut.Documents != 3 || rb.Rejected.Count != 3 ||
		!strings.Contains(rb.Rejected.Documents[0].Reason, "100000 machines already") {
		t.Errorf("seen %d, leftOut %+v, rejected %d %+v", rb.Machines.Seen, rb.LeftOut, rb.Rejected.Count, rb.Rejected.Documents)
	}
}

// Memory follows the summary: a host with thousands of different documents (each its own
// profile) stops at MaxSummaryBytes, by name; a setting longer than maxValueLength is kept cut.
func TestAggregatorSummaryBudget(t *testing.T) {
	a := NewAggregator()
	long := strings.Repeat("x", 20000)
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3000 {
		at := base.Add(time.Duration(i) * time.Second).Format(time.RFC3339)
		a.Add(docOf(t, "CC01.json", stateDoc("CC01", at, "proxy", fmt.Sprintf("%d%s:8080", i, long), "direct", "", false)))
	}
	r := a.Report(Options{})
	if r.LeftOut.Documents == 0 || a.summaryBytes() > MaxSummaryBytes+1<<20 {
		t.Errorf("48 MiB of distinct settings: leftOut %+v, summary %d bytes", r.LeftOut, a.summaryBytes())
	}
	if p := r.Settings.Services[0].Proxy; p == nil || len(*p) > maxValueLength+40 || !strings.HasSuffix(*p, "bytes cut)") {
		t.Errorf("a 20 KB proxy is kept as %d bytes", len(model.Deref(p)))
	}
}

// A compressed input counts every rejection once, listed or not.
func TestReaderCountsRejectionsOfGzip(t *testing.T) {
	var r Reader
	items, counted := 0, 0
	r.ReadBytes("many.jsonl.gz", gz(bytes.Repeat([]byte("{}\n"), 300)), func(it Item) {
		if it.Reject != nil {
			items++
			counted += max(1, it.Rejects)
		}
	})
	if items != MaxRejectsPerInput+1 || counted != 300 {
		t.Errorf("%d items standing for %d rejections, want %d and 300", items, counted, MaxRejectsPerInput+1)
	}
}
