// Package reportgen writes synthetic fleets for 'ccproxy report': N machines' state, test and
// check documents, made by the real writers (model.ReadState, compliance.Evaluate,
// model.MarshalDocument) from a set of machine settings, in the files a fleet collection
// leaves behind - one document per file, JSON Lines, UTF-16 as Windows PowerShell 5.1's
// Out-File writes it, gzip - with older duplicates and corrupt files mixed in. Beside the
// files it returns the Truth: what a correct report must count, computed from the Go values
// the documents were made of, never from the files.
package reportgen

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf16"

	"ccproxy/model"
	"ccproxy/model/bypass"
	"ccproxy/model/compliance"
	"ccproxy/probe"
	"ccproxy/system"
)

// Options shape a fleet.
type Options struct {
	Machines int
	Seed     int64
	// TestOnly writes one ccproxy/test@1 document per machine, UTF-8, as 'test --output'
	// does, each naming its host: the benchmark's input, which jq can read too.
	TestOnly bool
	// Duplicates adds that many older or newer documents for machines already written.
	Duplicates int
	// Corrupt adds that many files (or lines of JSON Lines files) that must be rejected.
	Corrupt int
	// Mixed spreads the documents over every shape the report reads: check and state
	// documents beside test ones, hosts known only from file names, JSON Lines files,
	// UTF-16LE with BOM and CRLF, UTF-8 with BOM, compact documents, gzip.
	Mixed bool
}

// Statuses in the order of Truth.Findings' counts.
var Statuses = []string{"pass", "fail", "warn", "notApplicable", "notChecked"}

// Verdicts in the order of Truth.Verdicts.
var Verdicts = []string{"none", "suspected", "detected", "unknown"}

// Truth is what the report of a generated fleet must say.
type Truth struct {
	Files      int            `json:"files"`
	Documents  int            `json:"documents"`
	Superseded int            `json:"superseded"`
	Rejected   int            `json:"rejected"`
	ByKind     map[string]int `json:"byKind"`

	Machines, HostFromFileName      int
	Tested, Compliant, NonCompliant int
	WithSettings, Mismatched        int
	Checked, CheckPassed            int
	CheckFailed                     int
	Verdicts                        [4]int
	Findings                        map[string][5]int // id -> machines per status
	Services, Installer             map[string]int    // SettingsKey -> machines
	Mismatches                      map[string]int    // services key + " | " + installer key -> machines
	Issuers                         map[string]int
	Unreachable                     map[string]int // "endpoint failure" -> machines
	PerHost                         map[string]HostTruth
}

// HostTruth is what a machine's row must say. Keys of PerHost are host names in lower case.
type HostTruth struct {
	Compliant  *bool
	Failed     []string // sorted
	Services   string   // SettingsKey, "" without settings
	CheckOK    *bool
	Superseded int
	FromFile   bool
}

// SettingsKey writes settings as one comparable string; report tests write the report's
// groups the same way.
func SettingsKey(mode, proxy, bypass, pac *string, detect *bool) string {
	s := func(p *string) string {
		if p == nil {
			return "null"
		}
		return fmt.Sprintf("%q", *p)
	}
	d := "null"
	if detect != nil {
		d = fmt.Sprint(*detect)
	}
	return strings.Join([]string{s(mode), s(proxy), s(bypass), s(pac), d}, " ")
}

func stackKey(e model.EffectiveStack) string {
	var proxy, byp *string
	if e.Proxy != nil {
		proxy = model.Ptr(bypass.RedactCredentials(e.Proxy.Raw))
	}
	if e.Bypass != nil {
		byp = model.Ptr(e.Bypass.Raw)
	}
	var pac *string
	if e.AutoConfigURL != nil {
		pac = model.Ptr(model.RedactCredentials(*e.AutoConfigURL))
	}
	return SettingsKey(e.Mode, proxy, byp, pac, e.AutoDetect)
}

// Placeholders in the templates, replaced per document.
const (
	hostMark = `"ccproxy-reportgen-host"`
	timeMark = `"2001-02-03T04:05:06Z"`
)

var markTime = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)

// variant is one machine configuration: its state and test documents, as templates.
type variant struct {
	name      string
	state     *model.State
	test      compliance.Report
	stateJSON []byte
	testJSON  []byte
	stateLine []byte // compact
	testLine  []byte
}

