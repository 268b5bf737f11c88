package kuratest_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/kuratest"
	"github.com/kurastore/kura/wire/lifecycle"
)

func TestServerServesBuckets(t *testing.T) {
	s := kuratest.NewServer(t)
	ctx := context.Background()
	if err := s.Client.MakeBucket(ctx, "photos", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	ok, err := s.Client.BucketExists(ctx, "photos")
	if err != nil || !ok {
		t.Fatalf("exists: %v %v", ok, err)
	}
	if ok, err := s.Client.BucketExists(ctx, "nothere"); err != nil || ok {
		t.Fatalf("missing bucket: %v %v", ok, err)
	}
	// In us-east-1, S3 answers a re-creation of one's own bucket 200
	// and leaves it as it is.
	if err := s.Client.MakeBucket(ctx, "photos", client.MakeBucketOptions{}); err != nil {
		t.Fatalf("second create: %v", err)
	}
	if err := s.Client.MakeBucket(ctx, "photos", client.MakeBucketOptions{Location: "eu-west-1"}); client.ErrorCode(err) != "BucketAlreadyOwnedByYou" {
		t.Fatalf("second create in another region: %v", err)
	}
	buckets, err := s.Client.ListBuckets(ctx)
	if err != nil || len(buckets) != 1 || buckets[0].Name != "photos" {
		t.Fatalf("list: %+v %v", buckets, err)
	}
	if err := s.Client.RemoveBucket(ctx, "photos"); err != nil {
		t.Fatal(err)
	}
	if err := s.Client.MakeBucket(ctx, "Bad_Name", client.MakeBucketOptions{}); err == nil {
		t.Fatal("invalid bucket name sent")
	}
}

// TestLifecycleOnTheClock: a test moves the server's clock and runs the
// lifecycle scanner at once: an object expires exactly when S3 would
// expire it.
func TestLifecycleOnTheClock(t *testing.T) {
	clock := kuratest.NewClock(time.Date(2026, 5, 1, 15, 30, 0, 0, time.UTC))
	s := kuratest.NewServerWith(t, kuratest.Options{Clock: clock})
	ctx := context.Background()
	if err := s.Client.MakeBucket(ctx, "logs", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	rules := &lifecycle.Configuration{Rules: []lifecycle.Rule{{
		ID: "tmp", Status: lifecycle.Enabled, Filter: &lifecycle.Filter{Prefix: new("tmp/")},
		Expiration: &lifecycle.Expiration{Days: 1},
	}}}
	if err := s.Client.SetBucketLifecycle(ctx, "logs", rules); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.PutObject(ctx, "logs", "tmp/a", strings.NewReader("a"), 1, client.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	exists := func() bool {
		_, err := s.Client.StatObject(ctx, "logs", "tmp/a", client.StatObjectOptions{})
		return err == nil
	}
	// Written on May 1 at 15:30: one day later, rounded up to midnight
	// UTC, is May 3 at 00:00.
	clock.Set(time.Date(2026, 5, 2, 23, 59, 59, 0, time.UTC))
	if err := s.RunLifecycle(ctx); err != nil {
		t.Fatal(err)
	}
	if !exists() {
		t.Fatal("expired a second early")
	}
	clock.Advance(time.Second)
	if err := s.RunLifecycle(ctx); err != nil {
		t.Fatal(err)
	}
	if exists() {
		t.Fatal("not expired at midnight")
	}
}

// TestTransitionAndRestoreOnTheClock: with a directory tier added through
// Server.AddTier, an object transitions on the clock, reads through, is
// restored, and its restored copy is dropped when it expires.
func TestTransitionAndRestoreOnTheClock(t *testing.T) {
	clock := kuratest.NewClock(time.Date(2026, 5, 1, 15, 30, 0, 0, time.UTC))
	s := kuratest.NewServerWith(t, kuratest.Options{Clock: clock})
	ctx := context.Background()
	if err := s.AddTier(ctx, "COLD", admin.Tier{Type: "dir", Path: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	if err := s.Client.MakeBucket(ctx, "archive", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	rules := &lifecycle.Configuration{Rules: []lifecycle.Rule{{
		ID: "cold", Status: lifecycle.Enabled, Filter: &lifecycle.Filter{ObjectSizeGreaterThan: new(int64(0))},
		Transitions: []lifecycle.Transition{{Days: new(7), StorageClass: "COLD"}},
	}}}
	if err := s.Client.SetBucketLifecycle(ctx, "archive", rules); err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("archived ", 100)
	if _, err := s.Client.PutObject(ctx, "archive", "a", strings.NewReader(body), int64(len(body)), client.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	stat := func() client.ObjectInfo {
		t.Helper()
		info, err := s.Client.StatObject(ctx, "archive", "a", client.StatObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return info
	}
	clock.Advance(8 * 24 * time.Hour)
	if err := s.RunLifecycle(ctx); err != nil {
		t.Fatal(err)
	}
	if info := stat(); info.StorageClass != "COLD" || info.Restore != nil {
		t.Fatalf("after the transition: class %q, restore %+v", info.StorageClass, info.Restore)
	}
	started, err := s.Client.RestoreObject(ctx, "archive", "a", 2, client.RestoreObjectOptions{})
	if err != nil || !started {
		t.Fatalf("restore: %v %v", started, err)
	}
	if err := s.RunLifecycle(ctx); err != nil { // makes the copy
		t.Fatal(err)
	}
	info := stat()
	if info.Restore == nil || info.Restore.Ongoing || info.Restore.Expiry.IsZero() {
		t.Fatalf("after the restore: %+v", info.Restore)
	}
	obj, err := s.Client.GetObject(ctx, "archive", "a", client.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(obj)
	obj.Close()
	if err != nil || string(data) != body {
		t.Fatalf("read: %d bytes, %v", len(data), err)
	}
	clock.Set(info.Restore.Expiry)
	if err := s.RunLifecycle(ctx); err != nil {
		t.Fatal(err)
	}
	if info := stat(); info.Restore != nil {
		t.Fatalf("the restored copy outlived its expiry: %+v", info.Restore)
	}
}
