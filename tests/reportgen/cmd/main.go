// Command reportgen writes a synthetic fleet of ccproxy documents for trying 'ccproxy report'
// by hand and for tests/bench/report-vs-jq.sh, and prints what the report must count.
//
//	go run ./tests/reportgen/cmd -dir /tmp/fleet -machines 3000 -duplicates 300 -corrupt 24 -mixed
//	go run ./tests/reportgen/cmd -dir /tmp/fleet -machines 95000 -duplicates 5000 -test-only
//	go run ./tests/reportgen/cmd -dir /tmp/hostile -hostile
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"ccproxy/tests/reportgen"
)

func main() {
	var o reportgen.Options
	dir := flag.String("dir", "", "folder to write the documents to (created)")
	flag.IntVar(&o.Machines, "machines", 1000, "machines (distinct hosts)")
	flag.IntVar(&o.Duplicates, "duplicates", 0, "extra older or newer documents of machines already written")
	flag.IntVar(&o.Corrupt, "corrupt", 0, "corrupt files")
	flag.Int64Var(&o.Seed, "seed", 1, "random seed")
	flag.BoolVar(&o.TestOnly, "test-only", false, "only test documents, UTF-8, each naming its host")
	flag.BoolVar(&o.Mixed, "mixed", false, "state, test and check documents in every file shape the report reads")
	hostile := flag.Bool("hostile", false, "write the hostile files of tests/bench/report-hostile.sh instead of a fleet")
	flag.Parse()
	if *hostile && *dir != "" {
		if err := reportgen.Hostile(*dir); err != nil {
			fmt.Fprintln(os.Stderr, "reportgen:", err)
			os.Exit(1)
		}
		return
	}
	if *dir == "" || o.Machines < 1 {
		fmt.Fprintln(os.Stderr, "reportgen: -dir and a positive -machines are required")
		os.Exit(2)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "reportgen:", err)
		os.Exit(1)
	}
	t, err := reportgen.Generate(*dir, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "reportgen:", err)
		os.Exit(1)
	}
	t.PerHost = nil // one line per machine is the report's job, not the summary's
	b, _ := json.MarshalIndent(t, "", "  ")
	fmt.Println(string(b))
}