// checkVariant is one outcome of 'check'.
type checkVariant struct {
	doc  probe.Check
	json []byte
	line []byte
}

const (
	proxy1  = "proxy.corp.example:8080"
	proxy2  = "proxy2.corp.example:3128"
	bypass1 = "<local>;*.corp.example;10.*"
)

func winhttp(flags uint32, proxy, byp string) *model.ConnBlob {
	return &model.ConnBlob{Version: model.WinHTTPVersionNew, Flags: flags, Proxy: proxy, Bypass: byp}
}

func wininet(flags uint32, proxy, byp, pac string) *model.ConnBlob {
	return &model.ConnBlob{Version: model.WinINetVersionIE7, Counter: 3, Flags: flags, Proxy: proxy, Bypass: byp, AutoConfigURL: pac,
		WinINet: true, Trailing: make([]byte, 32)}
}

const (
	direct = model.FlagDirect
	manual = model.FlagDirect | model.FlagProxy
)

func variants() ([]variant, error) {
	boot := time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)
	specs := []struct {
		name          string
		native, wow64 *model.ConnBlob
		ie            *model.ConnBlob
		changed       time.Time
		internal      []string
	}{
		{name: "direct", native: winhttp(direct, "", ""), ie: wininet(direct, "", "", "")},
		{name: "ieProxyWinhttpDirect", native: winhttp(direct, "", ""), ie: wininet(manual, proxy1, bypass1, "")},
		{name: "matching", native: winhttp(manual, proxy1, bypass1), ie: wininet(manual, proxy1, bypass1, "")},
		{name: "differentProxy", native: winhttp(manual, proxy2, bypass1), ie: wininet(manual, proxy1, bypass1, "")},
		{name: "credentials", native: winhttp(manual, "svc-proxy:Secr3t!@"+proxy1, bypass1), ie: wininet(manual, "svc-proxy:Secr3t!@"+proxy1, bypass1, "")},
		{name: "autodetectOnly", native: winhttp(direct, "", ""), ie: wininet(direct|model.FlagAutoDetect, "", "", "")},
		{name: "pacOnly", native: winhttp(direct, "", ""), ie: wininet(direct|model.FlagAutoProxyURL, "", "", "http://pac:pw@wpad.corp.example/proxy.pac")},
		{name: "winhttpAutoFlags", native: winhttp(manual|model.FlagAutoDetect, proxy1, bypass1), ie: wininet(manual, proxy1, bypass1, "")},
		{name: "viewsDisagree", native: winhttp(manual, proxy1, bypass1), wow64: winhttp(direct, "", ""), ie: wininet(manual, proxy1, bypass1, "")},
		{name: "perScheme", native: winhttp(manual, "http=proxy.corp.example:3128;https=proxy.corp.example:3128", "<local>"), ie: wininet(manual, "http=proxy.corp.example:3128;https=proxy.corp.example:3128", "<local>", "")},
		{name: "restartPending", native: winhttp(manual, proxy1, bypass1), ie: wininet(manual, proxy1, bypass1, ""), changed: boot.Add(time.Hour)},
		{name: "restartDone", native: winhttp(manual, proxy1, bypass1), ie: wininet(manual, proxy1, bypass1, ""), changed: boot.Add(-time.Hour)},
		{name: "internal", native: winhttp(manual, proxy1, bypass1), ie: wininet(manual, proxy1, bypass1, ""), internal: []string{"dc01.corp.example", "10.1.2.3", "vda07.corp.example"}},
		{name: "noWinINet", native: winhttp(manual, proxy2, "<local>")},
	}
	var out []variant
	for _, s := range specs {
		info := system.SourceInfo{Kind: "registry", Host: "ccproxy-reportgen-host", CurrentUserName: `CORP\svc-install`, CurrentUserSID: "S-1-5-21-1-2-3-1001"}
		if !s.changed.IsZero() {
			info.BootTime = &boot
		}
		st := system.NewMemStore(info)
		// Every connector machine has .NET Framework 4.8 (Release 528449).
		if err := st.SetValue(`HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full`, "Release", model.EncodeDWORD(528449)); err != nil {
			return nil, err
		}
		wow := s.wow64
		if wow == nil {
			wow = s.native
		}
		type value struct {
			key, name string
			blob      *model.ConnBlob
		}
		values := []value{{model.WinHTTPNativeKey, model.WinHTTPValue, s.native}, {model.WinHTTPWOW64Key, model.WinHTTPValue, wow}}
		if s.ie != nil {
			_, conns := model.WinINetKeys("HKEY_CURRENT_USER")
			values = append(values, value{conns, model.DefaultConnValue, s.ie})
		}
		for _, v := range values {
			data, err := v.blob.Encode()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.name, err)
			}
			if err := st.SetValue(v.key, v.name, system.Value{Type: model.RegBinary, Data: data}); err != nil {
				return nil, err
			}
		}
		if !s.changed.IsZero() {
			st.SetKeyTime(model.WinHTTPNativeKey, s.changed)
			st.SetKeyTime(model.WinHTTPWOW64Key, s.changed)
		}
		src := model.Source{Kind: "registry", Host: model.Ptr(info.Host), Boot: info.BootTime}
		state, err := model.ReadState(st, model.ReadOptions{Source: src, Now: markTime, CurrentUserName: info.CurrentUserName, CurrentUserSID: info.CurrentUserSID, InputName: "registry"})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		internal, err := compliance.ParseInternal(s.internal)
		if err != nil {
			return nil, err
		}
		v := variant{name: s.name, state: state, test: compliance.Evaluate(state, compliance.Options{Internal: internal})}
		for _, m := range []struct {
			dst      *[]byte
			doc      any
			compress bool
		}{{&v.stateJSON, state, false}, {&v.testJSON, v.test, false}, {&v.stateLine, state, true}, {&v.testLine, v.test, true}} {
			if *m.dst, err = model.MarshalDocument(m.doc, m.compress); err != nil {
				return nil, err
			}
			if bytes.Count(*m.dst, []byte(hostMark)) != 1 || bytes.Count(*m.dst, []byte(timeMark)) != 1 {
				return nil, fmt.Errorf("%s: the host and time placeholders must appear once in each template", s.name)
			}
		}
		out = append(out, v)
	}
	return out, nil
}

