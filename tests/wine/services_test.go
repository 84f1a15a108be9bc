package wine

import (
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// TestConnectorServicesFromTheServiceManager: on the live system the accounts come from the
// service control manager, and each built-in account's own Internet Options from its hive.
func TestConnectorServicesFromTheServiceManager(t *testing.T) {
	b := bed(t)
	b.Reset(t)
	for _, svc := range []struct{ name, account string }{
		{"CitrixWorkspaceCloudAgentSystem", "LocalSystem"},
		{"CitrixConfigSyncService", `NT AUTHORITY\NetworkService`},
	} {
		_, _, _ = b.Run(t, "sc", "delete", svc.name)
		b.MustRun(t, "sc", "create", svc.name, "binpath=", `C:\windows\system32\notepad.exe`, "start=", "demand", "obj=", svc.account)
		t.Cleanup(func() { _, _, _ = b.Run(t, "sc", "delete", svc.name) })
	}
	// sc.exe returns once the service manager holds the service: the next read lists it.
	live := get(t, b)
	if !gjson.GetBytes(live, "effective.connectorServices.known").Bool() {
		t.Fatalf("services unknown on the live system: %s", gjson.GetBytes(live, "effective.connectorServices").Raw)
	}
	got := map[string]string{}
	for _, s := range gjson.GetBytes(live, "effective.connectorServices.services").Array() {
		got[s.Get("name").String()] = s.Get("sid").String() + " " + s.Get("start").String()
	}
	if got["CitrixWorkspaceCloudAgentSystem"] != "S-1-5-18 manual" || got["CitrixConfigSyncService"] != "S-1-5-20 manual" {
		t.Errorf("services %v; want SYSTEM and NETWORK SERVICE, both manual", got)
	}
	// Wine has no netsh winhttp: the advanced settings are unknown, with the reason.
	if gjson.GetBytes(live, "winhttp.advanced.known").Bool() || !strings.Contains(gjson.GetBytes(live, "winhttp.advanced.reason").String(), "netsh winhttp show advproxy") {
		t.Errorf("advanced settings under Wine: %s", gjson.GetBytes(live, "winhttp.advanced").Raw)
	}
	t.Run("check --compare", func(t *testing.T) { checkCompareLive(t, b) })
}
