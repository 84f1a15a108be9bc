package ops

import (
	"ccproxy/jsonin"
	"ccproxy/model"
	"ccproxy/probe"
	"ccproxy/system"
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"strings"
)

func (c *Check) resolver() (func(context.Context, string) ([]string, error), error) {
	static := map[string][]string{}
	for _, v := range c.Resolve {
		h, addrs, err := probe.ParseResolve(v)
		if err != nil {
			return nil, flagValueError("--resolve", err)
		}
		static[h] = append(static[h], addrs...)
	}
	return func(ctx context.Context, host string) ([]string, error) {
		if a, ok := static[strings.ToLower(host)]; ok {
			return a, nil
		}
		return net.DefaultResolver.LookupHost(ctx, host)
	}, nil
}

// roots reads --ca-file. Its roots replace the system's and join the public CAs, because
// whoever passes them says these are the roots the endpoints legitimately chain to.
func (c *Check) roots() (*x509.CertPool, []string, error) {
	if c.CAFile == "" {
		return nil, nil, nil
	}
	data, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, nil, &model.InputError{Input: c.CAFile, Msg: fmt.Sprintf("cannot read: %v", system.PathCause(err))}
	}
	pool := x509.NewCertPool()
	names := append([]string{}, probe.PublicCANames...)
	n := 0
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		n++
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, nil, &model.InputError{Input: c.CAFile, Place: fmt.Sprintf("certificate %d", n), Msg: fmt.Sprintf("cannot be read: %v", err)}
		}
		pool.AddCert(cert)
		if cert.Subject.CommonName != "" {
			names = append(names, cert.Subject.CommonName)
		} else if len(cert.Subject.Organization) > 0 {
			names = append(names, cert.Subject.Organization[0])
		}
	}
	if n == 0 {
		return nil, nil, &model.InputError{Input: c.CAFile, Msg: "no PEM certificate (-----BEGIN CERTIFICATE-----); hint: export the roots in Base-64 (PEM) form"}
	}
	return pool, names, nil
}

func (c *Check) ipLiteral() (string, error) {
	v := strings.TrimSpace(c.IPLiteral)
	if v == "" {
		return "", nil
	}
	t, err := probe.ParseTarget(v, probe.SourceHost)
	if err == nil && net.ParseIP(t.Host) == nil {
		err = fmt.Errorf("%s is not an IP address; hint: such as 20.42.65.92 or 20.42.65.92:443", jsonin.Quote(jsonin.RedactProxyEntry(v)))
	}
	if err != nil {
		return "", flagValueError("--ip-literal", err)
	}
	return t.Address(), nil
}
