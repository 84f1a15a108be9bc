package ops

import (
	"ccproxy/jsonin"
	"ccproxy/model"
	"ccproxy/model/bypass"
	"ccproxy/probe"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// routing decides routes as WinHTTP would: from the native (64-bit) view the services
// read, or from --proxy/--direct.
func (c *Check) routing(state func() (*model.State, error)) (probe.RouteFunc, probe.Routing, error) {
	r := probe.Routing{Notes: []string{}}
	switch {
	case c.Direct:
		r.Source = "direct"
		return routeWith(bypass.Proxy{}, bypass.List{}), r, nil
	case c.Proxy != "":
		p := bypass.ParseProxy(c.Proxy)
		pe := p.For("https")
		if pe == nil || !pe.Valid {
			why := "it has no entry for https URLs"
			if pe != nil {
				why = pe.Note
			}
			return nil, r, &model.InputError{Input: "--proxy", Msg: fmt.Sprintf("%s cannot be used: %s; hint: such as proxy.corp.example:8080", jsonin.Quote(jsonin.RedactProxyEntry(c.Proxy)), why)}
		}
		r.Source, r.Proxy = "proxyFlag", model.Ptr(p.String())
		l := bypass.Parse(c.Bypass)
		if c.Bypass != "" {
			r.Bypass = model.Ptr(l.String())
		}
		r.Notes = append(r.Notes, proxyNotes(p)...)
		return routeWith(p, l), r, nil
	}
	st, err := state()
	if err != nil {
		return nil, r, err
	}
	r.Source = "winhttp"
	input := string(st.Source.Kind)
	if st.Source.Path != nil {
		input = *st.Source.Path
	}
	r.StateSource = model.Ptr(input)
	v := st.WinHTTP.Native
	if !v.Known {
		return nil, r, &model.InputError{Input: input, Msg: "holds no 64-bit WinHTTP settings, which the connector's services use; hint: read another source with --from, or pass --proxy or --direct"}
	}
	if v.Mode == nil {
		return nil, r, &model.InputError{Input: input, Msg: "the 64-bit WinHttpSettings value cannot be decoded; hint: see 'ccproxy get' for the reason, or pass --proxy or --direct"}
	}
	if *v.Mode != "proxy" || v.Proxy == nil {
		r.Notes = append(r.Notes, "WinHTTP goes direct")
		return routeWith(bypass.Proxy{}, bypass.List{}), r, nil
	}
	p := bypass.ParseProxy(v.Proxy.Raw)
	r.Proxy = model.Ptr(v.Proxy.Raw)
	var l bypass.List
	if v.Bypass != nil {
		l = bypass.Parse(v.Bypass.Raw)
		r.Bypass = model.Ptr(v.Bypass.Raw)
	}
	r.Notes = append(r.Notes, proxyNotes(p)...)
	return routeWith(p, l), r, nil
}

func proxyNotes(p bypass.Proxy) []string {
	var notes []string
	for _, s := range []string{"https", "http"} {
		pe := p.For(s)
		switch {
		case pe == nil:
			notes = append(notes, "no proxy entry for "+s+" URLs: they go direct")
		case !pe.Valid:
			notes = append(notes, "the proxy entry for "+s+" URLs is not valid ("+pe.Note+"); those probes fail at the proxy")
		case pe.ProxyScheme == "socks" || pe.Scheme == "socks":
			notes = append(notes, "WinHTTP does not support SOCKS proxies")
		}
	}
	return notes
}

// routeWith decides routes with the bypass package's WinHTTP rules, so that check agrees
// with 'route' and 'test'.
func routeWith(p bypass.Proxy, l bypass.List) probe.RouteFunc {
	return func(host string, port int, scheme string) (string, bool, string) {
		h := host
		if strings.Contains(h, ":") {
			h = "[" + h + "]"
		}
		r, err := bypass.Route(p, l, bypass.StackWinHTTP, scheme+"://"+h+":"+strconv.Itoa(port))
		if err != nil {
			// Targets are validated before they get here; a host the router cannot read
			// is decided by the same matcher without the URL parsing.
			r.Match = l.Match(bypass.StackWinHTTP, h, port, scheme)
			r.Proxy = p.For(scheme)
			r.Direct = r.Proxy == nil || r.Match.Bypassed
		}
		if r.Direct {
			switch {
			case !r.Match.Bypassed:
				return "", true, ""
			case r.Match.Entry != nil:
				return "", true, r.Match.Entry.Value
			default:
				return "", true, r.Match.Reason
			}
		}
		if r.Proxy.Host == "" {
			// An unusable entry: the probe reports that it cannot reach it.
			return "invalid proxy entry", false, ""
		}
		return net.JoinHostPort(r.Proxy.Host, strconv.Itoa(r.Proxy.EffectivePort())), false, ""
	}
}
