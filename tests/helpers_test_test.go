package tests

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"ccproxy/commands"
	"ccproxy/model"
	"ccproxy/system"
)

// testcmdNow is the clock of in-process runs, so that golden documents are stable.
var testcmdNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testcmdRun runs ccproxy in this process with a fixed clock; live, when not nil, stands
// in for the live registry. Paths are relative to tests/.
func testcmdRun(t testing.TB, stdin []byte, live *system.MemStore, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	env := commands.NewEnv(bytes.NewReader(stdin), &out, &errb)
	env.Now = func() time.Time { return testcmdNow }
	env.Getenv = func(string) string { return "" }
	env.Build = commands.BuildInfo{Version: "test", Commit: "none", Date: "none"}
	env.ShowAdvproxy = func(context.Context) ([]byte, error) { return nil, errors.New("no netsh in this test") }
	env.OpenLive = func() (system.Writer, error) {
		if live == nil {
			return nil, &model.EnvError{Msg: "no live registry in this test"}
		}
		return live, nil
	}
	code := commands.Main(env, args)
	return result{stdout: out.Bytes(), stderr: errb.Bytes(), code: code}
}

// testcmdLive is a fake live registry: the services' WinHTTP value, the current user's
// WinINet blob, the boot time and the time the WinHTTP key was last written.
func testcmdLive(t testing.TB, winhttp, wininet *model.ConnBlob, boot, changed time.Time) *system.MemStore {
	t.Helper()
	st := system.NewMemStore(system.SourceInfo{Kind: "registry", Host: "CC01", CurrentUserName: `CORP\admin`, CurrentUserSID: "S-1-5-21-1-2-3-1001", BootTime: &boot})
	for _, v := range []struct {
		key, name string
		blob      *model.ConnBlob
	}{
		{model.WinHTTPNativeKey, model.WinHTTPValue, winhttp},
		{model.WinHTTPWOW64Key, model.WinHTTPValue, winhttp},
		{`HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`, model.DefaultConnValue, wininet},
	} {
		data, err := v.blob.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetValue(v.key, v.name, system.Value{Type: model.RegBinary, Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	// .NET Framework 4.8, as every Cloud Connector machine has.
	if err := st.SetValue(`HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full`, "Release", model.EncodeDWORD(528449)); err != nil {
		t.Fatal(err)
	}
	st.SetKeyTime(model.WinHTTPNativeKey, changed)
	st.SetKeyTime(model.WinHTTPWOW64Key, changed)
	return st
}
