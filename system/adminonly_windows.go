//go:build windows

package system

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The accounts that may change a file watch --heal trusts: SYSTEM, Administrators, and
// TrustedInstaller (which owns Windows' own folders). CREATOR OWNER stands for the owner,
// who is checked on his own.
var adminOnlySIDs = map[string]bool{
	"S-1-5-18":     true,
	"S-1-5-32-544": true,
	"S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464": true,
	"S-1-3-0": true,
}

// The rights that let an account change a file or a folder's entries: write or append data
// (add a file or a subfolder), delete, delete a child, change the DACL or the owner, and
// the generic rights that include them (learn.microsoft.com/windows/win32/fileio/file-access-rights-constants).
const adminOnlyWriteMask = 0x2 | 0x4 | 0x40 | windows.DELETE | windows.WRITE_DAC | windows.WRITE_OWNER | windows.GENERIC_WRITE | windows.GENERIC_ALL

// adminOnly reads the owner and DACL of p: the owner (who may always change the DACL) must
// be one of the accounts above, and no allow entry that applies to p itself may give
// another account a right to change it. A null DACL gives everyone everything.
func adminOnly(p string) error {
	sd, err := windows.GetNamedSecurityInfo(p, windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return &InputError{Input: p, Msg: fmt.Sprintf("cannot read its security descriptor: %v", err)}
	}
	hint := "; hint: let only Administrators and SYSTEM change it, e.g. icacls FILE /inheritance:r /grant:r *S-1-5-32-544:F *S-1-5-18:F /setowner *S-1-5-32-544, and the same for its folder"
	owner, _, err := sd.Owner()
	if err == nil && owner != nil && !adminOnlySIDs[owner.String()] {
		return &InputError{Input: p, Msg: "is owned by " + accountName(owner) + ", who may change its permissions" + hint}
	}
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil {
		return &InputError{Input: p, Msg: "has no DACL: everyone may change it" + hint}
	}
	for i := uint32(0); i < uint32(dacl.AceCount); i++ {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			return &InputError{Input: p, Msg: fmt.Sprintf("cannot read its DACL: %v", err)}
		}
		if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE || ace.Header.AceFlags&windows.INHERIT_ONLY_ACE != 0 {
			continue
		}
		sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
		if uint32(ace.Mask)&adminOnlyWriteMask != 0 && !adminOnlySIDs[sid.String()] {
			return &InputError{Input: p, Msg: fmt.Sprintf("may be changed by %s (access mask 0x%x)%s", accountName(sid), uint32(ace.Mask), hint)}
		}
	}
	return nil
}

func accountName(sid *windows.SID) string {
	if a, d, _, err := sid.LookupAccount(""); err == nil && a != "" {
		if d != "" {
			return d + `\` + a + " (" + sid.String() + ")"
		}
		return a + " (" + sid.String() + ")"
	}
	return sid.String()
}
