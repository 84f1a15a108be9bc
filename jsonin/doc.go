// Package jsonin is the one reader of ccproxy's JSON inputs: desired states, plans, state
// documents, backups, catalogs. It accepts what people and PowerShell actually write and
// turns it into canonical JSON that encoding/json reads into a Go struct, or it fails with
// one line that names the input, the JSON path and the problem, with a hint.
//
// Reading takes three steps, which Load and Unmarshal run in one call:
//
//   - ReadInput reads a file, or stdin for "-", up to MaxInput (16 MiB).
//   - Decode detects the encoding: UTF-8 with or without BOM, UTF-16 (what Windows
//     PowerShell 5.1's Out-File and > write), or Windows-1252 with a warning.
//   - Normalize parses the text and walks it along a Spec: keys match ignoring case and
//     are renamed to the spec's spelling; unknown keys are refused with the closest known
//     one; PowerShell's PS* properties are dropped; a lone value, or 5.1's
//     {"value":[...],"Count":n}, is read as a list; a bypass list may be one string
//     separated by ";"; the strings ConvertTo-Json leaves at its default depth 2
//     ("System.Collections.Hashtable", "@{A=1}", ...) are recognised and explained;
//     times may be RFC 3339 or 5.1's "\/Date(ms)\/" and come out as RFC 3339 UTC.
//
// A Spec mirrors the Go type it feeds and lives in a package-level variable:
//
//	var desiredSpec = jsonin.Object(
//		jsonin.Required("schema", jsonin.Enum("ccproxy/desired@1")),
//		jsonin.Key("winhttp", jsonin.Object(
//			jsonin.Key("mode", jsonin.Enum("direct", "proxy")),
//			jsonin.Key("proxy", jsonin.String().Nullable()), // null means "remove"
//			jsonin.Key("bypass", jsonin.BypassList().Nullable()),
//		)),
//		jsonin.Key("timeoutSeconds", jsonin.Int(1, 600)),
//		jsonin.Key("notAfter", jsonin.Time()),
//		jsonin.Key("tags", jsonin.Map(jsonin.String())),
//		jsonin.Key("extra", jsonin.Any()),
//	)
//
//	var d Desired
//	name, warnings, err := jsonin.Unmarshal(name, data, desiredSpec, &d) // data read by system.ReadInput
//
// Errors are *Error values, whose ExitCode is 2. Null is accepted only where the spec
// says Nullable and is kept, because for some fields null means "remove"; an absent key
// stays absent unless the key is Required.
package jsonin
