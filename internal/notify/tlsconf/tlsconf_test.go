package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/kurastore/kura/internal/notify"
	"github.com/kurastore/kura/internal/notify/targettest"
)

// A kind that lists Settings gets each file from its own setting, and
// "" for one not given.
func TestFilesOf(t *testing.T) {
	k := notify.Kind{Type: "x", Settings: Settings("with --tls on")}
	if len(k.Settings) != 3 || k.Settings[0].Help != "PEM file of certificate authorities to trust besides the system's (with --tls on)" {
		t.Errorf("settings %+v", k.Settings)
	}
	c := notify.Config{Type: "x", Settings: map[string]string{CACert: "ca.pem", ClientCert: "c.pem", ClientKey: "k.pem"}}
	if got, want := FilesOf(c, k), (Files{CA: "ca.pem", Cert: "c.pem", Key: "k.pem"}); got != want {
		t.Errorf("FilesOf: %+v, want %+v", got, want)
	}
	c.Settings = map[string]string{ClientCert: "c.pem"}
	if got, want := FilesOf(c, k), (Files{Cert: "c.pem"}); got != want {
		t.Errorf("FilesOf: %+v, want %+v", got, want)
	}
}

func TestConfig(t *testing.T) {
	certs := targettest.Certificates(t)
	conf, err := Config(Files{CA: certs.CA, Cert: certs.ClientCert, Key: certs.ClientKey})
	if err != nil {
		t.Fatal(err)
	}
	if len(conf.Certificates) != 1 || conf.MinVersion < tls.VersionTLS12 {
		t.Errorf("%d client certificates, minimum version %x", len(conf.Certificates), conf.MinVersion)
	}
	serverPEM, _ := os.ReadFile(certs.ServerCert)
	block, _ := pem.Decode(serverPEM)
	server, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.Verify(x509.VerifyOptions{Roots: conf.RootCAs, DNSName: "localhost"}); err != nil {
		t.Errorf("the server certificate does not verify with --ca-cert: %v", err)
	}

	if conf, err := Config(Files{}); err != nil || conf.RootCAs != nil || len(conf.Certificates) != 0 {
		t.Errorf("no files: %v, %v", conf, err)
	}
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	os.WriteFile(notPEM, []byte("hello"), 0o600)
	for name, f := range map[string]Files{
		"cert without key": {Cert: certs.ClientCert},
		"key without cert": {Key: certs.ClientKey},
		"key of another":   {Cert: certs.ClientCert, Key: certs.ServerKey},
		"missing CA":       {CA: notPEM + ".none"},
		"CA without PEM":   {CA: notPEM},
	} {
		if _, err := Config(f); err == nil {
			t.Errorf("%s: Config accepted %+v", name, f)
		}
	}
}