func checkVariants() ([]checkVariant, error) {
	ep := func(host string, status string, failure *string, verdict string) probe.Endpoint {
		e := probe.Endpoint{Host: host, Port: 443, Kind: probe.KindHTTPS, Purpose: "Citrix Cloud", Required: true, Source: probe.SourceCatalog,
			Status: status, Failure: failure, Route: probe.Route{Proxy: model.Ptr(proxy1), AsExpected: true}, Stages: []probe.Stage{},
			Interception: probe.Interception{Verdict: verdict, Evidence: []probe.Evidence{}}, DurationMs: 12.5}
		if status != probe.StatusPass {
			e.Message = model.Ptr(host + ": failed; hint: see the failure class")
		}
		return e
	}
	fail := func(f string) *string { return &f }
	const (
		trust = "trust.citrixworkspacesapi.net"
		reg   = "registry.citrixworkspacesapi.net"
		cloud = "citrix.cloud.com"
	)
	zscaler := "CN=Zscaler Intermediate Root CA,O=Zscaler Inc."
	netskope := "CN=caadmin.netskope.com,O=Netskope"
	type spec struct {
		ok        bool
		verdict   string
		issuers   []string
		endpoints []probe.Endpoint
	}
	specs := []spec{
		{true, probe.VerdictNone, nil, []probe.Endpoint{ep(trust, "pass", nil, "none"), ep(reg, "pass", nil, "none"), ep(cloud, "pass", nil, "none")}},
		{false, probe.VerdictDetected, []string{zscaler}, []probe.Endpoint{ep(trust, "fail", fail(probe.FailInterception), "detected"), ep(reg, "fail", fail(probe.FailInterception), "detected"), ep(cloud, "pass", nil, "none")}},
		{false, probe.VerdictUnknown, nil, []probe.Endpoint{ep(trust, "fail", fail(probe.FailProxyAuth), "unknown"), ep(reg, "fail", fail(probe.FailProxyAuth), "unknown"), ep(cloud, "fail", fail(probe.FailProxyAuth), "unknown")}},
		{false, probe.VerdictSuspected, []string{netskope, zscaler}, []probe.Endpoint{ep(trust, "fail", fail(probe.FailDNS), "unknown"), ep(reg, "pass", nil, "suspected"), ep(cloud, "fail", fail(probe.FailCertificate), "suspected")}},
		{false, probe.VerdictNone, nil, []probe.Endpoint{ep(trust, "pass", nil, "none"), ep(reg, "notChecked", nil, "unknown"), ep(cloud, "fail", fail(probe.FailTimeout), "unknown")}},
	}
	var out []checkVariant
	for _, s := range specs {
		c := probe.Check{Schema: probe.SchemaCheck, Region: "commercial",
			Catalog: probe.CatalogInfo{Source: "embedded", Format: "ccproxy", Entries: len(s.endpoints), Notes: []string{}},
			Routing: probe.Routing{Source: "winhttp", StateSource: model.Ptr("system"), Proxy: model.Ptr(proxy1), Notes: []string{}},
			Limits:  probe.Limits{Concurrency: 16, StageTimeoutMs: 5000, DeadlineMs: 30000},
			Result: probe.Result{StartedAt: markTime, DurationMs: 850, OK: s.ok, AllRequiredReachable: s.ok, AllRoutesAsExpected: true,
				Interception: probe.InterceptionSummary{Verdict: s.verdict, Detected: []string{}, Suspected: []string{}, Issuers: append([]string{}, s.issuers...)},
				IPLiteral:    probe.IPLiteralCheck{Status: probe.StatusNotChecked, Message: "not asked"},
				Endpoints:    s.endpoints}}
		v := checkVariant{doc: c}
		var err error
		if v.json, err = model.MarshalDocument(c, false); err != nil {
			return nil, err
		}
		if v.line, err = model.MarshalDocument(c, true); err != nil {
			return nil, err
		}
		if bytes.Count(v.json, []byte(timeMark)) != 1 {
			return nil, fmt.Errorf("check: the time placeholder must appear once in each template")
		}
		out = append(out, v)
	}
	return out, nil
}

