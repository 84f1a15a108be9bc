package commands

import (
	"bytes"
	"runtime/debug"
	"strings"
	"testing"
)

func TestWithVCS(t *testing.T) {
	info := &debug.BuildInfo{Settings: []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	cases := []struct {
		name       string
		in         BuildInfo
		info       *debug.BuildInfo
		commit, at string
	}{
		{"plain go build in a checkout", BuildInfo{"dev", "unknown", "unknown"}, info, "0123456789abcdef0123456789abcdef01234567-dirty", "2026-12-01T10:00:00Z"},
		{"stamped by build.ps1", BuildInfo{"1.0.0", "feedface", "2026-11-30"}, info, "feedface", "2026-11-30"},
		{"outside a checkout", BuildInfo{"dev", "unknown", "unknown"}, &debug.BuildInfo{}, "unknown", "unknown"},
		{"no build information", BuildInfo{"dev", "unknown", "unknown"}, nil, "unknown", "unknown"},
	}
	for _, c := range cases {
		got := WithVCS(c.in, c.info)
		if got.Commit != c.commit || got.Date != c.at || got.Version != c.in.Version {
			t.Errorf("%s: %+v, want commit %q date %q", c.name, got, c.commit, c.at)
		}
	}
	clean := &debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "false"}}}
	if got := WithVCS(BuildInfo{Commit: "unknown"}, clean); got.Commit != "abc" {
		t.Errorf("clean tree: commit %q", got.Commit)
	}
}

// Reading a console's stdin says so once on stderr; the bytes read are unchanged.
func TestTerminalStdinSaysItIsWaiting(t *testing.T) {
	var stderr, stdout bytes.Buffer
	doc := `{"schema":"ccproxy/check@1","source":{"host":"CC01"},"startedAt":"2026-03-01T10:00:00Z","ok":true,"interception":{"verdict":"none","issuers":[]},"endpoints":[]}`
	env := &Env{Stdin: &terminalStdin{r: strings.NewReader(doc + "\n"), w: &stderr}, Stdout: &stdout, Stderr: &stderr,
		Getenv: func(string) string { return "" }}
	env.Now = NewEnv(nil, nil, nil).Now
	code := Main(env, []string{"report", "-", "--log-format", "json"})
	if n := strings.Count(stderr.String(), "reading standard input from the console"); n != 1 {
		t.Errorf("exit %d; notice printed %d times; stderr:\n%s", code, n, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"ccproxy/report@1"`) {
		t.Errorf("exit %d; no report on stdout:\n%s", code, stdout.String())
	}
}
