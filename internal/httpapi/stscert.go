package httpapi

import (
	"context"
	"encoding/xml"
	"errors"
	"net/url"

	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/internal/idp/clientcert"
	"github.com/kurastore/kura/s3err"
)

type certificateIdentityResponse struct {
	XMLName xml.Name `xml:"AssumeRoleWithCertificateResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Credentials stsCredentials `xml:"Credentials"`
	} `xml:"AssumeRoleWithCertificateResult"`
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

// assumeRoleWithCertificate answers AssumeRoleWithCertificate: the TLS
// client certificate of the connection, checked against the server's
// client CAs, gets temporary credentials with the policy named by its
// subject's common name, ending no later than the certificate.
func (s *Server) assumeRoleWithCertificate(rq *request, p url.Values) (response, error) {
	if s.clientCerts == nil {
		return nil, s3err.ErrAccessDenied.WithMessage("The server accepts no client certificates (it was started without --tls-client-ca).")
	}
	duration, err := durationParam(p)
	if err != nil {
		return nil, err
	}
	leaf, err := s.clientCerts.Verify(rq.http.TLS, s.now())
	if err != nil {
		return nil, certificateError(err)
	}
	provider, err := s.certificateProvider(rq.ctx)
	if err != nil {
		return nil, err
	}
	cn := leaf.Subject.CommonName
	login := idp.Login{Provider: provider, Kind: idp.KindCertificate, Subject: cn, Policies: []string{cn}, Expires: leaf.NotAfter}
	tc, err := s.iam.AssumeFederated(rq.ctx, login, duration, []byte(p.Get("Policy")))
	if err != nil {
		return nil, err
	}
	doc := certificateIdentityResponse{Xmlns: stsNamespace, RequestID: rq.id}
	doc.Result.Credentials = newSTSCredentials(tc)
	return xmlResponse{doc: doc}, nil
}

func certificateError(err error) error {
	switch {
	case errors.Is(err, clientcert.ErrNoCertificate):
		return s3err.ErrAccessDenied.WithMessage("AssumeRoleWithCertificate needs a TLS client certificate.")
	case errors.Is(err, clientcert.ErrRevoked):
		return s3err.ErrAccessDenied.WithMessage("The client certificate is revoked.")
	case errors.Is(err, clientcert.ErrNoCommonName):
		return s3err.ErrAccessDenied.WithMessage("The client certificate's subject has no common name to name a policy.")
	}
	return s3err.ErrAccessDenied.WithMessage("The client certificate is not trusted: it is expired or not yet valid, issued by another CA, or not for client authentication.")
}

// certificateProvider names the enabled certificate provider, the first
// by name.
func (s *Server) certificateProvider(ctx context.Context) (string, error) {
	all, err := s.iam.ListIdentityProviders(ctx)
	if err != nil {
		return "", err
	}
	for _, p := range all {
		if p.Kind == idp.KindCertificate && p.Status == iam.StatusEnabled {
			return p.Name, nil
		}
	}
	return "", s3err.ErrAccessDenied.WithMessage("No certificate identity provider is enabled.")
}
