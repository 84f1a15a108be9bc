package model

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// add records a change; before is the current value, after the value to write (nil: delete).
func (b *planBuilder) add(t Target, before, after *RegValue, reason string) {
	b.plan.Changes = append(b.plan.Changes, newChange(t, before, after, reason))
}

func newChange(t Target, before, after *RegValue, reason string) Change {
	c := Change{Target: t, Reason: RedactCredentials(reason), Before: NewValueDoc(t.ValueName, before), After: NewValueDoc(t.ValueName, after)}
	switch {
	case after == nil:
		c.Action = ActionDelete
	case before == nil:
		c.Action = ActionCreate
	default:
		c.Action = ActionUpdate
	}
	if after != nil {
		c.after = &RegValue{Type: after.Type, Data: append([]byte{}, after.Data...)}
	}
	return c
}

// finish orders the changes the way apply writes them and fills in the summary fields.
func (p *Plan) finish() {
	sort.SliceStable(p.Changes, func(i, j int) bool { return writeRank(p.Changes[i].Target) < writeRank(p.Changes[j].Target) })
	p.Empty = len(p.Changes) == 0
	p.RequiresElevation = false
	p.RestartRequired = Restart{Services: []string{}}
	for _, c := range p.Changes {
		root, _, _ := strings.Cut(CanonicalPath(c.Target.RegistryPath), `\`)
		if root == "HKEY_LOCAL_MACHINE" || root == "HKEY_USERS" {
			p.RequiresElevation = true
		}
		if c.Target.Stack == "winhttp" && !p.RestartRequired.Required {
			p.RestartRequired = Restart{Required: true, Services: append([]string{}, ConnectorServices...),
				Reason: Ptr("the Cloud Connector services read the WinHTTP settings only when they start: restart the machine (R5), or at least the Citrix services")}
		}
	}
}

// writeRank is the safe writing order. WinHTTP goes first: its readers (services) only look
// at it when they start, so nobody sees a half-done change before the restart, while WinINet
// programs read their settings live. Within each stack the value programs actually use is
// written last, so that a run that dies midway (where no rollback can run) most likely
// leaves the value in use on its old, consistent setting, with the backup on disk: the
// 32-bit WinHTTP view before the native one the connector's 64-bit services use, and the
// plain WinINet values before DefaultConnectionSettings, which WinINet reads.
func writeRank(t Target) int {
	switch {
	case t.Stack == "winhttp" && t.View != nil && *t.View == ViewWOW64:
		return 0
	case t.Stack == "winhttp":
		return 1
	case !strings.EqualFold(t.ValueName, DefaultConnValue):
		return 2 + indexFold(wininetPlainValues, t.ValueName)
	}
	return 10
}

func indexFold(list []string, s string) int {
	for i, v := range list {
		if strings.EqualFold(v, s) {
			return i
		}
	}
	return len(list)
}

// NewValueDoc describes a value for people: decoded and as hex, with credentials hidden.
func NewValueDoc(name string, v *RegValue) ValueDoc {
	if v == nil {
		return ValueDoc{}
	}
	d := ValueDoc{Exists: true, Type: Ptr(RegTypeName(v.Type)), Hex: Ptr(hex.EncodeToString(v.Data))}
	isBlob := strings.EqualFold(name, WinHTTPValue) || strings.EqualFold(name, DefaultConnValue) || strings.EqualFold(name, SavedLegacyValue)
	switch {
	case isBlob && v.Type == RegBinary:
		c, err := blobDecoder(name)(v.Data)
		if err != nil {
			d.Text = Ptr("cannot be decoded: " + err.Error())
			if bytes.Contains(v.Data, []byte("@")) {
				d.Hex, d.Redacted = nil, true
				d.Text = Ptr("cannot be decoded (" + err.Error() + "); not shown because it may hold credentials")
			}
			return d
		}
		d.Blob = blobDoc(name, c, v.Data)
		d.Hex, d.Redacted = Ptr(d.Blob.Hex), d.Blob.Redacted
		d.Text = Ptr(blobText(c))
	case v.Type == RegDWORD:
		if n, ok := DecodeDWORD(v); ok {
			d.Text = Ptr(strconv.FormatUint(uint64(n), 10))
		}
	case v.Type == RegSZ || v.Type == RegExpandSZ:
		s, _ := DecodeRegString(v)
		if r := RedactRegString(name, s); r != s || strings.Contains(s, "@") {
			enc := EncodeRegString(r)
			enc.Type = v.Type
			d.Hex, d.Redacted = Ptr(hex.EncodeToString(enc.Data)), r != s
			s = r
		}
		d.Text = Ptr(jsonQuote(s))
	default:
		if bytes.Contains(v.Data, []byte("@")) {
			d.Hex, d.Redacted = nil, true
			d.Text = Ptr("not shown because it may hold credentials")
		}
	}
	return d
}

// quoteRedacted quotes a string already redacted by its slot's grammar, as jsonQuote does
// but without jsonQuote's one-value rule, which would hide a list up to its last '@'.
func quoteRedacted(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// blobText is a blob in one line of words.
func blobText(c *ConnBlob) string {
	var flags []string
	for _, f := range []struct {
		bit  uint32
		name string
	}{{FlagDirect, "direct"}, {FlagProxy, "proxy"}, {FlagAutoProxyURL, "autoConfig"}, {FlagAutoDetect, "autoDetect"}} {
		if c.Flags&f.bit != 0 {
			flags = append(flags, f.name)
		}
	}
	// Each string is redacted by the grammar of its slot here: the free-text rule the
	// document writer applies afterwards would take "http=u:pw@p:8080" or "<local>;u:pw@x"
	// for one word and hide the scheme= and the entries before it with the secret.
	s := fmt.Sprintf("version 0x%x, counter %d, flags 0x%x (%s), proxy %s, bypass %s", c.Version, c.Counter, c.Flags, strings.Join(flags, ", "),
		quoteRedacted(RedactProxyList(c.Proxy)), quoteRedacted(RedactProxyList(c.Bypass)))
	if c.WinINet {
		s += ", autoConfigUrl " + quoteRedacted(RedactURL(c.AutoConfigURL))
	}
	return s
}

// regTypeCode reverses RegTypeName.
func regTypeCode(name string) (uint32, bool) {
	for _, t := range []uint32{RegNone, RegSZ, RegExpandSZ, RegBinary, RegDWORD, RegMultiSZ, RegQWORD} {
		if RegTypeName(t) == name {
			return t, true
		}
	}
	if n, ok := strings.CutPrefix(name, "type "); ok {
		if v, err := strconv.ParseUint(n, 10, 32); err == nil {
			return uint32(v), true
		}
	}
	return 0, false
}

// allowedTarget says which stack and view a registry value belongs to, and refuses any
// value that is not one of the proxy settings: a plan or backup is input, and apply runs
// elevated, so it must not be a way to write arbitrary registry values.
func allowedTarget(path, name string) (stack, view string, ok bool) {
	p := CanonicalPath(path)
	if strings.EqualFold(name, WinHTTPValue) {
		switch {
		case strings.EqualFold(p, WinHTTPNativeKey):
			return "winhttp", ViewNative, true
		case strings.EqualFold(p, WinHTTPWOW64Key):
			return "winhttp", ViewWOW64, true
		}
		return "", "", false
	}
	hive, ok := wininetHive(p)
	if !ok {
		return "", "", false
	}
	settings, conns := WinINetKeys(hive)
	switch {
	case strings.EqualFold(p, conns) && strings.EqualFold(name, DefaultConnValue):
		return "wininet", "", true
	case strings.EqualFold(p, settings) && indexFold(wininetPlainValues, name) < len(wininetPlainValues):
		return "wininet", "", true
	}
	return "", "", false
}

// wininetHive finds the hive of a WinINet key: HKCU, HKLM or HKEY_USERS\<SID>.
func wininetHive(p string) (string, bool) {
	i := strings.Index(strings.ToLower(p), `\`+strings.ToLower(InternetSettings))
	if i < 0 {
		return "", false
	}
	hive := p[:i]
	switch {
	case strings.EqualFold(hive, "HKEY_CURRENT_USER"), strings.EqualFold(hive, "HKEY_LOCAL_MACHINE"):
		return hive, true
	case len(hive) > len(`HKEY_USERS\`) && strings.EqualFold(hive[:len(`HKEY_USERS\`)], `HKEY_USERS\`) && ValidSID(hive[len(`HKEY_USERS\`):]):
		return hive, true
	}
	return "", false
}
