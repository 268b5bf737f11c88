package certs

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
)

func TestSelfSignedAndReload(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, err := SelfSigned(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", fi, err)
	}
	again, _, err := SelfSigned(dir)
	first, _ := os.ReadFile(certFile)
	if second, _ := os.ReadFile(again); err != nil || string(first) != string(second) {
		t.Fatal("a second call made another certificate")
	}
	r, err := NewReloader(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	serial := func() string {
		c, _ := r.Config().GetCertificate(nil)
		leaf, err := x509.ParseCertificate(c.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		return leaf.SerialNumber.String()
	}
	before := serial()
	certPEM, keyPEM, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(certFile, certPEM, 0o644)
	os.WriteFile(keyFile, keyPEM, 0o600)
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	if serial() == before {
		t.Fatal("reload kept the old certificate")
	}
	os.WriteFile(certFile, []byte("garbage"), 0o644)
	if err := r.Reload(); err == nil {
		t.Fatal("a broken certificate loaded")
	}
	if c, _ := r.Config().GetCertificate(nil); c == nil {
		t.Fatal("a failed reload dropped the certificate")
	}
	if r.Config().MinVersion != tls.VersionTLS12 {
		t.Fatal("TLS below 1.2 allowed")
	}
	if _, err := NewReloader(filepath.Join(dir, "none"), keyFile); err == nil {
		t.Fatal("missing files loaded")
	}
}
