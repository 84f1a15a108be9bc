// Package scripts renders the deployment scripts of every channel that reaches a Cloud
// Connector (Configuration Manager, Intune, a Group Policy scheduled task) from one source:
// one helper region and one body per script, with the admin's settings written in when the
// scripts are generated, so nobody edits a script (a signed one cannot be edited).
package scripts

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf16"

	"ccproxy/jsonin"
	"ccproxy/model"
	"ccproxy/model/compliance"
)

var (
	//go:embed helpers.ps1
	helpers string
	//go:embed intune-detect.ps1
	intuneDetect string
	//go:embed intune-fix.ps1
	intuneFix string
	//go:embed intune-discovery.ps1
	intuneDiscovery string
	//go:embed configmgr-discovery.ps1
	configmgrDiscovery string
	//go:embed configmgr-remediation.ps1
	configmgrRemediation string
	//go:embed gpo-task.ps1
	gpoTask string
	//go:embed gpo-task.xml
	gpoTaskXML string
)

// Channels are the channels scripts can be generated for.
var Channels = []string{"configmgr", "gpo", "intune"}

// Settings are what the admin decides, written into every script.
type Settings struct {
	Source   string   // the desired-state file's name, for the comment
	Desired  []byte   // the desired-state document (ccproxy/desired@1), already checked
	User     string   // whose WinINet settings test reads, "" for the account the script runs as
	Internal []string // internal resources test checks (R7)
}

// File is one generated file.
type File struct {
	Name string
	Data []byte
}

// Render returns the files of one channel, sorted by name.
func Render(channel string, s Settings) ([]File, error) {
	block, err := settingsBlock(s)
	if err != nil {
		return nil, err
	}
	ps1 := func(name, body string) File {
		text := strings.Replace(body, "{{SETTINGS}}", block, 1)
		text = strings.Replace(text, "{{HELPERS}}", strings.TrimRight(helpers, "\n"), 1)
		return File{Name: name, Data: []byte(text)}
	}
	var files []File
	switch channel {
	case "configmgr":
		files = []File{ps1("ccproxy-ci-discovery.ps1", configmgrDiscovery), ps1("ccproxy-ci-remediation.ps1", configmgrRemediation)}
	case "intune":
		rules, err := model.MarshalDocument(compliance.Rules(), false)
		if err != nil {
			return nil, err
		}
		failed, err := errorSettings()
		if err != nil {
			return nil, err
		}
		files = []File{
			ps1("ccproxy-compliance-discovery.ps1", strings.Replace(intuneDiscovery, "{{ERROR_SETTINGS}}", failed, 1)),
			ps1("ccproxy-remediation-detect.ps1", intuneDetect),
			ps1("ccproxy-remediation-fix.ps1", intuneFix),
			{Name: "ccproxy-compliance-rules.json", Data: rules},
		}
	case "gpo":
		files = []File{ps1("ccproxy-task.ps1", gpoTask), {Name: "ccproxy-task.xml", Data: utf16LE(gpoTaskXML)}}
	default:
		return nil, fmt.Errorf("unknown channel %q; one of %s", channel, strings.Join(Channels, ", "))
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return files, nil
}

// ErrorVerdict is the verdict the custom compliance discovery script reports when it cannot
// run ccproxy or read its result; the verdict rule of compliance.Rules passes only
// "compliant", so the device is not compliant, and Intune shows the error rather than a
// script failure without settings.
const ErrorVerdict = "error"

// errorSettings is the line the discovery script returns on an error: every setting of
// 'test --format intune' (a missing one is Intune's error 65008), the verdict "error", every
// check "notChecked" since none ran; the script puts the error into missingEvidence.
func errorSettings() (string, error) {
	d := compliance.Report{Verdict: ErrorVerdict}.Intune(&model.State{}, "")
	d.Schema = compliance.SchemaIntune
	b, err := json.Marshal(d)
	if err != nil {
		return "", err
	}
	return "$ErrorSettingsJson = " + quote(string(b)), nil
}

// utf16LE is the encoding Task Scheduler exports and 'schtasks /Create /XML' reads: UTF-16LE
// with a byte order mark and CRLF line ends, as the XML declaration says.
func utf16LE(s string) []byte {
	s = strings.ReplaceAll(s, "\n", "\r\n")
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2, 2+2*len(u))
	b[0], b[1] = 0xff, 0xfe
	for _, c := range u {
		b = append(b, byte(c), byte(c>>8))
	}
	return b
}

// quote is a PowerShell single-quoted string: nothing inside is expanded, and a quote is
// written twice (about_Quoting_Rules). Every character is ASCII, so Windows PowerShell 5.1
// reads the script the same in any code page.
func quote(s string) string {
	return "'" + strings.ReplaceAll(jsonin.ASCII(s), "'", "''") + "'"
}

func settingsBlock(s Settings) (string, error) {
	// One line, in the order and spelling of the file: a line of a here-string could end it,
	// a single-quoted string cannot be ended by anything but a quote, which quote doubles.
	var compact bytes.Buffer
	if err := json.Compact(&compact, s.Desired); err != nil {
		return "", fmt.Errorf("the desired state is not JSON: %v", err)
	}
	for _, h := range s.Internal {
		if strings.ContainsAny(h, "'\"`$\r\n\t ;") {
			return "", fmt.Errorf("internal resource %s: a host name, IP address or host:port has no quotes, spaces or $", jsonin.Quote(h))
		}
	}
	var internal []string
	for _, h := range s.Internal {
		internal = append(internal, quote(h))
	}
	src := s.Source
	if src == "" {
		src = "a desired-state document"
	}
	lines := []string{
		"# --- Settings, written by 'ccproxy scripts' from " + jsonin.ASCII(src) + ".",
		"# Generate the scripts again to change them; never edit a signed script.",
		"# The desired state (ccproxy/desired@1) that remediation plans and applies:",
		"$DesiredJson = " + quote(compact.String()),
		"# Internal resources that must bypass the proxy (R7), checked by 'ccproxy test':",
		"$InternalResources = @(" + strings.Join(internal, ", ") + ")",
		"# Whose Internet Options test reads: '' for the account the script runs as.",
		"$User = " + quote(s.User),
		"# -----------------------------------------------------------------------------------------",
	}
	return strings.Join(lines, "\n"), nil
}
