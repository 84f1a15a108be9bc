package model

import (
	"bytes"
	"strings"
	"testing"
)

func TestMarshalDocumentASCII(t *testing.T) {
	doc := struct {
		Schema string `json:"schema"`
		Name   string `json:"name"`
		Emoji  string `json:"emoji"`
		HTML   string `json:"html"`
		Ctl    string `json:"ctl"`
	}{"ccproxy/x@1", "Caf\u00e9", "\U0001F600", "<a&b>", "a\x1b[2J\x7fb"}
	out, err := MarshalDocument(doc, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range out {
		if c >= 0x7f || c < 0x20 && c != '\n' {
			t.Fatalf("non-ASCII or control byte %#x in %q", c, out)
		}
	}
	for _, want := range []string{`"Caf\u00e9"`, `"\ud83d\ude00"`, `"<a&b>"`, `"a\u001b[2J\u007fb"`, "{\n  \"schema\": \"ccproxy/x@1\",\n"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("missing %s in %s", want, out)
		}
	}
	if bytes.HasPrefix(out, []byte{0xEF, 0xBB, 0xBF}) || !bytes.HasSuffix(out, []byte("}\n")) {
		t.Errorf("BOM or final newline wrong: %q", out)
	}
	one, _ := MarshalDocument(doc, true)
	if bytes.Count(one, []byte("\n")) != 1 {
		t.Errorf("--compress must give one line: %q", one)
	}
}

func TestRedactCredentials(t *testing.T) {
	tests := map[string]string{
		"user:secret@proxy:8080":                 "***@proxy:8080",
		"http://user:secret@proxy:8080":          "http://***@proxy:8080",
		"http=bob:pw@p:1;https=p:2":              "http=***@p:1;https=p:2",
		"proxy.corp.example:8080":                "proxy.corp.example:8080",
		"http://wpad.corp.example/x.pac":         "http://wpad.corp.example/x.pac",
		"DOMAIN\\user:p%40ss@proxy.example:3128": "***@proxy.example:3128",
	}
	for in, want := range tests {
		if got := RedactCredentials(in); got != want {
			t.Errorf("RedactCredentials(%q) = %q, want %q", in, got, want)
		}
	}
	out, _ := MarshalDocument(map[string]string{"schema": "x", "p": "alice:hunter2@proxy:80"}, true)
	if strings.Contains(string(out), "hunter2") || strings.Contains(string(out), "alice") {
		t.Errorf("credentials leaked: %s", out)
	}
}
