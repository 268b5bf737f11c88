package httpapi

import (
	"context"
	"errors"
	"fmt"

	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/internal/idp/ldap"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/adminapi"
)

// The service account calls whose owner is not in the path check it here:
// root may act for anyone, another caller (whose policies allow the
// call's action, as adminAllowed checked) only for whom it acts for
// (iam.Store.ActsFor), which it learns by being refused with AccessDenied
// rather than told whether the account exists.

// adminAddLDAPServiceAccount creates a service account of an LDAP user.
// Root names the user by DN (with its login name when the provider's
// group filter uses it), and the user must be an enabled entry of an
// enabled LDAP provider's directory. Credentials of an LDAP user (a
// session of AssumeRoleWithLDAPIdentity, a service account) may create
// one for that user only, with its provider; their request has just
// passed the same check of the user.
func (s *Server) adminAddLDAPServiceAccount(rq *request, _ map[string]string) (any, error) {
	var body adminapi.LDAPServiceAccount
	if err := readAdminJSON(rq, &body); err != nil {
		return nil, err
	}
	if _, err := ldap.NormalizeDN(body.LDAPUser); err != nil {
		return nil, s3err.ErrInvalidArgument.WithMessage("ldapUser must be the DN of an LDAP user: %v", err)
	}
	id := rq.identity
	var owner iam.LDAPOwner
	if id.Root {
		var err error
		if owner, err = s.findLDAPUser(rq.ctx, body); err != nil {
			return nil, err
		}
	} else {
		target := iam.Owner{LDAP: &iam.LDAPOwner{Provider: body.Provider, DN: body.LDAPUser}}
		own, _ := id.Owner()
		if own.LDAP == nil || !s.iam.MayCreateServiceAccountFor(id, target) {
			return nil, s3err.ErrAccessDenied.WithMessage("Only root, or the LDAP user itself with credentials not narrowed by a policy, may create service accounts of an LDAP user.")
		}
		owner = *own.LDAP
	}
	creds, err := s.iam.AddLDAPServiceAccount(rq.ctx, owner, body.Policy)
	if err != nil {
		return nil, err
	}
	return adminCredentials(creds), nil
}

// findLDAPUser finds the user body names in the enabled LDAP providers'
// directories (the one body names, or each in name order until one has
// it), as its owner record.
func (s *Server) findLDAPUser(ctx context.Context, body adminapi.LDAPServiceAccount) (iam.LDAPOwner, error) {
	all, err := s.iam.ListIdentityProviders(ctx)
	if err != nil {
		return iam.LDAPOwner{}, err
	}
	tried, trouble := 0, false
	var refusal error
	for _, p := range all {
		if p.Kind != idp.KindLDAP || p.Status != iam.StatusEnabled || body.Provider != "" && p.Name != body.Provider {
			continue
		}
		tried++
		d, err := s.ldapDirectory(ctx, p.Name)
		if err != nil {
			return iam.LDAPOwner{}, err
		}
		res, err := lookupLDAPUser(ctx, d, body)
		switch {
		case isDirectoryTrouble(err):
			s.log.Warn("LDAP service account: directory trouble", "provider", p.Name, "error", err)
			trouble = true
			continue
		case err != nil:
			refusal = err
			continue
		}
		return iam.LDAPOwner{Provider: p.Name, ProviderID: p.ID, DN: res.DN, Username: body.LDAPUsername}, nil
	}
	switch {
	case tried == 0 && body.Provider != "":
		return iam.LDAPOwner{}, s3err.ErrInvalidArgument.WithMessage("There is no enabled LDAP provider %q.", body.Provider)
	case tried == 0:
		return iam.LDAPOwner{}, s3err.ErrInvalidArgument.WithMessage("No LDAP provider is enabled.")
	case trouble:
		return iam.LDAPOwner{}, errLDAPUnavailable
	case errors.Is(refusal, errLoginNameNeeded):
		return iam.LDAPOwner{}, s3err.ErrInvalidArgument.WithMessage("%v", refusal)
	}
	return iam.LDAPOwner{}, s3err.ErrInvalidArgument.WithMessage("No enabled LDAP provider has an enabled user %q: %v", body.LDAPUser, refusal)
}

// errLoginNameNeeded refuses a user named by DN alone to a provider
// whose group filter needs the login name.
var errLoginNameNeeded = errors.New("the LDAP provider's group filter uses the login name (%s): give the user's login name (ldapUsername) too")

// lookupLDAPUser reads the user body names in d: by login name when it
// gives one, which must name the DN's entry, else by DN.
func lookupLDAPUser(ctx context.Context, d *ldap.Directory, body adminapi.LDAPServiceAccount) (ldap.Result, error) {
	if body.LDAPUsername == "" {
		if d.GroupsNeedLoginName() {
			return ldap.Result{}, errLoginNameNeeded
		}
		return d.LookupUser(ctx, "", body.LDAPUser)
	}
	res, err := d.LookupLogin(ctx, body.LDAPUsername)
	if err != nil {
		return res, err
	}
	if !ldap.SameDN(res.DN, body.LDAPUser) {
		return ldap.Result{}, fmt.Errorf("the login name %q names another entry, %s", body.LDAPUsername, res.DN)
	}
	return res, nil
}

// adminListServiceAccounts lists the service accounts of the owner the
// query names (user=ACCESS, or ldapUser=DN with an optional provider),
// or with neither, every one for root and the caller's own for others.
func (s *Server) adminListServiceAccounts(rq *request, _ map[string]string) (any, error) {
	q := rq.http.URL.Query()
	var of *iam.Owner
	switch user, dn := q.Get("user"), q.Get("ldapUser"); {
	case user != "" && dn != "":
		return nil, s3err.ErrInvalidArgument.WithMessage("Name a user or an LDAP user, not both.")
	case user != "":
		of = &iam.Owner{User: user}
	case dn != "":
		of = &iam.Owner{LDAP: &iam.LDAPOwner{Provider: q.Get("provider"), DN: dn}}
	}
	id := rq.identity
	if !id.Root {
		own, ok := id.Owner()
		if of == nil {
			of = &own
		}
		if !ok || !s.iam.ActsFor(id, *of) {
			return nil, s3err.ErrAccessDenied.WithMessage("Only root may list the service accounts of others.")
		}
	}
	users, err := s.iam.ListUsers(rq.ctx)
	if err != nil {
		return nil, err
	}
	out := []adminapi.User{}
	for _, u := range users {
		if o, ok := u.Owner(); ok && (of == nil || o.Matches(*of)) {
			out = append(out, adminUser(u))
		}
	}
	return out, nil
}

// adminRemoveServiceAccount deletes a service account: root any, another
// caller only one of whom it acts for.
func (s *Server) adminRemoveServiceAccount(rq *request, v map[string]string) (any, error) {
	u, err := s.iam.User(rq.ctx, v["key"])
	if err != nil && !errors.Is(err, iam.ErrNoSuchUser) {
		return nil, err
	}
	o, isAccount := u.Owner()
	if !rq.identity.Root && (err != nil || !isAccount || !s.iam.ActsFor(rq.identity, o)) {
		return nil, s3err.ErrAccessDenied.WithMessage("Only root may remove the service accounts of others.")
	}
	if err != nil {
		return nil, err
	}
	return nil, s.iam.RemoveServiceAccount(rq.ctx, v["key"])
}
