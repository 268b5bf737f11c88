package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/internal/kms"
	"github.com/kurastore/kura/internal/notify"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/adminapi"
	"github.com/kurastore/kura/wire/policy"
)

// AdminPrefix is where the admin API lives. A bucket name cannot start
// with '.', so no bucket can shadow it.
const AdminPrefix = adminapi.Prefix

// maxAdminBody bounds an admin request body (a policy is at most 20 KiB).
const maxAdminBody = 64 << 10

// adminRoute is one admin API call: method and path pattern, with {name}
// segments bound to request values.
type adminRoute struct {
	method  string
	pattern []string
	// action is the IAM action a non-root caller's policies must allow.
	action  string
	handler func(*Server, *request, map[string]string) (any, error)
}

var adminRoutes = []adminRoute{
	{http.MethodGet, []string{"users"}, "admin:ListUsers", (*Server).adminListUsers},
	{http.MethodPut, []string{"users", "{user}"}, "admin:CreateUser", (*Server).adminAddUser},
	{http.MethodDelete, []string{"users", "{user}"}, "admin:DeleteUser", (*Server).adminRemoveUser},
	{http.MethodPut, []string{"users", "{user}", "status"}, "admin:EnableUser", (*Server).adminSetUserStatus},
	{http.MethodPut, []string{"users", "{user}", "email"}, "admin:CreateUser", (*Server).adminSetUserEmail},
	{http.MethodPost, []string{"users", "{user}", "service-accounts"}, "admin:CreateServiceAccount", (*Server).adminAddServiceAccount},
	{http.MethodPost, []string{"ldap", "service-accounts"}, "admin:CreateServiceAccount", (*Server).adminAddLDAPServiceAccount},
	{http.MethodGet, []string{"service-accounts"}, "admin:ListServiceAccounts", (*Server).adminListServiceAccounts},
	{http.MethodDelete, []string{"service-accounts", "{key}"}, "admin:RemoveServiceAccount", (*Server).adminRemoveServiceAccount},
	{http.MethodGet, []string{"policies"}, "admin:ListUserPolicies", (*Server).adminListPolicies},
	{http.MethodGet, []string{"policies", "{policy}"}, "admin:ListUserPolicies", (*Server).adminGetPolicy},
	{http.MethodPut, []string{"policies", "{policy}"}, "admin:CreatePolicy", (*Server).adminPutPolicy},
	{http.MethodDelete, []string{"policies", "{policy}"}, "admin:DeletePolicy", (*Server).adminDeletePolicy},
	{http.MethodPost, []string{"policies", "{policy}", "attach"}, "admin:AttachUserOrGroupPolicy", (*Server).adminAttach},
	{http.MethodPost, []string{"policies", "{policy}", "detach"}, "admin:AttachUserOrGroupPolicy", (*Server).adminDetach},
	{http.MethodGet, []string{"ldap", "policies"}, "admin:ListUserPolicies", (*Server).adminListLDAPPolicies},
	{http.MethodGet, []string{"groups"}, "admin:ListGroups", (*Server).adminListGroups},
	{http.MethodPost, []string{"groups", "{group}", "members"}, "admin:AddUserToGroup", (*Server).adminAddMembers},
	{http.MethodDelete, []string{"groups", "{group}", "members"}, "admin:RemoveUserFromGroup", (*Server).adminRemoveMembers},
	{http.MethodDelete, []string{"groups", "{group}"}, "admin:RemoveUserFromGroup", (*Server).adminRemoveGroup},
	{http.MethodGet, []string{"info"}, "admin:ServerInfo", (*Server).adminInfo},
	{http.MethodGet, []string{"kms", "keys"}, "admin:KMSKeyStatus", (*Server).adminListKeys},
	{http.MethodPut, []string{"kms", "keys", "{key}"}, "admin:KMSCreateKey", (*Server).adminCreateKey},
	{http.MethodPost, []string{"scrub"}, "admin:Heal", (*Server).adminScrub},
	{http.MethodGet, []string{"debug", "pprof", "{profile}"}, "admin:Profiling", (*Server).adminProfile},
	{http.MethodGet, []string{"notify", "targets"}, "admin:ServerInfo", (*Server).adminNotifyTargets},
	{http.MethodPut, []string{"notify", "targets", "{type}", "{name}"}, "admin:ConfigUpdate", (*Server).adminAddNotifyTarget},
	{http.MethodDelete, []string{"notify", "targets", "{type}", "{name}"}, "admin:ConfigUpdate", (*Server).adminRemoveNotifyTarget},
	{http.MethodGet, []string{"lifecycle", "status"}, "admin:ServerInfo", (*Server).adminLifecycleStatus},
	{http.MethodGet, []string{"tiers"}, "admin:ServerInfo", (*Server).adminListTiers},
	{http.MethodGet, []string{"tiers", "status"}, "admin:ServerInfo", (*Server).adminTierStatus},
	{http.MethodPut, []string{"tiers", "{name}"}, "admin:ConfigUpdate", (*Server).adminAddTier},
	{http.MethodDelete, []string{"tiers", "{name}"}, "admin:ConfigUpdate", (*Server).adminRemoveTier},
	{http.MethodGet, []string{"replication", "targets", "{bucket}"}, "admin:GetBucketTarget", (*Server).adminListReplicationTargets},
	{http.MethodPut, []string{"replication", "targets", "{bucket}"}, "admin:SetBucketTarget", (*Server).adminAddReplicationTarget},
	{http.MethodDelete, []string{"replication", "targets", "{bucket}"}, "admin:SetBucketTarget", (*Server).adminRemoveReplicationTarget},
	{http.MethodGet, []string{"replication", "status", "{bucket}"}, "admin:GetBucketTarget", (*Server).adminReplicationStatus},
	{http.MethodPost, []string{"replication", "resync", "{bucket}"}, "admin:SetBucketTarget", (*Server).adminReplicationResync},
	{http.MethodPost, []string{"metrics", "token"}, metricsAction, (*Server).adminMetricsToken},
	{http.MethodGet, []string{"usage"}, usageAction, (*Server).adminUsage},
	{http.MethodGet, []string{"idp"}, idpAction, (*Server).adminListProviders},
	{http.MethodPut, []string{"idp", "{kind}", "{name}"}, idpAction, (*Server).adminAddProvider},
	{http.MethodDelete, []string{"idp", "{kind}", "{name}"}, idpAction, (*Server).adminRemoveProvider},
	{http.MethodPut, []string{"idp", "{kind}", "{name}", "status"}, idpAction, (*Server).adminSetProviderStatus},
}

