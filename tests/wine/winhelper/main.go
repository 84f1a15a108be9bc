//go:build windows

// Command winhelper sets and reads proxy settings through the Windows APIs themselves
// (WinHTTP and WinINet), not through the registry, so the Wine tests can check ccproxy
// against what the operating system says rather than against ccproxy's own code.
//
//	winhelper winhttp-set --proxy P [--bypass B] | --direct
//	winhelper winhttp-get
//	winhelper wininet-set [--proxy P] [--bypass B] [--pac URL] [--autodetect] [--manual]
//	winhelper wininet-get
//	winhelper ie-get
//	winhelper key-dacl --key KEY --sddl SDDL
//
// Every command prints one JSON object on stdout; failures go to stderr with exit code 1,
// usage errors with exit code 2.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

var (
	winhttp = windows.NewLazySystemDLL("winhttp.dll")
	wininet = windows.NewLazySystemDLL("wininet.dll")

	procWinHttpSetDefaultProxyConfiguration   = winhttp.NewProc("WinHttpSetDefaultProxyConfiguration")
	procWinHttpGetDefaultProxyConfiguration   = winhttp.NewProc("WinHttpGetDefaultProxyConfiguration")
	procWinHttpGetIEProxyConfigForCurrentUser = winhttp.NewProc("WinHttpGetIEProxyConfigForCurrentUser")
	procInternetSetOptionW                    = wininet.NewProc("InternetSetOptionW")
	procInternetQueryOptionW                  = wininet.NewProc("InternetQueryOptionW")
)

const (
	winhttpAccessTypeNoProxy    = 1
	winhttpAccessTypeNamedProxy = 3

	internetOptionPerConnectionOption = 75

	perConnFlags         = 1
	perConnProxyServer   = 2
	perConnProxyBypass   = 3
	perConnAutoconfigURL = 4

	proxyTypeDirect       = 0x1
	proxyTypeProxy        = 0x2
	proxyTypeAutoProxyURL = 0x4
	proxyTypeAutoDetect   = 0x8
)

// winhttpProxyInfo is WINHTTP_PROXY_INFO.
type winhttpProxyInfo struct {
	AccessType uint32
	Proxy      *uint16
	Bypass     *uint16
}

// winhttpIEProxyConfig is WINHTTP_CURRENT_USER_IE_PROXY_CONFIG.
type winhttpIEProxyConfig struct {
	AutoDetect    int32 // BOOL
	AutoConfigURL *uint16
	Proxy         *uint16
	Bypass        *uint16
}

// perConnOption is INTERNET_PER_CONN_OPTIONW: a DWORD option and an 8-byte union of
// DWORD, LPWSTR and FILETIME, aligned to 8 on amd64 and arm64.
type perConnOption struct {
	Option uint32
	_      uint32
	Value  [8]byte
}

func (o *perConnOption) setDWORD(v uint32) { *(*uint32)(unsafe.Pointer(&o.Value)) = v }
func (o *perConnOption) setString(p *uint16) {
	*(**uint16)(unsafe.Pointer(&o.Value)) = p
}
func (o *perConnOption) dword() uint32   { return *(*uint32)(unsafe.Pointer(&o.Value)) }
func (o *perConnOption) string() *uint16 { return *(**uint16)(unsafe.Pointer(&o.Value)) }
func (o *perConnOption) clearString() {
	if p := o.string(); p != nil {
		globalFree(p)
	}
}

// perConnOptionList is INTERNET_PER_CONN_OPTION_LISTW.
type perConnOptionList struct {
	Size        uint32
	Connection  *uint16 // nil: the LAN settings
	OptionCount uint32
	OptionError uint32
	Options     *perConnOption
}

