package report

import "strings"

// fileSuffixes are stripped from a file name, repeatedly, before it is taken as a host.
var fileSuffixes = []string{".gz", ".json", ".jsonl", ".ndjson", ".txt", ".out"}

// kindWords name a document rather than a machine: "CC01.test.json" is CC01's test
// document, and a file named "test.json" takes its host from its folder.
var kindWords = []string{"state", "get", "test", "check", "ccproxy"}

// HostFromFileName is the host a document that names none is counted under, when it is the
// only document in its file:
//
//   - the base name without the extensions .gz, .json, .jsonl, .ndjson, .txt, .out
//     ("CC01.json.gz" is CC01);
//   - then without a trailing ".state", ".get", ".test", ".check" or ".ccproxy", also
//     after "-" or "_" ("CC01-test.json" is CC01), so a machine's documents meet;
//   - a name that is nothing but such a word ("test.json") takes its folder's name
//     ("collected/CC01/test.json" is CC01).
//
// It returns "" when no host can be made. Separators are '/' and '\' on every system, since
// file lists may come from Windows.
func HostFromFileName(file string) string {
	dir, base := splitPath(file)
	name := trimSuffixes(base)
	for _, w := range kindWords {
		if strings.EqualFold(name, w) {
			_, parent := splitPath(strings.TrimRight(dir, `/\`))
			if parent == "" || parent == "." || parent == ".." {
				return ""
			}
			return strings.TrimSpace(parent)
		}
	}
	for _, w := range kindWords {
		if len(name) > len(w)+1 && strings.EqualFold(name[len(name)-len(w):], w) {
			switch name[len(name)-len(w)-1] {
			case '.', '-', '_':
				name = name[:len(name)-len(w)-1]
			}
			break
		}
	}
	return strings.TrimSpace(name)
}

func trimSuffixes(name string) string {
	for again := true; again; {
		again = false
		for _, s := range fileSuffixes {
			if len(name) >= len(s) && strings.EqualFold(name[len(name)-len(s):], s) {
				name, again = name[:len(name)-len(s)], true
			}
		}
	}
	return name
}

// splitPath splits after the last separator: dir keeps it, so dir+base is the input.
func splitPath(p string) (dir, base string) {
	i := strings.LastIndexAny(p, `/\`)
	return p[:i+1], p[i+1:]
}

// NamesHost says whether a document for host that was read from file is where a fleet that
// keeps provenance puts it: in a file named after the host (HostFromFileName: "CC01.json",
// "CC01-test.json", "CC01.check.json.gz") or in a folder named after it
// ("collected/CC01/anything.json"). Host names compare without case, and a short name
// matches the first label of a full one ("CC01" and "cc01.corp.example"), since Windows
// names a machine both ways. stdin names no host.
func NamesHost(file, host string) bool {
	if file == StdinName || host == "" {
		return false
	}
	if sameHost(HostFromFileName(file), host) {
		return true
	}
	dir, _ := splitPath(file)
	_, parent := splitPath(strings.TrimRight(dir, `/\`))
	return sameHost(strings.TrimSpace(parent), host)
}

func sameHost(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if strings.EqualFold(a, b) {
		return true
	}
	la, _, dotA := strings.Cut(a, ".")
	lb, _, dotB := strings.Cut(b, ".")
	return dotA != dotB && strings.EqualFold(la, lb) && la != ""
}
