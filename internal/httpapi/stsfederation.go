package httpapi

import (
	"encoding/json"
	"encoding/xml"
	"net/url"
	"strconv"
	"time"

	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/internal/idp/openid"
	"github.com/kurastore/kura/s3err"
)

// federatedActions are the STS calls that carry their own proof of
// identity, and so are answered unsigned.
var federatedActions = map[string]bool{
	"AssumeRoleWithWebIdentity":  true,
	"AssumeRoleWithClientGrants": true,
	"AssumeRoleWithLDAPIdentity": true,
	"AssumeRoleWithCertificate":  true,
}

// unsignedLogins are the federated calls whose proof makes kura ask an
// identity provider (fetch an OpenID provider's keys, bind to an LDAP
// directory), bounded per client address (loginlimit.go).
// AssumeRoleWithCertificate's proof is checked in the TLS handshake.
var unsignedLogins = map[string]bool{
	"AssumeRoleWithWebIdentity":  true,
	"AssumeRoleWithClientGrants": true,
	"AssumeRoleWithLDAPIdentity": true,
}

// federatedResult is the result of AssumeRoleWithWebIdentity; that of
// AssumeRoleWithClientGrants has the same fields, the subject's named
// SubjectFromToken.
type federatedResult struct {
	Credentials     stsCredentials `xml:"Credentials"`
	Subject         string         `xml:"SubjectFromWebIdentityToken,omitempty"`
	SubjectClient   string         `xml:"SubjectFromToken,omitempty"`
	AssumedRoleUser struct {
		Arn           string `xml:"Arn"`
		AssumedRoleID string `xml:"AssumedRoleId"`
	} `xml:"AssumedRoleUser"`
	Audience string `xml:"Audience"`
	Provider string `xml:"Provider"`
}

type webIdentityResponse struct {
	XMLName   xml.Name        `xml:"AssumeRoleWithWebIdentityResponse"`
	Xmlns     string          `xml:"xmlns,attr"`
	Result    federatedResult `xml:"AssumeRoleWithWebIdentityResult"`
	RequestID string          `xml:"ResponseMetadata>RequestId"`
}

type clientGrantsResponse struct {
	XMLName   xml.Name        `xml:"AssumeRoleWithClientGrantsResponse"`
	Xmlns     string          `xml:"xmlns,attr"`
	Result    federatedResult `xml:"AssumeRoleWithClientGrantsResult"`
	RequestID string          `xml:"ResponseMetadata>RequestId"`
}

// assumeRoleFederated answers AssumeRoleWithWebIdentity and
// AssumeRoleWithClientGrants: an OpenID Connect token (WebIdentityToken,
// or Token for client grants) verified by an enabled OpenID provider
// becomes temporary credentials with the policies it maps to.
func (s *Server) assumeRoleFederated(rq *request, action string, p url.Values) (response, error) {
	token := p.Get("WebIdentityToken")
	if action == "AssumeRoleWithClientGrants" {
		token = p.Get("Token")
	}
	duration, err := durationParam(p)
	if err != nil {
		return nil, err
	}
	providers, err := s.openIDProviders(rq)
	if err != nil {
		return nil, err
	}
	login, err := s.openid.Login(rq.ctx, providers, p.Get("RoleArn"), token)
	if err != nil {
		return nil, err
	}
	tc, err := s.iam.AssumeFederated(rq.ctx, login, duration, []byte(p.Get("Policy")))
	if err != nil {
		return nil, err
	}
	var res federatedResult
	res.Credentials = newSTSCredentials(tc)
	res.AssumedRoleUser.Arn = idp.RoleARN(login.Provider)
	res.AssumedRoleUser.AssumedRoleID = tc.AccessKey
	res.Audience, res.Provider = login.Audience, login.Issuer
	if action == "AssumeRoleWithClientGrants" {
		res.SubjectClient = login.Subject
		return xmlResponse{doc: clientGrantsResponse{Xmlns: stsNamespace, Result: res, RequestID: rq.id}}, nil
	}
	res.Subject = login.Subject
	return xmlResponse{doc: webIdentityResponse{Xmlns: stsNamespace, Result: res, RequestID: rq.id}}, nil
}

// durationParam reads DurationSeconds; zero when absent.
func durationParam(p url.Values) (time.Duration, error) {
	v := p.Get("DurationSeconds")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, s3err.ErrValidationError.WithMessage("DurationSeconds must be a number.")
	}
	return time.Duration(n) * time.Second, nil
}

// openIDProviders are the enabled OpenID providers' configurations.
func (s *Server) openIDProviders(rq *request) ([]openid.Provider, error) {
	all, err := s.iam.ListIdentityProviders(rq.ctx)
	if err != nil {
		return nil, err
	}
	var out []openid.Provider
	for _, p := range all {
		if p.Kind != idp.KindOpenID || p.Status != iam.StatusEnabled {
			continue
		}
		var st openid.Settings
		if err := json.Unmarshal(p.Settings, &st); err != nil {
			return nil, err
		}
		out = append(out, openid.Provider{Name: p.Name, ID: p.ID, Settings: st})
	}
	return out, nil
}
