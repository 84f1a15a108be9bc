package tests

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"ccproxy/schema/schematest"
)

func TestEndpointsGolden(t *testing.T) {
	for _, tt := range []struct {
		golden string
		args   []string
	}{
		{"commercial.json", nil},
		{"commercial-acme.json", []string{"--customer-id", "acme"}},
		{"commercial.txt", []string{"--format", "list"}},
		{"japan.txt", []string{"--region", "japan", "--format", "list"}},
		{"government.json", []string{"--region", "government", "--customer-id", "agency1"}},
		{"citrix-allowlist.json", []string{"--catalog", "tests/testdata/endpoints/input-citrix-allowlist.json", "--customer-id", "acme"}},
		{"citrix-allowlist.txt", []string{"--catalog", "tests/testdata/endpoints/input-citrix-allowlist.json", "--format", "list"}},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			r := run(t, nil, append([]string{"endpoints"}, tt.args...)...)
			// A list known to be incomplete says so on stderr in the formats without room
			// for notes, and only there.
			incomplete := strings.Contains(strings.Join(tt.args, " "), "japan") && !strings.HasSuffix(tt.golden, ".json")
			if r.code != 0 || (len(r.stderr) != 0) != incomplete || (incomplete && !strings.Contains(string(r.stderr), "--catalog")) {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if strings.HasSuffix(tt.golden, ".json") {
				if err := schematest.CheckContract(r.stdout); err != nil {
					t.Errorf("contract: %v", err)
				}
				if err := schematest.Validate(r.stdout); err != nil {
					t.Errorf("schema: %v", err)
				}
			} else {
				for _, line := range strings.Split(strings.TrimSuffix(string(r.stdout), "\n"), "\n") {
					host, port, hasPort := strings.Cut(line, ":")
					if line == "" || strings.ContainsAny(host, " \t<>/:") || (hasPort && (port == "443" || strings.Trim(port, "0123456789") != "")) {
						t.Errorf("text line %q is not an allow-list pattern", line)
					}
				}
			}
			golden(t, filepath.Join("endpoints", tt.golden), r.stdout)
		})
	}
}

func TestEndpointsCustomerID(t *testing.T) {
	with := run(t, nil, "endpoints", "--customer-id", "Acme", "--compress")
	hosts := gjson.GetBytes(with.stdout, `entries.#(pattern=="*.xendesktop.net").probeHosts`).String()
	if hosts != `["acme.xendesktop.net"]` || gjson.GetBytes(with.stdout, "customerId").String() != "acme" {
		t.Errorf("with a customer id: %s", hosts)
	}
	without := run(t, nil, "endpoints", "--compress")
	if got := gjson.GetBytes(without.stdout, `entries.#(pattern=="*.xendesktop.net").probeHosts`).String(); got != "[]" {
		t.Errorf("without a customer id: %s", got)
	}
	if !strings.Contains(gjson.GetBytes(without.stdout, "catalog.notes").String(), "--customer-id") {
		t.Error("no note that the customer id is missing")
	}
}

func TestEndpointsErrors(t *testing.T) {
	for _, tt := range []struct {
		args  []string
		stdin string
		want  string
	}{
		{[]string{"--region", "europe"}, "", "europe"},
		{[]string{"--customer-id", "acme corp"}, "", `--customer-id: \"acme corp\"`},
		{[]string{"--catalog", "does-not-exist.json"}, "", "does-not-exist.json"},
		{[]string{"--catalog", "-"}, `{"A": {"AllowList": ["bad host"]}}`, `stdin: $.A.AllowList[0]`},
		{[]string{"--catalog", "-"}, `{"schema": "ccproxy/catalog@1", "regions": {"commercial": [{"pattern": "a.com", "purpse": "x", "source": "y"}]}}`, `did you mean \"purpose\"`},
		{[]string{"--catalog", "-"}, ``, "stdin"},
		{[]string{"--format", "yaml"}, "", "yaml"},
	} {
		var stdin []byte
		if tt.stdin != "" || len(tt.args) > 1 && tt.args[1] == "-" {
			stdin = []byte(tt.stdin)
		}
		r := run(t, stdin, append([]string{"endpoints"}, tt.args...)...)
		lines := strings.Split(strings.TrimSpace(string(r.stderr)), "\n")
		if r.code != 2 || len(r.stdout) != 0 || len(lines) != 1 || !strings.Contains(lines[0], tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
}

// --customer-id shows in every format: JSON and text name it, csv and list on stderr at
// --log-level info; a successful run of a complete region writes nothing on stderr at the
// default level, since the customer note asks nothing of the user.
func TestEndpointsCustomerIDEveryFormat(t *testing.T) {
	for _, f := range []string{"text", "csv", "list", "json"} {
		r := run(t, nil, "endpoints", "--customer-id", "acme", "--format", f)
		if r.code != 0 || len(r.stderr) > 0 {
			t.Errorf("--format %s: exit %d, stderr %s", f, r.code, r.stderr)
		}
		r = run(t, nil, "endpoints", "--customer-id", "acme", "--format", f, "--log-level", "info")
		if !strings.Contains(string(r.stdout)+string(r.stderr), "acme") {
			t.Errorf("--format %s: the customer id shows nowhere", f)
		}
	}
	// A known-incomplete region is a caveat to act on: a warning at the default level.
	if r := run(t, nil, "endpoints", "--region", "japan", "--format", "list"); !strings.Contains(string(r.stderr), "japan") {
		t.Errorf("japan: no warning on stderr: %s", r.stderr)
	}
	// No entry twice in any format.
	for _, f := range []string{"csv", "list"} {
		r := run(t, nil, "endpoints", "--format", f)
		seen := map[string]bool{}
		for _, l := range strings.Split(string(r.stdout), "\n") {
			if l != "" && seen[l] {
				t.Errorf("--format %s: %q twice", f, l)
			}
			seen[l] = true
		}
	}
}
