// Package tlsconf makes the TLS client configuration of a notification
// target from its --ca-cert, --client-cert and --client-key settings:
// the certificate authorities it trusts (the system's, plus those of
// --ca-cert) and the certificate it presents for mutual TLS.
package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/kurastore/kura/internal/notify"
)

// Settings are the names of the settings Files come from.
const (
	CACert     = "ca-cert"
	ClientCert = "client-cert"
	ClientKey  = "client-key"
)

// Files are the PEM files of a target's TLS settings; "" for none.
type Files struct {
	CA   string // certificate authorities to trust besides the system's
	Cert string // client certificate
	Key  string // private key of Cert
}

// Settings are the settings Files come from, for a kind's list; when
// says when they apply, such as "with --tls on", or is "" for always.
func Settings(when string) []notify.Setting {
	suffix := ""
	if when != "" {
		suffix = " (" + when + ")"
	}
	return []notify.Setting{
		{Name: CACert, Help: "PEM file of certificate authorities to trust besides the system's" + suffix},
		{Name: ClientCert, Help: "PEM client certificate file for mutual TLS" + suffix},
		{Name: ClientKey, Help: "PEM private key file of --client-cert"},
	}
}

// FilesOf reads Files from a target's configuration.
func FilesOf(c notify.Config, k notify.Kind) Files {
	return Files{CA: c.Get(k, CACert), Cert: c.Get(k, ClientCert), Key: c.Get(k, ClientKey)}
}

// Any reports whether any file is set.
func (f Files) Any() bool { return f.CA != "" || f.Cert != "" || f.Key != "" }

// Config loads the files into a client configuration. It reads them
// when the target is opened, so a wrong path is reported then, not at
// the first connection.
func Config(f Files) (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if (f.Cert == "") != (f.Key == "") {
		return nil, fmt.Errorf("--%s and --%s go together", ClientCert, ClientKey)
	}
	if f.Cert != "" {
		cert, err := tls.LoadX509KeyPair(f.Cert, f.Key)
		if err != nil {
			return nil, fmt.Errorf("loading the client certificate: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	if f.CA != "" {
		pem, err := os.ReadFile(f.CA)
		if err != nil {
			return nil, fmt.Errorf("--%s: %w", CACert, err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--%s %s: %w", CACert, f.CA, errNoPEM)
		}
		conf.RootCAs = pool
	}
	return conf, nil
}

var errNoPEM = errors.New("no PEM certificate in the file")
