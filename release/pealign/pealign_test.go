package pealign

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// built is a small Windows executable built with and without symbols, as the release
// (-s -w) and the Wine test bed (plain go build) build theirs.
var built = sync.OnceValues(func() (map[string][]byte, error) {
	dir, err := os.MkdirTemp("", "pealign")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n"), 0o644); err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for name, flags := range map[string][]string{"stripped": {"-ldflags", "-s -w"}, "symbols": nil} {
		exe := filepath.Join(dir, name+".exe")
		args := append(append([]string{"build", "-trimpath", "-o", exe}, flags...), src)
		cmd := exec.Command("go", args...)
		cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=")
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, &exec.ExitError{Stderr: b}
		}
		if out[name], err = os.ReadFile(exe); err != nil {
			return nil, err
		}
	}
	return out, nil
})

func exes(t *testing.T) map[string][]byte {
	t.Helper()
	m, err := built()
	if err != nil {
		t.Fatalf("building the test executables: %v", err)
	}
	return m
}

// What the loader maps is the same before and after: every section's bytes, the entry point,
// the image base and size, the data directories; and each section now starts on a page.
func TestAlignKeepsWhatIsLoaded(t *testing.T) {
	for name, b := range exes(t) {
		t.Run(name, func(t *testing.T) {
			out, err := Align(b, PageSize)
			if err != nil {
				t.Fatal(err)
			}
			before, err := pe.NewFile(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			after, err := pe.NewFile(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("the aligned image does not parse: %v", err)
			}
			ob, oa := before.OptionalHeader.(*pe.OptionalHeader64), after.OptionalHeader.(*pe.OptionalHeader64)
			if oa.FileAlignment != PageSize || oa.SizeOfHeaders%PageSize != 0 {
				t.Errorf("file alignment %#x, headers %#x", oa.FileAlignment, oa.SizeOfHeaders)
			}
			if ob.AddressOfEntryPoint != oa.AddressOfEntryPoint || ob.ImageBase != oa.ImageBase || ob.SizeOfImage != oa.SizeOfImage ||
				ob.SectionAlignment != oa.SectionAlignment || ob.DataDirectory != oa.DataDirectory || ob.DllCharacteristics != oa.DllCharacteristics {
				t.Errorf("the optional header changed beyond the layout:\n%+v\n%+v", ob, oa)
			}
			if len(before.Sections) != len(after.Sections) {
				t.Fatalf("%d sections, then %d", len(before.Sections), len(after.Sections))
			}
			for i, s := range before.Sections {
				a := after.Sections[i]
				if a.Size != 0 && a.Offset%PageSize != 0 {
					t.Errorf("%s at file offset %#x", a.Name, a.Offset)
				}
				if s.Name != a.Name || s.VirtualAddress != a.VirtualAddress || s.VirtualSize != a.VirtualSize || s.Characteristics != a.Characteristics {
					t.Errorf("section %d: %+v, then %+v", i, s.SectionHeader, a.SectionHeader)
				}
				db, _ := s.Data()
				da, _ := a.Data()
				if !bytes.Equal(db, da[:len(db)]) || len(bytes.Trim(da[len(db):], "\x00")) != 0 {
					t.Errorf("%s: the section's bytes changed", s.Name)
				}
			}
			// The COFF symbol table (Go keeps it in .symtab) moved with its section: the
			// symbols still read.
			if len(before.Symbols) != len(after.Symbols) || (len(before.Symbols) > 0 && before.Symbols[0].Name != after.Symbols[0].Name) {
				t.Errorf("%d symbols, then %d", len(before.Symbols), len(after.Symbols))
			}
			again, err := Align(out, PageSize)
			if err != nil || !bytes.Equal(again, out) {
				t.Errorf("aligning an aligned image changes it (%v)", err)
			}
		})
	}
}

// A checksum the image carries is computed again over the new layout, as osslsigncode
// (an independent implementation of CheckSumMappedFile's sum) computes it.
func TestAlignChecksum(t *testing.T) {
	tool, err := exec.LookPath("osslsigncode")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("osslsigncode is not installed; .ci/run installs it")
		}
		t.Skip("osslsigncode is not installed: the checksum is checked against it")
	}
	b := bytes.Clone(exes(t)["stripped"])
	opt := int(binary.LittleEndian.Uint32(b[0x3c:])) + 24
	binary.LittleEndian.PutUint32(b[opt+64:], 1) // any non-zero checksum asks for one
	out, err := Align(b, PageSize)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "a.exe")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	report, _ := exec.Command(tool, "verify", "-in", path).CombinedOutput()
	// osslsigncode prints "PE checksum: X" when the stored sum is right, and the current and
	// calculated sums with "invalid PE checksum" when it is not.
	sum := regexp.MustCompile(`(?m)^PE checksum\s*:\s*([0-9A-Fa-f]{8})`).FindSubmatch(report)
	if sum == nil || string(sum[1]) == "00000000" || bytes.Contains(report, []byte("invalid PE checksum")) {
		t.Errorf("the checksum is not what osslsigncode computes:\n%s", report)
	}
}

