package integration

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/client"
)

// The Go admin client's usage calls against kura: the calls take the
// server's own paths, and the server authorizes them.

func adminClient(t *testing.T, s *server, access, secret string) *admin.Client {
	t.Helper()
	c, err := admin.New(s.addr, access, secret, false)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAdminClientDataUsage(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c, err := client.New(s.addr, &client.Options{AccessKey: s.accessKey, SecretKey: s.secretKey})
	if err != nil {
		t.Fatal(err)
	}
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
	ac := adminClient(t, s, s.accessKey, s.secretKey)
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

func TestAdminClientDataUsageRefusedWithoutTheAction(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	root := adminClient(t, s, s.accessKey, s.secretKey)
	if err := root.AddUser(ctx, "reader", "reader-secret"); err != nil {
		t.Fatal(err)
	}
	if err := root.AttachPolicy(ctx, "readwrite", "reader", ""); err != nil {
		t.Fatal(err)
	}
	_, err := adminClient(t, s, "reader", "reader-secret").DataUsage(ctx)
	var e *admin.Error
	if !errors.As(err, &e) || e.Code != "AccessDenied" || e.StatusCode != 403 {
		t.Errorf("DataUsage without admin:DataUsageInfo: %v", err)
	}
}
