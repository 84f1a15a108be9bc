package commands

import (
	"bufio"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"ccproxy/jsonin"
	"ccproxy/model"
	"ccproxy/model/render"
	"ccproxy/model/report"
	"ccproxy/system"
)

// ReportCmd summarises the documents collected from a fleet.
type ReportCmd struct {
	Paths  []string `arg:"" optional:"" help:"Files and folders of ccproxy state, test and check documents: one per file or JSON Lines, UTF-8 or UTF-16, plain or gzip; folders are read recursively, skipping names that start with a dot; - for stdin (the default)." placeholder:"PATH|-"`
	JSONL  bool     `name:"jsonl" help:"Write one line per machine (ccproxy/machine@1) instead of the summary."`
	Format string   `help:"auto (text on a console, JSON otherwise), json: the ccproxy/report@1 summary, or the lines of --jsonl; text: the summary for a person; csv: one row per machine, for a spreadsheet; html: one self-contained page (no network) with the same numbers." placeholder:"auto|json|text|csv|html"`
	Strict bool     `help:"Exit 2 when any document was rejected (after writing the report), for pipelines that must see every machine."`
	Hosts  int      `help:"Host names each group of the summary lists; machines counts them all, and --jsonl or --format csv list every machine." default:"20"`
}

// reportGCPercent keeps the heap near what the report holds: every document is garbage
// once scanned, and at Go's default of 100 the heap grows to twice the live data (the
// machines' summaries) between collections. Collections are cheap here: little is live.
const reportGCPercent = 50

func (c *ReportCmd) Run(env *Env) error {
	format, err := env.resolveFormat(c.Format, "csv", "html")
	if err != nil {
		return err
	}
	if c.JSONL && format == "text" && c.Format == "" {
		format = "json" // --jsonl asks for lines; auto does not turn them into text
	}
	if c.JSONL && format != "json" {
		return &model.InputError{Input: "--jsonl", Msg: "does not go with --format " + format + "; hint: pick one: JSON Lines, or --format " + format + " without --jsonl"}
	}
	if c.Hosts < 0 || c.Hosts > 100000 {
		return &model.InputError{Input: "--hosts", Msg: fmt.Sprintf("%d is out of range (0-100000)", c.Hosts)}
	}
	paths := c.Paths
	if len(paths) == 0 {
		paths = []string{"-"}
	}
	if env.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(reportGCPercent))
	}

	agg := report.NewAggregator()
	agg.SetNow(env.Now())
	progress := func() {}
	if env.StderrIsTerminal {
		last := time.Now()
		progress = func() {
			if n := agg.Documents() + agg.Rejected(); n%256 == 0 && time.Since(last) > 200*time.Millisecond {
				last = time.Now()
				fmt.Fprintf(env.Stderr, "\rccproxy: read %s, %d rejected\x1b[K", model.Count(agg.Documents(), "document"), agg.Rejected())
			}
		}
	}
	var firstRejects []string
	files, err := system.ReadReport(paths, system.ReportOptions{Stdin: env.Stdin}, func(it report.Item) {
		if it.Warning != "" {
			env.Log.Info().Msg(shown(it.Warning))
		}
		if it.Skipped != "" && it.SkippedKind != "" {
			env.Log.Info().Msg(shown(it.Skipped + ": skipped: " + it.SkippedKind))
		}
		if it.Reject != nil {
			place := it.Reject.File
			if it.Reject.Line != nil {
				place = fmt.Sprintf("%s: line %d", place, *it.Reject.Line)
			}
			env.Log.Info().Msg(shown(place + ": rejected: " + it.Reject.Reason))
			if len(firstRejects) < 3 {
				firstRejects = append(firstRejects, place+": "+it.Reject.Reason)
			}
		}
		agg.Add(it)
		progress()
	})
	if env.StderrIsTerminal {
		fmt.Fprint(env.Stderr, "\r\x1b[K")
	}
	if err != nil {
		return err
	}
	agg.AddFiles(files)
	// A collection that gathered nothing must not pass for a fleet with nothing to report.
	switch input := shown(strings.Join(paths, " ")); {
	case agg.Documents() == 0 && agg.Rejected() == 0:
		return &model.InputError{Input: input, Msg: "no documents found; hint: pass the files or folders that hold the collected ccproxy documents"}
	case agg.Documents() == 0 && agg.Rejected() == 1:
		return &model.InputError{Input: input, Msg: "no document accepted: " + shown(firstRejects[0])}
	case agg.Documents() == 0:
		return &model.InputError{Input: input, Msg: fmt.Sprintf("no document accepted: all %d rejected, the first: %s; hint: --log-level info lists each", agg.Rejected(), shown(firstRejects[0]))}
	}
	if n := agg.Skipped(); n > 0 {
		env.Log.Info().Msgf("skipped %s that cannot hold a ccproxy document (.md, .ps1, .reg, .log, a FIFO, a device ...); the report counts them under inputs.skipped", model.Count(n, "file"))
	}
	if n := agg.Rejected(); n > 0 {
		more := ""
		if n > len(firstRejects) {
			more = "; ..."
		}
		env.Log.Warn().Msg(shown(fmt.Sprintf("%s rejected (the report lists each under rejected): %s%s", model.Count(n, "document"), strings.Join(firstRejects, "; "), more)))
	}
	if err := c.emit(env, agg, paths, format); err != nil {
		return err
	}
	if c.Strict && agg.Rejected() > 0 {
		return &model.InputError{Input: "--strict", Msg: model.Count(agg.Rejected(), "document") + " rejected; hint: the report lists them under rejected: fix or remove them, or run without --strict"}
	}
	return nil
}

// shown is a message quoting input as a person may see it: credentials hidden, then
// controls made visible, so that a file name or a reason cannot act on the terminal.
func shown(s string) string { return jsonin.Visible(model.RedactCredentials(s)) }

// emit writes the report in the chosen form.
func (c *ReportCmd) emit(env *Env, agg *report.Aggregator, paths []string, format string) error {
	switch {
	case format == "csv":
		return env.emitStream(func(w io.Writer) error {
			cw, err := report.NewCSVWriter(w)
			if err != nil {
				return err
			}
			if err := agg.Machines(cw.Write); err != nil {
				return err
			}
			return cw.Flush()
		})
	case c.JSONL:
		return env.emitStream(func(w io.Writer) error {
			return agg.Machines(func(m report.Machine) error {
				b, err := model.MarshalDocument(m, true)
				if err != nil {
					return err
				}
				_, err = w.Write(b)
				return err
			})
		})
	}
	rep := agg.Report(report.Options{Paths: paths, HostsPerGroup: c.Hosts, Now: env.Now()})
	if format == "html" {
		b, err := model.MarshalDocument(rep, true)
		if err != nil {
			return err
		}
		env.logDecision(b)
		page, err := render.HTML(b)
		if err != nil {
			return err
		}
		return env.write(page)
	}
	return env.EmitAs(rep, format)
}

// emitStream writes output too large to hold in memory (one line per machine) to stdout, or
// to --output atomically.
func (e *Env) emitStream(write func(io.Writer) error) error {
	if e.Globals.Output == "" {
		bw := bufio.NewWriterSize(e.Stdout, 64<<10)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	return writeOutput(e.Globals.Output, 0o644, write)
}
