package tests

import (
	"runtime"
	"strings"
	"testing"
)

func TestWatchElsewhereThanWindowsIsAnEnvironmentError(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("watch runs on Windows; the Wine tests cover it")
	}
	r := run(t, nil, "watch")
	if r.code != 3 || !strings.Contains(string(r.stderr), "only Windows has") || len(r.stdout) != 0 {
		t.Errorf("exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
}

func TestWatchBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"watch", "--debounce", "0s"}, "--debounce"},
		{[]string{"watch", "--advanced-interval", "1s"}, "--advanced-interval"},
		{[]string{"watch", "--rotate-size", "-1"}, "--rotate-size"},
		{[]string{"watch", "--desired", "no-such-file.json"}, "no-such-file.json"},
		{[]string{"watch", "--internal", "a b"}, "--internal"},
	} {
		r := run(t, nil, c.args...)
		if r.code != 2 || !strings.Contains(string(r.stderr), c.want) {
			t.Errorf("%v: exit %d, stderr %s", c.args, r.code, r.stderr)
		}
	}
}

func TestWatchHealFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"watch", "--heal"}, "needs --desired"},
		{[]string{"watch", "--heal", "--desired", "examples/desired-proxy.json", "--heal-window", "30m"}, "--heal-window"},
		{[]string{"watch", "--heal", "--desired", "examples/desired-proxy.json", "--heal-limit", "0"}, "--heal-limit"},
		{[]string{"watch", "--heal", "--desired", "examples/desired-proxy.json", "--stage-timeout", "0s"}, "--stage-timeout"},
	} {
		r := run(t, nil, c.args...)
		if r.code != 2 || !strings.Contains(string(r.stderr), c.want) {
			t.Errorf("%v: exit %d, stderr %s", c.args, r.code, r.stderr)
		}
	}
}

func TestServiceElsewhereThanWindowsIsAnEnvironmentError(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the Wine tests cover the service")
	}
	for _, args := range [][]string{{"service", "status"}, {"service", "install", "--desired", "examples/desired-proxy.json"}, {"service", "uninstall"}, {"service", "start"}, {"service", "stop"}} {
		r := run(t, nil, args...)
		if r.code != 3 || !strings.Contains(string(r.stderr), "only on Windows") || len(r.stdout) != 0 {
			t.Errorf("%v: exit %d, stdout %s, stderr %s", args, r.code, r.stdout, r.stderr)
		}
	}
}
