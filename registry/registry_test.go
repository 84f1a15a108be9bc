package registry

import (
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestKeyIdentity(t *testing.T) {
	for _, c := range []struct{ a, b string }{
		{`HKLM\Software\X`, `HKEY_LOCAL_MACHINE\SOFTWARE\x\`},
		{`HKU\.DEFAULT\Software`, `hkey_users\S-1-5-18\software`},
		{`HKCU\A`, ` HKEY_CURRENT_USER\a`},
		{`HKU\ \0`, `HKEY_USERS\ \0\`},
	} {
		if Key(c.a) != Key(c.b) {
			t.Errorf("Key(%q) %q != Key(%q) %q", c.a, Key(c.a), c.b, Key(c.b))
		}
	}
	// A name may begin or end with white space; only what comes before the root is trimmed.
	if Key(`HKU\ `) == Key(`HKU`) || Key(`HKLM\A `) == Key(`HKLM\A`) {
		t.Error("a space at the end of a key name is trimmed")
	}
	if Key("HKLM\\Soft\u0085\\X") == Key(`HKLM\Soft\X`) || CanonicalPath("HKLM\\A\u0085") != "HKEY_LOCAL_MACHINE\\A\u0085" {
		t.Error("U+0085 at the end of a key name is trimmed")
	}
	if ValueKey(`HKLM\A`, "ProxyEnable") != ValueKey(`hklm\a`, "proxyenable") {
		t.Error("value names compare without case")
	}
	if ValueKey(`HKLM\A`, "B") == ValueKey(`HKLM\A\B`, "") {
		t.Error("a value and a subkey's default value collide")
	}
}

func TestMem(t *testing.T) {
	m := NewMem()
	if err := m.SetValue(`HKLM\A\B`, "V", Value{Type: DWORD, Data: []byte{1, 0, 0, 0}}); err != nil {
		t.Fatal(err)
	}
	if ki, _ := m.Key(`HKEY_LOCAL_MACHINE\a`); !ki.Exists || !ki.Implied {
		t.Errorf("parent %+v, want an implied key", ki)
	}
	v, _ := m.ReadValue(`hklm\a\b`, "v")
	if v == nil || v.Type != DWORD {
		t.Fatalf("read %v", v)
	}
	v.Data[0] = 9
	if w, _ := m.ReadValue(`HKLM\A\B`, "V"); w.Data[0] != 1 {
		t.Error("a read value shares bytes with the store")
	}
	if subs, _ := m.SubKeys(`HKLM\A`); !slices.Equal(subs, []string{"B"}) {
		t.Errorf("subkeys %v", subs)
	}
}

// An overlay shows its writes, never writes through, and lists what it holds.
func TestOverlay(t *testing.T) {
	m := NewMem()
	_ = m.SetValue(`HKLM\A`, "Keep", Value{Type: SZ})
	_ = m.SetValue(`HKLM\A`, "Gone", Value{Type: SZ})
	before := m.Snapshot()
	o := NewOverlay(m)
	_ = o.SetValue(`HKLM\A`, "New", Value{Type: Binary, Data: []byte{1}})
	_ = o.DeleteValue(`hklm\a`, "gone")
	_ = o.SetValue(`HKLM\A\Child\Deep`, "X", Value{Type: SZ})
	if v, _ := o.ReadValue(`HKLM\A`, "Gone"); v != nil {
		t.Error("a deleted value is still read")
	}
	if v, _ := o.ReadValue(`HKLM\A`, "new"); v == nil || v.Data[0] != 1 {
		t.Errorf("a written value reads %v", v)
	}
	if names, _ := o.ValueNames(`HKLM\A`); !slices.Equal(names, []string{"Keep", "New"}) {
		t.Errorf("value names %v", names)
	}
	if subs, _ := o.SubKeys(`HKLM\A`); !slices.Equal(subs, []string{"Child"}) {
		t.Errorf("subkeys %v", subs)
	}
	if ki, _ := o.Key(`HKLM\A\Child\Deep`); !ki.Exists {
		t.Error("a key a write created does not exist")
	}
	after := m.Snapshot()
	if len(after) != len(before) {
		t.Errorf("the overlay wrote through: %v", after)
	}
}

// A key's cost is its own name, not its whole path: a path of 20,000 levels (40 KB) held as
// full paths per key took 800 MB; as a tree it takes a few MB. Subkeys list and delete by
// their own subtree.
func TestMemDeepKeyCostsItsLength(t *testing.T) {
	path := "HKLM" + strings.Repeat(`\a`, 20000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m := NewMem()
	m.EnsureKey(path)
	if err := m.SetValue(path+`\b`, "V", Value{Type: DWORD, Data: []byte{1, 0, 0, 0}}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 64<<20 {
		t.Errorf("a 40 KB path allocated %d MB", got>>20)
	}
	if subs, _ := m.SubKeys(path); !slices.Equal(subs, []string{"b"}) {
		t.Errorf("subkeys %v", subs)
	}
	m.DeleteKey(`HKLM\A\a`)
	if ki, _ := m.Key(path); ki.Exists {
		t.Error("a deleted key's subkey still exists")
	}
	if ki, _ := m.Key(`HKEY_LOCAL_MACHINE\a`); !ki.Exists || !ki.Implied {
		t.Errorf("the deleted key's parent: %+v", ki)
	}
	if keys := m.Keys(); !slices.Equal(keys, []string{"hkey_local_machine", `hkey_local_machine\a`}) {
		t.Errorf("keys %v", keys)
	}
}

// Mem and Key agree on which paths name one key, aliases and odd spellings included, and a
// key deleted by any spelling is gone.
func TestMemIdentityIsKey(t *testing.T) {
	for _, c := range []struct{ write, read string }{
		{`HKU\.DEFAULT\X`, `HKEY_USERS\S-1-5-18\x`},
		{` HKLM\X`, `HKEY_LOCAL_MACHINE\X`},
		{`HKLM\A\\B`, `hklm\a\\b`},
		{`HKLM\A\B\`, `HKLM\A\B`},
		{`HKU\\.DEFAULT\X`, `hku\\.default\x`},
		{`\ HKLM\X`, `\ hklm\x`},
	} {
		if Key(c.write) != Key(c.read) {
			t.Fatalf("the case itself is wrong: Key(%q) != Key(%q)", c.write, c.read)
		}
		m := NewMem()
		_ = m.SetValue(c.write, "V", Value{Type: SZ})
		if v, _ := m.ReadValue(c.read, "v"); v == nil {
			t.Errorf("%q written, %q not read", c.write, c.read)
		}
		m.DeleteKey(c.write)
		if ki, _ := m.Key(c.read); ki.Exists {
			t.Errorf("%q deleted, %q still exists", c.write, c.read)
		}
	}
	m := NewMem()
	_ = m.SetValue(`HKLM\A\\B`, "V", Value{Type: SZ})
	if v, _ := m.ReadValue(`HKLM\A\B`, "v"); v != nil || Key(`HKLM\A\\B`) == Key(`HKLM\A\B`) {
		t.Error(`A\\B and A\B are one key to Mem but not to Key`)
	}
	_ = m.SetValue("", "V", Value{Type: SZ}) // no root: held, never a panic
}

// A name whose lower case is shorter in UTF-8 (U+2C6E becomes the two-byte U+0271) keeps its
// subkeys' names whole: cutting a full path at the length of its lower-case prefix once gave
// wrong names, and a walk over them never ended.
func TestMemSubKeysAfterANameThatShrinksInLowerCase(t *testing.T) {
	m := NewMem()
	m.EnsureKey("HKLM\\Wi\u2c6e\\Internet Settings\\Connections")
	if subs, _ := m.SubKeys("HKLM\\wi\u0271"); !slices.Equal(subs, []string{"Internet Settings"}) {
		t.Errorf("subkeys %q", subs)
	}
}
