package tests

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"ccproxy/model"
	"ccproxy/model/dscres"
	"ccproxy/system"
)

// dscSchemas holds DSC v3's own JSON Schemas, unchanged (see testdata/dsc/README.md).
var dscSchemas = filepath.Join("testdata", "dsc")

// dscLoader serves the canonical-property schemas that manifests and instance schemas
// reference by their aka.ms or GitHub URLs from the local copies, and nothing else: a
// test must never reach the network.
type dscLoader struct{}

func (dscLoader) Load(url string) (any, error) {
	for _, prefix := range []string{
		"https://aka.ms/dsc/schemas/v3/resource/properties/",
		"https://raw.githubusercontent.com/PowerShell/DSC/main/schemas/v3/resource/properties/",
	} {
		if name, ok := strings.CutPrefix(url, prefix); ok && !strings.ContainsAny(name, `/\`) {
			f, err := os.Open(filepath.Join(dscSchemas, "properties", name))
			if err != nil {
				return nil, err
			}
			defer f.Close()
			return jsonschema.UnmarshalJSON(f)
		}
	}
	return nil, fmt.Errorf("%s: not a DSC schema this test has a copy of", url)
}

// dscCompile compiles a schema document held in memory, with dscLoader for its references.
func dscCompile(t testing.TB, url string, doc []byte) *jsonschema.Schema {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(dscLoader{})
	if err := c.AddResource(url, v); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compiling %s: %v", url, err)
	}
	return s
}

// dscSchemaFile compiles one of DSC's schemas from testdata/dsc.
func dscSchemaFile(t testing.TB, name string) *jsonschema.Schema {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dscSchemas, name))
	if err != nil {
		t.Fatal(err)
	}
	return dscCompile(t, "https://ccproxy.test/dsc/"+name, b)
}

// dscInstanceSchema compiles the instance schema the manifest embeds.
func dscInstanceSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	return dscCompile(t, "https://ccproxy.test/dsc/instance.json", dscres.InstanceSchema())
}

// dscValidate checks one JSON value against a schema.
func dscValidate(s *jsonschema.Schema, doc []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return s.Validate(v)
}

// dscLines splits JSON Lines output, checking what DSC and PowerShell need of each line:
// ASCII, valid JSON, one value per line, and a final newline.
func dscLines(t testing.TB, out []byte) [][]byte {
	t.Helper()
	if len(out) == 0 {
		return nil
	}
	if !bytes.HasSuffix(out, []byte("\n")) {
		t.Errorf("no final newline: %q", out)
	}
	var lines [][]byte
	for _, l := range bytes.Split(bytes.TrimSuffix(out, []byte("\n")), []byte("\n")) {
		for i, c := range l {
			if c >= 0x80 || c == '\r' {
				t.Errorf("byte 0x%02x at %d of line %q", c, i, l)
			}
		}
		if !json.Valid(l) {
			t.Errorf("not one JSON value: %q", l)
		}
		lines = append(lines, l)
	}
	return lines
}

// dscTraceLine is a stderr line in the shape DSC parses.
type dscTraceLine struct {
	Timestamp string `json:"timestamp"`
	Level     string `json:"level"`
	Fields    struct {
		Message string `json:"message"`
	} `json:"fields"`
}

// dscTraces parses every stderr line as a DSC trace line; any other line fails the test,
// since DSC would show it as the error text.
func dscTraces(t testing.TB, stderr []byte) []dscTraceLine {
	t.Helper()
	var out []dscTraceLine
	sc := bufio.NewScanner(bytes.NewReader(stderr))
	for sc.Scan() {
		var tl dscTraceLine
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&tl); err != nil {
			t.Errorf("stderr line is not a DSC trace line (%v): %s", err, sc.Bytes())
			continue
		}
		if _, err := time.Parse(time.RFC3339Nano, tl.Timestamp); err != nil {
			t.Errorf("timestamp %q: %v", tl.Timestamp, err)
		}
		switch tl.Level {
		case "ERROR", "WARN", "INFO", "DEBUG", "TRACE":
		default:
			t.Errorf("level %q is none DSC knows: %s", tl.Level, sc.Bytes())
		}
		if tl.Fields.Message == "" {
			t.Errorf("empty message: %s", sc.Bytes())
		}
		out = append(out, tl)
	}
	return out
}

// logOn loads a user's hive into live with Internet Options that use a manual proxy, as
// Windows does while the user is logged on.
func logOn(t testing.TB, live *system.MemStore, sid, proxy, bypassList string) {
	t.Helper()
	settings, conns := model.WinINetKeys(`HKEY_USERS\` + sid)
	blob := &model.ConnBlob{WinINet: true, Version: model.WinINetVersionIE7, Counter: 7, Flags: model.FlagDirect | model.FlagProxy,
		Proxy: proxy, Bypass: bypassList, Trailing: model.NewWinINetTrailing(model.WinINetVersionIE7)}
	data, err := blob.Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct {
		key, name string
		val       system.Value
	}{
		{conns, model.DefaultConnValue, system.Value{Type: model.RegBinary, Data: data}},
		{settings, "ProxyEnable", model.EncodeDWORD(1)},
		{settings, "ProxyServer", model.EncodeRegString(proxy)},
		{settings, "ProxyOverride", model.EncodeRegString(bypassList)},
	} {
		if err := live.SetValue(v.key, v.name, v.val); err != nil {
			t.Fatal(err)
		}
	}
}