// doc is one document to write.
type doc struct {
	host     string // as the document spells it
	kind     string // state, test, check
	variant  int
	at       time.Time
	fromFile bool // source.host null: the file name gives the host
	own      bool // in a file named after its host, not in a batch of several hosts
}

// better is the report's rule for two documents of one host and kind: one in the host's own
// file outranks one in a batch, then the newer wins.
func better(d, old doc) bool {
	if d.own != old.own {
		return d.own
	}
	return d.at.After(old.at)
}

type file struct {
	path string
	docs []doc
	enc  string // utf8, compact, bom, utf16, gzip, jsonl, jsonlgz
}

// Generate writes a fleet under dir and returns what its report must say.
func Generate(dir string, o Options) (*Truth, error) {
	vs, err := variants()
	if err != nil {
		return nil, err
	}
	cs, err := checkVariants()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewSource(o.Seed))
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var files []file
	jsonl := -1 // the JSON Lines file being filled, in files
	hosts := make([]string, o.Machines)
	fromFile := make([]bool, o.Machines)
	used := map[string]bool{} // host|kind|time: no two documents of a host and kind share a time
	newDoc := func(i int, kind string, at time.Time) doc {
		n := len(vs)
		if kind == "check" {
			n = len(cs)
		}
		for used[strings.ToLower(hosts[i])+"|"+kind+"|"+at.String()] {
			at = at.Add(time.Second)
		}
		used[strings.ToLower(hosts[i])+"|"+kind+"|"+at.String()] = true
		h := hosts[i]
		if !fromFile[i] && rng.Intn(5) == 0 {
			h = strings.ToLower(h) // documents of one host may spell it differently
		}
		return doc{host: h, kind: kind, variant: rng.Intn(n), at: at, fromFile: fromFile[i]}
	}
	place := func(i int, d doc, dup int) {
		h := hosts[i]
		if d.fromFile || d.kind == "check" {
			// Alone in a file named after the host, in one of the layouts collections use.
			name := []string{h + "." + d.kind + ".json", h + "-" + d.kind + ".json", filepath.Join(h, d.kind+".json")}[(dup+i)%3]
			if dup > 0 {
				name = filepath.Join(fmt.Sprintf("rerun%d", dup), name)
			}
			files = append(files, file{path: name, docs: []doc{d}, enc: pickEncoding(rng, o.Mixed)})
			return
		}
		if o.Mixed && rng.Intn(6) == 0 {
			if jsonl < 0 || len(files[jsonl].docs) >= 25 {
				enc := "jsonl"
				if rng.Intn(3) == 0 {
					enc = "jsonlgz"
				}
				files = append(files, file{path: fmt.Sprintf("batches/batch%06d.jsonl", len(files)), enc: enc})
				jsonl = len(files) - 1
			}
			files[jsonl].docs = append(files[jsonl].docs, d)
			return
		}
		name := fmt.Sprintf("%s/%s.%s.json", strings.ToLower(h[:len(h)-2]), h, d.kind)
		if dup > 0 {
			name = fmt.Sprintf("rerun%d/%s.%s.json", dup, h, d.kind)
		}
		files = append(files, file{path: name, docs: []doc{d}, enc: pickEncoding(rng, o.Mixed)})
	}
	for i := range hosts {
		hosts[i] = fmt.Sprintf("CC%06d", i)
		fromFile[i] = o.Mixed && i%10 == 3
		at := base.Add(time.Duration(i) * time.Second)
		kinds := []string{"test"}
		if o.Mixed {
			kinds = nil
			if rng.Intn(3) > 0 {
				kinds = append(kinds, "test")
			}
			if rng.Intn(2) == 0 {
				kinds = append(kinds, "state")
			}
			if rng.Intn(2) == 0 || len(kinds) == 0 {
				kinds = append(kinds, "check")
			}
		}
		for _, k := range kinds {
			place(i, newDoc(i, k, at.Add(time.Duration(rng.Intn(3600))*time.Second)), 0)
		}
	}
	perHostKinds := map[int][]string{}
	for _, f := range files {
		for _, d := range f.docs {
			i := hostIndex(d)
			perHostKinds[i] = append(perHostKinds[i], d.kind)
		}
	}
	for dup := 1; dup <= o.Duplicates; dup++ {
		i := rng.Intn(o.Machines)
		kinds := perHostKinds[i]
		k := kinds[rng.Intn(len(kinds))]
		// Older or newer by up to two days: the newest must win whatever the file order.
		shift := time.Duration(rng.Intn(2*86400)-86400) * time.Second
		if shift == 0 {
			shift = time.Second
		}
		jsonl = -1
		place(i, newDoc(i, k, base.Add(time.Duration(i)*time.Second+shift)), dup)
	}

	t := &Truth{ByKind: map[string]int{}, Findings: map[string][5]int{}, Services: map[string]int{}, Installer: map[string]int{},
		Mismatches: map[string]int{}, Issuers: map[string]int{}, Unreachable: map[string]int{}, PerHost: map[string]HostTruth{}}
	newest := map[string]doc{} // lower host|kind
	count := map[string]int{}  // lower host
	for _, f := range files {
		for _, d := range f.docs {
			d.own = !strings.HasPrefix(f.path, "batches/")
			t.Documents++
			t.ByKind[d.kind]++
			k := strings.ToLower(d.host) + "|" + d.kind
			count[strings.ToLower(d.host)]++
			if old, ok := newest[k]; !ok || better(d, old) {
				newest[k] = d
			}
		}
	}
	for i, h := range hosts {
		lh := strings.ToLower(h)
		st, hasState := newest[lh+"|state"]
		te, hasTest := newest[lh+"|test"]
		ch, hasCheck := newest[lh+"|check"]
		if !hasState && !hasTest && !hasCheck {
			continue
		}
		t.Machines++
		ht := HostTruth{FromFile: true, Failed: []string{}}
		kinds := 0
		for _, d := range []struct {
			has bool
			d   doc
		}{{hasState, st}, {hasTest, te}, {hasCheck, ch}} {
			if d.has {
				kinds++
				if !d.d.fromFile && d.d.kind != "check" {
					ht.FromFile = false
				}
			}
		}
		ht.Superseded = count[lh] - kinds
		t.Superseded += ht.Superseded
		if ht.FromFile {
			t.HostFromFileName++
		}
		if hasTest {
			r := vs[te.variant].test
			t.addTest(r)
			ht.Compliant, ht.Failed = model.Ptr(r.Compliant), failedOf(r)
		}
		switch {
		case hasTest && (!hasState || better(te, st)):
			ht.Services = t.addSettings(vs[te.variant].state.Effective)
		case hasState:
			ht.Services = t.addSettings(vs[st.variant].state.Effective)
		}
		if hasCheck {
			c := cs[ch.variant].doc
			t.Checked++
			ht.CheckOK = model.Ptr(c.OK)
			if c.OK {
				t.CheckPassed++
			} else {
				t.CheckFailed++
			}
			t.Verdicts[slices.Index(Verdicts, c.Interception.Verdict)]++
			for _, is := range c.Interception.Issuers {
				t.Issuers[is]++
			}
			for _, e := range c.Endpoints {
				if e.Status == "fail" {
					t.Unreachable[fmt.Sprintf("%s:%d %s", e.Host, e.Port, *e.Failure)]++
				}
			}
		}
		t.PerHost[strings.ToLower(hosts[i])] = ht
	}

	for _, f := range files {
		if err := writeFile(dir, f, vs, cs); err != nil {
			return nil, err
		}
		t.Files++
	}
	for c := 0; c < o.Corrupt; c++ {
		added, err := writeCorrupt(dir, c, vs)
		if err != nil {
			return nil, err
		}
		t.Files++
		t.Rejected += added.rejected
		t.Documents += added.accepted
		t.ByKind["test"] += added.accepted
		for _, h := range added.hosts {
			// Valid documents beside a corrupt line belong to machines of their own.
			t.Machines++
			r := vs[0].test
			t.addTest(r)
			svc := t.addSettings(vs[0].state.Effective)
			t.PerHost[strings.ToLower(h)] = HostTruth{Compliant: model.Ptr(r.Compliant), Failed: failedOf(r), Services: svc}
		}
	}
	return t, nil
}

