package httpapi

import (
	"encoding/json"
	"errors"

	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/internal/idp/openid"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/adminapi"
)

// idpAction authorizes the calls that change identity providers.
const idpAction = "admin:ConfigUpdate"

func (s *Server) adminListProviders(rq *request, _ map[string]string) (any, error) {
	ps, err := s.iam.ListIdentityProviders(rq.ctx)
	if err != nil {
		return nil, err
	}
	out := make([]adminapi.IdentityProvider, 0, len(ps))
	for _, p := range ps {
		out = append(out, adminProvider(p))
	}
	return out, nil
}

// adminProvider is what the admin API tells of a provider: all but its
// secret.
func adminProvider(p iam.IdentityProvider) adminapi.IdentityProvider {
	out := adminapi.IdentityProvider{
		Name: p.Name, Kind: string(p.Kind), Status: p.Status, Created: p.Created,
		RoleARN: idp.RoleARN(p.Name), HasSecret: len(p.Sealed) > 0,
	}
	if p.Kind == idp.KindLDAP {
		out.LDAP = adminLDAPProvider(p.Settings)
	}
	if p.Kind == idp.KindOpenID {
		var st openid.Settings
		if json.Unmarshal(p.Settings, &st) == nil {
			out.OpenID = &adminapi.OpenIDProvider{
				ConfigURL: st.ConfigURL, ClientID: st.ClientID, ClaimName: st.ClaimName, RolePolicy: st.RolePolicy,
				Scopes: st.Scopes, ClaimUserinfo: st.ClaimUserinfo, RedirectURI: st.RedirectURI,
			}
		}
	}
	return out
}

// providerAdders add a provider of each kind, as the admin API's
// PUT idp/{kind}/{name} does.
var providerAdders = map[idp.Kind]func(*Server, *request, map[string]string) (any, error){
	idp.KindOpenID: (*Server).adminAddOpenID,
	idp.KindLDAP:   (*Server).adminAddLDAP,
}

func (s *Server) adminAddProvider(rq *request, v map[string]string) (any, error) {
	add, ok := providerAdders[idp.Kind(v["kind"])]
	if !ok {
		return nil, s3err.ErrInvalidArgument.WithMessage("Identity providers of kind %q cannot be added; the kinds are openid and ldap.", v["kind"])
	}
	return add(s, rq, v)
}

// providerOfKind checks that the provider named in the path has the
// path's kind, so that a call never acts on a provider of another kind.
func (s *Server) providerOfKind(rq *request, v map[string]string) error {
	ps, err := s.iam.ListIdentityProviders(rq.ctx)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.Name == v["name"] && string(p.Kind) == v["kind"] {
			return nil
		}
	}
	return iam.ErrNoSuchProvider
}

// adminAddOpenID adds an OpenID Connect provider after reading its
// discovery document, so that a wrong URL is refused now rather than at
// the first login.
func (s *Server) adminAddOpenID(rq *request, v map[string]string) (any, error) {
	var body adminapi.OpenIDProvider
	if err := readAdminJSON(rq, &body); err != nil {
		return nil, err
	}
	st := openid.Settings{
		ConfigURL: body.ConfigURL, ClientID: body.ClientID, ClaimName: body.ClaimName, RolePolicy: body.RolePolicy,
		Scopes: body.Scopes, ClaimUserinfo: body.ClaimUserinfo, RedirectURI: body.RedirectURI,
	}
	if err := st.Check(); err != nil {
		return nil, err
	}
	if err := s.openid.Discover(rq.ctx, st); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	p := iam.IdentityProvider{Name: v["name"], Kind: idp.KindOpenID, Settings: raw}
	if err := s.iam.PutIdentityProvider(rq.ctx, p, body.ClientSecret, false); err != nil {
		return nil, err
	}
	return adminapi.IdentityProvider{Name: p.Name, Kind: string(p.Kind), Status: iam.StatusEnabled, RoleARN: idp.RoleARN(p.Name)}, nil
}

func (s *Server) adminRemoveProvider(rq *request, v map[string]string) (any, error) {
	if err := s.providerOfKind(rq, v); err != nil {
		return nil, err
	}
	return nil, s.iam.RemoveIdentityProvider(rq.ctx, v["name"])
}

func (s *Server) adminSetProviderStatus(rq *request, v map[string]string) (any, error) {
	var body adminapi.ProviderStatus
	if err := readAdminJSON(rq, &body); err != nil {
		return nil, err
	}
	if err := s.providerOfKind(rq, v); err != nil {
		return nil, err
	}
	return nil, s.iam.SetIdentityProviderStatus(rq.ctx, v["name"], body.Status)
}

// providerAdminError maps the errors of identity provider calls.
func providerAdminError(err error) (error, bool) {
	switch {
	case errors.Is(err, iam.ErrNoSuchProvider):
		return s3err.ErrNoSuchKey.WithMessage("%v", err), true
	case errors.Is(err, iam.ErrProviderExists):
		return s3err.ErrBucketAlreadyExists.WithMessage("%v", err), true
	}
	return nil, false
}
