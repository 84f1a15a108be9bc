//go:build unix

package system

import (
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"ccproxy/model/report"
)

// A FIFO, a link to a FIFO and a link to /dev/zero in a folder are skipped by their kind and
// never opened: opening the FIFO would wait for a writer for ever, and /dev/zero never ends.
func TestReadReportSkipsFIFOsAndDevices(t *testing.T) {
	dir := t.TempDir()
	reportWrite(t, filepath.Join(dir, "CC01.json"), reportDoc("CC01"))
	fifo := filepath.Join(dir, "CC02.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	for name, target := range map[string]string{"CC03.json": fifo, "CC04.json": "/dev/zero", "CC05.json": "/dev/null"} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan struct{})
	var hosts, skipped []string
	go func() {
		defer close(done)
		_, err := ReadReport([]string{dir}, ReportOptions{}, func(it report.Item) {
			switch {
			case it.Skipped != "":
				skipped = append(skipped, filepath.Base(it.Skipped)+" "+it.SkippedKind)
			case it.Reject != nil:
				t.Errorf("rejected %+v", it.Reject)
			default:
				hosts = append(hosts, it.Doc.Host)
			}
		})
		if err != nil {
			t.Error(err)
		}
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		// Let the reader go: open a writer end so the run can finish, then fail.
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		t.Fatal("the report waits on a FIFO or reads a device without end")
	}
	slices.Sort(skipped)
	want := []string{"CC02.json a FIFO", "CC03.json a FIFO", "CC04.json a device", "CC05.json a device"}
	if !slices.Equal(hosts, []string{"CC01"}) || !slices.Equal(skipped, want) {
		t.Errorf("hosts %q, skipped %q, want %q", hosts, skipped, want)
	}
}
