package report

import (
	"fmt"
	"slices"
	"strings"
	"time"
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
	fixes   interner // remediations of failed and warned findings
	issuers interner
	fails   table[EndpointFailure]
	key     []byte // reused to build interning keys

	files      int
	documents  int
	superseded int
	byKind     [numKinds]int
	rejected   int
	rejects    bounded[RejectedDoc]
	leftOut    [numLeftOut]int
	leftDocs   int
	now        int64                // documents dated after now+MaxClockSkew are rejected; 0: no check
	inputs     map[string]int32     // input of several documents -> the first host it spoke for (machine index)
	flagged    map[string]*fileFlag // files whose documents do not keep provenance
	flaggedN   int                  // flagged files not kept in flagged, over MaxFlaggedFiles
	bytes      int64                // what the machines, their slots and the names hold, roughly
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
	attested bool // the file or folder is named after the host
	base     string
}

// fileFlag is what a file did that provenance does not allow.
type fileFlag struct {
	otherHost, severalHosts bool
	documents               int
	hosts                   []int32 // machines it spoke for, the first MaxFlaggedHosts
}

const (
	// MaxClockSkew is how far in the future a document may be dated. Windows keeps domain
	// members within Kerberos' 5 minutes (Microsoft Learn, "Maximum tolerance for computer
	// clock synchronization"); a day also covers a clock set to local time but read as UTC
	// (at most 14 hours off, UTC+14) and stops a forged date from outranking a machine's
	// real documents for longer than that.
	MaxClockSkew = 24 * time.Hour
	// MaxFlaggedFiles bounds the flagged files the report keeps; it counts them all.
	MaxFlaggedFiles = 10_000
	// MaxFlaggedHosts bounds the hosts kept per flagged file.
	MaxFlaggedHosts = 100
)

// SetNow sets the time against which documents dated in the future are rejected.
func (a *Aggregator) SetNow(now time.Time) { a.now = now.UnixNano() }

type settingsProfile struct {
	services, installer uint32 // into stacks
	mismatch            int8   // -1 unknown, 0 same, 1 differ
}

type testProfile struct {
	compliant bool
	verdict   uint8
	settings  uint32   // into setting
	findings  []uint32 // finding id index << 3 | status
	fixes     []uint32 // per finding: into Aggregator.fixes, plus one; 0 for none
	missing   []uint32 // per missing evidence, what then supply: into Aggregator.fixes, plus one; 0 for none
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
		a.rejected += max(1, it.Rejects)
		a.rejects.offer(*it.Reject)
		return
	}
	d := &it.Doc
	if a.now != 0 && d.At > a.now+int64(MaxClockSkew) {
		a.rejected++
		a.rejects.offer(*reject(d.File, d.Line, fmt.Sprintf("dated %s, more than %s after this report was made (%s); hint: a document from the future is a wrong clock or a forgery, check the machine's time",
			time.Unix(0, d.At).UTC().Format(time.RFC3339), "24 hours", time.Unix(0, a.now).UTC().Format(time.RFC3339))))
		return
	}
	key := strings.ToLower(d.Host)
	i, ok := a.index[key]
	if reason := a.full(ok); reason != "" {
		// Only the first few are listed: leftOut.documents counts them all.
		if a.leftDocs++; a.leftDocs <= maxLeftListed {
			a.rejects.offer(*reject(d.File, d.Line, reason))
		}
		a.rejected++
		return
	}
	a.documents++
	a.byKind[d.Kind]++
	for k, n := range d.leftOut {
		a.leftOut[k] += int(n)
	}
	if !ok {
		a.bytes += machineBytes + 2*int64(len(d.Host))
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
	a.provenance(d, i)
	dir, base := splitPath(d.File)
	s := slot{at: d.At, dir: a.dirs.id(dir), line: int32(d.Line), fromFile: d.HostFromFile, attested: d.Attested}
	if m.docs[d.Kind] != 0 {
		a.superseded++
		m.older++
		old := a.slots.at(m.docs[d.Kind] - 1)
		if !a.better(&s, base, old) {
			return
		}
		s.base, s.profile = strings.Clone(base), a.profile(d)
		a.bytes += int64(len(base))
		*old = s
		return
	}
	s.base, s.profile = strings.Clone(base), a.profile(d)
	a.bytes += slotBytes + int64(len(base))
	m.docs[d.Kind] = a.slots.add(s) + 1
}

// provenance flags the file of a document that is not where its host would write it, and a
// file that speaks for several hosts.
func (a *Aggregator) provenance(d *Doc, machine int32) {
	several := false
	if d.Shared {
		if a.inputs == nil {
			a.inputs = map[string]int32{}
		}
		first, ok := a.inputs[d.File]
		if !ok {
			a.inputs[strings.Clone(d.File)] = machine
			a.bytes += int64(len(d.File)) + entryBytes
		}
		several = ok && first != machine
		if several && first >= 0 {
			// The first host of the file is flagged too, now that the file is shared; its
			// document counts once, whether it was flagged when it came or not.
			_, counted := a.flagged[d.File]
			a.flag(d.File, first, false, true)
			if f := a.flagged[d.File]; f != nil && counted {
				f.documents--
			}
			a.inputs[d.File] = -1
		}
		if first == -1 {
			several = true
		}
	}
	if !d.Attested || several {
		a.flag(d.File, machine, !d.Attested, several)
	}
}

func (a *Aggregator) flag(file string, machine int32, otherHost, severalHosts bool) {
	f := a.flagged[file]
	if f == nil {
		if len(a.flagged) >= MaxFlaggedFiles {
			a.flaggedN++
			return
		}
		if a.flagged == nil {
			a.flagged = map[string]*fileFlag{}
		}
		f = &fileFlag{}
		a.flagged[strings.Clone(file)] = f
		a.bytes += int64(len(file)) + 2*entryBytes
	}
	f.otherHost = f.otherHost || otherHost
	f.severalHosts = f.severalHosts || severalHosts
	f.documents++
	if len(f.hosts) < MaxFlaggedHosts && !slices.Contains(f.hosts, machine) {
		f.hosts = append(f.hosts, machine)
		a.bytes += 4
	}
}

// maxLeftListed is how many documents kept out by the report's limits are listed.
const maxLeftListed = 10

// Rough costs, in bytes, of a machine (its entry, its index entry) and of a slot.
const (
	machineBytes = 120
	slotBytes    = 56
)

// full says why a document cannot be added, or "": a new host when the report holds
// MaxMachines, any document once the summary holds MaxSummaryBytes.
func (a *Aggregator) full(known bool) string {
	if !known && a.machines.len() >= MaxMachines {
		return fmt.Sprintf("the report holds %d machines already, its limit; hint: report on part of the fleet at a time", MaxMachines)
	}
	if a.summaryBytes() > MaxSummaryBytes {
		return fmt.Sprintf("the report's summary holds %d MiB already, its limit; hint: report on part of the fleet at a time, or look for files that are not what ccproxy writes", MaxSummaryBytes>>20)
	}
	return ""
}

func (a *Aggregator) summaryBytes() int64 {
	return a.bytes + a.dirs.bytes + a.ids.bytes + a.issuers.bytes + a.fixes.bytes +
		a.stacks.bytes + a.setting.bytes + a.tests.bytes + a.checks.bytes + a.fails.bytes
}

// doc is a machine's newest document of a kind, or nil.
func (a *Aggregator) doc(m *machine, k Kind) *slot {
	if m.docs[k] == 0 {
		return nil
	}
	return a.slots.at(m.docs[k] - 1)
}
