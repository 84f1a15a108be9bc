package compliance

import "ccproxy/model"

// Exports that supply what a source may lack, as one line each.
const (
	exportWinHTTP = `reg export "HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections" winhttp.reg`
	exportWinINet = `reg export "HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings" wininet.reg`
	checkRoute    = "ccproxy check --compare --output check.json (on the connector machine), then pass it with --check check.json"
)

// missingEvidence lists what the verdict needs and the source lacks. A verdict of compliant
// needs to know what the services use (WinHTTP, 64-bit view) and whether that is right for
// this network: either the installer's WinINet settings (the current user's, SYSTEM's or a
// connector service account's), against which the import checks judge WinHTTP, or a check
// document that probed the services' route itself.
func (c *context) missingEvidence(findings []Finding) []MissingEvidence {
	out := []MissingEvidence{}
	if !c.st.WinHTTP.Native.Known {
		supply := "ccproxy test on the connector machine, or ccproxy get --output state.json there and --from state.json here"
		if c.st.Source.Kind == model.SourceRegFile {
			supply = exportWinHTTP
		}
		out = append(out, MissingEvidence{What: "the services' WinHTTP settings (WinHttpSettings, 64-bit view): " + c.sourceWords() + " does not hold them", Supply: supply})
	}
	if !c.wininetKnown() && !c.routeProbed(findings) {
		supply := checkRoute
		if c.st.Source.Kind == model.SourceRegFile {
			supply = exportWinINet
		}
		probe := "no check document probed the route"
		if c.o.Check != nil {
			// The check given is not evidence: say why (its finding's message), so that the
			// document is not taken as one that was read and trusted.
			supply = checkRoute
			for _, f := range findings {
				if f.Check == CheckServicesRouteReaches {
					probe = "the check document given is not evidence of it: " + f.Message
				}
			}
		}
		out = append(out, MissingEvidence{What: "whether the services' route is right for this network: " + c.sourceWords() + " holds no WinINet settings (the installer's, SYSTEM's or a service account's) to judge WinHTTP against, and " + probe, Supply: supply})
	}
	return out
}

// wininetKnown: some WinINet settings are in the source, its owner's or a connector
// service account's.
func (c *context) wininetKnown() bool {
	if c.st.WinINet.Known {
		return true
	}
	for _, a := range c.st.ServiceAccounts {
		if a.WinINet.Known {
			return true
		}
	}
	return false
}

// routeProbed: a check document of this very route was judged (pass or fail).
func (c *context) routeProbed(findings []Finding) bool {
	for _, f := range findings {
		if f.Check == CheckServicesRouteReaches && (f.Status == StatusPass || f.Status == StatusFail) {
			return true
		}
	}
	return false
}
