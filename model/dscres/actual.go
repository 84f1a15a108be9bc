package dscres

import (
	"sort"

	"ccproxy/model"
)

// Actual is the actual state of the parts the request names (both when it names none),
// as get, test and set report it. The WinHTTP part shows the first of the requested views
// that the source holds, and lists in "views" the requested views that hold the same.
func Actual(st *model.State, r *Request) Instance {
	var inst Instance
	all := !r.Names()
	if all || r.WinHTTP {
		views := r.Views
		if len(views) == 0 {
			views = []string{model.ViewNative, model.ViewWOW64}
		}
		inst.WinHTTP = winhttpOf(st, views)
	}
	if all || r.WinINet {
		inst.WinINet = wininetOf(st, r.User)
	}
	return inst
}

// ExportWinHTTP is the machine's WinHTTP setting as instances: one when the views agree,
// one per view when they differ, none when the source holds neither view.
func ExportWinHTTP(st *model.State) []Instance {
	var known []string
	for _, v := range []string{model.ViewNative, model.ViewWOW64} {
		if view(st, v).Known {
			known = append(known, v)
		}
	}
	out := []Instance{}
	for len(known) > 0 {
		w := winhttpOf(st, known)
		out = append(out, Instance{WinHTTP: w})
		var rest []string
		for _, v := range known {
			if !contains(w.Views, v) {
				rest = append(rest, v)
			}
		}
		known = rest
	}
	return out
}

// ExportWinINet is the WinINet settings of the state's owner as an instance; nil when the
// source does not hold them.
func ExportWinINet(st *model.State) *Instance {
	if !st.WinINet.Known {
		return nil
	}
	return &Instance{WinINet: wininetOf(st, "")}
}

func view(st *model.State, name string) model.WinHTTPView {
	if name == model.ViewWOW64 {
		return st.WinHTTP.WOW64
	}
	return st.WinHTTP.Native
}

// winhttpSetting is what one view means to WinHTTP: a disabled proxy string is no proxy.
type winhttpSetting struct {
	mode          string
	proxy, bypass string
}

func settingOf(v model.WinHTTPView) (winhttpSetting, bool) {
	if !v.Known || v.Mode == nil {
		return winhttpSetting{}, false
	}
	s := winhttpSetting{mode: *v.Mode}
	if s.mode == model.ModeProxy {
		if v.Proxy != nil {
			s.proxy = v.Proxy.Raw
		}
		if v.Bypass != nil {
			s.bypass = v.Bypass.Raw
		}
	}
	return s, true
}

func winhttpOf(st *model.State, views []string) *WinHTTP {
	w := &WinHTTP{Views: []string{}}
	var ref model.WinHTTPView
	var refSetting winhttpSetting
	found := false
	for _, name := range views {
		v := view(st, name)
		s, ok := settingOf(v)
		if !ok {
			continue
		}
		if !found {
			ref, refSetting, found = v, s, true
		}
		if s == refSetting {
			w.Views = append(w.Views, name)
		}
	}
	if !found {
		// Neither view is known to the source: say so rather than guess.
		w.Views = append(w.Views, views...)
		return w
	}
	w.Mode = model.Ptr(refSetting.mode)
	if refSetting.mode == model.ModeProxy {
		if ref.Proxy != nil {
			w.Proxy = model.Ptr(ref.Proxy.Raw)
		}
		w.Bypass = bypassEntries(ref.Bypass)
	}
	sort.SliceStable(w.Views, func(i, j int) bool { return viewRank(w.Views[i]) < viewRank(w.Views[j]) })
	return w
}

func viewRank(v string) int {
	if v == model.ViewWOW64 {
		return 1
	}
	return 0
}

func wininetOf(st *model.State, asked string) *WinINet {
	w := &WinINet{User: ownerName(st.Source.WinINetOwner, asked)}
	s := st.WinINet
	if !s.Known {
		return w
	}
	w.ManualProxy = s.ManualProxy
	if s.Proxy != nil {
		w.Proxy = model.Ptr(s.Proxy.Raw)
	}
	w.Bypass = bypassEntries(s.Bypass)
	w.AutoConfigURL = s.AutoConfigURL
	w.AutoDetect = s.AutoDetect
	return w
}

// ownerName names the owner the way an instance does: its SID when known, else what was
// asked for, else "current".
func ownerName(o model.Owner, asked string) string {
	switch {
	case o.Scope == "machine":
		return UserMachine
	case o.SID != nil && model.ValidSID(*o.SID):
		return *o.SID
	case asked != "":
		return asked
	}
	return UserCurrent
}

// bypassEntries lists a bypass list's entries; nil (null) when there is none, so that the
// output reads back as "keep".
func bypassEntries(b *model.BypassDoc) []string {
	if b == nil || len(b.Entries) == 0 {
		return nil
	}
	out := make([]string, 0, len(b.Entries))
	for _, e := range b.Entries {
		out = append(out, e.Value)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Diff lists the top-level properties that changes to the given stacks ("winhttp",
// "wininet") touch, each once and in instance order: the second line of the stateAndDiff
// output of test and set.
func Diff(stacks []string) []string {
	out := []string{}
	for _, p := range []string{PropWinHTTP, PropWinINet} {
		if contains(stacks, p) {
			out = append(out, p)
		}
	}
	return out
}

// RebootRequested says whether changes to the given stacks need a restart: the Cloud
// Connector services read the WinHTTP setting only when they start.
func RebootRequested(stacks []string) bool { return contains(stacks, PropWinHTTP) }

// PlanStacks lists the stack of every change of a plan.
func PlanStacks(p *model.Plan) []string {
	out := []string{}
	for _, c := range p.Changes {
		out = append(out, c.Target.Stack)
	}
	return out
}
