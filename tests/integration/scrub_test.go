package integration

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestScrub: `kura scrub DIR` on a stopped server and `kura admin scrub`
// on a running one name the object whose blob was damaged, exit non-zero,
// and pass again once it is gone.
func TestScrub(t *testing.T) {
	s := startServer(t)
	c := ctx(t)
	ac := newAWSClient(s)
	ac.CreateBucket(c, &s3.CreateBucketInput{Bucket: aws.String("scrub")})
	for _, k := range []string{"small", "large", "other"} {
		size := 100
		if k != "small" {
			size = 300 << 10
		}
		if _, err := ac.PutObject(c, &s3.PutObjectInput{Bucket: aws.String("scrub"), Key: aws.String(k), Body: bytes.NewReader(make([]byte, size))}); err != nil {
			t.Fatal(err)
		}
	}
	scrub := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(kuraBin, args...)
		cmd.Env = append(os.Environ(), "KURA_ENDPOINT="+s.url(), "KURA_ACCESS_KEY="+s.accessKey, "KURA_SECRET_KEY="+s.secretKey)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	s.stop()
	if out, code := scrub("scrub", s.dir); code != 0 || !strings.Contains(out, "0 damaged") {
		t.Fatalf("clean scrub: exit %d\n%s", code, out)
	}
	// Damage the first blob file found: one of the two large objects.
	blobs := filesUnder(t, filepath.Join(s.dir, "blobs"))
	if len(blobs) != 2 {
		t.Fatalf("want 2 blobs, found %v", blobs)
	}
	f, _ := os.OpenFile(blobs[0], os.O_RDWR, 0)
	f.WriteAt([]byte{0xff, 0xee}, 100_000)
	f.Close()
	out, code := scrub("scrub", s.dir)
	if code == 0 || strings.Count(out, "DAMAGED") != 1 || !strings.Contains(out, "1 damaged") {
		t.Fatalf("scrub of a damaged store: exit %d\n%s", code, out)
	}
	damaged := "large"
	if !strings.Contains(out, "scrub/large") {
		damaged = "other"
	}

	s.start()
	out, code = scrub("admin", "scrub")
	if code == 0 || !strings.Contains(out, "DAMAGED scrub/"+damaged) {
		t.Fatalf("admin scrub: exit %d\n%s", code, out)
	}
	if _, err := newAWSClient(s).DeleteObject(c, &s3.DeleteObjectInput{Bucket: aws.String("scrub"), Key: aws.String(damaged)}); err != nil {
		t.Fatal(err)
	}
	if out, code := scrub("admin", "scrub"); code != 0 || !strings.Contains(out, "0 damaged") {
		t.Fatalf("admin scrub after removing the damaged object: exit %d\n%s", code, out)
	}
}
