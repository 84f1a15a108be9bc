package system

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"ccproxy/model/report"
)

// ReportOptions tune how ReadReport reads.
type ReportOptions struct {
	// Workers is how many files are read at once; 0 picks one per CPU plus two, so that a
	// worker waiting on the disk does not leave a CPU idle.
	Workers int
	Stdin   io.Reader
}

// batchSize is how many items a worker gathers before handing them over: one channel
// operation per document would cost more than reading a small document.
const batchSize = 128

// ReadReport reads the documents of the report's inputs: files, folders (recursively; files
// and folders whose name starts with "." are skipped) and "-" for stdin, in parallel. emit
// is called from the calling goroutine only, so it needs no locking. A file that cannot be
// read becomes a rejected item; only a path on the command line that does not exist stops
// the run, before anything is read. It returns the number of inputs read.
func ReadReport(paths []string, o ReportOptions, emit func(report.Item)) (int, error) {
	if err := checkReportPaths(paths); err != nil {
		return 0, err
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0) + 2
	}
	jobs := make(chan reportJob, 4*workers)
	results := make(chan []report.Item, 2*workers)
	go func() {
		defer close(jobs)
		for _, p := range paths {
			walkReportPath(p, jobs, results)
		}
	}()
	counts := make([]int, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var rd report.Reader
			var buf []byte
			var batch []report.Item
			add := func(it report.Item) {
				batch = append(batch, it)
				if len(batch) >= batchSize {
					results <- batch
					batch = nil
				}
			}
			for j := range jobs {
				counts[w]++
				if j.path == "-" {
					rd.ReadStream(report.StdinName, stdinOf(o.Stdin), add)
					continue
				}
				buf = readReportFile(&rd, j, buf, add)
			}
			if len(batch) > 0 {
				results <- batch
			}
		}(w)
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	for batch := range results {
		for _, it := range batch {
			emit(it)
		}
	}
	n := 0
	for _, c := range counts {
		n += c
	}
	return n, nil
}

func stdinOf(r io.Reader) io.Reader {
	if r == nil {
		return bytes.NewReader(nil)
	}
	return r
}

func checkReportPaths(paths []string) error {
	stdin := 0
	for _, p := range paths {
		if p == "-" {
			if stdin++; stdin > 1 {
				return &InputError{Input: "-", Msg: "stdin given more than once"}
			}
			continue
		}
		if p == "" {
			return &InputError{Input: `""`, Msg: "empty path; hint: pass files or folders, or - for stdin"}
		}
		if _, err := os.Stat(p); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return &InputError{Input: p, Msg: "no such file or folder"}
			}
			return &InputError{Input: p, Msg: "cannot read: " + pathErr(err)}
		}
	}
	return nil
}

func pathErr(err error) string { return PathCause(err).Error() }

// reportJob is one input to read. named is a path given on the command line: it is read
// whatever its kind (a pipe from the shell's <(...) is one); a file found in a folder is read
// only when it is a regular file.
type reportJob struct {
	path  string
	named bool
}

// walkReportPath sends the files under p to jobs, in lexical order; what cannot be listed
// goes to results as a rejection.
func walkReportPath(p string, jobs chan<- reportJob, results chan<- []report.Item) {
	if p == "-" {
		jobs <- reportJob{path: p, named: true}
		return
	}
	info, err := os.Stat(p)
	if err == nil && !info.IsDir() {
		jobs <- reportJob{path: p, named: true}
		return
	}
	filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			results <- []report.Item{{Reject: &report.RejectedDoc{File: path, Reason: "cannot read: " + pathErr(err)}}}
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if path != p && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if notADocument(d.Name()) {
			results <- []report.Item{{Skipped: path, SkippedKind: "a file of a kind that holds no ccproxy document"}}
			return nil
		}
		// A FIFO, a device or a socket is never opened, nor a link to one: reading a FIFO
		// waits for a writer that may never come, and /dev/zero never ends. Links to
		// folders are not followed (WalkDir does not), so a loop of links cannot trap the walk.
		switch t := d.Type(); {
		case t.IsRegular():
			jobs <- reportJob{path: path}
		case t&fs.ModeSymlink != 0:
			if target, err := os.Stat(path); err == nil && !target.Mode().IsRegular() {
				if !target.IsDir() {
					results <- []report.Item{{Skipped: path, SkippedKind: kindOfFile(target.Mode())}}
				}
				return nil
			}
			jobs <- reportJob{path: path}
		default:
			results <- []report.Item{{Skipped: path, SkippedKind: kindOfFile(t)}}
		}
		return nil
	})
}

