package dscres

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the instance reader: it never panics, refuses with
// one line of bad input (exit 2) that never repeats a password, and what it accepts is a
// desired state that passes the same check as a desired-state document.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		``,
		`{}`,
		`{"winhttp":{"mode":"importFromIE","ensureBypass":["*.corp.example","10.*"]},"wininet":{"user":"S-1-5-21-1-2-3-1001"}}`,
		`{"winhttp":{"mode":"direct","proxy":null,"bypass":null,"views":["native","wow64"]}}`,
		`{"winhttp":{"mode":"proxy","proxy":"http=p:3128;https=p:3128","bypass":"<local>;*.corp.example","views":"wow64"}}`,
		`{"wininet":{"user":"machine","manualProxy":true,"proxy":"p:8080","bypass":[],"autoConfigUrl":"","autoDetect":null}}`,
		`{"winhttp":{"proxy":"bob:secret@p:8080"}}`,
		`{"winhttp":{"Proxy":{"value":"p:8080","PSPath":"x"}}}`,
		`{"_exist":true,"_inDesiredState":false,"_metadata":{"a":1},"winhttp":{"mode":"direct"}}`,
		"\xff\xfe{\x00}\x00",
		`{"winhttp":"System.Collections.Hashtable"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, _, err := Parse("stdin", data)
		if err != nil {
			var ec interface{ ExitCode() int }
			if !errors.As(err, &ec) || ec.ExitCode() != 2 {
				t.Fatalf("%v is not bad input", err)
			}
			msg := err.Error()
			if strings.ContainsAny(msg, "\r\n") || !strings.HasPrefix(msg, "stdin: ") {
				t.Fatalf("message %q", msg)
			}
			if strings.Contains(string(data), "secret@") && onlyAsPassword(string(data)) && strings.Contains(msg, "secret") {
				t.Fatalf("message repeats the password: %q", msg)
			}
			return
		}
		if req.Desired != nil {
			if err := req.Desired.Check("stdin"); err != nil {
				t.Fatalf("accepted a desired state that fails its check: %v", err)
			}
		}
		if req.SourceUser() != "" && req.SourceUser() != req.User {
			t.Fatalf("source user %q for %q", req.SourceUser(), req.User)
		}
	})
}

// onlyAsPassword says whether every "secret" in the input is a password: the userinfo of a
// "user:secret@host", after a ':' and followed by an '@' before its string ends. A mutated
// input can put the word elsewhere (a key "wi:secretnhttp" or "winsecret@http"), where it is
// no credential by the redactor's grammar and a message may rightly quote it.
func onlyAsPassword(data string) bool {
	for i := 0; ; {
		k := strings.Index(data[i:], "secret")
		if k < 0 {
			return true
		}
		if i+k == 0 || data[i+k-1] != ':' {
			return false
		}
		i += k + len("secret")
		end := strings.IndexAny(data[i:], "\"")
		if end < 0 {
			end = len(data) - i
		}
		if !strings.Contains(data[i:i+end], "@") {
			return false
		}
	}
}
