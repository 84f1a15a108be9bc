package report

import (
	"time"

	"ccproxy/model/compliance"
)

// Document kinds this package writes.
const (
	SchemaReport  = "ccproxy/report@1"
	SchemaMachine = "ccproxy/machine@1"
)

// Report is the ccproxy/report@1 document: the fleet summary.
type Report struct {
	Schema        string         `json:"schema"`
	GeneratedAt   time.Time      `json:"generatedAt"`
	HostsPerGroup int            `json:"hostsPerGroup" doc:"the most host names a group lists (--hosts); machines counts them all, and --jsonl or --format csv list every machine"`
	Inputs        Inputs         `json:"inputs"`
	Machines      Machines       `json:"machines"`
	Findings      []FindingCount `json:"findings" doc:"per finding id of the newest test document of each machine, most failures first"`
	Settings      Configurations `json:"settings" doc:"the proxy settings in use, grouped, credentials shown as ***"`
	Mismatches    []Mismatch     `json:"mismatches" doc:"machines whose services (WinHTTP) and installer (WinINet) reach the Internet differently, grouped by the two settings"`
	Interception  Interception   `json:"interception" doc:"from the newest check document of each machine"`
	Unreachable   []Unreachable  `json:"unreachable" doc:"endpoints that failed in the newest check document of each machine, by endpoint and failure class"`
	FailureCauses []FailureCause `json:"failureCauses" doc:"the same failures by failure class alone, most machines first"`
	MachineList   MachineList    `json:"machineList"`
	Rejected      Rejected       `json:"rejected"`
	Provenance    Provenance     `json:"provenance" doc:"files whose documents are not where their host would write them (docs/contract.md, Provenance)"`
	LeftOut       LeftOut        `json:"leftOut" doc:"what the report's limits kept out of the summary (docs/contract.md states them); all zero for any real fleet"`
}

// Provenance lists the files that speak for a host they are not named after, or for
// several hosts.
type Provenance struct {
	Count int           `json:"count" doc:"files flagged"`
	Files []FlaggedFile `json:"files" doc:"the first 1000 by file name"`
}

// FlaggedFile is one file whose documents do not keep provenance.
type FlaggedFile struct {
	File      string   `json:"file"`
	Reasons   []string `json:"reasons" doc:"otherHost or severalHosts. otherHost: a document names a host that neither the file nor its folder is named after; severalHosts: the file holds documents of more than one host"`
	Documents int      `json:"documents" doc:"its documents that were flagged"`
	Hosts     []string `json:"hosts" doc:"hosts it spoke for, first by name (at most hostsPerGroup)"`
}

// LeftOut counts what the limits of the report kept out.
type LeftOut struct {
	Documents int `json:"documents" doc:"documents rejected because the report holds 100000 machines or 32 MiB of summary already; each is also counted under rejected"`
	Findings  int `json:"findings" doc:"finding ids not counted: an id beyond 256 distinct ones in one document, or a new id beyond 1000 in the report (an id a document lists again is merged, at its most severe status, and not counted here)"`
	Issuers   int `json:"issuers" doc:"issuers beyond 64 in one check document, or a new one beyond 1000 in the report"`
	Endpoints int `json:"endpoints" doc:"failing endpoints beyond 1024 in one check document, or a new one beyond 10000 in the report"`
	Settings  int `json:"settings" doc:"proxy settings shown as unknown because the report holds 10000 distinct ones already"`
}

// Inputs counts what was read.
type Inputs struct {
	Paths      []string   `json:"paths" doc:"the paths given; - is stdin"`
	Files      int        `json:"files" doc:"files read, stdin counting as one"`
	Documents  int        `json:"documents" doc:"documents accepted, superseded ones included"`
	Superseded int        `json:"superseded" doc:"accepted documents left out because the same host has a newer one of the same kind"`
	Skipped    int        `json:"skipped" doc:"files in the folders given that were not read because their kind cannot hold a ccproxy document (.md, .ps1, .reg, .log, ...); a file named on the command line is always read"`
	ByKind     KindCounts `json:"byKind" doc:"documents accepted, by kind"`
}

// KindCounts counts documents by kind.
type KindCounts struct {
	State int `json:"state"`
	Test  int `json:"test"`
	Check int `json:"check"`
}

