package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"debug/pe"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// Every test shares one release per configuration: building is the costly part (CI has two
// cores), so each target is built once per test run, and each configuration runs in its own
// copy of the tree, in its own folder, as a stranger rebuilding the release would.
const (
	testVersion    = "1.2.3"
	testCommit     = "0123456789abcdef0123456789abcdef01234567"
	testCommitTime = "2026-01-02T03:04:05Z"
	testURL        = "https://downloads.example/ccproxy/v1.2.3/"
)

var reference = filepath.Join("..", "..", "shared", "reference")

type built struct {
	out  string
	err  error
	once sync.Once
}

var (
	full, again, signed, signed11 built
	pki                           *testPKI
	buildMu                       sync.Mutex
)

// copyTree copies the files git tracks or would track (not the ignored ones, such as an old
// dist/) into a new folder.
func copyTree(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	dst, err := os.MkdirTemp("", "ccproxy-tree-")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range strings.Split(string(out), "\x00") {
		if name == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, name))
		if os.IsNotExist(err) {
			continue // deleted in the work tree, not yet in the index
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dst, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func (b *built) get(t *testing.T, args ...string) string {
	t.Helper()
	b.once.Do(func() {
		buildMu.Lock()
		defer buildMu.Unlock()
		src := copyTree(t)
		out, err := os.MkdirTemp("", "ccproxy-dist-")
		if err != nil {
			b.err = err
			return
		}
		var stdout, stderr bytes.Buffer
		all := append([]string{"-src", src, "-out", out, "-version", testVersion, "-commit", testCommit, "-commit-time", testCommitTime}, args...)
		if code := run(all, &stdout, &stderr); code != 0 {
			b.err = fmt.Errorf("release %v: exit %d\n%s", args, code, stderr.String())
		}
		os.RemoveAll(src)
		b.out = out
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.out
}

func fullRelease(t *testing.T) string {
	return full.get(t, "-url", testURL)
}

func readZip(t *testing.T, path string) map[string]*zip.File {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zr.Close() })
	m := map[string]*zip.File{}
	for _, f := range zr.File {
		m[f.Name] = f
	}
	return m
}

func zipEntry(t *testing.T, path, name string) []byte {
	t.Helper()
	f := readZip(t, path)[name]
	if f == nil {
		t.Fatalf("%s has no %s", path, name)
	}
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func zipPath(dir, target string) string {
	return filepath.Join(dir, "ccproxy-"+testVersion+"-"+target+".zip")
}

// The version resource and the manifest, read back from the built executables with a PE reader
// of the test's own, are what Explorer, Configuration Manager's and Intune's file-version
// detection and the loader see.
func TestWindowsResources(t *testing.T) {
	dist := fullRelease(t)
	for _, arch := range []string{"amd64", "arm64"} {
		t.Run(arch, func(t *testing.T) {
			exe := zipEntry(t, zipPath(dist, "windows-"+arch), "ccproxy.exe")
			// Sections page-aligned in the file, so Wine maps them rather than copying them
			// into private memory (release/pealign).
			f, err := pe.NewFile(bytes.NewReader(exe))
			if err != nil {
				t.Fatal(err)
			}
			if fa := f.OptionalHeader.(*pe.OptionalHeader64).FileAlignment; fa != 0x1000 {
				t.Errorf("file alignment %#x, want 0x1000", fa)
			}
			for _, s := range f.Sections {
				if s.Size != 0 && s.Offset%0x1000 != 0 {
					t.Errorf("section %s at file offset %#x", s.Name, s.Offset)
				}
			}
			raw, err := resourceData(exe, 16) // RT_VERSION
			if err != nil {
				t.Fatalf("version resource: %v", err)
			}
			vi, err := parseVersionInfo(raw)
			if err != nil {
				t.Fatal(err)
			}
			want := [4]uint16{1, 2, 3, 0}
			if vi.fileVersion != want || vi.productVersion != want {
				t.Errorf("fixed versions %v / %v, want %v", vi.fileVersion, vi.productVersion, want)
			}
			if vi.fileType != 1 || vi.fileDate != 0 || vi.fileFlags != 0 { // VFT_APP, no build time, a release
				t.Errorf("file type %d, date %d, flags %#x; want 1 (VFT_APP), 0, 0", vi.fileType, vi.fileDate, vi.fileFlags)
			}
			for k, v := range map[string]string{
				"(table)": "040904b0", "ProductName": "ccproxy", "FileVersion": "1.2.3.0", "ProductVersion": "1.2.3",
				"CompanyName": "The ccproxy authors", "OriginalFilename": "ccproxy.exe",
				"Comments": "commit " + testCommit,
			} {
				if vi.strings[k] != v {
					t.Errorf("%s = %q, want %q", k, vi.strings[k], v)
				}
			}
			if !strings.HasPrefix(vi.strings["LegalCopyright"], "Copyright (c) ") || !strings.Contains(vi.strings["FileDescription"], "Cloud Connector") {
				t.Errorf("copyright %q, description %q", vi.strings["LegalCopyright"], vi.strings["FileDescription"])
			}
			m, err := resourceData(exe, 24) // RT_MANIFEST
			if err != nil {
				t.Fatalf("manifest: %v", err)
			}
			for _, re := range []string{
				`<requestedExecutionLevel level="asInvoker" uiAccess="false"/>`,
				// Windows 10 and Server 2016 and later share this GUID.
				`<supportedOS Id="\{8e0f7a12-bfb3-4fe8-b9a5-48fd50a15a9a\}"/>`,
				`<longPathAware xmlns="http://schemas.microsoft.com/SMI/2016/WindowsSettings">true</longPathAware>`,
			} {
				if !regexp.MustCompile(re).Match(m) {
					t.Errorf("the manifest lacks %s:\n%s", re, m)
				}
			}
			if n := strings.Count(string(m), "<supportedOS"); n != 1 {
				t.Errorf("%d supportedOS elements, want only Windows 10's", n)
			}
		})
	}
}

// Two releases of one commit, from two copies of the tree in two folders, give the same bytes.
func TestReproducible(t *testing.T) {
	a := fullRelease(t)
	b := again.get(t, "-targets", "windows/amd64")
	for _, name := range []string{"ccproxy-1.2.3-windows-amd64.zip", "ccproxy-1.2.3-windows-amd64.cdx.json"} {
		x, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two builds of one commit (%d and %d bytes)", name, len(x), len(y))
		}
	}
	if !bytes.Equal(zipEntry(t, zipPath(a, "windows-amd64"), "ccproxy.exe"), zipEntry(t, zipPath(b, "windows-amd64"), "ccproxy.exe")) {
		t.Error("ccproxy.exe differs between two builds of one commit")
	}
}

func TestZipContents(t *testing.T) {
	dist := fullRelease(t)
	when, _ := time.Parse(time.RFC3339, testCommitTime)
	for _, target := range []string{"windows-amd64", "windows-arm64", "linux-amd64"} {
		t.Run(target, func(t *testing.T) {
			path := zipPath(dist, target)
			zr, err := zip.OpenReader(path)
			if err != nil {
				t.Fatal(err)
			}
			defer zr.Close()
			var names []string
			for _, f := range zr.File {
				names = append(names, f.Name)
				if !f.Modified.Equal(when) {
					t.Errorf("%s: time %v, want the commit time %v", f.Name, f.Modified, when)
				}
				wantMode := os.FileMode(0o644)
				if f.Name == "ccproxy" || f.Name == "ccproxy.exe" {
					wantMode = 0o755
				}
				if f.Mode() != wantMode {
					t.Errorf("%s: mode %v, want %v", f.Name, f.Mode(), wantMode)
				}
			}
			if !sort.StringsAreSorted(names) {
				t.Errorf("entries not sorted: %v", names)
			}
			exe := "ccproxy"
			if strings.HasPrefix(target, "windows") {
				exe = "ccproxy.exe"
			}
			// The modules linked into the binary, by 'go version -m': kong, zerolog, gjson
			// and its helpers, x/sys, x/text, and Go itself.
			for _, want := range []string{exe, "LICENSE", "README.md", "ccproxy.dsc.resource.json",
				"licenses/github.com/alecthomas/kong/COPYING", "licenses/github.com/rs/zerolog/LICENSE",
				"licenses/github.com/tidwall/gjson/LICENSE", "licenses/github.com/tidwall/match/LICENSE",
				"licenses/github.com/tidwall/pretty/LICENSE", "licenses/golang.org/x/sys/LICENSE",
				"licenses/golang.org/x/text/LICENSE", "licenses/go/LICENSE",
				"examples/intune/ccproxy-compliance-rules.json"} {
				if !contains(names, want) {
					t.Errorf("%s lacks %s", target, want)
				}
			}
			for _, n := range names {
				if strings.Contains(n, "winres") || strings.Contains(n, "cyclonedx") || strings.Contains(n, "yaml") {
					t.Errorf("%s carries %s, a licence of a module the release program links, not ccproxy", target, n)
				}
			}
		})
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// The manifest beside the executable is the executable's own 'dsc manifest', which DSC reads
// to know how to call it.
func TestShippedDSCManifest(t *testing.T) {
	dist := fullRelease(t)
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("runs the linux/amd64 executable of the release")
	}
	dir := t.TempDir()
	exe := filepath.Join(dir, "ccproxy")
	if err := os.WriteFile(exe, zipEntry(t, zipPath(dist, "linux-amd64"), "ccproxy"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := exec.Command(exe, "dsc", "manifest").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(got, []byte(`"version": "1.2.3"`)) {
		t.Errorf("the release's dsc manifest does not carry the version:\n%s", got)
	}
	for _, target := range []string{"windows-amd64", "windows-arm64", "linux-amd64"} {
		if shipped := zipEntry(t, zipPath(dist, target), "ccproxy.dsc.resource.json"); !bytes.Equal(shipped, got) {
			t.Errorf("%s: ccproxy.dsc.resource.json differs from the executable's 'dsc manifest'", target)
		}
	}
	v, err := exec.Command(exe, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"version": "1.2.3"`, `"commit": "` + testCommit + `"`, `"buildDate": "` + testCommitTime + `"`} {
		if !bytes.Contains(v, []byte(want)) {
			t.Errorf("ccproxy version lacks %s:\n%s", want, v)
		}
	}
}

func TestSHA256SUMS(t *testing.T) {
	dist := fullRelease(t)
	b, err := os.ReadFile(filepath.Join(dist, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("line %q is not 'hash  name'", sc.Text())
		}
		data, err := os.ReadFile(filepath.Join(dist, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		if s := sha256.Sum256(data); hex.EncodeToString(s[:]) != sum {
			t.Errorf("%s: SHA256SUMS says %s", name, sum)
		}
		listed[name] = true
	}
	filepath.WalkDir(dist, func(p string, d os.DirEntry, err error) error {
		rel, _ := filepath.Rel(dist, p)
		if !d.IsDir() && rel != "SHA256SUMS" && !listed[filepath.ToSlash(rel)] {
			t.Errorf("%s is not in SHA256SUMS", rel)
		}
		return nil
	})
}

// schemaCompiler loads the schemas of a reference folder by their $id, so nothing is fetched.
func schemaCompiler(t *testing.T, dir string) *jsonschema.Compiler {
	t.Helper()
	c := jsonschema.NewCompiler()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		id, _ := doc.(map[string]any)["$id"].(string)
		if id == "" {
			id = "file:///" + e.Name()
		}
		if err := c.AddResource(id, doc); err != nil {
			t.Fatal(err)
		}
		// bom-1.6 refers to its neighbours by file name.
		if err := c.AddResource("http://cyclonedx.org/schema/"+e.Name(), doc); err != nil && !strings.Contains(err.Error(), "already") {
			t.Fatal(err)
		}
	}
	return c
}

func TestSBOMValidates(t *testing.T) {
	dist := fullRelease(t)
	c := schemaCompiler(t, filepath.Join(reference, "cyclonedx"))
	sch, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	serials := map[string]string{}
	for _, target := range []string{"windows-amd64", "windows-arm64", "linux-amd64"} {
		name := "ccproxy-1.2.3-" + target + ".cdx.json"
		f, err := os.Open(filepath.Join(dist, name))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(doc); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		b, _ := os.ReadFile(filepath.Join(dist, name))
		var bom struct {
			SpecVersion, SerialNumber string
			Metadata                  struct {
				Timestamp string
				Component struct {
					Hashes []struct{ Content string }
				}
			}
			Components []struct{ Name, Purl string }
		}
		if err := json.Unmarshal(b, &bom); err != nil {
			t.Fatal(err)
		}
		if bom.SpecVersion != "1.6" || bom.Metadata.Timestamp != testCommitTime {
			t.Errorf("%s: spec %s, timestamp %s; want 1.6 and the commit time", name, bom.SpecVersion, bom.Metadata.Timestamp)
		}
		if prev, ok := serials[bom.SerialNumber]; ok {
			t.Errorf("%s and %s share the serial number %s", prev, name, bom.SerialNumber)
		}
		serials[bom.SerialNumber] = name
		zb, _ := os.ReadFile(zipPath(dist, target))
		if s := sha256.Sum256(zb); len(bom.Metadata.Component.Hashes) == 0 || bom.Metadata.Component.Hashes[0].Content != hex.EncodeToString(s[:]) {
			t.Errorf("%s: the subject's hash is not the zip's", name)
		}
		var purls []string
		for _, c := range bom.Components {
			purls = append(purls, c.Purl)
		}
		for _, want := range []string{"pkg:golang/github.com/alecthomas/kong@", "pkg:golang/golang.org/x/sys@", "pkg:golang/std@go"} {
			if !strings.Contains(strings.Join(purls, " "), want) {
				t.Errorf("%s: no component %s in %v", name, want, purls)
			}
		}
	}
}

func TestWinGetManifestsValidate(t *testing.T) {
	dist := fullRelease(t)
	c := schemaCompiler(t, filepath.Join(reference, "winget", "v1.12.0"))
	dir := filepath.Join(dist, "winget", "manifests", "c", "ccproxy", "ccproxy", testVersion)
	sums := map[string]string{}
	for _, target := range []string{"windows-amd64", "windows-arm64"} {
		b, _ := os.ReadFile(zipPath(dist, target))
		s := sha256.Sum256(b)
		sums[filepath.Base(zipPath(dist, target))] = strings.ToUpper(hex.EncodeToString(s[:]))
	}
	for file, id := range map[string]string{
		"ccproxy.ccproxy.yaml":              "https://aka.ms/winget-manifest.version.1.12.0.schema.json",
		"ccproxy.ccproxy.installer.yaml":    "https://aka.ms/winget-manifest.installer.1.12.0.schema.json",
		"ccproxy.ccproxy.locale.en-US.yaml": "https://aka.ms/winget-manifest.defaultlocale.1.12.0.schema.json",
	} {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		// Through JSON, so the validator sees the types a YAML reader gives.
		j, _ := json.Marshal(doc)
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
		if err != nil {
			t.Fatal(err)
		}
		sch, err := c.Compile(id)
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("%s: %v", file, err)
		}
		if file != "ccproxy.ccproxy.installer.yaml" {
			continue
		}
		m := doc.(map[string]any)
		for k, want := range map[string]any{"NestedInstallerType": "portable", "ArchiveBinariesDependOnPath": true, "Scope": "machine", "InstallerType": "zip"} {
			if m[k] != want {
				t.Errorf("%s: %s = %v, want %v", file, k, m[k], want)
			}
		}
		inst := m["Installers"].([]any)
		if len(inst) != 2 {
			t.Fatalf("%d installers, want x64 and arm64", len(inst))
		}
		for _, i := range inst {
			im := i.(map[string]any)
			url := im["InstallerUrl"].(string)
			if !strings.HasPrefix(url, testURL) || sums[strings.TrimPrefix(url, testURL)] != im["InstallerSha256"] {
				t.Errorf("installer %v: URL or hash is not the zip's", im)
			}
		}
	}
}

func TestBadInput(t *testing.T) {
	nonEmpty := t.TempDir()
	os.WriteFile(filepath.Join(nonEmpty, "x"), nil, 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-version", "1.2"}, "want MAJOR.MINOR.PATCH"},
		{[]string{"-version", "1.70000.0"}, "at most 65535"},
		{[]string{"-version", "1.2.3", "-targets", "plan9/amd64"}, "-targets"},
		{[]string{"-version", "1.2.3", "-out", nonEmpty}, "not empty"},
		{[]string{"-version", "1.2.3", "-commit", "abc", "-commit-time", testCommitTime, "-out", t.TempDir()}, "full hexadecimal"},
		{[]string{"-version", "1.2.3", "-commit", testCommit, "-commit-time", "yesterday", "-out", t.TempDir()}, "RFC 3339"},
		{[]string{"-version", "1.2.3", "-commit", testCommit, "-commit-time", testCommitTime, "-out", t.TempDir(), "-url", "http://x/"}, "https"},
		{[]string{"-version", "1.2.3", "-commit", testCommit, "-commit-time", testCommitTime, "-out", t.TempDir(), "-timestamp", "http://ts/"}, "-pkcs12"},
		{[]string{"-version", "1.2.3", "extra"}, "unexpected argument"},
		{[]string{"-version", "1.2.3", "-commit", testCommit, "-commit-time", testCommitTime, "-out", t.TempDir(), "-url", "https://x/", "-winget-id", "ccproxy"}, "Publisher.Package"},
		{[]string{"-version", "1.2.3", "-commit", testCommit, "-commit-time", testCommitTime, "-out", t.TempDir(), "-pkcs12", "x.p12", "-osslsigncode", "no-such-osslsigncode"}, "apt-get install osslsigncode"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"-src", ".."}, c.args...), &stdout, &stderr)
		want := 2
		if strings.Contains(c.want, "apt-get") {
			want = 3 // the environment lacks a tool
		}
		if code != want || !strings.Contains(stderr.String(), c.want) || strings.Count(strings.TrimSpace(stderr.String()), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and one line with %q", c.args, code, stderr.String(), want, c.want)
		}
	}
}

// testPKI is a throw-away certificate authority with a code-signing certificate and a
// timestamping certificate, as osslsigncode's built-in test timestamp authority needs.
type testPKI struct {
	dir                             string
	caPEM, p12, tsaCerts, tsaKeyPEM string
	signKey, chain                  string // the signer's key (PEM) and its certificate chain
}

func newPKI(t *testing.T) *testPKI {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl is needed to write the PKCS#12 file: apt-get install openssl")
	}
	dir, err := os.MkdirTemp("", "ccproxy-pki-")
	if err != nil {
		t.Fatal(err)
	}
	p := &testPKI{dir: dir}
	write := func(name string, blocks ...*pem.Block) string {
		var b bytes.Buffer
		for _, bl := range blocks {
			pem.Encode(&b, bl)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	now := time.Now()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ccproxy test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ = x509.ParseCertificate(caDER)
	leaf := func(serial int64, cn string, eku x509.ExtKeyUsage) (*rsa.PrivateKey, []byte) {
		key, _ := rsa.GenerateKey(rand.Reader, 2048)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{eku},
			BasicConstraintsValid: true,
		}
		if eku == x509.ExtKeyUsageTimeStamping {
			// RFC 3161 section 2.3: a TSA's certificate has exactly one extended key
			// usage, timeStamping, and it is critical (crypto/x509 writes it non-critical).
			v, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
			tmpl.ExtKeyUsage = nil
			tmpl.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: v}}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return key, der
	}
	signKey, signDER := leaf(2, "ccproxy test signer", x509.ExtKeyUsageCodeSigning)
	tsaKey, tsaDER := leaf(3, "ccproxy test TSA", x509.ExtKeyUsageTimeStamping)
	caBlock := &pem.Block{Type: "CERTIFICATE", Bytes: caDER}
	p.caPEM = write("ca.pem", caBlock)
	signCert := write("signer.pem", &pem.Block{Type: "CERTIFICATE", Bytes: signDER})
	keyDER, _ := x509.MarshalPKCS8PrivateKey(signKey)
	signKeyPath := write("signer.key", &pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	p.tsaCerts = write("tsa.pem", &pem.Block{Type: "CERTIFICATE", Bytes: tsaDER}, caBlock)
	tsaKeyDER, _ := x509.MarshalPKCS8PrivateKey(tsaKey)
	p.tsaKeyPEM = write("tsa.key", &pem.Block{Type: "PRIVATE KEY", Bytes: tsaKeyDER})
	p.signKey = signKeyPath
	p.chain = write("chain.pem", &pem.Block{Type: "CERTIFICATE", Bytes: signDER}, caBlock)
	p.p12 = filepath.Join(dir, "signer.p12")
	out, err := exec.Command("openssl", "pkcs12", "-export", "-inkey", signKeyPath, "-in", signCert,
		"-certfile", p.caPEM, "-out", p.p12, "-passout", "pass:test-password").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl pkcs12: %v\n%s", err, out)
	}
	return p
}

func signedRelease(t *testing.T) (string, *testPKI) {
	t.Helper()
	if _, err := exec.LookPath("osslsigncode"); err != nil {
		t.Fatal("osslsigncode is needed: apt-get install osslsigncode")
	}
	if pki == nil {
		pki = newPKI(t)
	}
	t.Setenv("CCPROXY_SIGN_PASSWORD", "test-password")
	out := signed.get(t, "-targets", "windows/amd64", "-pkcs12", pki.p12,
		"-test-tsa-certs", pki.tsaCerts, "-test-tsa-key", pki.tsaKeyPEM, "-test-tsa-time", fmt.Sprint(time.Now().Unix()))
	return out, pki
}

var digestLine = regexp.MustCompile(`(?m)^(Current|Calculated) message digest\s*:\s*([0-9A-Fa-f]+)\s*$`)

// verify runs osslsigncode verify with the test CA as the only trust anchor and returns the
// message digests it printed.
func verify(t *testing.T, p *testPKI, name string, data []byte) map[string]string {
	t.Helper()
	path := filepath.Join(t.TempDir(), filepath.Base(name))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("osslsigncode", "verify", "-CAfile", p.caPEM, "-TSA-CAfile", p.caPEM, "-in", path).CombinedOutput()
	if err != nil {
		t.Fatalf("osslsigncode verify %s: %v\n%s", name, err, out)
	}
	if !bytes.Contains(out, []byte("Signature verification: ok")) {
		t.Errorf("%s: no 'Signature verification: ok':\n%s", name, out)
	}
	if !bytes.Contains(out, []byte("Timestamp")) {
		t.Errorf("%s: no timestamp:\n%s", name, out)
	}
	d := map[string]string{}
	for _, m := range digestLine.FindAllSubmatch(out, -1) {
		d[string(m[1])] = strings.ToLower(string(m[2]))
	}
	return d
}

func TestSignedRelease(t *testing.T) {
	dist, p := signedRelease(t)
	zp := zipPath(dist, "windows-amd64")
	exe := zipEntry(t, zp, "ccproxy.exe")
	d := verify(t, p, "ccproxy.exe", exe)
	// The signed executable's Authenticode digest is that of an unsigned build of the same
	// commit made elsewhere: the signature adds nothing but itself.
	unsigned := zipEntry(t, zipPath(fullRelease(t), "windows-amd64"), "ccproxy.exe")
	if bytes.Equal(unsigned, exe) {
		t.Fatal("the signed executable is the unsigned one")
	}
	du, err := authenticodeDigest(unsigned)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := authenticodeDigest(exe)
	if err != nil {
		t.Fatal(err)
	}
	if du != ds || d["Current"] != du || d["Calculated"] != du {
		t.Errorf("Authenticode digests: unsigned rebuild %s, signed %s, osslsigncode current %s calculated %s", du, ds, d["Current"], d["Calculated"])
	}
	var scripts int
	for name := range readZip(t, zp) {
		if strings.HasSuffix(name, ".ps1") {
			scripts++
			b := zipEntry(t, zp, name)
			if !bytes.Contains(b, []byte("# SIG # Begin signature block")) {
				t.Errorf("%s is not signed", name)
				continue
			}
			verify(t, p, name, b)
		}
	}
	if scripts == 0 {
		t.Error("the zip carries no scripts")
	}
	var sbom struct {
		Metadata struct {
			Component struct {
				Properties []struct{ Name, Value string }
			}
		}
	}
	b, _ := os.ReadFile(filepath.Join(dist, "ccproxy-1.2.3-windows-amd64.cdx.json"))
	json.Unmarshal(b, &sbom)
	if !strings.Contains(fmt.Sprint(sbom.Metadata.Component.Properties), "{ccproxy:signed true}") {
		t.Errorf("the SBOM does not say the executable is signed: %v", sbom.Metadata.Component.Properties)
	}
}

// softHSM puts the signer's key into a fresh SoftHSM token, the software stand-in for the
// HSM a real release signs with, and returns the PKCS#11 module and the key's URI.
func softHSM(t *testing.T, p *testPKI) (module, uri string) {
	t.Helper()
	if _, err := exec.LookPath("softhsm2-util"); err != nil {
		t.Fatal("the PKCS#11 signing test needs SoftHSM and OpenSSL's pkcs11 engine: apt-get install softhsm2 libengine-pkcs11-openssl")
	}
	for _, m := range []string{"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so", "/usr/local/lib/softhsm/libsofthsm2.so"} {
		if _, err := os.Stat(m); err == nil {
			module = m
			break
		}
	}
	if module == "" {
		t.Fatal("libsofthsm2.so not found: apt-get install softhsm2")
	}
	dir := filepath.Join(p.dir, "softhsm")
	if err := os.MkdirAll(filepath.Join(dir, "tokens"), 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	os.WriteFile(conf, []byte("directories.tokendir = "+filepath.Join(dir, "tokens")+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600)
	t.Setenv("SOFTHSM2_CONF", conf)
	for _, args := range [][]string{
		{"--init-token", "--free", "--label", "ccproxy-release", "--pin", "1234", "--so-pin", "5678"},
		{"--import", p.signKey, "--token", "ccproxy-release", "--label", "ccproxy-signing", "--id", "01", "--pin", "1234"},
	} {
		if out, err := exec.Command("softhsm2-util", args...).CombinedOutput(); err != nil {
			t.Fatalf("softhsm2-util %v: %v\n%s", args, err, out)
		}
	}
	return module, "pkcs11:token=ccproxy-release;object=ccproxy-signing"
}

// The same release signed with a key that never leaves a PKCS#11 token, as a real release
// signs with an HSM; the token's PIN goes through CCPROXY_SIGN_PASSWORD.
func TestSignedReleasePKCS11(t *testing.T) {
	if _, err := exec.LookPath("osslsigncode"); err != nil {
		t.Fatal("osslsigncode is needed: apt-get install osslsigncode")
	}
	if pki == nil {
		pki = newPKI(t)
	}
	module, uri := softHSM(t, pki)
	t.Setenv("CCPROXY_SIGN_PASSWORD", "1234")
	dist := signed11.get(t, "-targets", "windows/amd64", "-pkcs11-module", module, "-key", uri, "-certs", pki.chain,
		"-test-tsa-certs", pki.tsaCerts, "-test-tsa-key", pki.tsaKeyPEM, "-test-tsa-time", fmt.Sprint(time.Now().Unix()))
	zp := zipPath(dist, "windows-amd64")
	d := verify(t, pki, "ccproxy.exe", zipEntry(t, zp, "ccproxy.exe"))
	unsigned, err := authenticodeDigest(zipEntry(t, zipPath(fullRelease(t), "windows-amd64"), "ccproxy.exe"))
	if err != nil {
		t.Fatal(err)
	}
	if d["Calculated"] != unsigned {
		t.Errorf("PKCS#11-signed digest %s, unsigned rebuild %s", d["Calculated"], unsigned)
	}
	verify(t, pki, "ccproxy-ci-remediation.ps1", zipEntry(t, zp, "examples/configmgr/ccproxy-ci-remediation.ps1"))
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, b := range []*built{&full, &again, &signed, &signed11} {
		if b.out != "" {
			os.RemoveAll(b.out)
		}
	}
	if pki != nil {
		os.RemoveAll(pki.dir)
	}
	os.Exit(code)
}

// The wrong password for the key stops the release with the signer's reason, and nothing is
// in the output folder: scripts are signed before anything is written there.
func TestWrongSigningPassword(t *testing.T) {
	if _, err := exec.LookPath("osslsigncode"); err != nil {
		t.Fatal("osslsigncode is needed: apt-get install osslsigncode")
	}
	if pki == nil {
		pki = newPKI(t)
	}
	t.Setenv("CCPROXY_SIGN_PASSWORD", "not-the-password")
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run([]string{"-src", "..", "-out", out, "-version", testVersion, "-commit", testCommit, "-commit-time", testCommitTime,
		"-targets", "windows/amd64", "-pkcs12", pki.p12}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "signing") {
		t.Errorf("exit %d, stderr %s; want exit 1 naming the signing", code, stderr.String())
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("a failed release left %d files in %s", len(entries), out)
	}
}
