package ldap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"
)

// Result is what the directory says about a user.
type Result struct {
	// DN is the user's entry.
	DN string
	// Groups are the DNs of the entries the group search found, sorted.
	Groups []string
}

// Attributes that mark an entry disabled; see the package documentation.
const (
	attrUserAccountControl   = "userAccountControl"
	attrPwdAccountLockedTime = "pwdAccountLockedTime"
	// accountDisable is Active Directory's ACCOUNTDISABLE flag in
	// userAccountControl.
	accountDisable = 0x2
)

// groupPageSize keeps each group search page under Active Directory's
// default MaxPageSize of 1000, so members of many groups see them all.
const groupPageSize = 500

// Directory talks to one LDAP directory. It holds no connection, so it is
// safe for concurrent use.
type Directory struct {
	cfg       Config
	tlsConfig *tls.Config
}

// New checks the configuration and returns a Directory for it. It does not
// contact the directory.
func New(cfg Config) (*Directory, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d := &Directory{cfg: cfg}
	if cfg.TLS || cfg.StartTLS {
		d.tlsConfig = newTLSConfig(cfg)
	}
	return d, nil
}

func newTLSConfig(cfg Config) *tls.Config {
	host, _, _ := net.SplitHostPort(cfg.ServerAddr)
	tc := &tls.Config{
		ServerName:         host,
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: cfg.TLSSkipVerify, //nolint:gosec // an explicit, documented test option
	}
	if cfg.RootCAs != "" {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM([]byte(cfg.RootCAs)) // Validate checked it
		tc.RootCAs = pool
	}
	return tc
}

// Authenticate checks username and password against the directory and
// returns the user's DN and groups. A wrong password gives
// ErrInvalidCredentials and an unknown name ErrNoSuchUser; a caller that
// answers clients should not tell the two apart.
func (d *Directory) Authenticate(ctx context.Context, username, password string) (Result, error) {
	if username == "" {
		return Result{}, fmt.Errorf("%w: empty login name", ErrNoSuchUser)
	}
	// An LDAP simple bind with a DN and an empty password is an
	// unauthenticated bind that servers accept: refuse it before any bind.
	if password == "" {
		return Result{}, fmt.Errorf("%w: empty password", ErrInvalidCredentials)
	}
	s, dn, err := d.openFinding(ctx, username)
	if err != nil {
		return Result{}, err
	}
	defer s.close()
	if err := s.userBind(dn, password); err != nil {
		return Result{}, err
	}
	// Back to the lookup account: the user may not be allowed to read
	// groups, and the state read next must be the one after the bind (a
	// successful bind clears an expired password-policy lock).
	if err := s.lookupBind(); err != nil {
		return Result{}, err
	}
	return s.userState(username, dn)
}

// LookupUser reports whether the user still exists and is enabled, with its
// current groups: ErrNoSuchUser when the entry is gone, ErrUserDisabled when
// it is marked disabled. username is the login name the session started
// with; the group filter may use it.
func (d *Directory) LookupUser(ctx context.Context, username, userDN string) (Result, error) {
	if userDN == "" {
		return Result{}, fmt.Errorf("%w: empty DN", ErrNoSuchUser)
	}
	s, err := d.open(ctx)
	if err != nil {
		return Result{}, err
	}
	defer s.close()
	if err := s.lookupBind(); err != nil {
		return Result{}, err
	}
	return s.userState(username, userDN)
}

// LookupLogin finds the user of a login name, as a login does but
// without its password: the entry must be the only one the user search
// finds, and enabled. It returns the entry's DN and groups.
func (d *Directory) LookupLogin(ctx context.Context, username string) (Result, error) {
	if username == "" {
		return Result{}, fmt.Errorf("%w: empty login name", ErrNoSuchUser)
	}
	s, dn, err := d.openFinding(ctx, username)
	if err != nil {
		return Result{}, err
	}
	defer s.close()
	return s.userState(username, dn)
}

// openFinding opens a session bound as the lookup account and finds the
// DN of the login name; on success the caller closes the session.
func (d *Directory) openFinding(ctx context.Context, username string) (*session, string, error) {
	s, err := d.open(ctx)
	if err != nil {
		return nil, "", err
	}
	if err := s.lookupBind(); err != nil {
		s.close()
		return nil, "", err
	}
	dn, err := s.findUser(username)
	if err != nil {
		s.close()
		return nil, "", err
	}
	return s, dn, nil
}

