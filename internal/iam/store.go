package iam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/idp"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/policy"
)

// Sentinel errors.
var (
	ErrNoSuchUser   = errors.New("iam: no such user")
	ErrNoSuchGroup  = errors.New("iam: no such group")
	ErrNoSuchPolicy = errors.New("iam: no such policy")
	ErrUserExists   = errors.New("iam: user exists")
	ErrRootReserved = errors.New("iam: the root access key is reserved")
	ErrPolicyInUse  = errors.New("iam: policy is attached")
)

// User states.
const (
	StatusEnabled  = "enabled"
	StatusDisabled = "disabled"
)

// User is a user, or a service account when Parent is set.
type User struct {
	AccessKey string   `json:"accessKey"`
	Status    string   `json:"status"`
	Policies  []string `json:"policies,omitempty"`
	Groups    []string `json:"groups,omitempty"`
	// Email, optional, names the user in ACL grants by email address.
	Email string `json:"email,omitempty"`
	// Parent is the user a service account acts for; its access is the
	// parent's, narrowed by SessionPolicy when set.
	Parent string `json:"parent,omitempty"`
	// LDAP is set instead of Parent on the service account of an LDAP
	// user (serviceaccount.go).
	LDAP          *LDAPOwner      `json:"ldap,omitempty"`
	SessionPolicy json.RawMessage `json:"sessionPolicy,omitempty"`
	// Expiration is set only on the temporary credentials older versions
	// stored; such records are refused, and removed by AdoptSealKey.
	Expiration time.Time `json:"expiration,omitzero"`
	Created    time.Time `json:"created"`
	// Sealed is the encrypted secret as stored.
	Sealed []byte `json:"secret"`
}

// Group is a named set of users sharing policies.
type Group struct {
	Name     string   `json:"name"`
	Members  []string `json:"members,omitempty"`
	Policies []string `json:"policies,omitempty"`
	Status   string   `json:"status"`
}

// Store keeps the IAM state in a meta.Store.
type Store struct {
	meta meta.Store
	root auth.Credentials
	keys *sealKeys
	now  func() time.Time

	mu    sync.Mutex
	cache map[string]*Identity // by access key; cleared on every change
	// gen counts the clearings of cache. A load keeps its result only if
	// gen has not moved since it began, so an identity read before a
	// change is never cached after the change cleared the cache.
	gen uint64
	// providers caches identity provider configurations (idp.go); it
	// is cleared with cache.
	providers map[string]providerEntry
	// fedPolicies caches the parsed policies of federated sessions by
	// their names (federation.go); it is cleared with cache.
	fedPolicies map[string][]*policy.Policy
	// subjectChecks are the providers' checks of their sessions'
	// subjects by kind, and subjectsPassed when each subject last passed
	// (federation.go); subjectsPassed is cleared with cache.
	subjectChecks  map[idp.Kind]SubjectCheck
	subjectsPassed map[string]subjectEntry
	// afterLoad, when set (by tests), runs between an identity's load and
	// its caching.
	afterLoad func()
}

const (
	prefixUser   = "Iu"
	prefixGroup  = "Ig"
	prefixPolicy = "Ip"
)

func userKey(access string) []byte { return []byte(prefixUser + access) }
func groupKey(name string) []byte  { return []byte(prefixGroup + name) }
func policyKey(name string) []byte { return []byte(prefixPolicy + name) }

func getJSON[T any](r meta.Reader, key []byte, missing error) (T, error) {
	var v T
	data, err := r.Get(key)
	if errors.Is(err, meta.ErrNotFound) {
		return v, missing
	}
	if err != nil {
		return v, err
	}
	return v, json.Unmarshal(data, &v)
}

func setJSON(tx meta.Txn, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Set(key, data)
}

var iamLock = []meta.Lock{{Name: []byte("li/iam")}}

// GenerationKey changes with every IAM change, so that servers sharing
// the metadata store know when to drop their identity caches.
var GenerationKey = meta.GenerationKey("iam")

