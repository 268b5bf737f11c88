package integration

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestFullDisk puts kura's blob directory on a small tmpfs and fills it:
// the PUT that does not fit gets 507 with nothing half-written left,
// earlier objects still read back, and once objects are deleted (and
// collected) writes succeed again. It needs to mount a file system, so it
// runs as root only.
func TestFullDisk(t *testing.T) {
	dir := t.TempDir()
	blobs := filepath.Join(dir, "blobs")
	if err := os.MkdirAll(blobs, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", blobs, "tmpfs", 0, "size=8m"); err != nil {
		t.Skipf("skipping: cannot mount a tmpfs for the blob directory (%v); run as root", err)
	}
	s := &server{t: t, dir: dir, accessKey: "AKFULLDISK" + strings.ToUpper(randomHex(5)), secretKey: randomHex(20)}
	s.env = []string{"KURA_ROOT_USER=" + s.accessKey, "KURA_ROOT_PASSWORD=" + s.secretKey}
	t.Cleanup(func() {
		s.stop()
		syscall.Unmount(blobs, 0)
	})
	s.start()
	c := ctx(t)
	ac := newAWSClient(s)
	ac.CreateBucket(c, &s3.CreateBucketInput{Bucket: aws.String("full")})
	obj := func(i int) []byte { return bytes.Repeat([]byte{byte('a' + i)}, 3<<20) }
	var stored []string
	var failed bool
	for i := range 5 {
		k := "obj" + itoa(i)
		_, err := ac.PutObject(c, &s3.PutObjectInput{Bucket: aws.String("full"), Key: aws.String(k), Body: bytes.NewReader(obj(i))})
		if err != nil {
			if code := apiCode(err); code != "XMinioStorageFull" {
				t.Fatalf("PUT %s on a full disk: %v (code %q), want 507 XMinioStorageFull", k, err, code)
			}
			failed = true
			break
		}
		stored = append(stored, k)
	}
	if !failed || len(stored) == 0 {
		t.Fatalf("8 MiB took %d objects of 3 MiB without a 507", len(stored))
	}
	// No half-written blob: exactly one file per stored object.
	if files := len(filesUnder(t, blobs)); files != len(stored) {
		t.Fatalf("%d blob files for %d stored objects", files, len(stored))
	}
	for i, k := range stored {
		out, err := ac.GetObject(c, &s3.GetObjectInput{Bucket: aws.String("full"), Key: aws.String(k)})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(out.Body)
		out.Body.Close()
		if !bytes.Equal(got, obj(i)) {
			t.Fatalf("%s changed after the disk filled", k)
		}
	}
	// Free space and retry until the collector has deleted the blobs.
	for _, k := range stored {
		ac.DeleteObject(c, &s3.DeleteObjectInput{Bucket: aws.String("full"), Key: aws.String(k)})
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := ac.PutObject(c, &s3.PutObjectInput{Bucket: aws.String("full"), Key: aws.String("after"), Body: bytes.NewReader(obj(4))})
		if err == nil {
			break
		}
		if apiCode(err) != "XMinioStorageFull" || time.Now().After(deadline) {
			t.Fatalf("PUT after freeing space: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// filesUnder lists the regular files below dir (a server's blob store).
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	return files
}
