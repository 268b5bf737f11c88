package admin_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/blob/dirstore"
	"github.com/kurastore/kura/internal/httpapi"
	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/meta/pebblestore"
	"github.com/kurastore/kura/internal/object"
)

// usageServer is kura's API with an IAM store, served on a loopback
// port: the admin client's calls take the server's own path.
type usageServer struct {
	endpoint string
	root     auth.Credentials
	ids      *iam.Store
}

func newUsageServer(t *testing.T) *usageServer {
	t.Helper()
	m, err := pebblestore.Open("usage", &pebblestore.Options{FS: vfs.NewMem(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	blobs, err := dirstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	root := auth.Credentials{AccessKey: "usageroot", SecretKey: "usageroot-secret"}
	ids, err := iam.NewStore(m, root, make([]byte, iam.SealKeySize), nil)
	if err != nil {
		t.Fatal(err)
	}
	layer := object.New(m, blobs, object.Options{Region: "us-east-1"})
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Objects: layer, Region: "us-east-1", IAM: ids, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	return &usageServer{endpoint: srv.Listener.Addr().String(), root: root, ids: ids}
}

func (s *usageServer) admin(t *testing.T, access, secret string) *admin.Client {
	t.Helper()
	c, err := admin.New(s.endpoint, access, secret, false)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (s *usageServer) s3(t *testing.T) *client.Client {
	t.Helper()
	c, err := client.New(s.endpoint, &client.Options{AccessKey: s.root.AccessKey, SecretKey: s.root.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDataUsage(t *testing.T) {
	s := newUsageServer(t)
	ctx := context.Background()
	c := s.s3(t)
	for i, bucket := range []string{"one", "two"} {
		if err := c.MakeBucket(ctx, bucket, client.MakeBucketOptions{}); err != nil {
			t.Fatal(err)
		}
		for k := range 3 * (i + 1) {
			body := strings.Repeat("x", 10*(i+1))
			if _, err := c.PutObject(ctx, bucket, fmt.Sprint(k), strings.NewReader(body), int64(len(body)), client.PutObjectOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	ac := s.admin(t, s.root.AccessKey, s.root.SecretKey)
	all, err := ac.DataUsage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []admin.BucketUsage{{Bucket: "one", Objects: 3, Versions: 3, Bytes: 30}, {Bucket: "two", Objects: 6, Versions: 6, Bytes: 120}}
	if len(all) != 2 || all[0] != want[0] || all[1] != want[1] {
		t.Errorf("DataUsage: got %+v, want %+v", all, want)
	}
	one, err := ac.BucketDataUsage(ctx, "two")
	if err != nil || one != want[1] {
		t.Errorf("BucketDataUsage(two): %+v %v, want %+v", one, err, want[1])
	}
	var e *admin.Error
	if _, err := ac.BucketDataUsage(ctx, "three"); !errors.As(err, &e) || e.Code != "NoSuchBucket" || e.StatusCode != 404 {
		t.Errorf("BucketDataUsage of an unknown bucket: %v", err)
	}
	// A bucket name that needs escaping in the query reaches the server
	// as it is, and is unknown rather than a bad signature.
	if _, err := ac.BucketDataUsage(ctx, "a b&bucket=one"); !errors.As(err, &e) || e.Code != "NoSuchBucket" {
		t.Errorf("BucketDataUsage of a name needing escapes: %v", err)
	}
}

func TestDataUsageRefusedWithoutTheAction(t *testing.T) {
	s := newUsageServer(t)
	ctx := context.Background()
	if err := s.ids.AddUser(ctx, "reader", "reader-secret"); err != nil {
		t.Fatal(err)
	}
	if err := s.ids.AttachPolicy(ctx, "readwrite", "reader", ""); err != nil {
		t.Fatal(err)
	}
	_, err := s.admin(t, "reader", "reader-secret").DataUsage(ctx)
	var e *admin.Error
	if !errors.As(err, &e) || e.Code != "AccessDenied" || e.StatusCode != 403 {
		t.Errorf("DataUsage without admin:DataUsageInfo: %v", err)
	}
}