func matchAdmin(method, path string) (adminRoute, map[string]string, bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	for _, r := range adminRoutes {
		if r.method != method || len(r.pattern) != len(parts) {
			continue
		}
		vars := map[string]string{}
		ok := true
		for i, p := range r.pattern {
			switch {
			case strings.HasPrefix(p, "{"):
				vars[strings.Trim(p, "{}")] = parts[i]
			case p != parts[i]:
				ok = false
			}
		}
		if ok {
			return r, vars, true
		}
	}
	return adminRoute{}, nil, false
}

// serveAdmin answers the admin API: JSON in and out, SigV4-signed, for
// root and for users whose policies allow the call's admin action. A
// handler's answer is an adminapi type (or an http.Handler), never a
// stored record.
func (s *Server) serveAdmin(w http.ResponseWriter, rq *request) {
	if s.iam == nil {
		s.writeError(w, rq, s3err.ErrNotImplemented.WithMessage("The admin API needs the IAM store."))
		return
	}
	route, vars, ok := matchAdmin(rq.http.Method, strings.TrimPrefix(rq.http.URL.Path, AdminPrefix))
	if ok {
		rq.obs.setAPI(route.action)
	}
	if !ok {
		s.writeError(w, rq, s3err.ErrMethodNotAllowed.WithMessage("Unknown admin API call."))
		return
	}
	if err := s.authenticate(rq); err != nil {
		s.writeError(w, rq, err)
		return
	}
	if err := s.checkSignedRegion(rq, rq.signedV4); err != nil { // no bucket: the server's region
		s.writeError(w, rq, err)
		return
	}
	if !s.adminAllowed(rq, route.action, vars) {
		s.writeError(w, rq, s3err.ErrAccessDenied)
		return
	}
	out, err := route.handler(s, rq, vars)
	if err != nil {
		s.writeError(w, rq, adminError(err))
		return
	}
	if h, ok := out.(http.Handler); ok {
		h.ServeHTTP(w, rq.http)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if out == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	_ = json.NewEncoder(w).Encode(out)
}

// adminAllowed: root may do anything; another caller needs an identity
// policy allowing the action, and may create service accounts only for
// the user it acts for (iam.Store.MayCreateServiceAccountFor), so that
// no admin power reaches further than the caller. The service account
// calls that name their owner in the body or the record check it
// themselves (adminsvcacct.go).
func (s *Server) adminAllowed(rq *request, action string, vars map[string]string) bool {
	id := rq.identity
	user, forUser := vars["user"]
	switch {
	case id == nil:
		return false
	case id.Root:
		return true
	case action == "admin:CreateServiceAccount" && forUser && !s.iam.MayCreateServiceAccountFor(id, iam.Owner{User: user}):
		return false
	}
	req := policy.Request{Action: action, Resource: "arn:aws:s3:::*", Principal: id.Username, Username: id.Username, Conditions: s.conditionKeys(rq)}
	return policy.Narrow(policy.EvaluateAll(req, id.Policies, nil), id.Session, req)
}

// adminError maps IAM errors to S3-style errors.
func adminError(err error) error {
	switch {
	case errors.Is(err, iam.ErrNoSuchUser), errors.Is(err, iam.ErrNoSuchGroup), errors.Is(err, iam.ErrNoSuchPolicy):
		return s3err.ErrNoSuchKey.WithMessage("%v", err)
	case errors.Is(err, iam.ErrUserExists), errors.Is(err, iam.ErrPolicyInUse):
		return s3err.ErrBucketAlreadyExists.WithMessage("%v", err)
	case errors.Is(err, kms.ErrKeyExists):
		return s3err.ErrBucketAlreadyExists.WithMessage("%v", err)
	case errors.Is(err, kms.ErrInvalidKeyID):
		return s3err.ErrInvalidArgument.WithMessage("%v", err)
	case errors.Is(err, iam.ErrRootReserved), errors.Is(err, iam.ErrNotServiceAccount):
		return s3err.ErrInvalidArgument.WithMessage("%v", err)
	case errors.Is(err, notify.ErrNoSuchTarget):
		return s3err.ErrNoSuchKey.WithMessage("%v", err)
	case errors.Is(err, notify.ErrTargetExists):
		return s3err.ErrBucketAlreadyExists.WithMessage("%v", err)
	}
	if mapped, ok := providerAdminError(err); ok {
		return mapped
	}
	if mapped, ok := tierAdminError(err); ok {
		return mapped
	}
	if mapped, ok := replicationAdminError(err); ok {
		return mapped
	}
	return err
}

func readAdminJSON(rq *request, v any) error {
	data, err := readBounded(rq, maxAdminBody)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return s3err.ErrMalformedXML.WithMessage("The request body is not valid JSON: %v", err)
	}
	return nil
}

