package jsonin_test

import (
	"fmt"
	"strings"
	"unicode/utf16"

	"ccproxy/jsonin"
)

var desiredSpec = jsonin.Object(
	jsonin.Required("schema", jsonin.Enum("ccproxy/desired@1")),
	jsonin.Key("winhttp", jsonin.Object(
		jsonin.Key("mode", jsonin.Enum("direct", "proxy")),
		jsonin.Key("proxy", jsonin.String().Nullable()),
		jsonin.Key("bypass", jsonin.BypassList().Nullable()),
	)),
	jsonin.Key("timeoutSeconds", jsonin.Int(1, 600)),
	jsonin.Key("notAfter", jsonin.Time()),
)

type desired struct {
	Schema  string `json:"schema"`
	WinHTTP struct {
		Mode   string   `json:"mode"`
		Proxy  *string  `json:"proxy"`
		Bypass []string `json:"bypass"`
	} `json:"winhttp"`
	TimeoutSeconds int    `json:"timeoutSeconds"`
	NotAfter       string `json:"notAfter"`
}

// What Windows PowerShell 5.1's ConvertTo-Json | Out-File writes: UTF-16LE with a BOM,
// CRLF, PascalCase keys from a hashtable, a bypass list as one string, a 5.1 date, and
// PowerShell's own properties.
func Example() {
	text := "{\r\n" +
		"    \"Schema\":  \"ccproxy/desired@1\",\r\n" +
		"    \"WinHttp\":  {\r\n" +
		"                    \"Mode\":  \"Proxy\",\r\n" +
		"                    \"Proxy\":  \"proxy.corp.example:8080\",\r\n" +
		"                    \"Bypass\":  \"\\u003clocal\\u003e;*.corp.example\"\r\n" +
		"                },\r\n" +
		"    \"NotAfter\":  \"\\/Date(1700000000000)\\/\",\r\n" +
		"    \"PSComputerName\":  \"CC01\"\r\n" +
		"}\r\n"
	data := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(text)) {
		data = append(data, byte(u), byte(u>>8))
	}

	var d desired
	warnings, err := jsonin.Unmarshal("desired.json", data, desiredSpec, &d)
	fmt.Println(err, len(warnings))
	fmt.Println(d.WinHTTP.Mode, *d.WinHTTP.Proxy, strings.Join(d.WinHTTP.Bypass, " | "), d.NotAfter)

	_, err = jsonin.Unmarshal("desired.json", []byte(`{"schema":"ccproxy/desired@1","winhttp":{"proxyServer":"p:8080"}}`), desiredSpec, &d)
	fmt.Println(err)
	// Output:
	// <nil> 0
	// proxy proxy.corp.example:8080 <local> | *.corp.example 2023-11-14T22:13:20Z
	// desired.json: $.winhttp: unknown key "proxyServer"; did you mean "proxy"?
}

func ExampleNormalize() {
	spec := jsonin.Object(jsonin.Key("hosts", jsonin.List(jsonin.String())))
	out, err := jsonin.Normalize("stdin", []byte(`{"Hosts": {"value": ["a", "b"], "Count": 2}}`), spec)
	fmt.Println(string(out), err)
	out, err = jsonin.Normalize("stdin", []byte(`{"HOSTS": "a"}`), spec)
	fmt.Println(string(out), err)
	// Output:
	// {"hosts":["a","b"]} <nil>
	// {"hosts":["a"]} <nil>
}
