// Package probetest provides loopback fakes for testing probes: a certificate authority,
// TLS and plain HTTP upstreams, and HTTP proxies that tunnel, re-sign, demand
// authentication, refuse IP literals, deny, delay or never answer.
package probetest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"sync"
	"time"
)

// CA is a certificate authority that issues leaf certificates on demand.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer

	mu    sync.Mutex
	cache map[string]*tls.Certificate
}

// NewCA makes a self-signed root with the given common name and organisation.
func NewCA(commonName, org string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: commonName, Organization: []string{org}},
		NotBefore:             time.Now().Add(-5 * 365 * 24 * time.Hour),
		NotAfter:              time.Now().Add(10 * 365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: key, cache: map[string]*tls.Certificate{}}, nil
}

// MustCA is NewCA for tests and benchmarks, which have no use for the error.
func MustCA(commonName, org string) *CA {
	ca, err := NewCA(commonName, org)
	if err != nil {
		panic(err)
	}
	return ca
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

// Pool is a pool holding only this CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// PEM is the CA certificate in PEM form, as a --ca-file holds it.
func (ca *CA) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

// Issue makes a leaf for host valid between notBefore and notAfter.
func (ca *CA) Issue(host string, notBefore, notAfter time.Time) (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: host},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if ip := net.ParseIP(host); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{host}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: [][]byte{der, ca.Cert.Raw}, PrivateKey: key, Leaf: leaf}, nil
}

// For returns a current certificate for host, cached, or an expired one.
func (ca *CA) For(host string, expired bool) (*tls.Certificate, error) {
	k := fmt.Sprintf("%s|%v", host, expired)
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if c := ca.cache[k]; c != nil {
		return c, nil
	}
	nb, na := time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour)
	if expired {
		nb, na = time.Now().Add(-400*24*time.Hour), time.Now().Add(-30*24*time.Hour)
	}
	c, err := ca.Issue(host, nb, na)
	if err != nil {
		return nil, err
	}
	ca.cache[k] = c
	return c, nil
}

// serverConfig answers any SNI with a certificate for that name from ca.
func (ca *CA) serverConfig(expired bool, maxVersion uint16) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS10,
		MaxVersion: maxVersion,
		GetCertificate: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
			name := h.ServerName
			if name == "" {
				name = "127.0.0.1"
			}
			return ca.For(name, expired)
		},
	}
}
