package probe

import (
	"bufio"
	"fmt"
	"net/textproto"
	"strconv"
	"strings"
)

// response is the status line and headers of an HTTP/1.x answer: all a probe reads. It is
// parsed here rather than with net/http, which would add megabytes to the binary for it.
type response struct {
	Proto      string // "HTTP/1.1"
	Status     string // "200 Connection established"
	StatusCode int
	Header     textproto.MIMEHeader
}

func readResponse(br *bufio.Reader) (*response, error) {
	tp := textproto.NewReader(br)
	line, err := tp.ReadLine()
	if err != nil {
		return nil, err
	}
	proto, status, ok := strings.Cut(line, " ")
	if !ok || !strings.HasPrefix(proto, "HTTP/1.") {
		return nil, fmt.Errorf("malformed HTTP status line %q", cut(line, 60))
	}
	status = strings.TrimLeft(status, " ")
	codeText, _, _ := strings.Cut(status, " ")
	code, err := strconv.Atoi(codeText)
	if err != nil || len(codeText) != 3 || code < 100 {
		return nil, fmt.Errorf("malformed HTTP status code in %q", cut(line, 60))
	}
	hdr, err := tp.ReadMIMEHeader()
	if err != nil {
		return nil, fmt.Errorf("malformed HTTP headers: %v", err)
	}
	return &response{Proto: proto, Status: status, StatusCode: code, Header: hdr}, nil
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
