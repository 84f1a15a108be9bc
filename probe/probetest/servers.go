package probetest

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// UpstreamOptions shape a fake upstream.
type UpstreamOptions struct {
	Expired    bool           // TLS: serve certificates that expired a month ago
	MaxVersion uint16         // TLS: the highest version offered, 0 for Go's default
	Status     map[string]int // path -> status; other paths answer 200
	DateSkew   time.Duration  // added to the Date header's time: a server whose clock is off
}

// Server is a fake upstream on loopback.
type Server struct {
	Addr string // 127.0.0.1:port
	Port int
	srv  *http.Server
}

func (o UpstreamOptions) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := http.StatusOK
		if c, ok := o.Status[r.URL.Path]; ok {
			code = c
		}
		if o.DateSkew != 0 {
			w.Header().Set("Date", time.Now().Add(o.DateSkew).UTC().Format(http.TimeFormat))
		}
		w.WriteHeader(code)
		fmt.Fprintf(w, "%d %s\n", code, r.URL.Path)
	})
}

func listen() (net.Listener, int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, 0, err
	}
	return ln, ln.Addr().(*net.TCPAddr).Port, nil
}

// NewTLSUpstream serves HTTPS with certificates from ca for whatever name the client asks.
func NewTLSUpstream(ca *CA, o UpstreamOptions) (*Server, error) {
	ln, port, err := listen()
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: ln.Addr().String(), Port: port, srv: &http.Server{Handler: o.handler(), ErrorLog: quietLog()}}
	go s.srv.Serve(tls.NewListener(ln, ca.serverConfig(o.Expired, o.MaxVersion)))
	return s, nil
}

// NewHTTPUpstream serves plain HTTP, as certificate revocation hosts do on port 80.
func NewHTTPUpstream(o UpstreamOptions) (*Server, error) {
	ln, port, err := listen()
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: ln.Addr().String(), Port: port, srv: &http.Server{Handler: o.handler(), ErrorLog: quietLog()}}
	go s.srv.Serve(ln)
	return s, nil
}

// Close stops the server and its connections.
func (s *Server) Close() { s.srv.Close() }

// ProxyMode is how a fake proxy answers.
type ProxyMode int

const (
	Tunnel       ProxyMode = iota // CONNECT answered 200 and the bytes passed through
	Resign                        // CONNECT answered 200, TLS terminated and re-signed by ResignCA
	AuthRequired                  // every request answered 407
	Silent                        // connections accepted, nothing ever answered
)

// ProxyOptions shape a fake proxy.
type ProxyOptions struct {
	Mode             ProxyMode
	ResignCA         *CA      // Resign: the inspection CA
	RefuseIPLiterals bool     // CONNECT to an IP address answered 403
	DenyHosts        []string // these host names answered 403
	Delay            time.Duration
}

// Proxy is a fake HTTP proxy on loopback. Whatever host or address a request names, it
// connects to 127.0.0.1 on the requested port, so that a test never reaches past loopback.
type Proxy struct {
	Addr string
	Port int

	o      ProxyOptions
	ln     net.Listener
	mu     sync.Mutex
	conns  map[net.Conn]bool
	closed chan struct{}
	wg     sync.WaitGroup
}

// NewProxy starts a proxy.
func NewProxy(o ProxyOptions) (*Proxy, error) {
	ln, port, err := listen()
	if err != nil {
		return nil, err
	}
	p := &Proxy{Addr: ln.Addr().String(), Port: port, o: o, ln: ln, conns: map[net.Conn]bool{}, closed: make(chan struct{})}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Close stops the proxy and cuts every connection it holds.
func (p *Proxy) Close() {
	close(p.closed)
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.closed:
		c.Close()
		return false
	default:
	}
	p.conns[c] = true
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			continue
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer p.untrack(c)
			p.handle(c)
		}()
	}
}

func (p *Proxy) sleep(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-p.closed:
		return false
	}
}

func (p *Proxy) handle(c net.Conn) {
	if p.o.Mode == Silent {
		io.Copy(io.Discard, c)
		return
	}
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	if !p.sleep(p.o.Delay) {
		return
	}
	host := req.Host
	if req.Method != http.MethodConnect {
		host = req.URL.Host
		if req.URL.Port() == "" {
			host = net.JoinHostPort(req.URL.Hostname(), "80")
		}
	}
	h, port, _ := net.SplitHostPort(host)
	_, ipErr := netip.ParseAddr(strings.Trim(h, "[]"))
	switch {
	case p.o.Mode == AuthRequired:
		io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Negotiate\r\nProxy-Authenticate: NTLM\r\nContent-Length: 0\r\n\r\n")
		return
	case p.o.RefuseIPLiterals && ipErr == nil, contains(p.o.DenyHosts, h):
		io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
		return
	}
	up, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", port), 5*time.Second)
	if err != nil {
		io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	if !p.track(up) {
		return
	}
	defer p.untrack(up)

	if req.Method != http.MethodConnect {
		req.RequestURI = ""
		req.Header.Set("Connection", "close")
		if err := req.Write(up); err != nil {
			return
		}
		io.Copy(c, up)
		return
	}
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	var client net.Conn = &readerConn{Conn: c, r: br}
	if p.o.Mode == Resign {
		var sni string
		srv := tls.Server(client, &tls.Config{GetCertificate: func(hi *tls.ClientHelloInfo) (*tls.Certificate, error) {
			sni = hi.ServerName
			name := sni
			if name == "" {
				name = h
			}
			return p.o.ResignCA.For(name, false)
		}})
		if err := srv.Handshake(); err != nil {
			return
		}
		cl := tls.Client(up, &tls.Config{ServerName: sni, InsecureSkipVerify: true})
		if err := cl.Handshake(); err != nil {
			return
		}
		client, up = srv, cl
	}
	pipe(client, up)
}

type readerConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *readerConn) Read(b []byte) (int, error) { return c.r.Read(b) }

func pipe(a, b net.Conn) {
	done := make(chan struct{}, 2)
	go func() { io.Copy(a, b); a.Close(); done <- struct{}{} }()
	go func() { io.Copy(b, a); b.Close(); done <- struct{}{} }()
	<-done
	<-done
}

func contains(l []string, s string) bool {
	for _, v := range l {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// Resolver maps every name to 127.0.0.1, so that catalog names reach the fakes.
func Resolver(ctx context.Context, host string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return []string{"127.0.0.1"}, nil
}

func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }

// Port is the port of a host:port address.
func Port(addr string) int {
	_, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return n
}
