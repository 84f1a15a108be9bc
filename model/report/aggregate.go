package report

import (
	"strings"
)

// MaxRejectedListed bounds the rejected documents a report lists; it counts them all.
const MaxRejectedListed = 1000

// Aggregator folds documents into a fleet summary. It keeps, per host, only where its newest
// document of each kind came from and a number that stands for what that document says:
// documents that say the same thing (most of a fleet) share one interned profile. It is not
// safe for concurrent use: feed it from one goroutine.
type Aggregator struct {
	skipped  int              // files a folder walk left out by their kind
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

// Skipped is the number of files left out by their kind so far.
func (a *Aggregator) Skipped() int { return a.skipped }

// Add takes one item from a Reader.
func (a *Aggregator) Add(it Item) {
	if it.Skipped != "" {
		a.skipped++
		return
	}
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
