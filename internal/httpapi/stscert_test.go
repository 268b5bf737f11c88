package httpapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/internal/idp/clientcert"
	"github.com/kurastore/kura/internal/idp/clientcert/certtest"
	"github.com/kurastore/kura/internal/object"
)

// certServer is a kura on HTTPS that asks for client certificates of ca,
// with the policy read-alpha, a bucket alpha holding a, and the
// certificate provider "certificate".
type certServer struct {
	url string
	ids *iam.Store
	ca  *certtest.CA
}

func newCertServer(t *testing.T, crl func(*certtest.CA) string) *certServer {
	t.Helper()
	m, blobs := memStores(t)
	root := auth.Credentials{AccessKey: "certroot", SecretKey: "certroot-secret"}
	ids, err := iam.NewStore(m, root, make([]byte, iam.SealKeySize), nil)
	if err != nil {
		t.Fatal(err)
	}
	ca := certtest.NewCA(t, "kura client CA")
	dir := t.TempDir()
	crlFile := ""
	if crl != nil {
		crlFile = certtest.WriteFile(t, dir, "crl.pem", crl(ca))
	}
	v, err := clientcert.Load(certtest.WriteFile(t, dir, "ca.pem", ca.PEM), crlFile)
	if err != nil {
		t.Fatal(err)
	}
	layer := object.New(m, blobs, object.Options{Region: "us-east-1"})
	api := New(Config{Objects: layer, Region: "us-east-1", IAM: ids, ClientCertificates: v, Logger: slog.New(slog.DiscardHandler)})
	hs := httptest.NewUnstartedServer(api)
	srvCert := ca.Issue(t, certtest.Leaf{CommonName: "127.0.0.1", IPs: []string{"127.0.0.1"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	hs.TLS = &tls.Config{Certificates: []tls.Certificate{srvCert.TLS}, ClientAuth: tls.RequestClientCert}
	hs.StartTLS()
	t.Cleanup(hs.Close)
	ctx := context.Background()
	if err := ids.PutIdentityProvider(ctx, iam.IdentityProvider{Name: "certificate", Kind: idp.KindCertificate, Settings: []byte("{}")}, "", false); err != nil {
		t.Fatal(err)
	}
	if err := ids.PutPolicy(ctx, "read-alpha", []byte(readAlphaPolicy)); err != nil {
		t.Fatal(err)
	}
	s := &certServer{url: hs.URL, ids: ids, ca: ca}
	rc := s.s3(nil, root.AccessKey, root.SecretKey, "")
	if _, err := rc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("alpha")}); err != nil {
		t.Fatal(err)
	}
	if _, err := rc.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("alpha"), Key: aws.String("a"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	return s
}

// httpClient trusts the server's CA and presents cert, if any.
func (s *certServer) httpClient(cert *certtest.Issued) *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(s.ca.Cert)
	tc := &tls.Config{RootCAs: pool}
	if cert != nil {
		tc.Certificates = []tls.Certificate{cert.TLS}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
}

func (s *certServer) s3(cert *certtest.Issued, access, secret, token string) *s3.Client {
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.url), UsePathStyle: true, HTTPClient: s.httpClient(cert),
		Credentials: awscreds.NewStaticCredentialsProvider(access, secret, token)})
}

// login posts AssumeRoleWithCertificate as minio-py does: the parameters
// in the query string, no body.
func (s *certServer) login(t *testing.T, cert *certtest.Issued, duration string) stsAnswer {
	t.Helper()
	u := s.url + "/?Action=AssumeRoleWithCertificate&Version=2011-06-15"
	if duration != "" {
		u += "&DurationSeconds=" + duration
	}
	resp, err := s.httpClient(cert).Post(u, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return readSTSAnswer(t, resp)
}

func TestCertificateIdentity(t *testing.T) {
	s := newCertServer(t, nil)
	good := s.ca.Issue(t, certtest.Leaf{CommonName: "read-alpha"})
	a := s.login(t, &good, "")
	if a.status != http.StatusOK {
		t.Fatalf("%d %s", a.status, a.body)
	}
	c := s.s3(nil, a.creds.AccessKeyID, a.creds.SecretAccessKey, a.creds.SessionToken)
	if _, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("alpha"), Key: aws.String("a")}); err != nil {
		t.Errorf("alpha/a with read-alpha: %v", err)
	}
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("other")}); apiErrorCode(err) != "AccessDenied" {
		t.Errorf("CreateBucket with read-alpha: %v", err)
	}

	// The credentials end with the certificate.
	short := s.ca.Issue(t, certtest.Leaf{CommonName: "read-alpha", NotAfter: time.Now().Add(20 * time.Minute)})
	b := s.login(t, &short, "3600")
	exp, err := time.Parse(time.RFC3339, b.creds.Expiration)
	if err != nil || !exp.Equal(short.Cert.NotAfter.UTC().Truncate(time.Second)) {
		t.Errorf("expiration %q (%v), certificate ends %v", b.creds.Expiration, err, short.Cert.NotAfter)
	}

	foreign := certtest.NewCA(t, "foreign").Issue(t, certtest.Leaf{CommonName: "read-alpha"})
	expired := s.ca.Issue(t, certtest.Leaf{CommonName: "read-alpha", NotBefore: time.Now().Add(-2 * time.Hour), NotAfter: time.Now().Add(-time.Minute)})
	serverOnly := s.ca.Issue(t, certtest.Leaf{CommonName: "read-alpha", ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	noPolicy := s.ca.Issue(t, certtest.Leaf{CommonName: "no-such-policy"})
	for name, cert := range map[string]*certtest.Issued{
		"no certificate": nil, "foreign CA": &foreign, "expired": &expired, "server only": &serverOnly, "no such policy": &noPolicy,
	} {
		if a := s.login(t, cert, ""); a.status != http.StatusForbidden || a.code != "AccessDenied" {
			t.Errorf("%s: %d %s", name, a.status, a.body)
		}
	}
	if a := s.login(t, &good, "899"); a.code != "ValidationError" {
		t.Errorf("DurationSeconds 899: %d %s", a.status, a.body)
	}

	// A disabled provider issues nothing.
	if err := s.ids.SetIdentityProviderStatus(context.Background(), "certificate", iam.StatusDisabled); err != nil {
		t.Fatal(err)
	}
	if a := s.login(t, &good, ""); a.code != "AccessDenied" {
		t.Errorf("provider disabled: %d %s", a.status, a.body)
	}
}

func TestCertificateIdentityRevoked(t *testing.T) {
	var revoked certtest.Issued
	s := newCertServer(t, func(ca *certtest.CA) string {
		revoked = ca.Issue(t, certtest.Leaf{CommonName: "read-alpha"})
		return ca.CRL(t, revoked.Cert)
	})
	if a := s.login(t, &revoked, ""); a.code != "AccessDenied" || !strings.Contains(a.body, "revoked") {
		t.Errorf("revoked: %d %s", a.status, a.body)
	}
	good := s.ca.Issue(t, certtest.Leaf{CommonName: "read-alpha"})
	if a := s.login(t, &good, ""); a.status != http.StatusOK {
		t.Errorf("not revoked: %d %s", a.status, a.body)
	}
}

// TestCertificateIdentityWithoutCAs: a server without client CAs refuses.
func TestCertificateIdentityWithoutCAs(t *testing.T) {
	s := newFedServer(t)
	resp, err := http.Post(s.url+"/?Action=AssumeRoleWithCertificate&Version=2011-06-15", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("%d", resp.StatusCode)
	}
}
