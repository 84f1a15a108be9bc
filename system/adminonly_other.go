//go:build !windows

package system

import (
	"fmt"
	"os"
	"syscall"
)

// adminOnly: elsewhere than Windows, root stands for Administrators and SYSTEM: the file
// must belong to root and be writable by no group and no one else.
func adminOnly(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return &InputError{Input: p, Msg: "cannot read: " + PathCause(err).Error()}
	}
	hint := "; hint: chown root and chmod go-w it"
	if st.Mode().Perm()&0o022 != 0 {
		return &InputError{Input: p, Msg: fmt.Sprintf("may be changed by others than root (mode %v)%s", st.Mode().Perm(), hint)}
	}
	if s, ok := st.Sys().(*syscall.Stat_t); ok && s.Uid != 0 {
		return &InputError{Input: p, Msg: fmt.Sprintf("belongs to uid %d, not root%s", s.Uid, hint)}
	}
	return nil
}
