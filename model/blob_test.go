package model

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Vectors from the reference: known WinHttpSettings and WinINet values.
var (
	winhttpNeverConfigured = "1800000000000000010000000000000000000000"
	winhttpAfterReset      = "2800000000000000010000000000000000000000"
	winhttpProxyA42        = "28000000 00000000 03000000 04000000 613a3432 04000000 2a2e3432"
	wininetFresh           = "46000000 05000000 01000000 00000000 00000000 00000000" + strings.Repeat("00", 32)
	wininetGoogle          = "46000000 40000000 0f000000 0d000000 676f6f676c652e636f6d3a3432 0b000000 4c6f6c3b3c6c6f63616c3e 11000000 687474703a2f2f676f6f676c652e66722f" + strings.Repeat("00", 32)
	wininetGoogleOff       = "46000000 44000000 01000000 0d000000 676f6f676c652e636f6d3a3432 0b000000 4c6f6c3b3c6c6f63616c3e 11000000 687474703a2f2f676f6f676c652e66722f" + strings.Repeat("00", 32)
	wininetIE6AutoDetect   = "3c000000 3a000000 09000000 00000000 00000000 00000000" + strings.Repeat("00", 28)
)

func TestDecodeWinHTTP(t *testing.T) {
	tests := []struct {
		hex            string
		version, flags uint32
		proxy, bypass  string
	}{
		{winhttpNeverConfigured, 0x18, 0x01, "", ""},
		{winhttpAfterReset, 0x28, 0x01, "", ""},
		{winhttpProxyA42, 0x28, 0x03, "a:42", "*.42"},
	}
	for _, tt := range tests {
		raw := unhex(t, tt.hex)
		c, err := DecodeWinHTTP(raw)
		if err != nil {
			t.Fatalf("%s: %v", tt.hex, err)
		}
		if c.Version != tt.version || c.Flags != tt.flags || c.Proxy != tt.proxy || c.Bypass != tt.bypass {
			t.Errorf("%s: got %+v", tt.hex, c)
		}
		enc, err := c.Encode()
		if err != nil || !bytes.Equal(enc, raw) {
			t.Errorf("%s: round trip gave %x, %v", tt.hex, enc, err)
		}
	}
}

func TestDecodeWinINet(t *testing.T) {
	tests := []struct {
		hex                     string
		version, counter, flags uint32
		proxy, bypass, pac      string
		trailing                int
	}{
		{wininetFresh, 0x46, 5, 0x01, "", "", "", 32},
		{wininetGoogle, 0x46, 0x40, 0x0f, "google.com:42", "Lol;<local>", "http://google.fr/", 32},
		{wininetGoogleOff, 0x46, 0x44, 0x01, "google.com:42", "Lol;<local>", "http://google.fr/", 32},
		{wininetIE6AutoDetect, 0x3c, 0x3a, 0x09, "", "", "", 28},
	}
	for _, tt := range tests {
		raw := unhex(t, tt.hex)
		c, err := DecodeWinINet(raw)
		if err != nil {
			t.Fatalf("%s: %v", tt.hex, err)
		}
		if c.Version != tt.version || c.Counter != tt.counter || c.Flags != tt.flags || c.Proxy != tt.proxy || c.Bypass != tt.bypass || c.AutoConfigURL != tt.pac || len(c.Trailing) != tt.trailing {
			t.Errorf("%s: got %+v", tt.hex, c)
		}
		enc, err := c.Encode()
		if err != nil || !bytes.Equal(enc, raw) {
			t.Errorf("%s: round trip gave %x, %v", tt.hex, enc, err)
		}
	}
	// A non-zero first trailing DWORD (seen in the field) is kept as it is.
	raw := unhex(t, wininetIE6AutoDetect)
	raw[len(raw)-28] = 1
	c, err := DecodeWinINet(raw)
	if err != nil {
		t.Fatal(err)
	}
	if enc, _ := c.Encode(); !bytes.Equal(enc, raw) {
		t.Errorf("trailing bytes not kept: %x", enc)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, hex string
		wininet   bool
		want      string
	}{
		{"empty", "", false, "version needs 4 bytes"},
		{"short header", "28000000 0000", false, "counter needs 4 bytes"},
		{"length past end", "28000000 00000000 03000000 ff000000 613a", false, "proxy length 255 runs past the end"},
		{"huge length", "28000000 00000000 03000000 ffffffff", false, "runs past the end"},
		{"unknown version", "99000000 00000000 01000000 00000000 00000000", false, "unknown WinHttpSettings version 0x99"},
		{"trailing junk", winhttpAfterReset + "00", false, "1 unexpected bytes"},
		{"wininet version", "28000000 00000000 01000000 00000000 00000000 00000000", true, "unknown connection-settings version 0x28"},
		{"wininet pac past end", "46000000 00000000 01000000 00000000 00000000 05000000 6869", true, "auto-config URL length 5 runs past the end"},
	}
	for _, tt := range tests {
		raw := unhex(t, tt.hex)
		var err error
		if tt.wininet {
			_, err = DecodeWinINet(raw)
		} else {
			_, err = DecodeWinHTTP(raw)
		}
		var be *BlobError
		if !errors.As(err, &be) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want a BlobError containing %q", tt.name, err, tt.want)
		}
	}
}

func TestEncodeRefusesWideCharacters(t *testing.T) {
	c := &ConnBlob{Version: WinHTTPVersionNew, Flags: 3, Proxy: "prox\u2603:80"}
	if _, err := c.Encode(); err == nil {
		t.Fatal("a character above 0xFF cannot be stored in a blob")
	}
}

func FuzzDecodeWinHTTP(f *testing.F) {
	for _, h := range []string{winhttpNeverConfigured, winhttpAfterReset, winhttpProxyA42} {
		f.Add(unhex(f, h))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeWinHTTP(b)
		if err != nil {
			return
		}
		enc, err := c.Encode()
		if err != nil || !bytes.Equal(enc, b) {
			t.Fatalf("round trip: %x -> %x (%v)", b, enc, err)
		}
	})
}

func FuzzDecodeWinINet(f *testing.F) {
	for _, h := range []string{wininetFresh, wininetGoogle, wininetGoogleOff, wininetIE6AutoDetect} {
		f.Add(unhex(f, h))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeWinINet(b)
		if err != nil {
			return
		}
		enc, err := c.Encode()
		if err != nil || !bytes.Equal(enc, b) {
			t.Fatalf("round trip: %x -> %x (%v)", b, enc, err)
		}
	})
}
