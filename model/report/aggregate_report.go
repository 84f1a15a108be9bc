package report

import (
	"ccproxy/model"
	"ccproxy/model/compliance"
	"cmp"
	"slices"
	"strings"
	"time"
)

// hostGroup counts the machines of one group and keeps the first host names.
type hostGroup struct {
	a     *Aggregator
	n     int
	hosts bounded[int32]
}

// newGroup lists up to k hosts, first by keys (the hosts in lower case, by machine).
func (a *Aggregator) newGroup(k int, keys []string) *hostGroup {
	return &hostGroup{a: a, hosts: bounded[int32]{max: k, less: func(x, y int32) bool { return keys[x] < keys[y] }}}
}

func (g *hostGroup) add(i int32) {
	g.n++
	g.hosts.offer(i)
}

func (g *hostGroup) names() []string {
	ms := g.hosts.sorted()
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = g.a.machines.at(m).host
	}
	return out
}

// keys lists the machines' keys, by machine.
func (a *Aggregator) keys() []string {
	keys := make([]string, a.machines.len())
	for k, i := range a.index {
		keys[i] = k
	}
	return keys
}

// Options are what a report needs beyond the documents.
type Options struct {
	Paths         []string
	HostsPerGroup int
	Now           time.Time
}

// settingsOf is the settings profile of the newer of a machine's state and test documents.
func (a *Aggregator) settingsOf(m *machine) (settingsProfile, bool) {
	st, te := a.doc(m, KindState), a.doc(m, KindTest)
	if te != nil && (st == nil || a.better(te, te.base, st)) {
		return a.setting.list[a.tests.list[te.profile].settings], true
	}
	if st != nil {
		return a.setting.list[st.profile], true
	}
	return settingsProfile{}, false
}

