package probe

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// ipLiteral is R8: some proxies refuse CONNECT to an IP address, which the connector needs
// for Azure Service Bus (Provisioning catalog creation among others).
func (r *runner) ipLiteral(targets []Target) (c IPLiteralCheck) {
	start := time.Now()
	c.Status = StatusNotChecked
	defer func() { c.DurationMs = ms(time.Since(start)) }()

	target := r.o.IPLiteralTarget
	if target == "" {
		var from *Target
		for i := range targets {
			t := &targets[i]
			if t.Source == SourceCatalog && t.Kind == KindHTTPS && !r.route(*t).Direct {
				from = t
				break
			}
		}
		if from == nil {
			c.Message = "no catalog https endpoint goes through a proxy, so there is no proxy to test; pass --ip-literal to choose an address"
			return c
		}
		c.DerivedFrom = ptr(from.Host)
		ctx, cancel := context.WithTimeout(r.ctx, r.o.StageTimeout)
		addrs, err := r.o.Resolver(ctx, from.Host)
		cancel()
		ip := firstIP(addrs)
		if err != nil || ip == "" {
			why := "no address"
			if err != nil {
				why = errText(err)
			}
			c.Message = fmt.Sprintf("cannot look up %s to find an IP address to test (%s); pass --ip-literal ADDRESS", from.Host, why)
			return c
		}
		target = net.JoinHostPort(ip, strconv.Itoa(from.Port))
	}
	c.Target = &target
	host, ps, err := net.SplitHostPort(target)
	port, perr := strconv.Atoi(ps)
	if err != nil || perr != nil || !isIP(host) {
		c.Message = fmt.Sprintf("%q is not an IP address and port; pass --ip-literal ADDRESS:PORT", target)
		return c
	}
	proxy, direct, _ := r.o.Route(host, port, "https")
	if direct || proxy == "" {
		c.Message = fmt.Sprintf("WinHTTP would reach %s directly: there is no proxy to test; pass --proxy HOST:PORT to test a proxy", target)
		return c
	}
	c.Proxy = &proxy

	a := &attempt{r: r, t: Target{Host: host, Port: port, Kind: KindTCP}, via: proxy, ep: newEndpoint(Target{}, Route{})}
	conn := a.dialProxy()
	if conn != nil {
		if tun := a.connect(conn, target); tun != nil {
			tun.Close()
		}
		conn.Close()
	}
	if a.connectStatus != 0 {
		c.StatusCode = ptr(a.connectStatus)
	}
	switch {
	case a.ep.Status == StatusNotChecked:
		c.Message = "the deadline was reached during the IP-literal test; raise --deadline"
	case a.ep.Status == "":
		c.Status = StatusPass
		c.ProxyRefuses = ptr(false)
		c.Message = fmt.Sprintf("the proxy %s accepts CONNECT to an IP address", proxy)
	default:
		c.Status = StatusFail
		c.Failure = a.ep.Failure
		c.Message = *a.ep.Message
		gatewayError := a.connectStatus == 502 || a.connectStatus == 504
		if gatewayError {
			c.Message = fmt.Sprintf("the proxy %s took CONNECT to %s but could not reach it (answered %d), so whether it allows IP addresses is unknown; pass --ip-literal with an address it can reach", proxy, target, a.connectStatus)
		}
		if a.ep.Failure != nil && *a.ep.Failure == FailProxyDenied && a.connectStatus != 0 && !gatewayError {
			c.ProxyRefuses = ptr(true)
			c.Message = fmt.Sprintf("the proxy %s refuses CONNECT to an IP address (%s answered %d): features that reach Azure Service Bus by address, such as Provisioning catalog creation, fail (R8); allow CONNECT to IP addresses for the connector", proxy, target, a.connectStatus)
		}
	}
	return c
}

// firstIP prefers IPv4, which proxies and Service Bus relays handle everywhere.
func firstIP(addrs []string) string {
	var v6 string
	for _, s := range addrs {
		a, err := netip.ParseAddr(s)
		if err != nil {
			continue
		}
		if a.Is4() || a.Is4In6() {
			return a.Unmap().String()
		}
		if v6 == "" {
			v6 = a.String()
		}
	}
	return v6
}
