package commands

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"

	"ccproxy/model"
)

// terminalStdin is standard input when it is a console: the first read says on stderr that
// ccproxy is waiting for input there, so that 'ccproxy report' with no paths, 'plan -' or
// '--from -' typed at a prompt does not look hung.
type terminalStdin struct {
	r    io.Reader
	w    io.Writer
	once sync.Once
}

func (t *terminalStdin) Read(p []byte) (int, error) {
	t.once.Do(func() {
		end := "Ctrl+D"
		if runtime.GOOS == "windows" {
			end = "Ctrl+Z, then Enter"
		}
		fmt.Fprintf(t.w, "ccproxy: reading standard input from the console; end it with %s, or press Ctrl+C and pass a file\n", end)
	})
	return t.r.Read(p)
}

// stdinInput is one input of a command: the flag or argument that names it, and its value.
type stdinInput struct{ name, value string }

// claimStdin refuses a command line on which two inputs read standard input ("-"): one
// stream cannot be both. It names every input that asked for it.
func claimStdin(inputs ...stdinInput) error {
	var users []string
	last := ""
	for _, in := range inputs {
		if in.value == "-" {
			users = append(users, in.name+" -")
			last = in.name
		}
	}
	if len(users) < 2 {
		return nil
	}
	return &model.InputError{Input: last, Msg: fmt.Sprintf("standard input is used for %d inputs (%s); hint: save all but one of them to a file", len(users), strings.Join(users, " and "))}
}