// notDocumentExt are the kinds of file found beside collected documents (the scripts that
// collected them, their logs, registry exports, spreadsheets) that cannot hold one. ccproxy
// documents are .json, .jsonl, .txt or .gz, or have no extension.
var notDocumentExt = map[string]bool{
	".md": true, ".ps1": true, ".psm1": true, ".psd1": true, ".reg": true, ".log": true, ".csv": true,
	".xml": true, ".html": true, ".htm": true, ".cmd": true, ".bat": true, ".ini": true, ".exe": true,
	".dll": true, ".msi": true, ".cab": true, ".zip": true, ".evtx": true, ".etl": true, ".png": true,
	".jpg": true, ".pdf": true, ".yaml": true, ".yml": true, ".mof": true,
}

func notADocument(name string) bool {
	return notDocumentExt[strings.ToLower(filepath.Ext(name))]
}

// readReportFile reads a file of at most report.WholeFile bytes whole into buf, and a larger
// one as a stream, so that a worker holds at most that much of a file. It returns buf for
// the next file.
func readReportFile(rd *report.Reader, j reportJob, buf []byte, emit func(report.Item)) []byte {
	path := j.path
	rejectFile := func(err error) {
		emit(report.Item{Reject: &report.RejectedDoc{File: path, Reason: "cannot read: " + pathErr(err)}})
	}
	open := os.Open
	if !j.named {
		// The walk saw a regular file, but a link may change before it is opened: an open
		// that cannot wait keeps a FIFO put there meanwhile from holding the run.
		open = openNoWait
	}
	f, err := open(path)
	if err != nil {
		rejectFile(err)
		return buf
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		rejectFile(err)
		return buf
	}
	if info.IsDir() {
		return buf
	}
	if !j.named && !info.Mode().IsRegular() {
		emit(report.Item{Skipped: path, SkippedKind: kindOfFile(info.Mode())})
		return buf
	}
	if !info.Mode().IsRegular() || info.Size() > report.WholeFile {
		rd.ReadStream(path, f, emit)
		return buf
	}
	if need := int(info.Size()) + 512; cap(buf) < need {
		buf = make([]byte, 0, need)
	}
	buf = buf[:0]
	// Reading stops at the size the file had when opened, which saves a read that would
	// only say EOF: one system call in five for a folder of small files.
	size := int(info.Size())
	for size == 0 || len(buf) < size {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			rejectFile(err)
			return buf
		}
		if len(buf) > report.WholeFile {
			// The file grew while it was read: go on as a stream from here.
			rd.ReadStream(path, io.MultiReader(bytes.NewReader(buf), f), emit)
			return buf[:0]
		}
	}
	if len(buf) == 0 {
		emit(report.Item{Reject: &report.RejectedDoc{File: path, Reason: "empty file; hint: ConvertTo-Json writes nothing at all for an empty array"}})
		return buf
	}
	rd.ReadBytes(path, buf, emit)
	return buf
}

// kindOfFile names what a file that is not a regular file is, for the log line that says it
// was skipped.
func kindOfFile(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeCharDevice != 0, m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeSymlink != 0:
		return "a link that leads nowhere readable"
	}
	return "not a regular file"
}
