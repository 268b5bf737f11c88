package httpapi

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/kurastore/kura/internal/accesslog"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/acl"
	"github.com/kurastore/kura/wire/logging"
)

// configLogging names a bucket's logging status among its configuration
// documents.
const configLogging = "logging"

// AccountID is the account every bucket of a server in region belongs
// to: the source account of its access logs.
func AccountID(region string) string { return ownerID(region)[:12] }

func (s *Server) getBucketLogging(rq *request) (response, error) {
	doc, err := s.storedConfig(rq, configLogging, nil)
	if err != nil {
		return nil, err
	}
	if doc == nil {
		// Logging is off: S3 answers an empty status.
		return xmlResponse{doc: &logging.Status{}}, nil
	}
	return rawXMLResponse(doc), nil
}

// putBucketLogging enables, changes or (with an empty status) disables
// the bucket's access log, once the target bucket can take it.
func (s *Server) putBucketLogging(rq *request) (response, error) {
	validate := func(st *logging.Status) error {
		if st.Enabled == nil {
			return nil
		}
		if err := s.logTargets().Check(rq.ctx, rq.bucket, st.Enabled); err != nil {
			return err
		}
		if len(st.Enabled.TargetGrants) > 0 {
			return s.checkTargetGrants(rq.ctx, st.Enabled.TargetBucket)
		}
		return nil
	}
	data, err := readBounded(rq, logging.MaxDocumentSize)
	if err != nil {
		return nil, err
	}
	st, err := logging.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if err := validate(st); err != nil {
		return nil, err
	}
	var doc []byte
	if st.Enabled != nil {
		if doc, err = st.Encode(); err != nil {
			return nil, err
		}
	}
	// Forgotten even when the commit reports an error: it may have
	// happened all the same.
	defer s.loggingStatuses.forget(rq.bucket)
	if err := s.objects.SetBucketConfig(rq.ctx, rq.bucket, configLogging, doc); err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK}, nil
}

// checkTargetGrants answers TargetGrants: S3 refuses them for a target
// bucket with ACLs disabled (BucketOwnerEnforced). Where ACLs count, S3
// would grant them on every log object; kura does not apply grants to
// log objects, and says so rather than store grants it would ignore.
func (s *Server) checkTargetGrants(ctx context.Context, target string) error {
	ownership, err := s.objectOwnership(ctx, target)
	if err != nil {
		return err
	}
	if !aclsEnabled(ownership) {
		return s3err.ErrACLNotSupported.WithMessage("Target grants not allowed for bucket owner enforced buckets")
	}
	return s3err.ErrNotImplemented.WithMessage("TargetGrants are not applied to log objects; grant access to the target bucket with its policy or ACL instead.")
}

// LogDeliveryACL is accesslog.Options.LogDeliveryACL for a server over
// objects in region whose buckets without an ownership setting have
// defaultOwnership: whether bucket's ACL grants the LogDelivery group
// WRITE (the canned log-delivery-write does), in a bucket whose Object
// Ownership lets ACLs count.
func LogDeliveryACL(objects *object.Layer, region, defaultOwnership string) func(context.Context, string) (bool, error) {
	if !ValidObjectOwnership(defaultOwnership) {
		defaultOwnership = ownerEnforced
	}
	s := &Server{objects: objects, ownerID: ownerID(region), defaultOwnership: defaultOwnership}
	return s.logDeliveryGranted
}

func (s *Server) logDeliveryGranted(ctx context.Context, bucket string) (bool, error) {
	ownership, err := s.objectOwnership(ctx, bucket)
	if err != nil || !aclsEnabled(ownership) {
		return false, err
	}
	owner, err := s.bucketOwner(ctx, bucket)
	if err != nil {
		return false, err
	}
	a, err := s.storedBucketACL(ctx, bucket, owner)
	if err != nil {
		return false, err
	}
	// The LogDelivery group is not public: IgnorePublicAcls leaves it.
	return a.Allows(acl.Caller{LogDelivery: true}, acl.Write, false), nil
}

// logTargets checks target buckets: the access log service's own check
// when there is one (it knows the ACL of log delivery), else one by
// bucket policy alone.
func (s *Server) logTargets() accesslog.Targets {
	if s.accessLog != nil {
		return s.accessLog.Targets()
	}
	return accesslog.Targets{Objects: s.objects, Account: s.accountID()}
}

// loggingStatus is the bucket's logging status when its logging is
// enabled, else nil. A bucket that does not exist logs nothing.
func (s *Server) loggingStatus(rq *request) *logging.Enabled {
	c := &s.loggingStatuses
	e, ok, gen := c.lookup(rq.bucket)
	if ok {
		return e
	}
	doc, err := s.objects.BucketConfig(rq.ctx, rq.bucket, configLogging)
	switch {
	case errors.Is(err, object.ErrNoConfig):
	case err != nil:
		// Nothing to keep: no bucket, or a failed read (which logs
		// nothing rather than failing the request).
		if !errors.Is(err, s3err.ErrNoSuchBucket) && rq.ctx.Err() == nil {
			s.log.Warn("access log: reading the logging status", "bucket", rq.bucket, "err", err)
		}
		return nil
	default:
		st, err := logging.Parse(bytes.NewReader(doc))
		if err != nil {
			// Only parsed documents are stored; one that no longer
			// parses logs nothing rather than failing requests.
			s.log.Warn("access log: the logging status is unreadable", "bucket", rq.bucket, "err", err)
		} else {
			e = st.Enabled
		}
	}
	c.put(rq.bucket, e, gen)
	return e
}

// ForgetLoggingStatuses drops every cached logging status: another
// server sharing the metadata store changed a bucket configuration.
func (s *Server) ForgetLoggingStatuses() { s.loggingStatuses.purge() }

// loggingCache keeps the logging status of buckets: every request needs
// its bucket's. It works as policyCache does: a read keeps what it found
// only if no change moved the generation meanwhile.
type loggingCache struct {
	mu  sync.Mutex
	lru *lru.Cache[string, *logging.Enabled] // nil value: logging is off
	gen uint64
}

// loggingCacheSize bounds the cache (entries are a few words).
const loggingCacheSize = 4096

func (c *loggingCache) cache() *lru.Cache[string, *logging.Enabled] {
	if c.lru == nil {
		c.lru, _ = lru.New[string, *logging.Enabled](loggingCacheSize)
	}
	return c.lru
}

func (c *loggingCache) lookup(bucket string) (*logging.Enabled, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.cache().Get(bucket)
	return e, ok, c.gen
}

func (c *loggingCache) put(bucket string, e *logging.Enabled, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen == c.gen {
		c.cache().Add(bucket, e)
	}
}

func (c *loggingCache) forget(bucket string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.cache().Remove(bucket)
}

func (c *loggingCache) purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.cache().Purge()
}
