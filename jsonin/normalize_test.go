package jsonin

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

const head = `{"schema":"ccproxy/desired@1",`

func TestNormalize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // canonical output, when err is ""
		err  string // the whole error
	}{
		// keys
		{name: "canonical stays canonical", in: `{"schema":"ccproxy/desired@1","winhttp":{"mode":"proxy"}}`, want: `{"schema":"ccproxy/desired@1","winhttp":{"mode":"proxy"}}`},
		{name: "pascal case keys and values", in: `{"Schema":"CCProxy/Desired@1","WinHttp":{"Mode":"Proxy","AutoDetect":true}}`, want: `{"schema":"ccproxy/desired@1","winhttp":{"mode":"proxy","autoDetect":true}}`},
		{name: "output follows the spec's order", in: `{"retries":1,"winhttp":{"autodetect":false,"MODE":"direct"},"schema":"ccproxy/desired@1"}`, want: `{"schema":"ccproxy/desired@1","winhttp":{"mode":"direct","autoDetect":false},"retries":1}`},
		{name: "unknown key, close to a known one", in: head + `"winhttp":{"proxyserver":"p:8080"}}`, err: `desired.json: $.winhttp: unknown key "proxyserver"; did you mean "proxy"?`},
		{name: "unknown key, a typo", in: head + `"winhttp":{"bpyass":"x"}}`, err: `desired.json: $.winhttp: unknown key "bpyass"; did you mean "bypass"?`},
		{name: "unknown key, nothing close", in: head + `"winhttp":{"colour":"red"}}`, err: `desired.json: $.winhttp: unknown key "colour"; known keys: "mode", "proxy", "bypass", "autoDetect"`},
		{name: "ProxyServer matches nothing", in: head + `"winhttp":{"proxy":{"ProxyServer":"p"}}}`, err: `desired.json: $.winhttp.proxy: unknown key "ProxyServer"; did you mean "server"?`},
		{name: "keys equal ignoring case", in: head + `"winhttp":{"mode":"direct","Mode":"proxy"}}`, err: `desired.json: $.winhttp: keys "mode" and "Mode" differ only in case; hint: keep one (PowerShell refuses such documents too)`},
		{name: "key twice", in: head + `"retries":1,"retries":2}`, err: `desired.json: $: key "retries" appears twice; hint: keep one`},
		{name: "empty key", in: head + `"":1}`, err: `desired.json: $: empty key; hint: remove it`},
		{name: "missing required key", in: `{"winhttp":{}}`, err: `desired.json: $: missing key "schema"`},
		{name: "powershell properties dropped", in: `{"schema":"ccproxy/desired@1","PSPath":"Microsoft.PowerShell.Core\\FileSystem::C:\\d.json","PSParentPath":"x","PSChildName":"d.json","PSDrive":"C","PSProvider":"FileSystem","ReadCount":1,"PSComputerName":"cc01","PSShowComputerName":false,"RunspaceId":"x","PSIsContainer":false,"pspath":"x"}`, want: `{"schema":"ccproxy/desired@1"}`},
		{name: "ps-like lower-case key is not dropped", in: head + `"psProxy":1}`, err: `desired.json: $: unknown key "psProxy"; known keys: "schema", "winhttp", "notAfter", "createdAt", "retries", "offset", "ratio", "hosts", "rules", "matrix", "tags", "extra", "note"`},

		// lists
		{name: "lone value for a list", in: head + `"hosts":"a.example"}`, want: head + `"hosts":["a.example"]}`},
		{name: "lone object for a list", in: head + `"rules":{"name":"r","targets":"t"}}`, want: head + `"rules":[{"name":"r","targets":["t"]}]}`},
		{name: "value and Count wrapper", in: head + `"hosts":{"value":["a","b"],"Count":2}}`, want: head + `"hosts":["a","b"]}`},
		{name: "value and Count wrapper with ps properties", in: head + `"hosts":{"Count":1,"value":"a","PSComputerName":"x"}}`, want: head + `"hosts":["a"]}`},
		{name: "value and Count wrapper of nothing", in: head + `"hosts":{"value":null,"Count":0}}`, want: head + `"hosts":[]}`},
		{name: "nested lists", in: head + `"matrix":[[1,2],3,{"value":[4],"Count":1}]}`, want: head + `"matrix":[[1,2],[3],[4]]}`},
		{name: "empty list as 5.1 writes it", in: head + "\"hosts\":  [\r\n\r\n          ]}", want: head + `"hosts":[]}`},
		{name: "list element error has its index", in: head + `"hosts":["a",2]}`, err: `desired.json: $.hosts[1]: expected a string, got the number 2`},
		{name: "lone value error has the list's path", in: head + `"hosts":2}`, err: `desired.json: $.hosts: expected a string, got the number 2`},
		{name: "null list", in: head + `"hosts":null}`, err: `desired.json: $.hosts: null is not allowed here; hint: write [] for an empty list`},

		// bypass lists
		{name: "bypass as ; string", in: head + `"winhttp":{"bypass":"<local>;*.corp.example; ;10.*"}}`, want: head + `"winhttp":{"bypass":["<local>","*.corp.example","10.*"]}}`},
		{name: "bypass as space-joined string (depth cut of a string array)", in: head + `"winhttp":{"bypass":"a.example b.example\tc.example"}}`, want: head + `"winhttp":{"bypass":["a.example","b.example","c.example"]}}`},
		{name: "bypass as array with ; inside", in: head + `"winhttp":{"bypass":["a;b","","c"]}}`, want: head + `"winhttp":{"bypass":["a","b","c"]}}`},
		{name: "bypass empty string", in: head + `"winhttp":{"bypass":""}}`, want: head + `"winhttp":{"bypass":[]}}`},
		{name: "bypass null kept", in: head + `"winhttp":{"bypass":null}}`, want: head + `"winhttp":{"bypass":null}}`},
		{name: "bypass wrapper", in: head + `"winhttp":{"bypass":{"value":["a","b"],"Count":2}}}`, want: head + `"winhttp":{"bypass":["a","b"]}}`},
		{name: "bypass Get-Content line", in: head + `"winhttp":{"bypass":{"value":"a;b","PSPath":"x","ReadCount":1}}}`, want: head + `"winhttp":{"bypass":["a","b"]}}`},
		{name: "bypass number", in: head + `"winhttp":{"bypass":["a",1]}}`, err: `desired.json: $.winhttp.bypass[1]: expected a bypass entry (a string such as "*.example.com" or "<local>"), got the number 1`},
		{name: "bypass nested list", in: head + `"winhttp":{"bypass":"System.Object[]"}}`, err: `desired.json: $.winhttp.bypass: looks cut by ConvertTo-Json at its default depth 2: rerun it with -Depth 10`},

		// ConvertTo-Json at depth 2
		{name: "hashtable placeholder", in: head + `"winhttp":{"proxy":"System.Collections.Hashtable"}}`, err: `desired.json: $.winhttp.proxy: looks cut by ConvertTo-Json at its default depth 2: rerun it with -Depth 10`},
		{name: "custom object placeholder", in: head + `"winhttp":{"proxy":"@{server=p; port=8080}"}}`, err: `desired.json: $.winhttp.proxy: looks cut by ConvertTo-Json at its default depth 2: rerun it with -Depth 10`},
		{name: "pscustomobject placeholder", in: head + `"winhttp":"System.Management.Automation.PSCustomObject"}`, err: `desired.json: $.winhttp: looks cut by ConvertTo-Json at its default depth 2: rerun it with -Depth 10`},
		{name: "empty string for an object", in: head + `"winhttp":{"proxy":""}}`, err: `desired.json: $.winhttp.proxy: looks cut by ConvertTo-Json at its default depth 2: rerun it with -Depth 10`},
		{name: "empty string for a list of objects", in: head + `"rules":""}`, err: `desired.json: $.rules: looks cut by ConvertTo-Json at its default depth 2: rerun it with -Depth 10`},
		{name: "nested array placeholder", in: head + `"matrix":["System.Object[]"]}`, err: `desired.json: $.matrix[0]: looks cut by ConvertTo-Json at its default depth 2: rerun it with -Depth 10`},
		// A wrapper key around a cut document is named for the cut, wherever the placeholder sits.
		{name: "placeholder under a wrapper key", in: `{"desired":{"winhttp":"System.Collections.Hashtable"}}`, err: `desired.json: $: key "desired" holds a value at $.desired.winhttp that looks cut by ConvertTo-Json at its default depth 2: rerun it with -Depth 10`},
		{name: "placeholder deep in a list under a wrapper key", in: `{"value":[{"a":{"b":"@{Mode=proxy}"}}]}`, err: `desired.json: $: key "value" holds a value at $.value[0].a.b that looks cut by ConvertTo-Json at its default depth 2: rerun it with -Depth 10`},
		{name: "placeholder in a map", in: head + `"tags":"System.Collections.Hashtable"}`, err: `desired.json: $.tags: looks cut by ConvertTo-Json at its default depth 2: rerun it with -Depth 10`},
		{name: "ordinary string for an object", in: head + `"winhttp":{"proxy":"p:8080"}}`, err: `desired.json: $.winhttp.proxy: expected an object, got the string "p:8080"`},

		// times
		{name: "rfc 3339 with offset", in: head + `"notAfter":"2023-11-14T23:13:20.5+01:00"}`, want: head + `"notAfter":"2023-11-14T22:13:20.5Z"}`},
		{name: "5.1 date", in: head + `"notAfter":"\/Date(1700000000000)\/"}`, want: head + `"notAfter":"2023-11-14T22:13:20Z"}`},
		{name: "5.1 date unescaped slashes", in: head + `"notAfter":"/Date(1700000000123)/"}`, want: head + `"notAfter":"2023-11-14T22:13:20.123Z"}`},
		{name: "5.1 date with offset suffix", in: head + `"notAfter":"\/Date(1700000000000+0100)\/"}`, want: head + `"notAfter":"2023-11-14T22:13:20Z"}`},
		{name: "5.1 date before 1970", in: head + `"notAfter":"\/Date(-1000)\/"}`, want: head + `"notAfter":"1969-12-31T23:59:59Z"}`},
		{name: "5.1 Get-Date object", in: head + `"notAfter":{"value":"\/Date(1700000000000)\/","DisplayHint":2,"DateTime":"Tuesday, November 14, 2023 10:13:20 PM"}}`, want: head + `"notAfter":"2023-11-14T22:13:20Z"}`},
		{name: "nullable time", in: head + `"createdAt":null}`, want: head + `"createdAt":null}`},
		{name: "time without offset", in: head + `"notAfter":"2023-11-14T22:13:20"}`, err: `desired.json: $.notAfter: "2023-11-14T22:13:20" is not a time (RFC 3339 such as "2024-05-01T12:00:00Z", or "\/Date(ms)\/"); hint: add Z for UTC or an offset such as +01:00`},
		{name: "time nonsense", in: head + `"notAfter":"yesterday"}`, err: `desired.json: $.notAfter: "yesterday" is not a time (RFC 3339 such as "2024-05-01T12:00:00Z", or "\/Date(ms)\/")`},
		{name: "time out of range", in: head + `"notAfter":"\/Date(999999999999999999)\/"}`, err: `desired.json: $.notAfter: "/Date(999999999999999999)/" is not a time (RFC 3339 such as "2024-05-01T12:00:00Z", or "\/Date(ms)\/"); hint: the year must be 1-9999`},
		{name: "time as number", in: head + `"notAfter":1700000000}`, err: `desired.json: $.notAfter: expected a time (RFC 3339 such as "2024-05-01T12:00:00Z", or "\/Date(ms)\/"), got the number 1700000000`},

		// booleans
		{name: "bool as string", in: head + `"winhttp":{"autoDetect":"True"}}`, err: `desired.json: $.winhttp.autoDetect: expected true or false, got the string "True"; hint: write true without quotes`},
		{name: "bool as $false string", in: head + `"winhttp":{"autoDetect":"$false"}}`, err: `desired.json: $.winhttp.autoDetect: expected true or false, got the string "$false"; hint: write false without quotes`},
		{name: "bool as number", in: head + `"winhttp":{"autoDetect":1}}`, err: `desired.json: $.winhttp.autoDetect: expected true or false, got the number 1; hint: write true`},
		{name: "bool null", in: head + `"winhttp":{"autoDetect":null}}`, err: `desired.json: $.winhttp.autoDetect: null is not allowed here; hint: give true or false, or leave the key out`},

		// integers and numbers
		{name: "int", in: head + `"retries":10,"offset":-5}`, want: head + `"retries":10,"offset":-5}`},
		{name: "int written as 3.0 and 3e0", in: head + `"retries":3.0,"offset":-2e0}`, want: head + `"retries":3,"offset":-2}`},
		{name: "int out of range", in: head + `"winhttp":{"proxy":{"port":99999}}}`, err: `desired.json: $.winhttp.proxy.port: 99999 is out of range (1-65535)`},
		{name: "negative range", in: head + `"offset":6}`, err: `desired.json: $.offset: 6 is out of range (-5 to 5)`},
		{name: "int fraction", in: head + `"retries":1.5}`, err: `desired.json: $.retries: expected a whole number (0-10), got 1.5`},
		{name: "int huge", in: head + `"retries":123456789012345678901234567890}`, err: `desired.json: $.retries: 123456789012345678901234567890 is out of range (0-10)`},
		{name: "int as string", in: head + `"retries":"3"}`, err: `desired.json: $.retries: expected a whole number (0-10), got the string "3"; hint: write it without quotes`},
		{name: "number kept as written", in: head + `"ratio":1.50e-3}`, want: head + `"ratio":1.50e-3}`},
		{name: "number NaN string from PowerShell 7", in: head + `"ratio":"NaN"}`, err: `desired.json: $.ratio: expected a number, got the string "NaN"`},
		{name: "number Infinity string", in: head + `"ratio":"-Infinity"}`, err: `desired.json: $.ratio: expected a number, got the string "-Infinity"`},
		{name: "number as string", in: head + `"ratio":" 0.5"}`, err: `desired.json: $.ratio: expected a number, got the string " 0.5"; hint: write it without quotes`},
		{name: "hex is not a number", in: head + `"ratio":"0x1p3"}`, err: `desired.json: $.ratio: expected a number, got the string "0x1p3"`},
		{name: "plus sign is not an int", in: head + `"retries":"+3"}`, err: `desired.json: $.retries: expected a whole number (0-10), got the string "+3"`},
		{name: "number overflow", in: head + `"ratio":1e999}`, err: `desired.json: $.ratio: 1e999 is out of range for a number`},

		// enums and strings
		{name: "enum typo", in: head + `"winhttp":{"mode":"proxi"}}`, err: `desired.json: $.winhttp.mode: unknown value "proxi"; did you mean "proxy"?`},
		{name: "enum far off", in: head + `"winhttp":{"mode":"auto"}}`, err: `desired.json: $.winhttp.mode: unknown value "auto"; expected one of "direct", "proxy"`},
		{name: "enum as number", in: head + `"winhttp":{"mode":1}}`, err: `desired.json: $.winhttp.mode: expected one of "direct", "proxy", got the number 1; hint: write the name (ConvertTo-Json -EnumsAsStrings)`},
		{name: "schema major unknown", in: `{"schema":"ccproxy/desired@2"}`, err: `desired.json: $.schema: unknown value "ccproxy/desired@2"; did you mean "ccproxy/desired@1"?`},
		{name: "string escapes of 5.1", in: head + `"note":"Bob\u0027s \u003ctag\u003e \u0026 co"}`, want: head + `"note":"Bob's <tag> & co"}`},
		{name: "string with control characters", in: head + `"note":"a\tb\u0000c\"d\\e\u2028"}`, want: head + `"note":"a\tb\u0000c\"d\\e\u2028"}`},
		{name: "surrogate pairs", in: head + `"note":"\ud83d\ude00 \ud800 x"}`, want: head + "\"note\":\"😀 \uFFFD x\"}"},
		{name: "string null kept", in: head + `"note":null}`, want: head + `"note":null}`},
		{name: "Get-Content string wrapper", in: head + `"note":{"value":"hi","PSPath":"p","PSParentPath":"q","PSChildName":"c","PSDrive":"C","PSProvider":"FileSystem","ReadCount":1}}`, want: head + `"note":"hi"}`},
		{name: "bare value object is not a wrapper", in: head + `"note":{"value":"hi"}}`, err: `desired.json: $.note: expected a string, got an object`},
		{name: "value object with other keys is not a wrapper", in: head + `"note":{"value":"hi","PSPath":"p","size":1}}`, err: `desired.json: $.note: expected a string, got an object`},
		{name: "value object without Count is not a list wrapper", in: head + `"hosts":{"value":["a"],"PSPath":"p"}}`, err: `desired.json: $.hosts: expected a string, got an object`},
		{name: "one-element array for a string", in: head + `"note":["hi"]}`, err: `desired.json: $.note: expected a string, got a list of 1; hint: give the element itself, without [ ]`},
		{name: "credentials never repeated", in: head + `"winhttp":{"proxy":"http://alice:s3cret@proxy:8080"}}`, err: `desired.json: $.winhttp.proxy: expected an object, got the string "http://***@proxy:8080"`},
		{name: "long value shortened", in: head + `"retries":"` + strings.Repeat("x", 100) + `"}`, err: `desired.json: $.retries: expected a whole number (0-10), got the string "` + strings.Repeat("x", 60) + `..."`},

		// maps and any
		{name: "map keeps keys and order", in: head + `"tags":{"Zeta":"1","alpha":"2","PSComputerName":"x"}}`, want: head + `"tags":{"Zeta":"1","alpha":"2"}}`},
		{name: "map key path", in: head + `"tags":{"odd key":1}}`, err: `desired.json: $.tags["odd key"]: expected a string, got the number 1`},
		{name: "map keys equal ignoring case", in: head + `"tags":{"a":"1","A":"2"}}`, err: `desired.json: $.tags: keys "a" and "A" differ only in case; hint: keep one (PowerShell refuses such documents too)`},
		{name: "any passes through", in: head + `"extra":{ "b" : [1, 2.50, true, null, "x"], "a": {} , "PSPath":"p"}}`, want: head + `"extra":{"b":[1,2.50,true,null,"x"],"a":{},"PSPath":"p"}}`},
		{name: "any refuses keys equal ignoring case", in: head + `"extra":{"x":{"k":1,"K":2}}}`, err: `desired.json: $.extra.x: keys "k" and "K" differ only in case; hint: keep one (PowerShell refuses such documents too)`},

		// nulls and types
		{name: "nullable object", in: head + `"winhttp":{"proxy":null}}`, want: head + `"winhttp":{"proxy":null}}`},
		{name: "null object not allowed", in: head + `"winhttp":null}`, err: `desired.json: $.winhttp: null is not allowed here; hint: write {} for an empty object, or leave the key out`},
		{name: "null list element", in: head + `"rules":[null]}`, err: `desired.json: $.rules[0]: null is not allowed here; hint: write {} for an empty object`},
		{name: "null document", in: `null`, err: `desired.json: $: null is not allowed here; hint: write {} for an empty object`},
		{name: "long number shortened", in: head + `"retries":1` + strings.Repeat("0", 100) + `}`, err: `desired.json: $.retries: 1` + strings.Repeat("0", 59) + `... is out of range (0-10)`},
		{name: "list for an object", in: `[{"schema":"ccproxy/desired@1"}]`, err: `desired.json: $: expected an object, got a list of 1; hint: give the element itself, without [ ]`},

		// syntax
		{name: "syntax error line and column", in: "{\r\n  \"schema\": \"ccproxy/desired@1\"\r\n  \"winhttp\": {}\r\n}", err: `desired.json: line 3, column 3: invalid character '"' after object key:value pair`},
		{name: "column counts characters", in: "{\"note\": \"Zoë\" x}", err: `desired.json: line 1, column 16: invalid character 'x' after object key:value pair`},
		{name: "comment", in: "{\n  // the proxy\n  \"schema\": \"ccproxy/desired@1\"\n}", err: `desired.json: line 2, column 3: invalid character '/' looking for beginning of object key string; hint: JSON has no comments; remove them`},
		{name: "trailing comma", in: "{\"hosts\": [\"a\",\n]}", err: `desired.json: line 2, column 1: invalid character ']' looking for beginning of value; hint: remove the comma before ]`},
		{name: "single quotes", in: "{\"note\": 'x'}", err: `desired.json: line 1, column 10: invalid character '\'' looking for beginning of value; hint: JSON strings use double quotes`},
		{name: "NaN from 5.1", in: "{\"ratio\": NaN}", err: `desired.json: line 1, column 11: invalid character 'N' looking for beginning of value; hint: NaN and Infinity are not JSON numbers`},
		{name: "two documents", in: "{}\n{}", err: `desired.json: line 2, column 1: invalid character '{' after top-level value; hint: give one JSON document per input`},
		{name: "cut short", in: "{\n  \"hosts\": [\"a\"\n\n", err: `desired.json: line 2, column 16: unexpected end of JSON input; hint: the document is cut short (a bracket or quote is missing)`},
		{name: "newline in string", in: "{\"note\": \"a\nb\"}", err: `desired.json: line 1, column 12: invalid character '\n' in string literal; hint: escape \ as \\ and control characters as \n, \t or \u00XX`},
		{name: "unquoted key", in: "{schema: 1}", err: `desired.json: line 1, column 2: invalid character 's' looking for beginning of object key string; hint: object keys are double-quoted strings`},
		{name: "too deep", in: head + `"extra":` + strings.Repeat("[", 1100) + strings.Repeat("]", 1100) + "}", err: `desired.json: line 1, column 1039: nested deeper than 1000 levels; hint: no ccproxy document nests more than a few levels: pass a document ccproxy or ConvertTo-Json wrote`},
		{name: "too deep past encoding/json's limit", in: strings.Repeat("[", 100000), err: `desired.json: line 1, column 1002: nested deeper than 1000 levels; hint: no ccproxy document nests more than a few levels: pass a document ccproxy or ConvertTo-Json wrote`},
		{name: "blank", in: "\r\n", err: `desired.json: empty input; hint: give a JSON document (ConvertTo-Json writes nothing at all for an empty array)`},
		{name: "invalid utf-8", in: "{\"note\":\"\xff\"}", err: `desired.json: line 1, column 10: not valid UTF-8; hint: read the input with jsonin.Decode`},
		{name: "leading bom tolerated", in: "\uFEFF" + `{"schema":"ccproxy/desired@1"}`, want: `{"schema":"ccproxy/desired@1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize("desired.json", []byte(tt.in), testSpec)
			if tt.err != "" {
				checkError(t, err, tt.err)
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			again, err := Normalize("desired.json", got, testSpec)
			if err != nil || string(again) != string(got) {
				t.Errorf("not stable: %s -> %s, %v", got, again, err)
			}
			var doc testDoc
			if err := json.Unmarshal(got, &doc); err != nil {
				t.Errorf("canonical output does not unmarshal: %v", err)
			}
		})
	}
}

func TestPowerShellFiles(t *testing.T) {
	proxy := &testProxy{Server: "proxy.corp.example", Port: 8080}
	tests := []struct {
		file     string
		warnings int
		check    func(t *testing.T, d *testDoc)
		err      string
	}{
		{file: "ps51-outfile.json", check: func(t *testing.T, d *testDoc) {
			if d.WinHTTP.Mode != "proxy" || *d.WinHTTP.Proxy != *proxy || d.WinHTTP.AutoDetect == nil || *d.WinHTTP.AutoDetect {
				t.Errorf("winhttp = %+v", d.WinHTTP)
			}
			if strings.Join(d.WinHTTP.Bypass, ";") != "<local>;*.corp.example" {
				t.Errorf("bypass = %q", d.WinHTTP.Bypass)
			}
			if d.Hosts == nil || len(d.Hosts) != 0 {
				t.Errorf("hosts = %#v, want empty", d.Hosts)
			}
			if want := time.UnixMilli(1700000000000).UTC(); !d.NotAfter.Equal(want) {
				t.Errorf("notAfter = %v, want %v", d.NotAfter, want)
			}
			if d.Tags["owner"] != "Bob's team & ops" {
				t.Errorf("tags = %q", d.Tags)
			}
		}},
		{file: "ps7-outfile.json", check: func(t *testing.T, d *testDoc) {
			if *d.WinHTTP.Proxy != *proxy || strings.Join(d.WinHTTP.Bypass, ";") != "<local>;*.corp.example" {
				t.Errorf("winhttp = %+v", d.WinHTTP)
			}
			if len(d.Hosts) != 1 || d.Hosts[0] != "login.example.com" {
				t.Errorf("hosts = %q", d.Hosts)
			}
			if d.NotAfter.Format(time.RFC3339) != "2023-11-14T22:13:20Z" {
				t.Errorf("notAfter = %v", d.NotAfter)
			}
			if d.Tags["owner"] != "Zoë's team & ops" {
				t.Errorf("tags = %q", d.Tags)
			}
		}},
		{file: "ps51-setcontent-ansi.json", warnings: 1, check: func(t *testing.T, d *testDoc) {
			if d.Tags["owner"] != "Zoë – € ops" {
				t.Errorf("tags = %q", d.Tags)
			}
		}},
		{file: "ps51-depth2.json", err: "testdata/ps51-depth2.json: $.winhttp.proxy: looks cut by ConvertTo-Json at its default depth 2: rerun it with -Depth 10"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var d testDoc
			name, warnings, err := load("testdata/"+tt.file, nil, testSpec, &d)
			if name != "testdata/"+tt.file {
				t.Errorf("name = %q", name)
			}
			if tt.err != "" {
				checkError(t, err, tt.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(warnings) != tt.warnings {
				t.Errorf("warnings = %q, want %d", warnings, tt.warnings)
			}
			for _, w := range warnings {
				if !strings.HasPrefix(w, name+": ") {
					t.Errorf("warning does not name the file: %q", w)
				}
			}
			if d.Schema != "ccproxy/desired@1" {
				t.Errorf("schema = %q", d.Schema)
			}
			tt.check(t, &d)
		})
	}
}

func TestUnmarshalStdin(t *testing.T) {
	// [Console]::OutputEncoding = [Text.Encoding]::UTF8 makes 5.1 pipe a BOM and CRLF.
	in := "\xEF\xBB\xBF{\r\n  \"Schema\": \"ccproxy/desired@1\",\r\n  \"Hosts\": \"a.example\"\r\n}\r\n"
	var d testDoc
	name, warnings, err := load("-", strings.NewReader(in), testSpec, &d)
	if err != nil || name != "stdin" || len(warnings) != 0 {
		t.Fatalf("name %q warnings %q err %v", name, warnings, err)
	}
	if len(d.Hosts) != 1 || d.Hosts[0] != "a.example" {
		t.Errorf("hosts = %q", d.Hosts)
	}

	_, _, err = load("-", strings.NewReader(`{"schema":"ccproxy/desired@1","retries":"x"}`), testSpec, &d)
	checkError(t, err, `stdin: $.retries: expected a whole number (0-10), got the string "x"`)

	_, _, err = load("-", strings.NewReader(" "), testSpec, &d)
	checkError(t, err, `stdin: empty input; hint: give a JSON document (ConvertTo-Json writes nothing at all for an empty array)`)
}

func TestUnmarshalTypeMismatch(t *testing.T) {
	// The spec allows more than the Go field holds: still one line naming the place.
	spec := Object(Key("n", Int(0, 1000)))
	var v struct {
		N int8 `json:"n"`
	}
	_, err := Unmarshal("x.json", []byte(`{"N":300}`), spec, &v)
	checkError(t, err, "x.json: $.n: cannot store number 300 in a Go int8")
}

func TestNullKeptAbsentDropped(t *testing.T) {
	var d testDoc
	note := "old"
	d.Note = &note
	if _, err := Unmarshal("d.json", []byte(`{"schema":"ccproxy/desired@1","winhttp":{"proxy":null}}`), testSpec, &d); err != nil {
		t.Fatal(err)
	}
	if d.WinHTTP.Proxy != nil || d.Note == nil || *d.Note != "old" {
		t.Errorf("null must clear proxy and an absent note must leave it: %+v %v", d.WinHTTP.Proxy, d.Note)
	}
}

func TestClosest(t *testing.T) {
	known := []string{"proxy", "bypass", "autoDetect", "autoConfigUrl", "mode"}
	tests := map[string]string{
		"proxyserver":   "proxy",
		"ProxyServer":   "proxy",
		"prxoy":         "proxy",
		"bypas":         "bypass",
		"autodetection": "autoDetect",
		"autoConfigURL": "autoConfigUrl",
		"mod":           "mode",
		"colour":        "",
		"x":             "",
		"":              "",
	}
	for in, want := range tests {
		if got := closest(in, known); got != want {
			t.Errorf("closest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLooksCut(t *testing.T) {
	tests := map[string]bool{
		"System.Collections.Hashtable":                true,
		"System.Object[]":                             true,
		"System.Management.Automation.PSCustomObject": true,
		"@{server=p; port=8080}":                      true,
		"@{}":                                         true,
		"":                                            false, // the caller decides
		"System.":                                     false,
		"System. is down":                             false,
		"proxy.corp.example:8080":                     false,
		"@{unclosed":                                  false,
		"system.collections.hashtable (written by me)": false,
	}
	for in, want := range tests {
		if got := LooksCut(in); got != want {
			t.Errorf("LooksCut(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestRedact(t *testing.T) {
	tests := map[string]string{
		"http://alice:s3cret@proxy:8080":      "http://***@proxy:8080",
		"alice:pw@proxy:8080;bob:x@p2":        "***@proxy:8080;***@p2",
		"mail bob@example.com":                "mail bob@example.com",
		"proxy=http://u:p@h:1 https=u2:p2@h2": "proxy=http://***@h:1 https=***@h2",
	}
	for in, want := range tests {
		if got := RedactCredentials(in); got != want {
			t.Errorf("RedactCredentials(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSpecPanicsOnProgramMistakes(t *testing.T) {
	for name, f := range map[string]func(){
		"duplicate key":  func() { Object(Key("a", String()), Key("A", Bool())) },
		"empty key":      func() { Object(Key("", String())) },
		"nil spec":       func() { Object(Key("a", nil)) },
		"empty enum":     func() { Enum() },
		"inverted range": func() { Int(2, 1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// bigDocument is a desired-state-like document of about size bytes, in 5.1's layout.
func bigDocument(size int) []byte {
	var b strings.Builder
	b.WriteString("{\r\n    \"Schema\":  \"ccproxy/desired@1\",\r\n    \"Rules\":  [\r\n")
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteString(",\r\n")
		}
		fmt.Fprintf(&b, "                  {\r\n                      \"Name\":  \"rule %d \\u0027x\\u0027\",\r\n                      \"Targets\":  [\r\n                                      \"host%d.corp.example\",\r\n                                      \"10.0.%d.0\"\r\n                                  ],\r\n                      \"PSComputerName\":  \"cc01\"\r\n                  }", i, i, i%256)
	}
	b.WriteString("\r\n              ],\r\n    \"Extra\":  {\r\n                  \"List\":  [1, 2.5, true, null, \"x\"]\r\n              }\r\n}\r\n")
	return []byte(b.String())
}

func TestBigDocument(t *testing.T) {
	in := bigDocument(1 << 20)
	out, err := Normalize("big.json", in, testSpec)
	if err != nil {
		t.Fatal(err)
	}
	var d testDoc
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Rules) < 1000 || d.Rules[7].Name != "rule 7 'x'" || d.Rules[7].Targets[1] != "10.0.7.0" {
		t.Errorf("rules = %d, rule 7 = %+v", len(d.Rules), d.Rules[7])
	}
}

func BenchmarkNormalize1MB(b *testing.B) {
	in := bigDocument(1 << 20)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := Normalize("big.json", in, testSpec); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshal1MBUTF16(b *testing.B) {
	in := utf16LE(string(bigDocument(1<<20)), true)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		var d testDoc
		if _, err := Unmarshal("big.json", in, testSpec, &d); err != nil {
			b.Fatal(err)
		}
	}
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }

// load reads a test input as the commands do (system.ReadInput) and unmarshals it.
func load(path string, stdin io.Reader, spec *Spec, v any) (string, []string, error) {
	name, data, err := path, []byte(nil), error(nil)
	if path == "-" {
		name = StdinName
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return name, nil, err
	}
	warnings, err := Unmarshal(name, data, spec, v)
	return name, warnings, err
}

// Brackets inside strings (escaped quotes included) do not nest.
func TestTooDeepSkipsStrings(t *testing.T) {
	if at := tooDeep([]byte(`{"a":"` + strings.Repeat(`[\"{`, 2000) + `"}`)); at != -1 {
		t.Errorf("brackets in a string counted: %d", at)
	}
	if at := tooDeep([]byte(strings.Repeat("[", 1001) + strings.Repeat("]", 1001))); at != -1 {
		t.Errorf("1000 levels below the outermost refused at %d", at)
	}
	if at := tooDeep([]byte(strings.Repeat("[", 1002))); at != 1001 {
		t.Errorf("1001 levels below the outermost: %d, want 1001", at)
	}
}
