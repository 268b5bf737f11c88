// Package admin calls kura's admin API: users, groups, service accounts,
// policies and server info. Requests are signed with SigV4 like S3 calls;
// the server accepts them from the root user.
package admin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kurastore/kura/sigv4"
	"github.com/kurastore/kura/wire/adminapi"
)

// Prefix is the admin API's path on the server.
const Prefix = adminapi.Prefix

// Client talks to one kura server's admin API.
type Client struct {
	endpoint *url.URL
	creds    sigv4.Credentials
	region   string
	http     *http.Client
}

// Option changes how New's client signs or sends its requests.
type Option func(*Client)

// WithSessionToken signs with temporary credentials from STS: the
// session token goes with every request.
func WithSessionToken(token string) Option {
	return func(c *Client) { c.creds.SessionToken = token }
}

// WithTransport sends the requests through rt, so that many clients (one
// per logged-in identity, say) share one pool of connections.
func WithTransport(rt http.RoundTripper) Option {
	return func(c *Client) { c.http = &http.Client{Transport: rt} }
}

// New returns a client for endpoint ("host:port" or a URL).
func New(endpoint, accessKey, secretKey string, secure bool, opts ...Option) (*Client, error) {
	if !strings.Contains(endpoint, "://") {
		scheme := "http"
		if secure {
			scheme = "https"
		}
		endpoint = scheme + "://" + endpoint
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("admin: bad endpoint %q", endpoint)
	}
	c := &Client{endpoint: u, creds: sigv4.Credentials{AccessKey: accessKey, SecretKey: secretKey}, region: "us-east-1", http: &http.Client{}}
	for _, opt := range opts {
		opt(c)
	}
	return c, nil
}

// WithRegion sets the region requests are signed for (the server's).
func (c *Client) WithRegion(region string) *Client { c.region = region; return c }

