package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/wire/policy"
)

// The identity pages: users, groups, policies and service accounts,
// each change one admin API call signed as the logged-in identity. An
// identity without the admin action sees the API's refusal on the page.

func (s *Server) iamRoutes() {
	s.mux.HandleFunc("GET /iam/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/iam/users", http.StatusSeeOther)
	})
	s.mux.HandleFunc("GET /iam/users", s.withAdmin(s.usersPage))
	s.mux.HandleFunc("POST /iam/users", s.withAdmin(s.createUser))
	s.mux.HandleFunc("POST /iam/users/{user}/status", s.withAdmin(s.setUserStatus))
	s.mux.HandleFunc("POST /iam/users/{user}/delete", s.withAdmin(s.deleteUser))
	s.mux.HandleFunc("POST /iam/users/{user}/attach", s.withAdmin(s.attachToUser))
	s.mux.HandleFunc("POST /iam/users/{user}/detach", s.withAdmin(s.detachFromUser))

	s.mux.HandleFunc("GET /iam/groups", s.withAdmin(s.groupsPage))
	s.mux.HandleFunc("POST /iam/groups", s.withAdmin(s.createGroup))
	s.mux.HandleFunc("POST /iam/groups/{group}/members", s.withAdmin(s.addMember))
	s.mux.HandleFunc("POST /iam/groups/{group}/members/remove", s.withAdmin(s.removeMember))
	s.mux.HandleFunc("POST /iam/groups/{group}/attach", s.withAdmin(s.attachToGroup))
	s.mux.HandleFunc("POST /iam/groups/{group}/detach", s.withAdmin(s.detachFromGroup))
	s.mux.HandleFunc("POST /iam/groups/{group}/delete", s.withAdmin(s.deleteGroup))

	s.mux.HandleFunc("GET /iam/policies", s.withAdmin(s.policiesPage))
	s.mux.HandleFunc("POST /iam/policies", s.withAdmin(s.createPolicy))
	s.mux.HandleFunc("GET /iam/policies/{policy}", s.withAdmin(s.policyPage))
	s.mux.HandleFunc("POST /iam/policies/{policy}/delete", s.withAdmin(s.deletePolicy))

	s.mux.HandleFunc("GET /iam/service-accounts", s.withAdmin(s.serviceAccountsPage))
	s.mux.HandleFunc("POST /iam/service-accounts", s.withAdmin(s.createServiceAccount))
	s.mux.HandleFunc("POST /iam/service-accounts/{key}/delete", s.withAdmin(s.deleteServiceAccount))
}

// noAdmin is what the identity pages say when the console was started
// without an admin client.
const noAdmin = "The admin API is not available to the console."

// withAdmin is withSession for pages that need the session's admin
// client: without one, the page says so instead.
func (s *Server) withAdmin(h sessionHandler) http.HandlerFunc {
	return s.withSession(func(w http.ResponseWriter, r *http.Request, sess *session) {
		if sess.admin == nil {
			s.render(w, http.StatusOK, "error", sess, page{Title: "Identities", Error: noAdmin})
			return
		}
		h(w, r, sess)
	})
}