// Report is the summary of everything added.
func (a *Aggregator) Report(o Options) Report {
	k := o.HostsPerGroup
	r := Report{
		Schema: SchemaReport, GeneratedAt: o.Now.UTC().Truncate(time.Second), HostsPerGroup: k,
		Inputs: Inputs{Paths: append([]string{}, o.Paths...), Files: a.files, Documents: a.documents, Superseded: a.superseded, Skipped: a.skipped,
			ByKind: KindCounts{State: a.byKind[KindState], Test: a.byKind[KindTest], Check: a.byKind[KindCheck]}},
		Rejected: Rejected{Count: a.rejected, Documents: a.rejects.sorted()},
		LeftOut: LeftOut{Documents: a.leftDocs, Findings: a.leftOut[leftFindings], Issuers: a.leftOut[leftIssuers],
			Endpoints: a.leftOut[leftEndpoints], Settings: a.leftOut[leftSettings]},
	}
	type findingGroup struct {
		counts     [5]int
		fail, warn *hostGroup
		nc, na     *hostGroup
		fix        uint32 // the smallest fix by text, plus one
	}
	keys := a.keys()
	findings := map[uint32]*findingGroup{}
	services, installer := map[uint32]*hostGroup{}, map[uint32]*hostGroup{}
	mismatches := map[[2]uint32]*hostGroup{}
	issuers, unreachable := map[uint32]*hostGroup{}, map[uint32]*hostGroup{}
	type causeGroup struct {
		failure   *string
		machines  *hostGroup
		endpoints map[uint32]bool
		last      int32 // the machine added last
	}
	causes := map[string]*causeGroup{}
	rows := bounded[rowKey]{max: MaxMachineRows, less: func(x, y rowKey) bool {
		if x.class != y.class {
			return x.class < y.class
		}
		return keys[x.m] < keys[y.m]
	}}
	group := func(m map[uint32]*hostGroup, id uint32) *hostGroup {
		g := m[id]
		if g == nil {
			g = a.newGroup(k, keys)
			m[id] = g
		}
		return g
	}
	mc := &r.Machines
	for i := range int32(a.machines.len()) {
		m := a.machines.at(i)
		mc.Seen++
		if a.hostFromFileName(m) {
			mc.HostFromFileName++
		}
		if !a.ownFile(m) {
			mc.OtherFile++
		}
		if t := a.doc(m, KindTest); t != nil {
			p := &a.tests.list[t.profile]
			mc.Tested++
			switch p.verdict {
			case verdictCompliant:
				mc.Compliant++
			case verdictIncomplete:
				mc.Incomplete++
			default:
				mc.NonCompliant++
			}
			for n, f := range p.findings {
				id, status := f>>3, f&7
				g := findings[id]
				if g == nil {
					g = &findingGroup{fail: a.newGroup(k, keys), warn: a.newGroup(k, keys), nc: a.newGroup(k, keys), na: a.newGroup(k, keys)}
					findings[id] = g
				}
				g.counts[status]++
				switch uint8(status) {
				case statusFail:
					g.fail.add(i)
				case statusWarn:
					g.warn.add(i)
				case statusNotChecked:
					g.nc.add(i)
				case statusNotApplicable:
					g.na.add(i)
				}
				if fx := p.fixes[n]; fx != 0 && (g.fix == 0 || a.fixes.list[fx-1] < a.fixes.list[g.fix-1]) {
					g.fix = fx
				}
			}
		} else {
			mc.NotTested++
		}
		if s, ok := a.settingsOf(m); ok {
			mc.WithSettings++
			group(services, s.services).add(i)
			group(installer, s.installer).add(i)
			if s.mismatch == 1 {
				mc.Mismatched++
				key := [2]uint32{s.services, s.installer}
				g := mismatches[key]
				if g == nil {
					g = a.newGroup(k, keys)
					mismatches[key] = g
				}
				g.add(i)
			}
		}
		if c := a.doc(m, KindCheck); c != nil {
			p := &a.checks.list[c.profile]
			mc.Checked++
			if p.ok {
				mc.CheckPassed++
			} else {
				mc.CheckFailed++
			}
			v := &r.Interception.Verdicts
			switch verdictNames[p.verdict] {
			case "none":
				v.None++
			case "suspected":
				v.Suspected++
			case "detected":
				v.Detected++
			default:
				v.Unknown++
			}
			for _, is := range p.issuers {
				group(issuers, is).add(i)
			}
			for _, u := range p.unreachable {
				group(unreachable, u).add(i)
				f := a.fails.list[u].Failure
				c := causes[model.Deref(f)+map[bool]string{true: "\x00"}[f == nil]]
				if c == nil {
					c = &causeGroup{failure: f, machines: a.newGroup(k, keys), endpoints: map[uint32]bool{}}
					causes[model.Deref(f)+map[bool]string{true: "\x00"}[f == nil]] = c
				}
				// A machine counts once per cause, however many endpoints failed that way.
				if c.machines.n == 0 || c.last != i {
					c.machines.add(i)
					c.last = i
				}
				c.endpoints[u] = true
			}
		} else {
			mc.NotChecked++
		}
		rows.offer(rowKey{class: a.rowClass(m), m: i})
	}
	r.MachineList = MachineList{Count: a.machines.len(), Rows: []MachineRow{}}
	for _, rk := range rows.sorted() {
		r.MachineList.Rows = append(r.MachineList.Rows, a.machineRow(a.machines.at(rk.m)))
	}
	r.FailureCauses = make([]FailureCause, 0, len(causes))
	for _, c := range causes {
		fc := FailureCause{Failure: c.failure, Machines: c.machines.n, EndpointCount: len(c.endpoints), Hosts: c.machines.names(), Endpoints: []string{}}
		for u := range c.endpoints {
			fc.Endpoints = append(fc.Endpoints, a.fails.list[u].Endpoint)
		}
		slices.Sort(fc.Endpoints)
		fc.Endpoints = fc.Endpoints[:min(len(fc.Endpoints), k)]
		r.FailureCauses = append(r.FailureCauses, fc)
	}
	slices.SortFunc(r.FailureCauses, func(x, y FailureCause) int {
		return cmp.Or(cmp.Compare(y.Machines, x.Machines), strings.Compare(model.Deref(x.Failure), model.Deref(y.Failure)))
	})

	r.Findings = make([]FindingCount, 0, len(findings))
	for id, g := range findings {
		f := FindingCount{ID: a.ids.list[id], Pass: g.counts[statusPass], Fail: g.counts[statusFail], Warn: g.counts[statusWarn],
			NotApplicable: g.counts[statusNotApplicable], NotChecked: g.counts[statusNotChecked],
			FailedHosts: g.fail.names(), WarnedHosts: g.warn.names(), NotCheckedHosts: g.nc.names(), NotApplicableHosts: g.na.names()}
		f.Title, f.Requirements = checkTitle(f.ID)
		if g.fix != 0 {
			f.Fix = model.Ptr(a.fixes.list[g.fix-1])
		}
		for _, n := range g.counts {
			f.Machines += n
		}
		r.Findings = append(r.Findings, f)
	}
	slices.SortFunc(r.Findings, func(x, y FindingCount) int {
		return cmp.Or(cmp.Compare(y.Fail, x.Fail), cmp.Compare(y.Warn, x.Warn), strings.Compare(x.ID, y.ID))
	})
	r.Settings.Services = a.settingsGroups(services)
	r.Settings.Installer = a.settingsGroups(installer)
	r.Mismatches = make([]Mismatch, 0, len(mismatches))
	for key, g := range mismatches {
		r.Mismatches = append(r.Mismatches, Mismatch{Services: a.stacks.list[key[0]], Installer: a.stacks.list[key[1]], Machines: g.n, Hosts: g.names()})
	}
	slices.SortFunc(r.Mismatches, func(x, y Mismatch) int {
		return cmp.Or(cmp.Compare(y.Machines, x.Machines), strings.Compare(settingsText(&x.Services), settingsText(&y.Services)),
			strings.Compare(settingsText(&x.Installer), settingsText(&y.Installer)))
	})
	r.Interception.Issuers = make([]IssuerCount, 0, len(issuers))
	for id, g := range issuers {
		r.Interception.Issuers = append(r.Interception.Issuers, IssuerCount{Issuer: a.issuers.list[id], Machines: g.n, Hosts: g.names()})
	}
	slices.SortFunc(r.Interception.Issuers, func(x, y IssuerCount) int {
		return cmp.Or(cmp.Compare(y.Machines, x.Machines), strings.Compare(x.Issuer, y.Issuer))
	})
	r.Unreachable = make([]Unreachable, 0, len(unreachable))
	for id, g := range unreachable {
		f := a.fails.list[id]
		r.Unreachable = append(r.Unreachable, Unreachable{Endpoint: f.Endpoint, Failure: f.Failure, Machines: g.n, Hosts: g.names()})
	}
	slices.SortFunc(r.Unreachable, func(x, y Unreachable) int {
		return cmp.Or(cmp.Compare(y.Machines, x.Machines), strings.Compare(x.Endpoint, y.Endpoint), strings.Compare(model.Deref(x.Failure), model.Deref(y.Failure)))
	})
	r.Provenance = a.flaggedFiles(k, keys)
	return r
}

