// Package wine runs ccproxy's Windows build under Wine, against a registry that Wine's own
// WinHTTP and WinINet write, so that the live-registry code is exercised on Linux CI.
//
// One Wine prefix serves a whole `go test` run: creating one takes 10-30 s. Tests share it
// one after the other and reset the proxy keys they use (Reset) before they start.
package wine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"ccproxy/release/pealign"
)

// RequireEnv, set to 1, turns a missing Wine or MinGW into a failure instead of a skip, so
// that CI cannot pass without having run these tests.
const RequireEnv = "CCPROXY_REQUIRE_WINE"

// MissingMsg is the skip (or failure) message when the tools are not installed.
const MissingMsg = "wine not found: install wine64 and gcc-mingw-w64-x86-64 to run the Windows tests"

// The keys the tests change, as reg.exe spells them.
const (
	KeyWinHTTP64   = `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`
	KeyWinHTTP32   = `HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`
	KeyWinINet     = `HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Internet Settings`
	KeyWinINetConn = KeyWinINet + `\Connections`
)

// Bed is a built ccproxy, the helper programs and a booted Wine prefix.
type Bed struct {
	Wine       string // wine or wine64
	Wineserver string
	Prefix     string // WINEPREFIX
	Bin        string // the built programs: ccproxy.exe, winhelper.exe, system.test.exe, ccproxy (host)
	Root       string // the repository
	// HostCCProxy is ccproxy built for the host, to read exports the way a Linux user would.
	HostCCProxy string
	// ServicesLog receives the output of the prefix's service manager and of the services
	// it starts, with the Event Log calls traced (see ServiceManager).
	ServicesLog string
	servicesPID int
	env         []string
	tmp         string
}

// Tools finds wine and the MinGW compiler. A nil error means the bed can be built.
func Tools() (wine, wineserver, mingw string, err error) {
	for _, name := range []string{"wine", "wine64"} {
		if p, e := exec.LookPath(name); e == nil {
			wine = p
			break
		}
	}
	wineserver, _ = exec.LookPath("wineserver")
	mingw, _ = exec.LookPath("x86_64-w64-mingw32-gcc")
	if wine == "" || wineserver == "" || mingw == "" {
		return "", "", "", errors.New(MissingMsg)
	}
	return wine, wineserver, mingw, nil
}

// Required reports whether the environment asks for the Wine tests to run, not skip.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// Setup builds everything and boots a fresh prefix. log receives progress lines.
func Setup(log func(string)) (*Bed, error) {
	wine, wineserver, mingw, err := Tools()
	if err != nil {
		return nil, err
	}
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "ccproxy-wine-")
	if err != nil {
		return nil, err
	}
	b := &Bed{Wine: wine, Wineserver: wineserver, Root: root, tmp: tmp,
		Prefix: filepath.Join(tmp, "prefix"), Bin: filepath.Join(tmp, "bin")}
	b.HostCCProxy = filepath.Join(b.Bin, "ccproxy")
	ok := false
	defer func() {
		if !ok {
			b.Close()
		}
	}()
	if err := os.MkdirAll(b.Bin, 0o755); err != nil {
		return nil, err
	}

	start := time.Now()
	if err := b.build(mingw); err != nil {
		return nil, err
	}
	log(fmt.Sprintf("built ccproxy, helpers and shim in %s", time.Since(start).Round(time.Millisecond)))

	b.env = append(cleanEnv(os.Environ()),
		"WINEPREFIX="+b.Prefix,
		"WINEARCH=win64",
		"WINEDEBUG=-all",
		// No Mono or Gecko installer prompts, no window: nothing here needs them.
		"WINEDLLOVERRIDES=mscoree,mshtml=",
		"DISPLAY=",
	)
	if os.Getenv("HOME") == "" {
		// Wine wants a home directory even with WINEPREFIX set.
		b.env = append(b.env, "HOME="+tmp)
	}
	start = time.Now()
	if err := b.boot(); err != nil {
		return nil, err
	}
	log(fmt.Sprintf("booted Wine prefix %s in %s", b.Prefix, time.Since(start).Round(time.Millisecond)))
	ok = true
	return b, nil
}

