package client_test

import (
	"errors"
	"testing"

	"github.com/kurastore/kura/client"
)

// TestCertificateIdentitySettings: the provider refuses settings that
// cannot work before any call.
func TestCertificateIdentitySettings(t *testing.T) {
	for name, p := range map[string]*client.CertificateIdentity{
		"plain http":     {Endpoint: "http://127.0.0.1:1"},
		"no endpoint":    {},
		"no certificate": {Endpoint: "https://127.0.0.1:1"},
	} {
		if _, err := p.Retrieve(t.Context()); err == nil || !errors.Is(err, client.ErrInvalidArgument) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
