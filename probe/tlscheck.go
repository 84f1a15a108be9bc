package probe

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

func tlsVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "1.0"
	case tls.VersionTLS11:
		return "1.1"
	case tls.VersionTLS12:
		return "1.2"
	case tls.VersionTLS13:
		return "1.3"
	}
	return fmt.Sprintf("0x%04x", v)
}

func certInfo(c *x509.Certificate) Cert {
	sum := sha256.Sum256(c.Raw)
	return Cert{
		Subject: c.Subject.String(), Issuer: c.Issuer.String(),
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(),
		SHA256: hex.EncodeToString(sum[:]),
	}
}

// nameFields are the parts of a distinguished name that carry a CA's or product's name.
func nameFields(n pkix.Name) []string {
	f := append([]string{n.CommonName}, n.Organization...)
	return append(f, n.OrganizationalUnit...)
}

// matchName returns the first of names found (ignoring case) in one of n's fields.
func matchName(n pkix.Name, names []string) (string, bool) {
	for _, f := range nameFields(n) {
		lf := strings.ToLower(f)
		for _, want := range names {
			if want != "" && strings.Contains(lf, strings.ToLower(want)) {
				return want, true
			}
		}
	}
	return "", false
}

func shortName(n pkix.Name) string {
	if n.CommonName != "" {
		if len(n.Organization) > 0 && !strings.Contains(n.CommonName, n.Organization[0]) {
			return n.CommonName + " (" + n.Organization[0] + ")"
		}
		return n.CommonName
	}
	return n.String()
}

// analyseTLS fills info and the interception verdict from a finished handshake and
// returns the stage's details, or a failure when the session cannot be trusted.
func (r *runner) analyseTLS(t Target, cs tls.ConnectionState, info *TLSResult, in *Interception) (string, error) {
	v := tlsVersionName(cs.Version)
	info.Version = &v
	info.VersionOK = cs.Version >= tls.VersionTLS12
	suite := tls.CipherSuiteName(cs.CipherSuite)
	info.CipherSuite = &suite
	peers := cs.PeerCertificates
	if len(peers) == 0 {
		return "TLS " + v + ", no certificate", &failure{FailCertificate, fmt.Sprintf("%s presented no certificate", t.Address())}
	}
	for _, c := range peers {
		info.Chain = append(info.Chain, certInfo(c))
	}
	leaf := peers[0]

	inter := x509.NewCertPool()
	for _, c := range peers[1:] {
		inter.AddCert(c)
	}
	opts := x509.VerifyOptions{DNSName: t.Host, Intermediates: inter, Roots: r.o.RootCAs, CurrentTime: r.o.Now()}
	chains, verr := leaf.Verify(opts)
	info.Verified = verr == nil
	if verr != nil {
		msg := strings.TrimPrefix(verr.Error(), "x509: ")
		info.VerifyError = &msg
		// Find the root the chain would reach if only the name or the dates were wrong,
		// so that an expired certificate from the right CA is not taken for interception.
		loose := opts
		loose.DNSName = ""
		for _, at := range []time.Time{opts.CurrentTime, leaf.NotAfter.Add(-time.Second), leaf.NotBefore.Add(time.Second)} {
			loose.CurrentTime = at
			if chains, _ = leaf.Verify(loose); len(chains) > 0 {
				break
			}
		}
	}
	anchored := len(chains) > 0
	var rootName pkix.Name
	if anchored {
		ch := chains[0]
		rootName = ch[len(ch)-1].Subject
	} else {
		rootName = peers[len(peers)-1].Issuer
	}
	root := rootName.String()
	info.Root = &root
	_, named := matchName(rootName, r.o.PublicCAs)
	info.RootPublic = anchored && named

	if len(t.ExpectedIssuers) > 0 {
		_, ok := matchName(leaf.Issuer, t.ExpectedIssuers)
		info.IssuerExpected = &ok
	}

	in.Evidence = []Evidence{}
	if info.IssuerExpected != nil && !*info.IssuerExpected {
		in.Evidence = append(in.Evidence, Evidence{EvidenceIssuerNotExpected, fmt.Sprintf("issuer %q is none of the expected %s", shortName(leaf.Issuer), quoteList(t.ExpectedIssuers))})
	}
	seen := map[string]bool{}
	for i, c := range peers {
		names := []pkix.Name{c.Issuer}
		if i > 0 {
			names = append(names, c.Subject)
		}
		for _, n := range names {
			if p, ok := matchName(n, InspectionProducts); ok && !seen[p] {
				seen[p] = true
				in.Evidence = append(in.Evidence, Evidence{EvidenceInspectionProduct, fmt.Sprintf("issuer %q names %s, a TLS-inspection product", shortName(n), p)})
			}
		}
	}
	if !info.RootPublic {
		var d string
		switch {
		case !anchored:
			d = fmt.Sprintf("the chain does not lead to a trusted root; its top issuer is %q", shortName(rootName))
		default:
			d = fmt.Sprintf("the chain ends at root %q, which is not a public CA (a root installed on this machine?)", shortName(rootName))
		}
		in.Evidence = append(in.Evidence, Evidence{EvidenceNonPublicRoot, d})
	}

	switch {
	case len(seen) > 0 || (!info.RootPublic && info.IssuerExpected != nil && !*info.IssuerExpected):
		in.Verdict = VerdictDetected
	case len(in.Evidence) > 0:
		in.Verdict = VerdictSuspected
	default:
		in.Verdict = VerdictNone
	}

	details := fmt.Sprintf("TLS %s, %s, issuer %q", v, suite, shortName(leaf.Issuer))
	switch {
	case in.Verdict == VerdictDetected:
		why := in.Evidence[0]
		for _, ev := range in.Evidence {
			if ev.Kind == EvidenceInspectionProduct {
				why = ev // the product's name says most to whoever runs the proxy
				break
			}
		}
		return details, &failure{FailInterception, fmt.Sprintf("TLS interception on %s: %s; exempt the Citrix hosts from TLS decryption on the proxy (R2, CTX221535)", t.Address(), why.Detail)}
	case !info.Verified:
		return details, &failure{FailCertificate, fmt.Sprintf("the certificate of %s does not verify: %s", t.Address(), *info.VerifyError)}
	case !info.VersionOK:
		return details, &failure{FailTLSHandshake, fmt.Sprintf("%s negotiated TLS %s; Citrix Cloud accepts only TLS 1.2 or later", t.Address(), v)}
	}
	return details, nil
}

func quoteList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
