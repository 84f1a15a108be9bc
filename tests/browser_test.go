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
	// A machine whose evidence is incomplete: its row's fix is the way to supply what is missing.
	inc := run(t, nil, "test", "--from", "examples/netsh-show-proxy.txt")
	if err := os.WriteFile(filepath.Join(dir, "INC1.json"), inc.stdout, 0o644); err != nil {
		t.Fatal(err)
	}
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
			ID          string   `json:"id"`
			Fail        int      `json:"fail"`
			Warn        int      `json:"warn"`
			NotChecked  int      `json:"notChecked"`
			WarnedHosts []string `json:"warnedHosts"`
		} `json:"findings"`
		MachineList struct {
			Count int `json:"count"`
			Rows  []struct {
				Host    string   `json:"host"`
				Verdict *string  `json:"verdict"`
				Failed  []string `json:"failed"`
				Warned  []string `json:"warned"`
				Fix     *string  `json:"fix"`
			} `json:"rows"`
		} `json:"machineList"`
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
	findings, err := chromedp.Run(ctx, chromedp.Evaluate[[]map[string]string](`[...document.querySelectorAll('tr[data-finding]')].map(r => ({id: r.dataset.finding, fail: r.cells[1].textContent,
		notChecked: r.querySelector('[data-col=notChecked]').textContent, warn: r.querySelector('[data-col=warn]').textContent,
		warnedHosts: (() => { const s = r.querySelector('summary[data-hosts=warned]'); return s ? s.parentElement.textContent.slice(s.textContent.length) : '' })()}))`))
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	machineRows, err := chromedp.Run(ctx, chromedp.Evaluate[[]map[string]string](`[...document.querySelectorAll('#machine-table tbody tr')].map(r => ({host: r.dataset.host,
		verdict: r.querySelector('[data-col=verdict]').textContent, failed: r.querySelector('[data-col=failed]').textContent, warned: r.querySelector('[data-col=warned]').textContent, fix: r.querySelector('[data-col=fix]').textContent}))`))
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	// Filtering the machine table by a host leaves that host's row alone.
	filtered, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(() => { const i = document.querySelector('input[aria-label="filter the machines"]'); i.value = '`+rep.MachineList.Rows[len(rep.MachineList.Rows)-1].Host+`';
		i.dispatchEvent(new Event('input')); const n = [...document.querySelectorAll('#machine-table tbody tr')].filter(r => !r.hidden).length; i.value = ''; i.dispatchEvent(new Event('input')); return n })()`))
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if filtered != 1 {
		t.Errorf("filtering the machine table by one host shows %d rows", filtered)
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
	warnedSeen := false
	for i, f := range rep.Findings {
		if findings[i]["id"] != f.ID || findings[i]["fail"] != strconv.Itoa(f.Fail) || findings[i]["warn"] != strconv.Itoa(f.Warn) ||
			findings[i]["notChecked"] != strconv.Itoa(f.NotChecked) {
			t.Errorf("finding %d: page %v, JSON %s fail %d warn %d notChecked %d", i, findings[i], f.ID, f.Fail, f.Warn, f.NotChecked)
		}
		// The page names the warned hosts, as the JSON report does.
		if got := findings[i]["warnedHosts"]; strings.Join(f.WarnedHosts, ", ") != got {
			t.Errorf("finding %s: page warned hosts %q, JSON %q", f.ID, got, f.WarnedHosts)
		}
		warnedSeen = warnedSeen || len(f.WarnedHosts) > 0
	}
	if !warnedSeen {
		t.Error("the fleet has no warned host to check the page against")
	}
	// The machine table is the JSON report's machineList, row by row, failing machines first.
	if len(machineRows) != len(rep.MachineList.Rows) || len(machineRows) == 0 || rep.MachineList.Count != rep.Machines["seen"] {
		t.Fatalf("page lists %d machines, the JSON report %d of %d", len(machineRows), len(rep.MachineList.Rows), rep.MachineList.Count)
	}
	words := map[string]string{"compliant": "compliant", "notCompliant": "not compliant", "incomplete": "incomplete"}
	incompleteSeen := false
	for i, m := range rep.MachineList.Rows {
		if m.Verdict != nil && *m.Verdict == "incomplete" {
			incompleteSeen = true
			if m.Fix == nil || !strings.HasPrefix(*m.Fix, "ccproxy ") || machineRows[i]["fix"] != *m.Fix {
				t.Errorf("incomplete machine %s: page fix %q, JSON fix %v: want the supply of its missing evidence", m.Host, machineRows[i]["fix"], m.Fix)
			}
		}
		want := "not tested"
		if m.Verdict != nil {
			want = words[*m.Verdict]
		}
		got := machineRows[i]
		if got["host"] != m.Host || !strings.HasPrefix(got["verdict"], want) || got["failed"] != or(strings.Join(m.Failed, " "), "-") || got["warned"] != or(strings.Join(m.Warned, " "), "-") {
			t.Errorf("machine row %d: page %v, JSON %+v", i, got, m)
		}
	}
	if !incompleteSeen {
		t.Error("the fleet has no incomplete machine to check the page against")
	}
	if v := rep.MachineList.Rows[0].Verdict; v == nil || *v != "notCompliant" {
		t.Errorf("the first machine row is not a failing machine: %+v", rep.MachineList.Rows[0])
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

// or is s, or def when s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
