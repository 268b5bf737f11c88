package integration

import (
	"crypto/x509"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/idp/clientcert/certtest"
)

// certIdentityServer is a kura on HTTPS whose client CA is ca, with
// fed-read and its buckets; a client certificate with CN fed-read gets
// that policy.
func certIdentityServer(t *testing.T) (*server, *certtest.CA) {
	t.Helper()
	ca := certtest.NewCA(t, "kura client CA")
	caPath := certtest.WriteFile(t, t.TempDir(), "client-ca.pem", ca.PEM)
	s := startServer(t, "--tls-self-signed", "--tls-client-ca", caPath)
	_, root := tlsClients(t, s)
	fedSetupWith(t, s, root)
	if out := kuraAdmin(t, s, "idp", "list"); !strings.Contains(out, "certificate") {
		t.Fatalf("idp list:\n%s", out)
	}
	return s, ca
}

func TestCertificateIdentityMinioPy(t *testing.T) {
	python, env := minioPy(t)
	s, ca := certIdentityServer(t)
	dir := t.TempDir()
	good := ca.Issue(t, certtest.Leaf{CommonName: "fed-read"})
	foreign := certtest.NewCA(t, "foreign").Issue(t, certtest.Leaf{CommonName: "fed-read"})
	cmd := exec.Command(python, "testdata/minio_py_certidentity.py", s.addr, caFile(s),
		certtest.WriteFile(t, dir, "c.pem", good.CertPEM), certtest.WriteFile(t, dir, "c.key", good.KeyPEM),
		certtest.WriteFile(t, dir, "f.pem", foreign.CertPEM), certtest.WriteFile(t, dir, "f.key", foreign.KeyPEM))
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK") {
		t.Fatalf("minio-py CertificateIdentityProvider: %v\n%s", err, out)
	}
}

// TestCertificateIdentityGoSDK: the Go SDK's CertificateIdentity gets
// credentials limited to the CN's policy; disabling the certificate
// provider ends them.
func TestCertificateIdentityGoSDK(t *testing.T) {
	s, ca := certIdentityServer(t)
	serverCA, err := os.ReadFile(caFile(s))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(serverCA)
	good := ca.Issue(t, certtest.Leaf{CommonName: "fed-read"})
	p := &client.CertificateIdentity{Endpoint: s.url(), Certificate: good.TLS, RootCAs: roots}
	sdk, err := client.New(s.addr, &client.Options{Credentials: p, Secure: true, RootCAs: roots})
	if err != nil {
		t.Fatal(err)
	}
	c := ctx(t)
	if _, err := sdk.StatObject(c, "fed-allowed", "a", client.StatObjectOptions{}); err != nil {
		t.Fatalf("fed-allowed/a: %v", err)
	}
	var e *client.ErrorResponse
	if _, err := sdk.StatObject(c, "fed-other", "a", client.StatObjectOptions{}); !errors.As(err, &e) || e.StatusCode != 403 {
		t.Fatalf("fed-other/a: %v", err)
	}
	kuraAdmin(t, s, "idp", "disable", "certificate")
	if err := getAll(c, sdk, "fed-allowed", "a"); !errors.As(err, &e) || e.Code != "InvalidToken" {
		t.Errorf("certificate provider disabled: %v", err)
	}
	noCert := &client.CertificateIdentity{Endpoint: s.url(), RootCAs: roots, HTTPClient: nil}
	if _, err := noCert.Retrieve(c); err == nil {
		t.Error("credentials without a certificate")
	}
}
