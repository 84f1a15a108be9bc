package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

const userAgent = "ccproxy-check/1"

type runner struct {
	o        Options
	ctx      context.Context // the run: cancelled at the deadline
	deadline time.Time
	cut      atomic.Bool // a stage was cut short by the deadline
}

func (r *runner) route(t Target) Route {
	proxy, direct, entry := r.o.Route(t.Host, t.Port, schemeOf(t))
	if proxy == "" {
		direct = true
	}
	rt := Route{Direct: direct, ExpectDirect: t.ExpectDirect}
	if direct {
		if entry != "" {
			rt.BypassEntry = &entry
		}
	} else {
		rt.Proxy = &proxy
	}
	rt.AsExpected = direct || !t.ExpectDirect
	return rt
}

func schemeOf(t Target) string {
	if t.Kind == KindHTTP {
		return "http"
	}
	return "https"
}

// attempt is one endpoint being probed; stages append to ep.
type attempt struct {
	r  *runner
	t  Target
	ep Endpoint
	// via is the proxy, "" when direct; it shapes the messages.
	via string
	// connectStatus is the proxy's answer to CONNECT, 0 when none came.
	connectStatus int
}

// failure is a classified stage failure.
type failure struct {
	class string
	msg   string
}

func (f *failure) Error() string { return f.msg }

var aLongTimeAgo = time.Unix(1, 0)

// stage runs fn bounded by the stage timeout and the run's deadline and records it. A
// stage cut short by the run's deadline leaves the endpoint notChecked, never failed or passed.
func (a *attempt) stage(name string, conn net.Conn, fn func(ctx context.Context) (string, error)) bool {
	start := time.Now()
	dl := start.Add(a.r.o.StageTimeout)
	byRun := !a.r.deadline.After(dl)
	if byRun {
		dl = a.r.deadline
	}
	ctx, cancel := context.WithDeadline(a.r.ctx, dl)
	defer cancel()
	if conn != nil {
		_ = conn.SetDeadline(dl)
		// The deadline above covers time; this covers the caller cancelling the run.
		stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(aLongTimeAgo) })
		defer stop()
	}
	details, err := fn(ctx)
	st := Stage{Name: name, DurationMs: ms(time.Since(start)), OK: err == nil, Details: details}
	if err != nil {
		var f *failure
		if !errors.As(err, &f) {
			f = a.classify(name, err)
		}
		cutByRun := isTimeout(err) && (byRun || a.r.ctx.Err() != nil)
		cancelled := errors.Is(a.r.ctx.Err(), context.Canceled)
		if cutByRun || cancelled {
			msg := fmt.Sprintf("the overall deadline was reached during the %s stage; raise --deadline", name)
			if cancelled {
				msg = fmt.Sprintf("the check was cancelled during the %s stage; run it again to test this endpoint", name)
			} else {
				a.r.cut.Store(true)
			}
			a.ep.Status = StatusNotChecked
			a.ep.Failure = nil
			a.ep.Message = &msg
		} else {
			a.ep.Status = StatusFail
			a.ep.Failure = &f.class
			a.ep.Message = &f.msg
		}
	}
	if err != nil && st.Details == "" {
		st.Details = *a.ep.Message
	}
	a.ep.Stages = append(a.ep.Stages, st)
	return err == nil
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var de *net.DNSError
	return errors.As(err, &de) && de.IsTimeout
}

// classify puts a network error in its class with a message that names the stage's peer.
func (a *attempt) classify(stage string, err error) *failure {
	addr := a.t.Address()
	peer := addr
	if a.via != "" && (stage == StageTCP || stage == StageDNS || stage == StageProxyConnect) {
		peer = "the proxy " + a.via
	}
	limit := a.r.o.StageTimeout.String()
	if isTimeout(err) {
		what := map[string]string{
			StageDNS: "looking up " + a.lookupName(), StageTCP: "connecting to " + peer,
			StageProxyConnect: "waiting for " + peer + " to answer CONNECT " + addr,
			StageTLS:          "in the TLS handshake with " + addr, StageHTTP: "waiting for the HTTP answer from " + addr,
		}[stage]
		if stage == StageHTTP && a.via != "" && a.t.Kind == KindHTTP {
			what = "waiting for the proxy " + a.via + " to answer GET for " + addr
		}
		return &failure{FailTimeout, fmt.Sprintf("no answer within %s %s", limit, what)}
	}
	switch stage {
	case StageDNS:
		return &failure{FailDNS, fmt.Sprintf("cannot resolve %s: %s; check this machine's DNS servers", a.lookupName(), errText(err))}
	case StageTCP:
		hint := "a firewall may block outbound port " + strconv.Itoa(a.t.Port) + " (R1)"
		if a.via != "" {
			hint = "check the proxy address and that the proxy runs"
		}
		return &failure{FailTCPRefused, fmt.Sprintf("cannot connect to %s: %s; %s", peer, errText(err), hint)}
	case StageProxyConnect:
		return &failure{FailProxyDenied, fmt.Sprintf("%s closed the connection without answering CONNECT %s: %s", peer, addr, errText(err))}
	case StageTLS:
		msg := fmt.Sprintf("TLS handshake with %s failed: %s", addr, errText(err))
		if a.via != "" {
			msg += "; the proxy may block or inspect this host"
		}
		return &failure{FailTLSHandshake, msg}
	default:
		return &failure{FailHTTP, fmt.Sprintf("HTTP request to %s failed: %s", addr, errText(err))}
	}
}

