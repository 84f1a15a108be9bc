// Package tests runs the built ccproxy binary end to end: golden outputs, the JSON contract,
// exit codes and error messages, as a user's script would see them.
package tests

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// binary is the ccproxy built once for the whole test run, with coverage counting
// (go build -cover); coverDir collects what each run of it covered.
var binary, coverDir string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "ccproxy-tests-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "ccproxy")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	coverDir = filepath.Join(dir, "cover")
	if err := os.Mkdir(coverDir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Stamped like the release program stamps a release, so the version test can compare the commit.
	headCommit = gitHead()
	build := exec.Command("go", "build", "-cover", "-coverpkg=ccproxy/...", "-ldflags", "-X main.commit="+headCommit, "-o", binary, "..")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building ccproxy:", err)
		os.Exit(1)
	}
	code := m.Run()
	if code == 0 {
		if pct, err := coverage(coverDir); err != nil {
			fmt.Fprintln(os.Stderr, "coverage:", err)
		} else {
			fmt.Printf("end-to-end runs of the binary covered %.1f%% of ccproxy's statements\n", pct)
		}
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// headCommit is the checkout's commit the binary was stamped with, "unknown" outside git.
var headCommit string

func gitHead() string {
	out, err := exec.Command("git", "-C", "..", "rev-parse", "HEAD").Output()
	if rev := strings.TrimSpace(string(out)); err == nil && regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(rev) {
		return rev
	}
	return "unknown"
}

// coverage totals what the binary's runs covered, from the counters they left in dir
// (go tool covdata textfmt: "file:start,end statements count" per block).
func coverage(dir string) (float64, error) {
	out := filepath.Join(dir, "..", "cover.txt")
	cmd := exec.Command("go", "tool", "covdata", "textfmt", "-i", dir, "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("%v: %s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return 0, err
	}
	blocks := map[string][2]int{} // block -> statements, covered
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		n, _ := strconv.Atoi(f[1])
		c, _ := strconv.Atoi(f[2])
		b := blocks[f[0]]
		b[0] = n
		if c > 0 {
			b[1] = n
		}
		blocks[f[0]] = b
	}
	total, covered := 0, 0
	for _, b := range blocks {
		total += b[0]
		covered += b[1]
	}
	if total == 0 {
		return 0, fmt.Errorf("no coverage counters in %s", dir)
	}
	return 100 * float64(covered) / float64(total), nil
}

// result is one run of the binary.
type result struct {
	stdout, stderr []byte
	code           int
}

// run runs ccproxy with args; stdin may be nil.
func run(t testing.TB, stdin []byte, args ...string) result {
	t.Helper()
	return runWidth(t, 80, stdin, args...)
}

// runWidth runs ccproxy with COLUMNS set to width, the columns its text output fits.
func runWidth(t testing.TB, width int, stdin []byte, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "GOCOVERDIR="+coverDir, fmt.Sprintf("COLUMNS=%d", width))
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running ccproxy %v: %v", args, err)
	}
	return result{out.Bytes(), errb.Bytes(), code}
}

var readAtField = regexp.MustCompile(`"readAt": "[^"]*"`)

// stable hides what changes from run to run, for golden comparisons.
func stable(b []byte) []byte {
	return readAtField.ReplaceAll(b, []byte(`"readAt": "2000-01-01T00:00:00Z"`))
}

// golden compares got with testdata/<name>, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run 'go test ./tests -update' to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run 'go test ./tests -update' if the change is intended\n%s", path, lineDiff(want, got))
	}
}
