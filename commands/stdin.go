package commands

import (
	"fmt"
	"io"
	"runtime"
	"sync"
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
