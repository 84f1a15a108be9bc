package ops

import (
	"bytes"
	"io"
	"os"
	"path/filepath"

	"ccproxy/jsonin"
	"ccproxy/model"
	"ccproxy/model/compliance"
	"ccproxy/model/scripts"
	"ccproxy/system"
)

// ScriptsRequest is what 'ccproxy scripts' was asked for.
type ScriptsRequest struct {
	Channel, Desired, User, InternalFile, Out string
	Internal                                  []string
}

// WriteScripts checks the admin's settings with the readers the scripts will meet on the
// machines (the desired-state reader, the internal-resource parser), renders the channel's
// scripts with them and writes the files into Out. It returns the paths written, and the
// desired document's warnings.
func WriteScripts(req ScriptsRequest, stdin io.Reader) (written, warnings []string, err error) {
	if err := ClaimStdin(In("--desired", req.Desired), In("--internal-file", req.InternalFile)); err != nil {
		return nil, nil, err
	}
	name, data, err := system.ReadInput(req.Desired, stdin)
	if err != nil {
		return nil, nil, err
	}
	if _, warnings, err = model.ParseDesired(name, data); err != nil {
		return nil, nil, err
	}
	text, _, err := jsonin.Decode(name, data)
	if err != nil {
		return nil, nil, err
	}
	hosts, err := compliance.ParseInternal(req.Internal)
	if err != nil {
		return nil, nil, err
	}
	if req.InternalFile != "" {
		fname, fdata, err := system.ReadInput(req.InternalFile, stdin)
		if err != nil {
			return nil, nil, err
		}
		more, err := compliance.ParseInternalFile(fname, fdata)
		if err != nil {
			return nil, nil, err
		}
		if hosts, err = compliance.ParseInternal(append(hosts, more...)); err != nil {
			return nil, nil, err
		}
	}
	if req.User != "" {
		if _, err := model.ResolveUser(req.User); err != nil {
			return nil, nil, err
		}
	}
	files, err := scripts.Render(req.Channel, scripts.Settings{Source: filepath.Base(name), Desired: text, User: req.User, Internal: hosts})
	if err != nil {
		return nil, nil, &model.InputError{Input: name, Msg: err.Error()}
	}
	if err := os.MkdirAll(req.Out, 0o755); err != nil {
		return nil, nil, &system.WriteError{Op: "create", Path: req.Out, Err: system.PathCause(err)}
	}
	for _, f := range files {
		p := filepath.Join(req.Out, f.Name)
		data := f.Data
		if err := system.WriteFileAtomic(p, system.WriteOptions{}, func(w io.Writer) error {
			_, err := io.Copy(w, bytes.NewReader(data))
			return err
		}); err != nil {
			return written, warnings, err
		}
		written = append(written, p)
	}
	return written, warnings, nil
}