func repoRoot() (string, error) {
	// go test runs in the package directory, tests/wine.
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return "", err
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || !bytes.HasPrefix(bytes.TrimSpace(mod), []byte("module ccproxy")) {
		return "", fmt.Errorf("%s is not the ccproxy repository (run the tests from tests/wine)", root)
	}
	statSources(root)
	return root, nil
}

// statSources looks at every source file the Windows binaries are built from. go test caches
// a passing result keyed by the files the test looked at; the binaries are built by a child
// process it cannot see, so without this a change to ccproxy would replay a stale pass.
func statSources(root string) {
	_ = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".c", ".json", ".mod", ".sum":
			_, _ = os.Stat(path)
		}
		return nil
	})
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// cleanEnv drops variables that would make Wine or the builds behave differently from CI.
func cleanEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "WINEPREFIX", "WINEARCH", "WINEDEBUG", "WINEDLLOVERRIDES", "WINESERVER", "DISPLAY", "WAYLAND_DISPLAY",
			"GOOS", "GOARCH", "CGO_ENABLED",
			"COLUMNS": // the width of text output: the tests' own, not the terminal's they ran in
			continue
		}
		out = append(out, kv)
	}
	return out
}

func (b *Bed) build(mingw string) error {
	winEnv := append(cleanEnv(os.Environ()), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	hostEnv := append(cleanEnv(os.Environ()), "CGO_ENABLED=0")
	steps := []struct {
		env  []string
		name string
		args []string
	}{
		{winEnv, goTool(), []string{"build", "-o", filepath.Join(b.Bin, "ccproxy.exe"), "."}},
		{winEnv, goTool(), []string{"build", "-o", filepath.Join(b.Bin, "winhelper.exe"), "./tests/wine/winhelper"}},
		{winEnv, goTool(), []string{"test", "-c", "-o", filepath.Join(b.Bin, "system.test.exe"), "./system"}},
		{hostEnv, goTool(), []string{"build", "-o", b.HostCCProxy, "."}},
		{hostEnv, mingw, []string{"-shared", "-O2", "-s", "-o", filepath.Join(b.Bin, "bcryptprimitives.dll"),
			filepath.Join("tests", "wine", "shim", "bcryptprimitives.c"), "-ladvapi32"}},
	}
	for _, s := range steps {
		cmd := exec.Command(s.name, s.args...)
		cmd.Dir = b.Root
		cmd.Env = s.env
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s %s: %v\n%s", filepath.Base(s.name), strings.Join(s.args, " "), err, out)
		}
	}
	// The layout the release ships: sections page-aligned in the file (release/pealign), so
	// every test runs what users run.
	exe := filepath.Join(b.Bin, "ccproxy.exe")
	raw, err := os.ReadFile(exe)
	if err != nil {
		return err
	}
	aligned, err := pealign.Align(raw, pealign.PageSize)
	if err != nil {
		return fmt.Errorf("%s: %v", exe, err)
	}
	return os.WriteFile(exe, aligned, 0o755)
}

