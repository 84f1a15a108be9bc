package model

import (
	"encoding/json"
	"time"

	"ccproxy/jsonin"
)

// SchemaCheck is the kind of the document 'ccproxy check' writes (probe.SchemaCheck; the
// domain may not import probe; TestCheckSchemaNames keeps the two equal).
const SchemaCheck = "ccproxy/check@1"

// CheckRun is what 'test --check' reads of a check document: whose route was probed, and,
// from a --compare run, which routes reached everything.
type CheckRun struct {
	Name   string `json:"-"`
	Source struct {
		Host *string `json:"host"`
	} `json:"source"`
	StartedAt time.Time `json:"startedAt"`
	// Region is the Citrix Cloud region whose endpoints the check probed; read as it is.
	Region  json.RawMessage `json:"region"`
	Routing struct {
		Source string  `json:"source"`
		Proxy  *string `json:"proxy"`
		Bypass *string `json:"bypass"`
	} `json:"routing"`
	OK bool `json:"ok"`
	// AllRoutesAsExpected and Interception are read as they are and judged by CheckOKHolds:
	// ok must agree with them, as check computes it.
	AllRoutesAsExpected json.RawMessage `json:"allRoutesAsExpected"`
	Interception        json.RawMessage `json:"interception"`
	Counts              struct {
		Required       int `json:"required"`
		RequiredPassed int `json:"requiredPassed"`
	} `json:"counts"`
	Compare *struct {
		Working []string `json:"working"`
		Fix     *string  `json:"fix"`
		Message string   `json:"message"`
		// Routes are read as they are: CompareFix takes the fix only when it is the command
		// ccproxy writes for one of them.
		Routes json.RawMessage `json:"routes"`
	} `json:"compare"`
	// Endpoints are the probed endpoints, read for recounting: a document whose ok flag or
	// counts disagree with its own results is not evidence (test recounts them).
	Endpoints []CheckEndpoint `json:"endpoints"`
}

// CheckEndpoint is what test reads of one probed endpoint.
type CheckEndpoint struct {
	Host     string `json:"host"`
	Required bool   `json:"required"`
	Status   string `json:"status"`
}

// checkDocSpec reads the keys test uses and accepts the rest of a check document as it is;
// every key a check document has is named, so a key of another document is refused.
var checkDocSpec = jsonin.Object(
	jsonin.Required("schema", jsonin.String()),
	jsonin.Key("source", jsonin.Object(jsonin.Key("host", jsonin.String().Nullable()))),
	jsonin.Key("region", jsonin.Any()),
	jsonin.Key("customerId", jsonin.Any()),
	jsonin.Key("catalog", jsonin.Any()),
	jsonin.Required("routing", jsonin.Object(
		jsonin.Required("source", jsonin.Enum("winhttp", "proxyFlag", "direct")),
		jsonin.Key("stateSource", jsonin.String().Nullable()),
		jsonin.Key("proxy", jsonin.String().Nullable()),
		jsonin.Key("bypass", jsonin.String().Nullable()),
		jsonin.Key("notes", jsonin.Any()),
	)),
	jsonin.Key("limits", jsonin.Any()),
	jsonin.Required("startedAt", jsonin.Time()),
	jsonin.Key("durationMs", jsonin.Any()),
	jsonin.Key("deadlineReached", jsonin.Any()),
	jsonin.Required("ok", jsonin.Bool()),
	jsonin.Key("allRequiredReachable", jsonin.Any()),
	jsonin.Key("allRoutesAsExpected", jsonin.Any()),
	jsonin.Required("counts", jsonin.Object(
		jsonin.Key("total", jsonin.Any()), jsonin.Key("passed", jsonin.Any()), jsonin.Key("failed", jsonin.Any()),
		jsonin.Key("notChecked", jsonin.Any()), jsonin.Required("required", jsonin.Int(0, 1<<20)),
		jsonin.Required("requiredPassed", jsonin.Int(0, 1<<20)), jsonin.Key("intercepted", jsonin.Any()), jsonin.Key("misrouted", jsonin.Any()),
	)),
	jsonin.Key("interception", jsonin.Any()),
	jsonin.Key("ipLiteral", jsonin.Any()),
	jsonin.Key("clock", jsonin.Any()),
	jsonin.Key("endpoints", jsonin.Any()),
	jsonin.Key("compare", jsonin.Object(
		jsonin.Key("candidates", jsonin.Any()),
		jsonin.Key("routes", jsonin.Any()),
		jsonin.Required("working", jsonin.List(jsonin.String())),
		jsonin.Key("message", jsonin.String()),
		jsonin.Key("fix", jsonin.String().Nullable()),
	).Nullable()),
)

// ParseCheckDocument reads a check document through the one JSON reader.
func ParseCheckDocument(name string, data []byte) (*CheckRun, []string, error) {
	canonical, warnings, err := readDocument(name, data, checkDocSpec, SchemaCheck, "a check written by 'ccproxy check'", false)
	if err != nil {
		return nil, warnings, err
	}
	var c CheckRun
	if err := json.Unmarshal(canonical, &c); err != nil {
		return nil, warnings, &InputError{Input: name, Msg: "cannot read the check: " + err.Error()}
	}
	c.Name = name
	return &c, warnings, nil
}

// CheckOKContradiction says why a check document's ok flag claims more than the document's
// own results, or "" when it does not: check sets ok only when every route went as expected
// and no TLS interception was detected (probe.go), as the fleet report also requires.
func (c *CheckRun) CheckOKContradiction() string {
	if !c.OK {
		return ""
	}
	var routes *bool
	if json.Unmarshal(c.AllRoutesAsExpected, &routes) == nil && routes != nil && !*routes {
		return "it says ok, but allRoutesAsExpected is false"
	}
	var in struct {
		Verdict string `json:"verdict"`
	}
	if json.Unmarshal(c.Interception, &in) == nil && in.Verdict == "detected" {
		return "it says ok, but its interception verdict is detected"
	}
	return ""
}

// CompareFix is the fix a --compare run offers, only when it is the command ccproxy writes
// for one of the document's working routes ('ccproxy plan --proxy ... [--bypass ...]' or
// 'ccproxy plan --direct'): a document is input, and its fix is shown as the next command to
// run, so any other text in it is never passed on.
func (c *CheckRun) CompareFix() *string {
	if c.Compare == nil || c.Compare.Fix == nil {
		return nil
	}
	var routes []struct {
		Candidates []string `json:"candidates"`
		Proxy      *string  `json:"proxy"`
		Bypass     *string  `json:"bypass"`
	}
	if json.Unmarshal(c.Compare.Routes, &routes) != nil {
		return nil
	}
	working := map[string]bool{}
	for _, w := range c.Compare.Working {
		working[w] = true
	}
	for _, r := range routes {
		works := false
		for _, cd := range r.Candidates {
			works = works || working[cd]
		}
		if !works {
			continue
		}
		if want := RedactCredentials(PlanCommand(PlanSetArgs(Deref(r.Proxy), Deref(r.Bypass))...)); want == *c.Compare.Fix {
			return &want
		}
	}
	return nil
}

// RegionName is the region the check probed, "" when the document does not say.
func (c *CheckRun) RegionName() string {
	var r string
	if json.Unmarshal(c.Region, &r) != nil {
		return ""
	}
	return r
}
