package main

import (
	"bytes"
	"crypto/sha256"
	"debug/pe"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"unicode/utf16"
)

// Readers written from Microsoft's PE format documentation
// (learn.microsoft.com/windows/win32/debug/pe-format, "The .rsrc Section") and the
// VS_VERSIONINFO pages, independent of the library that wrote the resources, so a test
// checks what Windows would read rather than what the writer meant.

// resourceData returns the data of the first resource of type typ (RT_VERSION 16,
// RT_MANIFEST 24) in the .rsrc section: type, then name, then language directory.
func resourceData(b []byte, typ uint32) ([]byte, error) {
	f, err := pe.NewFile(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	sec := f.Section(".rsrc")
	if sec == nil {
		return nil, fmt.Errorf("no .rsrc section")
	}
	data, err := sec.Data()
	if err != nil {
		return nil, err
	}
	u16 := func(o uint32) uint32 { return uint32(binary.LittleEndian.Uint16(data[o:])) }
	u32 := func(o uint32) uint32 { return binary.LittleEndian.Uint32(data[o:]) }
	// IMAGE_RESOURCE_DIRECTORY: 16 bytes, then NumberOfNamedEntries + NumberOfIdEntries
	// entries of 8 bytes (name or ID, offset; the high bit marks a subdirectory).
	find := func(dir uint32, id uint32, any bool) (uint32, error) {
		if int(dir)+16 > len(data) {
			return 0, fmt.Errorf("resource directory at %#x out of the section", dir)
		}
		n := u16(dir+12) + u16(dir+14)
		for i := uint32(0); i < n; i++ {
			e := dir + 16 + 8*i
			if any || u32(e) == id {
				return u32(e + 4), nil
			}
		}
		return 0, fmt.Errorf("no resource entry %d", id)
	}
	off, err := find(0, typ, false)
	if err != nil {
		return nil, err
	}
	for level := 0; level < 2; level++ {
		if off&0x80000000 == 0 {
			return nil, fmt.Errorf("resource type %d: a leaf where a directory belongs", typ)
		}
		if off, err = find(off&0x7fffffff, 0, true); err != nil {
			return nil, err
		}
	}
	// IMAGE_RESOURCE_DATA_ENTRY: data RVA, size.
	rva, size := u32(off), u32(off+4)
	start := rva - sec.VirtualAddress
	if int(start+size) > len(data) {
		return nil, fmt.Errorf("resource data out of the section")
	}
	return data[start : start+size], nil
}

// versionInfo is what a VS_VERSIONINFO holds: the fixed file and product versions and the
// strings of its (first) string table.
type versionInfo struct {
	fileVersion, productVersion [4]uint16
	fileFlags, fileType         uint32
	fileDate                    uint64
	strings                     map[string]string
}

type viNode struct {
	key      string
	value    []byte
	text     bool
	children []viNode
}

func align4(n int) int { return (n + 3) &^ 3 }

// parseNode reads one node: wLength, wValueLength, wType, szKey, padding, Value, padding,
// Children (learn.microsoft.com/windows/win32/menurc/vs-versioninfo, stringfileinfo, string).
func parseNode(b []byte) (viNode, int, error) {
	if len(b) < 6 {
		return viNode{}, 0, fmt.Errorf("node of %d bytes", len(b))
	}
	length := int(binary.LittleEndian.Uint16(b))
	valueLength := int(binary.LittleEndian.Uint16(b[2:]))
	n := viNode{text: binary.LittleEndian.Uint16(b[4:]) == 1}
	if length > len(b) || length < 6 {
		return n, 0, fmt.Errorf("node length %d of %d bytes", length, len(b))
	}
	pos := 6
	var key []uint16
	for ; pos+1 < length; pos += 2 {
		c := binary.LittleEndian.Uint16(b[pos:])
		if c == 0 {
			pos += 2
			break
		}
		key = append(key, c)
	}
	n.key = string(utf16.Decode(key))
	pos = align4(pos)
	vbytes := valueLength
	if n.text {
		vbytes *= 2 // in words for text values
	}
	if pos+vbytes > length {
		return n, 0, fmt.Errorf("value of %q runs past its node", n.key)
	}
	n.value = b[pos : pos+vbytes]
	pos = align4(pos + vbytes)
	for pos < length {
		c, used, err := parseNode(b[pos:length])
		if err != nil {
			return n, 0, err
		}
		n.children = append(n.children, c)
		pos = align4(pos + used)
	}
	return n, length, nil
}

func utf16z(b []byte) string {
	var u []uint16
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}

func parseVersionInfo(b []byte) (versionInfo, error) {
	var vi versionInfo
	root, _, err := parseNode(b)
	if err != nil {
		return vi, err
	}
	if root.key != "VS_VERSION_INFO" || len(root.value) != 52 {
		return vi, fmt.Errorf("root %q with a value of %d bytes, want VS_VERSION_INFO and 52", root.key, len(root.value))
	}
	v := root.value
	le := binary.LittleEndian
	if le.Uint32(v) != 0xFEEF04BD {
		return vi, fmt.Errorf("VS_FIXEDFILEINFO signature %#x", le.Uint32(v))
	}
	split := func(ms, ls uint32) [4]uint16 {
		return [4]uint16{uint16(ms >> 16), uint16(ms), uint16(ls >> 16), uint16(ls)}
	}
	vi.fileVersion = split(le.Uint32(v[8:]), le.Uint32(v[12:]))
	vi.productVersion = split(le.Uint32(v[16:]), le.Uint32(v[20:]))
	vi.fileFlags = le.Uint32(v[28:])
	vi.fileType = le.Uint32(v[36:])
	vi.fileDate = uint64(le.Uint32(v[44:]))<<32 | uint64(le.Uint32(v[48:]))
	vi.strings = map[string]string{}
	for _, c := range root.children {
		if c.key != "StringFileInfo" || len(c.children) == 0 {
			continue
		}
		for _, s := range c.children[0].children {
			vi.strings[s.key] = utf16z(s.value)
		}
		vi.strings["(table)"] = c.children[0].key
	}
	return vi, nil
}

// authenticodeDigest is the SHA-256 a PE's Authenticode signature signs: the file without its
// checksum field, without the certificate table's data-directory entry and without the
// certificate table itself ("Windows Authenticode Portable Executable Signature Format",
// Calculating the PE Image Hash).
func authenticodeDigest(b []byte) (string, error) {
	le := binary.LittleEndian
	if len(b) < 0x40 {
		return "", fmt.Errorf("too short for a PE")
	}
	peOff := int(le.Uint32(b[0x3c:]))
	if peOff+24 > len(b) || string(b[peOff:peOff+4]) != "PE\x00\x00" {
		return "", fmt.Errorf("no PE signature")
	}
	opt := peOff + 24
	checksum := opt + 64
	var dirs int
	switch le.Uint16(b[opt:]) {
	case 0x10b:
		dirs = opt + 96
	case 0x20b:
		dirs = opt + 112
	default:
		return "", fmt.Errorf("unknown optional header magic")
	}
	certEntry := dirs + 4*8 // IMAGE_DIRECTORY_ENTRY_SECURITY
	certOff, certSize := int(le.Uint32(b[certEntry:])), int(le.Uint32(b[certEntry+4:]))
	end := len(b)
	if certSize > 0 {
		if certOff+certSize != len(b) {
			return "", fmt.Errorf("the certificate table is not at the end of the file")
		}
		end = certOff
	}
	h := sha256.New()
	h.Write(b[:checksum])
	h.Write(b[checksum+4 : certEntry])
	h.Write(b[certEntry+8 : end])
	return hex.EncodeToString(h.Sum(nil)), nil
}
