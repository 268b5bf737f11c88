package httpapi

import (
	"context"
	"encoding/xml"
	"errors"
	"net/url"

	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/internal/idp/ldap"
	"github.com/kurastore/kura/s3err"
)

// Bounds of AssumeRoleWithLDAPIdentity's parameters, in bytes: well
// above any directory's login names (Active Directory's user principal
// names stay under 256) and passwords, and small enough that a request
// cannot make kura send the directory large binds.
const (
	maxLDAPUsername = 256
	maxLDAPPassword = 1024
)

type ldapIdentityResponse struct {
	XMLName xml.Name `xml:"AssumeRoleWithLDAPIdentityResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Credentials stsCredentials `xml:"Credentials"`
	} `xml:"AssumeRoleWithLDAPIdentityResult"`
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

// errLDAPLogin refuses a login the same way whether the name is unknown,
// the password wrong or the user disabled, so that the answer does not
// tell which names exist.
var errLDAPLogin = s3err.ErrAccessDenied.WithMessage("The LDAP user name or password is not valid.")

// assumeRoleWithLDAP answers AssumeRoleWithLDAPIdentity: the user binds
// to an enabled LDAP provider's directory with LDAPUsername and
// LDAPPassword, and gets temporary credentials with the policies
// attached to its DN and its groups' DNs.
func (s *Server) assumeRoleWithLDAP(rq *request, p url.Values) (response, error) {
	username, password := p.Get("LDAPUsername"), p.Get("LDAPPassword")
	if username == "" || password == "" {
		return nil, s3err.ErrValidationError.WithMessage("LDAPUsername and LDAPPassword are required.")
	}
	if len(username) > maxLDAPUsername {
		return nil, s3err.ErrValidationError.WithMessage("LDAPUsername is longer than %d bytes.", maxLDAPUsername)
	}
	if len(password) > maxLDAPPassword {
		return nil, s3err.ErrValidationError.WithMessage("LDAPPassword is longer than %d bytes.", maxLDAPPassword)
	}
	duration, err := durationParam(p)
	if err != nil {
		return nil, err
	}
	giveBack, ok := s.ldapFailures.take(loginNameKey(username), s.now())
	if !ok {
		return nil, errLDAPFailureRate
	}
	login, err := s.ldapLogin(rq.ctx, username, password)
	if err != errLDAPLogin {
		// Only a name or password the directory refused counts against
		// the name; ldapLogin answers those with this very value.
		giveBack()
	}
	if err != nil {
		return nil, err
	}
	tc, err := s.iam.AssumeFederated(rq.ctx, login, duration, []byte(p.Get("Policy")))
	if err != nil {
		return nil, err
	}
	doc := ldapIdentityResponse{Xmlns: stsNamespace, RequestID: rq.id}
	doc.Result.Credentials = newSTSCredentials(tc)
	return xmlResponse{doc: doc}, nil
}

// ldapLogin tries the enabled LDAP providers in name order; the first
// whose directory accepts the user wins. When none does and one of them
// could not answer, the caller is told to try again rather than that
// the password is wrong.
func (s *Server) ldapLogin(ctx context.Context, username, password string) (idp.Login, error) {
	all, err := s.iam.ListIdentityProviders(ctx)
	if err != nil {
		return idp.Login{}, err
	}
	tried, trouble := 0, false
	for _, p := range all {
		if p.Kind != idp.KindLDAP || p.Status != iam.StatusEnabled {
			continue
		}
		tried++
		d, err := s.ldapDirectory(ctx, p.Name)
		if err != nil {
			return idp.Login{}, err
		}
		res, err := d.Authenticate(ctx, username, password)
		if isDirectoryTrouble(err) {
			s.log.Warn("LDAP login: directory trouble", "provider", p.Name, "error", err)
			trouble = true
			continue
		}
		if errors.Is(err, ldap.ErrAmbiguousUser) {
			// The filter needs fixing; the caller hears what a wrong
			// password hears, since the name does exist.
			s.log.Warn("LDAP login: the user search matched several entries", "provider", p.Name, "error", err)
		}
		if err != nil {
			continue
		}
		policies, err := s.iam.LDAPPolicies(ctx, res.DN, res.Groups)
		if err != nil {
			return idp.Login{}, err
		}
		return idp.Login{
			Provider: p.Name, Kind: idp.KindLDAP, Subject: res.DN, Username: username,
			Policies: policies, Groups: res.Groups,
		}, nil
	}
	switch {
	case tried == 0:
		return idp.Login{}, s3err.ErrAccessDenied.WithMessage("No LDAP identity provider is enabled.")
	case trouble:
		return idp.Login{}, errLDAPUnavailable
	}
	return idp.Login{}, errLDAPLogin
}

// checkLDAPSubject is the subject check of LDAP sessions: the user must
// still be in the directory and enabled, and its policies are those
// attached to its DN and its groups' DNs now. When the directory cannot
// say, the session's requests are refused until it can: a pass is what
// lets a session act, never the lack of an answer.
func (s *Server) checkLDAPSubject(ctx context.Context, p iam.IdentityProvider, dn, username string) ([]string, error) {
	d, err := s.ldapDirectory(ctx, p.Name)
	if err != nil {
		return nil, err
	}
	res, err := d.LookupUser(ctx, username, dn)
	switch {
	case errors.Is(err, ldap.ErrNoSuchUser) || errors.Is(err, ldap.ErrUserDisabled):
		return nil, s3err.ErrInvalidToken.WithMessage("The LDAP user of these credentials is disabled or no longer exists.")
	case err != nil:
		s.log.Warn("LDAP session check: directory trouble", "provider", p.Name, "error", err)
		return nil, errLDAPUnavailable
	}
	policies, err := s.iam.LDAPPolicies(ctx, res.DN, res.Groups)
	if err != nil {
		return nil, err
	}
	// Not nil, even when empty: the mapping of now replaces the login's.
	return append([]string{}, policies...), nil
}
