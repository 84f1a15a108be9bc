// Package report summarises the documents a fleet of Cloud Connectors produced: the
// ccproxy/state@1 of 'get', the ccproxy/test@1 of 'test' and the ccproxy/check@1 of 'check',
// collected by Intune, Configuration Manager or DSC, thousands at a time.
//
// It streams. A Reader cuts each input into documents (one per file, JSON Lines, indented
// documents one after the other, or a list of them; UTF-8, UTF-16 as Windows PowerShell 5.1
// writes it, Windows-1252, gzip) and Scan reads each with gjson paths, never unmarshalling
// it, into a Doc of a few strings. The Aggregator keeps per host only where its newest
// document of each kind came from and a number standing for what it says; documents that say
// the same thing share one interned profile. Memory grows with the number of machines, by a
// few hundred bytes each, never with the size or number of documents, and limits.go bounds
// even that: a hostile file (nested a million deep, a gzip bomb, a million hosts, an id
// listed 500 times) costs a named rejection or a counted remainder, never the run.
//
// The rules:
//
//   - A machine is a host name, compared ignoring case. The host is source.host; a document
//     without one that is alone in its file takes the host from the file name
//     (HostFromFileName), and the machine says so (hostFrom "fileName"). Otherwise the
//     document is rejected: the report cannot tell whose it is.
//   - For each host and each kind, the newest document wins: the latest source.readAt
//     (startedAt for check), then the greater file name and line, so that the result does
//     not depend on the order in which files are read. Older ones count as superseded.
//   - Compliance and findings come from the test document; reachability, interception and
//     failing endpoints from the check document; the proxy settings from the newer of the
//     state and test documents (a test document carries them in its findings' evidence).
//   - A document that cannot be read is listed with its file, line and reason, and the
//     report goes on.
//
// Nothing here touches the operating system: the caller opens files and walks folders.
package report
