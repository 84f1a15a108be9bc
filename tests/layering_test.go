package tests

import (
	"go/build"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The layering is policy (as Go's own go/build/deps_test.go states its dependency rules):
// what each part of ccproxy may import. A change that breaks it fails here, and the fix is
// to move the code to the layer where it belongs, not to widen the rule.
var layering = []struct {
	pkgs   string   // a package, or a prefix ending in "/..."
	forbid []string // imports it must not have; a trailing "/..." forbids a tree
	// only, when set, is the whole of ccproxy it may import (beyond itself).
	only []string
}{
	// The domain is pure: no OS, no network, no outer layer.
	{pkgs: "ccproxy/model/...", forbid: []string{"os", "os/exec", "net", "net/http", "syscall", "io/fs", "golang.org/x/sys/...", "ccproxy/system", "ccproxy/probe", "ccproxy/commands", "ccproxy/ops"}},
	// The one JSON reader decodes what it is handed: no file I/O, nothing of ccproxy.
	{pkgs: "ccproxy/jsonin", forbid: []string{"os", "io/fs", "os/exec", "net", "syscall"}, only: []string{}},
	// The registry layer is a leaf: values, keys, the in-memory registry and the overlay.
	{pkgs: "ccproxy/registry", forbid: []string{"os", "os/exec", "net", "syscall", "golang.org/x/sys/..."}, only: []string{}},
	// The probing engine stands alone.
	{pkgs: "ccproxy/probe", only: []string{}},
	// The machine layer never reaches up into the commands.
	{pkgs: "ccproxy/system", forbid: []string{"ccproxy/commands", "ccproxy/probe"}},
	{pkgs: "ccproxy/schema", only: []string{}},
	// The operations serve the commands and never reach up into them.
	{pkgs: "ccproxy/ops", forbid: []string{"ccproxy/commands"}},
	// The release program builds ccproxy from the outside (go build, the built binary) and
	// links none of it, so the tool never carries the release's libraries.
	{pkgs: "ccproxy/release", only: []string{}},
}

func TestLayering(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	pkgs := map[string]*build.Package{}
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "node_modules") {
			return filepath.SkipDir
		}
		for _, goos := range []string{"linux", "windows", "darwin"} {
			ctx := build.Default
			ctx.GOOS = goos
			p, err := ctx.ImportDir(path, 0)
			if err != nil {
				continue
			}
			rel, _ := filepath.Rel(root, path)
			ip := "ccproxy"
			if rel != "." {
				ip += "/" + filepath.ToSlash(rel)
			}
			if prev := pkgs[ip]; prev != nil {
				p.Imports = append(p.Imports, prev.Imports...)
			}
			pkgs[ip] = p
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 10 {
		t.Fatalf("found only %d packages under %s", len(pkgs), root)
	}
	matches := func(pattern, path string) bool {
		if base, ok := strings.CutSuffix(pattern, "/..."); ok {
			return path == base || strings.HasPrefix(path, base+"/")
		}
		return path == pattern
	}
	checked := 0
	for _, rule := range layering {
		for ip, p := range pkgs {
			if !matches(rule.pkgs, ip) || strings.HasPrefix(ip, "ccproxy/tests") {
				continue
			}
			checked++
			var bad []string
			for _, imp := range p.Imports {
				for _, f := range rule.forbid {
					if matches(f, imp) {
						bad = append(bad, imp)
					}
				}
				if rule.only != nil && strings.HasPrefix(imp, "ccproxy") && !strings.HasPrefix(imp, ip) {
					allowed := false
					for _, o := range rule.only {
						allowed = allowed || matches(o, imp)
					}
					if !allowed {
						bad = append(bad, imp)
					}
				}
			}
			if len(bad) > 0 {
				sort.Strings(bad)
				t.Errorf("%s imports %s, which the layering forbids (rule for %s)", ip, strings.Join(dedupe(bad), ", "), rule.pkgs)
			}
		}
	}
	if checked < 8 {
		t.Errorf("the rules matched only %d packages: they no longer describe the tree", checked)
	}
}

func dedupe(xs []string) []string {
	var out []string
	for i, x := range xs {
		if i == 0 || x != xs[i-1] {
			out = append(out, x)
		}
	}
	return out
}
