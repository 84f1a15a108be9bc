package model

import (
	"strings"
	"testing"

	"ccproxy/registry"
)

func TestWatchedKeys(t *testing.T) {
	keys := WatchedKeys(nil)
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[registry.Key(k)] {
			t.Errorf("%s watched twice", k)
		}
		seen[registry.Key(k)] = true
	}
	for _, want := range []string{WinHTTPNativeKey, WinHTTPWOW64Key, PolicyKey, keyWinHTTPSettings, keyAutoProxySvc,
		`HKEY_USERS\S-1-5-18\` + InternetSettings + `\Connections`, `HKEY_USERS\S-1-5-20\` + InternetSettings} {
		if !seen[registry.Key(want)] {
			t.Errorf("does not watch %s", want)
		}
	}
	// Every key a prerequisite check reads is watched.
	for _, v := range machineValues {
		if !seen[registry.Key(v.key)] {
			t.Errorf("does not watch %s (%s)", v.key, v.id)
		}
	}
	st := &State{ServiceAccounts: []AccountWinINet{{SID: "S-1-5-21-1-2-3-500"}}}
	if !strings.Contains(strings.Join(WatchedKeys(st), "\n"), `HKEY_USERS\S-1-5-21-1-2-3-500\`) {
		t.Error("the state's accounts are not watched")
	}
}
