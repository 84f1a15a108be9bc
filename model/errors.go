package model

import "fmt"

// InputError is bad input - a file or value that cannot be read or parsed: exit code 2.
// Its message names the input, the place and the problem, with a hint where one helps.
type InputError struct {
	Input string // file name, "stdin", or a flag such as "--user"
	Place string // line number, JSON path, registry path; "" when the whole input is wrong
	Msg   string
}

func (e *InputError) Error() string {
	if e.Place == "" {
		return fmt.Sprintf("%s: %s", e.Input, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", e.Input, e.Place, e.Msg)
}

// ExitCode maps bad input to 2, as the conventions say.
func (e *InputError) ExitCode() int { return 2 }

// EnvError is a failure of the environment (access denied, registry unavailable, live
// source unsupported on this OS): exit code 3.
type EnvError struct{ Msg string }

func (e *EnvError) Error() string { return e.Msg }

// ExitCode maps environment failures to 3.
func (e *EnvError) ExitCode() int { return 3 }