// flaggedFiles lists the files flagged for provenance, the first MaxRejectedListed by name.
func (a *Aggregator) flaggedFiles(k int, keys []string) Provenance {
	p := Provenance{Count: len(a.flagged) + a.flaggedN, Files: []FlaggedFile{}}
	names := make([]string, 0, len(a.flagged))
	for f := range a.flagged {
		names = append(names, f)
	}
	slices.Sort(names)
	if len(names) > MaxRejectedListed {
		names = names[:MaxRejectedListed]
	}
	for _, name := range names {
		f := a.flagged[name]
		g := a.newGroup(k, keys)
		for _, h := range f.hosts {
			g.add(h)
		}
		ff := FlaggedFile{File: name, Reasons: []string{}, Documents: f.documents, Hosts: g.names()}
		if f.otherHost {
			ff.Reasons = append(ff.Reasons, "otherHost")
		}
		if f.severalHosts {
			ff.Reasons = append(ff.Reasons, "severalHosts")
		}
		p.Files = append(p.Files, ff)
	}
	return p
}

// ownFile is true when every newest document of the machine came from a file or folder
// named after it, and from no file that holds documents of several hosts (docs/contract.md,
// provenance: every document of such a file is flagged, the host's own included).
func (a *Aggregator) ownFile(m *machine) bool {
	for k := range numKinds {
		s := a.doc(m, k)
		if s == nil {
			continue
		}
		if !s.attested {
			return false
		}
		if first, ok := a.inputs[a.dirs.list[s.dir]+s.base]; ok && first < 0 {
			return false
		}
	}
	return true
}

