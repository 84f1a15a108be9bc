//go:build !windows

package system

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckAdminOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "conf")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, "desired.json")
	if err := os.WriteFile(f, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := CheckAdminOnly(f)
	if os.Getuid() != 0 {
		if err == nil || !strings.Contains(err.Error(), "not root") {
			t.Fatalf("a file of uid %d passed: %v", os.Getuid(), err)
		}
		return
	}
	if err != nil {
		t.Fatalf("root's 0644 file in a 0755 folder: %v", err)
	}
	os.Chmod(f, 0o664)
	if err := CheckAdminOnly(f); err == nil || !strings.Contains(err.Error(), "desired.json") {
		t.Errorf("group-writable file passed: %v", err)
	}
	os.Chmod(f, 0o644)
	os.Chmod(dir, 0o777)
	if err := CheckAdminOnly(f); err == nil || !strings.Contains(err.Error(), "conf") {
		t.Errorf("file in a world-writable folder passed: %v", err)
	}
}
