package render

import (
	"strings"
	"testing"
)

// The check headline names the cause that failed: a 407 is proxy authentication, and R8
// is named only when the proxy refused CONNECT to an IP address.
func TestCheckHeadlineCause(t *testing.T) {
	ep := func(failure string) string {
		return `{"host":"a.citrixworkspacesapi.net","port":443,"required":true,"status":"fail","failure":"` + failure + `"}`
	}
	for _, tt := range []struct {
		name, endpoints, ipLiteral, want, notWant string
	}{
		{"407 everywhere", ep("proxyAuthRequired") + "," + ep("proxyAuthRequired"), `{"status":"fail","failure":"proxyAuthRequired","proxyRefuses":null}`, "authentication (407)", "R8"},
		{"R8 alone", "", `{"status":"fail","failure":"proxyDenied","proxyRefuses":true}`, "refuses CONNECT to an IP address (R8)", "authentication"},
		{"timeouts", ep("timeout") + "," + ep("timeout") + "," + ep("dnsFailure"), `{"status":"notChecked"}`, "time out", "R8"},
	} {
		doc := `{"schema":"ccproxy/check@1","ok":false,"allRoutesAsExpected":true,"counts":{"passed":0,"total":2,"failed":2},"routing":{"source":"winhttp","proxy":"p:8080"},"interception":{"verdict":"none"},"ipLiteral":` + tt.ipLiteral + `,"endpoints":[` + tt.endpoints + `]}`
		out, err := Text([]byte(doc), Options{Width: 200})
		if err != nil {
			t.Fatal(err)
		}
		head := strings.SplitN(string(out), "\n", 2)[0]
		if !strings.Contains(head, tt.want) || strings.Contains(head, tt.notWant) {
			t.Errorf("%s: headline %q, want %q and not %q", tt.name, head, tt.want, tt.notWant)
		}
	}
}
