// Package pealign lays a Windows executable out again so that Wine can map its sections from
// the file. The release applies it to every Windows executable before signing, and the Wine
// test bed to the executables it runs, so the tests run the layout that ships.
package pealign

import (
	"encoding/binary"
	"fmt"
)

// PageSize is the page size of amd64 and arm64 Windows, the file alignment the release uses.
const PageSize = 0x1000

// Align lays a PE image out again with every section's raw data at a multiple of the page
// size (FileAlignment 0x1000, equal to the SectionAlignment the Go linker uses), leaving every
// byte that is loaded unchanged.
//
// Why: the Go linker writes FileAlignment 0x200, the PE format's default. Windows maps such
// an image through an image section either way, but Wine (dlls/ntdll/unix/virtual.c,
// map_image_into_view and map_file_into_view) can mmap a section from the file only when its
// file offset is page-aligned and otherwise reads it into private memory: the 10 MB of
// ccproxy's .text and .rdata became private memory of every ccproxy process under Wine,
// where 'watch' is measured. Page-aligned, they are file-backed and shared.
//
// The PE format ("PE Format", Microsoft Learn, Optional Header Windows-Specific Fields):
// FileAlignment is a power of 2 between 512 and 64 K; SizeOfHeaders and each SizeOfRawData
// are multiples of it; "if the SectionAlignment is less than the architecture's page size,
// then FileAlignment must match SectionAlignment". The image must not be signed yet (the
// certificate table is a file offset; signing comes after) and must carry nothing after its
// sections. Go's linker keeps the COFF symbol and string tables in a section of their own
// (.symtab, even with -s, where it holds only the empty string table) and points
// PointerToSymbolTable at it: the pointer moves with that section.
func Align(b []byte, align uint32) ([]byte, error) {
	bad := func(format string, args ...any) ([]byte, error) {
		return nil, fmt.Errorf("PE image: "+format, args...)
	}
	if align < 0x200 || align > 0x10000 || align&(align-1) != 0 {
		return bad("file alignment %#x is not a power of 2 from 0x200 to 0x10000", align)
	}
	if len(b) < 0x40 || b[0] != 'M' || b[1] != 'Z' {
		return bad("no MZ header")
	}
	peOff := int(binary.LittleEndian.Uint32(b[0x3c:]))
	if peOff < 0x40 || peOff+24 > len(b) || string(b[peOff:peOff+4]) != "PE\x00\x00" {
		return bad("no PE signature")
	}
	coff := peOff + 4
	nsec := int(binary.LittleEndian.Uint16(b[coff+2:]))
	symtab := binary.LittleEndian.Uint32(b[coff+8:])
	optSize := int(binary.LittleEndian.Uint16(b[coff+16:]))
	opt := coff + 20
	if opt+optSize > len(b) || optSize < 96 {
		return bad("optional header cut short")
	}
	var dirs int // offset of the data directories in the optional header
	switch binary.LittleEndian.Uint16(b[opt:]) {
	case 0x10b:
		dirs = opt + 96
	case 0x20b:
		dirs = opt + 112
	default:
		return bad("unknown optional header magic")
	}
	if dirs > opt+optSize {
		return bad("optional header cut short")
	}
	if nsec > 96 {
		return bad("%d sections: the Windows loader takes at most 96", nsec)
	}
	sectionAlign := binary.LittleEndian.Uint32(b[opt+32:])
	if sectionAlign < align || sectionAlign%align != 0 {
		return bad("section alignment %#x is below the file alignment %#x", sectionAlign, align)
	}
	ndirs := int(binary.LittleEndian.Uint32(b[dirs-4:]))
	dirAt := func(i int) (uint32, uint32) {
		if i >= ndirs || dirs+8*i+8 > opt+optSize {
			return 0, 0
		}
		return binary.LittleEndian.Uint32(b[dirs+8*i:]), binary.LittleEndian.Uint32(b[dirs+8*i+4:])
	}
	if _, size := dirAt(4); size != 0 {
		return bad("the image is signed already; align before signing")
	}
	secs := opt + optSize
	if secs+40*nsec > len(b) {
		return bad("section table cut short")
	}
	headers := binary.LittleEndian.Uint32(b[opt+60:])
	roundUp := func(n uint32) uint32 { return (n + align - 1) &^ (align - 1) }
	type section struct{ rva, vsize, raw, size, flags uint32 }
	sections := make([]section, nsec)
	end := headers
	for i := range sections {
		h := b[secs+40*i:]
		s := section{binary.LittleEndian.Uint32(h[12:]), binary.LittleEndian.Uint32(h[8:]), binary.LittleEndian.Uint32(h[20:]), binary.LittleEndian.Uint32(h[16:]), binary.LittleEndian.Uint32(h[36:])}
		if s.size == 0 {
			sections[i] = s
			continue
		}
		if uint64(s.raw)+uint64(s.size) > uint64(len(b)) || s.raw < headers {
			return bad("section %d's data lies outside the file", i)
		}
		if uint64(roundUp(s.size)) > (uint64(s.vsize)+uint64(sectionAlign)-1)&^uint64(sectionAlign-1) && s.vsize != 0 {
			return bad("section %d's data would grow past its memory", i)
		}
		end = max(end, s.raw+s.size)
		sections[i] = s
	}
	if headers > uint32(len(b)) {
		return bad("SizeOfHeaders runs past the end of the file")
	}
	if int(end) != len(b) {
		return bad("%d bytes after the last section (an overlay or a symbol table)", len(b)-int(end))
	}
	if uint32(secs+40*nsec) > headers {
		return bad("the headers hold more than SizeOfHeaders says")
	}

	newHeaders := roundUp(headers)
	for i, s := range sections {
		if s.rva < newHeaders {
			return bad("section %d at address %#x would overlap the headers rounded up to %#x", i, s.rva, newHeaders)
		}
	}
	out := make([]byte, newHeaders, int(newHeaders)+len(b)+nsec*int(align))
	copy(out, b[:headers])
	for i, s := range sections {
		h := out[secs+40*i:]
		if s.size == 0 {
			continue
		}
		at := uint32(len(out))
		out = append(out, b[s.raw:s.raw+s.size]...)
		out = append(out, make([]byte, roundUp(s.size)-s.size)...)
		binary.LittleEndian.PutUint32(h[20:], at)
		if symtab == s.raw {
			binary.LittleEndian.PutUint32(out[coff+8:], at)
			symtab = 0
		}
		binary.LittleEndian.PutUint32(h[16:], roundUp(s.size))
		// SizeOfCode and SizeOfInitializedData are sums of the raw sizes of the code and
		// initialized-data sections ("PE Format", Optional Header Standard Fields): they grow
		// with them.
		grow := roundUp(s.size) - s.size
		if s.flags&0x20 != 0 { // IMAGE_SCN_CNT_CODE
			binary.LittleEndian.PutUint32(out[opt+4:], binary.LittleEndian.Uint32(out[opt+4:])+grow)
		}
		if s.flags&0x40 != 0 { // IMAGE_SCN_CNT_INITIALIZED_DATA
			binary.LittleEndian.PutUint32(out[opt+8:], binary.LittleEndian.Uint32(out[opt+8:])+grow)
		}
	}
	if symtab != 0 {
		return bad("the COFF string table at %#x is not a section's data", symtab)
	}
	binary.LittleEndian.PutUint32(out[opt+36:], align)
	binary.LittleEndian.PutUint32(out[opt+60:], newHeaders)

	// The debug directory's entries name their data by file offset as well as by address.
	if rva, size := dirAt(6); size != 0 {
		// fileOff gives the new file offset of n bytes at rva, all inside one section's data.
		fileOff := func(rva, n uint32) (uint32, bool) {
			for i, s := range sections {
				if s.size != 0 && rva >= s.rva && uint64(rva-s.rva)+uint64(n) <= uint64(s.size) {
					h := out[secs+40*i:]
					return binary.LittleEndian.Uint32(h[20:]) + rva - s.rva, true
				}
			}
			return 0, false
		}
		at, ok := fileOff(rva, size)
		if !ok {
			return bad("debug directory outside the sections")
		}
		for e := at; e+28 <= at+size; e += 28 {
			raw := binary.LittleEndian.Uint32(out[e+24:])
			if raw == 0 {
				continue
			}
			addr := binary.LittleEndian.Uint32(out[e+20:])
			n, ok := fileOff(addr, binary.LittleEndian.Uint32(out[e+16:]))
			if addr == 0 || !ok {
				return bad("debug data at file offset %#x is not loaded with a section", raw)
			}
			binary.LittleEndian.PutUint32(out[e+24:], n)
		}
	}
	if binary.LittleEndian.Uint32(b[opt+64:]) != 0 {
		binary.LittleEndian.PutUint32(out[opt+64:], peChecksum(out, opt+64))
	}
	return out, nil
}

// peChecksum is the image checksum as CheckSumMappedFile (imagehlp) computes it: the 16-bit
// one's-complement-style sum of the file with the CheckSum field taken as zero, folded, plus
// the file's length.
func peChecksum(b []byte, field int) uint32 {
	var sum uint64
	for i := 0; i+1 < len(b); i += 2 {
		if i == field || i == field+2 {
			continue
		}
		sum += uint64(binary.LittleEndian.Uint16(b[i:]))
		sum = (sum & 0xffff) + (sum >> 16)
	}
	if len(b)%2 == 1 {
		sum += uint64(b[len(b)-1])
		sum = (sum & 0xffff) + (sum >> 16)
	}
	sum = (sum & 0xffff) + (sum >> 16)
	return uint32(sum) + uint32(len(b))
}
