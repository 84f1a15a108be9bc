package wine

import (
	"testing"

	"github.com/tidwall/gjson"
)

// The prerequisite checks read the live registry through the same API as everything else:
// a FIPS policy and a disabled TLS 1.2 client written with reg.exe are seen by 'test'.
func TestPrerequisitesLive(t *testing.T) {
	b := bed(t)
	const (
		fips = `HKLM\SYSTEM\CurrentControlSet\Control\Lsa\FipsAlgorithmPolicy`
		tls  = `HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client`
	)
	b.MustRun(t, "reg", "add", fips, "/v", "Enabled", "/t", "REG_DWORD", "/d", "1", "/f")
	b.MustRun(t, "reg", "add", tls, "/v", "Enabled", "/t", "REG_DWORD", "/d", "0", "/f")
	defer b.MustRun(t, "reg", "delete", fips, "/v", "Enabled", "/f")
	defer b.MustRun(t, "reg", "delete", tls, "/f")
	res := ccproxy(t, b, "test", "--compress")
	if res.code != 1 {
		t.Fatalf("test: exit %d, want 1: %s", res.code, res.stderr)
	}
	for check, want := range map[string]string{"fipsModeOff": "fail", "tls12ClientEnabled": "fail"} {
		if got := gjson.GetBytes(res.stdout, `findings.#(id=="`+check+`").status`).String(); got != want {
			t.Errorf("%s: %s, want %s", check, got, want)
		}
	}
	if got := gjson.GetBytes(res.stdout, `findings.#(id=="rebootNotPending").status`).String(); got == "notChecked" {
		t.Errorf("rebootNotPending is notChecked on the live registry, which always knows")
	}
}
