package model

import (
	"sort"

	"ccproxy/registry"
)

// WatchedKeys are the registry keys whose changes can change the services' route or the
// findings of 'test' on a machine with this state: WinHttpSettings in both views, the
// machine-wide WinINet keys and their policy key (ProxySettingsPerUser), the Internet
// Settings of each built-in account a connector service runs as and of the accounts the
// state names, and every key the prerequisite checks read (DisableWpad's WinHttp key among
// them). 'watch' asks Windows to tell it of changes to each, and reads nothing else.
func WatchedKeys(st *State) []string {
	seen := map[string]bool{}
	var out []string
	// One key has many spellings (SOFTWARE, Software): each is watched once.
	add := func(k string) {
		if id := registry.Key(k); !seen[id] {
			seen[id] = true
			out = append(out, k)
		}
	}
	add(WinHTTPNativeKey)
	add(WinHTTPWOW64Key)
	add(PolicyKey)
	settings, conns := WinINetKeys("HKEY_LOCAL_MACHINE")
	add(settings)
	add(conns)
	sids := []string{SIDLocalSystem, SIDLocalService, SIDNetworkService}
	if st != nil {
		for _, a := range st.ServiceAccounts {
			sids = append(sids, a.SID)
		}
	}
	for _, sid := range sids {
		s, c := WinINetKeys(`HKEY_USERS\` + sid)
		add(s)
		add(c)
	}
	var machine []string
	for _, v := range machineValues {
		machine = append(machine, v.key)
	}
	sort.Strings(machine)
	for _, k := range machine {
		add(k)
	}
	return out
}