func (b *Bed) boot() error {
	if err := os.MkdirAll(b.Prefix, 0o755); err != nil {
		return err
	}
	b.ServicesLog = filepath.Join(b.tmp, "services.log")
	if err := b.startWine(); err != nil {
		return err
	}
	sys32 := filepath.Join(b.Prefix, "drive_c", "windows", "system32")
	dll, err := os.ReadFile(filepath.Join(b.Bin, "bcryptprimitives.dll"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(sys32, "bcryptprimitives.dll"), dll, 0o644); err != nil {
		return fmt.Errorf("installing the ProcessPrng shim: %v", err)
	}
	return nil
}

// startWine starts the wineserver and the prefix's service manager (creating the prefix
// the first time), the service manager's output going to ServicesLog.
func (b *Bed) startWine() error {
	// A wineserver that outlives its programs by a while keeps each later wine call well
	// under a second (the default one exits at once when idle, and the next call pays its
	// start-up again). Close stops it; if the test binary dies first, it goes by itself.
	// It forks into the background and keeps any pipe it is given open: let it write to
	// nothing, or the call would wait for it to exit.
	if err := b.command(context.Background(), b.Wineserver, "-p30").Run(); err != nil {
		return fmt.Errorf("wineserver -p30: %v", err)
	}
	// The first program started on a new wineserver makes Wine run "wineboot --init" by
	// itself, which creates the prefix if need be and starts the service manager
	// (services.exe); the program waits for it. Running "wineboot -i" as that program would
	// start a second services.exe beside the first: both then serve the svcctl pipe, each
	// with its own service database, a client reaches either one, and so a service created
	// through one is "does not exist" for the other and a service one starts times out
	// (ERROR_SERVICE_REQUEST_TIMEOUT) connecting to the other. A program that does nothing
	// boots the prefix once.
	//
	// The service manager and the services it starts (ccproxy's among them) keep this
	// program's output and environment: they write to ServicesLog, and trace the Event Log
	// calls (ReportEventW) on the eventlog channel.
	log, err := os.OpenFile(b.ServicesLog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	// On a busy machine a new prefix has been seen to take close to a minute.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := b.command(ctx, b.Wine, "cmd", "/c", "exit", "0")
	cmd.Env = append(cmd.Env, "WINEDEBUG=-all,+eventlog")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("booting the prefix (wine cmd /c exit 0): %v; see %s", err, b.ServicesLog)
	}
	pids := b.serviceManagers()
	if len(pids) > 1 {
		return fmt.Errorf("booting the prefix started %d service managers (services.exe), not one", len(pids))
	}
	b.servicesPID = 0
	if len(pids) == 1 {
		b.servicesPID = pids[0]
	}
	return nil
}

// ServiceManager makes sure that the prefix's service manager is the one whose output goes
// to ServicesLog, and that it is the only one. The wineserver ends the service manager
// when it has been idle for 30 s; the next program would start another one, whose output
// goes wherever that program's does: then the wineserver is stopped and started again.
func (b *Bed) ServiceManager(t testing.TB) {
	t.Helper()
	pids := b.serviceManagers()
	if len(pids) == 1 && pids[0] == b.servicesPID {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	b.command(ctx, b.Wineserver, "-k").Run()
	cancel()
	for end := time.Now().Add(10 * time.Second); len(b.serviceManagers()) > 0 && time.Now().Before(end); {
		time.Sleep(100 * time.Millisecond)
	}
	if err := b.startWine(); err != nil {
		t.Fatal(err)
	}
	if b.servicesPID == 0 {
		t.Fatalf("no service manager (services.exe) of the prefix %s runs", b.Prefix)
	}
}

// serviceManagers lists the prefix's running services.exe processes: those whose
// environment names this prefix (a process's environ is readable by its owner).
func (b *Bed) serviceManagers() []int {
	want := []byte("WINEPREFIX=" + b.Prefix + "\x00")
	procs, _ := os.ReadDir("/proc")
	var pids []int
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", p.Name(), "cmdline"))
		if err != nil || !bytes.HasSuffix(bytes.TrimRight(cmdline, "\x00"), []byte(`\services.exe`)) {
			continue
		}
		if env, err := os.ReadFile(filepath.Join("/proc", p.Name(), "environ")); err == nil && bytes.Contains(env, want) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func (b *Bed) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = b.env
	cmd.Dir = b.tmp
	// Programs that Wine starts on the side (services, wineboot's helpers) may inherit the
	// output pipes and hold them open after the program itself has exited.
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// Close stops the prefix's wineserver and removes the prefix and the builds.
func (b *Bed) Close() {
	if b.env != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		b.command(ctx, b.Wineserver, "-k").Run()
		cancel()
	}
	if b.tmp != "" {
		os.RemoveAll(b.tmp)
	}
}

// exe resolves a program built here ("ccproxy.exe") to its path; anything else (reg,
// regedit) is left for Wine to find.
func (b *Bed) exe(name string) string {
	if !strings.ContainsAny(name, `/\`) {
		if p := filepath.Join(b.Bin, name); fileExists(p) {
			return p
		}
	}
	return name
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Run runs a Windows program under Wine and returns what it wrote and its exit code. When
// Wine's own launcher fails to start the program at all ("ShellExecuteEx failed", or a
// non-zero exit with nothing written, both seen on a loaded machine), nothing ran, and the
// command is started again, up to twice. Neither ccproxy nor winhelper ever fails without
// writing a line: ccproxy names every error on stderr, and winhelper writes "winhelper
// CMD: ..." before it exits 1.
func (b *Bed) Run(t testing.TB, exe string, args ...string) (stdout, stderr []byte, exit int) {
	t.Helper()
	for try := 0; ; try++ {
		stdout, stderr, exit = b.run(t, exe, args...)
		notStarted := bytes.Contains(stdout, []byte("ShellExecuteEx failed")) || len(stdout) == 0 && len(bytes.TrimSpace(stderr)) == 0
		if exit == 0 || try == 2 || !notStarted {
			return stdout, stderr, exit
		}
		t.Logf("wine %s %s: exit %d with nothing written: started again", exe, strings.Join(args, " "), exit)
		time.Sleep(time.Second)
	}
}

func (b *Bed) run(t testing.TB, exe string, args ...string) (stdout, stderr []byte, exit int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := b.command(ctx, b.Wine, append([]string{b.exe(exe)}, args...)...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil, errors.Is(err, exec.ErrWaitDelay):
	case errors.As(err, &exitErr) && ctx.Err() == nil:
		exit = exitErr.ExitCode()
	default:
		t.Fatalf("wine %s %s: %v\nstderr: %s", exe, strings.Join(args, " "), err, e.Bytes())
	}
	return o.Bytes(), e.Bytes(), exit
}

// MustRun is Run for commands that have to succeed.
func (b *Bed) MustRun(t testing.TB, exe string, args ...string) []byte {
	t.Helper()
	out, errOut, code := b.Run(t, exe, args...)
	if code != 0 {
		t.Fatalf("wine %s %s: exit %d\nstdout: %s\nstderr: %s", exe, strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// RunHost runs the host build of ccproxy (no Wine).
func (b *Bed) RunHost(t testing.TB, args ...string) (stdout, stderr []byte, exit int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.HostCCProxy, args...)
	cmd.Env = cleanEnv(os.Environ())
	cmd.Dir = b.tmp
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr) && ctx.Err() == nil:
		exit = exitErr.ExitCode()
	default:
		t.Fatalf("ccproxy %s: %v", strings.Join(args, " "), err)
	}
	return o.Bytes(), e.Bytes(), exit
}

// WinPath is how a Windows program under Wine names a host file: through drive Z:.
func WinPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		abs = p
	}
	return `Z:` + strings.ReplaceAll(abs, "/", `\`)
}

// TempDir is a directory inside the bed for a test's files, removed with the bed.
func (b *Bed) TempDir(t testing.TB) string {
	t.Helper()
	d, err := os.MkdirTemp(b.tmp, "t-")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// RegExport writes key (and its subkeys) to file with Wine's reg.exe, as `reg export` on
// Windows does: UTF-16LE with a BOM, "Windows Registry Editor Version 5.00".
func (b *Bed) RegExport(t testing.TB, key, file string) {
	t.Helper()
	b.MustRun(t, "reg", "export", key, WinPath(file), "/y")
}

// KeyExists asks reg.exe whether a key exists.
func (b *Bed) KeyExists(t testing.TB, key string) bool {
	t.Helper()
	_, _, code := b.Run(t, "reg", "query", key)
	return code == 0
}

// Reset removes the proxy settings the tests set, in both registry views and in the
// current user's hive, so that each test starts from a machine where nothing is configured.
func (b *Bed) Reset(t testing.TB) {
	t.Helper()
	var reg strings.Builder
	reg.WriteString("Windows Registry Editor Version 5.00\r\n\r\n")
	for _, k := range []string{KeyWinHTTP64, KeyWinHTTP32, KeyWinINetConn} {
		fmt.Fprintf(&reg, "[-%s]\r\n\r\n", k)
	}
	fmt.Fprintf(&reg, "[%s]\r\n", KeyWinINet)
	for _, v := range []string{"ProxyEnable", "ProxyServer", "ProxyOverride", "AutoConfigURL", "AutoDetect"} {
		fmt.Fprintf(&reg, "\"%s\"=-\r\n", v)
	}
	f := filepath.Join(b.TempDir(t), "reset.reg")
	if err := os.WriteFile(f, EncodeUTF16Reg(reg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	b.MustRun(t, "reg", "import", WinPath(f))
}

// EncodeUTF16Reg encodes .reg text as reg.exe writes it: UTF-16LE with a BOM.
func EncodeUTF16Reg(s string) []byte {
	u := utf16.Encode([]rune(s))
	out := make([]byte, 2, 2+2*len(u))
	out[0], out[1] = 0xff, 0xfe
	for _, c := range u {
		out = append(out, byte(c), byte(c>>8))
	}
	return out
}

// DecodeUTF16Reg decodes a UTF-16LE .reg export (BOM required).
func DecodeUTF16Reg(data []byte) (string, error) {
	if len(data) < 2 || data[0] != 0xff || data[1] != 0xfe || len(data)%2 != 0 {
		return "", errors.New("not UTF-16LE with a BOM")
	}
	u := make([]uint16, 0, len(data)/2-1)
	for i := 2; i+1 < len(data); i += 2 {
		u = append(u, uint16(data[i])|uint16(data[i+1])<<8)
	}
	return string(utf16.Decode(u)), nil
}

// MergeRegExports joins several reg.exe exports into one file, as a user would to hand
// ccproxy one --from file: one header, the sections of each export in order.
func MergeRegExports(t testing.TB, out string, files ...string) {
	t.Helper()
	const header = "Windows Registry Editor Version 5.00"
	var all strings.Builder
	all.WriteString(header + "\r\n")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s, err := DecodeUTF16Reg(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		body, ok := strings.CutPrefix(s, header)
		if !ok {
			t.Fatalf("%s: no %q header", f, header)
		}
		all.WriteString(body)
	}
	if err := os.WriteFile(out, EncodeUTF16Reg(all.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Started is a Windows program running in the background under Wine.
type Started struct {
	cmd    *exec.Cmd
	cancel context.CancelFunc
	Stderr *bytes.Buffer
	done   chan struct{}
}

// Start starts a long-running Windows program (watch, a service host) and leaves it running
// until Stop; the test's cleanup stops it too.
func (b *Bed) Start(t testing.TB, env []string, exe string, args ...string) *Started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := b.command(ctx, b.Wine, append([]string{b.exe(exe)}, args...)...)
	cmd.Env = append(cmd.Env, env...)
	s := &Started{cmd: cmd, cancel: cancel, Stderr: &bytes.Buffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = io.Discard, s.Stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting %s: %v", exe, err)
	}
	go func() { cmd.Wait(); close(s.done) }()
	t.Cleanup(s.Stop)
	return s
}

// Stop ends the program (Wine ends the Windows process with its host process).
func (s *Started) Stop() {
	s.cancel()
	<-s.done
}