// done ends a change: a notice on success, the API's refusal otherwise,
// shown by the page back.
func done(w http.ResponseWriter, r *http.Request, sess *session, back string, err error, doing, notice string) {
	if err != nil {
		sess.setError(doing + ": " + describe(err))
	} else {
		sess.setNotice(notice)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// usersData is the users page: users (not service accounts), and the
// policies that may be attached (empty when the identity may not list
// them).
type usersData struct {
	Users    []admin.User
	Policies []string
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, sess *session) {
	p := page{Title: "Users"}
	sess.takeFlash(&p)
	ctx, cancel := requestContext(r)
	defer cancel()
	var data usersData
	users, err := sess.admin.ListUsers(ctx)
	if err != nil {
		p.Error = joinErrors(p.Error, "Listing users: "+describe(err))
	}
	for _, u := range users {
		if u.Parent == "" {
			data.Users = append(data.Users, u)
		}
	}
	slices.SortFunc(data.Users, func(a, b admin.User) int { return strings.Compare(a.AccessKey, b.AccessKey) })
	data.Policies, _ = sess.admin.ListPolicies(ctx) // the attach form takes a typed name too
	p.Data = data
	s.render(w, http.StatusOK, "iam_users", sess, p)
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, sess *session) {
	user := strings.TrimSpace(r.PostFormValue("accessKey"))
	ctx, cancel := requestContext(r)
	defer cancel()
	err := sess.admin.AddUser(ctx, user, r.PostFormValue("secretKey"))
	if err == nil {
		if pol := strings.TrimSpace(r.PostFormValue("policy")); pol != "" {
			if err = sess.admin.AttachPolicy(ctx, pol, user, ""); err != nil {
				done(w, r, sess, "/iam/users", err, "User "+user+" was created, but attaching policy "+pol+" failed", "")
				return
			}
		}
	}
	done(w, r, sess, "/iam/users", err, "Creating user "+user, "Created user "+user+".")
}

func (s *Server) setUserStatus(w http.ResponseWriter, r *http.Request, sess *session) {
	user, status := r.PathValue("user"), r.PostFormValue("status")
	ctx, cancel := requestContext(r)
	defer cancel()
	err := sess.admin.SetUserStatus(ctx, user, status)
	done(w, r, sess, "/iam/users", err, "Setting user "+user+" "+status, "User "+user+" is "+status+".")
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, sess *session) {
	user := r.PathValue("user")
	ctx, cancel := requestContext(r)
	defer cancel()
	err := sess.admin.RemoveUser(ctx, user)
	done(w, r, sess, "/iam/users", err, "Deleting user "+user, "Deleted user "+user+" and its service accounts.")
}

func (s *Server) attachToUser(w http.ResponseWriter, r *http.Request, sess *session) {
	s.attachment(w, r, sess, r.PathValue("user"), "", true)
}

func (s *Server) detachFromUser(w http.ResponseWriter, r *http.Request, sess *session) {
	s.attachment(w, r, sess, r.PathValue("user"), "", false)
}

func (s *Server) attachToGroup(w http.ResponseWriter, r *http.Request, sess *session) {
	s.attachment(w, r, sess, "", r.PathValue("group"), true)
}

func (s *Server) detachFromGroup(w http.ResponseWriter, r *http.Request, sess *session) {
	s.attachment(w, r, sess, "", r.PathValue("group"), false)
}

// attachment attaches the form's policy to, or detaches it from, a user
// or (user "") a group.
func (s *Server) attachment(w http.ResponseWriter, r *http.Request, sess *session, user, group string, attach bool) {
	pol := strings.TrimSpace(r.PostFormValue("policy"))
	who, back := "user "+user, "/iam/users"
	if group != "" {
		who, back = "group "+group, "/iam/groups"
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	if attach {
		err := sess.admin.AttachPolicy(ctx, pol, user, group)
		done(w, r, sess, back, err, "Attaching policy "+pol+" to "+who, "Attached policy "+pol+" to "+who+".")
		return
	}
	err := sess.admin.DetachPolicy(ctx, pol, user, group)
	done(w, r, sess, back, err, "Detaching policy "+pol+" from "+who, "Detached policy "+pol+" from "+who+".")
}

type groupsData struct {
	Groups   []admin.Group
	Policies []string
}

func (s *Server) groupsPage(w http.ResponseWriter, r *http.Request, sess *session) {
	p := page{Title: "Groups"}
	sess.takeFlash(&p)
	ctx, cancel := requestContext(r)
	defer cancel()
	var data groupsData
	groups, err := sess.admin.ListGroups(ctx)
	if err != nil {
		p.Error = joinErrors(p.Error, "Listing groups: "+describe(err))
	}
	slices.SortFunc(groups, func(a, b admin.Group) int { return strings.Compare(a.Name, b.Name) })
	data.Groups = groups
	data.Policies, _ = sess.admin.ListPolicies(ctx)
	p.Data = data
	s.render(w, http.StatusOK, "iam_groups", sess, p)
}

// members are the access keys of a form field, separated by commas or
// spaces.
func members(field string) []string {
	return strings.FieldsFunc(field, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request, sess *session) {
	group := strings.TrimSpace(r.PostFormValue("name"))
	ctx, cancel := requestContext(r)
	defer cancel()
	err := sess.admin.AddGroupMembers(ctx, group, members(r.PostFormValue("members"))...)
	done(w, r, sess, "/iam/groups", err, "Creating group "+group, "Created group "+group+".")
}

func (s *Server) addMember(w http.ResponseWriter, r *http.Request, sess *session) {
	group, ms := r.PathValue("group"), members(r.PostFormValue("member"))
	ctx, cancel := requestContext(r)
	defer cancel()
	err := sess.admin.AddGroupMembers(ctx, group, ms...)
	done(w, r, sess, "/iam/groups", err, "Adding to group "+group, "Added "+strings.Join(ms, ", ")+" to group "+group+".")
}

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, sess *session) {
	group, member := r.PathValue("group"), r.PostFormValue("member")
	ctx, cancel := requestContext(r)
	defer cancel()
	err := sess.admin.RemoveGroupMembers(ctx, group, member)
	done(w, r, sess, "/iam/groups", err, "Removing "+member+" from group "+group, "Removed "+member+" from group "+group+".")
}

func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request, sess *session) {
	group := r.PathValue("group")
	ctx, cancel := requestContext(r)
	defer cancel()
	err := sess.admin.RemoveGroup(ctx, group)
	done(w, r, sess, "/iam/groups", err, "Deleting group "+group, "Deleted group "+group+".")
}

// policiesData is the policies page; Name and Document refill the form
// after a refused policy.
type policiesData struct {
	Policies []string
	Name     string
	Document string
}

// policyTemplate fills the new policy's text area.
const policyTemplate = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::BUCKET/*"]}
  ]
}`

func (s *Server) policiesPage(w http.ResponseWriter, r *http.Request, sess *session) {
	p := page{Title: "Policies"}
	sess.takeFlash(&p)
	s.renderPolicies(w, r, sess, http.StatusOK, p, policiesData{Document: policyTemplate})
}

func (s *Server) renderPolicies(w http.ResponseWriter, r *http.Request, sess *session, status int, p page, data policiesData) {
	ctx, cancel := requestContext(r)
	defer cancel()
	names, err := sess.admin.ListPolicies(ctx)
	if err != nil {
		p.Error = joinErrors(p.Error, "Listing policies: "+describe(err))
	}
	data.Policies = names
	p.Title, p.Data = "Policies", data
	s.render(w, status, "iam_policies", sess, p)
}

// checkPolicy validates an identity policy document as the server will,
// so that a mistake is shown with the document still in the form.
func checkPolicy(doc []byte) error {
	p, err := policy.Parse(doc)
	if err != nil {
		return err
	}
	return p.Validate()
}

func (s *Server) createPolicy(w http.ResponseWriter, r *http.Request, sess *session) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	doc := r.PostFormValue("document")
	data := policiesData{Name: name, Document: doc}
	if err := checkPolicy([]byte(doc)); err != nil {
		s.renderPolicies(w, r, sess, http.StatusBadRequest, page{Error: "Policy " + name + " is not valid: " + describe(err)}, data)
		return
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	if err := sess.admin.PutPolicy(ctx, name, []byte(doc)); err != nil {
		s.renderPolicies(w, r, sess, http.StatusBadRequest, page{Error: "Creating policy " + name + ": " + describe(err)}, data)
		return
	}
	sess.setNotice("Created policy " + name + ".")
	http.Redirect(w, r, "/iam/policies/"+url.PathEscape(name), http.StatusSeeOther)
}

type policyData struct {
	Name     string
	Document string
}

func (s *Server) policyPage(w http.ResponseWriter, r *http.Request, sess *session) {
	name := r.PathValue("policy")
	p := page{Title: "Policy " + name}
	sess.takeFlash(&p)
	ctx, cancel := requestContext(r)
	defer cancel()
	doc, err := sess.admin.Policy(ctx, name)
	if err != nil {
		p.Error = joinErrors(p.Error, "Reading policy "+name+": "+describe(err))
	}
	p.Data = policyData{Name: name, Document: indentJSON(string(doc))}
	s.render(w, http.StatusOK, "iam_policy", sess, p)
}

func (s *Server) deletePolicy(w http.ResponseWriter, r *http.Request, sess *session) {
	name := r.PathValue("policy")
	ctx, cancel := requestContext(r)
	defer cancel()
	err := sess.admin.DeletePolicy(ctx, name)
	done(w, r, sess, "/iam/policies", err, "Deleting policy "+name, "Deleted policy "+name+".")
}

// serviceAccountsData lists the service accounts of User.
type serviceAccountsData struct {
	User     string
	Accounts []admin.User
	// Created holds the keys just made: the secret is shown this once.
	Created *admin.Credentials
}

// accountsOwner is the user whose service accounts a page shows: the
// one asked for, or the logged-in identity's.
func accountsOwner(r *http.Request, sess *session) string {
	if u := strings.TrimSpace(r.FormValue("user")); u != "" {
		return u
	}
	return sess.accessKey
}

func (s *Server) serviceAccountsPage(w http.ResponseWriter, r *http.Request, sess *session) {
	p := page{Title: "Service accounts"}
	sess.takeFlash(&p)
	s.renderServiceAccounts(w, r, sess, p, serviceAccountsData{User: accountsOwner(r, sess)})
}

func (s *Server) renderServiceAccounts(w http.ResponseWriter, r *http.Request, sess *session, p page, data serviceAccountsData) {
	ctx, cancel := requestContext(r)
	defer cancel()
	users, err := sess.admin.ListUsers(ctx)
	if err != nil {
		p.Error = joinErrors(p.Error, "Listing service accounts: "+describe(err))
	}
	for _, u := range users {
		if u.Parent == data.User {
			data.Accounts = append(data.Accounts, u)
		}
	}
	p.Title, p.Data = "Service accounts", data
	s.render(w, http.StatusOK, "iam_service_accounts", sess, p)
}

func (s *Server) createServiceAccount(w http.ResponseWriter, r *http.Request, sess *session) {
	user := accountsOwner(r, sess)
	doc := []byte(strings.TrimSpace(r.PostFormValue("policy")))
	if len(doc) > 0 {
		if err := checkPolicy(doc); err != nil {
			s.renderServiceAccounts(w, r, sess, page{Error: "The policy is not valid: " + describe(err)}, serviceAccountsData{User: user})
			return
		}
	}
	ctx, cancel := requestContext(r)
	defer cancel()
	creds, err := sess.admin.AddServiceAccount(ctx, user, doc)
	if err != nil {
		s.renderServiceAccounts(w, r, sess, page{Error: "Creating a service account for " + user + ": " + describe(err)}, serviceAccountsData{User: user})
		return
	}
	// Rendered, not redirected: the secret is in this answer only, and
	// never kept by the console.
	s.renderServiceAccounts(w, r, sess, page{Notice: "Created service account " + creds.AccessKey + "."},
		serviceAccountsData{User: user, Created: &creds})
}

func (s *Server) deleteServiceAccount(w http.ResponseWriter, r *http.Request, sess *session) {
	key, user := r.PathValue("key"), accountsOwner(r, sess)
	ctx, cancel := requestContext(r)
	defer cancel()
	err := sess.admin.RemoveUser(ctx, key)
	done(w, r, sess, "/iam/service-accounts?user="+url.QueryEscape(user), err, "Deleting service account "+key, "Deleted service account "+key+".")
}
