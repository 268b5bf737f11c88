package integration

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/kurastore/kura/internal/certs"
)

func trusting(t *testing.T, caFile string) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in " + caFile)
	}
	return pool
}

// serialSeen is the serial of the certificate a new connection gets; a
// nil pool skips verification.
func serialSeen(t *testing.T, addr string, pool *x509.CertPool) string {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "localhost", InsecureSkipVerify: pool == nil})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	st := conn.ConnectionState()
	if st.Version < tls.VersionTLS12 {
		t.Fatalf("negotiated TLS version %x", st.Version)
	}
	return st.PeerCertificates[0].SerialNumber.String()
}

// TestTLSSelfSignedAndReload: --tls-self-signed serves HTTPS that a client
// trusting the generated certificate verifies; a new certificate applies
// after SIGHUP, without a restart; TLS 1.1 is refused.
func TestTLSSelfSignedAndReload(t *testing.T) {
	s := startServer(t, "--tls-self-signed")
	caFile := filepath.Join(s.dir, "tls", certs.SelfSignedCert)
	pool := trusting(t, caFile)
	mc, err := minio.New(s.addr, &minio.Options{
		Creds: miniocreds.NewStaticV4(s.accessKey, s.secretKey, ""), Secure: true,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := mc.MakeBucket(ctx, "secure", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := mc.PutObject(ctx, "secure", "k", bytes.NewReader([]byte("over tls")), 8, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	before := serialSeen(t, s.addr, pool)

	certPEM, keyPEM, err := certs.Generate()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(s.dir, "tls", certs.SelfSignedKey), keyPEM, 0o600)
	os.WriteFile(caFile, certPEM, 0o644)
	s.cmd.Process.Signal(syscall.SIGHUP)
	deadline := time.Now().Add(10 * time.Second)
	for serialSeen(t, s.addr, nil) == before {
		if time.Now().After(deadline) {
			t.Fatal("the new certificate was not served after SIGHUP")
		}
		time.Sleep(50 * time.Millisecond)
	}
	serialSeen(t, s.addr, trusting(t, caFile)) // and it verifies
	if _, err := tls.Dial("tcp", s.addr, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS11}); err == nil {
		t.Fatal("TLS 1.1 accepted")
	}
}
