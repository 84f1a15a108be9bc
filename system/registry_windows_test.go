//go:build windows

package system

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// These tests change the registry of the machine they run on, under keys of their own.
// They run under Wine from tests/wine (which builds this package's test binary) and on
// any Windows machine.

func liveTestKey(t *testing.T, root string) string {
	t.Helper()
	p := fmt.Sprintf(`%s\Software\ccproxy-live-test-%d-%s`, root, os.Getpid(), t.Name())
	t.Cleanup(func() { liveDeleteTree(t, p) })
	return p
}

// liveDeleteTree removes a test key in every view it may have been created in.
func liveDeleteTree(t *testing.T, p string) {
	lp, err := splitLivePath(p)
	if err != nil {
		t.Fatal(err)
	}
	var rec func(parent registry.Key, sub string, access uint32)
	rec = func(parent registry.Key, sub string, access uint32) {
		k, err := registry.OpenKey(parent, sub, registry.ENUMERATE_SUB_KEYS|access)
		if err != nil {
			return
		}
		names, _ := k.ReadSubKeyNames(0)
		for _, n := range names {
			rec(k, n, access)
		}
		k.Close()
		registry.DeleteKey(parent, sub)
	}
	rec(liveRootKey(lp.root), lp.sub, liveViewAccess(lp.view))
}

