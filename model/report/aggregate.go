package report

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"ccproxy/model"
)

// MaxRejectedListed bounds the rejected documents a report lists; it counts them all.
const MaxRejectedListed = 1000

// Aggregator folds documents into a fleet summary. It keeps, per host, only where its newest
// document of each kind came from and a number that stands for what that document says:
// documents that say the same thing (most of a fleet) share one interned profile. It is not
// safe for concurrent use: feed it from one goroutine.
type Aggregator struct {
	index    map[string]int32 // lower-case host -> machines
	machines chunks[machine]
	slots    chunks[slot]

	dirs    interner // folders of the files, so that a path costs only its base name
	stacks  table[Settings]
	setting table[settingsProfile]
	tests   table[testProfile]
	checks  table[checkProfile]
	ids     interner // finding ids
	issuers interner
	fails   table[EndpointFailure]
	key     []byte // reused to build interning keys

	files      int
	documents  int
	superseded int
	byKind     [numKinds]int
	rejected   int
	rejects    bounded[RejectedDoc]
}

type machine struct {
	host    string
	hostAt  int64
	docs    [numKinds]int32 // into slots, plus one; 0 when the machine has no such document
	older   int32
	hostDoc bool // host comes from a document rather than a file name
}

// slot is the newest document of one kind for one host.
type slot struct {
	at       int64
	dir      uint32
	line     int32
	profile  uint32
	fromFile bool
	base     string
}

type settingsProfile struct {
	services, installer uint32 // into stacks
	mismatch            int8   // -1 unknown, 0 same, 1 differ
}

type testProfile struct {
	compliant bool
	settings  uint32   // into setting
	findings  []uint32 // finding id index << 3 | status
}

type checkProfile struct {
	ok          bool
	verdict     uint8
	issuers     []uint32
	unreachable []uint32 // into fails
}

// NewAggregator starts an empty summary.
func NewAggregator() *Aggregator {
	return &Aggregator{index: map[string]int32{}, rejects: bounded[RejectedDoc]{max: MaxRejectedListed, less: rejectedLess}}
}

// Documents is the number of documents accepted so far.
func (a *Aggregator) Documents() int { return a.documents }

// Rejected is the number of documents and inputs rejected so far.
func (a *Aggregator) Rejected() int { return a.rejected }

// AddFiles counts inputs read (the reader knows them, the documents do not).
func (a *Aggregator) AddFiles(n int) { a.files += n }

// Add takes one item from a Reader.
func (a *Aggregator) Add(it Item) {
	if it.Reject != nil {
		a.rejected++
		a.rejects.offer(*it.Reject)
		return
	}
	d := &it.Doc
	a.documents++
	a.byKind[d.Kind]++
	key := strings.ToLower(d.Host)
	i, ok := a.index[key]
	if !ok {
		host := strings.Clone(d.Host)
		if key == d.Host {
			key = host
		} else {
			key = strings.Clone(key)
		}
		i = a.machines.add(machine{host: host, hostAt: d.At, hostDoc: !d.HostFromFile})
		a.index[key] = i
	}
	m := a.machines.at(i)
	if ok && hostBetter(d, m) {
		m.host, m.hostAt, m.hostDoc = strings.Clone(d.Host), d.At, !d.HostFromFile
	}
	dir, base := splitPath(d.File)
	s := slot{at: d.At, dir: a.dirs.id(dir), line: int32(d.Line), fromFile: d.HostFromFile}
	if m.docs[d.Kind] != 0 {
		a.superseded++
		m.older++
		old := a.slots.at(m.docs[d.Kind] - 1)
		if !a.newer(&s, base, old) {
			return
		}
		s.base, s.profile = strings.Clone(base), a.profile(d)
		*old = s
		return
	}
	s.base, s.profile = strings.Clone(base), a.profile(d)
	m.docs[d.Kind] = a.slots.add(s) + 1
}

// doc is a machine's newest document of a kind, or nil.
func (a *Aggregator) doc(m *machine, k Kind) *slot {
	if m.docs[k] == 0 {
		return nil
	}
	return a.slots.at(m.docs[k] - 1)
}

// chunks stores values in blocks that never move, so that growing costs no copy of all
// that was stored and no second copy in memory while it happens.
type chunks[T any] struct {
	blocks [][]T
	n      int32
}

const chunkSize = 4096

func (c *chunks[T]) add(v T) int32 {
	if int(c.n)%chunkSize == 0 {
		c.blocks = append(c.blocks, make([]T, 0, chunkSize))
	}
	b := &c.blocks[len(c.blocks)-1]
	*b = append(*b, v)
	c.n++
	return c.n - 1
}

func (c *chunks[T]) at(i int32) *T { return &c.blocks[i/chunkSize][i%chunkSize] }

func (c *chunks[T]) len() int { return int(c.n) }