// addTest counts the newest test document of a machine.
func (t *Truth) addTest(r compliance.Report) {
	t.Tested++
	if r.Compliant {
		t.Compliant++
	} else {
		t.NonCompliant++
	}
	for _, f := range r.Findings {
		c := t.Findings[f.ID]
		c[slices.Index(Statuses, f.Status)]++
		t.Findings[f.ID] = c
	}
}

// addSettings counts the settings a machine's newest state or test document gives, and
// returns the key of its services' settings.
func (t *Truth) addSettings(eff model.Effective) string {
	svc, ie := stackKey(eff.Services), stackKey(eff.Installer)
	t.WithSettings++
	t.Services[svc]++
	t.Installer[ie]++
	if eff.Same != nil && !*eff.Same {
		t.Mismatched++
		t.Mismatches[svc+" | "+ie]++
	}
	return svc
}

func failedOf(r compliance.Report) []string {
	out := r.Failed()
	slices.Sort(out)
	return out
}

func hostIndex(d doc) int {
	var i int
	fmt.Sscanf(strings.ToUpper(d.host), "CC%06d", &i)
	return i
}

func pickEncoding(rng *rand.Rand, mixed bool) string {
	if !mixed {
		return "utf8"
	}
	switch n := rng.Intn(20); {
	case n < 2:
		return "compact"
	case n < 5:
		return "utf16"
	case n < 6:
		return "bom"
	case n < 8:
		return "gzip"
	}
	return "utf8"
}

