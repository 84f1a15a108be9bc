package commands

import (
	"bytes"
	"ccproxy/jsonin"
	"ccproxy/model"
	"ccproxy/model/dscres"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
)

// needsDesired refuses an instance that asks for nothing where test and set need a goal.
func needsDesired(req *dscres.Request, name string) error {
	if req.Desired != nil {
		return nil
	}
	return &model.InputError{Input: name, Place: "$", Msg: "the instance asks for nothing; hint: give \"winhttp\" (such as {\"mode\": \"importFromIE\"}), \"wininet\" or both; see examples/dsc/"}
}

// dscRequest reads and checks the instance from --input or stdin.
func (env *Env) dscRequest(in DscInput, from string) (*dscres.Request, string, error) {
	name, data := "--input", []byte(in.Input)
	if in.Input == "" {
		if from == "-" {
			return nil, "stdin", &model.InputError{Input: "stdin", Msg: "both the instance and --from read stdin; hint: give the instance with --input"}
		}
		name = jsonin.StdinName
		var err error
		if data, err = env.dscReadStdin(); err != nil {
			return nil, name, err
		}
	}
	req, warnings, err := dscres.Parse(name, data)
	for _, w := range warnings {
		env.Log.Warn().Msg(model.RedactCredentials(w))
	}
	if err != nil {
		return nil, name, err
	}
	return req, name, nil
}

// dscReadStdin reads the instance DSC writes to stdin; a terminal means none was given.
func (env *Env) dscReadStdin() ([]byte, error) {
	if env.Stdin == nil {
		return nil, nil
	}
	if f, ok := env.Stdin.(*os.File); ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(env.Stdin, jsonin.MaxInput+1))
	if err != nil {
		return nil, &model.InputError{Input: jsonin.StdinName, Msg: "cannot read: " + err.Error()}
	}
	if len(data) > jsonin.MaxInput {
		return nil, &model.InputError{Input: jsonin.StdinName, Msg: "input larger than 16 MiB; hint: an instance is a small JSON object"}
	}
	return data, nil
}

// dscEmit writes JSON Lines: each value compressed on its own line.
func (env *Env) dscEmit(values ...any) error {
	var out []byte
	for _, v := range values {
		b, err := model.MarshalDocument(v, true)
		if err != nil {
			return err
		}
		out = append(out, b...)
	}
	return env.emitFormatted(out)
}

// dscLevels maps DSC_TRACE_LEVEL to zerolog's levels, and zerolog's back to DSC's names.
var dscLevels = map[string]zerolog.Level{
	"error": zerolog.ErrorLevel, "warn": zerolog.WarnLevel, "warning": zerolog.WarnLevel,
	"info": zerolog.InfoLevel, "information": zerolog.InfoLevel, "debug": zerolog.DebugLevel, "trace": zerolog.TraceLevel,
}

// dscSetupLog replaces the logger with one that writes DSC's trace lines at the level
// DSC_TRACE_LEVEL asks for (else --log-level).
func (env *Env) dscSetupLog() {
	level := zerolog.WarnLevel
	if env.Globals != nil {
		if l, err := zerolog.ParseLevel(env.Globals.LogLevel); err == nil && env.Globals.LogLevel != "" {
			level = l
		}
	}
	if env.Getenv != nil {
		if l, ok := dscLevels[strings.ToLower(strings.TrimSpace(env.Getenv("DSC_TRACE_LEVEL")))]; ok {
			level = l
		}
	}
	now := env.Now
	if now == nil {
		now = time.Now
	}
	env.Log = zerolog.New(dscLogWriter{w: env.Stderr, now: now}).Level(level)
}

// dscTrace is the line DSC recognises on a resource's stderr and shows at its level.
type dscTrace struct {
	Timestamp string    `json:"timestamp"`
	Level     string    `json:"level"`
	Fields    dscFields `json:"fields"`
}

type dscFields struct {
	Message string `json:"message"`
}

// dscLogWriter turns each zerolog event into a dscTrace line. DSC reads only the message,
// so other fields of the event are appended to it.
type dscLogWriter struct {
	w   io.Writer
	now func() time.Time
}

func (d dscLogWriter) Write(p []byte) (int, error) {
	var ev map[string]any
	dec := json.NewDecoder(bytes.NewReader(p))
	dec.UseNumber()
	if err := dec.Decode(&ev); err != nil {
		ev = map[string]any{zerolog.MessageFieldName: strings.TrimSpace(string(p))}
	}
	level := "INFO"
	if l, ok := ev[zerolog.LevelFieldName].(string); ok {
		switch l {
		case "trace":
			level = "TRACE"
		case "debug":
			level = "DEBUG"
		case "warn":
			level = "WARN"
		case "error", "fatal", "panic":
			level = "ERROR"
		}
	}
	msg, _ := ev[zerolog.MessageFieldName].(string)
	var extra []string
	for k, v := range ev {
		if k == zerolog.LevelFieldName || k == zerolog.MessageFieldName || k == zerolog.TimestampFieldName {
			continue
		}
		extra = append(extra, fmt.Sprintf("%s=%v", k, v))
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		msg += " (" + strings.Join(extra, ", ") + ")"
	}
	line, err := model.MarshalDocument(dscTrace{
		Timestamp: d.now().UTC().Format(time.RFC3339Nano),
		Level:     level,
		Fields:    dscFields{Message: oneLine(model.RedactCredentials(msg))},
	}, true)
	if err != nil {
		return 0, err
	}
	if _, err := d.w.Write(line); err != nil {
		return 0, err
	}
	return len(p), nil
}
