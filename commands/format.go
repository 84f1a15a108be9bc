package commands

import (
	"slices"
	"strings"

	"ccproxy/jsonin"
	"ccproxy/model"
	"ccproxy/model/render"
	"ccproxy/system"
)

// FormatFlag is --format for the commands whose document has a text form. auto, the
// default, writes text when stdout is a console and the JSON document otherwise, so that
// 'ccproxy get | ConvertFrom-Json' and '$x = ccproxy test' keep getting JSON while a person
// typing 'ccproxy test' reads a verdict. CCPROXY_FORMAT sets the default.
type FormatFlag struct {
	Format string `help:"auto (text on a console, the JSON document otherwise; CCPROXY_FORMAT sets the default), json or text." placeholder:"auto|json|text"`
}

// outputFormats are what --format and CCPROXY_FORMAT accept for every command with a text form.
var outputFormats = []string{"auto", "json", "text"}

// resolveFormat decides between json and text (or a command's own extra format, passed in
// extra) from the flag, then CCPROXY_FORMAT, then the console.
func (e *Env) resolveFormat(flag string, extra ...string) (string, error) {
	v, input := strings.ToLower(strings.TrimSpace(flag)), "--format"
	allowed := append(append([]string{}, outputFormats...), extra...)
	if v == "" {
		v, input = strings.ToLower(strings.TrimSpace(e.Getenv("CCPROXY_FORMAT"))), "CCPROXY_FORMAT"
		allowed = outputFormats
	}
	if v != "" && !slices.Contains(allowed, v) {
		return "", &model.InputError{Input: input, Msg: "unknown format " + jsonin.Quote(v) + "; hint: give " + strings.Join(allowed, ", ")}
	}
	if v == "" || v == "auto" {
		if e.StdoutIsTerminal && e.Globals.Output == "" {
			return "text", nil
		}
		return "json", nil
	}
	return v, nil
}

// EmitAs writes doc as the JSON document or, when the format resolves to text, as text for a
// person: the same document rendered, so nothing is said that the JSON does not say.
func (e *Env) EmitAs(doc any, format string) error { return e.emitAs(doc, format, false) }

// EmitVerbose is EmitAs whose text lists everything the document holds.
func (e *Env) EmitVerbose(doc any, format string, verbose bool) error {
	return e.emitAs(doc, format, verbose)
}

func (e *Env) emitAs(doc any, format string, verbose bool) error {
	f, err := e.resolveFormat(format)
	if err != nil {
		return err
	}
	if f != "text" {
		return e.Emit(doc)
	}
	b, err := model.MarshalDocument(doc, true)
	if err != nil {
		return err
	}
	return e.emitText(b, verbose)
}

// emitText renders a marshalled document as text.
func (e *Env) emitText(doc []byte, verbose bool) error {
	e.logDecision(doc)
	text, err := render.Text(doc, render.Options{Color: e.colour(), Width: e.width(), Verbose: verbose})
	if err != nil {
		return err
	}
	return e.write(text)
}

// colour is on for text on a console, unless NO_COLOR (no-color.org) or --no-color says no.
func (e *Env) colour() bool {
	return e.StdoutIsTerminal && e.Globals.Output == "" && !e.Globals.NoColor && e.Getenv("NO_COLOR") == ""
}

// width is the number of columns text fits: the console's, COLUMNS, or 80.
func (e *Env) width() int {
	if e.ConsoleWidth != nil {
		return e.ConsoleWidth()
	}
	return system.ConsoleWidth(nil, e.Getenv)
}
