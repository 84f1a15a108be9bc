package system

import (
	"errors"
	"strings"
	"testing"
)

func TestSplitLivePath(t *testing.T) {
	tests := []struct {
		in   string
		root string
		sub  string
		view liveView
	}{
		{`HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`,
			HKLM, `SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`, liveView64},
		{`HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`,
			HKLM, `SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`, liveView32},
		{`hklm\software\wow6432node\X`, HKLM, `software\X`, liveView32},
		{`HKLM\SOFTWARE\WOW6432Node`, HKLM, `SOFTWARE`, liveView32},
		{`HKLM\SOFTWARE\Wow6432NodeX\Y`, HKLM, `SOFTWARE\Wow6432NodeX\Y`, liveView64},
		{`HKLM\SYSTEM\WOW6432Node\Y`, HKLM, `SYSTEM\WOW6432Node\Y`, liveView64},
		// Only HKLM\SOFTWARE is redirected; a user's Software key is shared by both views.
		{`HKCU\Software\WOW6432Node\Y`, HKCU, `Software\WOW6432Node\Y`, liveView64},
		{`HKEY_USERS\S-1-5-18\Software\Microsoft`, HKU, `S-1-5-18\Software\Microsoft`, liveView64},
		{`HKEY_USERS`, HKU, ``, liveView64},
		{`\HKEY_CURRENT_USER\Software\`, HKCU, `Software`, liveView64},
	}
	for _, tc := range tests {
		lp, err := splitLivePath(tc.in)
		if err != nil {
			t.Errorf("splitLivePath(%q): %v", tc.in, err)
			continue
		}
		if lp.root != tc.root || lp.sub != tc.sub || lp.view != tc.view {
			t.Errorf("splitLivePath(%q) = %+v; want {%s %s %d}", tc.in, lp, tc.root, tc.sub, tc.view)
		}
		if !strings.EqualFold(lp.String(), CanonicalPath(tc.in)) {
			t.Errorf("splitLivePath(%q).String() = %q; want the canonical path back", tc.in, lp.String())
		}
	}
}

func TestSplitLivePathRejects(t *testing.T) {
	for _, in := range []string{`HKEY_CLASSES_ROOT\.txt`, `HKCC\System`, `SOFTWARE\X`, ``, `HKLM\SOFTWARE\\X`} {
		_, err := splitLivePath(in)
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Errorf("splitLivePath(%q) = %v; want an InputError", in, err)
		}
	}
}

func FuzzSplitLivePath(f *testing.F) {
	for _, s := range []string{
		`HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`,
		`HKLM\SOFTWARE\WOW6432Node`, `HKCU\Software`, `HKEY_USERS\S-1-5-18`, `HKCR`, `\\`, ``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lp, err := splitLivePath(s)
		if err != nil {
			return
		}
		// The split is lossless: the store spelling comes back, so messages name the key the user gave.
		if !strings.EqualFold(lp.String(), CanonicalPath(s)) {
			t.Errorf("splitLivePath(%q).String() = %q; want %q", s, lp.String(), CanonicalPath(s))
		}
		if lp.view == liveView32 && lp.root != HKLM {
			t.Errorf("splitLivePath(%q) picked the 32-bit view outside HKLM", s)
		}
	})
}
