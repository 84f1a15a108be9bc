package render

import (
	"strings"
	"testing"
)

// Whatever a document holds, its text has no control byte but the line feed and no
// non-ASCII byte, and rendering it does not panic.
func FuzzText(f *testing.F) {
	for _, kind := range []string{"test", "check", "plan", "route", "diff", "endpoints", "state", "apply", "report", "backups"} {
		f.Add(`{"schema":"ccproxy/` + kind + `@1"}`)
	}
	f.Add(`{"schema":"ccproxy/test@1","source":{"kind":"regFile","path":"a\u001b[2J\u202e.reg"},"verdict":"incomplete","missingEvidence":[{"what":"\u0007","supply":"\u009b"}],"findings":[{"id":"x\u001b","status":"fail","severity":"high","requirements":["R\u0000"],"message":"` + strings.Repeat("host.example ", 20) + `","remediation":{"summary":"s","command":"c\r"}}]}`)
	f.Add(`{"schema":"ccproxy/check@1","routing":{"source":"proxyFlag","proxy":"p\u001b:1"},"endpoints":[{"host":"h\u202e.example","port":443,"status":"fail","message":"m h\u202e.example","stages":[{"name":"tcp","ok":false}]}]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		for _, width := range []int{0, 40, 120} {
			out, err := Text([]byte(doc), Options{Width: width, Verbose: width == 120})
			if err != nil {
				return
			}
			for i, c := range out {
				if c != '\n' && (c < 0x20 || c >= 0x7f) {
					t.Fatalf("byte 0x%02x at %d of %q", c, i, out)
				}
			}
		}
	})
}
