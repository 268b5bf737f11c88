package clientcert_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/idp/clientcert"
	"github.com/kurastore/kura/internal/idp/clientcert/certtest"
)

func TestVerify(t *testing.T) {
	ca, foreign := certtest.NewCA(t, "kura test CA"), certtest.NewCA(t, "foreign CA")
	good := ca.Issue(t, certtest.Leaf{CommonName: "readers"})
	revoked := ca.Issue(t, certtest.Leaf{CommonName: "readers"})
	dir := t.TempDir()
	v, err := clientcert.Load(certtest.WriteFile(t, dir, "ca.pem", ca.PEM), certtest.WriteFile(t, dir, "crl.pem", ca.CRL(t, revoked.Cert)))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	state := func(i certtest.Issued) *tls.ConnectionState {
		return &tls.ConnectionState{PeerCertificates: []*x509.Certificate{i.Cert}}
	}
	if leaf, err := v.Verify(state(good), now); err != nil || leaf.Subject.CommonName != "readers" {
		t.Fatalf("good: %v", err)
	}
	for _, c := range []struct {
		name string
		cs   *tls.ConnectionState
		want error
	}{
		{"none", &tls.ConnectionState{}, clientcert.ErrNoCertificate},
		{"no TLS", nil, clientcert.ErrNoCertificate},
		{"foreign CA", state(foreign.Issue(t, certtest.Leaf{CommonName: "readers"})), clientcert.ErrUntrusted},
		{"expired", state(ca.Issue(t, certtest.Leaf{CommonName: "readers", NotBefore: now.Add(-2 * time.Hour), NotAfter: now.Add(-time.Second)})), clientcert.ErrUntrusted},
		{"not yet valid", state(ca.Issue(t, certtest.Leaf{CommonName: "readers", NotBefore: now.Add(time.Minute)})), clientcert.ErrUntrusted},
		{"server only", state(ca.Issue(t, certtest.Leaf{CommonName: "readers", ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})), clientcert.ErrUntrusted},
		{"revoked", state(revoked), clientcert.ErrRevoked},
		{"no CN", state(ca.Issue(t, certtest.Leaf{})), clientcert.ErrNoCommonName},
	} {
		if _, err := v.Verify(c.cs, now); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// The last second of validity still counts.
	edge := ca.Issue(t, certtest.Leaf{CommonName: "readers", NotAfter: now.Add(time.Minute)})
	if _, err := v.Verify(state(edge), edge.Cert.NotAfter); err != nil {
		t.Errorf("at NotAfter: %v", err)
	}
	if _, err := v.Verify(state(edge), edge.Cert.NotAfter.Add(time.Second)); !errors.Is(err, clientcert.ErrUntrusted) {
		t.Errorf("a second after NotAfter: %v", err)
	}

	if _, err := clientcert.Load(certtest.WriteFile(t, dir, "ca.pem", ca.PEM), certtest.WriteFile(t, dir, "other.pem", foreign.CRL(t))); err == nil {
		t.Error("a CRL of another CA accepted")
	}
	if _, err := clientcert.Load(certtest.WriteFile(t, dir, "empty.pem", ""), ""); err == nil {
		t.Error("a CA file without certificates accepted")
	}
}
