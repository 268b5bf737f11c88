package adminapi

import (
	"encoding/json"
	"time"
)

// Prefix is the admin API's path on the server. A bucket name cannot
// start with '.', so no bucket can shadow it.
const Prefix = "/.kura/admin/v1/"

// User is a user or service account as the server reports it.
type User struct {
	AccessKey string   `json:"accessKey"`
	Status    string   `json:"status"`
	Policies  []string `json:"policies,omitempty"`
	Groups    []string `json:"groups,omitempty"`
	// CanonicalID names the user (a service account: its parent) in
	// ACL grants; Email, when set, names it too.
	CanonicalID string `json:"canonicalId,omitempty"`
	Email       string `json:"email,omitempty"`
	// Parent is the user a service account acts for: its access key, or
	// for an LDAP user's service account its DN, and then LDAPProvider
	// names the LDAP provider.
	Parent       string `json:"parent,omitempty"`
	LDAPProvider string `json:"ldapProvider,omitempty"`
	// SessionPolicy narrows a service account's access, when set.
	SessionPolicy json.RawMessage `json:"sessionPolicy,omitempty"`
	Expiration    time.Time       `json:"expiration,omitzero"`
	Created       time.Time       `json:"created"`
}

// Group is a group as the server reports it.
type Group struct {
	Name     string   `json:"name"`
	Members  []string `json:"members,omitempty"`
	Policies []string `json:"policies,omitempty"`
	Status   string   `json:"status"`
}

// Credentials are new access keys.
type Credentials struct {
	AccessKey string `json:"accessKey"`
	SecretKey string `json:"secretKey"`
}

// ServerInfo describes the server.
type ServerInfo struct {
	Version string `json:"version"`
	Region  string `json:"region"`
	Buckets int    `json:"buckets"`
}

// KMSKeys lists the keys of the server's KMS.
type KMSKeys struct {
	// Default is the key of SSE-S3, and of SSE-KMS without a key id.
	Default string   `json:"default"`
	Keys    []string `json:"keys"`
}

// ScrubReport is what a scrub of every stored object found.
type ScrubReport struct {
	Records int64    `json:"records"`
	Inline  int64    `json:"inline"`
	Blobs   int64    `json:"blobs"`
	Bytes   int64    `json:"bytes"`
	Orphans int64    `json:"orphans"`
	Damaged []string `json:"damaged"`
}

// AddUser is the body of a call creating a user.
type AddUser struct {
	SecretKey string `json:"secretKey"`
	// Email, optional, names the user in ACL grants.
	Email string `json:"email,omitempty"`
}

// UserEmail is the body of a call setting (or, empty, clearing) a
// user's email address.
type UserEmail struct {
	Email string `json:"email"`
}

// UserStatus is the body of a call enabling ("enabled") or disabling
// ("disabled") a user.
type UserStatus struct {
	Status string `json:"status"`
}

// ServiceAccount is the body of a call creating a service account; Policy
// is an optional identity policy document narrowing its access.
type ServiceAccount struct {
	Policy json.RawMessage `json:"policy,omitempty"`
}

// LDAPServiceAccount is the body of a call creating a service account of
// an LDAP user, which acts with the policies of the user's DN and groups
// as the directory has them at each request.
type LDAPServiceAccount struct {
	// LDAPUser is the user's DN.
	LDAPUser string `json:"ldapUser"`
	// LDAPUsername, optional, is the user's login name: needed when the
	// provider's group filter uses it (%s), and then it must name the
	// same entry.
	LDAPUsername string `json:"ldapUsername,omitempty"`
	// Provider, optional, names the LDAP provider; otherwise the first
	// enabled one, in name order, whose directory has the user.
	Provider string `json:"provider,omitempty"`
	// Policy, optional, is an identity policy narrowing the account.
	Policy json.RawMessage `json:"policy,omitempty"`
}

// Attachment names who a policy is attached to or detached from: exactly
// one of a user, a group, an LDAP user DN and an LDAP group DN.
type Attachment struct {
	User      string `json:"user,omitempty"`
	Group     string `json:"group,omitempty"`
	LDAPUser  string `json:"ldapUser,omitempty"`
	LDAPGroup string `json:"ldapGroup,omitempty"`
}

// Members is the body of a call adding users to a group or taking them out.
type Members struct {
	Members []string `json:"members"`
}

// NotifyTarget is a notification target to add: its settings by name
// (the names of its command's flags).
type NotifyTarget struct {
	Settings map[string]string `json:"settings"`
}

// NotifyTargetAdded answers the addition of a target.
type NotifyTargetAdded struct {
	ARN string `json:"arn"`
}

// NotifyTargetRemoved answers the removal of a target.
type NotifyTargetRemoved struct {
	// Dropped counts the events that were still queued for it.
	Dropped int `json:"dropped"`
}

// NotifyTargetStatus is a configured notification target and how its
// delivery goes.
type NotifyTargetStatus struct {
	Type string `json:"type"`
	Name string `json:"name"`
	ARN  string `json:"arn"`
	// Source is "env" for a target configured by the environment, else
	// "admin".
	Source string `json:"source"`
	// Settings are the target's settings, secrets masked.
	Settings map[string]string `json:"settings,omitempty"`
	// Reachable and PingError are only set when status was asked for.
	Reachable *bool  `json:"reachable,omitempty"`
	PingError string `json:"pingError,omitempty"`
	// Pending counts the events queued for the target.
	Pending int `json:"pending"`
	// Delivered, Failed (failed delivery attempts) and Dropped (events
	// dropped because the queue was full) count since the server
	// started.
	Delivered     int64     `json:"delivered"`
	Failed        int64     `json:"failed"`
	Dropped       int64     `json:"dropped"`
	LastError     string    `json:"lastError,omitempty"`
	LastErrorTime time.Time `json:"lastErrorTime,omitzero"`
	LastDelivery  time.Time `json:"lastDelivery,omitzero"`
	// LatencyP50 and LatencyP99, in milliseconds, are from an event's
	// time to its delivery over the last deliveries.
	LatencyP50 float64 `json:"latencyP50ms"`
	LatencyP99 float64 `json:"latencyP99ms"`
	// Delivering says the answering server delivers to the target (in
	// scale-out, it holds the target's delivery lease).
	Delivering bool `json:"delivering"`
}

// Tier is a remote tier, where lifecycle transitions move object data:
// a bucket on an S3 endpoint (Type "s3") or a directory (Type "dir").
// In an answer the secret key is masked.
type Tier struct {
	Name      string `json:"name,omitempty"`
	Type      string `json:"type"`
	Endpoint  string `json:"endpoint,omitempty"`
	Bucket    string `json:"bucket,omitempty"`
	Prefix    string `json:"prefix,omitempty"`
	AccessKey string `json:"accessKey,omitempty"`
	SecretKey string `json:"secretKey,omitempty"`
	Region    string `json:"region,omitempty"`
	Path      string `json:"path,omitempty"`
}

// TierStatus says whether a tier answered a check (a probe object
// written and removed).
type TierStatus struct {
	Name      string `json:"name"`
	Type      string `json:"type"`
	Reachable bool   `json:"reachable"`
	Error     string `json:"error,omitempty"`
}
