package ops

import (
	"fmt"
	"strings"

	"ccproxy/model"
)

// Input is one input of a command: the flag or argument that names it, and its value.
type Input struct{ Name, Value string }

// ClaimStdin refuses a command line on which two inputs read standard input ("-"): one
// stream cannot be both. It names every input that asked for it.
func ClaimStdin(inputs ...Input) error {
	var users []string
	last := ""
	for _, in := range inputs {
		if in.Value == "-" {
			users = append(users, in.Name+" -")
			last = in.Name
		}
	}
	if len(users) < 2 {
		return nil
	}
	return &model.InputError{Input: last, Msg: fmt.Sprintf("standard input is used for %d inputs (%s); hint: save all but one of them to a file", len(users), strings.Join(users, " and "))}
}

// In names one input for ClaimStdin.
func In(name, value string) Input { return Input{Name: name, Value: value} }
