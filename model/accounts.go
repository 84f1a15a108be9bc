package model

import (
	"fmt"
	"strings"

	"ccproxy/registry"
)

// The built-in service accounts (Microsoft's "Well-known SIDs": S-1-5-18 Local System,
// S-1-5-19 Local Service, S-1-5-20 Network Service). Each has its own profile hive under
// HKEY_USERS, with its own Internet Options.
const (
	SIDLocalSystem    = registry.SIDLocalSystem
	SIDLocalService   = "S-1-5-19"
	SIDNetworkService = "S-1-5-20"
)

// wellKnownAccount is a built-in account with the one name the documents use for it and the
// spellings users and the service control manager give it.
type wellKnownAccount struct {
	sid, name string
	aliases   []string
}

var wellKnownAccounts = []wellKnownAccount{
	// The service control manager stores LocalSystem as "LocalSystem" (CreateService's
	// lpServiceStartName: NULL or "LocalSystem"); ".DEFAULT" is its hive's other name.
	{SIDLocalSystem, `NT AUTHORITY\SYSTEM`, []string{"system", "localsystem", ".default", `nt authority\system`, `.\localsystem`}},
	// CreateService documents "NT AUTHORITY\LocalService" and "NT AUTHORITY\NetworkService".
	{SIDLocalService, `NT AUTHORITY\LOCAL SERVICE`, []string{"localservice", "local service", `nt authority\localservice`, `nt authority\local service`}},
	{SIDNetworkService, `NT AUTHORITY\NETWORK SERVICE`, []string{"networkservice", "network service", `nt authority\networkservice`, `nt authority\network service`}},
}

// AccountName is the name the documents give a well-known SID, "" for any other.
func AccountName(sid string) string {
	for _, a := range wellKnownAccounts {
		if strings.EqualFold(a.sid, sid) {
			return a.name
		}
	}
	return ""
}

// AccountSID finds the SID of a well-known account from any of its spellings (a name, an
// alias, or the SID itself), case-insensitively.
func AccountSID(name string) (string, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, a := range wellKnownAccounts {
		if n == strings.ToLower(a.sid) || n == strings.ToLower(a.name) {
			return a.sid, true
		}
		for _, al := range a.aliases {
			if n == al {
				return a.sid, true
			}
		}
	}
	return "", false
}

// ResolveUser turns a --user value into a SID: a well-known account's name or a SID.
func ResolveUser(u string) (string, error) {
	if sid, ok := AccountSID(u); ok {
		return sid, nil
	}
	if ValidSID(strings.ToUpper(u)) {
		return strings.ToUpper(u), nil
	}
	return "", &InputError{Input: "--user", Msg: fmt.Sprintf("%s is neither an account ccproxy knows nor a SID; hint: pass current, system (S-1-5-18), localservice (S-1-5-19), networkservice (S-1-5-20) or a SID such as S-1-5-21-...-1001", jsonQuote(u))}
}
