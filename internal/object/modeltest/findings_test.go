package modeltest

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/internal/object"
)

// The reproducers of what the model test found and is not fixed yet (see
// testdata/findings.txt). They fail until the layer is fixed, so they run
// only with -model.findings.
func TestFindings(t *testing.T) {
	if !*flagFindings {
		t.Log("the reproducers of open findings run with -model.findings")
		return
	}
	t.Run("CopyVersionOntoItsKey", testCopyVersionOntoItsKey)
}

// newFindingLayer is a layer with one versioned bucket.
func newFindingLayer(t *testing.T) *object.Layer {
	t.Helper()
	clk := &clock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	e, err := openEnv(vfs.NewCrashableMem(), newCrashBlobs(clk.Now), clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.meta.Close() })
	ctx := context.Background()
	if err := e.layer.CreateBucket(ctx, "bucket", object.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := e.layer.SetBucketVersioning(ctx, "bucket", object.VersioningConfig{Status: object.VersioningEnabled}); err != nil {
		t.Fatal(err)
	}
	return e.layer
}

// S3 restores an old version by copying it onto its own key ("Restoring
// previous versions" in the S3 user guide): naming the source version
// makes the copy a change even when the metadata is copied. The layer
// refuses it with InvalidRequest (a copy onto itself that changes
// nothing), because its check compares only bucket and key.
func testCopyVersionOntoItsKey(t *testing.T) {
	l := newFindingLayer(t)
	ctx := context.Background()
	v1, err := l.PutObject(ctx, "bucket", "k", bytes.NewReader([]byte("one")), object.PutOptions{Size: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.PutObject(ctx, "bucket", "k", bytes.NewReader([]byte("two")), object.PutOptions{Size: 3}); err != nil {
		t.Fatal(err)
	}
	restored, err := l.CopyObject(ctx, object.CopySource{Bucket: "bucket", Key: "k", VersionID: v1.VersionID}, "bucket", "k", object.CopyOptions{})
	if err != nil {
		t.Fatalf("copying version %s onto its own key: %v", v1.VersionID, err)
	}
	if restored.VersionID == v1.VersionID || restored.ETag != v1.ETag {
		t.Errorf("restored version %s ETag %s, want a new version with ETag %s", restored.VersionID, restored.ETag, v1.ETag)
	}
	obj, err := l.GetObject(ctx, "bucket", "k", object.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Body.Close()
	if data, _ := io.ReadAll(obj.Body); string(data) != "one" {
		t.Errorf("latest is %q after the restore, want %q", data, "one")
	}
}