func (a *attempt) lookupName() string {
	if a.via != "" {
		h, _, _ := net.SplitHostPort(a.via)
		return "the proxy host " + h
	}
	return a.t.Host
}

// errText is an error's message without Go's operation prefixes ("dial tcp 1.2.3.4:443: ").
func errText(err error) string {
	var de *net.DNSError
	if errors.As(err, &de) {
		return de.Err
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		err = oe.Err
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "connection closed by the peer"
	}
	return strings.TrimPrefix(err.Error(), "tls: ")
}

func (r *runner) endpoint(t Target) Endpoint {
	start := time.Now()
	rt := r.route(t)
	a := &attempt{r: r, t: t, ep: newEndpoint(t, rt)}
	if rt.Proxy != nil {
		a.via = *rt.Proxy
	}
	a.run()
	if a.ep.Status == "" {
		a.ep.Status = StatusPass
	}
	a.ep.DurationMs = ms(time.Since(start))
	return a.ep
}

func (a *attempt) run() {
	var conn net.Conn
	if a.via == "" {
		conn = a.dialDirect()
	} else {
		conn = a.dialProxy()
	}
	if conn == nil {
		return
	}
	defer conn.Close()

	if a.via != "" && a.t.Kind == KindHTTP {
		a.httpStage(conn, true)
		return
	}
	if a.via != "" {
		if conn = a.connect(conn, a.t.Address()); conn == nil {
			return
		}
	}
	switch a.t.Kind {
	case KindTCP:
		return
	case KindHTTP:
		a.httpStage(conn, false)
		return
	}
	tc := a.tlsStage(conn)
	if tc == nil || a.t.HealthPath == "" {
		return
	}
	a.httpStage(tc, false)
}

func isIP(h string) bool {
	_, err := netip.ParseAddr(strings.Trim(h, "[]"))
	return err == nil
}

// dialHost resolves host (unless it is an IP literal) and connects to the first address
// that answers, as two stages.
func (a *attempt) dialHost(host string, port int, tcpDetails string) net.Conn {
	addrs := []string{host}
	if !isIP(host) {
		ok := a.stage(StageDNS, nil, func(ctx context.Context) (string, error) {
			as, err := a.r.o.Resolver(ctx, host)
			if err == nil && len(as) == 0 {
				err = &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
			}
			if err != nil {
				return "", err
			}
			addrs = as
			prefix := ""
			if a.via != "" {
				prefix = "proxy host "
			}
			return prefix + host + " is " + strings.Join(as, ", "), nil
		})
		if !ok {
			return nil
		}
	}
	var conn net.Conn
	a.stage(StageTCP, nil, func(ctx context.Context) (string, error) {
		var last error
		for _, ad := range addrs {
			addr := net.JoinHostPort(strings.Trim(ad, "[]"), strconv.Itoa(port))
			c, err := a.r.o.Dial(ctx, "tcp", addr)
			if err == nil {
				conn = c
				return tcpDetails + addr, nil
			}
			last = err
			if ctx.Err() != nil {
				break
			}
		}
		return "", last
	})
	return conn
}

func (a *attempt) dialDirect() net.Conn {
	return a.dialHost(a.t.Host, a.t.Port, "connected to ")
}

func (a *attempt) dialProxy() net.Conn {
	host, ps, err := net.SplitHostPort(a.via)
	port, perr := strconv.Atoi(ps)
	if err != nil || perr != nil {
		msg := fmt.Sprintf("the proxy address %q is not host:port", a.via)
		a.ep.Stages = append(a.ep.Stages, Stage{Name: StageTCP, Details: msg})
		a.ep.Status, a.ep.Failure, a.ep.Message = StatusFail, ptr(FailTCPRefused), &msg
		return nil
	}
	return a.dialHost(host, port, "connected to the proxy at ")
}

// bufConn keeps bytes the proxy sent after its answer to CONNECT.
type bufConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// connect asks the proxy for a tunnel to addr; it returns the tunnel or nil.
func (a *attempt) connect(conn net.Conn, addr string) net.Conn {
	br := bufio.NewReader(conn)
	ok := a.stage(StageProxyConnect, conn, func(ctx context.Context) (string, error) {
		req := "CONNECT " + addr + " HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: " + userAgent + "\r\nProxy-Connection: Keep-Alive\r\n\r\n"
		if _, err := io.WriteString(conn, req); err != nil {
			return "", err
		}
		resp, err := readResponse(br)
		if err != nil {
			return "", err
		}
		a.connectStatus = resp.StatusCode
		details := "CONNECT " + addr + ": " + resp.Proto + " " + resp.Status
		switch {
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			return details, nil
		case resp.StatusCode == 407:
			return details, &failure{FailProxyAuth, proxyAuthMessage(a.via, resp)}
		default:
			return details, &failure{FailProxyDenied, fmt.Sprintf("the proxy %s refused CONNECT %s with %s; allow this host on the proxy for the connector (R1)", a.via, addr, resp.Status)}
		}
	})
	if !ok {
		return nil
	}
	if br.Buffered() > 0 {
		return &bufConn{Conn: conn, r: br}
	}
	return conn
}

