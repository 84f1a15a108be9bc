//go:build windows

package system

import (
	"errors"
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

// ReplaceFileW is not wrapped by golang.org/x/sys/windows.
var procReplaceFileW = windows.NewLazySystemDLL("kernel32.dll").NewProc("ReplaceFileW")

// replacefileIgnoreMergeErrors: REPLACEFILE_IGNORE_MERGE_ERRORS (winbase.h).
const replacefileIgnoreMergeErrors = 0x00000002

// replaceFile replaces path by tmp with ReplaceFileW, which keeps the replaced file's ACL,
// owner, attributes, creation time and identity ("ReplaceFileW function (winbase.h)",
// learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-replacefilew), where a
// rename would give it the folder's inherited ACL. A path that no longer exists is
// renamed to, as for a new file.
func replaceFile(tmp, path string) error {
	to, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return err
	}
	from, err := windows.UTF16PtrFromString(tmp)
	if err != nil {
		return err
	}
	if err := procReplaceFileW.Find(); err != nil {
		return os.Rename(tmp, path)
	}
	r, _, callErr := procReplaceFileW.Call(uintptr(unsafe.Pointer(to)), uintptr(unsafe.Pointer(from)), 0, replacefileIgnoreMergeErrors, 0, 0)
	if r != 0 {
		return nil
	}
	if errors.Is(callErr, windows.ERROR_FILE_NOT_FOUND) {
		return os.Rename(tmp, path)
	}
	return &os.PathError{Op: "ReplaceFileW", Path: path, Err: callErr}
}

// keepOwner: ReplaceFileW keeps the owner on Windows.
func keepOwner(string, os.FileInfo) {}

// openOwnFD: Windows has no /dev/stdout or /proc/self/fd; its NUL and CON are devices that
// WriteFileAtomic opens by name.
func openOwnFD(string) (*os.File, os.FileInfo, bool, error) { return nil, nil, false, nil }
