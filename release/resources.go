package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tc-hib/winres"
	"github.com/tc-hib/winres/version"
)

const (
	productName = "ccproxy"
	description = "ccproxy: Citrix Cloud Connector proxy settings"
	publisher   = "The ccproxy authors"
)

// fileVersion is the four-part version Windows shows and that Configuration Manager and Intune
// compare when they detect an installed file: MAJOR.MINOR.PATCH.0. A pre-release suffix
// stays in the ProductVersion string only, since VS_FIXEDFILEINFO holds four numbers
// (learn.microsoft.com/windows/win32/api/verrsrc/ns-verrsrc-vs_fixedfileinfo).
func (r *release) fileVersion() string {
	core, _, _ := strings.Cut(r.version, "-")
	return core + ".0"
}

// copyright is the copyright line of LICENSE, so the two never disagree.
func (r *release) copyright() (string, error) {
	b, err := os.ReadFile(filepath.Join(r.build, "LICENSE"))
	if err != nil {
		return "", fmt.Errorf("LICENSE: %v; every release carries its licence", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "Copyright") {
			return line, nil
		}
	}
	return "", fmt.Errorf("LICENSE has no Copyright line")
}

// resources is the COFF object holding the version information (VS_VERSIONINFO) and the
// application manifest of the Windows executable for one architecture.
func (r *release) resources(t target) ([]byte, error) {
	copyright, err := r.copyright()
	if err != nil {
		return nil, err
	}
	var vi version.Info
	vi.Type = version.App
	vi.Flags.Prerelease = strings.Contains(r.version, "-")
	// No timestamp: the fixed file date stays zero, so the bytes depend on the commit only.
	fv := r.fileVersion()
	const lang = version.LangDefault // en-US, with the Unicode code page 1200 in the translation
	strs := [][2]string{
		{version.ProductName, productName},
		{version.FileDescription, description},
		{version.CompanyName, publisher},
		{version.LegalCopyright, copyright},
		{version.OriginalFilename, "ccproxy.exe"},
		{version.InternalName, "ccproxy"},
		{version.Comments, "commit " + r.commit},
	}
	for _, s := range strs {
		if err := vi.Set(lang, s[0], s[1]); err != nil {
			return nil, err
		}
	}
	vi.SetFileVersion(fv)
	vi.SetProductVersion(fv)
	// The product version string is the release version as published (1.2.3-rc.1).
	if err := vi.Set(lang, version.ProductVersion, r.version); err != nil {
		return nil, err
	}
	var rs winres.ResourceSet
	rs.SetVersionInfo(vi)
	// asInvoker: ccproxy never asks for elevation; apply says when it needs it.
	// Win10AndAbove: the one supportedOS GUID Windows 10 and Server 2016 and later share
	// (learn.microsoft.com/windows/win32/sysinfo/targeting-your-application-at-windows-8-1).
	// longPathAware: paths over MAX_PATH work where the LongPathsEnabled policy allows them
	// (learn.microsoft.com/windows/win32/fileio/maximum-file-path-limitation).
	rs.SetManifest(winres.AppManifest{
		Description:    description,
		ExecutionLevel: winres.AsInvoker,
		Compatibility:  winres.Win10AndAbove,
		LongPathAware:  true,
		DPIAwareness:   winres.DPIUnaware,
	})
	arch := map[string]winres.Arch{"amd64": winres.ArchAMD64, "arm64": winres.ArchARM64}[t.goarch]
	if arch == "" {
		return nil, fmt.Errorf("no Windows resources for %s", t)
	}
	var buf bytes.Buffer
	if err := rs.WriteObject(&buf, arch); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
