package compliance

import (
	"strings"

	"ccproxy/model"
)

// Exports that supply what a source may lack, as one line each.
const (
	exportWinHTTP = `reg export "HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections" winhttp.reg`
	exportWinINet = `reg export "HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings" wininet.reg`
	checkRoute    = "ccproxy check --compare --output check.json (on the connector machine), then ccproxy test --check check.json"
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
	if why, supplyIE := c.wininetEvidence(); why != "" && !c.routeProbed(findings) {
		supply := checkRoute
		if c.st.Source.Kind == model.SourceRegFile {
			supply = supplyIE
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
		out = append(out, MissingEvidence{What: "whether the services' route is right for this network: " + why + ", and " + probe, Supply: supply})
	}
	return out
}

// wininetEvidence says why the source holds no WinINet settings that count as evidence of
// what the installer imports or the services' accounts use, and the export that supplies
// them; "" when it holds some. They count when they are complete (the Connections key with
// DefaultConnectionSettings was read: auto-detect and the saved proxy live there, the plain
// Internet Settings values are only a mirror) and are those of the current user (the source
// says so: HKEY_CURRENT_USER, or the live current user's SID), of the machine (the policy
// ProxySettingsPerUser = 0), or of a built-in account the connector services run as (SYSTEM,
// LOCAL SERVICE, NETWORK SERVICE). Another user's settings are that user's: nothing says that
// user runs the installer.
func (c *context) wininetEvidence() (why, supply string) {
	for _, a := range c.st.ServiceAccounts {
		if a.WinINet.Known && a.WinINet.ConnectionsKnown {
			return "", ""
		}
	}
	w, o := c.st.WinINet, c.st.Source.WinINetOwner
	switch {
	case !w.Known:
		return c.sourceWords() + " holds no WinINet settings (the installer's, SYSTEM's or a service account's) to judge WinHTTP against", exportWinINet
	case !countedOwner(o):
		return c.sourceWords() + " holds the WinINet settings of " + c.owner + ", not those of the current user (the installer's), SYSTEM or a connector service account, to judge WinHTTP against",
			exportWinINet + " (run by the administrator who runs the installer)"
	case !w.ConnectionsKnown:
		hive := "HKCU"
		if o.Hive != nil {
			hive = *o.Hive
		}
		return c.sourceWords() + " holds the Internet Settings key of " + c.owner + " but not its Connections key (DefaultConnectionSettings: the saved proxy, auto-detect and the PAC script), so what WinINet uses is not known",
			`reg export "` + hive + `\Software\Microsoft\Windows\CurrentVersion\Internet Settings" wininet.reg (the key with its Connections subkey)`
	}
	return "", ""
}

// countedOwner: WinINet settings whose owner the installer or the connector services stand
// for (see wininetEvidence).
func countedOwner(o model.Owner) bool {
	switch {
	case o.Scope == "machine":
		return true
	case o.Scope != "user":
		return false
	case o.Hive != nil && strings.EqualFold(*o.Hive, "HKEY_CURRENT_USER"):
		return true
	case o.SID != nil && serviceAccounts[strings.ToUpper(*o.SID)] != "":
		return true
	}
	// The reader names a user SID only when it is the live current user's (or a built-in
	// account's): --user with the current user's own SID.
	return o.SID != nil && o.User != nil
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
