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
	// Parent is the user a service account acts for.
	Parent string `json:"parent,omitempty"`
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

// Attachment names who a policy is attached to or detached from: exactly
// one of a user and a group.
type Attachment struct {
	User  string `json:"user,omitempty"`
	Group string `json:"group,omitempty"`
}

// Members is the body of a call adding users to a group or taking them out.
type Members struct {
	Members []string `json:"members"`
}
