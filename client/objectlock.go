package client

import (
	"context"
	"net/http"

	"github.com/kurastore/kura/wire/objectlock"
)

// ObjectLockOptions are the options of the legal hold and retention
// calls.
type ObjectLockOptions struct {
	// VersionID selects a version instead of the latest.
	VersionID string
	// BypassGovernance lets SetObjectRetention shorten or remove a
	// GOVERNANCE retention (x-amz-bypass-governance-retention), for
	// callers allowed to. The other calls ignore it.
	BypassGovernance bool
	// Replica, when set, sends EnableObjectLegalHold,
	// DisableObjectLegalHold or SetObjectRetention as a replication
	// request for the version Replica.VersionID (VersionID may be left
	// empty; if set, it must be the same id). The reading calls ignore
	// it.
	Replica *ReplicaOptions
}

// GetObjectLockConfig returns a bucket's object lock configuration
// (spec: get_object_lock_config). Buckets created without object lock
// answer ObjectLockConfigurationNotFoundError.
func (c *Client) GetObjectLockConfig(ctx context.Context, bucket string) (*objectlock.Configuration, error) {
	if err := checkBucket(bucket); err != nil {
		return nil, err
	}
	return getDocument(ctx, c, configRequest(http.MethodGet, bucket, "", "object-lock", ""), "object lock configuration", objectlock.ParseConfiguration)
}

// SetObjectLockConfig sets the default retention of a bucket created
// with object lock (spec: set_object_lock_config). ObjectLockEnabled
// may be left empty: Enabled, its only value, is sent.
func (c *Client) SetObjectLockConfig(ctx context.Context, bucket string, cfg *objectlock.Configuration) error {
	if err := checkBucket(bucket); err != nil {
		return err
	}
	if cfg == nil {
		return invalidArgument("object lock configuration is nil")
	}
	doc := *cfg
	if doc.ObjectLockEnabled == "" {
		doc.ObjectLockEnabled = objectlock.Enabled
	}
	return c.putDocument(ctx, configRequest(http.MethodPut, bucket, "", "object-lock", ""), "object lock configuration", &doc)
}

// DeleteObjectLockConfig removes a bucket's default retention (spec:
// delete_object_lock_config). Object lock itself stays on, as it must:
// like minio-py, this sets a configuration without a rule.
func (c *Client) DeleteObjectLockConfig(ctx context.Context, bucket string) error {
	return c.SetObjectLockConfig(ctx, bucket, &objectlock.Configuration{ObjectLockEnabled: objectlock.Enabled})
}

// EnableObjectLegalHold puts a legal hold on an object version (spec:
// enable_object_legal_hold).
func (c *Client) EnableObjectLegalHold(ctx context.Context, bucket, key string, opts ObjectLockOptions) error {
	return c.setLegalHold(ctx, bucket, key, opts, objectlock.On)
}

// DisableObjectLegalHold lifts an object version's legal hold (spec:
// disable_object_legal_hold).
func (c *Client) DisableObjectLegalHold(ctx context.Context, bucket, key string, opts ObjectLockOptions) error {
	return c.setLegalHold(ctx, bucket, key, opts, objectlock.Off)
}

func (c *Client) setLegalHold(ctx context.Context, bucket, key string, opts ObjectLockOptions, status string) error {
	if err := checkObject(bucket, key); err != nil {
		return err
	}
	r, err := lockWrite(bucket, key, "legal-hold", opts)
	if err != nil {
		return err
	}
	return c.putDocument(ctx, r, "legal hold", &objectlock.LegalHold{Status: status})
}

// lockWrite is the PUT of an object version's legal hold or retention
// (sub), a replication request when opts say so.
func lockWrite(bucket, key, sub string, opts ObjectLockOptions) (*request, error) {
	versionID, err := replicaVersion(opts.Replica, opts.VersionID, false)
	if err != nil {
		return nil, err
	}
	r := configRequest(http.MethodPut, bucket, key, sub, versionID)
	if opts.Replica != nil {
		opts.Replica.setHeaders(r.header)
	}
	return r, nil
}

// IsObjectLegalHoldEnabled reports whether an object version has a legal
// hold (spec: is_object_legal_hold_enabled). A version that never had
// one may answer NoSuchObjectLockConfiguration on AWS: that is false.
func (c *Client) IsObjectLegalHoldEnabled(ctx context.Context, bucket, key string, opts ObjectLockOptions) (bool, error) {
	if err := checkObject(bucket, key); err != nil {
		return false, err
	}
	r := configRequest(http.MethodGet, bucket, key, "legal-hold", opts.VersionID)
	h, err := getDocument(ctx, c, r, "legal hold", objectlock.ParseLegalHold)
	if ErrorCode(err) == "NoSuchObjectLockConfiguration" {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return h.Status == objectlock.On, nil
}

// GetObjectRetention returns an object version's retention (spec:
// get_object_retention). A version without one answers
// NoSuchObjectLockConfiguration, for which IsNotFound is true.
func (c *Client) GetObjectRetention(ctx context.Context, bucket, key string, opts ObjectLockOptions) (*objectlock.Retention, error) {
	if err := checkObject(bucket, key); err != nil {
		return nil, err
	}
	r := configRequest(http.MethodGet, bucket, key, "retention", opts.VersionID)
	return getDocument(ctx, c, r, "retention", objectlock.ParseRetention)
}

// SetObjectRetention sets an object version's retention (spec:
// set_object_retention). A retention may be extended by anyone allowed
// to set it; shortening or removing (the zero Retention) a GOVERNANCE one
// needs BypassGovernance, and a COMPLIANCE one cannot be shortened.
func (c *Client) SetObjectRetention(ctx context.Context, bucket, key string, ret *objectlock.Retention, opts ObjectLockOptions) error {
	if err := checkObject(bucket, key); err != nil {
		return err
	}
	if ret == nil {
		return invalidArgument("retention is nil")
	}
	r, err := lockWrite(bucket, key, "retention", opts)
	if err != nil {
		return err
	}
	if opts.BypassGovernance {
		r.header.Set("x-amz-bypass-governance-retention", "true")
	}
	return c.putDocument(ctx, r, "retention", ret)
}
