package jsonin

import (
	"bytes"
	"encoding/json"
	"strings"
)

// The one credential redactor. Proxy credentials ("user:password@") must never be shown, and
// a password may hold almost any character, so each kind of value is redacted by the grammar
// of the slot it sits in, never by guessing where a word ends:
//
//   - RedactURL, for a URL (a PAC URL, a URL given to route or check): RFC 3986 section
//     3.2.1 makes the userinfo everything between "//" and the last '@' of the authority,
//     and sub-delims (! $ & ' ( ) * + , ; =), ':' and percent-encodings are legal in it. RFC
//     3986 ends the authority at the first '/', '?' or '#' (section 3.2), but people and
//     Windows do not percent-encode a password (WinINet takes "http://u:a/b@host/p.pac" as
//     it is written), so the userinfo runs to the LAST '@' of the whole URL: an '@' in a
//     path or query hides more than the userinfo, which is the safe side.
//   - RedactProxyList, for a proxy string or a bypass list as Windows stores them: entries
//     are separated by ';' or white space (WINHTTP_PROXY_INFO, "lpszProxy": "a list of
//     proxy servers ... separated by semicolons or whitespace"), an entry is
//     [scheme=][scheme://][userinfo@]host[:port], and its userinfo runs to the entry's last
//     '@', so a password may hold any printable character but ';' and white space.
//   - RedactCredentials, for free text: log lines, evidence, error messages and every string
//     of a JSON document (RedactJSON). URLs in it are redacted by the URL rule; any other
//     word (a run without white space or ';') whose text before its last '@' holds a ':' has
//     that part replaced, after an optional "scheme=" and "scheme://". A bare "user@" in
//     free text is left alone, since "ccproxy/state@1" and e-mail addresses look the same.
//
// The userinfo becomes "***"; what follows the '@' (the host) stays, so the output still says
// which proxy is meant.

const redacted = "***"

// RedactURL hides the userinfo of a URL: everything between "//" (or the start of a value
// without one) and the last '@' of the URL (see above: '/', '?', '#' and '\' in a password
// do not end it).
func RedactURL(s string) string {
	if strings.IndexByte(s, '@') < 0 {
		return s
	}
	start := 0
	if i := strings.Index(s, "://"); i >= 0 && isSchemeName(s[:i]) {
		start = i + 3
	} else if strings.HasPrefix(s, "//") {
		start = 2
	} else {
		// No scheme: perhaps a URL, perhaps a proxy list ("http=u:a/b@p:1;https=q:2"). The
		// authority ends at '/', '?', '#' or '\' as RFC 3986 says, and the proxy-list rule
		// then hides what an entry holds up to its last '@', '/' included.
		end := strings.IndexAny(s, "/?#\\")
		if end < 0 {
			end = len(s)
		}
		if at := strings.LastIndexByte(s[:end], '@'); at >= 0 && s[:at] != redacted {
			s = redacted + s[at:]
		}
		return RedactProxyList(s)
	}
	at := strings.LastIndexByte(s[start:], '@')
	if at < 0 || s[start:start+at] == redacted {
		return s
	}
	return s[:start] + redacted + s[start+at:]
}

// urlLenInText is the length of the URL at the start of s in free text: up to white space, a
// double quote, '<' or '>': none is legal in a URL (RFC 3986 appendix C names them as the
// delimiters of URLs in text).
func urlLenInText(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == '"' || c == '<' || c == '>' || c == 0x7f {
			return i
		}
	}
	return len(s)
}

// RedactProxyEntry hides the userinfo of one proxy or bypass entry,
// [scheme=][scheme://][userinfo@]host[:port]: everything from after the prefixes to the
// entry's last '@'. A user name alone ("user@") is hidden too: a proxy entry never holds an
// e-mail address.
func RedactProxyEntry(e string) string {
	at := strings.LastIndexByte(e, '@')
	if at < 0 {
		return e
	}
	start := prefixLen(e, at)
	if e[start:at] == redacted {
		return e
	}
	return e[:start] + redacted + e[at:]
}

// prefixLen is the length of an entry's "scheme=" and "scheme://" prefixes that come before
// its '@' at at. An '=' or "://" that follows something other than a scheme name belongs to
// the userinfo.
func prefixLen(e string, at int) int {
	start := 0
	if i := strings.IndexByte(e, '='); i >= 0 && i < at && isSchemeName(e[:i]) {
		start = i + 1
	}
	if i := strings.Index(e[start:], "://"); i >= 0 && start+i < at && isSchemeName(e[start:start+i]) {
		start += i + 3
	}
	return start
}

