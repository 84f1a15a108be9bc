package model

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"ccproxy/jsonin"
)

// SchemaBackup is the record apply writes before it changes anything.
const SchemaBackup = "ccproxy/backup@1"

// Backup is the ccproxy/backup@1 document: the exact type and bytes of every value an apply
// was about to touch, including the ones that did not exist. It can hold a proxy string
// with credentials, so it lives in a folder only administrators can read and is never
// printed; commands show a BackupRef instead.
type Backup struct {
	Schema          string        `json:"schema"`
	CreatedAt       time.Time     `json:"createdAt"`
	Host            *string       `json:"host"`
	Reason          string        `json:"reason" enum:"apply,restore"`
	PlanFingerprint string        `json:"planFingerprint" doc:"the fingerprint of the plan whose apply made this backup"`
	Values          []BackupValue `json:"values"`
}

// BackupValue is one registry value as it was.
type BackupValue struct {
	RegistryPath string  `json:"registryPath" doc:"the key"`
	ValueName    string  `json:"valueName"`
	Exists       bool    `json:"exists"`
	Type         *uint32 `json:"type" doc:"the registry type number (3 REG_BINARY, 4 REG_DWORD, 1 REG_SZ); null when the value did not exist"`
	TypeName     *string `json:"typeName"`
	Hex          *string `json:"hex" doc:"the exact bytes, never redacted"`
}

func newBackupValue(ref valueRef, v *RegValue) BackupValue {
	b := BackupValue{RegistryPath: ref.path, ValueName: ref.name}
	if v != nil {
		b.Exists = true
		b.Type = Ptr(v.Type)
		b.TypeName = Ptr(RegTypeName(v.Type))
		b.Hex = Ptr(hex.EncodeToString(v.Data))
	}
	return b
}

// value is the recorded value; nil when it did not exist.
func (b BackupValue) value() *RegValue {
	if !b.Exists || b.Type == nil || b.Hex == nil {
		return nil
	}
	data, _ := hex.DecodeString(*b.Hex)
	return &RegValue{Type: *b.Type, Data: data}
}

var backupSpec = jsonin.Object(
	jsonin.Key("schema", jsonin.String()),
	jsonin.Key("createdAt", jsonin.Time()),
	jsonin.Key("host", jsonin.String().Nullable()),
	jsonin.Key("reason", jsonin.Enum("apply", "restore")),
	jsonin.Key("planFingerprint", jsonin.String()),
	jsonin.Required("values", jsonin.List(jsonin.Object(
		jsonin.Required("registryPath", jsonin.String()),
		jsonin.Required("valueName", jsonin.String()),
		jsonin.Required("exists", jsonin.Bool()),
		jsonin.Key("type", jsonin.Int(0, 1<<32-1).Nullable()),
		jsonin.Key("typeName", jsonin.String().Nullable()),
		jsonin.Key("hex", jsonin.String().Nullable()),
	))),
)

// ParseBackup reads a backup written by apply and checks that every value is a proxy
// setting with its bytes complete.
func ParseBackup(name string, data []byte) (*Backup, error) {
	canonical, _, err := readDocument(name, data, backupSpec, SchemaBackup, "a backup written by 'ccproxy apply'", false)
	if err != nil {
		return nil, err
	}
	var b Backup
	if err := json.Unmarshal(canonical, &b); err != nil {
		return nil, &InputError{Input: name, Msg: "cannot read the backup: " + err.Error()}
	}
	seen := map[string]bool{}
	for i, v := range b.Values {
		place := fmt.Sprintf("$.values[%d]", i)
		ref := valueRef{v.RegistryPath, v.ValueName}
		if _, _, ok := allowedTarget(ref.path, ref.name); !ok {
			return nil, &InputError{Input: name, Place: place, Msg: fmt.Sprintf("%s is not a proxy setting ccproxy restores; the backup was edited", jsonQuote(ref.String()))}
		}
		if seen[ref.key()] {
			return nil, &InputError{Input: name, Place: place, Msg: fmt.Sprintf("%s appears twice", jsonQuote(ref.String()))}
		}
		seen[ref.key()] = true
		if !v.Exists {
			continue
		}
		if v.Type == nil || v.Hex == nil {
			return nil, &InputError{Input: name, Place: place, Msg: "exists but has no type or hex; the backup is incomplete"}
		}
		data, err := hex.DecodeString(*v.Hex)
		if err != nil {
			return nil, &InputError{Input: name, Place: place + ".hex", Msg: "not a hex string; the backup is corrupt"}
		}
		// restore validates what it writes as apply does: the type the value's name needs,
		// a type name that agrees with the type code, a blob that decodes.
		if v.TypeName != nil && *v.TypeName != RegTypeName(*v.Type) {
			return nil, &InputError{Input: name, Place: place + ".typeName", Msg: fmt.Sprintf("%s does not agree with type code %d (%s); the backup was edited", jsonQuote(*v.TypeName), *v.Type, RegTypeName(*v.Type))}
		}
		if msg := plannedValueProblem(v.ValueName, &RegValue{Type: *v.Type, Data: data}); msg != "" {
			return nil, &InputError{Input: name, Place: place, Msg: msg + "; restoring it would write a value Windows cannot use, so nothing is restored"}
		}
	}
	if len(b.Values) == 0 {
		return nil, &InputError{Input: name, Place: "$.values", Msg: "empty: nothing to restore"}
	}
	return &b, nil
}