// render fills a template for one document.
func render(d doc, vs []variant, cs []checkVariant, compact bool) []byte {
	var tpl []byte
	switch {
	case d.kind == "check" && compact:
		tpl = cs[d.variant].line
	case d.kind == "check":
		tpl = cs[d.variant].json
	case d.kind == "state" && compact:
		tpl = vs[d.variant].stateLine
	case d.kind == "state":
		tpl = vs[d.variant].stateJSON
	case compact:
		tpl = vs[d.variant].testLine
	default:
		tpl = vs[d.variant].testJSON
	}
	host := []byte(`null`)
	if !d.fromFile {
		host = []byte(`"` + d.host + `"`)
	}
	out := bytes.Replace(tpl, []byte(hostMark), host, 1)
	return bytes.Replace(out, []byte(timeMark), []byte(`"`+d.at.Format(time.RFC3339)+`"`), 1)
}

func writeFile(dir string, f file, vs []variant, cs []checkVariant) error {
	var data []byte
	path := f.path
	switch f.enc {
	case "jsonl", "jsonlgz":
		for _, d := range f.docs {
			data = append(data, render(d, vs, cs, true)...)
		}
	case "compact":
		data = render(f.docs[0], vs, cs, true)
	default:
		data = render(f.docs[0], vs, cs, false)
	}
	switch f.enc {
	case "utf16":
		data = OutFile51(data)
	case "bom":
		data = append([]byte{0xEF, 0xBB, 0xBF}, data...)
	case "gzip", "jsonlgz":
		data = Gzip(data)
		path += ".gz"
	}
	return write(filepath.Join(dir, path), data)
}

