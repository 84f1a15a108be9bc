// Package probe checks endpoints the way the Cloud Connector's services reach them: through
// the proxy WinHTTP would use (CONNECT, then TLS inside the tunnel) or directly, stage by
// stage, each stage timed and bounded, every failure put in one of a fixed set of classes.
// It knows nothing of catalogs or registries: callers hand it targets and a route function.
package probe

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Target is one endpoint to probe.
type Target struct {
	Host     string
	Port     int
	Kind     string // KindHTTPS, KindHTTP (revocation, port 80) or KindTCP
	Purpose  string
	Required bool
	// ExpectedIssuers are substrings of the issuer's CN, O or OU that are legitimate for
	// this host; empty when unknown, which weakens the interception verdict.
	ExpectedIssuers []string
	HealthPath      string // "" for none; for KindHTTP the path requested, "/" when empty
	Source          string // SourceCatalog, SourceHost, SourceInternal or SourceServiceBus
	ExpectDirect    bool
}

// Address is host:port, with IPv6 in brackets.
func (t Target) Address() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// RouteFunc decides how a URL of scheme to host:port goes: through proxyAddr (host:port),
// or direct. matchedEntry says what sent it direct (a bypass entry, "loopback"), "" otherwise.
type RouteFunc func(host string, port int, scheme string) (proxyAddr string, direct bool, matchedEntry string)

// Options bound and equip a run. Zero values take the defaults.
type Options struct {
	Concurrency  int           // endpoints probed at once; 16
	StageTimeout time.Duration // each stage; 5s
	Deadline     time.Duration // the whole run; 30s
	// Resolver looks host names up; tests inject one so catalog names reach loopback.
	Resolver func(ctx context.Context, host string) ([]string, error)
	Dial     func(ctx context.Context, network, addr string) (net.Conn, error)
	// RootCAs verify chains; nil means the system roots.
	RootCAs *x509.CertPool
	// PublicCAs are substrings of a root's CN or O that make it a public CA; nil means the
	// built-in list. A root outside it is evidence of interception, because an inspecting
	// proxy's root is usually installed in the machine's store and verifies.
	PublicCAs []string
	Route     RouteFunc // nil: everything direct
	Progress  func(done, total int, host string)
	Now       func() time.Time
	// IPLiteralTarget is the ip:port to CONNECT to for R8. Empty: the address of the first
	// catalog https target that goes through the proxy, looked up with Resolver.
	IPLiteralTarget string
}

const deadlineGrace = 250 * time.Millisecond