func (s *Server) adminListUsers(rq *request, _ map[string]string) (any, error) {
	users, err := s.iam.ListUsers(rq.ctx)
	if err != nil {
		return nil, err
	}
	out := make([]adminapi.User, len(users))
	for i, u := range users {
		out[i] = adminUser(u)
	}
	return out, nil
}

// adminUser is what the admin API tells of a stored user: everything but
// its sealed secret. A service account's parent and canonical ID are its
// owner's: a user's access key, or an LDAP user's DN.
func adminUser(u iam.User) adminapi.User {
	out := adminapi.User{
		AccessKey:     u.AccessKey,
		CanonicalID:   iam.CanonicalID(u.AccessKey),
		Email:         u.Email,
		Status:        u.Status,
		Policies:      u.Policies,
		Groups:        u.Groups,
		SessionPolicy: u.SessionPolicy,
		Expiration:    u.Expiration,
		Created:       u.Created,
	}
	if o, ok := u.Owner(); ok {
		out.Parent, out.CanonicalID = o.User, iam.CanonicalID(o.User)
		if o.LDAP != nil {
			out.Parent, out.LDAPProvider = o.LDAP.DN, o.LDAP.Provider
			out.CanonicalID = iam.FederatedCanonicalID(idp.KindLDAP, o.LDAP.Provider, o.LDAP.DN)
		}
	}
	return out
}

