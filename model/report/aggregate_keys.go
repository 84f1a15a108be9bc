package report

import (
	"ccproxy/model"
	"slices"
	"strings"
)

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

// better orders documents of one host and kind: a document in a file or folder named after
// the host outranks one that is not, whatever their dates, so that a file cannot speak over
// what a host wrote about itself; then the newer wins.
func (a *Aggregator) better(s *slot, base string, old *slot) bool {
	if s.attested != old.attested {
		return s.attested
	}
	return a.newer(s, base, old)
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
		t := testProfile{compliant: d.test.compliant, verdict: d.test.verdict, settings: a.settingsID(d.settings)}
		for _, f := range d.test.findings {
			id, ok := a.ids.idUpTo(f.id, MaxFindingIDs)
			if !ok {
				a.leftOut[leftFindings]++
				continue
			}
			t.findings = append(t.findings, id<<3|uint32(f.status))
			fix := uint32(0)
			if f.fix != "" {
				if n, ok := a.fixes.idUpTo(f.fix, MaxFixes); ok {
					fix = n + 1
				}
			}
			t.fixes = append(t.fixes, fix)
		}
		for _, m := range d.test.missing {
			for _, s := range []string{m.What, m.Supply} {
				n, ok := a.fixes.idUpTo(s, MaxFixes)
				if !ok {
					n = ^uint32(0)
				}
				t.missing = append(t.missing, n+1)
			}
		}
		k := appendBool(a.key[:0], t.compliant)
		k = append(k, t.verdict)
		k = appendU32(k, t.settings)
		for i, f := range t.findings {
			k = appendU32(appendU32(k, f), t.fixes[i])
		}
		k = appendU32(k, uint32(len(t.missing)))
		for _, m := range t.missing {
			k = appendU32(k, m)
		}
		a.key = k
		return a.tests.id(k, func() testProfile { return t })
	default:
		c := checkProfile{ok: d.check.ok, verdict: d.check.verdict}
		for _, s := range d.check.issuers {
			id, ok := a.issuers.idUpTo(s, MaxIssuers)
			if !ok {
				a.leftOut[leftIssuers]++
				continue
			}
			c.issuers = append(c.issuers, id)
		}
		for _, f := range d.check.unreachable {
			k := appendStr(a.key[:0], &f.Endpoint)
			a.key = appendStr(k, f.Failure)
			id, ok := a.fails.idUpTo(a.key, MaxEndpoints, func() EndpointFailure {
				return EndpointFailure{Endpoint: strings.Clone(f.Endpoint), Failure: clonePtr(f.Failure)}
			})
			if !ok {
				a.leftOut[leftEndpoints]++
				continue
			}
			c.unreachable = append(c.unreachable, id)
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
	id, ok := a.stacks.idUpTo(a.key, MaxSettings, func() Settings {
		return Settings{Mode: clonePtr(s.Mode), Proxy: clonePtr(s.Proxy), Bypass: clonePtr(s.Bypass),
			AutoConfigURL: clonePtr(s.AutoConfigURL), AutoDetect: s.AutoDetect}
	})
	if !ok {
		// Over the limit the settings read as unknown, all null, which is what they are
		// to the report.
		a.leftOut[leftSettings]++
		a.key = appendSettings(a.key[:0], &Settings{})
		return a.stacks.id(a.key, func() Settings { return Settings{} })
	}
	return id
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
	bytes int64 // roughly what the keys and values hold
}

// entryBytes is roughly what a map entry and a list element cost beyond the key's bytes.
const entryBytes = 64

func (t *table[T]) id(key []byte, build func() T) uint32 {
	i, _ := t.idUpTo(key, -1, build)
	return i
}

// idUpTo is id, except that a new value beyond max (when max >= 0) is not added: false.
func (t *table[T]) idUpTo(key []byte, max int, build func() T) (uint32, bool) {
	if i, ok := t.index[string(key)]; ok {
		return i, true
	}
	if max >= 0 && len(t.list) >= max {
		return 0, false
	}
	if t.index == nil {
		t.index = map[string]uint32{}
	}
	i := uint32(len(t.list))
	t.list = append(t.list, build())
	t.index[string(key)] = i
	// The value holds about what the key encodes (strings, or ids of 4 bytes).
	t.bytes += 2*int64(len(key)) + entryBytes
	return i, true
}

type interner struct {
	index map[string]uint32
	list  []string
	bytes int64
}

func (n *interner) id(s string) uint32 {
	i, _ := n.idUpTo(s, -1)
	return i
}

// idUpTo is id, except that a new string beyond max (when max >= 0) is not added: false.
func (n *interner) idUpTo(s string, max int) (uint32, bool) {
	if i, ok := n.index[s]; ok {
		return i, true
	}
	if max >= 0 && len(n.list) >= max {
		return 0, false
	}
	if n.index == nil {
		n.index = map[string]uint32{}
	}
	s = strings.Clone(s)
	i := uint32(len(n.list))
	n.list = append(n.list, s)
	n.index[s] = i
	n.bytes += int64(len(s)) + entryBytes
	return i, true
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
