// Package clientcert checks TLS client certificates for the certificate
// login of kura's STS (AssumeRoleWithCertificate): the leaf certificate a
// client presented must chain to a configured CA, be valid now, allow
// client authentication, and not be revoked by a configured CRL. The
// subject's common name then names the kura policy the login gets, as
// MinIO does.
package clientcert

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"time"
)

// The reasons a certificate is refused; the returned errors wrap them.
var (
	ErrNoCertificate = errors.New("clientcert: no client certificate")
	ErrUntrusted     = errors.New("clientcert: certificate not trusted")
	ErrRevoked       = errors.New("clientcert: certificate revoked")
	ErrNoCommonName  = errors.New("clientcert: certificate subject has no common name")
)

// Verifier checks client certificates against CAs and CRLs.
type Verifier struct {
	roots *x509.CertPool
	crls  []*x509.RevocationList
}

// Load reads the CA certificates (PEM) from caFile and, if crlFile is not
// empty, certificate revocation lists (PEM or DER) from crlFile; each
// CRL must be signed by one of the CAs.
func Load(caFile, crlFile string) (*Verifier, error) {
	data, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	cas, err := parseCertificates(data)
	if err != nil {
		return nil, fmt.Errorf("clientcert: %s: %w", caFile, err)
	}
	v := &Verifier{roots: x509.NewCertPool()}
	for _, ca := range cas {
		v.roots.AddCert(ca)
	}
	if crlFile == "" {
		return v, nil
	}
	data, err = os.ReadFile(crlFile)
	if err != nil {
		return nil, err
	}
	if v.crls, err = parseCRLs(data, cas); err != nil {
		return nil, fmt.Errorf("clientcert: %s: %w", crlFile, err)
	}
	return v, nil
}

func parseCertificates(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM certificate")
	}
	return out, nil
}

// parseCRLs reads PEM "X509 CRL" blocks, or one DER CRL, and checks each
// is signed by one of the CAs.
func parseCRLs(data []byte, cas []*x509.Certificate) ([]*x509.RevocationList, error) {
	var ders [][]byte
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type == "X509 CRL" {
			ders = append(ders, b.Bytes)
		}
	}
	if len(ders) == 0 {
		ders = [][]byte{data}
	}
	var out []*x509.RevocationList
	for _, der := range ders {
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			return nil, err
		}
		if !signedByOneOf(crl, cas) {
			return nil, errors.New("a CRL is not signed by any of the CAs")
		}
		out = append(out, crl)
	}
	return out, nil
}

func signedByOneOf(crl *x509.RevocationList, cas []*x509.Certificate) bool {
	for _, ca := range cas {
		if crl.CheckSignatureFrom(ca) == nil {
			return true
		}
	}
	return false
}

// Verify checks the certificates a client presented on cs at now and
// returns the leaf.
func (v *Verifier) Verify(cs *tls.ConnectionState, now time.Time) (*x509.Certificate, error) {
	if cs == nil || len(cs.PeerCertificates) == 0 {
		return nil, ErrNoCertificate
	}
	leaf := cs.PeerCertificates[0]
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots: v.roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUntrusted, err)
	}
	for _, chain := range chains {
		for _, c := range chain {
			if v.revoked(c) {
				return nil, fmt.Errorf("%w: serial %s of %s", ErrRevoked, c.SerialNumber, c.Subject)
			}
		}
	}
	if leaf.Subject.CommonName == "" {
		return nil, ErrNoCommonName
	}
	return leaf, nil
}

// revoked reports whether a CRL of c's issuer lists c's serial number.
func (v *Verifier) revoked(c *x509.Certificate) bool {
	for _, crl := range v.crls {
		if string(crl.RawIssuer) != string(c.RawIssuer) {
			continue
		}
		for _, e := range crl.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(c.SerialNumber) == 0 {
				return true
			}
		}
	}
	return false
}
