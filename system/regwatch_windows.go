//go:build windows

package system

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// regWatchFilter asks for subkeys added or deleted (a missing key created under a watched
// parent, a marker key such as RebootPending) and values set or deleted.
// RegNotifyChangeKeyValue, learn.microsoft.com/windows/win32/api/winreg/nf-winreg-regnotifychangekeyvalue.
const regWatchFilter = windows.REG_NOTIFY_CHANGE_NAME | windows.REG_NOTIFY_CHANGE_LAST_SET

// regArm is one armed notification: a key handle (the watched key, or its nearest existing
// parent), its event, and the watched keys it stands for.
type regArm struct {
	at     string // the path actually opened
	keys   []string
	handle registry.Key
	event  windows.Handle
}

type regWatcher struct {
	keys    []string
	changes chan Notification
	stop    windows.Handle
	notes   []string
	done    chan struct{}
	quit    chan struct{}
	once    sync.Once
	// agnostic is REG_NOTIFY_THREAD_AGNOSTIC, dropped where Windows refuses it (before
	// Windows 8); the arming goroutine keeps its OS thread either way.
	agnostic uint32
	proxyReg uintptr
}

var (
	procWinHttpRegisterProxyChangeNotification   = windows.NewLazySystemDLL("winhttp.dll").NewProc("WinHttpRegisterProxyChangeNotification")
	procWinHttpUnregisterProxyChangeNotification = windows.NewLazySystemDLL("winhttp.dll").NewProc("WinHttpUnregisterProxyChangeNotification")
	regWatchProxyCallback                        uintptr
	regWatchProxyTarget                          struct {
		sync.Mutex
		w *regWatcher
	}
)

// WatchRegistry arms a change notification on each key. A key that does not exist yet (or
// whose hive is not loaded) is watched through its nearest existing parent, re-armed closer
// after each change. RegNotifyChangeKeyValue signals an event once per registration, so
// each is armed again after it fires; REG_NOTIFY_THREAD_AGNOSTIC (Windows 8 and later)
// keeps a registration alive when the goroutine's OS thread changes, and the arming
// goroutine locks its thread besides, for older Windows.
func WatchRegistry(keys []string) (RegistryWatcher, error) {
	stop, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		return nil, &EnvError{Msg: fmt.Sprintf("watch: cannot create an event: %v", err)}
	}
	w := &regWatcher{keys: keys, changes: make(chan Notification, 16), stop: stop, done: make(chan struct{}), quit: make(chan struct{}), agnostic: windows.REG_NOTIFY_THREAD_AGNOSTIC}
	ready := make(chan error, 1)
	go w.run(ready)
	if err := <-ready; err != nil {
		return nil, err
	}
	w.proxyChange()
	return w, nil
}

// systemDLLExports says whether a DLL of system32 exports name, without initialising it or
// loading the DLLs it imports (DONT_RESOLVE_DLL_REFERENCES; GetProcAddress still reads its
// export table): learn.microsoft.com/windows/win32/api/libloaderapi/nf-libloaderapi-loadlibraryexw.
// Loading winhttp.dll in full only to learn that it lacks an export would keep it and
// what it imports in a process that then waits idle for days: Wine's imports jsproxy and
// user32 (dlls/winhttp/Makefile.in), which bring gdi32, rpcrt4, combase and ole32 along
// (seen with WINEDEBUG=+loaddll).
func systemDLLExports(dll, name string) bool {
	h, err := windows.LoadLibraryEx(dll, 0, windows.DONT_RESOLVE_DLL_REFERENCES|windows.LOAD_LIBRARY_SEARCH_SYSTEM32)
	if err != nil {
		return false
	}
	defer windows.FreeLibrary(h)
	_, err = windows.GetProcAddress(h, name)
	return err == nil
}

func (w *regWatcher) Changes() <-chan Notification { return w.changes }
func (w *regWatcher) Notes() []string              { return w.notes }

func (w *regWatcher) Close() error {
	w.once.Do(func() {
		if w.proxyReg != 0 {
			procWinHttpUnregisterProxyChangeNotification.Call(w.proxyReg)
			regWatchProxyTarget.Lock()
			regWatchProxyTarget.w = nil
			regWatchProxyTarget.Unlock()
		}
		close(w.quit)
		windows.SetEvent(w.stop)
		<-w.done
		windows.CloseHandle(w.stop)
	})
	return nil
}

// proxyChange registers WinHttpRegisterProxyChangeNotification where winhttp.dll has it
// (learn.microsoft.com/windows/win32/api/winhttp/nf-winhttp-winhttpregisterproxychangenotification;
// Windows 10 2004 and later, not Wine 8): WinHTTP's own word that the effective proxy
// settings changed, whatever wrote them.
func (w *regWatcher) proxyChange() {
	if !systemDLLExports("winhttp.dll", "WinHttpRegisterProxyChangeNotification") || procWinHttpRegisterProxyChangeNotification.Find() != nil {
		w.notes = append(w.notes, "WinHttpRegisterProxyChangeNotification is not in this Windows' winhttp.dll (it came with Windows 10 2004; Wine lacks it): only the registry notifications are used")
		return
	}
	regWatchProxyTarget.Lock()
	if regWatchProxyCallback == 0 {
		// WINHTTP_PROXY_CHANGE_CALLBACK: void (ULONGLONG ullFlags, PVOID pvContext).
		regWatchProxyCallback = windows.NewCallback(func(flags, ctx uintptr) uintptr {
			regWatchProxyTarget.Lock()
			t := regWatchProxyTarget.w
			regWatchProxyTarget.Unlock()
			if t != nil {
				select {
				case t.changes <- Notification{Keys: []string{}, Source: "winhttpProxyChange"}:
				default:
				}
			}
			return 0
		})
	}
	regWatchProxyTarget.w = w
	regWatchProxyTarget.Unlock()
	const winhttpProxyNotifyChange = 0x1
	var h uintptr
	r, _, _ := procWinHttpRegisterProxyChangeNotification.Call(winhttpProxyNotifyChange, regWatchProxyCallback, 0, uintptr(unsafe.Pointer(&h)))
	if r != 0 {
		w.notes = append(w.notes, fmt.Sprintf("WinHttpRegisterProxyChangeNotification failed (%v): only the registry notifications are used", syscall.Errno(r)))
		return
	}
	w.proxyReg = h
}

