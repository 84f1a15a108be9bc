// Package model is ccproxy's domain: proxy state, desired state, diffs, plans and findings,
// the registry blob codecs and the canonical JSON writer. It is pure: no OS calls, no I/O
// beyond what callers hand it, and it never imports system.
package model

import (
	"encoding/binary"
	"fmt"
)

// Connection-settings flags, shared by WinHttpSettings and the WinINet blobs.
const (
	FlagDirect       uint32 = 0x01
	FlagProxy        uint32 = 0x02
	FlagAutoProxyURL uint32 = 0x04
	FlagAutoDetect   uint32 = 0x08
)

// Blob versions seen in the field.
const (
	WinHTTPVersionOld uint32 = 0x18 // written by older Windows and by Wine
	WinHTTPVersionNew uint32 = 0x28 // written by Windows since Vista-era netsh
	WinINetVersionIE6 uint32 = 0x3C
	WinINetVersionIE7 uint32 = 0x46
)

// trailingLen is the number of opaque bytes that follow the PAC URL in a WinINet blob.
var trailingLen = map[uint32]int{WinINetVersionIE6: 28, WinINetVersionIE7: 32}

// ConnBlob is a decoded connection-settings blob. Strings hold the stored bytes one
// character per byte (Latin-1), so that encoding gives back exactly the decoded bytes even
// for the rare non-ASCII byte.
type ConnBlob struct {
	Version uint32
	Counter uint32
	Flags   uint32
	Proxy   string
	Bypass  string
	// WinINet blobs only.
	AutoConfigURL string
	Trailing      []byte
	// WinINet is true for DefaultConnectionSettings/SavedLegacySettings layouts.
	WinINet bool
}

// BlobError is a blob that cannot be decoded: a short read or an unknown version.
type BlobError struct {
	Offset int
	Msg    string
}

func (e *BlobError) Error() string { return fmt.Sprintf("at byte %d: %s", e.Offset, e.Msg) }

type blobReader struct {
	b   []byte
	off int
}

func (r *blobReader) u32(field string) (uint32, error) {
	if len(r.b)-r.off < 4 {
		return 0, &BlobError{r.off, fmt.Sprintf("%s needs 4 bytes but only %d remain", field, len(r.b)-r.off)}
	}
	v := binary.LittleEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v, nil
}

func (r *blobReader) str(field string) (string, error) {
	at := r.off
	n, err := r.u32(field + " length")
	if err != nil {
		return "", err
	}
	if uint64(n) > uint64(len(r.b)-r.off) {
		return "", &BlobError{at, fmt.Sprintf("%s length %d runs past the end of the blob (%d bytes remain)", field, n, len(r.b)-r.off)}
	}
	s := latin1(r.b[r.off : r.off+int(n)])
	r.off += int(n)
	return s, nil
}

// common reads what both layouts share: version, counter, flags, proxy and bypass list.
func (r *blobReader) common(c *ConnBlob, known func(uint32) bool, unknown string) error {
	var err error
	if c.Version, err = r.u32("version"); err != nil {
		return err
	}
	if !known(c.Version) {
		return &BlobError{0, fmt.Sprintf(unknown, c.Version)}
	}
	if c.Counter, err = r.u32("counter"); err != nil {
		return err
	}
	if c.Flags, err = r.u32("flags"); err != nil {
		return err
	}
	if c.Proxy, err = r.str("proxy"); err != nil {
		return err
	}
	c.Bypass, err = r.str("bypass list")
	return err
}

// DecodeWinHTTP decodes a WinHttpSettings value. Any version is read with the same layout
// (only 0x18 and 0x28 are known); trailing bytes are an error because the known layouts
// have none and an encode could not reproduce them.
func DecodeWinHTTP(b []byte) (*ConnBlob, error) {
	r := &blobReader{b: b}
	c := &ConnBlob{}
	if err := r.common(c, func(v uint32) bool { return v == WinHTTPVersionOld || v == WinHTTPVersionNew }, "unknown WinHttpSettings version 0x%x (known: 0x18, 0x28)"); err != nil {
		return nil, err
	}
	if r.off != len(b) {
		return nil, &BlobError{r.off, fmt.Sprintf("%d unexpected bytes after the bypass list", len(b)-r.off)}
	}
	return c, nil
}

// DecodeWinINet decodes a DefaultConnectionSettings or SavedLegacySettings value.
func DecodeWinINet(b []byte) (*ConnBlob, error) {
	r := &blobReader{b: b}
	c := &ConnBlob{WinINet: true}
	known := func(v uint32) bool { _, ok := trailingLen[v]; return ok }
	if err := r.common(c, known, "unknown connection-settings version 0x%x (known: 0x3c, 0x46)"); err != nil {
		return nil, err
	}
	var err error
	if c.AutoConfigURL, err = r.str("auto-config URL"); err != nil {
		return nil, err
	}
	// The tail's meaning is unknown and its length varies in the wild; keep whatever is there.
	c.Trailing = append([]byte{}, b[r.off:]...)
	return c, nil
}

// Encode writes the blob in the layout of its kind.
func (c *ConnBlob) Encode() ([]byte, error) {
	out := make([]byte, 0, 64+len(c.Proxy)+len(c.Bypass)+len(c.AutoConfigURL)+len(c.Trailing))
	out = binary.LittleEndian.AppendUint32(out, c.Version)
	out = binary.LittleEndian.AppendUint32(out, c.Counter)
	out = binary.LittleEndian.AppendUint32(out, c.Flags)
	strs := []struct{ name, s string }{{"proxy", c.Proxy}, {"bypass list", c.Bypass}}
	if c.WinINet {
		strs = append(strs, struct{ name, s string }{"auto-config URL", c.AutoConfigURL})
	}
	for _, f := range strs {
		b, err := unlatin1(f.s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		out = binary.LittleEndian.AppendUint32(out, uint32(len(b)))
		out = append(out, b...)
	}
	if c.WinINet {
		out = append(out, c.Trailing...)
	}
	return out, nil
}

// NewWinINetTrailing returns the zero tail a fresh blob of that version carries.
func NewWinINetTrailing(version uint32) []byte { return make([]byte, trailingLen[version]) }

func latin1(b []byte) string {
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b)
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

func unlatin1(s string) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			return nil, fmt.Errorf("character %q cannot be stored (blob strings are single-byte); use ASCII", r)
		}
		out = append(out, byte(r))
	}
	return out, nil
}
