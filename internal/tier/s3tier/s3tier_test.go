package s3tier_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/tier"
	"github.com/kurastore/kura/internal/tier/s3tier"
	"github.com/kurastore/kura/internal/tier/tiertest"
	"github.com/kurastore/kura/kuratest"
)

var bucketSeq atomic.Int64

// newBucket makes a fresh bucket on srv and returns a tier on it.
func newTier(t *testing.T, srv *kuratest.Server, prefix string) *s3tier.Tier {
	t.Helper()
	bucket := fmt.Sprintf("tier-%d", bucketSeq.Add(1))
	if err := srv.Client.MakeBucket(context.Background(), bucket, client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	tr, err := s3tier.New(s3tier.Config{
		Endpoint: srv.URL, Bucket: bucket, Prefix: prefix,
		AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Region: srv.Region,
	})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestConformance(t *testing.T) {
	srv := kuratest.NewServer(t)
	t.Run("NoPrefix", func(t *testing.T) {
		tiertest.Run(t, tiertest.Harness{New: func(t *testing.T) tier.Tier { return newTier(t, srv, "") }})
	})
	t.Run("Prefix", func(t *testing.T) {
		tiertest.Run(t, tiertest.Harness{New: func(t *testing.T) tier.Tier { return newTier(t, srv, "cold/data") }})
	})
}

func TestPrefixIsApplied(t *testing.T) {
	srv := kuratest.NewServer(t)
	tr := newTier(t, srv, "cold")
	ctx := context.Background()
	if err := tr.Put(ctx, "u/b", bytes.NewReader([]byte("abc")), 3); err != nil {
		t.Fatal(err)
	}
	bucket := fmt.Sprintf("tier-%d", bucketSeq.Load())
	if _, err := srv.Client.StatObject(ctx, bucket, "cold/u/b", client.StatObjectOptions{}); err != nil {
		t.Fatalf("the object is not at cold/u/b: %v", err)
	}
	// Check's probe object does not stay behind.
	if err := tr.Check(ctx); err != nil {
		t.Fatal(err)
	}
	n := 0
	for obj, err := range srv.Client.ListObjects(ctx, bucket, client.ListObjectsOptions{Recursive: true}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if obj.Key != "cold/u/b" {
			t.Errorf("unexpected object %q", obj.Key)
		}
	}
	if n != 1 {
		t.Fatalf("%d objects in the bucket, want 1", n)
	}
}

func TestClosedPortIsUnavailable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	tr, err := s3tier.New(s3tier.Config{
		Endpoint: "http://" + addr, Bucket: "cold", AccessKey: "a", SecretKey: "s", MaxRetries: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	checks := map[string]error{
		"put":    tr.Put(ctx, "u/b", bytes.NewReader([]byte("x")), 1),
		"delete": tr.Delete(ctx, "u/b"),
		"check":  tr.Check(ctx),
	}
	_, checks["open"] = tr.Open(ctx, "u/b", 0, 1)
	_, checks["open0"] = tr.Open(ctx, "u/b", 0, 0)
	for op, err := range checks {
		if !errors.Is(err, tier.ErrUnavailable) {
			t.Errorf("%s: %v, want ErrUnavailable", op, err)
		}
		var op2 *net.OpError
		if !errors.As(err, &op2) {
			t.Errorf("%s: the network cause is lost: %v", op, err)
		}
	}
}

// stub answers every request with status and an S3 error code.
func stub(t *testing.T, status int, code string) *s3tier.Tier {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			fmt.Fprintf(w, "<Error><Code>%s</Code><Message>m</Message></Error>", code)
		}
	}))
	t.Cleanup(srv.Close)
	tr, err := s3tier.New(s3tier.Config{Endpoint: srv.URL, Bucket: "cold", AccessKey: "a", SecretKey: "s", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestErrorMapping(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		status int
		code   string
		want   error
	}{
		{503, "SlowDown", tier.ErrUnavailable},
		{503, "ServiceUnavailable", tier.ErrUnavailable},
		{500, "InternalError", tier.ErrUnavailable},
		{502, "BadGateway", tier.ErrUnavailable},
		{404, "NoSuchKey", tier.ErrNotFound},
		{404, "NoSuchBucket", tier.ErrUnavailable},
	}
	for _, c := range cases {
		tr := stub(t, c.status, c.code)
		_, err := tr.Open(ctx, "u/b", 0, 1)
		if !errors.Is(err, c.want) {
			t.Errorf("%d %s: open: %v, want %v", c.status, c.code, err, c.want)
		}
		if client.ErrorCode(err) != c.code {
			t.Errorf("%d %s: the S3 error is lost: %v", c.status, c.code, err)
		}
		if c.want == tier.ErrUnavailable {
			if err := tr.Put(ctx, "u/b", bytes.NewReader([]byte("x")), 1); !errors.Is(err, tier.ErrUnavailable) {
				t.Errorf("%d %s: put: %v", c.status, c.code, err)
			}
		}
	}
	// Refused credentials are neither: retrying will not help, and the
	// object is not known to be missing.
	tr := stub(t, 403, "AccessDenied")
	_, err := tr.Open(ctx, "u/b", 0, 1)
	if err == nil || errors.Is(err, tier.ErrUnavailable) || errors.Is(err, tier.ErrNotFound) {
		t.Errorf("403: %v", err)
	}
}

func TestConfigCheck(t *testing.T) {
	good := s3tier.Config{Endpoint: "https://s3.example.com", Bucket: "cold", AccessKey: "a", SecretKey: "s"}
	if _, err := s3tier.New(good); err != nil {
		t.Fatalf("good config refused: %v", err)
	}
	bad := map[string]func(c *s3tier.Config){
		"no scheme":     func(c *s3tier.Config) { c.Endpoint = "s3.example.com:9000" },
		"ftp":           func(c *s3tier.Config) { c.Endpoint = "ftp://s3.example.com" },
		"path":          func(c *s3tier.Config) { c.Endpoint = "https://s3.example.com/x" },
		"bucket":        func(c *s3tier.Config) { c.Bucket = "Bad_Bucket" },
		"no access key": func(c *s3tier.Config) { c.AccessKey = "" },
		"no secret key": func(c *s3tier.Config) { c.SecretKey = "" },
		"prefix slash":  func(c *s3tier.Config) { c.Prefix = "/x" },
		"region":        func(c *s3tier.Config) { c.Region = "not a region!" },
	}
	for name, mod := range bad {
		c := good
		mod(&c)
		if _, err := s3tier.New(c); err == nil {
			t.Errorf("%s: config taken", name)
		}
	}
}
