package tests

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"ccproxy/model"
)

// Every output passes through the credential redactor, so a sentence of ccproxy's own that
// looks like "user:password@host" would reach users mangled ("credentials ***@) are not
// ..."). This reads every string constant of the program and checks that the redactor
// leaves it alone.
func TestRedactorLeavesOwnSentencesAlone(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "tests" || strings.HasPrefix(d.Name(), ".")) && path != ".." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !strings.Contains(s, "@") {
				return true
			}
			checked++
			if got := model.RedactCredentials(s); got != s {
				t.Errorf("%s: the redactor changes ccproxy's own text\n  %q\nto\n  %q", fset.Position(lit.Pos()), s, got)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("no string constant with an @ found: the walk read nothing")
	}
	// The hand-written schemas are printed by 'ccproxy schema', through the same redactor.
	files, _ := filepath.Glob("../schema/*.json")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := model.RedactCredentials(string(b)); got != string(b) {
			t.Errorf("%s: the redactor changes the schema's text", f)
		}
	}
	if len(files) == 0 {
		t.Fatal("no schema files found")
	}
}
