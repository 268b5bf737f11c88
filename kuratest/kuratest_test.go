package kuratest_test

import (
	"context"
	"testing"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/kuratest"
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