// RedactValue hides credentials in one value whose slot is not known (a value of a diff, a
// user name or proxy quoted in a message): the URL rule, then the proxy-list rule, so that a
// URL's password may hold ';' and a proxy's '/'. A path holding an '@' after the authority may
// lose more than the userinfo; for a value that is the safe side. Not for sentences: the
// proxy-list rule hides a bare "user@" too.
func RedactValue(s string) string {
	if strings.IndexByte(s, '@') < 0 {
		return s
	}
	return RedactProxyList(RedactURL(s))
}

// RedactProxyList hides the userinfo of every entry of a proxy string or bypass list; the
// separators are kept as they are.
func RedactProxyList(s string) string {
	if strings.IndexByte(s, '@') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if isListSep(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && !isListSep(s[j]) {
			j++
		}
		b.WriteString(RedactProxyEntry(s[i:j]))
		i = j
	}
	return b.String()
}

// isListSep separates the entries of a Windows proxy string or bypass list: ';' and white
// space (WINHTTP_PROXY_INFO).
func isListSep(c byte) bool {
	switch c {
	case ';', ' ', '\t', '\r', '\n', '\v', '\f':
		return true
	}
	return false
}

// RedactCredentials hides credentials in free text (see the rules above). Text without '@'
// comes back unchanged, and so does redacted text.
func RedactCredentials(s string) string {
	if strings.IndexByte(s, '@') < 0 {
		return s
	}
	s = redactURLsInText(s)
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if isListSep(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && !isListSep(s[j]) {
			j++
		}
		b.WriteString(redactTextWord(s[i:j]))
		i = j
	}
	return b.String()
}

// redactURLsInText applies the URL rule to every "scheme://" in s.
func redactURLsInText(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	var b strings.Builder
	done := 0
	for i := 0; ; {
		k := strings.Index(s[i:], "://")
		if k < 0 {
			break
		}
		k += i
		j := k
		for j > 0 && isSchemeChar(s[j-1]) {
			j--
		}
		start := k + 3
		i = start
		if j == k || !isAlpha(s[j]) {
			continue
		}
		end := start + urlLenInText(s[start:])
		at := strings.LastIndexByte(s[start:end], '@')
		if at < 0 || s[start:start+at] == redacted {
			continue
		}
		b.WriteString(s[done:start])
		b.WriteString(redacted)
		done = start + at
		i = end
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

// redactTextWord redacts one word of free text when the part before its last '@' (after
// quotes or brackets that open it and its prefixes) holds a ':'. An '@' in a URL's path can
// make it hide more than the userinfo; in free text that is the safe side.
func redactTextWord(w string) string {
	at := strings.LastIndexByte(w, '@')
	if at < 0 {
		return w
	}
	open := 0
	for open < at && strings.IndexByte("\"'`([{<", w[open]) >= 0 {
		open++
	}
	start := open + prefixLen(w[open:], at-open)
	// "***@" is what is left of a URL whose authority ended early for the URL rule (a '\'
	// in a proxy password): the '@' after it still ends userinfo.
	if strings.IndexByte(w[start:at], ':') < 0 && !strings.HasPrefix(w[start:at], redacted+"@") {
		return w
	}
	return w[:start] + redacted + w[at:]
}

// isSchemeName: RFC 3986 section 3.1, ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
func isSchemeName(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isSchemeChar(s[i]) {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isSchemeChar(c byte) bool {
	return isAlpha(c) || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'
}

// RedactJSON applies RedactCredentials to every string (keys included) of a JSON text, each
// decoded first so that an escaped quote or backslash in a password cannot end a word early,
// and encoded again only when it changed. The structure of the document is never touched.
func RedactJSON(doc []byte) []byte {
	if bytes.IndexByte(doc, '@') < 0 {
		return doc
	}
	var out []byte
	done := 0
	for i := 0; i < len(doc); i++ {
		if doc[i] != '"' {
			continue
		}
		j := i + 1
		hasAt := false
		for j < len(doc) && doc[j] != '"' {
			switch doc[j] {
			case '\\':
				j++
			case '@':
				hasAt = true
			}
			j++
		}
		if j >= len(doc) {
			break
		}
		if hasAt {
			var s string
			if json.Unmarshal(doc[i:j+1], &s) == nil {
				if r := RedactCredentials(s); r != s {
					out = append(out, doc[done:i]...)
					out = appendJSONString(out, r)
					done = j + 1
				}
			}
		}
		i = j
	}
	if done == 0 {
		return doc
	}
	return append(out, doc[done:]...)
}

// appendJSONString encodes s as encoding/json does without HTML escaping.
func appendJSONString(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return append(b, bytes.TrimRight(buf.Bytes(), "\n")...)
}
