package wine

import (
	"archive/zip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// The release's Windows executable carries a version resource and an application manifest.
// A manifest the loader cannot parse stops the program before it runs ("The application has
// failed to start because its side-by-side configuration is incorrect"), so the release's
// own executable must start and answer, here under Wine's loader, which reads the manifest
// into an activation context as Windows does.
func TestReleaseExecutableStarts(t *testing.T) {
	b := bed(t)
	dist := filepath.Join(b.TempDir(t), "dist")
	cmd := exec.Command(goTool(), "run", "./release", "-version", "9.8.7", "-out", dist, "-targets", "windows/amd64",
		"-commit", "89abcdef0123456789abcdef0123456789abcdef", "-commit-time", "2026-02-03T04:05:06Z")
	cmd.Dir = b.Root
	cmd.Env = cleanEnv(os.Environ())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./release: %v\n%s", err, out)
	}
	zr, err := zip.OpenReader(filepath.Join(dist, "ccproxy-9.8.7-windows-amd64.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	exe := filepath.Join(filepath.Dir(dist), "ccproxy.exe")
	for _, f := range zr.File {
		if f.Name != "ccproxy.exe" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		w, err := os.Create(exe)
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.Copy(w, rc)
		rc.Close()
		w.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	out := b.MustRun(t, exe, "version", "--format", "json")
	v := gjson.ParseBytes(out)
	if v.Get("version").String() != "9.8.7" || v.Get("buildDate").String() != "2026-02-03T04:05:06Z" ||
		!strings.HasPrefix(v.Get("commit").String(), "89abcdef") {
		t.Errorf("the release's ccproxy.exe says %s", out)
	}
}