func (o Options) withDefaults() Options {
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if o.StageTimeout <= 0 {
		o.StageTimeout = 5 * time.Second
	}
	if o.Deadline <= 0 {
		o.Deadline = 30 * time.Second
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver.LookupHost
	}
	if o.Dial == nil {
		var d net.Dialer
		o.Dial = d.DialContext
	}
	if o.PublicCAs == nil {
		o.PublicCAs = PublicCANames
	}
	if o.Route == nil {
		o.Route = func(string, int, string) (string, bool, string) { return "", true, "" }
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Run probes every target within the deadline and returns one Endpoint per target, in the
// order given. An endpoint not finished when the deadline passes is notChecked, never a pass.
func Run(ctx context.Context, targets []Target, o Options) Result {
	o = o.withDefaults()
	start := time.Now()
	res := Result{StartedAt: o.Now().UTC().Truncate(time.Second), Endpoints: make([]Endpoint, len(targets))}

	runCtx, cancel := context.WithTimeout(ctx, o.Deadline)
	defer cancel()
	runDeadline, _ := runCtx.Deadline()
	r := &runner{o: o, ctx: runCtx, deadline: runDeadline}

	for i, t := range targets {
		res.Endpoints[i] = notChecked(t, r.route(t), "the deadline was reached before this endpoint was probed; raise --deadline or --concurrency")
	}
	ipl := IPLiteralCheck{Status: StatusNotChecked, Message: "the deadline was reached before the IP-literal test ran; raise --deadline"}

	var (
		mu        sync.Mutex
		finalized bool
		done      int
		wg        sync.WaitGroup
	)
	sem := make(chan struct{}, o.Concurrency)
	acquire := func() bool {
		select {
		case sem <- struct{}{}:
		case <-runCtx.Done():
			return false
		}
		if runCtx.Err() != nil {
			<-sem
			return false
		}
		return true
	}
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !acquire() {
				return
			}
			ep := r.endpoint(t)
			<-sem
			mu.Lock()
			defer mu.Unlock()
			if finalized {
				return
			}
			res.Endpoints[i] = ep
			done++
			if o.Progress != nil {
				o.Progress(done, len(targets), t.Host)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if !acquire() {
			return
		}
		c := r.ipLiteral(targets)
		<-sem
		mu.Lock()
		defer mu.Unlock()
		if !finalized {
			ipl = c
		}
	}()

	allDone := make(chan struct{})
	go func() { wg.Wait(); close(allDone) }()
	select {
	case <-allDone:
	case <-runCtx.Done():
		// Every stage is bounded by the run's context, so the stragglers end within moments;
		// whatever has not reported by then stays notChecked.
		select {
		case <-allDone:
		case <-time.After(deadlineGrace):
		}
	}
	mu.Lock()
	finalized = true // a straggler reporting later finds it and writes nothing
	res.IPLiteral = ipl
	mu.Unlock()

	res.DurationMs = ms(time.Since(start))
	res.DeadlineReached = r.cut.Load() || runCtx.Err() == context.DeadlineExceeded
	summarise(&res)
	return res
}

func summarise(res *Result) {
	c := &res.Counts
	in := &res.Interception
	in.Detected, in.Suspected, in.Issuers = []string{}, []string{}, []string{}
	issuers := map[string]bool{}
	seenChain := false
	res.AllRequiredReachable, res.AllRoutesAsExpected = true, true
	for _, e := range res.Endpoints {
		c.Total++
		switch e.Status {
		case StatusPass:
			c.Passed++
		case StatusFail:
			c.Failed++
		default:
			c.NotChecked++
		}
		if e.Required {
			c.Required++
			if e.Status == StatusPass {
				c.RequiredPassed++
			} else {
				res.AllRequiredReachable = false
			}
		}
		if !e.Route.AsExpected {
			c.Misrouted++
			res.AllRoutesAsExpected = false
		}
		addr := net.JoinHostPort(e.Host, strconv.Itoa(e.Port))
		switch e.Interception.Verdict {
		case VerdictDetected:
			c.Intercepted++
			in.Detected = append(in.Detected, addr)
		case VerdictSuspected:
			in.Suspected = append(in.Suspected, addr)
		}
		if e.Interception.Verdict != VerdictUnknown {
			seenChain = true
		}
		if e.TLS != nil && e.TLS.IssuerExpected != nil && !*e.TLS.IssuerExpected && len(e.TLS.Chain) > 0 {
			issuers[e.TLS.Chain[0].Issuer] = true
		}
		for _, ev := range e.Interception.Evidence {
			if ev.Kind == EvidenceInspectionProduct && e.TLS != nil && len(e.TLS.Chain) > 0 {
				issuers[e.TLS.Chain[0].Issuer] = true
			}
		}
	}
	for k := range issuers {
		in.Issuers = append(in.Issuers, k)
	}
	sort.Strings(in.Issuers)
	switch {
	case len(in.Detected) > 0:
		in.Verdict = VerdictDetected
	case len(in.Suspected) > 0:
		in.Verdict = VerdictSuspected
	case seenChain:
		in.Verdict = VerdictNone
	default:
		in.Verdict = VerdictUnknown
	}
	// A proxy that refuses CONNECT to an IP address breaks the connector's Service Bus
	// traffic (R8): that fails the run like an unreachable endpoint.
	res.Clock = clockCheck(res.Endpoints)
	res.OK = res.AllRequiredReachable && res.AllRoutesAsExpected && in.Verdict != VerdictDetected && !(res.IPLiteral.ProxyRefuses != nil && *res.IPLiteral.ProxyRefuses) &&
		res.Clock.Status != StatusFail
}

func ms(d time.Duration) float64 {
	return float64(d.Round(10*time.Microsecond).Microseconds()) / 1000
}

func notChecked(t Target, rt Route, why string) Endpoint {
	e := newEndpoint(t, rt)
	e.Status = StatusNotChecked
	e.Message = &why
	return e
}

func newEndpoint(t Target, rt Route) Endpoint {
	return Endpoint{
		Host: t.Host, Port: t.Port, Kind: t.Kind, Purpose: t.Purpose, Required: t.Required, Source: t.Source,
		Route: rt, Stages: []Stage{}, Interception: Interception{Verdict: VerdictUnknown, Evidence: []Evidence{}},
	}
}

// clockCheck takes the median of the skews the endpoints' answers showed, so that one
// server with a wrong clock does not decide.
func clockCheck(eps []Endpoint) ClockCheck {
	type skew struct {
		s    int64
		from string
	}
	var all []skew
	for _, e := range eps {
		if e.HTTP != nil && e.HTTP.SkewSeconds != nil {
			all = append(all, skew{*e.HTTP.SkewSeconds, e.Host + ":" + strconv.Itoa(e.Port)})
		}
	}
	c := ClockCheck{Status: StatusNotChecked, Answers: len(all)}
	if len(all) == 0 {
		c.Message = "no HTTP answer carried a Date, so the clock could not be compared; run check where the endpoints answer, or compare with: w32tm /stripchart /computer:time.windows.com /samples:3"
		return c
	}
	sort.Slice(all, func(i, j int) bool { return all[i].s < all[j].s })
	m := all[len(all)/2]
	c.SkewSeconds, c.From = &m.s, &m.from
	abs := m.s
	if abs < 0 {
		abs = -abs
	}
	if time.Duration(abs)*time.Second > MaxClockSkew {
		c.Status = StatusFail
		dir := "behind"
		if m.s < 0 {
			dir = "ahead of"
		}
		c.Message = fmt.Sprintf("the local clock is %s %s the servers' (%s): beyond %s, TLS and token validation fail; hint: sync the clock (w32tm /resync, or fix the domain's time source)", (time.Duration(abs) * time.Second).String(), dir, m.from, MaxClockSkew)
		return c
	}
	c.Status = StatusPass
	c.Message = fmt.Sprintf("the local clock agrees with the servers' to within %s (median of %s; the skew is in skewSeconds)", MaxClockSkew, plural(len(all), "answer"))
	return c
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