func main() {
	if len(os.Args) < 2 {
		usage("missing command")
	}
	cmd, args := os.Args[1], os.Args[2:]
	var out any
	var err error
	switch cmd {
	case "winhttp-set":
		err = winhttpSet(args)
		out = map[string]bool{"ok": err == nil}
	case "winhttp-get":
		out, err = winhttpGet()
	case "wininet-set":
		err = wininetSet(args)
		out = map[string]bool{"ok": err == nil}
	case "wininet-get":
		out, err = wininetGet()
	case "ie-get":
		out, err = ieGet()
	case "key-dacl":
		out, err = keyDACL(args)
	default:
		usage("unknown command " + cmd)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "winhelper %s: %v\n", cmd, err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func usage(msg string) {
	fmt.Fprintf(os.Stderr, "winhelper: %s\nusage: winhelper winhttp-set|winhttp-get|wininet-set|wininet-get|ie-get|key-dacl [flags]\n", msg)
	os.Exit(2)
}

func parseFlags(name string, args []string, fs *flag.FlagSet) {
	fs.Usage = func() { usage("bad flags for " + name) }
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		usage("bad flags for " + name)
	}
}

// utf16 returns nil for "" so that an absent string stays absent.
func utf16(s string) (*uint16, error) {
	if s == "" {
		return nil, nil
	}
	return windows.UTF16PtrFromString(s)
}

func fromUTF16(p *uint16) *string {
	if p == nil {
		return nil
	}
	s := windows.UTF16PtrToString(p)
	return &s
}

var procGlobalFree = windows.NewLazySystemDLL("kernel32.dll").NewProc("GlobalFree")

// globalFree releases a string the APIs allocated for the caller, as their documentation asks.
func globalFree(p *uint16) {
	if p != nil {
		procGlobalFree.Call(uintptr(unsafe.Pointer(p)))
	}
}

func callBool(p *windows.LazyProc, args ...uintptr) error {
	if err := p.Find(); err != nil {
		return err
	}
	r, _, err := p.Call(args...)
	if r == 0 {
		return fmt.Errorf("%s: %w", p.Name, err)
	}
	return nil
}

func winhttpSet(args []string) error {
	fs := flag.NewFlagSet("winhttp-set", flag.ContinueOnError)
	proxy := fs.String("proxy", "", "proxy server")
	bypass := fs.String("bypass", "", "bypass list")
	direct := fs.Bool("direct", false, "no proxy")
	parseFlags("winhttp-set", args, fs)
	if *direct == (*proxy != "") {
		usage("winhttp-set needs either --proxy or --direct")
	}
	info := winhttpProxyInfo{AccessType: winhttpAccessTypeNoProxy}
	if !*direct {
		p, err := utf16(*proxy)
		if err != nil {
			return err
		}
		b, err := utf16(*bypass)
		if err != nil {
			return err
		}
		info = winhttpProxyInfo{AccessType: winhttpAccessTypeNamedProxy, Proxy: p, Bypass: b}
	}
	return callBool(procWinHttpSetDefaultProxyConfiguration, uintptr(unsafe.Pointer(&info)))
}

type winhttpResult struct {
	AccessType uint32  `json:"accessType"`
	Proxy      *string `json:"proxy"`
	Bypass     *string `json:"bypass"`
}

func winhttpGet() (*winhttpResult, error) {
	var info winhttpProxyInfo
	if err := callBool(procWinHttpGetDefaultProxyConfiguration, uintptr(unsafe.Pointer(&info))); err != nil {
		return nil, err
	}
	defer globalFree(info.Proxy)
	defer globalFree(info.Bypass)
	return &winhttpResult{AccessType: info.AccessType, Proxy: fromUTF16(info.Proxy), Bypass: fromUTF16(info.Bypass)}, nil
}

func wininetSet(args []string) error {
	fs := flag.NewFlagSet("wininet-set", flag.ContinueOnError)
	proxy := fs.String("proxy", "", "proxy server")
	bypass := fs.String("bypass", "", "bypass list")
	pac := fs.String("pac", "", "auto-config (PAC) URL; turns it on")
	autodetect := fs.Bool("autodetect", false, "turn on automatic detection (WPAD)")
	manual := fs.Bool("manual", false, "turn on the manual proxy")
	parseFlags("wininet-set", args, fs)

	flags := uint32(proxyTypeDirect)
	if *manual {
		flags |= proxyTypeProxy
	}
	if *pac != "" {
		flags |= proxyTypeAutoProxyURL
	}
	if *autodetect {
		flags |= proxyTypeAutoDetect
	}
	opts := make([]perConnOption, 4)
	opts[0].Option = perConnFlags
	opts[0].setDWORD(flags)
	strs := []string{*proxy, *bypass, *pac}
	keep := make([][]uint16, len(strs))
	for i, s := range strs {
		opts[i+1].Option = []uint32{perConnProxyServer, perConnProxyBypass, perConnAutoconfigURL}[i]
		u, err := windows.UTF16FromString(s)
		if err != nil {
			return err
		}
		keep[i] = u
		opts[i+1].setString(&u[0])
	}
	list := perConnOptionList{OptionCount: uint32(len(opts)), Options: &opts[0]}
	list.Size = uint32(unsafe.Sizeof(list))
	err := callBool(procInternetSetOptionW, 0, internetOptionPerConnectionOption,
		uintptr(unsafe.Pointer(&list)), uintptr(list.Size))
	// The strings are referenced from opts only through untyped bytes: keep them alive
	// until the call has copied them.
	runtime.KeepAlive(keep)
	return err
}

type wininetResult struct {
	Flags         uint32  `json:"flags"`
	ManualProxy   bool    `json:"manualProxy"`
	AutoConfig    bool    `json:"autoConfig"`
	AutoDetect    bool    `json:"autoDetect"`
	Proxy         *string `json:"proxy"`
	Bypass        *string `json:"bypass"`
	AutoConfigURL *string `json:"autoConfigUrl"`
}

func wininetGet() (*wininetResult, error) {
	opts := []perConnOption{{Option: perConnFlags}, {Option: perConnProxyServer}, {Option: perConnProxyBypass}, {Option: perConnAutoconfigURL}}
	list := perConnOptionList{OptionCount: uint32(len(opts)), Options: &opts[0]}
	list.Size = uint32(unsafe.Sizeof(list))
	size := list.Size
	if err := callBool(procInternetQueryOptionW, 0, internetOptionPerConnectionOption,
		uintptr(unsafe.Pointer(&list)), uintptr(unsafe.Pointer(&size))); err != nil {
		return nil, err
	}
	defer func() {
		for i := 1; i < len(opts); i++ {
			opts[i].clearString()
		}
	}()
	f := opts[0].dword()
	return &wininetResult{
		Flags:         f,
		ManualProxy:   f&proxyTypeProxy != 0,
		AutoConfig:    f&proxyTypeAutoProxyURL != 0,
		AutoDetect:    f&proxyTypeAutoDetect != 0,
		Proxy:         fromUTF16(opts[1].string()),
		Bypass:        fromUTF16(opts[2].string()),
		AutoConfigURL: fromUTF16(opts[3].string()),
	}, nil
}

type ieResult struct {
	AutoDetect    bool    `json:"autoDetect"`
	AutoConfigURL *string `json:"autoConfigUrl"`
	Proxy         *string `json:"proxy"`
	Bypass        *string `json:"bypass"`
}

func ieGet() (*ieResult, error) {
	var cfg winhttpIEProxyConfig
	if err := callBool(procWinHttpGetIEProxyConfigForCurrentUser, uintptr(unsafe.Pointer(&cfg))); err != nil {
		return nil, err
	}
	defer globalFree(cfg.AutoConfigURL)
	defer globalFree(cfg.Proxy)
	defer globalFree(cfg.Bypass)
	return &ieResult{
		AutoDetect:    cfg.AutoDetect != 0,
		AutoConfigURL: fromUTF16(cfg.AutoConfigURL),
		Proxy:         fromUTF16(cfg.Proxy),
		Bypass:        fromUTF16(cfg.Bypass),
	}, nil
}

var procRegSetKeySecurity = windows.NewLazySystemDLL("advapi32.dll").NewProc("RegSetKeySecurity")

type daclResult struct {
	Previous string `json:"previous"`
}

// keyDACL replaces a key's DACL (in the 64-bit view) and prints the one it had, so a test
// can deny access to a key and then give it back. The owner keeps the right to change the
// DACL whatever it says, so the restore works even after "D:P" (deny everyone).
func keyDACL(args []string) (*daclResult, error) {
	fs := flag.NewFlagSet("key-dacl", flag.ContinueOnError)
	key := fs.String("key", "", `key, e.g. HKCU\Software\X`)
	sddl := fs.String("sddl", "", "the new DACL in SDDL, e.g. D:P")
	parseFlags("key-dacl", args, fs)
	if *key == "" || *sddl == "" {
		usage("key-dacl needs --key and --sddl")
	}
	rootName, sub, _ := strings.Cut(*key, `\`)
	roots := map[string]registry.Key{
		"HKCU": registry.CURRENT_USER, "HKEY_CURRENT_USER": registry.CURRENT_USER,
		"HKLM": registry.LOCAL_MACHINE, "HKEY_LOCAL_MACHINE": registry.LOCAL_MACHINE,
		"HKU": registry.USERS, "HKEY_USERS": registry.USERS,
	}
	root, ok := roots[strings.ToUpper(rootName)]
	if !ok {
		usage("key-dacl: unknown root " + rootName)
	}
	k, err := registry.OpenKey(root, sub, windows.READ_CONTROL|windows.WRITE_DAC|registry.WOW64_64KEY)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", *key, err)
	}
	defer k.Close()
	old, err := windows.GetSecurityInfo(windows.Handle(k), windows.SE_REGISTRY_KEY, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return nil, fmt.Errorf("reading the DACL of %s: %w", *key, err)
	}
	sd, err := windows.SecurityDescriptorFromString(*sddl)
	if err != nil {
		return nil, fmt.Errorf("--sddl %q: %w", *sddl, err)
	}
	if err := procRegSetKeySecurity.Find(); err != nil {
		return nil, err
	}
	// Registry functions return the error code itself, not a BOOL.
	if r, _, _ := procRegSetKeySecurity.Call(uintptr(k), uintptr(windows.DACL_SECURITY_INFORMATION), uintptr(unsafe.Pointer(sd))); r != 0 {
		return nil, fmt.Errorf("RegSetKeySecurity on %s: %w", *key, windows.Errno(r))
	}
	return &daclResult{Previous: old.String()}, nil
}
