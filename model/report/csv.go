package report

import (
	"io"
	"strconv"
	"strings"
	"time"

	"ccproxy/model"
	"ccproxy/model/csvsafe"
)

// CSVHeader names the columns of 'report --format csv', one row per machine.
var CSVHeader = []string{
	"host", "hostFrom", "provenance", "compliant", "verdict", "failed", "warned",
	"servicesMode", "servicesProxy", "servicesBypass",
	"installerMode", "installerProxy", "installerBypass", "installerAutoConfigUrl", "installerAutoDetect",
	"mismatch", "checkOk", "interception", "issuers", "unreachable",
	"stateFile", "stateAt", "testFile", "testAt", "checkFile", "checkAt", "superseded",
	"missingEvidence", "supply",
}

// CSVWriter writes machine rows for a spreadsheet through csvsafe, ccproxy's one CSV
// writer: CRLF line ends, as Excel expects; lists joined with "; "; empty cells for null;
// formulas neutralised and separators quoted so that no cell runs as a formula whether the
// spreadsheet's list separator is "," or ";".
type CSVWriter struct{ w *csvsafe.Writer }

// NewCSVWriter writes the header row.
func NewCSVWriter(w io.Writer) (*CSVWriter, error) {
	c := &CSVWriter{w: csvsafe.NewWriter(w)}
	return c, c.w.Write(CSVHeader)
}

// Write writes one machine.
func (c *CSVWriter) Write(m Machine) error {
	return c.w.Write(CSVRecord(m))
}

// Flush writes what is buffered and returns the first error met.
func (c *CSVWriter) Flush() error { return c.w.Flush() }

// CSVRecord is the row of one machine, in the order of CSVHeader.
func CSVRecord(m Machine) []string {
	var svc, ie Settings
	if m.Services != nil {
		svc = *m.Services
	}
	if m.Installer != nil {
		ie = *m.Installer
	}
	unreachable := make([]string, len(m.Unreachable))
	for i, u := range m.Unreachable {
		unreachable[i] = u.Endpoint
		if u.Failure != nil {
			unreachable[i] += " " + *u.Failure
		}
	}
	rec := []string{
		m.Host, m.HostFrom, m.Provenance, boolCell(m.Compliant), model.Deref(m.Verdict), strings.Join(m.Failed, "; "), strings.Join(m.Warned, "; "),
		model.Deref(svc.Mode), model.Deref(svc.Proxy), model.Deref(svc.Bypass),
		model.Deref(ie.Mode), model.Deref(ie.Proxy), model.Deref(ie.Bypass), model.Deref(ie.AutoConfigURL), boolCell(ie.AutoDetect),
		boolCell(m.Mismatch), boolCell(m.CheckOK), model.Deref(m.Interception), strings.Join(m.Issuers, "; "), strings.Join(unreachable, "; "),
	}
	for _, d := range []*DocumentRef{m.Documents.State, m.Documents.Test, m.Documents.Check} {
		if d == nil {
			rec = append(rec, "", "")
			continue
		}
		file := d.File
		if d.Line != nil {
			file += ":" + strconv.Itoa(*d.Line)
		}
		rec = append(rec, file, d.At.Format(time.RFC3339Nano))
	}
	rec = append(rec, strconv.Itoa(m.Superseded))
	// What an incomplete verdict lacks, and the first way to supply it: the machine's fix.
	var what []string
	supply := ""
	for _, e := range m.MissingEvidence {
		what = append(what, e.What)
		if supply == "" {
			supply = e.Supply
		}
	}
	rec = append(rec, strings.Join(what, "; "), supply)
	for i, v := range rec {
		rec[i] = model.RedactCredentials(v)
	}
	return rec
}

func boolCell(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}
