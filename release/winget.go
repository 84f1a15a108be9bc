package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

const wingetSchemaVersion = "1.12.0"

// wingetManifests are the three files of a WinGet multi-file manifest (version, installer,
// default locale), keyed by file name, as maps in the order WinGet's schemas list the fields.
func (r *release) wingetManifests() (map[string]*yaml.Node, error) {
	id := r.wingetID
	base := r.url
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	var installers []kv
	for _, a := range r.artifacts {
		if a.target.goos != "windows" {
			continue
		}
		arch := map[string]string{"amd64": "x64", "arm64": "arm64"}[a.target.goarch]
		installers = append(installers, kv{"", []kv{
			{"Architecture", arch},
			{"InstallerUrl", base + a.name},
			{"InstallerSha256", strings.ToUpper(a.sha256)},
		}})
	}
	if len(installers) == 0 {
		return nil, usageError{"-url: WinGet manifests need a Windows target in -targets"}
	}
	head := []kv{{"PackageIdentifier", id}, {"PackageVersion", r.version}}
	tail := func(kind string) []kv {
		return []kv{{"ManifestType", kind}, {"ManifestVersion", wingetSchemaVersion}}
	}
	version := append(append(append([]kv{}, head...), kv{"DefaultLocale", "en-US"}), tail("version")...)
	// A portable zip (learn.microsoft.com/windows/package-manager/package/manifest, "Installer
	// manifest"): NestedInstallerType portable with the executable in NestedInstallerFiles;
	// ArchiveBinariesDependOnPath puts the extracted folder itself on PATH, so DSC v3 finds
	// ccproxy.dsc.resource.json beside ccproxy.exe; Scope machine installs under Program Files,
	// a folder a user cannot write, since SYSTEM runs the tool.
	installer := append(append([]kv{}, head...),
		kv{"MinimumOSVersion", "10.0.14393.0"}, // Windows Server 2016, the oldest Cloud Connector host
		kv{"InstallerType", "zip"},
		kv{"NestedInstallerType", "portable"},
		kv{"NestedInstallerFiles", []kv{{"", []kv{{"RelativeFilePath", "ccproxy.exe"}, {"PortableCommandAlias", "ccproxy"}}}}},
		kv{"Scope", "machine"},
		kv{"ReleaseDate", r.when.Format("2006-01-02")},
		kv{"ArchiveBinariesDependOnPath", true},
		kv{"Installers", installers},
	)
	installer = append(installer, tail("installer")...)
	locale := append(append([]kv{}, head...),
		kv{"PackageLocale", "en-US"},
		kv{"Publisher", publisher},
		kv{"PackageName", productName},
		kv{"License", "MIT"},
		kv{"Copyright", mustCopyright(r)},
		kv{"ShortDescription", "Makes the proxy settings of Citrix Cloud Connector machines correct, visible and provable."},
		kv{"Tags", []kv{{"", "proxy"}, {"", "winhttp"}, {"", "citrix"}, {"", "dsc"}}},
	)
	locale = append(locale, tail("defaultLocale")...)
	return map[string]*yaml.Node{
		id + ".yaml":              toNode(version),
		id + ".installer.yaml":    toNode(installer),
		id + ".locale.en-US.yaml": toNode(locale),
	}, nil
}

func mustCopyright(r *release) string {
	c, _ := r.copyright()
	return c
}

// kv is one field of an ordered map; a []kv whose keys are all empty is a list.
type kv struct {
	k string
	v any
}

func toNode(v any) *yaml.Node {
	switch x := v.(type) {
	case []kv:
		if len(x) > 0 && x[0].k == "" {
			n := &yaml.Node{Kind: yaml.SequenceNode}
			for _, e := range x {
				n.Content = append(n.Content, toNode(e.v))
			}
			return n
		}
		n := &yaml.Node{Kind: yaml.MappingNode}
		for _, e := range x {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: e.k}, toNode(e.v))
		}
		return n
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(x)}
	default:
		// Tagged as a string, so 1.10 stays the text 1.10 and never becomes the number 1.1.
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: fmt.Sprint(x)}
	}
}

// checkWinGetID refuses an identifier WinGet would (the schema's PackageIdentifier: two to
// eight dot-separated parts of at most 32 characters, none of them white space or \/:*?"<>|).
func checkWinGetID(id string) error {
	parts := strings.Split(id, ".")
	ok := len(parts) >= 2 && len(parts) <= 8
	for _, p := range parts {
		ok = ok && p != "" && len(p) <= 32 && !strings.ContainsAny(p, " \t\r\n\\/:*?\"<>|")
	}
	if !ok {
		return usageError{fmt.Sprintf("-winget-id %q: want Publisher.Package, such as ccproxy.ccproxy", id)}
	}
	return nil
}

// writeWinGet writes the manifests where the winget-pkgs repository keeps them:
// manifests/<first letter>/<Publisher>/<Package>/<version>/.
func (r *release) writeWinGet() error {
	docs, err := r.wingetManifests()
	if err != nil {
		return err
	}
	id := r.wingetID
	dir := filepath.Join(append([]string{r.out, "winget", "manifests", strings.ToLower(id[:1])}, append(strings.Split(id, "."), r.version)...)...)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, node := range docs {
		kind := "version"
		switch {
		case strings.HasSuffix(name, ".installer.yaml"):
			kind = "installer"
		case strings.HasSuffix(name, ".locale.en-US.yaml"):
			kind = "defaultLocale"
		}
		var buf bytes.Buffer
		// The header winget-pkgs' tooling writes: editors validate against the schema it names.
		fmt.Fprintf(&buf, "# yaml-language-server: $schema=https://aka.ms/winget-manifest.%s.%s.schema.json\n\n", strings.ToLower(kind), wingetSchemaVersion)
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(node); err != nil {
			return err
		}
		if err := enc.Close(); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
