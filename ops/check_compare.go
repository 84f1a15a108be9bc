package ops

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"ccproxy/model"
	"ccproxy/model/bypass"
	"ccproxy/probe"
)

// routeRun is one distinct route of a --compare run and the candidates that take it.
type routeRun struct {
	id, proxy, bypass string
	candidates        []string
	res               probe.Result
}

// routeKey is a route's identity: two candidates whose proxy and bypass list read the same
// once parsed take one route, and it is probed once.
func routeKey(proxy, bypassList string) string {
	if strings.TrimSpace(proxy) == "" {
		return "direct"
	}
	return bypass.ParseProxy(proxy).String() + "\x00" + bypass.Parse(bypassList).String()
}

// compare probes the targets through every candidate route at once. The result it returns
// is that of the main route (the services' WinHTTP setting, or --proxy/--direct), so the
// top of the document and the exit code say what they say without --compare.
func (c *Check) compare(state func() (*model.State, error), main probe.Routing, targets []probe.Target, o probe.Options) (probe.Result, *probe.Compare, error) {
	st, err := state()
	if err != nil {
		return probe.Result{}, nil, err
	}
	cands := model.RouteCandidates(st)
	if c.Proxy != "" {
		cands = append(cands, model.RouteCandidate{ID: model.CandidateProxyFlag, Description: "the proxy given with --proxy", Known: true, Proxy: c.Proxy, Bypass: c.Bypass})
	}
	cmp := &probe.Compare{Candidates: []probe.Candidate{}, Routes: []probe.RouteResult{}, Working: []string{}}
	var runs []*routeRun
	byKey := map[string]*routeRun{}
	take := func(id, proxy, bypassList string) *routeRun {
		k := routeKey(proxy, bypassList)
		r := byKey[k]
		if r == nil {
			r = &routeRun{id: id, proxy: strings.TrimSpace(proxy), bypass: bypassList}
			byKey[k] = r
			runs = append(runs, r)
		}
		r.candidates = append(r.candidates, id)
		return r
	}
	for _, cd := range cands {
		pc := probe.Candidate{ID: cd.ID, Description: cd.Description, Known: cd.Known}
		if cd.Known {
			pc.Route = model.Ptr(take(cd.ID, cd.Proxy, cd.Bypass).id)
		} else {
			pc.Reason = model.Ptr(model.RedactCredentials(cd.Reason))
		}
		cmp.Candidates = append(cmp.Candidates, pc)
	}
	mainRun := byKey[routeKey(model.Deref(main.Proxy), model.Deref(main.Bypass))]
	if mainRun == nil {
		// Not reached: the main route is always a candidate (winhttp, proxyFlag or direct).
		mainRun = take(main.Source, model.Deref(main.Proxy), model.Deref(main.Bypass))
	}

	progress := o.Progress
	var mu sync.Mutex
	done := 0
	total := len(runs) * (len(targets) + 1)
	var wg sync.WaitGroup
	for _, r := range runs {
		ro := o
		ro.Route = routeWith(bypass.ParseProxy(r.proxy), bypass.Parse(r.bypass))
		if progress != nil {
			ro.Progress = func(_, _ int, host string) {
				mu.Lock()
				defer mu.Unlock()
				done++
				progress(min(done, total), total, r.id+" "+host)
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.res = probe.Run(context.Background(), targets, ro)
		}()
	}
	wg.Wait()

	pass := map[string]bool{}
	for _, r := range runs {
		rr := probe.RouteResult{ID: r.id, Candidates: r.candidates, Pass: r.res.OK, Counts: r.res.Counts,
			Verdict: r.res.Interception.Verdict, IPLiteral: r.res.IPLiteral.Status, Endpoints: []probe.RouteEndpoint{}}
		if r.proxy != "" {
			rr.Proxy = model.Ptr(model.RedactProxyList(r.proxy))
			if r.bypass != "" {
				rr.Bypass = model.Ptr(model.RedactProxyList(r.bypass))
			}
		}
		for _, e := range r.res.Endpoints {
			rr.Endpoints = append(rr.Endpoints, probe.RouteEndpoint{Host: e.Host, Port: e.Port, Status: e.Status, Failure: e.Failure, Direct: e.Route.Direct, Proxy: e.Route.Proxy})
		}
		cmp.Routes = append(cmp.Routes, rr)
		for _, id := range r.candidates {
			pass[id] = r.res.OK
		}
	}
	for _, cd := range cmp.Candidates {
		if pass[cd.ID] {
			cmp.Working = append(cmp.Working, cd.ID)
		}
	}
	cmp.Message = compareMessage(cmp, mainRun, runs)
	if main.Source == "winhttp" && !mainRun.res.OK {
		if fix := fixRoute(cands, pass); fix != nil {
			s := model.RedactCredentials(model.PlanCommand(model.PlanSetArgs(fix.Proxy, fix.Bypass)...))
			cmp.Fix = &s
			cmp.Message += "; to give the services the route of " + fix.ID + ": " + s + ", then ccproxy apply, and restart the connector's services"
		}
	}
	return mainRun.res, cmp, nil
}

// fixRoute picks the working route to suggest for the services: the one given with --proxy,
// else the first working proxy among the machine's own settings, else direct.
func fixRoute(cands []model.RouteCandidate, pass map[string]bool) *model.RouteCandidate {
	var direct *model.RouteCandidate
	var pick *model.RouteCandidate
	for i := range cands {
		cd := &cands[i]
		switch {
		case !pass[cd.ID] || cd.ID == model.CandidateWinHTTP:
		case cd.ID == model.CandidateProxyFlag:
			return cd
		case cd.Direct():
			if direct == nil {
				direct = cd
			}
		case pick == nil:
			pick = cd
		}
	}
	if pick != nil {
		return pick
	}
	return direct
}

func compareMessage(cmp *probe.Compare, mainRun *routeRun, runs []*routeRun) string {
	passing := 0
	for _, r := range runs {
		if r.res.OK {
			passing++
		}
	}
	verdict := "passes"
	if !mainRun.res.OK {
		verdict = "fails"
	}
	msg := fmt.Sprintf("%d of %s pass; the main route (%s) %s", passing, model.Count(len(runs), "distinct route"), strings.Join(mainRun.candidates, ", "), verdict)
	if len(cmp.Working) > 0 {
		msg += "; routes that reach everything: " + strings.Join(cmp.Working, ", ")
	} else {
		msg += "; no candidate reaches every required endpoint: see each route's endpoints for the failing stage"
	}
	var skipped []string
	for _, cd := range cmp.Candidates {
		if !cd.Known {
			// Each says why it was not probed, so what to supply instead is in the message.
			why := ""
			if cd.Reason != nil {
				why = " (" + *cd.Reason + ")"
			}
			skipped = append(skipped, cd.ID+why)
		}
	}
	if len(skipped) > 0 {
		msg += "; not probed: " + strings.Join(skipped, ", ")
	}
	return msg
}
