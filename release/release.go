package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"time"
)

const defaultTargets = "windows/amd64,windows/arm64,linux/amd64"

type options struct {
	version, out, src, targetList string
	commit, commitTime            string
	url, wingetID                 string
	sign                          signOptions
}

type target struct{ goos, goarch string }

func (t target) String() string { return t.goos + "/" + t.goarch }
func (t target) exe() string {
	if t.goos == "windows" {
		return "ccproxy.exe"
	}
	return "ccproxy"
}

type release struct {
	options
	log       io.Writer
	targets   []target
	when      time.Time // the commit time: every stamp and file time of the release
	toolchain string    // go1.26.8, from go.mod
	work      string    // scratch folder, removed at the end
	build     string    // the copy of the source tree the builds run in
	outEmpty  bool      // -out existed, empty, before the release
	artifacts []artifact
}

// artifact is one zip and what was learnt building it.
type artifact struct {
	target target
	name   string // ccproxy-1.2.3-windows-amd64.zip
	sha256 string
	exe    []byte
	deps   []module
}

var (
	versionRE = regexp.MustCompile(`^(0|[1-9][0-9]{0,4})\.(0|[1-9][0-9]{0,4})\.(0|[1-9][0-9]{0,4})(-[0-9A-Za-z.]+)?$`)
	commitRE  = regexp.MustCompile(`^[0-9a-f]{40}([0-9a-f]{24})?$`)
)

func newRelease(o options, log io.Writer) (*release, error) {
	r := &release{options: o, log: log}
	// Windows keeps each part of a file version in 16 bits (VS_FIXEDFILEINFO), so a part
	// over 65535 could not be stamped: the pattern caps each part at five digits and the
	// check below at 65535.
	m := versionRE.FindStringSubmatch(o.version)
	if m == nil {
		return nil, usageError{fmt.Sprintf("-version %q: want MAJOR.MINOR.PATCH such as 1.2.3 (an optional -suffix such as 1.2.3-rc.1)", o.version)}
	}
	for _, p := range m[1:4] {
		var n int
		fmt.Sscan(p, &n)
		if n > 65535 {
			return nil, usageError{fmt.Sprintf("-version %q: each part must be at most 65535, the largest a Windows file version holds", o.version)}
		}
	}
	for _, s := range strings.Split(o.targetList, ",") {
		goos, goarch, ok := strings.Cut(strings.TrimSpace(s), "/")
		t := target{goos, goarch}
		if !ok || !isKnownTarget(t) {
			return nil, usageError{fmt.Sprintf("-targets: %q is not one of %s", s, defaultTargets)}
		}
		r.targets = append(r.targets, t)
	}
	src, err := filepath.Abs(o.src)
	if err != nil {
		return nil, err
	}
	r.src = src
	if _, err := os.Stat(filepath.Join(src, "go.mod")); err != nil {
		return nil, usageError{fmt.Sprintf("-src %s: no go.mod there; run from the module root or name it with -src", o.src)}
	}
	if entries, err := os.ReadDir(o.out); err == nil && len(entries) > 0 {
		return nil, usageError{fmt.Sprintf("-out %s: the folder exists and is not empty; remove it or name another", o.out)}
	} else if err == nil {
		r.outEmpty = true
	}
	if err := r.stamp(); err != nil {
		return nil, err
	}
	if err := r.sign.check(); err != nil {
		return nil, err
	}
	if err := checkWinGetID(o.wingetID); err != nil {
		return nil, err
	}
	if o.url != "" && !strings.HasPrefix(o.url, "https://") {
		return nil, usageError{fmt.Sprintf("-url %q: WinGet downloads over https only; give the https:// folder the zips are published in", o.url)}
	}
	return r, nil
}

func isKnownTarget(t target) bool {
	for _, s := range strings.Split(defaultTargets, ",") {
		if s == t.String() {
			return true
		}
	}
	return false
}

