package render

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// A document that names its verdict is rendered by it: incomplete, with the evidence that is
// missing and the first way to supply it as the next step; one without derives it.
func TestTestVerdict(t *testing.T) {
	doc := `{"schema":"ccproxy/test@1","source":{"kind":"regFile","path":"x.reg"},"compliant":false,
	"verdict":"incomplete","missingEvidence":[{"what":"SChannel's TLS 1.2 client settings","supply":"run 'ccproxy test' on the machine"}],
	"summary":{"pass":3,"fail":0,"warn":0,"notChecked":1,"notApplicable":0},
	"findings":[{"id":"tls12ClientEnabled","check":"tls12ClientEnabled","status":"notChecked","severity":"high","requirements":["CTX335879"],"title":"t","message":"m","remediation":null}]}`
	out, err := Text([]byte(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if !strings.HasPrefix(lines[0], "INCOMPLETE: ") || !strings.HasPrefix(lines[len(lines)-1], "INCOMPLETE; next: run 'ccproxy test' on the machine") {
		t.Errorf("want INCOMPLETE first and last:\n%s", out)
	}
	if !strings.Contains(strings.Join(strings.Fields(string(out)), " "), "1 not checked: missing SChannel's TLS 1.2 client settings; run 'ccproxy test' on the machine;") {
		t.Errorf("missing evidence not said:\n%s", out)
	}
	if out, _ := Text([]byte(doc), Options{Verbose: true}); !strings.Contains(string(out), "missing evidence:\n  - SChannel's TLS 1.2 client settings; run 'ccproxy test' on the machine") {
		t.Errorf("verbose: missing evidence not listed:\n%s", out)
	}
	old := strings.Replace(strings.Replace(doc, `"verdict":"incomplete",`, "", 1), `"compliant":false`, `"compliant":true`, 1)
	if out, _ := Text([]byte(old), Options{}); !strings.HasPrefix(string(out), "COMPLIANT: ") {
		t.Errorf("a document without verdict, compliant: %s", out)
	}
}

// Failures come first, then warnings, each by severity; a pass is listed only when verbose.
func TestTestOrder(t *testing.T) {
	doc := `{"schema":"ccproxy/test@1","source":{"kind":"registry"},"compliant":false,"summary":{},
	"findings":[
	{"id":"w1","status":"warn","severity":"high","requirements":[],"message":"w1m"},
	{"id":"f2","status":"fail","severity":"low","requirements":[],"message":"f2m"},
	{"id":"p1","status":"pass","severity":"high","requirements":[],"title":"p1t"},
	{"id":"f1","status":"fail","severity":"high","requirements":[],"message":"f1m","remediation":{"summary":"do","command":"ccproxy plan --import-ie"}}]}`
	out, _ := Text([]byte(doc), Options{})
	s := string(out)
	if !(strings.Index(s, "FAIL  f1") < strings.Index(s, "FAIL  f2") && strings.Index(s, "FAIL  f2") < strings.Index(s, "WARN  w1")) || strings.Contains(s, "p1") {
		t.Errorf("order or filter wrong:\n%s", s)
	}
	if !strings.HasSuffix(s, "NOT COMPLIANT; next: ccproxy plan --import-ie\n") {
		t.Errorf("last line:\n%s", s)
	}
	if out, _ := Text([]byte(doc), Options{Verbose: true}); !strings.Contains(string(out), "PASS         p1 (): p1t") {
		t.Errorf("verbose lists passes:\n%s", out)
	}
}

// However much evidence is missing, it takes one paragraph without --verbose.
func TestTestMissingEvidenceStaysShort(t *testing.T) {
	var items, findings []string
	for i := 0; i < 12; i++ {
		items = append(items, fmt.Sprintf(`{"what":"key %d","supply":"reg export HKLM\\SOFTWARE\\Key%d k%d.reg"}`, i, i, i))
		findings = append(findings, fmt.Sprintf(`{"id":"c%d","status":"notChecked","severity":"medium","requirements":["R4"],"title":"t","message":"m"}`, i))
	}
	doc := `{"schema":"ccproxy/test@1","source":{"kind":"regFile","path":"x.reg"},"compliant":false,"verdict":"incomplete",
	"missingEvidence":[` + strings.Join(items, ",") + `],"summary":{"notChecked":12},"findings":[` + strings.Join(findings, ",") + `]}`
	out, err := Text([]byte(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(out), "\n"); n > 14 {
		t.Errorf("%d lines:\n%s", n, out)
	}
	if !strings.Contains(string(out), "--verbose says how to supply each") {
		t.Errorf("no pointer to --verbose:\n%s", out)
	}
}

// A host name longer than the line is never cut; other long words (hex) still are.
func TestLongHostStaysWhole(t *testing.T) {
	host := strings.Repeat("a", 60) + "." + strings.Repeat("b", 40) + ".example"
	doc := `{"schema":"ccproxy/test@1","source":{"kind":"registry"},"compliant":false,"summary":{},
	"findings":[{"id":"f","status":"fail","severity":"high","requirements":[],"message":"the proxy ` + host + `: refused"}]}`
	out, _ := Text([]byte(doc), Options{Width: 80})
	if !strings.Contains(string(out), host) {
		t.Errorf("host cut:\n%s", out)
	}
}

// A bypass entry is a host pattern: it stays whole too, wildcard, underscore and port.
func TestBypassEntryStaysWhole(t *testing.T) {
	for _, entry := range []string{"*.corp.example:8443", "_ldap._tcp.corp.example", `"*.corp.example:8443"`} {
		doc := `{"schema":"ccproxy/test@1","source":{"kind":"registry"},"compliant":false,"summary":{},
		"findings":[{"id":"f","status":"fail","severity":"high","requirements":[],"message":"` + strings.ReplaceAll(entry, `"`, `\"`) + `"}]}`
		out, _ := Text([]byte(doc), Options{Width: 20})
		if !strings.Contains(string(out), entry) {
			t.Errorf("%s cut:\n%s", entry, out)
		}
	}
}

// A command is never broken across lines, at any width: the fix's command, the next step
// (below "WORD; next:" when both do not fit) and a command inside a sentence.
func TestCommandsStayWhole(t *testing.T) {
	plan := `ccproxy plan --proxy proxy.corp.example:8080 --bypass "<local>;*.corp.example;dc01.corp.example;10.0.20.15" --views "native,wow64"`
	ps := `foreach ($k in 'HKLM:\SOFTWARE\Microsoft\.NETFramework\v4.0.30319','HKLM:\SOFTWARE\WOW6432Node\Microsoft\.NETFramework\v4.0.30319') { Set-ItemProperty $k SchUseStrongCrypto 1 -Type DWord; Set-ItemProperty $k SystemDefaultTlsVersions 1 -Type DWord },`
	w32 := `w32tm /stripchart /computer:time.windows.com /samples:3`
	doc := `{"schema":"ccproxy/test@1","source":{"kind":"regFile","path":"x.reg"},"compliant":false,"verdict":"notCompliant","missingEvidence":[],
	"summary":{"pass":0,"fail":1,"warn":2,"notChecked":0,"notApplicable":0},"findings":[
	{"id":"winhttpViewsAgree","check":"winhttpViewsAgree","status":"fail","severity":"high","requirements":["R4"],"title":"t","message":"the views disagree","remediation":{"summary":"write both views","command":` + strconvQuote(plan) + `}},
	{"id":"dotnetStrongCrypto","check":"dotnetStrongCrypto","status":"warn","severity":"medium","requirements":["CTX335879"],"title":"t","message":"not set","remediation":{"summary":` + strconvQuote("in PowerShell: "+ps+" then restart") + `,"command":null}},
	{"id":"clock","check":"clock","status":"warn","severity":"low","requirements":["R6"],"title":"t","message":` + strconvQuote("no HTTP answer carried a Date, so the clock could not be compared; run check where the endpoints answer, or compare with: "+w32) + `,"remediation":null}]}`
	for _, width := range []int{40, 80, 120} {
		out, err := Text([]byte(doc), Options{Width: width})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []string{plan, strings.TrimSuffix(ps, ","), w32} {
			if !strings.Contains(string(out), c) {
				t.Errorf("width %d: %q is not on one line:\n%s", width, c, out)
			}
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if last := lines[len(lines)-1]; last != plan && last != "NOT COMPLIANT; next: "+plan {
			t.Errorf("width %d: the last line is %q, want the next step's command:\n%s", width, last, out)
		}
		if width < 120 && lines[len(lines)-2] != "NOT COMPLIANT; next:" {
			t.Errorf("width %d: the line before the command is %q", width, lines[len(lines)-2])
		}
		if strings.Contains(string(out), "the fix of") {
			t.Errorf("width %d: a next step that is no command:\n%s", width, out)
		}
	}
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// A command named in a sentence after ';', "then" or "or" is one unit too, and the words in
// parentheses after it stay the sentence's.
func TestCommandUnitsInSentence(t *testing.T) {
	got := commandUnits(strings.Fields("no check document probed the route; ccproxy check --compare --output check.json (on the connector machine), then ccproxy test --check check.json"))
	for _, want := range []string{"ccproxy check --compare --output check.json", "ccproxy test --check check.json", "(on"} {
		found := false
		for _, u := range got {
			found = found || u == want
		}
		if !found {
			t.Errorf("no unit %q in %q", want, got)
		}
	}
}
