package system

import "path/filepath"

// CheckAdminOnly refuses a file that anyone but Administrators and SYSTEM may change, or that
// lies in a folder anyone else may change (who can replace the file can redirect what the
// program trusting it does): watch --heal writes whatever the desired state says.
func CheckAdminOnly(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return &InputError{Input: path, Msg: err.Error()}
	}
	for _, p := range []string{abs, filepath.Dir(abs)} {
		if err := adminOnly(p); err != nil {
			return err
		}
	}
	return nil
}