// update runs fn in one commit, serialized with every other IAM change,
// and drops the identity cache.
func (s *Store) update(ctx context.Context, fn func(tx meta.Txn) error) error {
	err := s.meta.Update(ctx, iamLock, func(tx meta.Txn) error {
		if err := fn(tx); err != nil {
			return err
		}
		return meta.BumpGeneration(tx, GenerationKey)
	})
	s.ForgetCache()
	return err
}

// ForgetCache drops the identity cache: another server changed IAM.
func (s *Store) ForgetCache() {
	s.mu.Lock()
	clear(s.cache)
	clear(s.providers)
	clear(s.fedPolicies)
	clear(s.subjectsPassed)
	s.gen++
	s.mu.Unlock()
}

// AddUser creates a user with readwrite-less access: no policy until one
// is attached.
func (s *Store) AddUser(ctx context.Context, access, secret string) error {
	c := auth.Credentials{AccessKey: access, SecretKey: secret}
	if err := c.Validate(); err != nil {
		return s3err.ErrInvalidArgument.WithMessage("%s.", capitalize(err.Error()))
	}
	if access == s.root.AccessKey {
		return ErrRootReserved
	}
	if IsSessionAccessKey(access) {
		return fmt.Errorf("%w: access keys of the form ASIA followed by 16 letters A-Z and digits 2-7 are those of temporary credentials", s3err.ErrInvalidArgument)
	}
	return s.update(ctx, func(tx meta.Txn) error {
		if _, err := tx.Get(userKey(access)); err == nil {
			return ErrUserExists
		}
		return setJSON(tx, userKey(access), User{AccessKey: access, Status: StatusEnabled, Created: s.now().UTC(), Sealed: s.seal(secret, access)})
	})
}

// User returns a user (without its secret).
func (s *Store) User(ctx context.Context, access string) (User, error) {
	var u User
	err := s.meta.View(ctx, func(r meta.Reader) (err error) {
		u, err = getJSON[User](r, userKey(access), ErrNoSuchUser)
		return err
	})
	u.Sealed = nil
	return u, err
}

// changeUser applies fn to a stored user.
func (s *Store) changeUser(ctx context.Context, access string, fn func(tx meta.Txn, u *User) error) error {
	return s.update(ctx, func(tx meta.Txn) error {
		u, err := getJSON[User](tx, userKey(access), ErrNoSuchUser)
		if err != nil {
			return err
		}
		if err := fn(tx, &u); err != nil {
			return err
		}
		return setJSON(tx, userKey(access), u)
	})
}

// SetUserStatus enables or disables a user; a disabled user is refused at
// once, as are its service accounts.
func (s *Store) SetUserStatus(ctx context.Context, access, status string) error {
	if status != StatusEnabled && status != StatusDisabled {
		return s3err.ErrInvalidArgument.WithMessage("The status must be %q or %q, not %q.", StatusEnabled, StatusDisabled, status)
	}
	return s.changeUser(ctx, access, func(_ meta.Txn, u *User) error { u.Status = status; return nil })
}

// RemoveUser deletes a user, its service accounts and its group
// memberships.
func (s *Store) RemoveUser(ctx context.Context, access string) error {
	return s.update(ctx, func(tx meta.Txn) error {
		u, err := getJSON[User](tx, userKey(access), ErrNoSuchUser)
		if err != nil {
			return err
		}
		for _, g := range u.Groups {
			grp, err := getJSON[Group](tx, groupKey(g), ErrNoSuchGroup)
			if err != nil {
				continue
			}
			grp.Members = slices.DeleteFunc(grp.Members, func(m string) bool { return m == access })
			if err := setJSON(tx, groupKey(g), grp); err != nil {
				return err
			}
		}
		users, err := listJSON[User](tx, prefixUser)
		if err != nil {
			return err
		}
		for _, child := range users {
			if child.Parent == access {
				if err := tx.Delete(userKey(child.AccessKey)); err != nil {
					return err
				}
			}
		}
		return tx.Delete(userKey(access))
	})
}

