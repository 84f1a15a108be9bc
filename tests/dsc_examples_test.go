package tests

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"ccproxy/model/dscres"
)

// dscParameterRef is the one configuration function the example uses.
var dscParameterRef = regexp.MustCompile(`^\[parameters\('([A-Za-z0-9_]+)'\)\]$`)

// dscResolve replaces "[parameters('name')]" strings as DSC does, from the parameters file
// or else the declared default; it records the names it used.
func dscResolve(t *testing.T, v any, values map[string]any, used map[string]bool) any {
	t.Helper()
	switch x := v.(type) {
	case string:
		m := dscParameterRef.FindStringSubmatch(x)
		if m == nil {
			if strings.HasPrefix(x, "[") {
				t.Errorf("%q: a configuration function this test does not know", x)
			}
			return x
		}
		val, ok := values[m[1]]
		if !ok {
			t.Errorf("parameter %q has no value and no default", m[1])
		}
		used[m[1]] = true
		return val
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = dscResolve(t, e, values, used)
		}
		return out
	case []any:
		out := []any{}
		for _, e := range x {
			out = append(out, dscResolve(t, e, values, used))
		}
		return out
	}
	return v
}

// The DSC configuration document is well formed, its resource instances validate against
// DSC's resource-instance schema and ours once the parameters are filled in, and applying
// it on a machine gives the promised result: WinHTTP uses the administrator's proxy and
// every internal resource is bypassed.
func TestDscConfigDocument(t *testing.T) {
	var doc struct {
		Schema     string `json:"$schema"`
		Parameters map[string]struct {
			Type         string `json:"type"`
			Description  string `json:"description"`
			DefaultValue any    `json:"defaultValue"`
		} `json:"parameters"`
		Resources []json.RawMessage `json:"resources"`
	}
	raw, err := os.ReadFile(filepath.Join("..", "examples", "dsc", "connector-proxy.dsc.config.json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Schema != "https://aka.ms/dsc/schemas/v3/bundled/config/document.json" {
		t.Errorf("$schema %q", doc.Schema)
	}
	var params struct {
		Parameters map[string]any `json:"parameters"`
	}
	praw, err := os.ReadFile(filepath.Join("..", "examples", "dsc", "connector-proxy.parameters.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(praw, &params); err != nil {
		t.Fatal(err)
	}
	values := map[string]any{}
	for name, p := range doc.Parameters {
		if p.Description == "" {
			t.Errorf("parameter %s has no description", name)
		}
		if p.DefaultValue != nil {
			values[name] = p.DefaultValue
		}
	}
	for name, v := range params.Parameters {
		p, ok := doc.Parameters[name]
		if !ok {
			t.Errorf("the parameters file sets %q, which the document does not declare", name)
		}
		kind := map[string]string{"string": "string", "array": "[]interface {}"}[p.Type]
		if got := reflect.TypeOf(v).String(); got != kind {
			t.Errorf("parameter %s is declared %s but given a %s", name, p.Type, got)
		}
		values[name] = v
	}

	// DSC's schema of a resource instance in a configuration, from its export schema.
	export, err := os.ReadFile(filepath.Join(dscSchemas, "stdout-export.json"))
	if err != nil {
		t.Fatal(err)
	}
	exportDoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(export))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(dscLoader{})
	if err := c.AddResource("https://raw.githubusercontent.com/PowerShell/DSC/main/schemas/v3/resource/stdout/export.json", exportDoc); err != nil {
		t.Fatal(err)
	}
	// The definition the export schema bundles, addressed by its place in that schema.
	resourceSchema, err := c.Compile("https://raw.githubusercontent.com/PowerShell/DSC/main/schemas/v3/resource/stdout/export.json#/$defs/" +
		strings.ReplaceAll("https://raw.githubusercontent.com/PowerShell/DSC/main/schemas/v3/config/document.resource.json", "/", "~1"))
	if err != nil {
		t.Fatal(err)
	}
	if dscValidate(resourceSchema, []byte(`{"name":"Connector/proxy","type":"CCProxy/ProxySettings"}`)) == nil {
		t.Fatal("DSC's resource schema accepts a name DSC refuses; the check proves nothing")
	}
	instance := dscInstanceSchema(t)

	const sid = "S-1-5-21-1004336348-1177238915-682003330-1001"
	if values["proxyUser"] != sid {
		t.Fatalf("the parameters file names %v, this test logs on %s", values["proxyUser"], sid)
	}
	ours := 0
	used := map[string]bool{}
	for i, r := range doc.Resources {
		if err := dscValidate(resourceSchema, r); err != nil {
			t.Errorf("resource %d: %v", i, err)
		}
		var res struct {
			Type       string         `json:"type"`
			Properties map[string]any `json:"properties"`
		}
		if err := json.Unmarshal(r, &res); err != nil {
			t.Fatal(err)
		}
		if res.Type != dscres.Type {
			continue
		}
		ours++
		props, err := json.Marshal(dscResolve(t, res.Properties, values, used))
		if err != nil {
			t.Fatal(err)
		}
		if err := dscValidate(instance, props); err != nil {
			t.Errorf("resource %d against the instance schema: %v\n%s", i, err, props)
		}

		live := planLive(t, "ie-proxy-winhttp-direct.reg")
		m := newPlanMachine(t, live)
		logOn(t, live, sid, "proxy.corp.example:8080", "<local>;*.corp.example")
		state, diff := dscDecode(t, m.dscRun(t, nil, "", "dsc", "set", "--input", string(props)))
		if !reflect.DeepEqual(diff, []string{"winhttp"}) {
			t.Errorf("set changed %v", diff)
		}
		w := state["winhttp"].(map[string]any)
		if w["proxy"] != "proxy.corp.example:8080" {
			t.Errorf("WinHTTP proxy %v", w["proxy"])
		}
		var bypass []string
		for _, b := range w["bypass"].([]any) {
			bypass = append(bypass, b.(string))
		}
		for _, want := range values["internalResources"].([]any) {
			if !slices.Contains(bypass, want.(string)) {
				t.Errorf("bypass %v lacks %v", bypass, want)
			}
		}
		state, _ = dscDecode(t, m.dscRun(t, nil, "", "dsc", "test", "--input", string(props)))
		if state["_inDesiredState"] != true {
			t.Errorf("test after set: %v", state)
		}
	}
	if ours != 1 {
		t.Errorf("%d CCProxy/ProxySettings resources, want 1", ours)
	}
	for name := range doc.Parameters {
		if !used[name] {
			t.Errorf("parameter %s is declared but not used", name)
		}
	}
}

// The rules file next to the discovery script is what 'ccproxy intune-rules' prints, so
// the two cannot drift apart.
func TestIntuneRulesExample(t *testing.T) {
	path := filepath.Join("..", "examples", "intune", "ccproxy-compliance-rules.json")
	r := run(t, nil, "intune-rules")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if *update {
		if err := os.WriteFile(path, r.stdout, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, r.stdout) {
		t.Errorf("%s differs from 'ccproxy intune-rules'; run 'go test ./tests -update'", path)
	}
}

// exampleScripts lists the PowerShell scripts under examples/.
func exampleScripts(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join("..", "examples"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".ps1") {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	if len(out) < 5 {
		t.Fatalf("only %d scripts: %v", len(out), out)
	}
	return out
}

var (
	helpersRegion  = regexp.MustCompile(`(?s)#region ccproxy helpers.*?#endregion`)
	invokeFunction = regexp.MustCompile(`(?s)function Invoke-CCProxy \{.*?\n\}\n`)
	invokeResult   = regexp.MustCompile(`\$(\w+) = Invoke-CCProxy\b`)
)

// Each script must stand alone (Intune uploads one file), so 'ccproxy scripts' writes the
// helpers into every one from one source; they are the same everywhere. A script runs
// ccproxy only through Invoke-CCProxy, which keeps stderr apart, and reads the exit code of
// every run. The scripts are ASCII so that Windows PowerShell 5.1 reads them in any code page.
func TestExampleScriptsShareHelpers(t *testing.T) {
	var first string
	for _, p := range exampleScripts(t) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range b {
			if c >= 0x80 {
				t.Errorf("%s: non-ASCII byte at %d", p, i)
				break
			}
		}
		blocks := helpersRegion.FindAllString(string(b), -1)
		if len(blocks) != 1 {
			t.Errorf("%s: %d helper regions, want 1", p, len(blocks))
			continue
		}
		if first == "" {
			first = blocks[0]
		} else if blocks[0] != first {
			t.Errorf("%s: the helper region differs from the other scripts'", p)
		}
		if n := len(invokeFunction.FindAllString(string(b), -1)); n != 1 {
			t.Fatalf("%s: %d definitions of Invoke-CCProxy, want 1", p, n)
		}
		body := invokeFunction.ReplaceAllString(string(b), "")
		if strings.Contains(strings.ToLower(body), "& $exe") {
			t.Errorf("%s runs ccproxy outside Invoke-CCProxy", p)
		}
		calls := invokeResult.FindAllStringSubmatch(body, -1)
		if len(calls) == 0 {
			t.Errorf("%s never calls Invoke-CCProxy", p)
		}
		for _, c := range calls {
			if !strings.Contains(body, "$"+c[1]+".ExitCode") {
				t.Errorf("%s: $%s = Invoke-CCProxy, but $%s.ExitCode is never read", p, c[1], c[1])
			}
		}
	}
}

var (
	scriptSubcommand = regexp.MustCompile(`@\('([a-z][a-z-]*)'`)
	scriptFlag       = regexp.MustCompile(`'(--[a-z][a-z-]*)'`)
)

// Every ccproxy subcommand and flag a script passes exists, so a renamed flag fails here
// rather than on a fleet.
func TestExampleScriptsUseKnownFlags(t *testing.T) {
	help := map[string]string{}
	for _, p := range exampleScripts(t) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var subs []string
		for _, m := range scriptSubcommand.FindAllStringSubmatch(string(b), -1) {
			if strings.HasPrefix(m[1], "-") {
				continue
			}
			if _, ok := help[m[1]]; !ok {
				r := run(t, nil, m[1], "--help")
				if r.code != 0 {
					t.Errorf("%s: 'ccproxy %s' is not a command", p, m[1])
				}
				help[m[1]] = string(r.stdout)
			}
			subs = append(subs, m[1])
		}
		if len(subs) == 0 {
			t.Errorf("%s runs no ccproxy command", p)
		}
		for _, m := range scriptFlag.FindAllStringSubmatch(string(b), -1) {
			found := false
			for _, s := range subs {
				if strings.Contains(help[s], m[1]+"=") || strings.Contains(help[s], m[1]+" ") {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: %s is a flag of none of %v", p, m[1], subs)
			}
		}
	}
}
