// Package ops holds what ccproxy's commands share and what a newcomer looks for first:
// what 'check' does, step by step (catalog to targets, routes, roots, the probes, the
// comparison of routes), and how apply and restore change the machine (the lock, the
// backup, the write, the read-back, the rollback). Commands parse flags and make one call
// here; the domain rules stay in model, the machine in system, the network in probe.
package ops

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"ccproxy/model"
	"ccproxy/probe"
)

// Check is one run of 'ccproxy check': what to probe, how to route, the bounds, and what
// the run reads from and tells.
type Check struct {
	Catalog                             Catalog
	Host, Internal, ServiceBus, Resolve []string
	Proxy, Bypass                       string
	Direct, Compare                     bool
	// Concurrency 0 is the whole catalog in one round, up to 64.
	Concurrency            int
	StageTimeout, Deadline time.Duration
	IPLiteral, CAFile      string

	Stdin    io.Reader
	Now      func() time.Time
	Hostname func() (string, error)
	// State reads the state the routes come from; it is called at most once.
	State func() (*model.State, error)
	// Progress, when set, hears of each finished probe.
	Progress func(done, total int, host string)
}

// Validate refuses bounds that cannot be kept, before anything is read or probed.
func (c *Check) Validate() error {
	switch {
	case c.Concurrency < 0 || c.Concurrency > 1024:
		return &model.InputError{Input: "--concurrency", Msg: fmt.Sprintf("%d is out of range (0-1024; 0 is the whole catalog, up to 64)", c.Concurrency)}
	case c.StageTimeout <= 0:
		return &model.InputError{Input: "--stage-timeout", Msg: fmt.Sprintf("%s must be positive; hint: such as 5s or 1500ms", c.StageTimeout)}
	case c.Deadline <= 0:
		return &model.InputError{Input: "--deadline", Msg: fmt.Sprintf("%s must be positive; hint: such as 30s or 2m", c.Deadline)}
	case c.Bypass != "" && c.Proxy == "":
		return &model.InputError{Input: "--bypass", Msg: "only goes with --proxy; hint: to try a bypass list, pass the proxy with it"}
	}
	return nil
}

// Run probes: the catalog's endpoints and the extra hosts, deduplicated, through the route
// the services take (or --proxy, --direct), and with Compare through every candidate route.
func (c *Check) Run() (probe.Check, error) {
	if err := c.Validate(); err != nil {
		return probe.Check{}, err
	}
	var st *model.State
	state := func() (*model.State, error) {
		if st == nil {
			s, err := c.State()
			if err != nil {
				return nil, err
			}
			st = s
		}
		return st, nil
	}
	doc := probe.Check{Schema: probe.SchemaCheck, Region: c.Catalog.Region,
		Limits: probe.Limits{StageTimeoutMs: c.StageTimeout.Milliseconds(), DeadlineMs: c.Deadline.Milliseconds()}}
	// The probes run from this machine whatever --from reads, so this is the host they speak for.
	if c.Hostname != nil {
		if h, err := c.Hostname(); err == nil && h != "" {
			doc.Source.Host = model.Ptr(h)
		}
	}
	targets, info, err := c.catalogTargets()
	if err != nil {
		return doc, err
	}
	doc.Catalog = info
	if id := c.Catalog.CustomerID; id != "" {
		doc.CustomerID = model.Ptr(strings.ToLower(strings.TrimSpace(id)))
	}
	extra, err := c.extraTargets()
	if err != nil {
		return doc, err
	}
	targets = dedupeTargets(append(targets, extra...))
	concurrency := c.Concurrency
	if concurrency == 0 {
		// One round for the whole catalog: a proxy that adds latency to each connection
		// then costs that latency once, not once per batch.
		// The R8 test (CONNECT to an IP address) takes a slot of its own.
		concurrency = max(1, min(len(targets)+1, 64))
	}
	doc.Limits.Concurrency = concurrency

	route, routing, err := c.routing(state)
	if err != nil {
		return doc, err
	}
	doc.Routing = routing
	o := probe.Options{
		Concurrency: concurrency, StageTimeout: c.StageTimeout, Deadline: c.Deadline,
		Route: route, Now: c.Now, Progress: c.Progress,
	}
	if o.Resolver, err = c.resolver(); err != nil {
		return doc, err
	}
	if o.RootCAs, o.PublicCAs, err = c.roots(); err != nil {
		return doc, err
	}
	if o.IPLiteralTarget, err = c.ipLiteral(); err != nil {
		return doc, err
	}
	if c.Compare {
		doc.Result, doc.Compare, err = c.compare(state, routing, targets, o)
		return doc, err
	}
	doc.Result = probe.Run(context.Background(), targets, o)
	return doc, nil
}
