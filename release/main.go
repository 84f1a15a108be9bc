// Command release builds the ccproxy release from a source tree: every target with the version,
// commit and commit time stamped in, Windows version resources and application manifest,
// deterministic zips with the licences of the linked modules and the DSC resource manifest,
// a CycloneDX SBOM per zip, WinGet manifests, SHA256SUMS, and, when given a key,
// Authenticode signatures on the executables and scripts.
//
//	go run ./release -version 1.2.3 -out dist
//
// It lives in its own folder, outside the ccproxy binary, because it is a separate program with
// dependencies the tool must not link (resource and SBOM writers), and because Go is the one
// language that runs the same on the Linux CI machines and on a Windows release machine.
// The same commit gives the same bytes on any machine and in any folder as long as nothing
// signs: anyone can rebuild a release unsigned and compare it with the published one.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// usageError is bad input: exit 2, nothing written.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// envError is a missing tool: exit 3, nothing written (ccproxy's own exit codes).
type envError struct{ msg string }

func (e envError) Error() string { return e.msg }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.version, "version", "", "release version, MAJOR.MINOR.PATCH (required)")
	fs.StringVar(&o.out, "out", "dist", "folder to write the release to; it must not exist or be empty")
	fs.StringVar(&o.src, "src", ".", "the source tree (the module root)")
	fs.StringVar(&o.targetList, "targets", defaultTargets, "comma-separated GOOS/GOARCH pairs")
	fs.StringVar(&o.commit, "commit", "", "commit to stamp (default: git rev-parse HEAD in -src)")
	fs.StringVar(&o.commitTime, "commit-time", "", "commit time, RFC 3339 (default: the commit's committer time)")
	fs.StringVar(&o.url, "url", "", "download base URL for the WinGet manifests (the zips' folder); without it no WinGet manifests are written")
	fs.StringVar(&o.wingetID, "winget-id", "ccproxy.ccproxy", "WinGet PackageIdentifier")
	fs.StringVar(&o.sign.pkcs12, "pkcs12", "", "sign with the key and certificates of this PKCS#12 file; its password comes from the environment variable CCPROXY_SIGN_PASSWORD")
	fs.StringVar(&o.sign.pkcs11Module, "pkcs11-module", "", "sign with a key held in a PKCS#11 token or HSM: the module (.so or .dll) of its vendor")
	fs.StringVar(&o.sign.key, "key", "", "with -pkcs11-module: the key's PKCS#11 URI (pkcs11:token=...;object=...)")
	fs.StringVar(&o.sign.certs, "certs", "", "with -pkcs11-module: the signing certificate and its chain, PEM")
	fs.StringVar(&o.sign.timestamp, "timestamp", "", "RFC 3161 timestamp server URL (a signature without a timestamp expires with the certificate)")
	fs.StringVar(&o.sign.tsaCerts, "test-tsa-certs", "", "offline tests only: osslsigncode's built-in timestamp authority, its certificate chain (PEM)")
	fs.StringVar(&o.sign.tsaKey, "test-tsa-key", "", "offline tests only: the built-in timestamp authority's key (PEM)")
	fs.StringVar(&o.sign.tsaTime, "test-tsa-time", "", "offline tests only: the built-in timestamp authority's time, Unix seconds")
	fs.StringVar(&o.sign.tool, "osslsigncode", "osslsigncode", "the osslsigncode program")
	alignOnly := fs.String("align-pe", "", "only lay out this built Windows executable again with its sections page-aligned, in place, as the release does to each (see pealign.go), and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *alignOnly != "" {
		if err := alignPEFile(*alignOnly); err != nil {
			fmt.Fprintf(stderr, "release: %v\n", err)
			return 2
		}
		return 0
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "release: unexpected argument %q; every setting is a flag (-version, -out, ...)\n", fs.Arg(0))
		return 2
	}
	o.sign.password = os.Getenv("CCPROXY_SIGN_PASSWORD")
	r, err := newRelease(o, stderr)
	if err == nil {
		err = r.run()
	}
	if err != nil {
		fmt.Fprintf(stderr, "release: %v\n", err)
		var u usageError
		var e envError
		switch {
		case errors.As(err, &u):
			return 2
		case errors.As(err, &e):
			return 3
		}
		return 1
	}
	fmt.Fprintf(stdout, "release %s of %s written to %s\n", o.version, r.commit, o.out)
	return 0
}
