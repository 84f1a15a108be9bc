//go:build windows

package system

import (
	"ccproxy/model"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

var (
	liveAdvapi32 = windows.NewLazySystemDLL("advapi32.dll")
	liveWininet  = windows.NewLazySystemDLL("wininet.dll")

	// The registry package only writes the types it has setters for; apply must put back
	// the exact type and bytes it backed up, whatever they are.
	procRegSetValueExW     = liveAdvapi32.NewProc("RegSetValueExW")
	procInternetSetOptionW = liveWininet.NewProc("InternetSetOptionW")
)

const (
	liveInternetOptionRefresh         = 37
	liveInternetOptionSettingsChanged = 39
)

// liveStore reads and writes the machine's registry.
type liveStore struct {
	readOnly bool
	info     SourceInfo
}

// OpenLive returns a store over the live registry. It also implements Lister.
func OpenLive(opts LiveOptions) (Writer, error) {
	return &liveStore{readOnly: opts.ReadOnly, info: liveSourceInfo()}, nil
}

func (s *liveStore) Source() SourceInfo {
	info := s.info
	if s.info.BootTime != nil {
		t := *s.info.BootTime
		info.BootTime = &t
	}
	return info
}

func liveRootKey(root string) registry.Key {
	switch root {
	case HKLM:
		return registry.LOCAL_MACHINE
	case HKCU:
		return registry.CURRENT_USER
	default:
		return registry.USERS
	}
}

func liveViewAccess(v liveView) uint32 {
	if v == liveView32 {
		return registry.WOW64_32KEY
	}
	return registry.WOW64_64KEY
}

// open opens an existing key; a missing key is (0, false, nil).
func liveOpen(lp livePath, access uint32) (registry.Key, bool, error) {
	k, err := registry.OpenKey(liveRootKey(lp.root), lp.sub, access|liveViewAccess(lp.view))
	if err != nil {
		if liveNotFound(err) {
			return 0, false, nil
		}
		return 0, false, err
	}
	return k, true, nil
}

func liveNotFound(err error) bool {
	return errors.Is(err, windows.ERROR_FILE_NOT_FOUND) || errors.Is(err, windows.ERROR_PATH_NOT_FOUND)
}

func (s *liveStore) ReadValue(path, name string) (*Value, error) {
	lp, err := splitLivePath(path)
	if err != nil {
		return nil, err
	}
	k, ok, err := liveOpen(lp, registry.QUERY_VALUE)
	if err != nil {
		return nil, liveErr("reading", lp, &name, err)
	}
	if !ok {
		return nil, nil
	}
	defer k.Close()
	v, err := liveReadRaw(k, name)
	if err != nil {
		if liveNotFound(err) {
			return nil, nil
		}
		return nil, liveErr("reading", lp, &name, err)
	}
	return v, nil
}

// liveReadRaw reads a value's type and bytes, retrying while another writer makes it grow.
func liveReadRaw(k registry.Key, name string) (*Value, error) {
	n, _, err := k.GetValue(name, nil)
	if err != nil {
		return nil, err
	}
	for {
		buf := make([]byte, n)
		m, typ, err := k.GetValue(name, buf)
		if err == nil {
			return &Value{Type: typ, Data: buf[:m]}, nil
		}
		if !errors.Is(err, windows.ERROR_MORE_DATA) || m <= n {
			return nil, err
		}
		n = m
	}
}

func (s *liveStore) Key(path string) (KeyInfo, error) {
	lp, err := splitLivePath(path)
	if err != nil {
		return KeyInfo{}, err
	}
	k, ok, err := liveOpen(lp, registry.QUERY_VALUE)
	if err != nil {
		return KeyInfo{}, liveErr("reading", lp, nil, err)
	}
	if !ok {
		return KeyInfo{}, nil
	}
	defer k.Close()
	st, err := k.Stat()
	if err != nil {
		return KeyInfo{}, liveErr("reading", lp, nil, err)
	}
	info := KeyInfo{Exists: true}
	if t := st.ModTime(); t.After(time.Unix(0, 0)) {
		t = t.UTC()
		info.LastWrite = &t
	}
	return info, nil
}

func (s *liveStore) ValueNames(path string) ([]string, error) {
	lp, err := splitLivePath(path)
	if err != nil {
		return nil, err
	}
	k, ok, err := liveOpen(lp, registry.QUERY_VALUE)
	if err != nil {
		return nil, liveErr("listing", lp, nil, err)
	}
	if !ok {
		return []string{}, nil
	}
	defer k.Close()
	names, err := k.ReadValueNames(0)
	if err != nil {
		return nil, liveErr("listing", lp, nil, err)
	}
	sort.Strings(names)
	return names, nil
}

func (s *liveStore) SubKeys(path string) ([]string, error) {
	lp, err := splitLivePath(path)
	if err != nil {
		return nil, err
	}
	k, ok, err := liveOpen(lp, registry.ENUMERATE_SUB_KEYS)
	if err != nil {
		return nil, liveErr("listing", lp, nil, err)
	}
	if !ok {
		return []string{}, nil
	}
	defer k.Close()
	names, err := k.ReadSubKeyNames(0)
	if err != nil {
		return nil, liveErr("listing", lp, nil, err)
	}
	sort.Strings(names)
	return names, nil
}

func (s *liveStore) SetValue(path, name string, v Value) error {
	lp, err := splitLivePath(path)
	if err != nil {
		return err
	}
	if s.readOnly {
		return &EnvError{Msg: fmt.Sprintf("cannot write %s value %s: the live registry was opened read-only", lp, liveValueName(name))}
	}
	k, _, err := registry.CreateKey(liveRootKey(lp.root), lp.sub, registry.SET_VALUE|liveViewAccess(lp.view))
	if err != nil {
		return liveErr("writing", lp, &name, err)
	}
	defer k.Close()
	if err := liveSetRaw(k, name, v); err != nil {
		return liveErr("writing", lp, &name, err)
	}
	return nil
}

func liveSetRaw(k registry.Key, name string, v Value) error {
	pname, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return err
	}
	if err := procRegSetValueExW.Find(); err != nil {
		return err
	}
	var pdata *byte
	if len(v.Data) > 0 {
		pdata = &v.Data[0]
	}
	r, _, _ := procRegSetValueExW.Call(uintptr(k), uintptr(unsafe.Pointer(pname)), 0,
		uintptr(v.Type), uintptr(unsafe.Pointer(pdata)), uintptr(len(v.Data)))
	if r != 0 {
		return syscall.Errno(r)
	}
	return nil
}

