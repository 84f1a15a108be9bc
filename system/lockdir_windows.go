//go:build windows

package system

import (
	"golang.org/x/sys/windows"
)

// privateRestrict replaces the inherited ACL with one that grants full control to SYSTEM
// and Administrators only, as the backups hold exact registry bytes (possibly a proxy
// password). A process that is not elevated also keeps its own user: it can only be
// changing that user's own WinINet settings, and it must be able to write and read back
// its backup.
func privateRestrict(path string, dir bool) error {
	inherit := ""
	if dir {
		inherit = "OICI"
	}
	sddl := "D:P(A;" + inherit + ";FA;;;SY)(A;" + inherit + ";FA;;;BA)"
	tok := windows.GetCurrentProcessToken()
	if !tok.IsElevated() {
		if u, err := tok.GetTokenUser(); err == nil {
			sddl += "(A;" + inherit + ";FA;;;" + u.User.Sid.String() + ")"
		}
	}
	sd, err := windows.SecurityDescriptorFromString(sddl)
	if err != nil {
		return err
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return err
	}
	return windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil)
}