func proxyAuthMessage(proxy string, resp *response) string {
	var schemes []string
	for _, v := range resp.Header.Values("Proxy-Authenticate") {
		s, _, _ := strings.Cut(strings.TrimSpace(v), " ")
		if s != "" {
			schemes = append(schemes, s)
		}
	}
	how := ""
	if len(schemes) > 0 {
		how = " (" + strings.Join(schemes, ", ") + ")"
	}
	return fmt.Sprintf("the proxy %s demands authentication%s: 407 Proxy Authentication Required; the Windows Cloud Connector supports only an unauthenticated proxy, so allow the Citrix hosts without authentication (the Connector Appliance, which has its own proxy setting, also supports Basic authentication)", proxy, how)
}

func (a *attempt) tlsStage(conn net.Conn) *tls.Conn {
	info := &TLSResult{Chain: []Cert{}, ExpectedIssuers: append([]string{}, a.t.ExpectedIssuers...)}
	if !isIP(a.t.Host) {
		info.SNI = ptr(a.t.Host)
	}
	a.ep.TLS = info
	var tc *tls.Conn
	a.stage(StageTLS, conn, func(ctx context.Context) (string, error) {
		cfg := &tls.Config{
			// Verification happens after the handshake, so that an invalid or re-signed
			// chain is still seen and described rather than cut off.
			InsecureSkipVerify: true,
			// Accept old versions to report them; Citrix Cloud needs 1.2 or later.
			MinVersion: tls.VersionTLS10,
			NextProtos: []string{"http/1.1"},
			// Schannel's groups on the Windows Server releases the connector runs on. Go's
			// default adds a post-quantum share that makes the ClientHello span two packets,
			// which some middleboxes mishandle; the services would never show that failure.
			CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384},
		}
		if info.SNI != nil {
			cfg.ServerName = *info.SNI
		}
		c := tls.Client(conn, cfg)
		if err := c.HandshakeContext(ctx); err != nil {
			return "", err
		}
		tc = c
		return a.r.analyseTLS(a.t, c.ConnectionState(), info, &a.ep.Interception)
	})
	if a.ep.Status != "" {
		return nil
	}
	return tc
}

// httpStage sends one GET and reads the status line and headers. absolute is for a plain
// HTTP request through a proxy, which takes the full URL.
func (a *attempt) httpStage(conn net.Conn, absolute bool) {
	path := a.t.HealthPath
	if path == "" {
		path = "/"
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	scheme := schemeOf(a.t)
	hostHeader := a.t.Host
	if strings.Contains(hostHeader, ":") {
		hostHeader = "[" + hostHeader + "]"
	}
	if a.t.Port != defaultPort(scheme) {
		hostHeader = a.t.Address()
	}
	url := scheme + "://" + hostHeader + path
	a.ep.HTTP = &HTTPResult{URL: url}
	a.stage(StageHTTP, conn, func(ctx context.Context) (string, error) {
		target := path
		if absolute {
			target = url
		}
		req := "GET " + target + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nUser-Agent: " + userAgent + "\r\nAccept: */*\r\nConnection: close\r\n\r\n"
		if _, err := io.WriteString(conn, req); err != nil {
			return "", err
		}
		resp, err := readResponse(bufio.NewReader(conn))
		if err != nil {
			return "", err
		}
		a.ep.HTTP.StatusCode = ptr(resp.StatusCode)
		a.ep.HTTP.Status = resp.Status
		if d := resp.Header.Get("Date"); d != "" {
			a.ep.HTTP.Date = ptr(d)
			// IMF-fixdate, the one form RFC 9110 lets a server send.
			if at, err := time.Parse("Mon, 02 Jan 2006 15:04:05 GMT", d); err == nil {
				a.ep.HTTP.SkewSeconds = ptr(int64(at.Sub(a.r.o.Now()).Round(time.Second) / time.Second))
			}
		}
		details := "GET " + url + ": " + resp.Proto + " " + resp.Status
		code := resp.StatusCode
		switch {
		case absolute && code == 407:
			return details, &failure{FailProxyAuth, proxyAuthMessage(a.via, resp)}
		case absolute && (code == 403 || code == 502 || code == 503 || code == 504):
			return details, &failure{FailProxyDenied, fmt.Sprintf("the proxy %s did not forward GET %s: %s; allow this host on port %d on the proxy (certificate revocation checks need it)", a.via, url, resp.Status, a.t.Port)}
		case code >= 400 && a.t.HealthPath != "":
			return details, &failure{FailHTTP, fmt.Sprintf("GET %s answered %s", url, resp.Status)}
		}
		return details, nil
	})
}

func defaultPort(scheme string) int {
	if scheme == "http" {
		return 80
	}
	return 443
}

func ptr[T any](v T) *T { return &v }