func (w *regWatcher) run(ready chan<- error) {
	runtime.LockOSThread()
	defer close(w.done)
	arms, err := w.armAll()
	ready <- err
	if err != nil {
		return
	}
	defer func() {
		for _, a := range arms {
			a.close()
		}
	}()
	for {
		handles := []windows.Handle{w.stop}
		for _, a := range arms {
			handles = append(handles, a.event)
		}
		i, err := windows.WaitForMultipleObjects(handles, false, windows.INFINITE)
		if err != nil {
			return
		}
		n := int(i - windows.WAIT_OBJECT_0)
		if n == 0 || n >= len(handles) {
			return
		}
		a := arms[n-1]
		keys := append([]string{}, a.keys...)
		// Arm again before telling: a change made meanwhile fires the new registration.
		a.close()
		var again []*regArm
		byPath := map[string]*regArm{}
		var failed []string
		for _, k := range a.keys {
			if err := w.arm(k, byPath, &again); err != nil {
				failed = append(failed, err.Error())
			}
		}
		arms = append(append(arms[:n-1:n-1], arms[n:]...), again...)
		select {
		case w.changes <- Notification{Keys: keys, Source: "registry", Error: strings.Join(failed, "; ")}:
		case <-w.quit:
			return
		}
	}
}

func (w *regWatcher) armAll() ([]*regArm, error) {
	var arms []*regArm
	byPath := map[string]*regArm{}
	for _, k := range w.keys {
		if err := w.arm(k, byPath, &arms); err != nil {
			for _, a := range arms {
				a.close()
			}
			return nil, err
		}
	}
	// WaitForMultipleObjects takes at most MAXIMUM_WAIT_OBJECTS (64) handles, one of them
	// the stop event.
	if len(arms) > 63 {
		for _, a := range arms {
			a.close()
		}
		return nil, &EnvError{Msg: fmt.Sprintf("watch: %d keys to watch, more than one wait can hold (63)", len(arms))}
	}
	return arms, nil
}

// arm registers a notification for key on the key itself or its nearest existing parent,
// sharing one registration per opened path.
func (w *regWatcher) arm(key string, byPath map[string]*regArm, arms *[]*regArm) error {
	lp, err := splitLivePath(key)
	if err != nil {
		return err
	}
	for {
		k, err := registry.OpenKey(liveRootKey(lp.root), lp.sub, registry.NOTIFY|liveViewAccess(lp.view))
		if err == nil {
			at := strings.ToLower(lp.String())
			if a := byPath[at]; a != nil {
				k.Close()
				a.keys = append(a.keys, key)
				return nil
			}
			a := &regArm{at: lp.String(), keys: []string{key}, handle: k}
			if a.event, err = windows.CreateEvent(nil, 0, 0, nil); err != nil {
				k.Close()
				return &EnvError{Msg: fmt.Sprintf("watch: cannot create an event for %s: %v", lp, err)}
			}
			if err := w.notify(a); err != nil {
				a.close()
				return &EnvError{Msg: fmt.Sprintf("watch: cannot watch %s: %v", lp, err)}
			}
			byPath[at] = a
			*arms = append(*arms, a)
			return nil
		}
		if !liveNotFound(err) || lp.sub == "" {
			return &EnvError{Msg: fmt.Sprintf("watch: cannot open %s to watch it: %v", lp, err)}
		}
		if i := strings.LastIndex(lp.sub, `\`); i >= 0 {
			lp.sub = lp.sub[:i]
		} else {
			lp.sub = ""
		}
	}
}

func (w *regWatcher) notify(a *regArm) error {
	err := windows.RegNotifyChangeKeyValue(windows.Handle(a.handle), false, regWatchFilter|w.agnostic, a.event, true)
	if err == windows.ERROR_INVALID_PARAMETER && w.agnostic != 0 {
		// Before Windows 8 the flag is refused; this goroutine holds its thread instead.
		w.agnostic = 0
		w.notes = append(w.notes, "REG_NOTIFY_THREAD_AGNOSTIC refused (Windows before 8): registrations are tied to the watching thread, which is locked")
		err = windows.RegNotifyChangeKeyValue(windows.Handle(a.handle), false, regWatchFilter, a.event, true)
	}
	return err
}

func (a *regArm) close() {
	if a.handle != 0 {
		a.handle.Close()
		a.handle = 0
	}
	if a.event != 0 {
		windows.CloseHandle(a.event)
		a.event = 0
	}
}
