package commands

import (
	"ccproxy/model"
	"ccproxy/system"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"unicode"

	"github.com/alecthomas/kong"
)

// rootCLI is what kong parses: the global flags, with the commands of CLI added by
// commandOptions.
type rootCLI struct{ Globals }

// commandOptions registers the commands of CLI with kong. When args name a command, only that
// one is registered: kong builds its model of every flag of every command it is given, which
// cost more than a whole 'get' does, and one command's flags are all a run needs. Help and
// unknown commands get all of them.
func commandOptions(cli *CLI, args []string) []kong.Option {
	v := reflect.ValueOf(cli).Elem()
	t := v.Type()
	wanted := firstCommand(args)
	var all []kong.Option
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if _, ok := f.Tag.Lookup("cmd"); !ok {
			continue
		}
		name := f.Tag.Get("name")
		if name == "" {
			name = dashed(f.Name)
		}
		opt := kong.DynamicCommand(name, f.Tag.Get("help"), f.Tag.Get("group"), v.Field(i).Addr().Interface())
		if name == wanted {
			return []kong.Option{opt}
		}
		all = append(all, opt)
	}
	return all
}

// firstCommand is the first argument that is not a global flag or a global flag's value.
func firstCommand(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return ""
		case a == "--log-level" || a == "--log-format" || a == "--output":
			i++
		case strings.HasPrefix(a, "-"):
		default:
			return a
		}
	}
	return ""
}

// dashed is kong's command name for a field: IntuneRules -> intune-rules.
func dashed(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// versionFlag turns 'ccproxy --version' (with no command) into 'ccproxy version', as most
// command-line tools accept both.
func versionFlag(args []string) []string {
	if firstCommand(args) != "" {
		return args
	}
	out := make([]string, 0, len(args))
	found := false
	for _, a := range args {
		if a == "--version" && !found {
			found = true
			continue
		}
		out = append(out, a)
	}
	if !found {
		return args
	}
	return append(out, "version")
}

// emptyOutput reports an --output flag given an empty value ('--output=' or --output ""),
// which kong would otherwise turn into the current folder.
func emptyOutput(args []string) bool {
	for i, a := range args {
		if a == "--" {
			return false
		}
		if a == "--output=" || (a == "--output" && i+1 < len(args) && args[i+1] == "") {
			return true
		}
	}
	return false
}

// helpHint names the help of the command a usage error is about: 'ccproxy plan --help',
// 'ccproxy dsc set --help', or the top level's when no command was recognised.
func helpHint(err error) string {
	words := []string{"ccproxy"}
	var pe *kong.ParseError
	if errors.As(err, &pe) && pe.Context != nil {
		for _, p := range pe.Context.Path {
			if p.Command != nil {
				words = append(words, p.Command.Name)
			}
		}
	}
	return "see '" + strings.Join(words, " ") + " --help'"
}

// checkOutput refuses an --output that names a folder, a socket, a block device, a link loop
// or a file in a folder that does not exist before anything runs, so the command changes
// nothing and says which flag is wrong (bad usage, exit 2); what only the write finds out
// (access denied) is the environment's (exit 3).
func checkOutput(path string) error {
	if path == "" {
		return nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return &model.InputError{Input: "--output " + path, Msg: "is a directory; hint: name a file in it, e.g. --output " + filepath.Join(path, "state.json")}
	}
	return outputError(path, system.CheckWriteTarget(path))
}

// Commands maps each top-level command to its help text, as the CLI defines them (the
// documentation's tables are checked against it).
func Commands() map[string]string { return commandHelp(reflect.TypeOf(CLI{})) }

// DscCommands is Commands for the subcommands of 'ccproxy dsc'.
func DscCommands() map[string]string { return commandHelp(reflect.TypeOf(DscCmd{})) }

func commandHelp(t reflect.Type) map[string]string {
	out := map[string]string{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if _, ok := f.Tag.Lookup("cmd"); !ok {
			continue
		}
		name := f.Tag.Get("name")
		if name == "" {
			name = dashed(f.Name)
		}
		out[name] = f.Tag.Get("help")
	}
	return out
}