// hostBetter decides which spelling of a host name a machine shows: one a document gives
// over one from a file name, then the newest, then the greater, so that the order in which
// documents arrive does not matter.
func hostBetter(d *Doc, m *machine) bool {
	if fromDoc := !d.HostFromFile; fromDoc != m.hostDoc {
		return fromDoc
	}
	if d.At != m.hostAt {
		return d.At > m.hostAt
	}
	return d.Host > m.host
}

// newer orders documents of one host and kind: the later time wins, then the greater file
// name and line, so that the result does not depend on the order of reading.
func (a *Aggregator) newer(s *slot, base string, old *slot) bool {
	if s.at != old.at {
		return s.at > old.at
	}
	if c := strings.Compare(a.dirs.list[s.dir]+base, a.dirs.list[old.dir]+old.base); c != 0 {
		return c > 0
	}
	return s.line > old.line
}

func (a *Aggregator) profile(d *Doc) uint32 {
	switch d.Kind {
	case KindState:
		return a.settingsID(d.settings)
	case KindTest:
		t := testProfile{compliant: d.test.compliant, settings: a.settingsID(d.settings)}
		for _, f := range d.test.findings {
			t.findings = append(t.findings, a.ids.id(f.id)<<3|uint32(f.status))
		}
		k := appendBool(a.key[:0], t.compliant)
		k = appendU32(k, t.settings)
		for _, f := range t.findings {
			k = appendU32(k, f)
		}
		a.key = k
		return a.tests.id(k, func() testProfile { return t })
	default:
		c := checkProfile{ok: d.check.ok, verdict: d.check.verdict}
		for _, s := range d.check.issuers {
			c.issuers = append(c.issuers, a.issuers.id(s))
		}
		for _, f := range d.check.unreachable {
			k := appendStr(a.key[:0], &f.Endpoint)
			a.key = appendStr(k, f.Failure)
			c.unreachable = append(c.unreachable, a.fails.id(a.key, func() EndpointFailure {
				return EndpointFailure{Endpoint: strings.Clone(f.Endpoint), Failure: clonePtr(f.Failure)}
			}))
		}
		// Order does not change what a machine saw.
		slices.Sort(c.issuers)
		c.issuers = slices.Compact(c.issuers)
		slices.Sort(c.unreachable)
		c.unreachable = slices.Compact(c.unreachable)
		k := appendBool(a.key[:0], c.ok)
		k = append(k, c.verdict)
		k = appendU32(k, uint32(len(c.issuers)))
		for _, v := range c.issuers {
			k = appendU32(k, v)
		}
		for _, v := range c.unreachable {
			k = appendU32(k, v)
		}
		a.key = k
		return a.checks.id(k, func() checkProfile { return c })
	}
}

func (a *Aggregator) settingsID(s *docSettings) uint32 {
	p := settingsProfile{services: a.stackID(&s.services), installer: a.stackID(&s.installer), mismatch: -1}
	if s.mismatch != nil {
		p.mismatch = 0
		if *s.mismatch {
			p.mismatch = 1
		}
	}
	k := appendU32(a.key[:0], p.services)
	k = appendU32(k, p.installer)
	a.key = append(k, byte(p.mismatch))
	return a.setting.id(a.key, func() settingsProfile { return p })
}

func (a *Aggregator) stackID(s *Settings) uint32 {
	a.key = appendSettings(a.key[:0], s)
	return a.stacks.id(a.key, func() Settings {
		return Settings{Mode: clonePtr(s.Mode), Proxy: clonePtr(s.Proxy), Bypass: clonePtr(s.Bypass),
			AutoConfigURL: clonePtr(s.AutoConfigURL), AutoDetect: s.AutoDetect}
	})
}

func appendSettings(k []byte, s *Settings) []byte {
	for _, p := range []*string{s.Mode, s.Proxy, s.Bypass, s.AutoConfigURL} {
		k = appendStr(k, p)
	}
	switch {
	case s.AutoDetect == nil:
		return append(k, 2)
	case *s.AutoDetect:
		return append(k, 1)
	}
	return append(k, 0)
}

func appendStr(k []byte, s *string) []byte {
	if s == nil {
		return append(k, 0xff)
	}
	return append(appendU32(k, uint32(len(*s))), *s...)
}

