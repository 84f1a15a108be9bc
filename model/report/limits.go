package report

// The report's memory is bounded by the summary it writes, not by its input: each document
// may add only so many distinct things, and the whole report only so many. What a limit
// keeps out is counted under leftOut (and a document kept out is rejected, with the limit
// named), so that a report never looks complete when it is not. Every limit is far above
// what a fleet of Cloud Connectors produces: 'test' writes about 30 findings, 'check' probes
// about 60 endpoints, and a fleet has hundreds or thousands of machines.
const (
	// MaxMachines is the most distinct hosts one report holds.
	MaxMachines = 100_000
	// MaxSummaryBytes bounds, roughly, the memory the summary holds: hosts, file names,
	// settings, ids, endpoints and the profiles machines share.
	MaxSummaryBytes = 32 << 20
	// MaxFindingsPerDocument is the most distinct finding ids one test document adds.
	MaxFindingsPerDocument = 256
	// MaxIssuersPerDocument is the most intercepting issuers one check document adds.
	MaxIssuersPerDocument = 64
	// MaxEndpointsPerDocument is the most failing endpoints one check document adds.
	MaxEndpointsPerDocument = 1024
	// MaxFindingIDs, MaxIssuers, MaxEndpoints and MaxSettings bound the distinct values of
	// the whole report.
	MaxFindingIDs = 1000
	MaxIssuers    = 1000
	MaxEndpoints  = 10_000
	MaxSettings   = 10_000
	// MaxFixes bounds the distinct remediations kept (beyond it a finding shows none).
	MaxFixes = 10_000
	// MaxMachineRows is the most machines the summary's table lists; --jsonl and --format
	// csv list them all.
	MaxMachineRows = 1000

	maxHostLength = 255 // RFC 1035 section 2.3.4: a name is at most 255 octets
	maxIDLength   = 128 // ccproxy's finding ids are camelCase words, under 40 characters
	// maxIssuerLength bounds an issuer kept: a certificate's subject is some hundred bytes.
	maxIssuerLength = 1024
)

// What leftOut counts, by kind.
const (
	leftFindings = iota
	leftIssuers
	leftEndpoints
	leftSettings
	numLeftOut
)
