//go:build windows

package system

import (
	"testing"

	"golang.org/x/sys/windows"
)

func moduleLoaded(name string) bool {
	var h windows.Handle
	return windows.GetModuleHandleEx(windows.GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT, windows.StringToUTF16Ptr(name), &h) == nil
}

// TestLiveWatchLoadsWinHTTPOnlyToUseIt: where winhttp.dll lacks
// WinHttpRegisterProxyChangeNotification (Windows before 10 2004, Wine), arming the watch
// leaves winhttp.dll, and what it imports, out of the process that then idles for days.
// Under Wine (tests/wine) the export is missing, so this is where it is shown.
func TestLiveWatchLoadsWinHTTPOnlyToUseIt(t *testing.T) {
	before := moduleLoaded("winhttp.dll")
	w, err := WatchRegistry([]string{`HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings`})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	has := systemDLLExports("winhttp.dll", "WinHttpRegisterProxyChangeNotification")
	after := moduleLoaded("winhttp.dll")
	switch {
	case has && !after:
		t.Errorf("winhttp.dll has WinHttpRegisterProxyChangeNotification but the watch did not load it to register")
	case !has && after && !before:
		t.Errorf("winhttp.dll lacks WinHttpRegisterProxyChangeNotification, yet arming the watch left it loaded")
	}
	if !has && len(w.Notes()) == 0 {
		t.Errorf("no note that WinHttpRegisterProxyChangeNotification is missing")
	}
}
