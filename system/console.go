package system

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// oemCodePages are the console (OEM) code pages that cmd.exe's ">" writes netsh's output
// in, by display language, in the order a tie is decided.
var oemCodePages = []struct {
	name string
	enc  encoding.Encoding
}{
	{"CP932 (Japanese)", japanese.ShiftJIS},
	{"CP936 (Simplified Chinese)", simplifiedchinese.GBK},
	{"CP949 (Korean)", korean.EUCKR},
	{"CP950 (Traditional Chinese)", traditionalchinese.Big5},
	{"CP866 (Cyrillic)", charmap.CodePage866},
	{"CP850 (Western European)", charmap.CodePage850},
	{"CP852 (Central European)", charmap.CodePage852},
	{"CP437 (US)", charmap.CodePage437},
}

// consoleWords are words and letters that the localized proxy outputs of netsh use. They
// only pick the code page a file is read with: a text decoded with the wrong table turns into
// characters that form none of them. The parsers never depend on them.
var consoleWords = []string{
	"プロキシ", "設定", "直接", "なし", // ja
	"代理", "服务器", "设置", "绕过", "访问", // zh-CN
	"伺服器", "略過", "存取", // zh-TW
	"프록시", "설정", "직접", "서버", "없음", // ko
	"прокси", "доступ", "параметры", "сервер", // ru
}

// decodeConsoleText decodes text that a Windows console program printed and a user saved:
// UTF-16 with or without a BOM (PowerShell 5.1's ">"), UTF-8 (PowerShell 7, editors), or
// else the OEM code page cmd.exe's ">" writes. Nothing in such a file names its code page,
// so the one under which the text reads as one script wins; the parsers that use this rely
// on the ASCII structure of the text, so a wrong guess garbles only the words they quote.
func decodeConsoleText(name string, data []byte) ([]rune, string, error) {
	bom := len(data) >= 2 && (data[0] == 0xFF && data[1] == 0xFE || data[0] == 0xFE && data[1] == 0xFF)
	if bom || len(data) >= 2 && (data[0] == 0) != (data[1] == 0) || utf8.Valid(data) || len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		r, err := decodeText(name, data)
		return r, "", err
	}
	best, bestScore := "", -1<<31
	var bestText []rune
	for _, cp := range oemCodePages {
		out, err := cp.enc.NewDecoder().Bytes(data)
		if err != nil {
			continue
		}
		text := string(out)
		score := 0
		for _, w := range consoleWords {
			if utf8.RuneCountInString(w) > 1 {
				score += 8 * strings.Count(text, w)
			}
		}
		runes := []rune(text)
		for k, r := range runes {
			switch {
			case r >= 0xC0 && r <= 0x17F && inLatinWord(runes, k):
				// An accented letter inside a word of ASCII letters: "Paramètres", "Configuração".
				score += 2
			case r == utf8.RuneError || r == 0x1A:
				score -= 4
			case r >= 0xFF61 && r <= 0xFF9F, r >= 0x2500 && r <= 0x25FF:
				// Half-width katakana and box drawing: what a wrong table makes of the bytes.
				score--
			}
		}
		if score > bestScore {
			best, bestScore, bestText = cp.name, score, []rune(text)
		}
	}
	if bestText == nil {
		r, err := decodeText(name, data)
		return r, "", err
	}
	return bestText, best, nil
}

// inLatinWord: the letter at k stands inside a word of ASCII letters: one on each side, or
// two on one side ("Paramètres", "Accès"). A double-byte text read with a single-byte table
// gives accented letters beside at most one ASCII letter (a trail byte).
func inLatinWord(r []rune, k int) bool {
	ascii := func(i int) bool {
		return i >= 0 && i < len(r) && (r[i] >= 'a' && r[i] <= 'z' || r[i] >= 'A' && r[i] <= 'Z')
	}
	return ascii(k-1) && ascii(k+1) || ascii(k-1) && ascii(k-2) || ascii(k+1) && ascii(k+2)
}
