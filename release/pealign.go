package main

import (
	"fmt"
	"os"

	"ccproxy/release/pealign"
)

// alignPEFile aligns one executable in place (release -align-pe FILE).
func alignPEFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := pealign.Align(b, pealign.PageSize)
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return os.WriteFile(path, out, 0o755)
}