func appendU32(k []byte, v uint32) []byte {
	return append(k, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

func appendBool(k []byte, b bool) []byte {
	if b {
		return append(k, 1)
	}
	return append(k, 0)
}

func clonePtr(s *string) *string {
	if s == nil {
		return nil
	}
	return model.Ptr(strings.Clone(*s))
}

// table interns values by an encoded key.
type table[T any] struct {
	index map[string]uint32
	list  []T
}

func (t *table[T]) id(key []byte, build func() T) uint32 {
	if i, ok := t.index[string(key)]; ok {
		return i
	}
	if t.index == nil {
		t.index = map[string]uint32{}
	}
	i := uint32(len(t.list))
	t.list = append(t.list, build())
	t.index[string(key)] = i
	return i
}

type interner struct {
	index map[string]uint32
	list  []string
}

func (n *interner) id(s string) uint32 {
	if i, ok := n.index[s]; ok {
		return i
	}
	if n.index == nil {
		n.index = map[string]uint32{}
	}
	s = strings.Clone(s)
	i := uint32(len(n.list))
	n.list = append(n.list, s)
	n.index[s] = i
	return i
}

// bounded keeps the max smallest values offered, as a max-heap.
type bounded[T any] struct {
	max  int
	less func(a, b T) bool
	heap []T
}

func (b *bounded[T]) offer(v T) {
	if b.max <= 0 {
		return
	}
	if len(b.heap) < b.max {
		b.heap = append(b.heap, v)
		for i := len(b.heap) - 1; i > 0; {
			p := (i - 1) / 2
			if !b.less(b.heap[p], b.heap[i]) {
				break
			}
			b.heap[p], b.heap[i] = b.heap[i], b.heap[p]
			i = p
		}
		return
	}
	if !b.less(v, b.heap[0]) {
		return
	}
	b.heap[0] = v
	for i := 0; ; {
		l, r, big := 2*i+1, 2*i+2, i
		if l < len(b.heap) && b.less(b.heap[big], b.heap[l]) {
			big = l
		}
		if r < len(b.heap) && b.less(b.heap[big], b.heap[r]) {
			big = r
		}
		if big == i {
			return
		}
		b.heap[i], b.heap[big] = b.heap[big], b.heap[i]
		i = big
	}
}

func (b *bounded[T]) sorted() []T {
	out := slices.Clone(b.heap)
	slices.SortFunc(out, func(x, y T) int {
		switch {
		case b.less(x, y):
			return -1
		case b.less(y, x):
			return 1
		}
		return 0
	})
	if out == nil {
		out = []T{}
	}
	return out
}

func rejectedLess(a, b RejectedDoc) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	la, lb := 0, 0
	if a.Line != nil {
		la = *a.Line
	}
	if b.Line != nil {
		lb = *b.Line
	}
	if la != lb {
		return la < lb
	}
	return a.Reason < b.Reason
}

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
	if te != nil && (st == nil || a.newer(te, te.base, st)) {
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
		Inputs: Inputs{Paths: append([]string{}, o.Paths...), Files: a.files, Documents: a.documents, Superseded: a.superseded,
			ByKind: KindCounts{State: a.byKind[KindState], Test: a.byKind[KindTest], Check: a.byKind[KindCheck]}},
		Rejected: Rejected{Count: a.rejected, Documents: a.rejects.sorted()},
	}
	type findingGroup struct {
		counts     [5]int
		fail, warn *hostGroup
	}
	keys := a.keys()
	findings := map[uint32]*findingGroup{}
	services, installer := map[uint32]*hostGroup{}, map[uint32]*hostGroup{}
	mismatches := map[[2]uint32]*hostGroup{}
	issuers, unreachable := map[uint32]*hostGroup{}, map[uint32]*hostGroup{}
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
		if t := a.doc(m, KindTest); t != nil {
			p := &a.tests.list[t.profile]
			mc.Tested++
			if p.compliant {
				mc.Compliant++
			} else {
				mc.NonCompliant++
			}
			for _, f := range p.findings {
				id, status := f>>3, f&7
				g := findings[id]
				if g == nil {
					g = &findingGroup{fail: a.newGroup(k, keys), warn: a.newGroup(k, keys)}
					findings[id] = g
				}
				g.counts[status]++
				switch uint8(status) {
				case statusFail:
					g.fail.add(i)
				case statusWarn:
					g.warn.add(i)
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
			}
		} else {
			mc.NotChecked++
		}
	}

	r.Findings = make([]FindingCount, 0, len(findings))
	for id, g := range findings {
		f := FindingCount{ID: a.ids.list[id], Pass: g.counts[statusPass], Fail: g.counts[statusFail], Warn: g.counts[statusWarn],
			NotApplicable: g.counts[statusNotApplicable], NotChecked: g.counts[statusNotChecked],
			FailedHosts: g.fail.names(), WarnedHosts: g.warn.names()}
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
		return cmp.Or(cmp.Compare(y.Machines, x.Machines), strings.Compare(x.Endpoint, y.Endpoint), strings.Compare(deref(x.Failure), deref(y.Failure)))
	})
	return r
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

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
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
		Issuers: []string{}, Unreachable: []EndpointFailure{}, Superseded: int(m.older)}
	if a.hostFromFileName(m) {
		r.HostFrom = "fileName"
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
		for _, f := range p.findings {
			switch uint8(f & 7) {
			case statusFail:
				r.Failed = append(r.Failed, a.ids.list[f>>3])
			case statusWarn:
				r.Warned = append(r.Warned, a.ids.list[f>>3])
			}
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
			return cmp.Or(strings.Compare(x.Endpoint, y.Endpoint), strings.Compare(deref(x.Failure), deref(y.Failure)))
		})
	}
	return r
}
