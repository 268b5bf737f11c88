package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/internal/idp/clientcert"
)

// certificateProviderName names the identity provider that
// --tls-client-ca keeps, so that "kura admin idp disable certificate"
// stops certificate logins and ends their sessions.
const certificateProviderName = "certificate"

// clientCertSetup loads the client CAs (and CRL) that --tls-client-ca
// and --tls-client-crl name, and keeps the certificate provider; nil
// when no client CA is given.
func clientCertSetup(ctx context.Context, f serverFlags, identities *iam.Store, log *slog.Logger) (*clientcert.Verifier, error) {
	if f.tlsClientCA == "" {
		if f.tlsClientCRL != "" {
			return nil, errors.New("--tls-client-crl needs --tls-client-ca")
		}
		return nil, nil
	}
	if f.tlsCert == "" && !f.selfSigned {
		return nil, errors.New("--tls-client-ca needs TLS: --tls-cert and --tls-key, or --tls-self-signed")
	}
	v, err := clientcert.Load(f.tlsClientCA, f.tlsClientCRL)
	if err != nil {
		return nil, err
	}
	// Replacing keeps the provider's ID and status: a restart neither
	// ends the sessions nor enables a provider an administrator disabled.
	p := iam.IdentityProvider{Name: certificateProviderName, Kind: idp.KindCertificate, Settings: []byte("{}")}
	if err := identities.PutIdentityProvider(ctx, p, "", true); err != nil {
		return nil, err
	}
	log.Info("TLS client certificates accepted for AssumeRoleWithCertificate", "ca", f.tlsClientCA, "crl", f.tlsClientCRL)
	return v, nil
}