func TestAlignRefuses(t *testing.T) {
	b := exes(t)["stripped"]
	opt := int(binary.LittleEndian.Uint32(b[0x3c:])) + 24
	signed := bytes.Clone(b)
	binary.LittleEndian.PutUint32(signed[opt+112+4*8+4:], 8) // a certificate table
	for name, c := range map[string]struct {
		in    []byte
		align uint32
		want  string
	}{
		"signed":        {signed, PageSize, "signed already"},
		"overlay":       {append(bytes.Clone(b), "appended"...), PageSize, "after the last section"},
		"not PE":        {[]byte("MZ not really"), PageSize, "no MZ header"},
		"odd alignment": {b, 0x1800, "not a power of 2"},
		"cut short":     {b[:0x200], PageSize, ""},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Align(c.in, c.align)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

// Any input: an error or an image whose sections start on pages; never a panic.
func FuzzAlign(f *testing.F) {
	if m, err := built(); err == nil {
		// The headers and the start of the first section: enough for the parser's paths.
		f.Add(m["stripped"][:0x800])
	}
	f.Add(tinyPE())
	f.Add([]byte("MZ"))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := Align(b, PageSize)
		if err != nil {
			return
		}
		if len(out)%PageSize != 0 && len(out) != 0 {
			t.Fatalf("the aligned image is %d bytes", len(out))
		}
		again, err := Align(out, PageSize)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("aligning the result again: %v", err)
		}
	})
}

// A PE32+ optional header declared shorter than its fixed fields is refused, not read past.
func TestAlignShortOptionalHeader(t *testing.T) {
	b := bytes.Clone(exes(t)["stripped"][:0x400])
	coff := int(binary.LittleEndian.Uint32(b[0x3c:])) + 4
	binary.LittleEndian.PutUint16(b[coff+16:], 96)
	if _, err := Align(b[:coff+20+96], PageSize); err == nil || !strings.Contains(err.Error(), "cut short") {
		t.Errorf("error %v", err)
	}
}

// tinyPE is a minimal valid PE32+ image in the linker's default layout (FileAlignment 0x200):
// .text and .rdata, a checksum, and a debug directory in .rdata whose entry names its data by
// address and by file offset. Small enough to seed the fuzz target with every path.
func tinyPE() []byte {
	b := make([]byte, 0x600)
	le := binary.LittleEndian
	copy(b, "MZ")
	le.PutUint32(b[0x3c:], 0x40)
	copy(b[0x40:], "PE\x00\x00")
	coff := 0x44
	le.PutUint16(b[coff:], 0x8664)
	le.PutUint16(b[coff+2:], 2)
	le.PutUint16(b[coff+16:], 240)
	le.PutUint16(b[coff+18:], 0x22)
	opt := coff + 20
	le.PutUint16(b[opt:], 0x20b)
	le.PutUint32(b[opt+4:], 0x200) // SizeOfCode
	le.PutUint32(b[opt+8:], 0x200) // SizeOfInitializedData
	le.PutUint32(b[opt+16:], 0x1000)
	le.PutUint64(b[opt+24:], 0x140000000)
	le.PutUint32(b[opt+32:], 0x1000)
	le.PutUint32(b[opt+36:], 0x200)
	le.PutUint32(b[opt+56:], 0x3000)
	le.PutUint32(b[opt+60:], 0x200)
	le.PutUint32(b[opt+64:], 1) // a checksum is wanted
	le.PutUint16(b[opt+68:], 3)
	le.PutUint32(b[opt+108:], 16)
	le.PutUint32(b[opt+112+6*8:], 0x2000) // debug directory
	le.PutUint32(b[opt+112+6*8+4:], 28)
	sec := opt + 240
	for i, s := range []struct {
		name                       string
		vsize, va, size, raw, char uint32
	}{
		{".text", 0x10, 0x1000, 0x200, 0x200, 0x60000020},
		{".rdata", 0x100, 0x2000, 0x200, 0x400, 0x40000040},
	} {
		h := b[sec+40*i:]
		copy(h, s.name)
		le.PutUint32(h[8:], s.vsize)
		le.PutUint32(h[12:], s.va)
		le.PutUint32(h[16:], s.size)
		le.PutUint32(h[20:], s.raw)
		le.PutUint32(h[36:], s.char)
	}
	b[0x200] = 0xc3 // ret
	dbg := b[0x400:]
	le.PutUint32(dbg[12:], 2)      // IMAGE_DEBUG_TYPE_CODEVIEW
	le.PutUint32(dbg[16:], 0x20)   // SizeOfData
	le.PutUint32(dbg[20:], 0x2040) // AddressOfRawData
	le.PutUint32(dbg[24:], 0x440)  // PointerToRawData
	copy(b[0x440:], "RSDS")
	return b
}

// The debug directory's file offset follows its data; the size fields grow with the sections.
func TestAlignDebugDirectoryAndSizes(t *testing.T) {
	out, err := Align(tinyPE(), PageSize)
	if err != nil {
		t.Fatal(err)
	}
	f, err := pe.NewFile(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	rdata := f.Section(".rdata")
	if rdata.Offset != 0x2000 || f.Section(".text").Offset != 0x1000 {
		t.Fatalf(".text at %#x, .rdata at %#x", f.Section(".text").Offset, rdata.Offset)
	}
	if got := binary.LittleEndian.Uint32(out[rdata.Offset+24:]); got != rdata.Offset+0x40 || string(out[got:got+4]) != "RSDS" {
		t.Errorf("debug data pointer %#x, want %#x", got, rdata.Offset+0x40)
	}
	oh := f.OptionalHeader.(*pe.OptionalHeader64)
	if oh.SizeOfCode != 0x1000 || oh.SizeOfInitializedData != 0x1000 {
		t.Errorf("SizeOfCode %#x, SizeOfInitializedData %#x; want 0x1000 each", oh.SizeOfCode, oh.SizeOfInitializedData)
	}
	if oh.CheckSum == 1 || oh.CheckSum == 0 {
		t.Errorf("checksum %#x not computed again", oh.CheckSum)
	}
	// Debug data that runs past its section is refused rather than read from the next one.
	bad := tinyPE()
	binary.LittleEndian.PutUint32(bad[0x400+16:], 0x1f0)
	if _, err := Align(bad, PageSize); err == nil {
		t.Error("debug data past its section's end was taken")
	}
}