func (s *Server) adminAddUser(rq *request, v map[string]string) (any, error) {
	var body adminapi.AddUser
	if err := readAdminJSON(rq, &body); err != nil {
		return nil, err
	}
	if err := s.iam.AddUser(rq.ctx, v["user"], body.SecretKey); err != nil || body.Email == "" {
		return nil, err
	}
	return nil, s.iam.SetUserEmail(rq.ctx, v["user"], body.Email)
}

func (s *Server) adminSetUserEmail(rq *request, v map[string]string) (any, error) {
	var body adminapi.UserEmail
	if err := readAdminJSON(rq, &body); err != nil {
		return nil, err
	}
	return nil, s.iam.SetUserEmail(rq.ctx, v["user"], body.Email)
}

func (s *Server) adminRemoveUser(rq *request, v map[string]string) (any, error) {
	return nil, s.iam.RemoveUser(rq.ctx, v["user"])
}

func (s *Server) adminSetUserStatus(rq *request, v map[string]string) (any, error) {
	var body adminapi.UserStatus
	if err := readAdminJSON(rq, &body); err != nil {
		return nil, err
	}
	return nil, s.iam.SetUserStatus(rq.ctx, v["user"], body.Status)
}

func (s *Server) adminAddServiceAccount(rq *request, v map[string]string) (any, error) {
	var body adminapi.ServiceAccount
	if err := readAdminJSON(rq, &body); err != nil {
		return nil, err
	}
	creds, err := s.iam.AddServiceAccount(rq.ctx, v["user"], body.Policy)
	if err != nil {
		return nil, err
	}
	return adminCredentials(creds), nil
}

// adminCredentials hands new keys to the caller that asked for them.
func adminCredentials(c auth.Credentials) adminapi.Credentials {
	return adminapi.Credentials{AccessKey: c.AccessKey, SecretKey: c.SecretKey}
}

func (s *Server) adminListPolicies(rq *request, _ map[string]string) (any, error) {
	return s.iam.ListPolicies(rq.ctx)
}

// adminGetPolicy answers a policy's JSON document as it is.
func (s *Server) adminGetPolicy(rq *request, v map[string]string) (any, error) {
	doc, err := s.iam.PolicyDocument(rq.ctx, v["policy"])
	if err != nil {
		return nil, err
	}
	return json.RawMessage(doc), nil
}

func (s *Server) adminPutPolicy(rq *request, v map[string]string) (any, error) {
	data, err := readBounded(rq, maxAdminBody)
	if err != nil {
		return nil, err
	}
	return nil, s.iam.PutPolicy(rq.ctx, v["policy"], data)
}

func (s *Server) adminDeletePolicy(rq *request, v map[string]string) (any, error) {
	return nil, s.iam.DeletePolicy(rq.ctx, v["policy"])
}

func (s *Server) readAttachment(rq *request) (adminapi.Attachment, error) {
	var a adminapi.Attachment
	if err := readAdminJSON(rq, &a); err != nil {
		return a, err
	}
	named := 0
	for _, v := range []string{a.User, a.Group, a.LDAPUser, a.LDAPGroup} {
		if v != "" {
			named++
		}
	}
	if named != 1 {
		return a, s3err.ErrInvalidArgument.WithMessage("Name exactly one of user, group, LDAP user and LDAP group.")
	}
	return a, nil
}

