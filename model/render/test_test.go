package render

import (
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
