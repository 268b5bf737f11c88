package httpapi

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/blob/dirstore"
	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/meta/pebblestore"
	"github.com/kurastore/kura/internal/object"
)

// BenchmarkAuthorize is what policy evaluation adds to one request: the
// identity lookup (cached) and the evaluation of a readwrite user's
// policies and the bucket policy (cached), against root's shortcut.
func BenchmarkAuthorize(b *testing.B) {
	m, err := pebblestore.Open("m", &pebblestore.Options{FS: vfs.NewMem()})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	blobs, err := dirstore.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	layer := object.New(m, blobs, object.Options{})
	if err := layer.CreateBucket(ctx, "bkt", object.CreateBucketOptions{}); err != nil {
		b.Fatal(err)
	}
	root := auth.Credentials{AccessKey: "rootkey", SecretKey: "rootsecret1"}
	ids, err := iam.NewStore(m, root, make([]byte, iam.SealKeySize), nil)
	if err != nil {
		b.Fatal(err)
	}
	ids.AddUser(ctx, "user", "usersecret1")
	ids.AttachPolicy(ctx, "readwrite", "user", "")
	s := New(Config{Objects: layer, Region: "us-east-1", IAM: ids})
	for _, who := range []string{"rootkey", "user"} {
		b.Run(who, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/bkt/some/key.txt", nil)
			for range b.N {
				rq := &request{http: r, ctx: ctx, bucket: "bkt", key: "some/key.txt"}
				if err := s.identify(rq, who, ""); err != nil {
					b.Fatal(err)
				}
				if err := s.authorize(rq, "s3:GetObject", iamResource("bkt", "some/key.txt")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