func openLiveWriter(t *testing.T) *liveStore {
	t.Helper()
	w, err := OpenLive(LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return w.(*liveStore)
}

func TestLiveRoundTripKeepsTypeAndBytes(t *testing.T) {
	s := openLiveWriter(t)
	key := liveTestKey(t, HKCU) + `\Connections`
	values := []struct {
		name string
		v    Value
	}{
		{"WinHttpSettings", Value{Type: RegBinary, Data: []byte{0x28, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 'a', ':', '4', '2', 0, 0, 0, 0}}},
		{"ProxyServer", Value{Type: RegSZ, Data: []byte{'p', 0, ':', 0, '1', 0, 0, 0}}},
		{"ProxyEnable", Value{Type: RegDWORD, Data: []byte{1, 0, 0, 0}}},
		{"Counter", Value{Type: RegQWORD, Data: []byte{1, 2, 3, 4, 5, 6, 7, 8}}},
		{"List", Value{Type: RegMultiSZ, Data: []byte{'a', 0, 0, 0, 'b', 0, 0, 0, 0, 0}}},
		{"Empty", Value{Type: RegBinary, Data: []byte{}}},
		{"NoneType", Value{Type: RegNone, Data: []byte{0xde, 0xad}}},
		// A DWORD whose bytes are too short: a backup of a damaged value must come back damaged,
		// not "repaired".
		{"ShortDword", Value{Type: RegDWORD, Data: []byte{7, 0}}},
		{"", Value{Type: RegSZ, Data: []byte{'d', 0, 0, 0}}},
	}
	for _, tc := range values {
		if err := s.SetValue(key, tc.name, tc.v); err != nil {
			t.Fatalf("SetValue(%q): %v", tc.name, err)
		}
	}
	for _, tc := range values {
		got, err := s.ReadValue(key, tc.name)
		if err != nil {
			t.Fatalf("ReadValue(%q): %v", tc.name, err)
		}
		if got == nil {
			t.Fatalf("ReadValue(%q) = nil after SetValue", tc.name)
		}
		if got.Type != tc.v.Type || !bytes.Equal(got.Data, tc.v.Data) {
			t.Errorf("ReadValue(%q) = type %d % x; want type %d % x", tc.name, got.Type, got.Data, tc.v.Type, tc.v.Data)
		}
	}
	// Value names are case-insensitive in the registry; the store must not pretend otherwise.
	if got, err := s.ReadValue(strings.ToLower(key), "winhttpsettings"); err != nil || got == nil {
		t.Errorf("ReadValue with other case = %v, %v; want the value", got, err)
	}
}

func TestLiveMissingIsNotAnError(t *testing.T) {
	s := openLiveWriter(t)
	key := liveTestKey(t, HKCU)
	if v, err := s.ReadValue(key+`\Nope`, "X"); v != nil || err != nil {
		t.Errorf("ReadValue on missing key = %v, %v; want nil, nil", v, err)
	}
	if ki, err := s.Key(key + `\Nope`); ki.Exists || err != nil {
		t.Errorf("Key on missing key = %+v, %v; want Exists=false, nil", ki, err)
	}
	if names, err := s.SubKeys(key + `\Nope`); len(names) != 0 || err != nil {
		t.Errorf("SubKeys on missing key = %v, %v; want none", names, err)
	}
	if err := s.DeleteValue(key+`\Nope`, "X"); err != nil {
		t.Errorf("DeleteValue on missing key: %v", err)
	}
	if err := s.SetValue(key, "Y", Value{Type: RegDWORD, Data: []byte{0, 0, 0, 0}}); err != nil {
		t.Fatal(err)
	}
	if v, err := s.ReadValue(key, "X"); v != nil || err != nil {
		t.Errorf("ReadValue of missing value = %v, %v; want nil, nil", v, err)
	}
	if err := s.DeleteValue(key, "X"); err != nil {
		t.Errorf("DeleteValue of missing value: %v", err)
	}
	if err := s.DeleteValue(key, "Y"); err != nil {
		t.Fatal(err)
	}
	if v, err := s.ReadValue(key, "Y"); v != nil || err != nil {
		t.Errorf("ReadValue after DeleteValue = %v, %v; want nil, nil", v, err)
	}
}

func TestLiveKeyTimeAndSubKeys(t *testing.T) {
	s := openLiveWriter(t)
	key := liveTestKey(t, HKCU)
	before := time.Now().Add(-2 * time.Minute)
	for _, sub := range []string{"b", "A", "c"} {
		if err := s.SetValue(key+`\`+sub, "V", Value{Type: RegDWORD, Data: []byte{1, 0, 0, 0}}); err != nil {
			t.Fatal(err)
		}
	}
	ki, err := s.Key(key + `\A`)
	if err != nil || !ki.Exists {
		t.Fatalf("Key = %+v, %v; want an existing key", ki, err)
	}
	if ki.LastWrite == nil {
		t.Fatal("Key.LastWrite = nil; the live registry knows it")
	}
	if ki.LastWrite.Location() != time.UTC || ki.LastWrite.Before(before) || ki.LastWrite.After(time.Now().Add(2*time.Minute)) {
		t.Errorf("Key.LastWrite = %v; want about now, in UTC", ki.LastWrite)
	}
	names, err := s.SubKeys(key)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names, ","); got != "A,b,c" {
		t.Errorf("SubKeys = %s; want A,b,c", got)
	}
	users, err := s.SubKeys(HKU)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) == 0 {
		t.Error("SubKeys(HKEY_USERS) is empty; the current user's hive at least is loaded")
	}
}

func TestLiveViews(t *testing.T) {
	s := openLiveWriter(t)
	name := fmt.Sprintf("ccproxy-live-test-%d", os.Getpid())
	k64 := `HKEY_LOCAL_MACHINE\SOFTWARE\` + name
	k32 := `HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\` + name
	t.Cleanup(func() { liveDeleteTree(t, k64); liveDeleteTree(t, k32) })

	err := s.SetValue(k64, "V", Value{Type: RegDWORD, Data: []byte{64, 0, 0, 0}})
	if errors.Is(err, ErrAccessDenied) {
		// Not elevated: the refusal itself is what must be right.
		var env *EnvError
		if !errors.As(err, &env) || env.ExitCode() != 3 || !strings.Contains(err.Error(), k64) || !strings.Contains(err.Error(), "elevated") {
			t.Fatalf("access denied error = %v; want an EnvError naming the key, with a hint", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetValue(k32, "V", Value{Type: RegDWORD, Data: []byte{32, 0, 0, 0}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want byte
	}{{k64, 64}, {k32, 32}} {
		v, err := s.ReadValue(tc.path, "V")
		if err != nil || v == nil || v.Data[0] != tc.want {
			t.Errorf("ReadValue(%s) = %v, %v; want %d", tc.path, v, err, tc.want)
		}
	}
	// The 32-bit view must really be the WOW6432Node key as 32-bit programs see it.
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SOFTWARE\`+name, registry.QUERY_VALUE|registry.WOW64_32KEY)
	if err != nil {
		t.Fatalf("32-bit view has no %s: %v", name, err)
	}
	defer k.Close()
	if n, _, err := k.GetIntegerValue("V"); err != nil || n != 32 {
		t.Errorf("32-bit view V = %d, %v; want 32", n, err)
	}
}

// TestLiveAccessDenied locks a key of its own (an owner may always change the DACL back)
// and checks the refusal the way commands see it: exit code 3, the key named, a hint.
func TestLiveAccessDenied(t *testing.T) {
	s := openLiveWriter(t)
	key := liveTestKey(t, HKCU) + `\Locked`
	if err := s.SetValue(key, "V", Value{Type: RegDWORD, Data: []byte{1, 0, 0, 0}}); err != nil {
		t.Fatal(err)
	}
	lp, _ := splitLivePath(key)
	setDACL := func(sddl string) {
		t.Helper()
		k, err := registry.OpenKey(liveRootKey(lp.root), lp.sub, windows.WRITE_DAC|registry.WOW64_64KEY)
		if err != nil {
			t.Fatal(err)
		}
		defer k.Close()
		sd, err := windows.SecurityDescriptorFromString(sddl)
		if err != nil {
			t.Fatal(err)
		}
		r, _, _ := windows.NewLazySystemDLL("advapi32.dll").NewProc("RegSetKeySecurity").Call(
			uintptr(k), uintptr(windows.DACL_SECURITY_INFORMATION), uintptr(unsafe.Pointer(sd)))
		if r != 0 {
			t.Fatalf("RegSetKeySecurity(%s): %v", sddl, windows.Errno(r))
		}
	}
	setDACL("D:P") // protected and empty: nobody may do anything
	defer setDACL("D:(A;;KA;;;WD)")

	check := func(what string, err error) {
		t.Helper()
		var env *EnvError
		switch {
		case !errors.Is(err, ErrAccessDenied):
			t.Errorf("%s = %v; want ErrAccessDenied", what, err)
		case !errors.As(err, &env) || env.ExitCode() != 3:
			t.Errorf("%s = %v; want an EnvError (exit code 3)", what, err)
		case !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "elevated"):
			t.Errorf("%s message %q; want the key and a hint to elevate", what, err)
		}
	}
	_, err := s.ReadValue(key, "V")
	check("ReadValue", err)
	_, err = s.Key(key)
	check("Key", err)
	_, err = s.SubKeys(key)
	check("SubKeys", err)
	check("SetValue", s.SetValue(key, "V", Value{Type: RegDWORD, Data: []byte{2, 0, 0, 0}}))
	check("DeleteValue", s.DeleteValue(key, "V"))
}

func TestLiveReadOnlyRefusesWrites(t *testing.T) {
	w, err := OpenLive(LiveOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	key := liveTestKey(t, HKCU)
	var env *EnvError
	if err := w.SetValue(key, "V", Value{Type: RegDWORD, Data: []byte{1, 0, 0, 0}}); !errors.As(err, &env) {
		t.Errorf("SetValue on a read-only store = %v; want an EnvError", err)
	}
	if err := w.DeleteValue(key, "V"); !errors.As(err, &env) {
		t.Errorf("DeleteValue on a read-only store = %v; want an EnvError", err)
	}
	if ki, _ := w.Key(key); ki.Exists {
		t.Error("a read-only store created a key")
	}
}

func TestLiveUnsupportedRoot(t *testing.T) {
	s := openLiveWriter(t)
	var in *InputError
	if _, err := s.ReadValue(`HKEY_CLASSES_ROOT\.txt`, ""); !errors.As(err, &in) {
		t.Errorf("ReadValue under HKCR = %v; want an InputError", err)
	}
}

func TestLiveSource(t *testing.T) {
	s := openLiveWriter(t)
	info := s.Source()
	if info.Kind != "registry" || info.Path != "" {
		t.Errorf("Source = %+v; want kind registry, no path", info)
	}
	if info.Host == "" {
		t.Error("Source.Host is empty")
	}
	if !strings.HasPrefix(info.CurrentUserSID, "S-1-5-") {
		t.Errorf("Source.CurrentUserSID = %q; want a SID", info.CurrentUserSID)
	}
	if info.CurrentUserName == "" {
		t.Error("Source.CurrentUserName is empty")
	}
	if info.BootTime == nil || info.BootTime.Location() != time.UTC || !info.BootTime.Before(time.Now()) {
		t.Errorf("Source.BootTime = %v; want a UTC time in the past", info.BootTime)
	}
	// HKEY_USERS\<SID> must be the hive this process sees as HKEY_CURRENT_USER.
	key := liveTestKey(t, HKCU)
	if err := s.SetValue(key, "V", Value{Type: RegDWORD, Data: []byte{9, 0, 0, 0}}); err != nil {
		t.Fatal(err)
	}
	viaSID := HKU + `\` + info.CurrentUserSID + strings.TrimPrefix(key, HKCU)
	if v, err := s.ReadValue(viaSID, "V"); err != nil || v == nil || v.Data[0] != 9 {
		t.Errorf("ReadValue(%s) = %v, %v; want the value written through HKEY_CURRENT_USER", viaSID, v, err)
	}
}

func TestNotifyWinINetChanged(t *testing.T) {
	err := NotifyWinINetChanged()
	if !runningUnderWine() {
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	// Wine 8 accepts SETTINGS_CHANGED and refuses REFRESH on the NULL handle
	// (ERROR_INTERNET_INCORRECT_HANDLE_TYPE): only the refusal it is known for may show.
	var env *EnvError
	if !errors.As(err, &env) || !strings.Contains(err.Error(), "INTERNET_OPTION_REFRESH") || strings.Contains(err.Error(), "SETTINGS_CHANGED") {
		t.Fatalf("under Wine: NotifyWinINetChanged() = %v; want only REFRESH refused", err)
	}
}

func runningUnderWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}
