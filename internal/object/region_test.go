package object

import (
	"context"
	"testing"

	"github.com/kurastore/kura/internal/meta"
)

// A bucket keeps the region it was created in; one whose record names no
// region (written before buckets had their own) is in the layer's.
func TestBucketRegion(t *testing.T) {
	l := newTestLayer(t)
	ctx := context.Background()
	if err := l.CreateBucket(ctx, "eu-bucket", CreateBucketOptions{Region: "eu-central-1"}); err != nil {
		t.Fatal(err)
	}
	mustCreateBucket(t, l, "home")
	legacy := []byte(`{"name":"legacy","created":"2026-01-02T03:04:05Z"}`)
	if err := l.meta.Update(ctx, nil, func(tx meta.Txn) error { return tx.Set(bucketKey("legacy"), legacy) }); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"eu-bucket": "eu-central-1", "home": "us-east-1", "legacy": "us-east-1"}
	for name, region := range want {
		info, err := l.Bucket(ctx, name)
		if err != nil || info.Region != region {
			t.Errorf("Bucket(%s): region %q, %v; want %q", name, info.Region, err, region)
		}
	}
	list, err := l.ListBuckets(ctx)
	if err != nil || len(list) != len(want) {
		t.Fatalf("ListBuckets: %v %v", list, err)
	}
	for _, b := range list {
		if b.Region != want[b.Name] {
			t.Errorf("ListBuckets %s: region %q, want %q", b.Name, b.Region, want[b.Name])
		}
	}
}
