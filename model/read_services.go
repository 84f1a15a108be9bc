package model

import (
	"fmt"
	"sort"
	"strings"
)

// ServicesKey is where the service control manager keeps each service's configuration
// (ObjectName: the account; Start: the start type). An offline hive names the control set
// ControlSet001 where a live export says CurrentControlSet.
var servicesKeys = []string{
	`HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services`,
	`HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services`,
}

// ServiceConfig is what the service control manager says of one service.
type ServiceConfig struct {
	Name    string
	Account string // ObjectName, e.g. LocalSystem, NT AUTHORITY\NetworkService
	Start   uint32 // SERVICE_BOOT_START 0 ... SERVICE_DISABLED 4
}

// startTypes names the Start values (CreateService's dwStartType).
var startTypes = []string{"boot", "system", "automatic", "manual", "disabled"}

// StartType is the Start value of a start type's name.
func StartType(name string) (uint32, bool) {
	for i, n := range startTypes {
		if n == name {
			return uint32(i), true
		}
	}
	return 0, false
}

// services finds the connector's services and the accounts they run as.
func (b *stateBuilder) services() error {
	d := &b.st.Effective.ConnectorServices
	d.Services = []ServiceDoc{}
	var cfgs []ServiceConfig
	var err error
	if b.o.Services != nil {
		cfgs, err = b.o.Services()
		if err != nil {
			// The service control manager refused: say so, and do not guess.
			d.Reason = Ptr("the service control manager could not be asked: " + err.Error())
			return nil
		}
		d.Known = true
	} else {
		cfgs, d.Known, err = b.servicesFromRegistry()
		if err != nil {
			return err
		}
		if !d.Known {
			d.Reason = Ptr(fmt.Sprintf("the source holds no %s key, so the accounts the connector's services run as are unknown; export that key (reg export HKLM\\SYSTEM\\CurrentControlSet\\Services\\CitrixWorkspaceCloudAgentSystem) to include them", servicesKeys[0]))
			return nil
		}
	}
	sort.Slice(cfgs, func(i, j int) bool { return strings.ToLower(cfgs[i].Name) < strings.ToLower(cfgs[j].Name) })
	for _, c := range cfgs {
		s := ServiceDoc{Name: c.Name, Account: Ptr(c.Account)}
		if int(c.Start) < len(startTypes) {
			s.Start = Ptr(startTypes[c.Start])
		}
		if sid, ok := AccountSID(c.Account); ok {
			s.SID = Ptr(sid)
			if err := b.accountWinINet(sid); err != nil {
				return err
			}
		}
		d.Services = append(d.Services, s)
	}
	if len(d.Services) == 0 {
		d.Reason = Ptr("no Cloud Connector service is installed")
	}
	return nil
}

// IsConnectorService: the names the connector's builds use (reference list), and any other
// service whose name starts with Citrix.
func IsConnectorService(name string) bool {
	for _, n := range ConnectorServices {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return len(name) >= 6 && strings.EqualFold(name[:6], "Citrix")
}

func (b *stateBuilder) servicesFromRegistry() ([]ServiceConfig, bool, error) {
	l, ok := b.r.(RegistryLister)
	if !ok {
		return nil, false, nil
	}
	for _, key := range servicesKeys {
		names, err := l.SubKeys(key)
		if err != nil {
			return nil, false, err
		}
		known, err := b.known(key)
		if err != nil {
			return nil, false, err
		}
		var out []ServiceConfig
		for _, n := range names {
			if !IsConnectorService(n) {
				continue
			}
			sk := key + `\` + n
			if k, err := b.known(sk); err != nil || !k {
				continue
			}
			known = true
			c := ServiceConfig{Name: n, Account: "LocalSystem", Start: 3}
			// CreateService: a NULL account name means LocalSystem.
			if v, err := b.r.ReadValue(sk, "ObjectName"); err != nil {
				return nil, false, err
			} else if s, ok := DecodeRegString(v); ok && s != "" {
				c.Account = s
			}
			if v, err := b.r.ReadValue(sk, "Start"); err != nil {
				return nil, false, err
			} else if n, ok := DecodeDWORD(v); ok {
				c.Start = n
			}
			out = append(out, c)
		}
		if known {
			return out, true, nil
		}
	}
	return nil, false, nil
}

// accountWinINet reads a service account's own WinINet settings once.
func (b *stateBuilder) accountWinINet(sid string) error {
	for _, a := range b.st.ServiceAccounts {
		if a.SID == sid {
			return nil
		}
	}
	w, err := b.readWinINet(`HKEY_USERS\`+sid, "user")
	if err != nil {
		return err
	}
	b.st.ServiceAccounts = append(b.st.ServiceAccounts, AccountWinINet{SID: sid, Account: AccountName(sid), WinINet: w})
	return nil
}

// connectorServices says, per service, what it reaches the Internet with: the default
// WinHTTP configuration (WINHTTP_ACCESS_TYPE_DEFAULT_PROXY reads only WinHttpSettings), and
// its account's own Internet Options, which programs that ask WinHTTP for the automatic
// proxy (WINHTTP_ACCESS_TYPE_AUTOMATIC_PROXY, WinHttpOpen's documentation) and .NET
// Framework programs without a <defaultProxy> of their own follow instead.
func (b *stateBuilder) connectorServices() {
	d := &b.st.Effective.ConnectorServices
	for i := range d.Services {
		s := &d.Services[i]
		s.WinHTTP = b.st.Effective.Services
		s.WinINet = EffectiveStack{Stack: "wininet", Detail: "the WinINet settings of " + Deref(s.Account) + ": the account's SID is not a built-in one, so its profile cannot be found in the source"}
		if s.SID != nil {
			for _, a := range b.st.ServiceAccounts {
				if a.SID == *s.SID {
					detail := "the WinINet settings of " + accountText(a.SID) + " (HKEY_USERS\\" + a.SID + ")"
					if !a.WinINet.Known {
						detail += ": not in the source"
					}
					s.WinINet = installerStack(a.WinINet, detail)
				}
			}
		}
		s.SameRoute = sameRoute(s.WinHTTP, s.WinINet)
	}
}
