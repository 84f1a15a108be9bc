package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// signOptions say how to sign with Authenticode through osslsigncode: a PKCS#12 file, or a key
// that never leaves a PKCS#11 token or HSM. Without either the release is unsigned, which is
// what anyone rebuilding it to compare gets.
type signOptions struct {
	pkcs12, password          string
	pkcs11Module, key, certs  string
	timestamp                 string
	tsaCerts, tsaKey, tsaTime string
	tool                      string
}

func (s signOptions) enabled() bool { return s.pkcs12 != "" || s.pkcs11Module != "" }

func (s signOptions) check() error {
	switch {
	case s.pkcs12 != "" && s.pkcs11Module != "":
		return usageError{"-pkcs12 and -pkcs11-module: give one key, a PKCS#12 file or a PKCS#11 token"}
	case s.pkcs11Module != "" && (s.key == "" || s.certs == ""):
		return usageError{"-pkcs11-module needs -key (the key's pkcs11: URI) and -certs (the certificate chain, PEM)"}
	case !s.enabled() && (s.key != "" || s.certs != "" || s.timestamp != "" || s.tsaCerts != ""):
		return usageError{"-key, -certs, -timestamp and -test-tsa-* sign: give -pkcs12 FILE or -pkcs11-module LIB too"}
	case (s.tsaCerts != "") != (s.tsaKey != ""):
		return usageError{"-test-tsa-certs and -test-tsa-key go together"}
	case s.timestamp != "" && s.tsaCerts != "":
		return usageError{"-timestamp and -test-tsa-*: one timestamp authority, a real one or the built-in test one"}
	}
	if s.enabled() {
		if _, err := exec.LookPath(s.tool); err != nil {
			return envError{fmt.Sprintf("signing needs %s (%v): apt-get install osslsigncode, or name it with -osslsigncode", s.tool, err)}
		}
	}
	for _, f := range []struct{ flag, path string }{{"-pkcs12", s.pkcs12}, {"-certs", s.certs}, {"-test-tsa-certs", s.tsaCerts}, {"-test-tsa-key", s.tsaKey}} {
		if f.path != "" {
			if _, err := os.Stat(f.path); err != nil {
				return usageError{fmt.Sprintf("%s %s: %v", f.flag, f.path, err)}
			}
		}
	}
	return nil
}

// sign signs data (an executable or a script; osslsigncode tells them apart by content and
// name) and returns the signed bytes. name keeps the extension osslsigncode goes by.
func (r *release) signFile(name string, data []byte) ([]byte, error) {
	dir, err := os.MkdirTemp(r.work, "sign-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in-"+filepath.Base(name))
	out := filepath.Join(dir, "out-"+filepath.Base(name))
	if err := os.WriteFile(in, data, 0o600); err != nil {
		return nil, err
	}
	s := r.sign
	args := []string{"sign", "-h", "sha256", "-n", productName}
	if s.pkcs12 != "" {
		args = append(args, "-pkcs12", s.pkcs12)
	} else {
		args = append(args, "-pkcs11module", s.pkcs11Module, "-key", s.key, "-certs", s.certs)
	}
	if s.password != "" {
		// From a private file, never on the command line where any process can read it.
		pass := filepath.Join(dir, "pass")
		if err := os.WriteFile(pass, []byte(s.password), 0o600); err != nil {
			return nil, err
		}
		args = append(args, "-readpass", pass)
	}
	if s.timestamp != "" {
		args = append(args, "-ts", s.timestamp)
	}
	if s.tsaCerts != "" {
		args = append(args, "-TSA-certs", s.tsaCerts, "-TSA-key", s.tsaKey)
		if s.tsaTime != "" {
			args = append(args, "-TSA-time", s.tsaTime)
		}
	}
	args = append(args, "-in", in, "-out", out)
	cmd := exec.Command(s.tool, args...)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("signing %s: %v\n%s", name, err, strings.TrimSpace(output.String()))
	}
	return os.ReadFile(out)
}

// signExe signs a Windows executable in place. The Authenticode digest leaves out the checksum,
// the certificate table entry and the signature itself (Microsoft's "Windows Authenticode
// Portable Executable Signature Format"), so the signed file's digest is the unsigned build's.
func (r *release) signExe(a *artifact) error {
	if !r.sign.enabled() || a.target.goos != "windows" {
		return nil
	}
	signed, err := r.signFile(a.target.exe(), a.exe)
	if err != nil {
		return err
	}
	a.exe = signed
	return nil
}

// signScripts signs every PowerShell script the release ships: Configuration Manager's client
// runs only signed scripts under its default "All Signed" execution policy.
func (r *release) signScripts(files []file) ([]file, error) {
	if !r.sign.enabled() {
		return files, nil
	}
	for i, f := range files {
		if !strings.HasSuffix(strings.ToLower(f.name), ".ps1") {
			continue
		}
		signed, err := r.signFile(f.name, f.data)
		if err != nil {
			return nil, err
		}
		files[i].data = signed
	}
	return files, nil
}