// stamp settles the commit, its time and the toolchain: the only inputs of the release besides
// the tree, so the same commit gives the same bytes wherever it is built.
func (r *release) stamp() error {
	if r.commit == "" {
		out, err := r.git("rev-parse", "HEAD")
		if err != nil {
			return usageError{fmt.Sprintf("-src %s is not a git checkout (%v); pass -commit and -commit-time", r.src, err)}
		}
		r.commit = out
		if st, err := r.git("status", "--porcelain", "--untracked-files=no"); err == nil && st != "" {
			fmt.Fprintf(r.log, "release: warning: the tree has uncommitted changes; the release is not the commit %s it names\n", r.commit)
		}
	}
	if !commitRE.MatchString(r.commit) {
		return usageError{fmt.Sprintf("-commit %q: want the full hexadecimal commit id (40 characters)", r.commit)}
	}
	if r.commitTime == "" {
		out, err := r.git("show", "-s", "--format=%cI", r.commit)
		if err != nil {
			return usageError{fmt.Sprintf("-commit %s: cannot read its time (%v); pass -commit-time", r.commit, err)}
		}
		r.commitTime = out
	}
	t, err := time.Parse(time.RFC3339, r.commitTime)
	if err != nil {
		return usageError{fmt.Sprintf("-commit-time %q: want RFC 3339 such as 2026-01-31T12:00:00Z", r.commitTime)}
	}
	// A zip holds DOS times, which start in 1980.
	if t.Year() < 1980 {
		return usageError{fmt.Sprintf("-commit-time %q: before 1980, which a zip cannot hold", r.commitTime)}
	}
	r.when = t.UTC()
	r.commitTime = r.when.Format(time.RFC3339)
	gomod, err := os.ReadFile(filepath.Join(r.src, "go.mod"))
	if err != nil {
		return err
	}
	// The toolchain line if there is one, else the go line: 'go help toolchain'.
	for _, re := range []string{`(?m)^toolchain\s+(go\S+)`, `(?m)^go\s+(\S+)`} {
		if m := regexp.MustCompile(re).FindSubmatch(gomod); m != nil {
			r.toolchain = string(m[1])
			if !strings.HasPrefix(r.toolchain, "go") {
				r.toolchain = "go" + r.toolchain
			}
			break
		}
	}
	if r.toolchain == "" {
		return usageError{"go.mod names no go version"}
	}
	return nil
}

func (r *release) git(args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = r.src
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %v %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// run makes the release; when it fails, it leaves -out as it found it (absent or empty), so
// half a release is never mistaken for one.
func (r *release) run() (err error) {
	defer func() {
		if err == nil {
			return
		}
		if !r.outEmpty {
			os.RemoveAll(r.out)
			return
		}
		entries, _ := os.ReadDir(r.out)
		for _, e := range entries {
			os.RemoveAll(filepath.Join(r.out, e.Name()))
		}
	}()
	work, err := os.MkdirTemp("", "ccproxy-release-")
	if err != nil {
		return err
	}
	r.work = work
	defer os.RemoveAll(work)
	if err := os.MkdirAll(r.out, 0o755); err != nil {
		return err
	}
	if err := r.stage(); err != nil {
		return err
	}
	manifest, err := r.dscManifest()
	if err != nil {
		return err
	}
	shipped, err := r.shippedFiles()
	if err != nil {
		return err
	}
	if err := r.buildAll(); err != nil {
		return err
	}
	for i := range r.artifacts {
		a := &r.artifacts[i]
		if err := r.signExe(a); err != nil {
			return err
		}
		if err := r.pack(a, manifest, shipped); err != nil {
			return err
		}
		if err := r.writeSBOM(a); err != nil {
			return err
		}
	}
	if r.url != "" {
		if err := r.writeWinGet(); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(r.log, "release: no -url, so no WinGet manifests (they name the download URL of each zip)")
	}
	return r.writeSums()
}

// goEnv is the environment of every go command of the release: the toolchain go.mod names
// ('go help toolchain': GOTOOLCHAIN=goX.Y.Z runs exactly that version), no C compiler, the
// baseline instruction sets whatever the caller's environment says, and no stray GOFLAGS.
func (r *release) goEnv(t target) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOOS", "GOARCH", "CGO_ENABLED", "GOFLAGS", "GOTOOLCHAIN", "GOAMD64", "GOARM64", "GOEXPERIMENT", "GOWORK":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GOOS="+t.goos, "GOARCH="+t.goarch, "CGO_ENABLED=0", "GOFLAGS=-mod=readonly",
		"GOTOOLCHAIN="+r.toolchain, "GOAMD64=v1", "GOARM64=v8.0", "GOWORK=off")
}

