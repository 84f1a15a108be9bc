package bypass

// Which bypass entries each stack honours: the one rule every command applies.
//
// WinHTTP (the connector's services). Microsoft's ProxyCfg documentation, the only Microsoft
// text that describes WinHTTP's bypass list, says: "This list can contain wildcards, such as
// "*", that cause the application to bypass the proxy server for addresses that fit the
// specified pattern, for example, "*.microsoft.com" or "*.org". Wildcard characters must be
// the left-most characters in the list. For example, "aaa.*" is not supported."
// (https://learn.microsoft.com/windows/win32/winhttp/proxycfg-exe--a-proxy-configuration-tool;
// netsh winhttp replaced ProxyCfg and writes the same WinHttpSettings value.) Wine's WinHTTP
// (dlls/winhttp/session.c, domain_matches) goes further still: it matches only <local>,
// "*.suffix" and exact names. So under WinHTTP:
//   - exact names, IP literals, [IPv6] literals, <local>: honoured;
//   - "*.corp.example", "*corp" (a '*' only at the start): honoured, as Microsoft documents;
//   - "10.*", "10.1.*.*", "aaa.*", "*int*" (a '*' anywhere else): not documented for WinHTTP,
//     so a caveat, and nothing the tool proposes is written that way;
//   - <-loopback>: reported to have no effect in WinHTTP;
//   - CIDR ranges, paths, a leading '.', IPv6 without brackets, invalid entries: unusable
//     (see Entry.Unusable).
//
// WinINet (the installer). Chromium's net/docs/proxy.md and proxy_bypass_rules.cc describe
// WinInet's list, which .NET's HttpWindowsProxy (SimpleRegex.IsMatchWithStarWildcard) reads
// the same way: '*' matches anywhere ("10.*", "*int*" are honoured), <-loopback> subtracts
// the implicit bypass. Unusable entries are unusable there too.

// Caveat says why the stack may not honour e, with what to write instead; "" when the
// stack honours it. route, test and plan all ask this one function.
func Caveat(e Entry, stack Stack) string {
	if why, bad := e.Unusable(); bad {
		return why
	}
	switch {
	case e.Kind == KindNoLoopback && stack != StackWinINet:
		return "WinHTTP reportedly ignores <-loopback>: the services still bypass loopback addresses"
	case stack != StackWinINet && e.innerWildcard():
		return "a '*' that is not left-most: Microsoft documents for WinHTTP only a left-most wildcard (\"aaa.*\" is not supported), so the services may not honour it; list the hosts themselves, or a *.suffix"
	}
	return ""
}

// Honoured is Caveat's verdict alone.
func Honoured(e Entry, stack Stack) bool { return Caveat(e, stack) == "" }

// RangeHint is what to write for an address range no WinHTTP entry can express: a pattern
// such as 10.* is not documented for WinHTTP (Caveat), so the internal hosts themselves.
const RangeHint = "list the internal hosts in that range themselves (by name or address; 'ccproxy test --internal-file FILE' checks them and its fix adds each), or a *.suffix that covers their names"
