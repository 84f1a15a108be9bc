package probe_test

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"ccproxy/probe"
	"ccproxy/probe/probetest"
)

// The performance case: 40 endpoints behind a proxy that adds 200 ms to each
// CONNECT. The concurrent check should take about one delay plus handshakes, a prober that
// goes one endpoint after another about 40 delays. Both run in the same benchmark so that
// the machine's speed cancels out; timing is reported, never asserted.
//
//	go test ./probe -run '^$' -bench CheckBehindSlowProxy -benchtime 3x
func BenchmarkCheckBehindSlowProxy(b *testing.B) {
	const endpoints, delay = 40, 200 * time.Millisecond
	ca := probetest.MustCA(testCAName, "ccproxy Test")
	up, err := probetest.NewTLSUpstream(ca, probetest.UpstreamOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer up.Close()
	p, err := probetest.NewProxy(probetest.ProxyOptions{Mode: probetest.Tunnel, Delay: delay})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	var targets []probe.Target
	for i := 0; i < endpoints; i++ {
		targets = append(targets, probe.Target{
			Host: "host" + strconv.Itoa(i) + ".citrixworkspacesapi.net", Port: up.Port, Kind: probe.KindHTTPS,
			Required: true, ExpectedIssuers: expected, Source: probe.SourceCatalog,
		})
	}
	opts := func(concurrency int) probe.Options {
		return probe.Options{
			Concurrency: concurrency, StageTimeout: 5 * time.Second, Deadline: time.Minute,
			Resolver: probetest.Resolver, RootCAs: ca.Pool(), PublicCAs: []string{testCAName},
			Route:           func(string, int, string) (string, bool, string) { return p.Addr, false, "" },
			IPLiteralTarget: "127.0.0.1:" + strconv.Itoa(up.Port),
		}
	}
	for _, c := range []struct {
		name        string
		concurrency int
	}{
		{"all-at-once", endpoints + 1}, // every endpoint and the R8 test in one wave
		{"default-16", 16},
		{"sequential", 1},
	} {
		b.Run(c.name, func(b *testing.B) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			var total time.Duration
			for i := 0; i < b.N; i++ {
				start := time.Now()
				r := probe.Run(context.Background(), targets, opts(c.concurrency))
				total += time.Since(start)
				if !r.OK || r.Counts.Passed != endpoints {
					b.Fatalf("run failed: %+v", r.Counts)
				}
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/check")
			b.ReportMetric(float64(total)/float64(b.N)/float64(delay), "x-delay")
			b.ReportMetric(float64(after.Sys)/(1<<20), "MB-sys")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "MB-alloc/check")
		})
	}
}
