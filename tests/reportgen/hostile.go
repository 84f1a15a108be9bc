package reportgen

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Hostile writes, into dir, the files a compromised or broken machine could put into a
// fleet's collection folder, each aimed at one way to crash, hang or flood 'ccproxy report':
//
//   - deep.json.gz: 13 KiB of gzip that expands to a list nested 7,000,000 levels deep;
//   - bomb-size.json.gz: 4.5 GiB of blanks from a 5 MiB file (gzip members one after another);
//   - bomb-count.jsonl.gz: 5,000,000 empty objects;
//   - million-hosts.jsonl.gz: 1,000,000 check documents, each for another host, each with its
//     own issuer and failing endpoint;
//   - DUP0000.json...: 200 test documents, each listing one finding id 500 times;
//   - CC-forger.jsonl: a later, compliant document for a host that has its own failing one;
//   - BIG0.json...BIG3.json, BIGL0.jsonl, BIGL1.jsonl: documents just under the 4 MiB limit,
//     each with its own 3.9 MB issuer, alone or three to a file.
//
// The FIFO and the links to it and to /dev/zero are the caller's (a shell makes them in one
// line each; Go's os has no mkfifo on every system).
func Hostile(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	const n = 7_000_000
	if err := writeGzip(filepath.Join(dir, "deep.json.gz"), func(w *bufio.Writer) {
		w.Write(bytes.Repeat([]byte("["), n))
		w.Write(bytes.Repeat([]byte("]"), n))
	}); err != nil {
		return err
	}
	// One member of 64 MiB of blanks, then the same member again: gzip readers read members
	// one after another (RFC 1952 section 2.2), so the file stays small.
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	zw.Write(bytes.Repeat([]byte(" "), 64<<20))
	zw.Close()
	f, err := os.Create(filepath.Join(dir, "bomb-size.json.gz"))
	if err != nil {
		return err
	}
	for range 72 {
		f.Write(member.Bytes())
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := writeGzip(filepath.Join(dir, "bomb-count.jsonl.gz"), func(w *bufio.Writer) {
		for range 5_000_000 {
			w.WriteString("{}\n")
		}
	}); err != nil {
		return err
	}
	if err := writeGzip(filepath.Join(dir, "million-hosts.jsonl.gz"), func(w *bufio.Writer) {
		for i := range 1_000_000 {
			fmt.Fprintf(w, `{"schema":"ccproxy/check@1","source":{"host":"H%07d"},"startedAt":"2026-03-01T10:00:00Z","ok":false,"interception":{"verdict":"detected","issuers":["CN=Issuer %07d"]},"endpoints":[{"host":"e%07d.example","port":443,"status":"fail","failure":"timeout"}]}`+"\n", i, i, i)
		}
	}); err != nil {
		return err
	}
	ids := strings.Repeat(`{"id":"repeated","check":"repeated","subject":null,"title":"t","requirements":[],"severity":"high","status":"fail","message":"m","evidence":[],"remediation":null},`, 500)
	ids = strings.TrimSuffix(ids, ",")
	for i := range 200 {
		host := fmt.Sprintf("DUP%04d", i)
		if err := os.WriteFile(filepath.Join(dir, host+".json"), []byte(testDocJSON(host, "2026-03-01T10:00:00Z", false, ids)), 0o644); err != nil {
			return err
		}
	}
	big := func(host string, i int) string {
		return fmt.Sprintf(`{"schema":"ccproxy/check@1","source":{"host":%q},"startedAt":"2026-03-01T10:00:00Z","ok":false,"interception":{"verdict":"detected","issuers":["%s%d"]},"endpoints":[]}`,
			host, strings.Repeat("x", 3900<<10), i) + "\n"
	}
	for i := range 4 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("BIG%d.json", i)), []byte(big(fmt.Sprintf("BIG%d", i), i)), 0o644); err != nil {
			return err
		}
	}
	for i := range 2 {
		h := fmt.Sprintf("BIGL%d", i)
		if err := os.WriteFile(filepath.Join(dir, h+".jsonl"), []byte(big(h, 10*i)+big(h, 10*i+1)+big(h, 10*i+2)), 0o644); err != nil {
			return err
		}
	}
	own := testDocJSON("CC-VICTIM", "2026-03-01T09:00:00Z", false, `{"id":"x","check":"x","subject":null,"title":"t","requirements":[],"severity":"high","status":"fail","message":"m","evidence":[],"remediation":null}`)
	forged := testDocJSON("CC-VICTIM", "2026-03-01T23:00:00Z", true, "")
	if err := os.WriteFile(filepath.Join(dir, "CC-VICTIM.json"), []byte(own), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "CC-forger.jsonl"), []byte(forged+"\n"), 0o644)
}

func testDocJSON(host, at string, compliant bool, findings string) string {
	return fmt.Sprintf(`{"schema":"ccproxy/test@1","source":{"kind":"registry","path":null,"host":%q,"readAt":%q,"bootTime":null},"compliant":%v,"summary":{},"internal":[],"findings":[%s]}`, host, at, compliant, findings)
}

func writeGzip(path string, fill func(*bufio.Writer)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	bw := bufio.NewWriterSize(zw, 1<<20)
	fill(bw)
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}