func write(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// OutFile51 is what Windows PowerShell 5.1 makes of a command's output with Out-File or >:
// UTF-16LE with a byte order mark, CRLF line ends, and a CRLF after the last line.
func OutFile51(text []byte) []byte {
	s := strings.ReplaceAll(strings.TrimRight(string(text), "\n"), "\n", "\r\n") + "\r\n"
	units := utf16.Encode([]rune(s))
	out := make([]byte, 2, 2+2*len(units))
	out[0], out[1] = 0xFF, 0xFE
	for _, u := range units {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

// Gzip compresses data.
func Gzip(data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

type corruptResult struct {
	rejected, accepted int
	hosts              []string // hosts of the accepted documents
}

// writeCorrupt writes the c-th corrupt input, cycling through the ways files go wrong.
func writeCorrupt(dir string, c int, vs []variant) (corruptResult, error) {
	good := func(host string) []byte {
		return render(doc{host: host, kind: "test", variant: 0, at: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}, vs, nil, false)
	}
	name := filepath.Join(dir, "broken", fmt.Sprintf("broken%04d", c))
	one := corruptResult{rejected: 1}
	switch c % 12 {
	case 0: // cut short while being written
		d := good(fmt.Sprintf("BROKEN%04d", c))
		return one, write(name+".json", d[:len(d)/2])
	case 1:
		return one, write(name+".json", []byte("Access is denied.\r\n"))
	case 2:
		return one, write(name+".json", []byte(`{"foo": 1, "bar": [true]}`))
	case 3:
		d := bytes.Replace(good(fmt.Sprintf("BROKEN%04d", c)), []byte(compliance.SchemaTest), []byte("ccproxy/test@2"), 1)
		return one, write(name+".json", d)
	case 4:
		d := bytes.Replace(good(fmt.Sprintf("BROKEN%04d", c)), []byte(compliance.SchemaTest), []byte("ccproxy/plan@1"), 1)
		return one, write(name+".json", d)
	case 5:
		d := bytes.Replace(good(fmt.Sprintf("BROKEN%04d", c)), []byte(`"readAt"`), []byte(`"readTime"`), 1)
		return one, write(name+".json", d)
	case 6:
		return one, write(name+".json", nil)
	case 7:
		z := Gzip(good(fmt.Sprintf("BROKEN%04d", c)))
		return one, write(name+".json.gz", z[:len(z)/2])
	case 8:
		u := OutFile51(good(fmt.Sprintf("BROKEN%04d", c)))
		return one, write(name+".json", u[:len(u)-1])
	case 9: // ConvertFrom-Json | ConvertTo-Json at its default depth
		d := good(fmt.Sprintf("BROKEN%04d", c))
		i := bytes.Index(d, []byte(`"findings": [`))
		d = append(d[:i:i], `"findings": "System.Object[]"`+"\n}\n"...)
		return one, write(name+".json", d)
	case 10: // one bad line among good ones: only it is lost
		r := corruptResult{rejected: 1}
		var data []byte
		for k := 0; k < 3; k++ {
			h := fmt.Sprintf("LINES%04d-%d", c, k)
			r.hosts = append(r.hosts, h)
			r.accepted++
			data = append(data, render(doc{host: h, kind: "test", variant: 0, at: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}, vs, nil, true)...)
			if k == 1 {
				data = append(data, `{"schema":"ccproxy/test@1","source":{"host":"CUT`+"\n"...)
			}
		}
		return r, write(name+".jsonl", data)
	default: // a document without a host in a file holding several
		d := render(doc{host: "x", kind: "test", variant: 0, fromFile: true, at: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}, vs, nil, true)
		h := fmt.Sprintf("NAMED%04d", c)
		e := render(doc{host: h, kind: "test", variant: 0, at: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}, vs, nil, true)
		return corruptResult{rejected: 1, accepted: 1, hosts: []string{h}}, write(name+".jsonl", append(d, e...))
	}
}
