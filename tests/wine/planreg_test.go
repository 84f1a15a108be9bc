package wine

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tidwall/gjson"
)

// 'plan --format reg' is for machines where ccproxy may not write: the file, imported with
// Windows' own reg.exe (here Wine's), must leave exactly the bytes the plan would have
// written, which ccproxy then reads as the desired state (a second plan is empty).
func TestPlanRegFileImports(t *testing.T) {
	b := bed(t)
	wineWinHTTP(t, b, "old.corp.example:3128", "<local>", "1800000000000000010000000000000000000000")
	doc := ccproxy(t, b, "plan", "--proxy", corpProxy, "--bypass", corpBypass, "--compress").want(t, 0, "ccproxy/plan@1")
	res := ccproxy(t, b, "plan", "--proxy", corpProxy, "--bypass", corpBypass, "--format", "reg")
	if res.code != 0 || len(res.stdout) < 2 || res.stdout[0] != 0xFF || res.stdout[1] != 0xFE {
		t.Fatalf("plan --format reg: exit %d, stderr %s", res.code, res.stderr)
	}
	f := filepath.Join(b.TempDir(t), "plan.reg")
	if err := os.WriteFile(f, res.stdout, 0o644); err != nil {
		t.Fatal(err)
	}
	b.MustRun(t, "reg", "import", WinPath(f))
	state := get(t, b)
	for i, view := range []string{"wow64", "native"} {
		want := gjson.GetBytes(doc, "changes."+string(rune('0'+i))+".after.hex").String()
		if got := gjson.GetBytes(state, "winhttp."+view+".blob.hex").String(); got != want || want == "" {
			t.Errorf("%s view after reg import: %s, want the planned %s", view, got, want)
		}
	}
	expect(t, state, "winhttp.native.proxy.raw", corpProxy)
	again := ccproxy(t, b, "plan", "--proxy", corpProxy, "--bypass", corpBypass, "--compress").want(t, 0, "ccproxy/plan@1")
	expect(t, again, "empty", true)
}
