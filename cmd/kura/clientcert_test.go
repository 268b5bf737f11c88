package main

import (
	"context"
	"log/slog"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/internal/idp/clientcert/certtest"
	"github.com/kurastore/kura/internal/meta/pebblestore"
)

// TestClientCertSetup: --tls-client-ca needs TLS, --tls-client-crl needs
// --tls-client-ca, and a good setup keeps the certificate provider with
// its status across restarts.
func TestClientCertSetup(t *testing.T) {
	m, err := pebblestore.Open("iam", &pebblestore.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	ids, err := iam.NewStore(m, auth.Credentials{AccessKey: "rootkey", SecretKey: "rootsecret"}, make([]byte, iam.SealKeySize), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, log := context.Background(), slog.New(slog.DiscardHandler)
	ca := certtest.NewCA(t, "client CA")
	caFile := certtest.WriteFile(t, t.TempDir(), "ca.pem", ca.PEM)

	if v, err := clientCertSetup(ctx, serverFlags{}, ids, log); v != nil || err != nil {
		t.Errorf("no flags: %v %v", v, err)
	}
	for name, f := range map[string]serverFlags{
		"CA without TLS": {tlsClientCA: caFile},
		"CRL without CA": {tlsClientCRL: caFile, selfSigned: true},
		"missing CA":     {tlsClientCA: caFile + ".nope", selfSigned: true},
	} {
		if _, err := clientCertSetup(ctx, f, ids, log); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	f := serverFlags{tlsClientCA: caFile, selfSigned: true}
	if v, err := clientCertSetup(ctx, f, ids, log); v == nil || err != nil {
		t.Fatalf("good setup: %v", err)
	}
	if err := ids.SetIdentityProviderStatus(ctx, certificateProviderName, iam.StatusDisabled); err != nil {
		t.Fatal(err)
	}
	if _, err := clientCertSetup(ctx, f, ids, log); err != nil {
		t.Fatal(err)
	}
	ps, _ := ids.ListIdentityProviders(ctx)
	if len(ps) != 1 || ps[0].Kind != idp.KindCertificate || ps[0].Status != iam.StatusDisabled {
		t.Errorf("after a restart: %+v", ps)
	}
}