func (s *liveStore) DeleteValue(path, name string) error {
	lp, err := splitLivePath(path)
	if err != nil {
		return err
	}
	if s.readOnly {
		return &EnvError{Msg: fmt.Sprintf("cannot delete %s value %s: the live registry was opened read-only", lp, liveValueName(name))}
	}
	k, ok, err := liveOpen(lp, registry.SET_VALUE)
	if err != nil {
		return liveErr("deleting from", lp, &name, err)
	}
	if !ok {
		return nil
	}
	defer k.Close()
	if err := k.DeleteValue(name); err != nil && !liveNotFound(err) {
		return liveErr("deleting from", lp, &name, err)
	}
	return nil
}

// liveError is an EnvError (exit code 3) that also unwraps to its cause, so callers can
// test errors.Is(err, ErrAccessDenied) as well as errors.As(err, **EnvError).
type liveError struct {
	EnvError
	causes []error
}

func (e *liveError) Unwrap() []error { return append([]error{&e.EnvError}, e.causes...) }

func liveErr(op string, lp livePath, name *string, err error) error {
	what := lp.String()
	if name != nil {
		what += " value " + liveValueName(*name)
	}
	if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		return &liveError{
			EnvError: EnvError{Msg: fmt.Sprintf("%s %s: access denied; run from an elevated prompt (or as the account that owns the key)", op, what)},
			causes:   []error{ErrAccessDenied, err},
		}
	}
	return &liveError{
		EnvError: EnvError{Msg: fmt.Sprintf("%s %s: registry error: %v", op, what, err)},
		causes:   []error{err},
	}
}

func liveSourceInfo() SourceInfo {
	info := SourceInfo{Kind: model.SourceRegistry}
	if h, err := os.Hostname(); err == nil {
		info.Host = h
	}
	info.CurrentUserName, info.CurrentUserSID = liveCurrentUser()
	info.Services = liveServices
	// Rounded so that two reads in a row agree on the boot time despite the clock ticking
	// between the two calls.
	boot := time.Now().Add(-windows.DurationSinceBoot()).UTC().Round(time.Second)
	info.BootTime = &boot
	return info
}

// currentUser names the account whose HKEY_CURRENT_USER this process sees. The name comes
// from the token's SID rather than GetUserNameEx, which names the computer account
// (DOMAIN\HOST$) for SYSTEM: the name and the SID must describe the same account.
func liveCurrentUser() (name, sid string) {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return liveUserNameEx(), ""
	}
	sid = tu.User.Sid.String()
	account, domain, _, err := tu.User.Sid.LookupAccount("")
	switch {
	case err != nil:
		name = liveUserNameEx()
	case domain != "":
		name = domain + `\` + account
	default:
		name = account
	}
	return name, sid
}

func liveUserNameEx() string {
	n := uint32(256)
	for range 3 {
		buf := make([]uint16, n)
		err := windows.GetUserNameEx(windows.NameSamCompatible, &buf[0], &n)
		if err == nil {
			return windows.UTF16ToString(buf[:n])
		}
		if !errors.Is(err, windows.ERROR_MORE_DATA) {
			return ""
		}
	}
	return ""
}

// NotifyWinINetChanged tells running WinINet programs to reread their settings after the
// registry values changed underneath them, as Microsoft's own samples do: SETTINGS_CHANGED,
// then REFRESH, both on the NULL handle. The registry already holds the change when this
// runs, so a failure means only that running programs see it after they restart; the error
// names each notification that was refused (Wine 8, for one, refuses REFRESH).
func NotifyWinINetChanged() error {
	if err := procInternetSetOptionW.Find(); err != nil {
		return &EnvError{Msg: fmt.Sprintf("cannot notify running programs of the WinINet change: %v; they see it after a restart", err)}
	}
	var refused []string
	for _, opt := range []struct {
		code uintptr
		name string
	}{{liveInternetOptionSettingsChanged, "INTERNET_OPTION_SETTINGS_CHANGED"}, {liveInternetOptionRefresh, "INTERNET_OPTION_REFRESH"}} {
		if r, _, err := procInternetSetOptionW.Call(0, opt.code, 0, 0); r == 0 {
			refused = append(refused, fmt.Sprintf("%s (%d): %v", opt.name, opt.code, err))
		}
	}
	if len(refused) > 0 {
		return &EnvError{Msg: "WinINet refused " + strings.Join(refused, "; ") + "; running programs see the change after a restart"}
	}
	return nil
}
