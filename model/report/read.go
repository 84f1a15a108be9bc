package report

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"ccproxy/jsonin"
)

// StdinName is how stdin is named in the report.
const StdinName = jsonin.StdinName

// MaxDocument is the largest single document read: ccproxy's are a few KiB (test) to some
// hundred (check, with every endpoint), and each reader holds up to two documents at a time,
// so this bounds the memory a hostile file can take while it is read.
const MaxDocument = 4 << 20

// WholeFile is the largest file read into memory at once; a larger one is streamed.
const WholeFile = 1 << 20

// The limits of one input (a file, or stdin), far above what a fleet writes (a test
// document is a few KiB, a check document some tens; a JSON Lines file of 100,000 documents
// is about 300 MiB) and low enough that a hostile file ends: a gzip file that expands without
// end, /dev/zero given by name, a stream of empty documents.
const (
	// MaxInputBytes bounds what one input may hold once decompressed and decoded.
	MaxInputBytes = 4 << 30
	// MaxInputDocuments bounds the documents (and pieces that are not documents) of one input.
	MaxInputDocuments = 1_000_000
	// MaxDepth bounds nesting, as every other reader of ccproxy does (jsonin: 1000 levels;
	// PowerShell 7's ConvertFrom-Json refuses more than 1024); ccproxy's documents nest
	// fewer than 10 levels. Beyond it a document is rejected before it is parsed, so no
	// recursive parser meets it.
	MaxDepth = 1000
)

// inputByteLimit is MaxInputBytes; tests lower it so as not to read gigabytes.
var inputByteLimit int64 = MaxInputBytes

var errInputTooLarge = fmt.Errorf("larger than %d GiB once decompressed, the most one input may hold; the rest is not read; hint: split it into several files", MaxInputBytes>>30)

// limitReader ends an input at MaxInputBytes with errInputTooLarge.
type limitReader struct {
	r    io.Reader
	left int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, errInputTooLarge
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// stickyEnd returns the first error of r, io.EOF included, to every later Read without
// reading r again.
type stickyEnd struct {
	r   io.Reader
	err error
}

func (s *stickyEnd) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.r.Read(p)
	s.err = err
	return n, err
}

