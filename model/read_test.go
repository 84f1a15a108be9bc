package model

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

// missingHives is a live registry where no user hive but the listed ones is loaded.
type missingHives struct {
	*fakeReg
	loaded []string
}

func (m missingHives) Key(path string) (KeyInfo, error) {
	if strings.HasPrefix(strings.ToUpper(path), `HKEY_USERS\`) {
		for _, sid := range m.loaded {
			if strings.HasPrefix(strings.ToUpper(path), strings.ToUpper(`HKEY_USERS\`+sid)) {
				return KeyInfo{Exists: true}, nil
			}
		}
		return KeyInfo{}, nil
	}
	return KeyInfo{Exists: true}, nil
}

// A SID whose hive is not loaded must not read as "no proxy": an import would then switch
// WinHTTP to direct access.
func TestReadStateUserHiveNotLoaded(t *testing.T) {
	reg := missingHives{newFakeReg(), []string{"S-1-5-18"}}
	opts := ReadOptions{Source: Source{Kind: "registry"}, Now: time.Unix(0, 0), InputName: "registry"}

	opts.User = "S-1-5-21-1-2-3-1001"
	_, err := ReadState(reg, opts)
	var ee *EnvError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || !strings.Contains(err.Error(), "not logged on") {
		t.Fatalf("got %v, want an environment error saying the user is not logged on", err)
	}

	opts.User = "S-1-5-18"
	st, err := ReadState(reg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if st.Source.WinINetOwner.SID == nil || *st.Source.WinINetOwner.SID != "S-1-5-18" || *st.Source.WinINetOwner.User != `NT AUTHORITY\SYSTEM` {
		t.Errorf("owner %+v", st.Source.WinINetOwner)
	}
}

// A blob that cannot be decoded has no proxy string to redact: its bytes are not shown when
// they may hold credentials.
func TestReadStateHidesUndecodableCredentials(t *testing.T) {
	good := winhttpBlob(t, WinHTTPVersionNew, FlagDirect|FlagProxy, "bob:s3cret@proxy:8080", "<local>")
	cut := binVal(good.Data[:len(good.Data)-1])
	st := readFake(t, newFakeReg().set(WinHTTPNativeKey, WinHTTPValue, cut))
	b := st.WinHTTP.Native.Blob
	if b == nil || b.Error == nil || !b.Redacted || b.Hex != "" {
		t.Fatalf("blob %+v", b)
	}
	doc, err := MarshalDocument(st, false)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(doc), "s3cret") || strings.Contains(string(doc), hex.EncodeToString([]byte("s3cret"))) {
		t.Errorf("state shows the credentials:\n%s", doc)
	}
}

// An export that holds the settings of many users names a few and counts the rest: the
// error stays a line, not a megabyte (40,000 users once gave an 869 KB message).
func TestReadStateManyUsersNamesAFew(t *testing.T) {
	reg := newFakeReg()
	var sids []string
	for i := 0; i < 40; i++ {
		sid := "S-1-5-21-1-2-3-" + strings.Repeat("9", 1+i%3) + string(rune('0'+i%10)) + string(rune('a'+i/10))
		sids = append(sids, sid)
		reg.set(`HKEY_USERS\`+sid+`\Software\Microsoft\Windows\CurrentVersion\Internet Settings`, "ProxyEnable", EncodeDWORD(1))
	}
	_, err := ReadState(reg, ReadOptions{Source: Source{Kind: "regFile"}, Now: time.Unix(0, 0), InputName: "users.reg", Users: sids})
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v, want an input error", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "40 users") || !strings.Contains(msg, "and 30 more") || strings.Count(msg, "S-1-5-21") != MaxListed {
		t.Errorf("message %q", msg)
	}
}