// Error is an error answer of the admin API.
type Error struct {
	StatusCode int
	Code       string `xml:"Code"`
	Message    string `xml:"Message"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s (HTTP %d)", e.Code, e.Message, e.StatusCode)
}

// callTimeout bounds an admin call whose context has no deadline; scrub,
// which reads every object, has none.
const callTimeout = time.Minute

// call sends one request; in is marshalled as JSON (or sent as is when it
// is []byte), and a JSON answer is decoded into out.
func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, callTimeout)
		defer cancel()
	}
	return c.send(ctx, method, path, in, out)
}

func (c *Client) send(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	var err error
	switch v := in.(type) {
	case nil:
	case []byte:
		body = v
	default:
		if body, err = json.Marshal(v); err != nil {
			return err
		}
	}
	u := *c.endpoint
	// path's segments are escaped (seg): they go out as they are, not
	// escaped again.
	u.RawPath, u.RawQuery, _ = strings.Cut(Prefix+path, "?")
	if u.Path, err = url.PathUnescape(u.RawPath); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.ContentLength = int64(len(body))
	if len(body) == 0 {
		req.Body = http.NoBody
	}
	sum := sha256.Sum256(body)
	sigv4.SignRequest(req, c.creds, c.region, "s3", hex.EncodeToString(sum[:]), time.Now())
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return responseError(resp)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if w, ok := out.(io.Writer); ok {
		_, err := io.Copy(w, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// responseError is the server's refusal in resp: its status, and the
// code and message of the S3 error document it carries (empty when the
// body is not one).
func responseError(resp *http.Response) *Error {
	e := &Error{StatusCode: resp.StatusCode}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = xml.Unmarshal(data, e)
	return e
}

// serverURL is the endpoint with path, one of the server's own paths
// outside the admin API (metrics, health checks).
func (c *Client) serverURL(path string) *url.URL {
	u := *c.endpoint
	u.Path, u.RawPath, u.RawQuery = path, "", ""
	return &u
}

// The admin API's bodies; package adminapi defines them, and these names
// keep them where callers of this package find them.
type (
	// User is a user or service account as the server reports it.
	User = adminapi.User
	// Group is a group as the server reports it.
	Group = adminapi.Group
	// Credentials are new access keys.
	Credentials = adminapi.Credentials
	// ServerInfo describes the server.
	ServerInfo = adminapi.ServerInfo
	// KMSKeys lists the keys of the server's KMS.
	KMSKeys = adminapi.KMSKeys
	// ScrubReport is what a scrub of every stored object found.
	ScrubReport = adminapi.ScrubReport
	// NotifyTargetStatus is a notification target and its delivery.
	NotifyTargetStatus = adminapi.NotifyTargetStatus
	// LifecycleStatus is the lifecycle scanner's state.
	LifecycleStatus = adminapi.LifecycleStatus
)

func seg(s string) string { return url.PathEscape(s) }

// AddUser creates a user.
func (c *Client) AddUser(ctx context.Context, access, secret string) error {
	return c.call(ctx, http.MethodPut, "users/"+seg(access), adminapi.AddUser{SecretKey: secret}, nil)
}

// AddUserWithEmail creates a user with an email address, by which ACL
// grants may name it.
func (c *Client) AddUserWithEmail(ctx context.Context, access, secret, email string) error {
	return c.call(ctx, http.MethodPut, "users/"+seg(access), adminapi.AddUser{SecretKey: secret, Email: email}, nil)
}

// SetUserEmail sets, or with "" clears, a user's email address.
func (c *Client) SetUserEmail(ctx context.Context, access, email string) error {
	return c.call(ctx, http.MethodPut, "users/"+seg(access)+"/email", adminapi.UserEmail{Email: email}, nil)
}

// RemoveUser deletes a user and its service accounts.
func (c *Client) RemoveUser(ctx context.Context, access string) error {
	return c.call(ctx, http.MethodDelete, "users/"+seg(access), nil, nil)
}

// SetUserStatus enables ("enabled") or disables ("disabled") a user.
func (c *Client) SetUserStatus(ctx context.Context, access, status string) error {
	return c.call(ctx, http.MethodPut, "users/"+seg(access)+"/status", adminapi.UserStatus{Status: status}, nil)
}

// ListUsers lists users and service accounts.
func (c *Client) ListUsers(ctx context.Context) ([]User, error) {
	var out []User
	return out, c.call(ctx, http.MethodGet, "users", nil, &out)
}

// AddServiceAccount creates keys acting for user, narrowed by an optional
// policy document.
func (c *Client) AddServiceAccount(ctx context.Context, user string, policy []byte) (Credentials, error) {
	var out Credentials
	body := adminapi.ServiceAccount{Policy: policy}
	return out, c.call(ctx, http.MethodPost, "users/"+seg(user)+"/service-accounts", body, &out)
}

// LDAPServiceAccount describes the service account of an LDAP user to
// create: the user's DN, optionally its login name and provider, and an
// optional policy narrowing the account.
type LDAPServiceAccount = adminapi.LDAPServiceAccount

// AddLDAPServiceAccount creates keys acting for an LDAP user, with the
// policies of the user's DN and groups as the directory has them at
// each request. Root may name any user of an enabled LDAP provider's
// directory; credentials of an LDAP user (its session or service
// account) only that user.
func (c *Client) AddLDAPServiceAccount(ctx context.Context, a LDAPServiceAccount) (Credentials, error) {
	var out Credentials
	return out, c.call(ctx, http.MethodPost, "ldap/service-accounts", a, &out)
}

// ServiceAccountsOf chooses the service accounts to list: those of a
// user (its access key), or of an LDAP user (its DN, and optionally its
// provider). Empty chooses every one (root), or the caller's own.
type ServiceAccountsOf struct {
	User         string
	LDAPUser     string
	LDAPProvider string
}

// ListServiceAccounts lists the service accounts of whom of chooses.
func (c *Client) ListServiceAccounts(ctx context.Context, of ServiceAccountsOf) ([]User, error) {
	q := url.Values{}
	for k, v := range map[string]string{"user": of.User, "ldapUser": of.LDAPUser, "provider": of.LDAPProvider} {
		if v != "" {
			q.Set(k, v)
		}
	}
	path := "service-accounts"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out []User
	return out, c.call(ctx, http.MethodGet, path, nil, &out)
}

// RemoveServiceAccount deletes a service account (never a user). Root
// may remove any; other callers only those acting for whom they act
// for.
func (c *Client) RemoveServiceAccount(ctx context.Context, access string) error {
	return c.call(ctx, http.MethodDelete, "service-accounts/"+seg(access), nil, nil)
}

// PutPolicy creates or replaces a named policy.
func (c *Client) PutPolicy(ctx context.Context, name string, doc []byte) error {
	return c.call(ctx, http.MethodPut, "policies/"+seg(name), doc, nil)
}

// DeletePolicy removes a named policy that nothing uses.
func (c *Client) DeletePolicy(ctx context.Context, name string) error {
	return c.call(ctx, http.MethodDelete, "policies/"+seg(name), nil, nil)
}

// Policy returns a named policy's JSON document.
func (c *Client) Policy(ctx context.Context, name string) ([]byte, error) {
	var out json.RawMessage
	return out, c.call(ctx, http.MethodGet, "policies/"+seg(name), nil, &out)
}

// ListPolicies names the built-in and stored policies.
func (c *Client) ListPolicies(ctx context.Context) ([]string, error) {
	var out []string
	return out, c.call(ctx, http.MethodGet, "policies", nil, &out)
}

// AttachPolicy attaches a policy to a user or (user "") a group.
func (c *Client) AttachPolicy(ctx context.Context, name, user, group string) error {
	return c.call(ctx, http.MethodPost, "policies/"+seg(name)+"/attach", adminapi.Attachment{User: user, Group: group}, nil)
}

// DetachPolicy undoes AttachPolicy.
func (c *Client) DetachPolicy(ctx context.Context, name, user, group string) error {
	return c.call(ctx, http.MethodPost, "policies/"+seg(name)+"/detach", adminapi.Attachment{User: user, Group: group}, nil)
}

// AddGroupMembers creates the group when needed and adds users.
func (c *Client) AddGroupMembers(ctx context.Context, group string, members ...string) error {
	return c.call(ctx, http.MethodPost, "groups/"+seg(group)+"/members", adminapi.Members{Members: members}, nil)
}

// RemoveGroupMembers takes users out of a group.
func (c *Client) RemoveGroupMembers(ctx context.Context, group string, members ...string) error {
	return c.call(ctx, http.MethodDelete, "groups/"+seg(group)+"/members", adminapi.Members{Members: members}, nil)
}

// RemoveGroup deletes a group; its members leave it.
func (c *Client) RemoveGroup(ctx context.Context, group string) error {
	return c.call(ctx, http.MethodDelete, "groups/"+seg(group), nil, nil)
}

// ListGroups lists groups.
func (c *Client) ListGroups(ctx context.Context) ([]Group, error) {
	var out []Group
	return out, c.call(ctx, http.MethodGet, "groups", nil, &out)
}

// ServerInfo reports the server's version, region and bucket count.
func (c *Client) ServerInfo(ctx context.Context) (ServerInfo, error) {
	var out ServerInfo
	return out, c.call(ctx, http.MethodGet, "info", nil, &out)
}

// CreateKMSKey adds a named key to the server's KMS, for SSE-KMS.
func (c *Client) CreateKMSKey(ctx context.Context, name string) error {
	return c.call(ctx, http.MethodPut, "kms/keys/"+seg(name), nil, nil)
}

// ListKMSKeys lists the server's KMS keys.
func (c *Client) ListKMSKeys(ctx context.Context) (KMSKeys, error) {
	var out KMSKeys
	return out, c.call(ctx, http.MethodGet, "kms/keys", nil, &out)
}

// Scrub verifies every stored object on the server against its checksums
// and reports the damaged ones. It reads everything, so it takes as long
// as that does: ctx alone bounds it.
func (c *Client) Scrub(ctx context.Context) (ScrubReport, error) {
	var out ScrubReport
	return out, c.send(ctx, http.MethodPost, "scrub", nil, &out)
}

// Profile writes one of the server's Go runtime profiles to w, in pprof's
// format (go tool pprof reads it): "profile" is a CPU profile and "trace"
// an execution trace, each over seconds; the others (heap, allocs,
// goroutine, mutex, block, threadcreate) are taken at once, or as the
// change over seconds when seconds > 0.
func (c *Client) Profile(ctx context.Context, name string, seconds int, w io.Writer) error {
	path := "debug/pprof/" + seg(name)
	if seconds > 0 {
		path += "?seconds=" + strconv.Itoa(seconds)
	}
	return c.send(ctx, http.MethodGet, path, nil, w)
}

// AddNotifyTarget adds a notification target of type typ ("webhook",
// "redis", ...) called name, with its settings (named as the flags of
// "kura admin notify add TYPE"). The server connects to it once and
// refuses it if it cannot; it returns the target's ARN, for bucket
// notification configurations.
func (c *Client) AddNotifyTarget(ctx context.Context, typ, name string, settings map[string]string) (string, error) {
	var out adminapi.NotifyTargetAdded
	err := c.call(ctx, http.MethodPut, "notify/targets/"+seg(typ)+"/"+seg(name), adminapi.NotifyTarget{Settings: settings}, &out)
	return out.ARN, err
}

// RemoveNotifyTarget removes a target added with AddNotifyTarget, and
// returns how many events were still queued for it (they are dropped).
func (c *Client) RemoveNotifyTarget(ctx context.Context, typ, name string) (int, error) {
	var out adminapi.NotifyTargetRemoved
	err := c.call(ctx, http.MethodDelete, "notify/targets/"+seg(typ)+"/"+seg(name), nil, &out)
	return out.Dropped, err
}

// NotifyTargets lists the notification targets and their delivery
// counters; with ping the server also checks that each is reachable.
func (c *Client) NotifyTargets(ctx context.Context, ping bool) ([]NotifyTargetStatus, error) {
	var out []NotifyTargetStatus
	path := "notify/targets"
	if ping {
		path += "?status"
	}
	return out, c.call(ctx, http.MethodGet, path, nil, &out)
}

// LifecycleStatus reports the lifecycle scanner's passes and, per bucket
// with rules, its last complete scan and the actions its rules took.
func (c *Client) LifecycleStatus(ctx context.Context) (LifecycleStatus, error) {
	var out LifecycleStatus
	return out, c.call(ctx, http.MethodGet, "lifecycle/status", nil, &out)
}

// Tier is a remote tier: Type "s3" with Endpoint, Bucket, Prefix,
// AccessKey, SecretKey and Region, or Type "dir" with Path.
type Tier = adminapi.Tier

// TierStatus says whether a tier answered its check.
type TierStatus = adminapi.TierStatus

// AddTier adds the tier name (upper-case letters, digits, '-' and '_';
// the storage class transition rules name). The server checks that it
// can write and delete a probe object on the tier and refuses the tier
// if not; the credentials are sealed at rest.
func (c *Client) AddTier(ctx context.Context, name string, t Tier) error {
	t.Name = ""
	return c.call(ctx, http.MethodPut, "tiers/"+seg(name), t, nil)
}

// RemoveTier removes a tier that nothing uses any more.
func (c *Client) RemoveTier(ctx context.Context, name string) error {
	return c.call(ctx, http.MethodDelete, "tiers/"+seg(name), nil, nil)
}

// ListTiers lists the tiers, their secret keys masked.
func (c *Client) ListTiers(ctx context.Context) ([]Tier, error) {
	var out []Tier
	return out, c.call(ctx, http.MethodGet, "tiers", nil, &out)
}

// CheckTiers checks every tier and says which answer.
func (c *Client) CheckTiers(ctx context.Context) ([]TierStatus, error) {
	var out []TierStatus
	return out, c.call(ctx, http.MethodGet, "tiers/status", nil, &out)
}

// ReplicationTarget is a bucket's replication target: DestBucket at
// Endpoint, written with AccessKey and SecretKey (never shown again).
type ReplicationTarget = adminapi.ReplicationTarget

// ReplicationTargetStatus is how replication to one target goes.
type ReplicationTargetStatus = adminapi.ReplicationTargetStatus

// AddReplicationTarget adds a target to source and returns its ARN, what
// the rules of source's replication configuration name as their
// destination. The server checks that the destination bucket answers the
// target's credentials with versioning Enabled, and refuses it if not;
// the credentials are sealed at rest.
func (c *Client) AddReplicationTarget(ctx context.Context, source string, t ReplicationTarget) (string, error) {
	var out adminapi.ReplicationTargetAdded
	err := c.call(ctx, http.MethodPut, "replication/targets/"+seg(source), t, &out)
	return out.ARN, err
}

// ReplicationTargets lists the targets of source, without secret keys.
func (c *Client) ReplicationTargets(ctx context.Context, source string) ([]ReplicationTarget, error) {
	var out []ReplicationTarget
	return out, c.call(ctx, http.MethodGet, "replication/targets/"+seg(source), nil, &out)
}

// RemoveReplicationTarget removes the target arn of source; the server
// refuses while a replication rule of source names it.
func (c *Client) RemoveReplicationTarget(ctx context.Context, source, arn string) error {
	return c.call(ctx, http.MethodDelete, "replication/targets/"+seg(source)+"?arn="+url.QueryEscape(arn), nil, nil)
}

// ReplicationStatus reports how replication of source goes, per target.
func (c *Client) ReplicationStatus(ctx context.Context, source string) ([]ReplicationTargetStatus, error) {
	var out []ReplicationTargetStatus
	return out, c.call(ctx, http.MethodGet, "replication/status/"+seg(source), nil, &out)
}

// ResyncReplication queues the existing objects of source for
// replication to the target arn again; the server does it in the
// background, and ReplicationStatus follows it.
func (c *Client) ResyncReplication(ctx context.Context, source, arn string) error {
	return c.call(ctx, http.MethodPost, "replication/resync/"+seg(source)+"?arn="+url.QueryEscape(arn), nil, nil)
}