func (r *release) ldflags() string {
	// main.date carries the commit time, never the build time: 'ccproxy version' reports when
	// the source was committed, and two builds of one commit stay identical.
	return fmt.Sprintf("-s -w -X main.version=%s -X main.commit=%s -X main.date=%s", r.version, r.commit, r.commitTime)
}

func (r *release) goBuild(t target, out string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", r.ldflags(), "-o", out, ".")
	cmd.Dir = r.build
	cmd.Env = r.goEnv(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build for %s: %v\n%s", t, err, stderr.String())
	}
	return nil
}

// stage copies the source tree into the scratch folder, where the builds run, so a release
// never writes into the tree it builds (two can run at once) and with -trimpath the folder
// leaves no trace in the executables.
func (r *release) stage() error {
	r.build = filepath.Join(r.work, "src")
	out, _ := filepath.Abs(r.out)
	return filepath.WalkDir(r.src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(r.src, p)
		if d.IsDir() {
			// Not the history, the parser's npm packages, the output, or an old release.
			if n := d.Name(); p != r.src && (n == ".git" || n == "node_modules" || p == out || rel == "dist") {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(r.build, rel), 0o755)
		}
		if !d.Type().IsRegular() || strings.HasSuffix(p, ".syso") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(r.build, rel), b, 0o644)
	})
}

// buildAll builds every target. The Windows resources go in as .syso objects beside main.go
// in the staged copy, the way the Go linker takes them ('go help buildconstraint':
// _GOOS_GOARCH file names).
func (r *release) buildAll() error {
	for _, t := range r.targets {
		if t.goos != "windows" {
			continue
		}
		obj, err := r.resources(t)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(r.build, "rsrc_windows_"+t.goarch+".syso"), obj, 0o644); err != nil {
			return err
		}
	}
	for _, t := range r.targets {
		exe := filepath.Join(r.work, t.goos+"-"+t.goarch, t.exe())
		fmt.Fprintf(r.log, "release: building %s\n", t)
		if err := r.goBuild(t, exe); err != nil {
			return err
		}
		if t.goos == "windows" {
			// Sections page-aligned in the file, so that Wine maps them instead of copying
			// them into private memory (release/pealign); signing comes later.
			if err := alignPEFile(exe); err != nil {
				return err
			}
		}
		b, err := os.ReadFile(exe)
		if err != nil {
			return err
		}
		deps, err := r.linkedModules(exe)
		if err != nil {
			return err
		}
		r.artifacts = append(r.artifacts, artifact{
			target: t, name: fmt.Sprintf("ccproxy-%s-%s-%s.zip", r.version, t.goos, t.goarch), exe: b, deps: deps,
		})
	}
	return nil
}

// dscManifest is what 'ccproxy dsc manifest' prints. It does not depend on the platform, so a
// build for this machine, stamped like the release, makes it.
func (r *release) dscManifest() ([]byte, error) {
	host := target{runtime.GOOS, runtime.GOARCH}
	exe := filepath.Join(r.work, "host", "ccproxy")
	if host.goos == "windows" {
		exe += ".exe"
	}
	if err := r.goBuild(host, exe); err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "dsc", "manifest")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("ccproxy dsc manifest: %v %s", err, stderr.String())
	}
	return out, nil
}

func (r *release) writeSums() error {
	var names []string
	err := filepath.WalkDir(r.out, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(r.out, p)
			if rel != "SHA256SUMS" {
				names = append(names, filepath.ToSlash(rel))
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(r.out, filepath.FromSlash(n)))
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		// The format sha256sum -c reads: hash, two spaces, name.
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sum[:]), n)
	}
	return os.WriteFile(filepath.Join(r.out, "SHA256SUMS"), []byte(b.String()), 0o644)
}
