package model

import (
	"fmt"
	"strings"
)

// The exit codes of every command, as the README's and docs/contract.md's tables give them
// (a test compares the three).
const (
	ExitOK             = 0
	ExitFound          = 1
	ExitBadInput       = 2
	ExitEnvironment    = 3
	ExitRolledBack     = 4
	ExitRollbackFailed = 5
)

// ExitCodes says what each exit code means, in the words of the documentation.
var ExitCodes = []struct {
	Code    int
	Meaning string
}{
	{ExitOK, "success"},
	{ExitFound, "ran fine and found drift, non-compliance or unreachable endpoints"},
	{ExitBadInput, "bad usage or bad input: unknown flag, unreadable or malformed file"},
	{ExitEnvironment, "environment: access denied, registry unavailable, live source unsupported on this OS"},
	{ExitRolledBack, "apply failed and was rolled back: nothing changed"},
	{ExitRollbackFailed, "apply failed and the rollback failed too: the message names the backup to restore"},
}

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
func (e *InputError) ExitCode() int { return ExitBadInput }

// EnvError is a failure of the environment (access denied, registry unavailable, live
// source unsupported on this OS): exit code 3.
type EnvError struct{ Msg string }

func (e *EnvError) Error() string { return e.Msg }

// ExitCode maps environment failures to 3.
func (e *EnvError) ExitCode() int { return ExitEnvironment }

// Count writes n with the noun in the number it needs: Count(1, "document") is
// "1 document", Count(2, "document") "2 documents". Nouns whose plural is not noun+"s"
// give it as plural.
func Count(n int, noun string, plural ...string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	if len(plural) > 0 {
		return fmt.Sprintf("%d %s", n, plural[0])
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// MaxListed is how many items of an input's list a message names before it says how many
// more there are: a message stays a line a person reads, whatever the input holds (a bypass
// list of a thousand entries, an export holding the settings of every user of a server).
const MaxListed = 10

// ListSome joins the first MaxListed items with sep and counts the rest: "a, b and 3 more".
func ListSome(items []string, sep string) string {
	if len(items) <= MaxListed {
		return strings.Join(items, sep)
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:MaxListed], sep), len(items)-MaxListed)
}
