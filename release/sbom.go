package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// sbomName is the SBOM beside a zip: ccproxy-1.2.3-windows-amd64.cdx.json.
func sbomName(zipName string) string {
	return strings.TrimSuffix(zipName, ".zip") + ".cdx.json"
}

// serial is a version-5-shaped UUID (RFC 9562 section 5.5, with SHA-256 in place of SHA-1)
// derived from the commit and the artifact, so a rebuild gives the same serial number while
// two artifacts never share one.
func serial(commit, artifact string) string {
	h := sha256.Sum256([]byte("ccproxy sbom\x00" + commit + "\x00" + artifact))
	u := h[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	x := hex.EncodeToString(u)
	return fmt.Sprintf("urn:uuid:%s-%s-%s-%s-%s", x[0:8], x[8:12], x[12:16], x[16:20], x[20:32])
}

func purl(m module) string {
	// The Go package URL type: github.com/package-url/purl-spec, types/golang.
	return "pkg:golang/" + m.Path + "@" + m.Version
}

// writeSBOM writes the CycloneDX 1.6 document of one zip: the executable as the subject, every
// module linked into it (what 'go version -m' lists, plus the standard library) as a library
// with its licence, and the time of the commit, never of the build.
func (r *release) writeSBOM(a *artifact) error {
	exeSum := sha256.Sum256(a.exe)
	zipRef := "ccproxy@" + r.version
	licence, err := os.ReadFile(filepath.Join(r.build, "LICENSE"))
	if err != nil {
		return err
	}
	subject := cdx.Component{
		BOMRef:    zipRef,
		Type:      cdx.ComponentTypeApplication,
		Name:      productName,
		Version:   r.version,
		Publisher: publisher,
		Licenses:  licences(spdxOf(licence)),
		Hashes:    &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: a.sha256}},
		Components: &[]cdx.Component{{
			BOMRef:  zipRef + "/" + a.target.exe(),
			Type:    cdx.ComponentTypeFile,
			Name:    a.target.exe(),
			Version: r.version,
			Hashes:  &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: hex.EncodeToString(exeSum[:])}},
		}},
		Properties: &[]cdx.Property{
			{Name: "ccproxy:artifact", Value: a.name},
			{Name: "ccproxy:commit", Value: r.commit},
			{Name: "ccproxy:commitTime", Value: r.commitTime},
			{Name: "ccproxy:goos", Value: a.target.goos},
			{Name: "ccproxy:goarch", Value: a.target.goarch},
			{Name: "ccproxy:toolchain", Value: r.toolchain},
			{Name: "ccproxy:signed", Value: fmt.Sprint(r.sign.enabled() && a.target.goos == "windows")},
		},
	}
	var comps []cdx.Component
	var refs []string
	for _, m := range a.deps {
		ref := purl(m)
		c := cdx.Component{
			BOMRef: ref, Type: cdx.ComponentTypeLibrary, Name: m.Path, Version: m.Version,
			PackageURL: ref, Scope: cdx.ScopeRequired, Licenses: licences(m.licenceID),
		}
		if m.Sum != "" {
			// go.sum's hash (dirhash h1:), the one 'go mod verify' checks.
			c.Properties = &[]cdx.Property{{Name: "ccproxy:goSum", Value: m.Sum}}
		}
		comps = append(comps, c)
		refs = append(refs, ref)
	}
	bom := cdx.NewBOM()
	bom.SerialNumber = serial(r.commit, a.name)
	bom.Version = 1
	bom.Metadata = &cdx.Metadata{
		Timestamp: r.commitTime,
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: "ccproxy release", Version: r.version,
		}}},
		Component: &subject,
	}
	bom.Components = &comps
	bom.Dependencies = &[]cdx.Dependency{{Ref: zipRef, Dependencies: &refs}}
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(r.out, sbomName(a.name)), buf.Bytes(), 0o644)
}

func licences(id string) *cdx.Licenses {
	if id == "" {
		return nil
	}
	return &cdx.Licenses{{License: &cdx.License{ID: id}}}
}