// depthError is the place where text nests deeper than MaxDepth, or nil. It follows
// strings, so brackets inside them do not count.
func depthError(text []byte) *docError {
	// Nesting past MaxDepth needs more than MaxDepth opening brackets: counting them is
	// much faster than following the text, and rules out every ordinary document.
	if bytes.Count(text, []byte{'['})+bytes.Count(text, []byte{'{'}) <= MaxDepth {
		return nil
	}
	depth, inString, escaped := 0, false, false
	for i, c := range text {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			if depth++; depth > MaxDepth {
				l, col := position(text, i)
				return fail(fmt.Sprintf("line %d, column %d", l, col), "nested deeper than %d levels; hint: this is not a ccproxy document", MaxDepth)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// Item is one document read, or one rejected.
type Item struct {
	Doc    Doc
	Reject *RejectedDoc // nil when Doc was accepted
	// Warning, when not empty, is worth a log line (a document read as Windows-1252).
	Warning string
	// Skipped is a file a folder walk left out because its kind cannot hold a ccproxy
	// document (a script, a registry export, a log): counted, not rejected one by one.
	Skipped string
	// Rejects is how many documents Reject stands for, when more than one.
	Rejects int
	// SkippedKind says why: "a FIFO", "a device", a kind of file that holds no document.
	SkippedKind string
}

// Reader reads the documents of inputs. It keeps its buffers from one input to the next;
// use one Reader per goroutine.
type Reader struct {
	gz  *gzip.Reader
	raw *bufio.Reader // over the input
	unz *bufio.Reader // over what gzip gives
	dec *bufio.Reader // over decoded UTF-16, or a multi-document file read whole
	doc []byte
	// always is the caller's emit for the input being read, for what must be listed
	// whatever the count (the input's own limits).
	always func(Item)
}

// ReadBytes reads an input held in memory (a file of at most WholeFile bytes): one
// document, JSON Lines, or several documents one after the other, in any encoding that
// jsonin.Decode accepts, or gzip-compressed. emit is called once per document; it must not
// keep data, which the caller may reuse.
func (r *Reader) ReadBytes(name string, data []byte, emit func(Item)) {
	emit, done := r.listing(name, emit)
	defer done()
	if isGzip(data) {
		r.readStream(name, bytes.NewReader(data), emit)
		return
	}
	text, warnings, err := jsonin.Decode(name, data)
	if err != nil {
		emit(Item{Reject: reject(name, 0, jsoninReason(err))})
		return
	}
	warning := ""
	if len(warnings) > 0 {
		warning = warnings[0]
	}
	// Most files hold one document: one validation pass tells, without splitting. A file
	// nested too deep goes through the splitter, which rejects the document that does.
	if depthError(text) == nil && gjson.ValidBytes(text) {
		scanEmit(name, 0, true, text, warning, true, emit)
		return
	}
	r.splitBuffered(name, r.reset(&r.dec, bytes.NewReader(text)), emit)
}

// ReadStream reads an input of any size as a stream: stdin, a large file, a compressed one.
func (r *Reader) ReadStream(name string, in io.Reader, emit func(Item)) {
	emit, done := r.listing(name, emit)
	defer done()
	r.readStream(name, in, emit)
}

func (r *Reader) readStream(name string, in io.Reader, emit func(Item)) {
	// Every layer of buffering above asks again after an end of input: on a console each
	// ask would wait for another Ctrl+D (Ctrl+Z on Windows). The first end is the end.
	br := r.reset(&r.raw, &stickyEnd{r: in})
	limit := &limitReader{left: inputByteLimit}
	if head, _ := br.Peek(2); isGzip(head) {
		if r.gz == nil {
			r.gz = new(gzip.Reader)
		}
		if err := r.gz.Reset(br); err != nil {
			emit(Item{Reject: reject(name, 0, "cannot decompress: "+err.Error()+"; hint: the file is cut short or not gzip")})
			return
		}
		limit.r = r.gz
		br = r.reset(&r.unz, limit)
	} else {
		limit.r = br
		br = r.reset(&r.unz, limit)
	}
	var src io.Reader = br
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		br.Discard(2)
		src = &utf16Reader{r: br, name: "UTF-16LE", offset: 2}
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		br.Discard(2)
		src = &utf16Reader{r: br, big: true, name: "UTF-16BE", offset: 2}
	case len(head) >= 2 && head[0] != 0 && head[1] == 0:
		src = &utf16Reader{r: br, name: "UTF-16LE"}
	case len(head) >= 2 && head[0] == 0 && head[1] != 0:
		src = &utf16Reader{r: br, big: true, name: "UTF-16BE"}
	}
	if src != io.Reader(br) {
		// Line splitting needs its own buffer over the decoded text.
		br = r.reset(&r.dec, src)
	}
	r.splitBuffered(name, br, emit)
}

// MaxRejectsPerInput bounds the rejections one input lists one by one; the others are
// counted in one more rejection, so that one broken or hostile file cannot fill the report's
// list of rejected documents and hide the others.
const MaxRejectsPerInput = 100

// listing wraps emit for one input: its first MaxRejectsPerInput rejections pass, the others
// are counted, and done emits them as one item standing for all of them.
func (r *Reader) listing(name string, emit func(Item)) (func(Item), func()) {
	n, more, line := 0, 0, 0
	r.always = emit
	wrapped := func(it Item) {
		if it.Reject != nil {
			if n++; n > MaxRejectsPerInput {
				if more == 0 && it.Reject.Line != nil {
					line = *it.Reject.Line
				}
				more += max(1, it.Rejects)
				return
			}
		}
		emit(it)
	}
	done := func() {
		if more > 0 {
			emit(Item{Reject: reject(name, line, fmt.Sprintf("%d more documents rejected in this input, from here on; the first %d are listed", more, MaxRejectsPerInput)), Rejects: more})
		}
	}
	return wrapped, done
}

func (r *Reader) reset(slot **bufio.Reader, in io.Reader) *bufio.Reader {
	if *slot == nil {
		// Wrapped, so that a caller's own large bufio.Reader is never taken over and reset.
		*slot = bufio.NewReaderSize(struct{ io.Reader }{in}, 64<<10)
	} else {
		(*slot).Reset(in)
	}
	return *slot
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// jsoninReason drops the input name from jsonin's message: the report names the file apart.
func jsoninReason(err error) string {
	var je *jsonin.Error
	if errors.As(err, &je) {
		if je.Path == "" {
			return je.Msg
		}
		return je.Path + ": " + je.Msg
	}
	return err.Error()
}

// scanEmit scans one document, or each element of a list of documents (what ConvertTo-Json
// makes of several).
func scanEmit(name string, line int, single bool, text []byte, warning string, valid bool, emit func(Item)) {
	if t := bytes.TrimLeft(text, " \t\r\n"); len(t) == 0 || t[0] != '[' {
		d, rej := scanChecked(name, line, single, text, valid)
		emit(Item{Doc: d, Reject: rej, Warning: warning})
		return
	}
	list := gjson.ParseBytes(text)
	if !list.IsArray() || !valid && !gjson.ValidBytes(text) {
		d, rej := Scan(name, line, single, text)
		emit(Item{Doc: d, Reject: rej, Warning: warning})
		return
	}
	n := 0
	list.ForEach(func(_, v gjson.Result) bool {
		d, rej := scanChecked(name, line, false, []byte(v.Raw), true)
		if rej != nil {
			rej.Reason = fmt.Sprintf("element %d of the list: %s", n, rej.Reason)
		}
		emit(Item{Doc: d, Reject: rej, Warning: warning})
		warning = ""
		n++
		return true
	})
	if n == 0 {
		emit(Item{Reject: reject(name, line, "an empty list; hint: give ccproxy documents, one per file or one per line")})
	}
}

// piece is one document's text found in a stream, or why the text there is not one.
type piece struct {
	line int
	text []byte
	err  string
}

// splitBuffered cuts a stream into documents. A document ends where its outermost object
// closes, so JSON Lines, indented documents one after the other, and both mixed all work.
// A line that starts with "{" in its first column while a document is still open starts a
// new one (indented documents never do that), so a document cut short costs only itself.
// The first document waits until a second one shows whether the input holds only one: only
// then may its host come from the file name.
func (r *Reader) splitBuffered(name string, br *bufio.Reader, emit func(Item)) {
	var first *piece
	count := 0
	full := false
	deliver := func(p piece) {
		if full {
			return
		}
		if count == MaxInputDocuments {
			full = true
			r.always(Item{Reject: reject(name, p.line, fmt.Sprintf("holds more than %d documents, the most one input may hold; the rest is not read; hint: split it into several files", MaxInputDocuments))})
			return
		}
		count++
		if count == 1 {
			// Keep a copy: the buffer is reused for the next document.
			first = &piece{line: p.line, text: append([]byte(nil), p.text...), err: p.err}
			return
		}
		if first != nil {
			r.emitPiece(name, *first, false, emit)
			first = nil
		}
		r.emitPiece(name, p, false, emit)
	}
	sp := splitter{doc: r.doc[:0]}
	lineNo := 0
	var readErr error
	start := true
	for {
		// A line longer than the buffer comes in pieces: the splitter takes each as it
		// comes, so a long line costs only what the document it holds costs, and blanks
		// or a document rejected early cost nothing.
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			if start {
				lineNo++
			}
			sp.line(line, lineNo, start, deliver)
		}
		start = err != bufio.ErrBufferFull
		if full {
			break
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err != io.EOF {
				readErr = err
			}
			break
		}
	}
	if !full {
		sp.end(lineNo, readErr, deliver)
	}
	sp.reset()
	r.doc = sp.doc[:0]
	if first != nil {
		// The only piece: a lone document gets no line number.
		p := *first
		p.line = 0
		r.emitPiece(name, p, true, emit)
	}
	if count == 0 && readErr == nil {
		emit(Item{Reject: reject(name, 0, "empty input; hint: give ccproxy documents, one per file or one per line")})
	}
}

func (r *Reader) emitPiece(name string, p piece, single bool, emit func(Item)) {
	if p.err != "" {
		emit(Item{Reject: reject(name, p.line, p.err)})
		return
	}
	text, warnings, err := jsonin.Decode(name, p.text)
	if err != nil {
		emit(Item{Reject: reject(name, p.line, jsoninReason(err))})
		return
	}
	warning := ""
	if len(warnings) > 0 {
		warning = warnings[0]
		if p.line > 0 {
			warning = fmt.Sprintf("%s (document at line %d)", warning, p.line)
		}
	}
	scanEmit(name, p.line, single, text, warning, false, emit)
}

// splitter follows JSON's nesting across lines, outside and inside strings.
type splitter struct {
	doc       []byte
	depth     int
	inString  bool
	escaped   bool
	start     int  // line where the open document starts
	skipping  bool // after an oversize document, until the next one starts
	skipLine  bool // after text that is not a document, until the line ends
	truncated bool
}

func (s *splitter) reset() {
	s.doc, s.depth, s.inString, s.escaped, s.skipping, s.skipLine = s.doc[:0], 0, false, false, false, false
}

func (s *splitter) line(line []byte, lineNo int, start bool, deliver func(piece)) {
	if start {
		s.skipLine = false
		if line[0] == '{' && (s.depth > 0 || s.skipping) {
			if !s.skipping {
				deliver(piece{line: s.start, err: fmt.Sprintf("the document is cut short: line %d starts another one; hint: the file was not written completely", lineNo)})
			}
			s.reset()
		}
	}
	if s.skipping || s.skipLine {
		return
	}
	i := 0
	for i < len(line) {
		if s.depth == 0 {
			// Between documents: blank space, a byte order mark (files joined with cat), or
			// the start of the next one.
			for i < len(line) {
				rest := line[i:]
				if c := rest[0]; c == ' ' || c == '\t' || c == '\r' || c == '\n' {
					// Runs of blanks are skipped eight bytes at a time: a gzip bomb of
					// blanks is gigabytes of them.
					n := len(rest)
					for len(rest) >= 8 && binary.LittleEndian.Uint64(rest) == 0x2020202020202020 {
						rest = rest[8:]
					}
					if len(rest) == n {
						rest = rest[1:]
					}
					i = len(line) - len(rest)
				} else if c == 0xEF && bytes.HasPrefix(rest, []byte("\uFEFF")) {
					i += 3
				} else {
					break
				}
			}
			if i == len(line) {
				return
			}
			if line[i] != '{' && line[i] != '[' {
				text := bytes.TrimRight(line[i:], " \t\r\n")
				if len(text) > 200 {
					text = append(text[:200:200], "..."...)
				}
				deliver(piece{line: lineNo, err: "not a JSON document: " + quote(string(text)) + "; hint: give ccproxy documents, one per file or one per line"})
				s.skipLine = true // the rest of the line, if it comes in pieces
				return
			}
			s.start = lineNo
			s.doc = s.doc[:0]
		}
		j := s.scan(line, i)
		if s.depth > MaxDepth {
			deliver(piece{line: s.start, err: fmt.Sprintf("nested deeper than %d levels at line %d; hint: this is not a ccproxy document", MaxDepth, lineNo)})
			s.reset()
			s.skipping = true
			return
		}
		s.doc = append(s.doc, line[i:j]...)
		i = j
		if len(s.doc) > MaxDocument {
			deliver(piece{line: s.start, err: fmt.Sprintf("document larger than %d MiB; hint: this is not a ccproxy document", MaxDocument>>20)})
			s.reset()
			s.skipping = true
			return
		}
		if s.depth == 0 {
			deliver(piece{line: s.start, text: s.doc})
			s.doc = s.doc[:0]
		}
	}
}

// scan follows line from i and returns where the open document closes, or len(line).
func (s *splitter) scan(line []byte, i int) int {
	for ; i < len(line); i++ {
		c := line[i]
		if s.inString {
			switch {
			case s.escaped:
				s.escaped = false
			case c == '\\':
				s.escaped = true
			case c == '"':
				s.inString = false
			}
			continue
		}
		switch c {
		case '"':
			s.inString = true
		case '{', '[':
			if s.depth++; s.depth > MaxDepth {
				return i + 1
			}
		case '}', ']':
			s.depth--
			if s.depth <= 0 {
				s.depth = 0
				return i + 1
			}
		}
	}
	return i
}

func (s *splitter) end(lineNo int, readErr error, deliver func(piece)) {
	switch {
	case readErr != nil:
		line := s.start
		if s.depth == 0 {
			line = lineNo
		}
		deliver(piece{line: line, err: readReason(readErr)})
	case s.depth > 0 && !s.skipping:
		deliver(piece{line: s.start, err: "not valid JSON: the document is cut short; hint: the file was not written completely"})
	}
	s.reset()
}

func readReason(err error) string {
	var ue *utf16Error
	switch {
	case errors.As(err, &ue):
		return ue.Error()
	case errors.Is(err, errInputTooLarge):
		return err.Error()
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader):
		return "cannot decompress: " + err.Error() + "; hint: the file is cut short or damaged"
	}
	return "cannot read: " + err.Error()
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// utf16Reader turns UTF-16 into UTF-8 as it streams, for what Windows PowerShell 5.1's
// Out-File and > write.
type utf16Reader struct {
	r       io.Reader
	big     bool
	name    string
	offset  int64 // bytes consumed, for messages
	in      [4096]byte
	n       int // bytes pending in in
	out     []byte
	pos     int  // what Read has handed out of out
	pending rune // a high surrogate waiting for its pair
	err     error
}

type utf16Error struct{ msg string }

func (e *utf16Error) Error() string { return e.msg }

func (u *utf16Reader) Read(p []byte) (int, error) {
	for u.pos == len(u.out) {
		if u.err != nil {
			return 0, u.err
		}
		m, err := u.r.Read(u.in[u.n:])
		u.n += m
		k := u.n &^ 1
		u.out, u.pos = u.out[:0], 0
		for i := 0; i < k; i += 2 {
			var c rune
			if u.big {
				c = rune(u.in[i])<<8 | rune(u.in[i+1])
			} else {
				c = rune(u.in[i+1])<<8 | rune(u.in[i])
			}
			switch {
			case u.pending != 0:
				if c < 0xDC00 || c > 0xDFFF {
					u.err = &utf16Error{fmt.Sprintf("invalid %s: unpaired surrogate at byte %d", u.name, u.offset+int64(i)-2)}
					k = i
					break
				}
				u.out = utf8.AppendRune(u.out, 0x10000+(u.pending-0xD800)<<10+(c-0xDC00))
				u.pending = 0
			case c >= 0xD800 && c <= 0xDBFF:
				u.pending = c
			case c >= 0xDC00 && c <= 0xDFFF:
				u.err = &utf16Error{fmt.Sprintf("invalid %s: unpaired surrogate at byte %d", u.name, u.offset+int64(i))}
				k = i
			default:
				u.out = utf8.AppendRune(u.out, c)
			}
			if u.err != nil {
				break
			}
		}
		u.offset += int64(k)
		copy(u.in[:], u.in[k:u.n])
		u.n -= k
		if u.err != nil {
			continue
		}
		if err != nil {
			switch {
			case err != io.EOF:
				u.err = err
			case u.n != 0:
				u.err = &utf16Error{fmt.Sprintf("odd number of bytes (%d) for %s; hint: the file is cut short or not %s", u.offset+int64(u.n), u.name, u.name)}
			case u.pending != 0:
				u.err = &utf16Error{fmt.Sprintf("invalid %s: unpaired surrogate at byte %d", u.name, u.offset-2)}
			default:
				u.err = io.EOF
			}
		}
	}
	n := copy(p, u.out[u.pos:])
	u.pos += n
	return n, nil
}