// GroupsNeedLoginName reports whether the group filter uses the login
// name (%s), so that the groups of a user known only by DN cannot be
// found.
func (d *Directory) GroupsNeedLoginName() bool {
	return strings.Contains(d.cfg.GroupSearchFilter, usernamePlaceholder)
}

// userState reads the user's entry, refuses it when disabled, and resolves
// its groups.
func (s *session) userState(username, dn string) (Result, error) {
	entry, err := s.readEntry(dn)
	if err != nil {
		return Result{}, err
	}
	if reason := disabledReason(entry); reason != "" {
		return Result{}, fmt.Errorf("%w: %s: %s", ErrUserDisabled, dn, reason)
	}
	groups, err := s.groups(username, entry.DN)
	if err != nil {
		return Result{}, err
	}
	return Result{DN: entry.DN, Groups: groups}, nil
}

// disabledReason names the marker that disables the entry, or is empty.
func disabledReason(e *goldap.Entry) string {
	if v := e.GetAttributeValue(attrUserAccountControl); v != "" {
		// Active Directory writes it as a signed 32-bit decimal.
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n&accountDisable != 0 {
			return "userAccountControl has ACCOUNTDISABLE"
		}
	}
	if len(e.GetAttributeValues(attrPwdAccountLockedTime)) > 0 {
		return "pwdAccountLockedTime is set"
	}
	return ""
}

// findUser runs the user search and insists on exactly one entry.
func (s *session) findUser(username string) (string, error) {
	req := goldap.NewSearchRequest(
		s.cfg.UserDNSearchBase, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases,
		2, 0, false, // two are enough to see ambiguity
		fillFilter(s.cfg.UserDNSearchFilter, username, ""),
		[]string{"1.1"}, nil)
	res, err := s.conn.Search(req)
	if goldap.IsErrorWithCode(err, goldap.LDAPResultSizeLimitExceeded) {
		return "", fmt.Errorf("%w: %q", ErrAmbiguousUser, username)
	}
	if err != nil {
		return "", s.failure(fmt.Sprintf("user search for %q", username), err)
	}
	switch len(res.Entries) {
	case 0:
		return "", fmt.Errorf("%w: %q", ErrNoSuchUser, username)
	case 1:
		return res.Entries[0].DN, nil
	default:
		return "", fmt.Errorf("%w: %q", ErrAmbiguousUser, username)
	}
}

// readEntry reads the disable markers of one entry; the lock time is an
// operational attribute, returned only when asked for by name.
func (s *session) readEntry(dn string) (*goldap.Entry, error) {
	req := goldap.NewSearchRequest(
		dn, goldap.ScopeBaseObject, goldap.NeverDerefAliases, 1, 0, false,
		"(objectClass=*)",
		[]string{attrUserAccountControl, attrPwdAccountLockedTime}, nil)
	res, err := s.conn.Search(req)
	if goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject) {
		return nil, fmt.Errorf("%w: %s", ErrNoSuchUser, dn)
	}
	if err != nil {
		return nil, s.failure("reading "+dn, err)
	}
	if len(res.Entries) != 1 {
		return nil, fmt.Errorf("%w: %s", ErrNoSuchUser, dn)
	}
	return res.Entries[0], nil
}

// groups runs the group search, paged, and returns the sorted group DNs.
func (s *session) groups(username, userDN string) ([]string, error) {
	if s.cfg.GroupSearchFilter == "" {
		return nil, nil
	}
	req := goldap.NewSearchRequest(
		s.cfg.GroupSearchBase, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases,
		0, 0, false,
		fillFilter(s.cfg.GroupSearchFilter, username, userDN),
		[]string{"1.1"}, nil)
	res, err := s.conn.SearchWithPaging(req, groupPageSize)
	if err != nil {
		return nil, s.failure("group search for "+userDN, err)
	}
	groups := make([]string, 0, len(res.Entries))
	for _, e := range res.Entries {
		groups = append(groups, e.DN)
	}
	slices.Sort(groups)
	return slices.Compact(groups), nil
}

// CheckLookup connects and binds as the lookup account, so that a wrong
// address or lookup password is found when the provider is configured
// rather than at the first login.
func (d *Directory) CheckLookup(ctx context.Context) error {
	s, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer s.close()
	return s.lookupBind()
}
