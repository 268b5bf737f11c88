package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
)

// policyServer is a Server over an in-memory store with the bucket bkt
// and a user "user" holding the readwrite policy.
func policyServer(t *testing.T) (*Server, *object.Layer) {
	t.Helper()
	m, blobs := memStores(t)
	ctx := context.Background()
	// Shared: the object layer reads configuration from the store each
	// time (no cache of its own), as gateways sharing one store do.
	layer := object.New(m, blobs, object.Options{Shared: true})
	if err := layer.CreateBucket(ctx, "bkt", object.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	ids, err := iam.NewStore(m, auth.Credentials{AccessKey: "rootkey", SecretKey: "rootsecret1"}, make([]byte, iam.SealKeySize), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ids.AddUser(ctx, "user", "usersecret1"); err != nil {
		t.Fatal(err)
	}
	if err := ids.AttachPolicy(ctx, "readwrite", "user", ""); err != nil {
		t.Fatal(err)
	}
	return New(Config{Objects: layer, Region: "us-east-1", IAM: ids}), layer
}

func policyCacheLen(s *Server) int {
	s.policies.mu.Lock()
	defer s.policies.mu.Unlock()
	return s.policies.cache().Len()
}

// authorizeAs authorizes a GET of bucket/key by who ("" for anonymous)
// with the request context ctx.
func authorizeAs(t *testing.T, s *Server, ctx context.Context, who, bucket, key string) error {
	t.Helper()
	rq := &request{http: httptest.NewRequest("GET", "/"+bucket+"/"+key, nil), ctx: context.Background(), bucket: bucket, key: key}
	if who != "" {
		if err := s.identify(rq, who, ""); err != nil {
			t.Fatal(err)
		}
	}
	rq.ctx = ctx
	return s.authorize(rq, "s3:GetObject", iamResource(bucket, key))
}

// A bucket policy that cannot be read (here: the request was cancelled)
// is an error for the request, not "no policy": the Deny still refuses
// the next request, and the failed one is not allowed either.
func TestPolicyReadErrorDoesNotOpen(t *testing.T) {
	s, layer := policyServer(t)
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/secret"}]}`
	if err := layer.SetBucketConfig(context.Background(), "bkt", configPolicy, []byte(deny)); err != nil {
		t.Fatal(err)
	}
	if err := authorizeAs(t, s, context.Background(), "user", "bkt", "open"); err != nil {
		t.Fatalf("readwrite user, key the Deny does not name: %v", err)
	}
	s.policies.forget("bkt")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	err := authorizeAs(t, s, cancelled, "user", "bkt", "secret")
	if err == nil {
		t.Fatal("a request whose bucket policy could not be read was allowed past the Deny")
	}
	if errors.Is(err, s3err.ErrAccessDenied) || !errors.Is(err, context.Canceled) {
		t.Errorf("unreadable policy: %v, want the read's error", err)
	}
	if err := authorizeAs(t, s, context.Background(), "user", "bkt", "secret"); !errors.Is(err, s3err.ErrAccessDenied) {
		t.Fatalf("after a failed read the Deny no longer applies: %v", err)
	}
}

// Anonymous requests naming buckets that do not exist leave nothing in
// the cache.
func TestPolicyCacheKeepsNoMissingBuckets(t *testing.T) {
	s, _ := policyServer(t)
	for i := range 1000 {
		authorizeAs(t, s, context.Background(), "", fmt.Sprintf("missing-%04d", i), "k")
	}
	if n := policyCacheLen(s); n != 0 {
		t.Fatalf("%d entries cached for buckets that do not exist", n)
	}
	authorizeAs(t, s, context.Background(), "", "bkt", "k")
	if n := policyCacheLen(s); n != 1 {
		t.Fatalf("%d entries after a request to an existing bucket, want 1", n)
	}
}

// The cache holds at most its limit of buckets, dropping the least
// recently used.
func TestPolicyCacheBound(t *testing.T) {
	s, layer := policyServer(t)
	const limit = 3
	s.policies.limit = limit
	ctx := context.Background()
	for i := range limit + 1 {
		if err := layer.CreateBucket(ctx, fmt.Sprintf("b-%d", i), object.CreateBucketOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range limit {
		authorizeAs(t, s, ctx, "user", fmt.Sprintf("b-%d", i), "k")
	}
	if n := policyCacheLen(s); n != limit {
		t.Fatalf("%d entries after %d buckets, want %d", n, limit, limit)
	}
	authorizeAs(t, s, ctx, "user", fmt.Sprintf("b-%d", limit), "k")
	if n := policyCacheLen(s); n != limit {
		t.Fatalf("%d entries after %d buckets, want %d", n, limit+1, limit)
	}
	s.policies.mu.Lock()
	_, oldest := s.policies.cache().Peek("b-0")
	_, newest := s.policies.cache().Peek(fmt.Sprintf("b-%d", limit))
	s.policies.mu.Unlock()
	if oldest || !newest {
		t.Fatalf("least recently used kept: %v, newest kept: %v", oldest, newest)
	}
}

// A read that began before a policy change is not cached after the
// change: the new Deny applies from the next request.
func TestPolicyCacheStaleFill(t *testing.T) {
	s, layer := policyServer(t)
	ctx := context.Background()
	read, proceed := make(chan struct{}), make(chan struct{})
	s.policies.afterRead = func() { close(read); <-proceed }
	first := make(chan error, 1)
	go func() { first <- authorizeAs(t, s, ctx, "user", "bkt", "secret") }()
	<-read // read "no policy", not yet cached
	s.policies.afterRead = nil
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/secret"}]}`
	if err := layer.SetBucketConfig(ctx, "bkt", configPolicy, []byte(deny)); err != nil {
		t.Fatal(err)
	}
	s.policies.forget("bkt") // what putBucketPolicy does after the commit
	close(proceed)
	if err := <-first; err != nil {
		t.Fatalf("the request that began before the change: %v", err)
	}
	if err := authorizeAs(t, s, ctx, "user", "bkt", "secret"); !errors.Is(err, s3err.ErrAccessDenied) {
		t.Fatalf("after the Deny was stored: %v, want AccessDenied", err)
	}
}
