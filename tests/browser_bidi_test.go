package tests

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// openPage opens a local page in headless chromium and returns the browser's context.
func openPage(t *testing.T, page string) context.Context {
	t.Helper()
	browser := findBrowser(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 1600))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page), chromedp.WaitReady("body")); err != nil {
		t.Fatalf("browser: %v", err)
	}
	return ctx
}

// A right-to-left override in one host name must not reorder the host names after it: the
// page shows the override as the escape \u202e, and isolates each value, so the next host still
// reads left to right and stands to the right of the ones before.
func TestHTMLReportBidiIsolated(t *testing.T) {
	dir := t.TempDir()
	for file, host := range map[string]string{"AA01.json": "AA01", "BB.json": `BB\u202eXY`, "CC03.json": "CC03"} {
		doc := `{"schema":"ccproxy/check@1","source":{"host":"` + host + `"},"startedAt":"2026-03-01T10:00:00Z","ok":false,` +
			`"interception":{"verdict":"none","issuers":[]},"endpoints":[{"host":"a.example","port":443,"status":"fail","failure":"timeout"}]}`
		if err := os.WriteFile(filepath.Join(dir, file), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	page := filepath.Join(t.TempDir(), "fleet.html")
	if r := run(t, nil, "report", dir, "--format", "html", "--output", page); r.code != 0 {
		t.Fatalf("report --format html: exit %d, %s", r.code, r.stderr)
	}
	ctx := openPage(t, page)
	type place struct {
		Text string               `json:"text"`
		Pos  map[string][]float64 `json:"pos"`
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[place](`(() => {
		document.querySelectorAll('details').forEach(d => d.open = true);
		const td = [...document.querySelectorAll('tr[data-cause] td')].find(c => c.textContent.includes('CC03'));
		const pos = {};
		const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
		const left = (n, i) => { const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1); return r.getBoundingClientRect().left; };
		for (let n; (n = walker.nextNode()); ) {
			for (const w of ['AA01', 'CC03']) {
				const i = n.data.indexOf(w);
				if (i >= 0) pos[w] = [left(n, i), left(n, i + 3)];
			}
		}
		return {text: td.textContent, pos};
	})()`))
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if !strings.Contains(got.Text, `BB\u202eXY`) || strings.Contains(got.Text, "\u202e") {
		t.Errorf("the host list reads %q: the override is not shown as an escape", got.Text)
	}
	aa, cc := got.Pos["AA01"], got.Pos["CC03"]
	if len(aa) != 2 || len(cc) != 2 {
		t.Fatalf("host names not found on the page: %+v", got)
	}
	if !(aa[0] < aa[1] && cc[0] < cc[1] && aa[1] < cc[0]) {
		t.Errorf("the host names are reordered: AA01 at %v, CC03 at %v (each must read left to right, CC03 after AA01)", aa, cc)
	}
}
