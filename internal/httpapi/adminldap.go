package httpapi

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/internal/idp/ldap"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/adminapi"
)

// adminAddLDAP adds an LDAP provider after binding with its lookup
// account, so that a wrong address or password is refused now rather
// than at the first login. The lookup password is kept apart from the
// settings, sealed.
func (s *Server) adminAddLDAP(rq *request, v map[string]string) (any, error) {
	var body adminapi.LDAPProvider
	if err := readAdminJSON(rq, &body); err != nil {
		return nil, err
	}
	cfg := ldapConfig(body)
	d, err := ldap.New(cfg)
	if err != nil {
		return nil, s3err.ErrInvalidArgument.WithMessage("%v", err)
	}
	if err := d.CheckLookup(rq.ctx); err != nil {
		return nil, s3err.ErrInvalidArgument.WithMessage("The LDAP directory refused the lookup account: %v", err)
	}
	cfg.LookupBindPassword = ""
	raw, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	p := iam.IdentityProvider{Name: v["name"], Kind: idp.KindLDAP, Settings: raw}
	if err := s.iam.PutIdentityProvider(rq.ctx, p, body.LookupBindPassword, false); err != nil {
		return nil, err
	}
	return adminapi.IdentityProvider{Name: p.Name, Kind: string(p.Kind), Status: iam.StatusEnabled, RoleARN: idp.RoleARN(p.Name), HasSecret: true}, nil
}

func ldapConfig(b adminapi.LDAPProvider) ldap.Config {
	return ldap.Config{
		ServerAddr: b.ServerAddr, TLS: b.TLS, StartTLS: b.StartTLS, TLSSkipVerify: b.TLSSkipVerify, RootCAs: b.RootCAs,
		LookupBindDN: b.LookupBindDN, LookupBindPassword: b.LookupBindPassword,
		UserDNSearchBase: b.UserDNSearchBase, UserDNSearchFilter: b.UserDNSearchFilter,
		GroupSearchBase: b.GroupSearchBase, GroupSearchFilter: b.GroupSearchFilter,
	}
}

// adminLDAPProvider is what listings tell of an LDAP provider's settings.
func adminLDAPProvider(settings json.RawMessage) *adminapi.LDAPProvider {
	var c ldap.Config
	if json.Unmarshal(settings, &c) != nil {
		return nil
	}
	return &adminapi.LDAPProvider{
		ServerAddr: c.ServerAddr, TLS: c.TLS, StartTLS: c.StartTLS, TLSSkipVerify: c.TLSSkipVerify, RootCAs: c.RootCAs,
		LookupBindDN: c.LookupBindDN, UserDNSearchBase: c.UserDNSearchBase, UserDNSearchFilter: c.UserDNSearchFilter,
		GroupSearchBase: c.GroupSearchBase, GroupSearchFilter: c.GroupSearchFilter,
	}
}

// ldapDirectory is the directory of the LDAP provider name, with its
// lookup password opened.
func (s *Server) ldapDirectory(ctx context.Context, name string) (*ldap.Directory, error) {
	p, err := s.iam.IdentityProviderWithSecret(ctx, name)
	if err != nil {
		return nil, err
	}
	return directoryOf(p)
}

func directoryOf(p iam.IdentityProvider) (*ldap.Directory, error) {
	var cfg ldap.Config
	if err := json.Unmarshal(p.Settings, &cfg); err != nil {
		return nil, err
	}
	cfg.LookupBindPassword = p.Secret
	return ldap.New(cfg)
}

// ldapAttachment says which LDAP entry an attachment names, if any.
func ldapAttachment(a adminapi.Attachment) (iam.LDAPEntityKind, string, bool) {
	switch {
	case a.LDAPUser != "":
		return iam.LDAPUser, a.LDAPUser, true
	case a.LDAPGroup != "":
		return iam.LDAPGroup, a.LDAPGroup, true
	}
	return "", "", false
}

func (s *Server) adminListLDAPPolicies(rq *request, _ map[string]string) (any, error) {
	ms, err := s.iam.ListLDAPMappings(rq.ctx)
	if err != nil {
		return nil, err
	}
	out := make([]adminapi.LDAPPolicyMapping, 0, len(ms))
	for _, m := range ms {
		out = append(out, adminapi.LDAPPolicyMapping{Kind: string(m.Kind), DN: m.DN, Policies: m.Policies})
	}
	return out, nil
}

// errLDAPUnavailable is the answer when no directory could say whether
// a login or a session's user is good.
var errLDAPUnavailable = s3err.ErrServiceUnavailable.WithMessage("The LDAP directory did not answer; try again later.")

// isDirectoryTrouble tells a directory's own trouble (unreachable, lookup
// account refused, an error answer) from a verdict on the user.
func isDirectoryTrouble(err error) bool {
	return errors.Is(err, ldap.ErrUnavailable) || errors.Is(err, ldap.ErrLookupBind) ||
		errors.Is(err, ldap.ErrDirectory)
}