// keyRange is the key range of one of the IAM prefixes: prefix up to the
// prefix with its last byte raised (IAM prefixes are short ASCII tags).
func keyRange(prefix string) (lower, upper []byte) {
	end := []byte(prefix)
	end[len(end)-1]++
	return []byte(prefix), end
}

func listJSON[T any](r meta.Reader, prefix string) ([]T, error) {
	it, err := r.NewIter(keyRange(prefix))
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []T
	for ok := it.First(); ok; ok = it.Next() {
		val, err := it.Value()
		if err != nil {
			return nil, err
		}
		var v T
		if err := json.Unmarshal(val, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, it.Err()
}

// ListUsers returns every user and service account, without secrets.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	var users []User
	err := s.meta.View(ctx, func(r meta.Reader) (err error) {
		users, err = listJSON[User](r, prefixUser)
		return err
	})
	for i := range users {
		users[i].Sealed = nil
	}
	return users, err
}

// PutPolicy stores a named identity policy after validating it.
func (s *Store) PutPolicy(ctx context.Context, name string, doc []byte) error {
	if err := checkName("policy name", name, "/,"); err != nil {
		return err
	}
	if _, isCanned := canned[name]; isCanned {
		return s3err.ErrInvalidArgument.WithMessage("The policy name %q is a built-in policy's, which cannot be replaced.", name)
	}
	if err := validIdentityPolicy(doc); err != nil {
		return err
	}
	return s.update(ctx, func(tx meta.Txn) error { return tx.Set(policyKey(name), doc) })
}

// validIdentityPolicy parses and checks a policy attached to users,
// groups, service accounts or sessions; a bad one is MalformedPolicy
// naming the problem.
func validIdentityPolicy(doc []byte) error {
	p, err := policy.Parse(doc)
	if err != nil {
		return err
	}
	return p.Validate()
}

// Policy returns a named policy: a built-in one or a stored one.
func (s *Store) Policy(ctx context.Context, name string) (*policy.Policy, error) {
	if p, ok := canned[name]; ok {
		return p, nil
	}
	doc, err := s.storedPolicy(ctx, name)
	if err != nil {
		return nil, err
	}
	return policy.Parse(doc)
}

// storedPolicy reads a stored policy's document; ErrNoSuchPolicy when
// there is none.
func (s *Store) storedPolicy(ctx context.Context, name string) ([]byte, error) {
	var doc []byte
	err := s.meta.View(ctx, func(r meta.Reader) error {
		v, err := r.Get(policyKey(name))
		if errors.Is(err, meta.ErrNotFound) {
			return ErrNoSuchPolicy
		}
		doc = v
		return err
	})
	return doc, err
}

// ListPolicies names the built-in and stored policies.
func (s *Store) ListPolicies(ctx context.Context) ([]string, error) {
	var names []string
	err := s.meta.View(ctx, func(r meta.Reader) error {
		names = make([]string, 0, len(canned)) // a rerun starts again
		for n := range canned {
			names = append(names, n)
		}
		return eachKey(r, prefixPolicy, func(k string) { names = append(names, k) })
	})
	slices.Sort(names)
	return names, err
}

func eachKey(r meta.Reader, prefix string, fn func(string)) error {
	it, err := r.NewIter(keyRange(prefix))
	if err != nil {
		return err
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		fn(string(it.Key()[len(prefix):]))
	}
	return it.Err()
}

// DeletePolicy removes a stored policy that nothing uses.
func (s *Store) DeletePolicy(ctx context.Context, name string) error {
	return s.update(ctx, func(tx meta.Txn) error {
		if _, err := tx.Get(policyKey(name)); errors.Is(err, meta.ErrNotFound) {
			return ErrNoSuchPolicy
		}
		users, err := listJSON[User](tx, prefixUser)
		if err != nil {
			return err
		}
		groups, err := listJSON[Group](tx, prefixGroup)
		if err != nil {
			return err
		}
		for _, u := range users {
			if slices.Contains(u.Policies, name) {
				return ErrPolicyInUse
			}
		}
		for _, g := range groups {
			if slices.Contains(g.Policies, name) {
				return ErrPolicyInUse
			}
		}
		mappings, err := listJSON[LDAPMapping](tx, prefixLDAPMapping)
		if err != nil {
			return err
		}
		for _, m := range mappings {
			if slices.Contains(m.Policies, name) {
				return ErrPolicyInUse
			}
		}
		return tx.Delete(policyKey(name))
	})
}

func (s *Store) policyExists(r meta.Reader, name string) error {
	if _, ok := canned[name]; ok {
		return nil
	}
	if _, err := r.Get(policyKey(name)); errors.Is(err, meta.ErrNotFound) {
		return ErrNoSuchPolicy
	} else if err != nil {
		return err
	}
	return nil
}

// AttachPolicy attaches a policy to a user (group "") or to a group.
func (s *Store) AttachPolicy(ctx context.Context, name, user, group string) error {
	return s.setAttachment(ctx, name, user, group, true)
}

// DetachPolicy undoes AttachPolicy.
func (s *Store) DetachPolicy(ctx context.Context, name, user, group string) error {
	return s.setAttachment(ctx, name, user, group, false)
}

func (s *Store) setAttachment(ctx context.Context, name, user, group string, attach bool) error {
	edit := func(list []string) []string {
		list = slices.DeleteFunc(list, func(p string) bool { return p == name })
		if attach {
			list = append(list, name)
		}
		return list
	}
	return s.update(ctx, func(tx meta.Txn) error {
		if attach {
			if err := s.policyExists(tx, name); err != nil {
				return err
			}
		}
		if group != "" {
			g, err := getJSON[Group](tx, groupKey(group), ErrNoSuchGroup)
			if err != nil {
				return err
			}
			g.Policies = edit(g.Policies)
			return setJSON(tx, groupKey(group), g)
		}
		u, err := getJSON[User](tx, userKey(user), ErrNoSuchUser)
		if err != nil {
			return err
		}
		u.Policies = edit(u.Policies)
		return setJSON(tx, userKey(user), u)
	})
}

// AddGroupMembers creates the group if needed and adds users to it.
func (s *Store) AddGroupMembers(ctx context.Context, group string, members ...string) error {
	if err := checkName("group name", group, ""); err != nil {
		return err
	}
	return s.update(ctx, func(tx meta.Txn) error {
		g, err := getJSON[Group](tx, groupKey(group), ErrNoSuchGroup)
		if errors.Is(err, ErrNoSuchGroup) {
			g, err = Group{Name: group, Status: StatusEnabled}, nil
		}
		if err != nil {
			return err
		}
		for _, m := range members {
			u, err := getJSON[User](tx, userKey(m), ErrNoSuchUser)
			if err != nil {
				return fmt.Errorf("%w: %s", err, m)
			}
			if !slices.Contains(g.Members, m) {
				g.Members = append(g.Members, m)
			}
			if !slices.Contains(u.Groups, group) {
				u.Groups = append(u.Groups, group)
				if err := setJSON(tx, userKey(m), u); err != nil {
					return err
				}
			}
		}
		return setJSON(tx, groupKey(group), g)
	})
}

// RemoveGroupMembers takes users out of a group.
func (s *Store) RemoveGroupMembers(ctx context.Context, group string, members ...string) error {
	return s.update(ctx, func(tx meta.Txn) error {
		g, err := getJSON[Group](tx, groupKey(group), ErrNoSuchGroup)
		if err != nil {
			return err
		}
		for _, m := range members {
			g.Members = slices.DeleteFunc(g.Members, func(x string) bool { return x == m })
			if u, err := getJSON[User](tx, userKey(m), ErrNoSuchUser); err == nil {
				u.Groups = slices.DeleteFunc(u.Groups, func(x string) bool { return x == group })
				if err := setJSON(tx, userKey(m), u); err != nil {
					return err
				}
			}
		}
		return setJSON(tx, groupKey(group), g)
	})
}

// ListGroups returns every group.
func (s *Store) ListGroups(ctx context.Context) ([]Group, error) {
	var groups []Group
	err := s.meta.View(ctx, func(r meta.Reader) (err error) {
		groups, err = listJSON[Group](r, prefixGroup)
		return err
	})
	return groups, err
}

// AddServiceAccount creates access keys that act for parent, narrowed by
// an optional inline policy. It returns the new keys.
func (s *Store) AddServiceAccount(ctx context.Context, parent string, inline []byte) (auth.Credentials, error) {
	return s.addServiceAccount(ctx, User{Parent: parent, SessionPolicy: inline}, func(tx meta.Txn) error {
		if parent == s.root.AccessKey {
			return nil
		}
		p, err := getJSON[User](tx, userKey(parent), ErrNoSuchUser)
		if err != nil {
			return err
		}
		if p.IsServiceAccount() {
			return s3err.ErrInvalidArgument.WithMessage("%q is a service account, and a service account cannot own service accounts.", parent)
		}
		return nil
	})
}

// addServiceAccount stores the service account u (its parent or LDAP
// owner and inline policy set) under new random keys, once check passes
// in the same transaction, and returns the keys.
func (s *Store) addServiceAccount(ctx context.Context, u User, check func(meta.Txn) error) (auth.Credentials, error) {
	if len(u.SessionPolicy) > 0 {
		if err := validIdentityPolicy(u.SessionPolicy); err != nil {
			return auth.Credentials{}, err
		}
	}
	creds := auth.NewRandomCredentials()
	for IsSessionAccessKey(creds.AccessKey) {
		creds = auth.NewRandomCredentials()
	}
	u.AccessKey, u.Status, u.Created = creds.AccessKey, StatusEnabled, s.now().UTC()
	u.Sealed = s.seal(creds.SecretKey, creds.AccessKey)
	err := s.update(ctx, func(tx meta.Txn) error {
		if err := check(tx); err != nil {
			return err
		}
		return setJSON(tx, userKey(creds.AccessKey), u)
	})
	return creds, err
}

// MaxNameLength is the longest policy or group name.
const MaxNameLength = 128

// checkName refuses a policy or group name (what) that is empty, longer
// than MaxNameLength or holds one of the characters forbidden, saying
// which rule it breaks.
func checkName(what, name, forbidden string) error {
	switch n := len(name); {
	case n == 0 || n > MaxNameLength:
		return s3err.ErrInvalidArgument.WithMessage("The %s must be 1 to %d characters long; it has %d.", what, MaxNameLength, n)
	case strings.ContainsAny(name, forbidden):
		quoted := make([]string, 0, len(forbidden))
		for _, c := range forbidden {
			quoted = append(quoted, "'"+string(c)+"'")
		}
		return s3err.ErrInvalidArgument.WithMessage("The %s %q must not contain %s.", what, name, strings.Join(quoted, " or "))
	}
	return nil
}

// capitalize makes a lower-case error message a sentence's start.
func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// PolicyDocument returns a named policy's JSON: a stored policy's as it
// was put, a built-in one's as kura writes it.
func (s *Store) PolicyDocument(ctx context.Context, name string) ([]byte, error) {
	if p, ok := canned[name]; ok {
		return json.Marshal(p)
	}
	return s.storedPolicy(ctx, name)
}

// RemoveGroup deletes a group: its members leave it, and the policies
// attached to it stop applying to them.
func (s *Store) RemoveGroup(ctx context.Context, group string) error {
	return s.update(ctx, func(tx meta.Txn) error {
		g, err := getJSON[Group](tx, groupKey(group), ErrNoSuchGroup)
		if err != nil {
			return err
		}
		for _, m := range g.Members {
			u, err := getJSON[User](tx, userKey(m), ErrNoSuchUser)
			if err != nil {
				continue // removed since; nothing to update
			}
			u.Groups = slices.DeleteFunc(u.Groups, func(x string) bool { return x == group })
			if err := setJSON(tx, userKey(m), u); err != nil {
				return err
			}
		}
		return tx.Delete(groupKey(group))
	})
}
