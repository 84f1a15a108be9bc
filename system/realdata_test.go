package system

import (
	"os"
	"path/filepath"
	"testing"
)

// realCapture reads one of the real captures kept beside the checkout in
// ../shared/realdata (text Windows printed on real machines, with its provenance in that
// folder's README). A clone without that folder skips these tests, saying so; the same
// shapes are covered by the vectors written in the tests themselves.
func realCapture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "shared", "realdata", name))
	if err != nil {
		if os.Getenv("CCPROXY_REQUIRE_REALDATA") == "" && os.IsNotExist(err) {
			t.Skipf("the real capture %s is not beside this checkout (../shared/realdata); set CCPROXY_REQUIRE_REALDATA=1 to make that a failure", name)
		}
		t.Fatalf("the real capture is missing: %v", err)
	}
	return data
}
