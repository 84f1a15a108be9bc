package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// module is one Go module linked into an executable, with its licence files.
type module struct {
	Path, Version, Sum string
	licences           []file
	licenceID          string // SPDX identifier when the text is one we recognise, else ""
}

type file struct {
	name string // slash-separated path inside the zip
	data []byte
	mode fs.FileMode
}

// linkedModules lists the modules the linker put in exe, as 'go version -m' does, with the
// licence files each one ships, copied from the module cache.
func (r *release) linkedModules(exe string) ([]module, error) {
	info, err := buildinfo.ReadFile(exe)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", exe, err)
	}
	var mods []module
	var args []string
	for _, d := range info.Deps {
		if d.Replace != nil {
			d = d.Replace
		}
		mods = append(mods, module{Path: d.Path, Version: d.Version, Sum: d.Sum})
		args = append(args, d.Path+"@"+d.Version)
	}
	dirs, err := r.moduleDirs(args)
	if err != nil {
		return nil, err
	}
	for i := range mods {
		m := &mods[i]
		dir := dirs[m.Path+"@"+m.Version]
		if dir == "" {
			return nil, fmt.Errorf("module %s@%s is not in the module cache", m.Path, m.Version)
		}
		if m.licences, err = licenceFiles(dir, "licenses/"+m.Path); err != nil {
			return nil, err
		}
		if len(m.licences) == 0 {
			return nil, fmt.Errorf("module %s@%s ships no LICENSE, COPYING or NOTICE file; a release cannot carry it without its licence", m.Path, m.Version)
		}
		m.licenceID = spdxOf(m.licences[0].data)
	}
	// The standard library and runtime are linked into every Go program: Go's licence too.
	goroot, err := r.goOutput("env", "GOROOT")
	if err != nil {
		return nil, err
	}
	std, err := licenceFiles(goroot, "licenses/go")
	if err != nil || len(std) == 0 {
		return nil, fmt.Errorf("no LICENSE in GOROOT %s: %v", goroot, err)
	}
	mods = append(mods, module{Path: "std", Version: r.toolchain, licences: std, licenceID: spdxOf(std[0].data)})
	sort.Slice(mods, func(i, j int) bool { return mods[i].Path < mods[j].Path })
	return mods, nil
}

func (r *release) goOutput(args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = r.build
	cmd.Env = r.goEnv(target{"linux", "amd64"})
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go %s: %v %s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

// moduleDirs asks 'go mod download -json' where each module sits in the module cache; the build
// has just put them there, so it needs no network.
func (r *release) moduleDirs(mods []string) (map[string]string, error) {
	dirs := map[string]string{}
	if len(mods) == 0 {
		return dirs, nil
	}
	out, err := r.goOutput(append([]string{"mod", "download", "-json"}, mods...)...)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(out))
	for {
		var m struct{ Path, Version, Dir, Error string }
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		if m.Error != "" {
			return nil, fmt.Errorf("module %s@%s: %s", m.Path, m.Version, m.Error)
		}
		dirs[m.Path+"@"+m.Version] = m.Dir
	}
	return dirs, nil
}

// licenceFiles are the files at the root of dir whose names say they hold a licence, a notice
// or a patent grant (Go's own modules ship PATENTS beside LICENSE).
func licenceFiles(dir, prefix string) ([]file, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []file
	for _, e := range entries {
		n := strings.ToUpper(e.Name())
		if e.IsDir() {
			continue
		}
		for _, p := range []string{"LICENSE", "LICENCE", "COPYING", "NOTICE", "PATENTS"} {
			if strings.HasPrefix(n, p) {
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					return nil, err
				}
				out = append(out, file{name: prefix + "/" + e.Name(), data: b, mode: 0o644})
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		// LICENSE first: it names the licence.
		li, lj := strings.Contains(strings.ToUpper(out[i].name), "LICEN"), strings.Contains(strings.ToUpper(out[j].name), "LICEN")
		if li != lj {
			return li
		}
		return out[i].name < out[j].name
	})
	return out, nil
}

// spdxOf recognises the licences of the modules ccproxy links by their operative sentences; an
// unrecognised text gets no identifier rather than a guess.
func spdxOf(text []byte) string {
	t := strings.Join(strings.Fields(string(text)), " ")
	switch {
	case strings.Contains(t, "Permission is hereby granted, free of charge, to any person obtaining a copy"):
		return "MIT"
	case strings.Contains(t, "Apache License") && strings.Contains(t, "Version 2.0"):
		return "Apache-2.0"
	case strings.Contains(t, "Redistribution and use in source and binary forms") && strings.Contains(t, "Neither the name"):
		return "BSD-3-Clause"
	case strings.Contains(t, "Redistribution and use in source and binary forms"):
		return "BSD-2-Clause"
	}
	return ""
}

// shippedFiles are the files of the tree that every zip carries: the licence, the README and
// the examples (sample inputs and the generated deployment scripts).
func (r *release) shippedFiles() ([]file, error) {
	var out []file
	for _, n := range []string{"LICENSE", "README.md"} {
		b, err := os.ReadFile(filepath.Join(r.build, n))
		if err != nil {
			return nil, err
		}
		out = append(out, file{name: n, data: b, mode: 0o644})
	}
	root := filepath.Join(r.build, "examples")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(r.build, p)
		out = append(out, file{name: filepath.ToSlash(rel), data: b, mode: 0o644})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r.signScripts(out)
}

// pack writes the zip of one artifact. Its bytes depend on the files alone: entries sorted by
// name, every time the commit time, fixed modes, no extra fields but the ones archive/zip
// derives from those (APPNOTE.TXT 4.4.6 for the DOS time, 4.5.5 for the extended timestamp).
func (r *release) pack(a *artifact, manifest []byte, shipped []file) error {
	files := []file{
		{name: a.target.exe(), data: a.exe, mode: 0o755},
		// DSC v3 finds a resource by its manifest, a *.dsc.resource.json file in a folder on
		// PATH or DSC_RESOURCE_PATH: it ships beside the executable.
		{name: "ccproxy.dsc.resource.json", data: manifest, mode: 0o644},
	}
	files = append(files, shipped...)
	seen := map[string]bool{}
	for _, m := range a.deps {
		for _, l := range m.licences {
			if !seen[l.name] {
				seen[l.name] = true
				files = append(files, l)
			}
		}
	}
	b, err := deterministicZip(files, r.when)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	a.sha256 = hex.EncodeToString(sum[:])
	return os.WriteFile(filepath.Join(r.out, a.name), b, 0o644)
}

func deterministicZip(files []file, when time.Time) ([]byte, error) {
	sorted := append([]file(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i, f := range sorted {
		if i > 0 && f.name == sorted[i-1].name {
			return nil, fmt.Errorf("two files named %s in one zip", f.name)
		}
		if path.IsAbs(f.name) || strings.Contains(f.name, "..") || strings.Contains(f.name, "\\") {
			return nil, fmt.Errorf("zip entry %q is not a relative slash path", f.name)
		}
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: when.UTC()}
		h.SetMode(f.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
