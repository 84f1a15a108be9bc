package model

import (
	"fmt"
	"strings"
)

// OutcomeVerifyFailed is an apply that --verify refused: the route the plan gives the
// services did not reach Citrix Cloud, so nothing was written.
const OutcomeVerifyFailed ApplyOutcome = "verifyFailed"

// ApplyVerify is the --verify probe of an apply: the required endpoints probed through the
// route the plan is about to give the services (the 64-bit WinHTTP settings it leaves),
// before anything is written.
type ApplyVerify struct {
	Probed bool    `json:"probed" doc:"false when the plan writes nothing, so the route does not change"`
	Reason *string `json:"reason" doc:"why it was not probed; null when it was"`
	// Route is the planned route: direct, or a proxy and its bypass list.
	Route             VerifyRoute      `json:"route"`
	OK                bool             `json:"ok" doc:"every required endpoint reached, no interception detected, routes as expected: what 'check' exits 0 for"`
	Forced            bool             `json:"forced" doc:"--force: written although the probe failed"`
	Required          int              `json:"required"`
	RequiredReachable int              `json:"requiredReachable"`
	Interception      string           `json:"interception" enum:"none,suspected,detected,unknown"`
	IPLiteral         string           `json:"ipLiteral" enum:"pass,fail,notChecked" doc:"R8: CONNECT to an IP address through the planned proxy"`
	Failing           []VerifyEndpoint `json:"failing" doc:"the required endpoints the planned route did not reach"`
	DurationMs        float64          `json:"durationMs"`
}

// VerifyRoute is the route a plan leaves the services.
type VerifyRoute struct {
	Direct bool    `json:"direct"`
	Proxy  *string `json:"proxy" doc:"the planned proxy string (credentials as ***), null for direct"`
	Bypass *string `json:"bypass" doc:"the planned bypass list, null when none"`
}

// VerifyEndpoint is one endpoint the planned route failed.
type VerifyEndpoint struct {
	Host    string  `json:"host"`
	Port    int     `json:"port"`
	Failure *string `json:"failure" enum:"dnsFailure,tcpRefused,timeout,proxyAuthRequired,proxyDenied,tlsHandshakeFailed,tlsInterception,certificateInvalid,httpError"`
	Message *string `json:"message"`
}

// NotProbed is the verify record of a plan that changes nothing.
func NotProbed(reason string) *ApplyVerify {
	return &ApplyVerify{Reason: Ptr(reason), Failing: []VerifyEndpoint{}, Interception: "unknown", IPLiteral: "notChecked"}
}

// VerifyError refuses a plan whose route does not reach Citrix Cloud: exit 1, the
// endpoints named, nothing written.
type VerifyError struct{ V *ApplyVerify }

func (e *VerifyError) Error() string {
	return e.V.Summary() + "; nothing was written; hint: fix the proxy or the plan and try it with 'ccproxy check --proxy', or pass --force to write it anyway"
}

// Summary says in one line where the planned route fails.
func (v *ApplyVerify) Summary() string {
	e := struct{ V *ApplyVerify }{v}
	route := "direct access"
	if e.V.Route.Proxy != nil {
		route = "proxy " + *e.V.Route.Proxy
	}
	var names []string
	for i, f := range e.V.Failing {
		if i == 5 {
			names = append(names, fmt.Sprintf("and %d more", len(e.V.Failing)-5))
			break
		}
		n := fmt.Sprintf("%s:%d", f.Host, f.Port)
		if f.Failure != nil {
			n += " (" + *f.Failure + ")"
		}
		names = append(names, n)
	}
	msg := fmt.Sprintf("--verify: the planned route (%s) reaches %d of %d required endpoints", route, e.V.RequiredReachable, e.V.Required)
	if len(names) > 0 {
		msg += ": fails " + strings.Join(names, ", ")
	}
	if e.V.Interception == "detected" {
		msg += "; TLS interception detected"
	}
	if e.V.IPLiteral == "fail" {
		msg += "; the proxy refuses CONNECT to an IP address (R8)"
	}
	return RedactCredentials(msg)
}

// ExitCode: the apply ran and found unreachable endpoints.
func (e *VerifyError) ExitCode() int { return ExitFound }
