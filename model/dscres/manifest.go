package dscres

import (
	"encoding/json"
	"regexp"
	"strings"
)

// ManifestSchema is the manifest schema URL that DSC v3 recommends.
const ManifestSchema = "https://aka.ms/dsc/schemas/v3/bundled/resource/manifest.json"

// Manifest is a DSC v3 command-resource manifest (ccproxy.dsc.resource.json).
type Manifest struct {
	Schema      string            `json:"$schema"`
	Type        string            `json:"type"`
	Version     string            `json:"version"`
	Description string            `json:"description"`
	Tags        []string          `json:"tags"`
	Get         Method            `json:"get"`
	Set         SetMethod         `json:"set"`
	WhatIf      SetMethod         `json:"whatIf"`
	Test        TestMethod        `json:"test"`
	Export      Method            `json:"export"`
	ExitCodes   map[string]string `json:"exitCodes"`
	Instance    InstanceSchemaRef `json:"schema"`
}

// Method says how DSC runs one operation.
type Method struct {
	Executable string   `json:"executable"`
	Args       []string `json:"args"`
	Input      string   `json:"input"`
}

// SetMethod is the set (and what-if) operation.
type SetMethod struct {
	Executable        string   `json:"executable"`
	Args              []string `json:"args"`
	Input             string   `json:"input"`
	ImplementsPretest bool     `json:"implementsPretest"`
	Return            string   `json:"return"`
}

// TestMethod is the test operation.
type TestMethod struct {
	Executable string   `json:"executable"`
	Args       []string `json:"args"`
	Input      string   `json:"input"`
	Return     string   `json:"return"`
}

// InstanceSchemaRef embeds the instance schema, so DSC needs no extra call to get it.
type InstanceSchemaRef struct {
	Embedded json.RawMessage `json:"embedded"`
}

// ExitCodes are the codes the dsc subcommands exit with. Drift is never an exit code: DSC
// takes every non-zero code as a failure.
var ExitCodes = map[string]string{
	"0": "Success: the operation ran; drift is reported in the JSON",
	"2": "Invalid input: a bad instance or argument; the message names the property",
	"3": "Environment: access denied (set needs an elevated administrator), or the registry is unavailable",
	"4": "Set failed and was rolled back, or was refused by the instance's verify (the route it gives the services does not reach Citrix Cloud): nothing changed",
	"5": "Set failed and the rollback failed too: the message names the backup to restore with 'ccproxy restore'",
}

var semver = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

// ResourceVersion turns ccproxy's build version into the semantic version DSC requires;
// a development build ("dev") becomes 0.0.0-dev.
func ResourceVersion(build string) string {
	v := strings.TrimPrefix(strings.TrimSpace(build), "v")
	if semver.MatchString(v) {
		return v
	}
	var b strings.Builder
	for _, r := range v {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	tag := strings.Trim(b.String(), "-")
	if tag == "" {
		tag = "dev"
	}
	if v := "0.0.0-" + tag; semver.MatchString(v) {
		return v
	}
	// A numeric identifier with a leading zero is not semver; a letter in front is.
	return "0.0.0-x" + tag
}

// NewManifest is the manifest for this build of ccproxy; executable is the command DSC
// runs, found on PATH beside the manifest.
func NewManifest(version, executable string) Manifest {
	op := func(name string, extra ...string) []string {
		return append([]string{"dsc", name}, extra...)
	}
	return Manifest{
		Schema:      ManifestSchema,
		Type:        Type,
		Version:     ResourceVersion(version),
		Description: "WinHTTP and WinINet proxy settings of a Citrix Cloud Connector machine: plan, back up, write and verify, as 'ccproxy apply' does.",
		Tags:        []string{"Windows", "proxy", "WinHTTP", "WinINet", "Citrix", "CloudConnector"},
		Get:         Method{Executable: executable, Args: op("get"), Input: "stdin"},
		Set:         SetMethod{Executable: executable, Args: op("set"), Input: "stdin", ImplementsPretest: true, Return: "stateAndDiff"},
		WhatIf:      SetMethod{Executable: executable, Args: op("set", "--what-if"), Input: "stdin", ImplementsPretest: true, Return: "stateAndDiff"},
		Test:        TestMethod{Executable: executable, Args: op("test"), Input: "stdin", Return: "stateAndDiff"},
		Export:      Method{Executable: executable, Args: op("export"), Input: "stdin"},
		ExitCodes:   ExitCodes,
		Instance:    InstanceSchemaRef{Embedded: InstanceSchema()},
	}
}