func (s *Server) adminAttach(rq *request, v map[string]string) (any, error) {
	a, err := s.readAttachment(rq)
	if err != nil {
		return nil, err
	}
	if kind, dn, ok := ldapAttachment(a); ok {
		return nil, s.iam.AttachLDAPPolicy(rq.ctx, v["policy"], kind, dn)
	}
	return nil, s.iam.AttachPolicy(rq.ctx, v["policy"], a.User, a.Group)
}

func (s *Server) adminDetach(rq *request, v map[string]string) (any, error) {
	a, err := s.readAttachment(rq)
	if err != nil {
		return nil, err
	}
	if kind, dn, ok := ldapAttachment(a); ok {
		return nil, s.iam.DetachLDAPPolicy(rq.ctx, v["policy"], kind, dn)
	}
	return nil, s.iam.DetachPolicy(rq.ctx, v["policy"], a.User, a.Group)
}

func (s *Server) adminListGroups(rq *request, _ map[string]string) (any, error) {
	groups, err := s.iam.ListGroups(rq.ctx)
	if err != nil {
		return nil, err
	}
	out := make([]adminapi.Group, len(groups))
	for i, g := range groups {
		out[i] = adminapi.Group{Name: g.Name, Members: g.Members, Policies: g.Policies, Status: g.Status}
	}
	return out, nil
}

func (s *Server) adminAddMembers(rq *request, v map[string]string) (any, error) {
	var body adminapi.Members
	if err := readAdminJSON(rq, &body); err != nil {
		return nil, err
	}
	return nil, s.iam.AddGroupMembers(rq.ctx, v["group"], body.Members...)
}

func (s *Server) adminRemoveMembers(rq *request, v map[string]string) (any, error) {
	var body adminapi.Members
	if err := readAdminJSON(rq, &body); err != nil {
		return nil, err
	}
	return nil, s.iam.RemoveGroupMembers(rq.ctx, v["group"], body.Members...)
}

// adminRemoveGroup deletes a group; its members stay, outside it.
func (s *Server) adminRemoveGroup(rq *request, v map[string]string) (any, error) {
	return nil, s.iam.RemoveGroup(rq.ctx, v["group"])
}

func (s *Server) adminInfo(rq *request, _ map[string]string) (any, error) {
	buckets, err := s.objects.ListBuckets(rq.ctx)
	if err != nil {
		return nil, err
	}
	return adminapi.ServerInfo{Version: s.version, Region: s.region, Buckets: len(buckets)}, nil
}

func (s *Server) adminKMS() (kms.KMS, error) {
	if s.kms == nil {
		return nil, s3err.ErrKMSNotConfigured
	}
	return s.kms, nil
}

func (s *Server) adminListKeys(rq *request, _ map[string]string) (any, error) {
	k, err := s.adminKMS()
	if err != nil {
		return nil, err
	}
	ids, err := k.Keys(rq.ctx)
	if err != nil {
		return nil, err
	}
	return adminapi.KMSKeys{Default: k.DefaultKey(), Keys: ids}, nil
}

func (s *Server) adminCreateKey(rq *request, v map[string]string) (any, error) {
	k, err := s.adminKMS()
	if err != nil {
		return nil, err
	}
	return nil, k.CreateKey(rq.ctx, v["key"])
}

// adminScrub verifies every stored object (object.Layer.Scrub) and
// answers with what it found.
func (s *Server) adminScrub(rq *request, _ map[string]string) (any, error) {
	rep := adminapi.ScrubReport{Damaged: []string{}}
	st, err := s.objects.Scrub(rq.ctx, func(d object.Damage) { rep.Damaged = append(rep.Damaged, d.String()) })
	if err != nil {
		return nil, err
	}
	rep.Records, rep.Inline, rep.Blobs, rep.Bytes, rep.Orphans = st.Records, st.Inline, st.Blobs, st.Bytes, st.Orphans
	return rep, nil
}
