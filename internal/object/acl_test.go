package object

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/kurastore/kura/s3err"
)

// TestVersionACLs checks that a version keeps the ACL it was written
// with, through PutObject, a multipart upload, a copy (which takes the
// ACL it names, never its source's) and PutObjectACL of one version.
func TestVersionACLs(t *testing.T) {
	l := newTestLayer(t)
	ctx := context.Background()
	mustCreateBucket(t, l, "bkt")
	if err := l.SetBucketVersioning(ctx, "bkt", VersioningConfig{Status: VersioningEnabled}); err != nil {
		t.Fatal(err)
	}
	first, err := l.PutObject(ctx, "bkt", "k", bytes.NewReader([]byte("one")), PutOptions{Size: 3, ACL: []byte("acl-1")})
	if err != nil {
		t.Fatal(err)
	}
	second, err := l.PutObject(ctx, "bkt", "k", bytes.NewReader([]byte("two")), PutOptions{Size: 3})
	if err != nil {
		t.Fatal(err)
	}
	aclOf := func(key, vid string) string {
		t.Helper()
		obj, err := l.HeadObject(ctx, "bkt", key, GetOptions{VersionID: vid, InfoOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		return string(obj.Info.ACL)
	}
	if got := aclOf("k", first.VersionID); got != "acl-1" {
		t.Fatalf("first version's ACL %q", got)
	}
	if got := aclOf("k", second.VersionID); got != "" {
		t.Fatalf("second version's ACL %q", got)
	}
	if _, err := l.PutObjectACL(ctx, "bkt", "k", first.VersionID, []byte("acl-2")); err != nil {
		t.Fatal(err)
	}
	if aclOf("k", first.VersionID) != "acl-2" || aclOf("k", second.VersionID) != "" {
		t.Fatal("PutObjectACL changed the wrong version")
	}
	// A copy takes the ACL it names.
	if _, err := l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "k", VersionID: first.VersionID}, "bkt", "copy", CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := aclOf("copy", ""); got != "" {
		t.Fatalf("a copy kept its source's ACL %q", got)
	}
	if _, err := l.CopyObject(ctx, CopySource{Bucket: "bkt", Key: "k"}, "bkt", "copy2", CopyOptions{ACL: []byte("acl-3")}); err != nil {
		t.Fatal(err)
	}
	if got := aclOf("copy2", ""); got != "acl-3" {
		t.Fatalf("copy's ACL %q", got)
	}
	id, err := l.CreateMultipartUpload(ctx, "bkt", "mp", UploadOptions{ACL: []byte("acl-4")})
	if err != nil {
		t.Fatal(err)
	}
	p := uploadPart(t, l, "mp", id, 1, []byte("data"))
	if _, err := l.CompleteMultipartUpload(ctx, "bkt", "mp", id, []CompletePart{{Number: 1, ETag: p.ETag}}, CompleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := aclOf("mp", ""); got != "acl-4" {
		t.Fatalf("completed upload's ACL %q", got)
	}
	if _, err := l.DeleteObject(ctx, "bkt", "k", DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.PutObjectACL(ctx, "bkt", "k", "", []byte("x")); err == nil {
		t.Fatal("PutObjectACL on a delete marker succeeded")
	}
}

// TestCreateBucketOwnerAndConfigs checks that a bucket records its owner
// and the documents it is created with, and that a bucket with no owner
// recorded reads as "" (the root user's).
func TestCreateBucketOwnerAndConfigs(t *testing.T) {
	l := newTestLayer(t)
	ctx := context.Background()
	if err := l.CreateBucket(ctx, "owned", CreateBucketOptions{Owner: "abc", Configs: map[string][]byte{"acl": []byte("doc")}}); err != nil {
		t.Fatal(err)
	}
	if b, err := l.Bucket(ctx, "owned"); err != nil || b.Owner != "abc" {
		t.Fatalf("bucket %+v %v", b, err)
	}
	if doc, err := l.BucketConfig(ctx, "owned", "acl"); err != nil || string(doc) != "doc" {
		t.Fatalf("config %q %v", doc, err)
	}
	mustCreateBucket(t, l, "plain")
	if b, err := l.Bucket(ctx, "plain"); err != nil || b.Owner != "" {
		t.Fatalf("bucket %+v %v", b, err)
	}
	if _, err := l.BucketConfig(ctx, "plain", "acl"); !errors.Is(err, ErrNoConfig) {
		t.Fatalf("config of a plain bucket: %v", err)
	}
	// A failed create stores nothing.
	if err := l.CreateBucket(ctx, "plain", CreateBucketOptions{Configs: map[string][]byte{"acl": []byte("doc")}}); !errors.Is(err, s3err.ErrBucketAlreadyOwnedByYou) {
		t.Fatal(err)
	}
	if _, err := l.BucketConfig(ctx, "plain", "acl"); !errors.Is(err, ErrNoConfig) {
		t.Fatalf("config after a failed create: %v", err)
	}
}

// TestACLChangeNotReplicated: a PutObjectACL does not call the
// Replicator (an ACL names this server's users), while a tag change on
// the same version does.
func TestACLChangeNotReplicated(t *testing.T) {
	l, f := replicatedLayer(t, nil, false)
	ctx := context.Background()
	info := put(t, l, "src", "k", []byte("x"))
	f.reset()
	if _, err := l.PutObjectACL(ctx, "src", "k", info.VersionID, []byte("acl")); err != nil {
		t.Fatal(err)
	}
	if changes := f.reset(); len(changes) != 0 {
		t.Fatalf("an ACL change called the Replicator: %+v", changes)
	}
	if _, err := l.PutObjectTags(ctx, "src", "k", info.VersionID, map[string]string{"a": "b"}); err != nil {
		t.Fatal(err)
	}
	onlyChange(t, f, ChangeMetadata, "k", "s3:ObjectTagging:Put")
}