func (a *Aggregator) settingsGroups(m map[uint32]*hostGroup) []SettingsGroup {
	out := make([]SettingsGroup, 0, len(m))
	for id, g := range m {
		out = append(out, SettingsGroup{Settings: a.stacks.list[id], Machines: g.n, Hosts: g.names()})
	}
	slices.SortFunc(out, func(x, y SettingsGroup) int {
		return cmp.Or(cmp.Compare(y.Machines, x.Machines), strings.Compare(settingsText(&x.Settings), settingsText(&y.Settings)))
	})
	return out
}

// settingsText orders groups: mode, proxy, bypass, PAC, auto-detect.
func settingsText(s *Settings) string {
	return string(appendSettings(nil, s))
}

// hostFromFileName is true when no newest document of the machine names its host.
func (a *Aggregator) hostFromFileName(m *machine) bool {
	for k := range numKinds {
		if s := a.doc(m, k); s != nil && !s.fromFile {
			return false
		}
	}
	return true
}

// Machines calls fn with one row per machine, in order of host name; it stops at the first
// error and returns it.
func (a *Aggregator) Machines(fn func(Machine) error) error {
	keys := a.keys()
	order := make([]int32, len(keys))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(x, y int32) int { return strings.Compare(keys[x], keys[y]) })
	keys = nil
	for _, i := range order {
		if err := fn(a.row(a.machines.at(i))); err != nil {
			return err
		}
	}
	return nil
}

func (a *Aggregator) row(m *machine) Machine {
	r := Machine{Schema: SchemaMachine, Host: m.host, HostFrom: "document", Failed: []string{}, Warned: []string{},
		MissingEvidence: []compliance.MissingEvidence{}, Issuers: []string{}, Unreachable: []EndpointFailure{}, Superseded: int(m.older)}
	if a.hostFromFileName(m) {
		r.HostFrom = "fileName"
	}
	r.Provenance = "ownFile"
	if !a.ownFile(m) {
		r.Provenance = "otherFile"
	}
	refs := [numKinds]**DocumentRef{&r.Documents.State, &r.Documents.Test, &r.Documents.Check}
	for kind := range numKinds {
		if s := a.doc(m, kind); s != nil {
			ref := &DocumentRef{File: a.dirs.list[s.dir] + s.base, At: time.Unix(0, s.at).UTC()}
			if s.line > 0 {
				ref.Line = model.Ptr(int(s.line))
			}
			*refs[kind] = ref
		}
	}
	if t := a.doc(m, KindTest); t != nil {
		p := &a.tests.list[t.profile]
		r.Compliant = model.Ptr(p.compliant)
		r.Verdict = model.Ptr(testVerdictNames[p.verdict])
		for _, f := range p.findings {
			switch uint8(f & 7) {
			case statusFail:
				r.Failed = append(r.Failed, a.ids.list[f>>3])
			case statusWarn:
				r.Warned = append(r.Warned, a.ids.list[f>>3])
			}
		}
		for i := 0; i+1 < len(p.missing); i += 2 {
			r.MissingEvidence = append(r.MissingEvidence, compliance.MissingEvidence{What: a.fixAt(p.missing[i]), Supply: a.fixAt(p.missing[i+1])})
		}
	}
	if s, ok := a.settingsOf(m); ok {
		svc, ie := a.stacks.list[s.services], a.stacks.list[s.installer]
		r.Services, r.Installer = &svc, &ie
		if s.mismatch >= 0 {
			r.Mismatch = model.Ptr(s.mismatch == 1)
		}
	}
	if c := a.doc(m, KindCheck); c != nil {
		p := &a.checks.list[c.profile]
		r.CheckOK = model.Ptr(p.ok)
		r.Interception = model.Ptr(verdictNames[p.verdict])
		for _, is := range p.issuers {
			r.Issuers = append(r.Issuers, a.issuers.list[is])
		}
		slices.Sort(r.Issuers)
		for _, u := range p.unreachable {
			r.Unreachable = append(r.Unreachable, a.fails.list[u])
		}
		slices.SortFunc(r.Unreachable, func(x, y EndpointFailure) int {
			return cmp.Or(strings.Compare(x.Endpoint, y.Endpoint), strings.Compare(model.Deref(x.Failure), model.Deref(y.Failure)))
		})
	}
	return r
}

