package commands

import (
	"bytes"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
)

// shellWords splits a command line as a shell would for these examples: spaces separate,
// single and double quotes group.
func shellWords(s string) []string {
	var out []string
	var cur strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '\'' || c == '"'):
			quote, in = c, true
		case quote == 0 && c == ' ':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

// Every command's help ends with examples, and every example parses: its command, flags and
// enum values exist.
func TestHelpExamples(t *testing.T) {
	env := NewEnv(nil, &bytes.Buffer{}, &bytes.Buffer{})
	parser, err := newParser(env, nil)
	if err != nil {
		t.Fatal(err)
	}
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		if n.Type == kong.CommandNode && !n.Hidden {
			if len(examples[commandPath(n)]) == 0 {
				t.Errorf("%q has no examples", commandPath(n))
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(parser.Model.Node)
	for path, list := range examples {
		for _, ex := range list {
			words := shellWords(ex)
			if words[0] != "ccproxy" {
				continue // a line for another program (dsc)
			}
			env := NewEnv(nil, &bytes.Buffer{}, &bytes.Buffer{})
			p, err := newParser(env, words[1:])
			if err != nil {
				t.Fatal(err)
			}
			ctx, err := p.Parse(foldEnumValues(words[1:]))
			if err != nil {
				t.Errorf("%s: example %q does not parse: %v", path, ex, err)
				continue
			}
			if got := strings.TrimPrefix(ctx.Command(), ""); !strings.HasPrefix(strings.ReplaceAll(got, " <", "\x00"), path) {
				t.Errorf("example %q is listed under %q but runs %q", ex, path, got)
			}
		}
	}
}

// help, /? and -? show the help on stdout and exit 0; no command at all is a usage error that
// shows the top help on stderr.
func TestHelpWays(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"/?"}, {"-?"}, {"--help"}, {"help", "test"}, {"test", "/?"}} {
		var out, errb bytes.Buffer
		env := NewEnv(nil, &out, &errb)
		code := Main(env, args)
		if code != 0 || !strings.Contains(out.String(), "Usage: ccproxy") || errb.Len() != 0 {
			t.Errorf("%v: exit %d, stdout %.80q, stderr %q", args, code, out.String(), errb.String())
		}
		top := len(args) == 1
		if top != strings.Contains(out.String(), "The usual path") {
			t.Errorf("%v: the top help is shown %v, want %v", args, !top, top)
		}
	}
	var out, errb bytes.Buffer
	env := NewEnv(nil, &out, &errb)
	if code := Main(env, nil); code != 2 || out.Len() != 0 || !strings.Contains(errb.String(), "The usual path") || !strings.Contains(errb.String(), "no command given") {
		t.Errorf("no arguments: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	out.Reset()
	Main(NewEnv(nil, &out, &bytes.Buffer{}), []string{"test", "--help"})
	for _, r := range []string{"R1 ", "R2 ", "R3 ", "R4 ", "R5 ", "R6 ", "R7 ", "R8 "} {
		if !strings.Contains(out.String(), r) {
			t.Errorf("test --help does not spell out %s", r)
		}
	}
	if !strings.HasSuffix(out.String(), "--verbose\n") {
		t.Errorf("test --help does not end with its examples:\n%s", out.String())
	}
}