// Machines counts machines (distinct hosts) by what their newest documents say.
type Machines struct {
	Seen             int `json:"seen"`
	HostFromFileName int `json:"hostFromFileName" doc:"machines whose documents name no host, so that the host comes from the file name"`
	OtherFile        int `json:"otherFile" doc:"machines one of whose newest documents came from a file or folder not named after them (another host's file, a collection of several hosts, stdin): see provenance"`
	Tested           int `json:"tested" doc:"machines with a test document"`
	Compliant        int `json:"compliant"`
	NonCompliant     int `json:"nonCompliant" doc:"machines whose newest test document says notCompliant (older documents without a verdict: compliant false)"`
	Incomplete       int `json:"incomplete" doc:"machines whose newest test document says incomplete: the source could not show what the services use; counted apart from nonCompliant, so tested = compliant + nonCompliant + incomplete"`
	NotTested        int `json:"notTested"`
	WithSettings     int `json:"withSettings" doc:"machines with a state or test document, which give the proxy settings"`
	Mismatched       int `json:"mismatched" doc:"machines whose services and installer reach the Internet differently"`
	Checked          int `json:"checked" doc:"machines with a check document"`
	CheckPassed      int `json:"checkPassed"`
	CheckFailed      int `json:"checkFailed"`
	NotChecked       int `json:"notChecked"`
}

// FindingCount counts the machines per status of one finding.
type FindingCount struct {
	ID                 string   `json:"id" doc:"the finding id, as in ccproxy/test@1"`
	Title              string   `json:"title" doc:"what the check asks, as this ccproxy words it; the id when it does not know the check"`
	Requirements       []string `json:"requirements" doc:"what the check serves: R1-R8, a Citrix article (CTX335879) or prerequisites; [] when this ccproxy does not know the check"`
	Fix                *string  `json:"fix" doc:"the remediation a machine's document gives where it failed or warned (summary, then the ccproxy command), the first by text; null when none gives one"`
	Machines           int      `json:"machines" doc:"machines whose newest test document has this finding"`
	Pass               int      `json:"pass"`
	Fail               int      `json:"fail"`
	Warn               int      `json:"warn"`
	NotApplicable      int      `json:"notApplicable"`
	NotChecked         int      `json:"notChecked"`
	FailedHosts        []string `json:"failedHosts" doc:"machines where it failed, first by name"`
	WarnedHosts        []string `json:"warnedHosts" doc:"machines where it warned, first by name"`
	NotCheckedHosts    []string `json:"notCheckedHosts" doc:"machines where it could not be checked, first by name"`
	NotApplicableHosts []string `json:"notApplicableHosts" doc:"machines where it does not apply, first by name"`
}

// MachineList is the per-machine table of the summary: the machines that need action first.
type MachineList struct {
	Count int          `json:"count" doc:"machines in the report"`
	Rows  []MachineRow `json:"rows" doc:"at most 1000 rows: not compliant, incomplete, then failed check, then the rest, each by host name; --jsonl and --format csv list every machine"`
}

// MachineRow is one machine as the summary's table shows it.
type MachineRow struct {
	Host       string     `json:"host"`
	Verdict    *string    `json:"verdict" enum:"compliant,notCompliant,incomplete" doc:"null: no test document"`
	Failed     []string   `json:"failed"`
	Warned     []string   `json:"warned"`
	Fix        *string    `json:"fix" doc:"for an incomplete machine, the first supply of its missing evidence; otherwise the remediation of its first failed (else warned) finding that has one"`
	CheckOK    *bool      `json:"checkOk"`
	At         *time.Time `json:"at" doc:"when its newest test document was written (source.readAt); null without one"`
	Provenance string     `json:"provenance" enum:"ownFile,otherFile"`
}

// FailureCause is one failure class and the machines where endpoints failed that way: one
// row per cause, not per endpoint.
type FailureCause struct {
	Failure       *string  `json:"failure" doc:"the failure class, as in unreachable; null when the documents give none"`
	Machines      int      `json:"machines"`
	Endpoints     []string `json:"endpoints" doc:"the endpoints that failed this way, first by name (at most hostsPerGroup)"`
	EndpointCount int      `json:"endpointCount"`
	Hosts         []string `json:"hosts"`
}

// Settings is how one stack reaches the Internet, as ccproxy/state@1 puts it under
// "effective".
type Settings struct {
	Mode          *string `json:"mode" enum:"direct,proxy,autoConfig,autoDetect" doc:"null when the document does not hold these settings"`
	Proxy         *string `json:"proxy"`
	Bypass        *string `json:"bypass"`
	AutoConfigURL *string `json:"autoConfigUrl"`
	AutoDetect    *bool   `json:"autoDetect"`
}

// Configurations groups machines by their settings.
type Configurations struct {
	Services  []SettingsGroup `json:"services" doc:"WinHTTP, which the connector services use; most machines first"`
	Installer []SettingsGroup `json:"installer" doc:"WinINet, which the connector installer uses; most machines first"`
}

// SettingsGroup is one distinct setting and the machines that have it.
type SettingsGroup struct {
	Settings
	Machines int      `json:"machines"`
	Hosts    []string `json:"hosts"`
}

