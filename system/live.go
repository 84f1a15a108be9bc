package system

import "strings"

// LiveOptions configures the store over the machine's own registry.
type LiveOptions struct {
	// ReadOnly makes SetValue and DeleteValue fail, so that commands which only read
	// (get, diff, test) can never change the machine by mistake.
	ReadOnly bool
}

// liveView is the registry view a live path is opened in.
type liveView int

const (
	liveView64 liveView = iota
	liveView32
)

const liveWOW6432Node = "WOW6432Node"

// livePath is a store path split the way the registry API wants it: a predefined root,
// a subkey relative to it, and the view.
type livePath struct {
	root string // HKLM, HKCU or HKU, long spelling
	sub  string // "" for the root itself
	view liveView
}

// splitLivePath maps a store path to the key the registry API opens. Stores spell the
// 32-bit view as "SOFTWARE\WOW6432Node\...", as reg.exe exports it; the live registry opens
// that as "SOFTWARE\..." in the 32-bit view, and every other HKLM\SOFTWARE path in the
// 64-bit view, so a 32-bit build of ccproxy reads the same keys as a 64-bit one instead
// of being silently redirected.
func splitLivePath(p string) (livePath, error) {
	c := CanonicalPath(p)
	root, sub, _ := strings.Cut(c, `\`)
	switch root {
	case HKLM, HKCU, HKU:
	default:
		return livePath{}, &InputError{Input: "registry", Place: c,
			Msg: "unsupported registry root; use HKEY_LOCAL_MACHINE, HKEY_CURRENT_USER or HKEY_USERS"}
	}
	// Empty components ("A\\B") would address a different key than the user meant.
	if sub != "" && strings.Contains(sub, `\\`) {
		return livePath{}, &InputError{Input: "registry", Place: c, Msg: `empty key name in path (doubled "\")`}
	}
	lp := livePath{root: root, sub: sub, view: liveView64}
	if root == HKLM {
		first, rest, _ := strings.Cut(sub, `\`)
		second, tail, _ := strings.Cut(rest, `\`)
		if strings.EqualFold(first, "SOFTWARE") && strings.EqualFold(second, liveWOW6432Node) {
			lp.sub = first
			if tail != "" {
				lp.sub += `\` + tail
			}
			lp.view = liveView32
		}
	}
	return lp, nil
}

// String gives back the store spelling of the path, for messages.
func (lp livePath) String() string {
	if lp.view == liveView32 {
		first, rest, _ := strings.Cut(lp.sub, `\`)
		s := lp.root + `\` + first + `\` + liveWOW6432Node
		if rest != "" {
			s += `\` + rest
		}
		return s
	}
	if lp.sub == "" {
		return lp.root
	}
	return lp.root + `\` + lp.sub
}

// liveValueName names a registry value in messages; the unnamed value is "(default)", as regedit shows it.
func liveValueName(name string) string {
	if name == "" {
		return "(default)"
	}
	return name
}
