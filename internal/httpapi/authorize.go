package httpapi

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/policy"
)

// policyCache keeps parsed bucket policies, so that anonymous and user
// requests do not parse JSON each time. PutBucketPolicy and
// DeleteBucketPolicy (and DeleteBucket) drop a bucket's entry.
//
// It holds only what was read of existing buckets, and at most limit of
// them, the least recently used going first: a request naming a bucket
// that does not exist leaves nothing behind. A read that fails is an
// error for its request, never "no policy", so a database hiccup cannot
// turn a bucket's Deny statements off.
//
// Consistency: a reader notes the generation before it reads and keeps
// what it read only if the generation has not moved since; every change
// moves it after its commit, so a policy read before a change is never
// cached after it.
type policyCache struct {
	mu    sync.Mutex
	lru   *lru.Cache[string, *policy.Policy] // nil value: the bucket has no policy
	gen   uint64
	limit int // entries; 0 means defaultPolicyCacheSize
	// afterRead, when set (by tests), runs between a read of the store
	// and the caching of what it found.
	afterRead func()
}

// defaultPolicyCacheSize bounds the cache: far more buckets than most
// servers have, and a few megabytes of parsed policies at most.
const defaultPolicyCacheSize = 4096

// cache returns the LRU, made on first use. c.mu is held.
func (c *policyCache) cache() *lru.Cache[string, *policy.Policy] {
	if c.lru == nil {
		size := c.limit
		if size <= 0 {
			size = defaultPolicyCacheSize
		}
		c.lru, _ = lru.New[string, *policy.Policy](size) // errs only for size <= 0
	}
	return c.lru
}

// ForgetPolicies drops every cached bucket policy: another server sharing
// the metadata store changed a bucket configuration.
func (s *Server) ForgetPolicies() {
	c := &s.policies
	c.mu.Lock()
	c.gen++
	c.cache().Purge()
	c.mu.Unlock()
}

func (c *policyCache) forget(bucket string) {
	c.mu.Lock()
	c.gen++
	c.cache().Remove(bucket)
	c.mu.Unlock()
}

// lookup returns the cached policy of bucket and the generation to cache
// a fresh read under.
func (c *policyCache) lookup(bucket string) (p *policy.Policy, ok bool, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok = c.cache().Get(bucket)
	return p, ok, c.gen
}

// put caches p for bucket, unless a change moved the generation on since
// gen was noted.
func (c *policyCache) put(bucket string, p *policy.Policy, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen == c.gen {
		c.cache().Add(bucket, p)
	}
}

// bucketPolicy returns the parsed policy of bucket, nil when it has none
// or does not exist, or the error that kept it from being read.
func (s *Server) bucketPolicy(ctx context.Context, bucket string) (*policy.Policy, error) {
	if bucket == "" {
		return nil, nil
	}
	c := &s.policies
	p, ok, gen := c.lookup(bucket)
	if ok {
		return p, nil
	}
	doc, err := s.objects.BucketConfig(ctx, bucket, configPolicy)
	switch {
	case errors.Is(err, s3err.ErrNoSuchBucket):
		return nil, nil // nothing to keep
	case errors.Is(err, object.ErrNoConfig):
	case err != nil:
		return nil, err
	default:
		if p, err = policy.Parse(doc); err != nil {
			return nil, err
		}
	}
	if c.afterRead != nil {
		c.afterRead()
	}
	c.put(bucket, p, gen)
	return p, nil
}

// conditionKeys are the policy condition context of a request.
func (s *Server) conditionKeys(rq *request) map[string][]string {
	r := rq.http
	q := r.URL.Query()
	now := s.now().UTC()
	keys := map[string][]string{
		"aws:currenttime":     {now.Format(time.RFC3339)},
		"aws:epochtime":       {strconv.FormatInt(now.Unix(), 10)},
		"aws:securetransport": {strconv.FormatBool(r.TLS != nil)},
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		keys["aws:sourceip"] = []string{host}
	}
	add := func(key, v string) {
		if v != "" {
			keys[key] = []string{v}
		}
	}
	add("s3:signatureversion", rq.signatureVersion)
	add("s3:authtype", rq.authType)
	add("aws:referer", r.Referer())
	add("aws:useragent", r.UserAgent())
	add("s3:prefix", q.Get("prefix"))
	add("s3:delimiter", q.Get("delimiter"))
	add("s3:max-keys", q.Get("max-keys"))
	add("s3:versionid", q.Get("versionId"))
	for _, h := range headerConditionKeys {
		add(h.key, r.Header.Get(h.header))
	}
	add("s3:x-amz-copy-source", copySourceKey(r.Header))
	addRequestTags(keys, headerTags(r.Header))
	if id := rq.identity; id != nil {
		add("aws:username", id.Username)
		add("aws:userid", id.AccessKey)
	}
	return keys
}

// policyAllows evaluates the caller's identity policies and the bucket
// policy: an explicit Deny anywhere wins; otherwise an Allow from either
// grants, narrowed by the caller's session policy when it has one.
// Anonymous callers get only what the bucket policy grants to everyone.
func (s *Server) policyAllows(rq *request, action string) bool {
	return s.allows(rq, action, iamResource(rq.bucket, rq.key), rq.bucket)
}

// allows decides one action on one resource of bucket. Root is decided
// before any condition key is gathered or bucket policy read.
func (s *Server) allows(rq *request, action, resource, bucket string) bool {
	if rq.identity != nil && rq.identity.Root {
		return true
	}
	return s.allowsWith(rq, action, resource, bucket, s.conditionKeys(rq))
}

// allowsWith is allows with the request's condition keys gathered once
// for a request that decides many resources (keyauthz.go).
func (s *Server) allowsWith(rq *request, action, resource, bucket string, conditions map[string][]string) bool {
	id := rq.identity
	if id != nil && id.Root {
		return true
	}
	// The bucket policy is read once per decision: the condition keys
	// it tests decide which further reads the decision needs.
	bp, err := s.bucketPolicy(rq.ctx, bucket)
	if err != nil {
		rq.authz.err = err
		return false
	}
	keys, err := s.policyContext(rq, action, resource, bucket, bp, conditions)
	if err != nil {
		rq.authz.err = err
		return false
	}
	req := policy.Request{Action: action, Resource: resource, Conditions: keys, Principal: "*"}
	if id == nil {
		switch bp.Evaluate(req) {
		case policy.Denied:
			return false
		case policy.Allowed:
			// RestrictPublicBuckets: a public policy grants anonymous
			// callers nothing.
			if !bp.IsPublic() {
				return true
			}
			block, err := s.publicAccess(rq.ctx, bucket)
			if err != nil {
				rq.authz.err = err
				return false
			}
			if !block.RestrictPublicBuckets {
				return true
			}
		}
		return s.aclAllows(rq, action, resource, bucket)
	}
	req.Principal, req.Username = id.Username, id.Username
	// An explicit Deny refuses; an Allow grants; with neither, an ACL
	// grant may. A session policy narrows either grant.
	switch policy.Decide(req, id.Policies, bp) {
	case policy.Denied:
		return false
	case policy.Allowed:
		return policy.Narrow(true, id.Session, req)
	}
	return policy.Narrow(s.aclAllows(rq, action, resource, bucket), id.Session, req)
}
