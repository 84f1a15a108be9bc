package system

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ccproxy/jsonin"
)

func checkError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	var je *jsonin.Error
	if !errors.As(err, &je) || je.ExitCode() != 2 {
		t.Errorf("error %T is not bad input", err)
	}
}

// endless yields bytes forever, so a reader that ignores the limit never returns.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestReadInput(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "desired.json")
	if err := os.WriteFile(file, []byte("\xff\xfe{\x00}\x00"), 0o600); err != nil {
		t.Fatal(err)
	}

	name, data, err := ReadInput("-", strings.NewReader("\xEF\xBB\xBF{}\r\n"))
	if err != nil || name != "stdin" || string(data) != "\xEF\xBB\xBF{}\r\n" {
		t.Errorf("stdin: name %q data %q err %v", name, data, err)
	}

	name, data, err = ReadInput(file, nil)
	if err != nil || name != file || !bytes.Equal(data, []byte("\xff\xfe{\x00}\x00")) {
		t.Errorf("file: name %q data %q err %v", name, data, err)
	}

	_, _, err = ReadInput("-", endless{})
	checkError(t, err, `stdin: input larger than 16 MiB; hint: this is not a ccproxy document, or pass it to "ccproxy report", which streams`)

	_, _, err = ReadInput("-", nil)
	checkError(t, err, "stdin: cannot read: no standard input")

	missing := filepath.Join(dir, "missing.json")
	_, _, err = ReadInput(missing, nil)
	checkError(t, err, missing+": cannot read: no such file or directory")

	_, err = ReadFile(dir)
	checkError(t, err, dir+": is a directory, not a file")

	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, bytes.Repeat([]byte(" "), jsonin.MaxInput+1), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = ReadFile(big)
	checkError(t, err, big+`: input larger than 16 MiB; hint: this is not a ccproxy document, or pass it to "ccproxy report", which streams`)

	_, _, err = ReadInput("-", io.MultiReader(strings.NewReader("{"), errReader{}))
	checkError(t, err, "stdin: cannot read: pipe broke")
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("pipe broke") }
