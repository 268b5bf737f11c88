package client_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/client/internal/kuraproc"
)

func TestGetBucketLocationKura(t *testing.T) {
	c := kuraproc.Start(t, kuraproc.Options{}).Client
	ctx := context.Background()
	for bucket, location := range map[string]string{"classic": "", "london": "eu-west-2", "legacy-eu": "EU"} {
		if err := c.MakeBucket(ctx, bucket, client.MakeBucketOptions{Location: location}); err != nil {
			t.Fatal(err)
		}
	}
	for bucket, want := range map[string]string{"classic": "us-east-1", "london": "eu-west-2", "legacy-eu": "eu-west-1"} {
		if got, err := c.GetBucketLocation(ctx, bucket); err != nil || got != want {
			t.Errorf("%s: %q %v, want %q", bucket, got, err, want)
		}
	}
	if _, err := c.GetBucketLocation(ctx, "no-such-bucket"); !errors.Is(err, client.ErrNoSuchBucket) {
		t.Errorf("missing bucket: %v", err)
	}
	if _, err := c.GetBucketLocation(ctx, "Bad_Name"); !errors.Is(err, client.ErrInvalidArgument) {
		t.Errorf("bad name: %v", err)
	}
}