// RestorePlan is the plan that puts back the exact bytes of a backup, deleting the values
// that did not exist. It goes through apply like any plan, so restoring makes its own backup.
//
// host is this machine's name: a backup taken on another machine is restored with a warning.
func RestorePlan(b *Backup, name string, r RegistryReader, now time.Time, host string) (*Plan, error) {
	p := &Plan{
		Schema: SchemaPlan, CreatedAt: now.UTC().Truncate(time.Second),
		Source:   PlanSource{Kind: SourceBackup, Path: Ptr(name)},
		Changes:  []Change{},
		Warnings: []Warning{},
	}
	if b.Host != nil && *b.Host != "" && host != "" && !strings.EqualFold(*b.Host, host) {
		p.Warnings = append(p.Warnings, Warning{Code: "backupFromOtherHost", Path: "$.host", Message: fmt.Sprintf("the backup was taken on %s, and this machine is %s: its values are another machine's settings", jsonQuote(*b.Host), jsonQuote(host))})
	}
	var reads []valueRef
	cur := map[string]*RegValue{}
	for _, bv := range b.Values {
		ref := valueRef{bv.RegistryPath, bv.ValueName}
		stack, view, ok := allowedTarget(ref.path, ref.name)
		if !ok {
			return nil, &InputError{Input: name, Msg: fmt.Sprintf("%s is not a proxy setting ccproxy restores", jsonQuote(ref.String()))}
		}
		v, err := r.ReadValue(ref.path, ref.name)
		if err != nil {
			return nil, err
		}
		reads = append(reads, ref)
		cur[ref.key()] = v
		want := bv.value()
		if sameValue(v, want) {
			continue
		}
		t := Target{Stack: stack, RegistryPath: ref.path, ValueName: ref.name}
		if view != "" {
			t.View = Ptr(view)
		}
		p.Changes = append(p.Changes, newChange(t, v, want, "restore from "+name))
		if stack == "wininet" && p.Source.WinINetOwner == nil {
			if hive, ok := wininetHive(CanonicalPath(ref.path)); ok {
				p.Source.WinINetOwner = ownerOfHive(hive)
			}
		}
	}
	p.Fingerprint = fingerprintOf(reads, cur)
	p.finish()
	return p, nil
}

func ownerOfHive(hive string) *Owner {
	o := &Owner{Scope: "user", Hive: Ptr(hive)}
	switch {
	case strings.EqualFold(hive, "HKEY_LOCAL_MACHINE"):
		o.Scope = "machine"
	case strings.HasPrefix(strings.ToUpper(hive), `HKEY_USERS\`):
		o.SID = Ptr(hive[len(`HKEY_USERS\`):])
	}
	return o
}

// rollback puts every backed-up value back where it differs, in the reverse of the writing
// order, then reads them all to make sure. It keeps going past a failed write so that as
// much as possible is restored.
func rollback(w RegistryWriter, b *Backup) error {
	var errs []string
	for i := len(b.Values) - 1; i >= 0; i-- {
		bv := b.Values[i]
		want := bv.value()
		if got, err := w.ReadValue(bv.RegistryPath, bv.ValueName); err == nil && sameValue(got, want) {
			continue
		}
		var err error
		if want == nil {
			err = w.DeleteValue(bv.RegistryPath, bv.ValueName)
		} else {
			err = w.SetValue(bv.RegistryPath, bv.ValueName, *want)
		}
		if err != nil {
			errs = append(errs, fmt.Sprintf("restoring %s\\%s: %v", bv.RegistryPath, bv.ValueName, err))
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	for _, bv := range b.Values {
		got, err := w.ReadValue(bv.RegistryPath, bv.ValueName)
		if err != nil {
			return fmt.Errorf("checking %s\\%s: %w", bv.RegistryPath, bv.ValueName, err)
		}
		if !sameValue(got, bv.value()) {
			return fmt.Errorf("%s\\%s still differs from the backup", bv.RegistryPath, bv.ValueName)
		}
	}
	return nil
}
