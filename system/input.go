package system

import (
	"errors"
	"io"
	"io/fs"
	"os"

	"ccproxy/jsonin"
)

// Reading files is the machine's business: jsonin only decodes what it is handed.

// ReadInput reads the input named on the command line: "-" is stdin (named "stdin" in
// messages), anything else a file path. It returns the name to use in messages and the
// raw bytes, to be passed to Decode or Unmarshal.
func ReadInput(path string, stdin io.Reader) (name string, data []byte, err error) {
	if path == "-" {
		if stdin == nil {
			return jsonin.StdinName, nil, &jsonin.Error{Input: jsonin.StdinName, Msg: "cannot read: no standard input"}
		}
		data, err = readLimited(jsonin.StdinName, stdin)
		return jsonin.StdinName, data, err
	}
	data, err = ReadFile(path)
	return path, data, err
}

// ReadFile reads a file of at most jsonin.MaxInput bytes. Errors name the path as given.
func ReadFile(path string) ([]byte, error) {
	if path == "" {
		return nil, &jsonin.Error{Input: `""`, Msg: "no file name given; hint: pass a path, or - for stdin"}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, readError(path, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, &jsonin.Error{Input: path, Msg: "is a directory, not a file"}
	}
	return readLimited(path, f)
}

// readLimited reads one byte past the limit so that an oversize input is detected without
// reading all of it.
func readLimited(name string, r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, jsonin.MaxInput+1))
	if err != nil {
		return nil, readError(name, err)
	}
	if len(data) > jsonin.MaxInput {
		if sniff(data[:512]) == "reg" {
			return nil, regTooBig(name)
		}
		return nil, jsonin.TooBig(name)
	}
	return data, nil
}

// regTooBig answers a whole-registry export: only the proxy keys are needed, and they are
// a few kilobytes.
func regTooBig(name string) error {
	return &jsonin.Error{Input: name, Msg: `registry export larger than 16 MiB; hint: export only the proxy keys: reg export "HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections" winhttp.reg, reg export "HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings" ie.reg (SYSTEM's: "HKU\.DEFAULT\Software\...\Internet Settings") and join them in one file, which may hold many keys`}
}

func readError(name string, err error) error {
	return &jsonin.Error{Input: name, Msg: "cannot read: " + PathCause(err).Error()}
}

// PathCause is the cause of a file operation's error without the path, which the message
// that quotes it already names first ("stat x: no such file" becomes "no such file").
func PathCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
