package system

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"ccproxy/model/report"
)

func reportDoc(host string) string {
	return fmt.Sprintf(`{"schema":"ccproxy/check@1","source":{"host":%q},"startedAt":"2026-03-01T10:00:00Z","ok":true,"interception":{"verdict":"none","issuers":[]},"endpoints":[]}`, host)
}

func reportWrite(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func reportRead(t *testing.T, paths []string, stdin string, workers int) (hosts, rejected []string, files int) {
	t.Helper()
	files, err := ReadReport(paths, ReportOptions{Workers: workers, Stdin: strings.NewReader(stdin)}, func(it report.Item) {
		if it.Reject != nil {
			rejected = append(rejected, filepath.Base(it.Reject.File)+": "+it.Reject.Reason)
			return
		}
		hosts = append(hosts, it.Doc.Host)
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(hosts)
	slices.Sort(rejected)
	return hosts, rejected, files
}

func TestReadReportWalksFolders(t *testing.T) {
	dir := t.TempDir()
	reportWrite(t, filepath.Join(dir, "a", "CC01.json"), reportDoc("CC01"))
	reportWrite(t, filepath.Join(dir, "a", "b", "CC02.json"), reportDoc("CC02"))
	reportWrite(t, filepath.Join(dir, ".git", "CC03.json"), reportDoc("CC03")) // hidden folder
	reportWrite(t, filepath.Join(dir, "a", ".CC04.json.swp"), "junk")          // hidden file
	reportWrite(t, filepath.Join(dir, "a", "notes.txt"), "not a document")
	reportWrite(t, filepath.Join(dir, "empty.json"), "")
	wantHosts, wantFiles := []string{"CC01", "CC02", "CC03", "CC05", "CC06"}, 6
	// Windows lets only some accounts make symbolic links; a link is read where there is one.
	if os.Symlink(filepath.Join(dir, "a", "CC01.json"), filepath.Join(dir, "link.json")) == nil {
		wantHosts, wantFiles = append([]string{"CC01"}, wantHosts...), wantFiles+1
	}
	explicit := filepath.Join(dir, ".git", "CC03.json") // named on the command line: read
	for _, workers := range []int{1, 3} {
		hosts, rejected, files := reportRead(t, []string{dir, explicit, "-"}, reportDoc("CC05")+"\n"+reportDoc("CC06"), workers)
		if !slices.Equal(hosts, wantHosts) || files != wantFiles {
			t.Errorf("workers %d: hosts %v, %d inputs", workers, hosts, files)
		}
		if len(rejected) != 2 || !strings.HasPrefix(rejected[0], "empty.json: empty file") || !strings.HasPrefix(rejected[1], "notes.txt: not a JSON document") {
			t.Errorf("rejected %q", rejected)
		}
	}
}

// A file too big to hold is streamed: its documents count like any others.
func TestReadReportStreamsLargeFiles(t *testing.T) {
	dir := t.TempDir()
	line := reportDoc("CCXXXX") + "\n"
	n := report.WholeFile/len(line) + 100
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		b.WriteString(strings.Replace(line, "XXXX", fmt.Sprintf("%06d", i), 1))
	}
	reportWrite(t, filepath.Join(dir, "fleet.jsonl"), b.String())
	count := 0
	_, err := ReadReport([]string{dir}, ReportOptions{}, func(it report.Item) {
		if it.Reject != nil {
			t.Fatalf("%+v", it.Reject)
		}
		count++
	})
	if err != nil || count != n {
		t.Errorf("%d documents of %d, %v", count, n, err)
	}
}

func TestReadReportPaths(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		paths []string
		want  string
	}{
		{[]string{filepath.Join(dir, "missing")}, "missing: no such file or folder"},
		{[]string{"-", "-"}, "stdin given more than once"},
		{[]string{""}, "empty path"},
	} {
		_, err := ReadReport(c.paths, ReportOptions{}, func(report.Item) { t.Error("read something") })
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want an input error saying %q", c.paths, err, c.want)
		}
	}
}