// checkTitle is the title and requirements this ccproxy gives the check of a finding id
// ("internalBypassed:dc01" is a finding of the check internalBypassed).
func checkTitle(id string) (string, []string) {
	check, _, _ := strings.Cut(id, ":")
	for _, c := range compliance.Checks {
		if c.ID == check {
			return c.Title, slices.Clone(c.Requirements)
		}
	}
	return id, []string{}
}

// rowKey orders the summary's machine table: what needs action first.
type rowKey struct {
	class uint8
	m     int32
}

// rowClass: 0 not compliant, 1 incomplete, 2 a failed check, 3 not tested, 4 the rest.
func (a *Aggregator) rowClass(m *machine) uint8 {
	if t := a.doc(m, KindTest); t != nil {
		switch a.tests.list[t.profile].verdict {
		case verdictNotCompliant:
			return 0
		case verdictIncomplete:
			return 1
		}
	}
	if c := a.doc(m, KindCheck); c != nil && !a.checks.list[c.profile].ok {
		return 2
	}
	if a.doc(m, KindTest) == nil {
		return 3
	}
	return 4
}

// fixAt is the string a profile keeps in Aggregator.fixes (its index plus one); "" for none.
func (a *Aggregator) fixAt(n uint32) string {
	if n == 0 {
		return ""
	}
	return a.fixes.list[n-1]
}

// machineRow is one machine as the summary's table shows it.
func (a *Aggregator) machineRow(m *machine) MachineRow {
	full := a.row(m)
	r := MachineRow{Host: full.Host, Verdict: full.Verdict, Failed: full.Failed, Warned: full.Warned, CheckOK: full.CheckOK, Provenance: full.Provenance}
	if t := a.doc(m, KindTest); t != nil {
		at := time.Unix(0, t.at).UTC()
		r.At = &at
		p := &a.tests.list[t.profile]
		// An incomplete machine's next step is the evidence its verdict lacks: the first way
		// to supply it, as 'ccproxy test' names it (issue 23's missingEvidence).
		if p.verdict == verdictIncomplete {
			for _, m := range full.MissingEvidence {
				if m.Supply != "" {
					r.Fix = model.Ptr(m.Supply)
					break
				}
			}
		}
		for _, want := range []uint8{statusFail, statusWarn} {
			for n, f := range p.findings {
				if uint8(f&7) == want && p.fixes[n] != 0 && r.Fix == nil {
					r.Fix = model.Ptr(a.fixes.list[p.fixes[n]-1])
				}
			}
		}
	}
	return r
}
