package httpapi

import (
	"context"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/kurastore/kura/wire/policy"
)

// policyCache keeps parsed bucket policies, so that anonymous and user
// requests do not parse JSON each time. PutBucketPolicy and
// DeleteBucketPolicy (and DeleteBucket) drop a bucket's entry.
type policyCache struct {
	mu sync.Mutex
	m  map[string]*policy.Policy // nil value: the bucket has no policy
}

// ForgetPolicies drops every cached bucket policy: another server sharing
// the metadata store changed a bucket configuration.
func (s *Server) ForgetPolicies() {
	c := &s.policies
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}

func (c *policyCache) forget(bucket string) {
	c.mu.Lock()
	delete(c.m, bucket)
	c.mu.Unlock()
}

// bucketPolicy returns the parsed policy of bucket, or nil.
func (s *Server) bucketPolicy(ctx context.Context, bucket string) *policy.Policy {
	if bucket == "" {
		return nil
	}
	c := &s.policies
	c.mu.Lock()
	p, ok := c.m[bucket]
	c.mu.Unlock()
	if ok {
		return p
	}
	if doc, err := s.objects.BucketConfig(ctx, bucket, configPolicy); err == nil {
		p, _ = policy.Parse(doc)
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*policy.Policy{}
	}
	c.m[bucket] = p
	c.mu.Unlock()
	return p
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
	keys, err := s.policyContext(rq, action, resource, bucket, conditions)
	if err != nil {
		rq.authz.err = err
		return false
	}
	req := policy.Request{Action: action, Resource: resource, Conditions: keys, Principal: "*"}
	bp := s.bucketPolicy(rq.ctx, bucket)
	if id == nil {
		if bp.Evaluate(req) != policy.Allowed {
			return false
		}
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
		return !block.RestrictPublicBuckets
	}
	req.Principal, req.Username = id.Username, id.Username
	return policy.Narrow(policy.EvaluateAll(req, id.Policies, bp), id.Session, req)
}