// Mismatch is one pair of differing services and installer settings.
type Mismatch struct {
	Services  Settings `json:"services"`
	Installer Settings `json:"installer"`
	Machines  int      `json:"machines"`
	Hosts     []string `json:"hosts"`
}

// Interception summarises TLS interception over the fleet.
type Interception struct {
	Verdicts VerdictCounts `json:"verdicts" doc:"machines by the overall verdict of their newest check document"`
	Issuers  []IssuerCount `json:"issuers" doc:"issuers presented instead of the expected ones; most machines first"`
}

// VerdictCounts counts machines per interception verdict.
type VerdictCounts struct {
	None      int `json:"none"`
	Suspected int `json:"suspected"`
	Detected  int `json:"detected"`
	Unknown   int `json:"unknown"`
}

// IssuerCount is one intercepting issuer and the machines that saw it.
type IssuerCount struct {
	Issuer   string   `json:"issuer"`
	Machines int      `json:"machines"`
	Hosts    []string `json:"hosts"`
}

// Unreachable is one endpoint failing one way, and the machines where it did.
type Unreachable struct {
	Endpoint string   `json:"endpoint" doc:"host:port"`
	Failure  *string  `json:"failure" doc:"the failure class, as in ccproxy/check@1 (dnsFailure, tcpRefused, timeout, proxyAuthRequired, proxyDenied, tlsHandshakeFailed, tlsInterception, certificateInvalid, httpError); null when the document gives none"`
	Machines int      `json:"machines"`
	Hosts    []string `json:"hosts"`
}

// Rejected lists the documents and files that could not be used.
type Rejected struct {
	Count     int           `json:"count"`
	Documents []RejectedDoc `json:"documents" doc:"the first 1000 by file and line"`
}

// RejectedDoc is one document, or one whole file, that was left out, and why.
type RejectedDoc struct {
	File   string `json:"file" doc:"the file, or stdin"`
	Line   *int   `json:"line" doc:"where the document starts, in a file or stream holding several; null otherwise"`
	Reason string `json:"reason"`
}

// Machine is one line of 'report --jsonl' (ccproxy/machine@1): what the newest documents of
// one host say.
type Machine struct {
	Schema          string                       `json:"schema"`
	Host            string                       `json:"host"`
	HostFrom        string                       `json:"hostFrom" enum:"document,fileName" doc:"fileName: the documents name no host, so it was taken from the file name"`
	Provenance      string                       `json:"provenance" enum:"ownFile,otherFile" doc:"ownFile: every newest document came from a file or folder named after this host that holds no other host's documents; otherFile: one came from elsewhere (another host's file, a collection of several hosts, this host's own file when it also holds other hosts' documents, stdin), which a document in the host's own file would have outranked"`
	Compliant       *bool                        `json:"compliant" doc:"from the newest test document; null when there is none"`
	Verdict         *string                      `json:"verdict" enum:"compliant,notCompliant,incomplete" doc:"the verdict of the newest test document (derived from compliant for documents that have none); null when there is none"`
	Failed          []string                     `json:"failed" doc:"ids of the findings that failed"`
	Warned          []string                     `json:"warned" doc:"ids of the findings that warned"`
	MissingEvidence []compliance.MissingEvidence `json:"missingEvidence" doc:"from the newest test document: the evidence its verdict lacks and what supplies it (the first 16, each string at most 1000 bytes); [] when nothing is missing, the document predates the field, or there is no test document"`
	Services        *Settings                    `json:"services" doc:"WinHTTP, from the newer of the state and test documents; null when there is neither"`
	Installer       *Settings                    `json:"installer" doc:"WinINet, from the same document"`
	Mismatch        *bool                        `json:"mismatch" doc:"services and installer reach the Internet differently; null when unknown"`
	CheckOK         *bool                        `json:"checkOk" doc:"the ok of the newest check document; null when there is none"`
	Interception    *string                      `json:"interception" enum:"none,suspected,detected,unknown"`
	Issuers         []string                     `json:"issuers"`
	Unreachable     []EndpointFailure            `json:"unreachable"`
	Documents       MachineDocuments             `json:"documents"`
	Superseded      int                          `json:"superseded" doc:"older documents of this host that were left out"`
}

// EndpointFailure is one endpoint that failed on one machine.
type EndpointFailure struct {
	Endpoint string  `json:"endpoint"`
	Failure  *string `json:"failure"`
}

// MachineDocuments names the documents a machine's row comes from.
type MachineDocuments struct {
	State *DocumentRef `json:"state"`
	Test  *DocumentRef `json:"test"`
	Check *DocumentRef `json:"check"`
}

// DocumentRef is where a document was read and when it was made.
type DocumentRef struct {
	File string    `json:"file"`
	Line *int      `json:"line"`
	At   time.Time `json:"at" doc:"source.readAt, or startedAt for a check document"`
}
