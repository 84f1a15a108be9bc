package system

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"ccproxy/model"
)

// AdvancedRunner runs 'netsh winhttp show advproxy' and returns what it printed; tests swap
// it for a fake.
type AdvancedRunner func(ctx context.Context) (stdout []byte, err error)

// runNetshAdvproxy runs the system's own netsh.exe, never one found on the PATH.
func runNetshAdvproxy(ctx context.Context) ([]byte, error) {
	netsh := filepath.Join(os.Getenv("SystemRoot"), "System32", "netsh.exe")
	if os.Getenv("SystemRoot") == "" {
		netsh = `C:\Windows\System32\netsh.exe`
	}
	cmd := exec.CommandContext(ctx, netsh, "winhttp", "show", "advproxy")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if err != nil {
		msg := strings.TrimSpace(out.String() + " " + errOut.String())
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return nil, fmt.Errorf("%v%s", err, map[bool]string{true: "", false: ": " + msg}[msg == ""])
	}
	return out.Bytes(), nil
}

// ReadLiveAdvanced reads the advanced WinHTTP settings of the running system through netsh,
// which prints them as JSON after a header. Where they live in the registry is not
// documented, and WinHTTP's own reader (WinHttpGetProxySettingsEx, Windows 11 22H2 and
// later) is missing from older Windows and from Wine, so netsh is the one reader every
// system that has the settings also has. The reason says why they are unknown otherwise.
func ReadLiveAdvanced(run AdvancedRunner) (*model.AdvancedSettings, string) {
	if run == nil {
		run = runNetshAdvproxy
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	out, err := run(ctx)
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return nil, "'netsh winhttp show advproxy' did not answer within 15 s"
	case err != nil:
		return nil, "'netsh winhttp show advproxy' failed (" + model.RedactCredentials(err.Error()) + "); the advanced settings exist on Windows 11 and Windows Server 2022 and later"
	}
	a, _, perr := ParseAdvanced("netsh winhttp show advproxy", out)
	if perr != nil {
		return nil, "the output of 'netsh winhttp show advproxy' could not be read (" + perr.Error() + "); the advanced settings exist on Windows 11 and Windows Server 2022 and later"
	}
	a.Source = "netshShowAdvproxy"
	return a, ""
}
