package integration

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

func tarOf(t *testing.T, gz bool, files map[string][]byte, order ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w *tar.Writer
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(&buf)
		w = tar.NewWriter(zw)
	} else {
		w = tar.NewWriter(&buf)
	}
	for _, name := range order {
		data := files[name]
		if err := w.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg, ModTime: time.Now()}); err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	w.Close()
	if zw != nil {
		zw.Close()
	}
	return buf.Bytes()
}

// TestSnowballExtract uploads tar archives with MinIO's auto-extract
// header: good ones become objects under the prefix, and one with an
// escaping or absolute name is refused with nothing stored.
func TestSnowballExtract(t *testing.T) {
	s := startServer(t)
	mc := newMinioClient(t, s)
	ctx := context.Background()
	if err := mc.MakeBucket(ctx, "snow", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"a.txt": []byte("alpha"), "dir/b.bin": pattern(200<<10, 5), "empty": {}, "日本/c.txt": []byte("ç")}
	order := []string{"a.txt", "dir/b.bin", "empty", "日本/c.txt"}
	for _, gz := range []bool{false, true} {
		archive := tarOf(t, gz, files, order...)
		req := s.signed(t, http.MethodPut, "/snow/upload.tar", archive, s.secretKey, time.Now())
		req.Header.Set("X-Amz-Meta-Snowball-Auto-Extract", "true")
		req.Header.Set("X-Amz-Meta-Minio-Snowball-Prefix", "batch")
		expectStatus(t, "snowball upload", do(t, s.resign(t, req, archive)), http.StatusOK)
		for name, want := range files {
			obj, err := mc.GetObject(ctx, "snow", "batch/"+name, minio.GetObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if _, err := got.ReadFrom(obj); err != nil || !bytes.Equal(got.Bytes(), want) {
				t.Fatalf("gzip %v: %s: %v", gz, name, err)
			}
		}
		if _, err := mc.StatObject(ctx, "snow", "upload.tar", minio.StatObjectOptions{}); err == nil {
			t.Fatal("the archive itself was stored")
		}
	}
	for _, bad := range []string{"../escape", "/etc/passwd", "ok/../../up"} {
		archive := tarOf(t, false, map[string][]byte{"first": []byte("1"), bad: []byte("x")}, "first", bad)
		req := s.signed(t, http.MethodPut, "/snow/bad.tar", archive, s.secretKey, time.Now())
		req.Header.Set("X-Amz-Meta-Snowball-Auto-Extract", "true")
		req.Header.Set("X-Amz-Meta-Minio-Snowball-Prefix", "bad")
		r := do(t, s.resign(t, req, archive))
		if r.status != http.StatusBadRequest {
			t.Fatalf("archive with %q: %d %s", bad, r.status, r.body)
		}
		for obj := range mc.ListObjects(ctx, "snow", minio.ListObjectsOptions{Prefix: "bad/", Recursive: true}) {
			t.Fatalf("archive with %q stored %s", bad, obj.Key)
		}
	}
	truncated := tarOf(t, true, files, order...)
	truncated = truncated[:len(truncated)/2]
	req := s.signed(t, http.MethodPut, "/snow/trunc.tar", truncated, s.secretKey, time.Now())
	req.Header.Set("X-Amz-Meta-Snowball-Auto-Extract", "true")
	req.Header.Set("X-Amz-Meta-Minio-Snowball-Prefix", "trunc")
	expectStatus(t, "truncated archive", do(t, s.resign(t, req, truncated)), http.StatusBadRequest)
	for obj := range mc.ListObjects(ctx, "snow", minio.ListObjectsOptions{Prefix: "trunc/", Recursive: true}) {
		t.Fatalf("a truncated archive stored %s", obj.Key)
	}
}
