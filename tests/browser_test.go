package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"ccproxy/tests/reportgen"
)

// The HTML fleet report is tested in a real browser: Debian's chromium, headless, started
// once for every page test. The numbers the page shows must be the JSON report's, and the
// page must make no request at all (no network, no CDN, no font). Without chromium the test
// skips, saying what to install; CI sets CCPROXY_REQUIRE_BROWSER=1, which makes that a
// failure.
func TestHTMLReportInBrowser(t *testing.T) {
	browser := findBrowser(t)
	dir, _ := reportFleet(t, reportgen.Options{Machines: 400, Duplicates: 30, Corrupt: 4, Seed: 11, Mixed: true})
	out := t.TempDir()
	page := filepath.Join(out, "fleet.html")
	if r := run(t, nil, "report", dir, "--format", "html", "--output", page); r.code != 0 {
		t.Fatalf("report --format html: exit %d, %s", r.code, r.stderr)
	}
	js := run(t, nil, "report", dir, "--format", "json")
	var rep struct {
		Machines map[string]int `json:"machines"`
		Inputs   struct {
			Documents int `json:"documents"`
			Files     int `json:"files"`
		} `json:"inputs"`
		Findings []struct {
			ID   string `json:"id"`
			Fail int    `json:"fail"`
		} `json:"findings"`
		Rejected struct {
			Count int `json:"count"`
		} `json:"rejected"`
	}
	if err := json.Unmarshal(js.stdout, &rep); err != nil {
		t.Fatal(err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 1600))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	var mu sync.Mutex
	var requests []string
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requests = append(requests, e.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatalf("browser: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("browser: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page), chromedp.WaitReady("body")); err != nil {
		t.Fatalf("browser: %v", err)
	}
	metrics, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`Object.fromEntries([...document.querySelectorAll('[data-metric]')].map(e => [e.dataset.metric, e.textContent]))`))
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	findings, err := chromedp.Run(ctx, chromedp.Evaluate[[]map[string]string](`[...document.querySelectorAll('tr[data-finding]')].map(r => ({id: r.dataset.finding, fail: r.cells[1].textContent}))`))
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	resources, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.dataset.resources`))
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	// Sorting works: a click on "fail" orders the rows by it.
	sorted, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const th = document.querySelector('#findings ~ table.sortable th:nth-child(2)'); th.click(); th.click();
		const v = [...th.closest('table').tBodies[0].rows].map(r => +r.cells[1].textContent); return v.every((x, i) => i === 0 || v[i-1] >= x) })()`))
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if !sorted {
		t.Errorf("clicking the fail header twice does not sort the findings by failures, most first")
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(80))
	if err != nil {
		t.Fatalf("browser: screenshot: %v", err)
	}
	keepArtifact(t, "fleet-report.jpg", shot)

	for _, k := range []string{"seen", "compliant", "nonCompliant", "notTested", "mismatched", "checkPassed", "checkFailed"} {
		if got, want := metrics[k], strconv.Itoa(rep.Machines[k]); got != want {
			t.Errorf("page shows %s = %q, the JSON report %s", k, got, want)
		}
	}
	if got, want := metrics["documents"], strconv.Itoa(rep.Inputs.Documents); got != want {
		t.Errorf("documents: page %q, JSON %s", got, want)
	}
	if got, want := metrics["rejected"], strconv.Itoa(rep.Rejected.Count); got != want {
		t.Errorf("rejected: page %q, JSON %s", got, want)
	}
	if len(findings) != len(rep.Findings) || len(findings) == 0 {
		t.Fatalf("page lists %d findings, the JSON report %d", len(findings), len(rep.Findings))
	}
	for i, f := range rep.Findings {
		if findings[i]["id"] != f.ID || findings[i]["fail"] != strconv.Itoa(f.Fail) {
			t.Errorf("finding %d: page %v, JSON %s fail %d", i, findings[i], f.ID, f.Fail)
		}
	}
	if resources != "0" {
		t.Errorf("the page loaded %s resources", resources)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, u := range requests {
		if u != "file://"+page {
			t.Errorf("the page made a request: %s", u)
		}
	}
}

// findBrowser is Debian's chromium (or CCPROXY_BROWSER).
func findBrowser(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("CCPROXY_BROWSER"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no chromium to open the HTML report in; install it: sudo apt-get install chromium"
	if os.Getenv("CCPROXY_REQUIRE_BROWSER") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// keepArtifact writes a test artifact to CCPROXY_ARTIFACTS (default: a ccproxy-artifacts
// folder in the system's temporary folder) and says where.
func keepArtifact(t *testing.T, name string, data []byte) {
	dir := os.Getenv("CCPROXY_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "ccproxy-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("artifact %s not kept: %v", name, err)
		return
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Logf("artifact %s not kept: %v", name, err)
		return
	}
	fmt.Fprintf(os.Stderr, "browser test: screenshot kept as %s\n", strings.TrimSpace(p))
}
