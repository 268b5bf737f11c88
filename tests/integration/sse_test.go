package integration

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/encrypt"
	"github.com/minio/minio-go/v7/pkg/sse"

	kuraclient "github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/certs"
)

// sseMarker is written into every encrypted test object; no file under
// the server's directory may contain it.
const sseMarker = "KURA-AT-REST-MARKER-5c2e9a"

// controlMarker is written unencrypted, inline and in a blob: the scan
// must find it, or it proves nothing.
const controlMarker = "KURA-CONTROL-MARKER-0b71f4"

// caFile is the self-signed certificate of a server started with
// --tls-self-signed.
func caFile(s *server) string { return filepath.Join(s.dir, "tls", certs.SelfSignedCert) }

// filesContaining lists the files under dir whose bytes contain needle.
func filesContaining(t *testing.T, dir, needle string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), needle) {
			found = append(found, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func TestSSEBoto3(t *testing.T) {
	py := pythonWithBoto3(t)
	s := startServer(t, "--tls-self-signed")
	kuraAdmin(t, s, "kms", "key", "create", "app-key")
	cmd := exec.Command(py, "testdata/boto3_sse.py", s.url(), s.accessKey, s.secretKey, "app-key", sseMarker, controlMarker)
	cmd.Env = append(isolatedEnv(t, s), "AWS_CA_BUNDLE="+caFile(s))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK") {
		t.Fatalf("boto3 SSE: %v\n%s", err, out)
	}
	// Every object above carried the marker; after a clean stop (memtables
	// flushed) no file under DIR may hold it: blobs, Pebble's WAL and
	// tables alike.
	s.stop()
	if found := filesContaining(t, s.dir, sseMarker); len(found) > 0 {
		t.Fatalf("plaintext marker found at rest in %v", found)
	}
	found := filesContaining(t, s.dir, controlMarker)
	var inBlobs, inMeta bool
	for _, f := range found {
		inBlobs = inBlobs || strings.Contains(f, string(filepath.Separator)+"blobs"+string(filepath.Separator))
		inMeta = inMeta || strings.Contains(f, string(filepath.Separator)+"meta"+string(filepath.Separator))
	}
	if !inBlobs || !inMeta {
		t.Fatalf("the scan did not find the unencrypted control objects in both stores: %v", found)
	}
}

// tlsClients returns minio-go and aws-sdk-go-v2 clients for a server
// started with --tls-self-signed, trusting its certificate.
func tlsClients(t *testing.T, s *server) (*minio.Client, *s3.Client) {
	t.Helper()
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: trusting(t, caFile(s))}}
	mc, err := minio.New(s.addr, &minio.Options{
		Creds: miniocreds.NewStaticV4(s.accessKey, s.secretKey, ""), Region: "us-east-1", Secure: true, Transport: tr,
	})
	if err != nil {
		t.Fatal(err)
	}
	ac := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(s.url()), UsePathStyle: true,
		Credentials: awscreds.NewStaticCredentialsProvider(s.accessKey, s.secretKey, ""),
		HTTPClient:  &http.Client{Transport: tr},
	})
	return mc, ac
}

func markedBody(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	for i := 0; i+len(sseMarker) <= n; i += 4096 {
		copy(b[i:], sseMarker)
	}
	return b
}

func TestSSEMinioGo(t *testing.T) {
	s := startServer(t, "--tls-self-signed")
	kuraAdmin(t, s, "kms", "key", "create", "mgo-key")
	mc, _ := tlsClients(t, s)
	c := ctx(t)
	const bucket = "sse-minio-go"
	if err := mc.MakeBucket(c, bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	ssec, _ := encrypt.NewSSEC(bytes.Repeat([]byte{7}, 32))
	kmsEnc, _ := encrypt.NewSSEKMS("mgo-key", map[string]string{"team": "storage"})
	modes := map[string]encrypt.ServerSide{"sse-c": ssec, "sse-s3": encrypt.NewSSE(), "sse-kms": kmsEnc}
	readSSE := func(name string) encrypt.ServerSide {
		if name == "sse-c" {
			return ssec
		}
		return nil
	}
	for name, enc := range modes {
		for _, n := range []int{0, 1, 300 << 10, 17 << 20} {
			key := fmt.Sprintf("%s/%d", name, n)
			data := markedBody(n)
			// 17 MiB goes up in 16 MiB parts: minio-go's multipart path.
			if _, err := mc.PutObject(c, bucket, key, bytes.NewReader(data), int64(n), minio.PutObjectOptions{ServerSideEncryption: enc, PartSize: 16 << 20}); err != nil {
				t.Fatalf("%s: put: %v", key, err)
			}
			st, err := mc.StatObject(c, bucket, key, minio.StatObjectOptions{ServerSideEncryption: readSSE(name)})
			if err != nil || st.Size != int64(n) {
				t.Fatalf("%s: stat: %v", key, err)
			}
			opts := minio.GetObjectOptions{ServerSideEncryption: readSSE(name)}
			obj, err := mc.GetObject(c, bucket, key, opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(obj)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("%s: get: %d bytes, %v", key, len(got), err)
			}
			if n > 2 {
				opts.SetRange(int64(n/2-1), int64(n/2+1))
				obj, _ := mc.GetObject(c, bucket, key, opts)
				got, err := io.ReadAll(obj)
				if err != nil || !bytes.Equal(got, data[n/2-1:n/2+2]) {
					t.Fatalf("%s: range: %v", key, err)
				}
			}
		}
	}
	// Copy and compose from an SSE-C source into SSE-KMS and SSE-C.
	src := minio.CopySrcOptions{Bucket: bucket, Object: "sse-c/307200", Encryption: ssec}
	if _, err := mc.CopyObject(c, minio.CopyDestOptions{Bucket: bucket, Object: "copied", Encryption: kmsEnc}, src); err != nil {
		t.Fatal(err)
	}
	other, _ := encrypt.NewSSEC(bytes.Repeat([]byte{9}, 32))
	big := minio.CopySrcOptions{Bucket: bucket, Object: "sse-c/17825792", Encryption: ssec}
	if _, err := mc.ComposeObject(c, minio.CopyDestOptions{Bucket: bucket, Object: "composed", Encryption: other}, big, src); err != nil {
		t.Fatal(err)
	}
	obj, _ := mc.GetObject(c, bucket, "composed", minio.GetObjectOptions{ServerSideEncryption: other})
	got, err := io.ReadAll(obj)
	if err != nil || len(got) != 17<<20+300<<10 {
		t.Fatalf("composed: %d bytes, %v", len(got), err)
	}
	// The wrong key is refused, with 403.
	_, err = mc.StatObject(c, bucket, "composed", minio.StatObjectOptions{ServerSideEncryption: ssec})
	if resp := minio.ToErrorResponse(err); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("wrong key: %v (%d)", err, resp.StatusCode)
	}
}

func TestSSETamperAndPlainHTTP(t *testing.T) {
	s := startServer(t, "--tls-self-signed")
	_, ac := tlsClients(t, s)
	c := ctx(t)
	const bucket = "tamper"
	if _, err := ac.CreateBucket(c, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	data := markedBody(1 << 20)
	if _, err := ac.PutObject(c, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("obj"), Body: bytes.NewReader(data), ServerSideEncryption: s3types.ServerSideEncryptionAes256}); err != nil {
		t.Fatal(err)
	}
	// Flip one byte in the middle of the object's blob.
	blobs := filesUnder(t, filepath.Join(s.dir, "blobs"))
	if len(blobs) != 1 {
		t.Fatalf("want one blob, found %v", blobs)
	}
	f, err := os.OpenFile(blobs[0], os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	var one [1]byte
	f.ReadAt(one[:], 500_000)
	one[0] ^= 0x20
	f.WriteAt(one[:], 500_000)
	f.Close()
	out, err := ac.GetObject(c, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("obj")})
	if err == nil {
		got, rerr := io.ReadAll(out.Body)
		out.Body.Close()
		if rerr == nil {
			t.Fatalf("tampered object read back (%d bytes, equal to the original: %v)", len(got), bytes.Equal(got, data))
		}
		if len(got) > 500_000 || !bytes.Equal(got, data[:len(got)]) {
			t.Fatalf("tampered object returned %d bytes that are not a prefix of the original", len(got))
		}
	}

	// SSE-C over plain HTTP: 400, nothing stored.
	plain := startServer(t)
	pc := newAWSClient(plain)
	pc.CreateBucket(c, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	key := bytes.Repeat([]byte{1}, 32)
	sum := md5.Sum(key)
	_, err = pc.PutObject(c, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("c"), Body: bytes.NewReader([]byte("x")),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(base64.StdEncoding.EncodeToString(key)),
		SSECustomerKeyMD5: aws.String(base64.StdEncoding.EncodeToString(sum[:])),
	})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidRequest" {
		t.Fatalf("SSE-C over HTTP: %v", err)
	}
	if _, err := pc.HeadObject(c, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("c")}); err == nil {
		t.Fatal("SSE-C over HTTP stored the object")
	}
}

// TestSSEDefaultEverywhereAndPolicy: a bucket's default encryption
// reaches every way an object is written (PUT, multipart, copy, POST
// form, snowball), a form's own encryption field wins, and a bucket
// policy on s3:x-amz-server-side-encryption is enforced.
func TestSSEDefaultEverywhereAndPolicy(t *testing.T) {
	s := startServer(t)
	mc := newMinioClient(t, s)
	c := ctx(t)
	const bucket = "defaults"
	if err := mc.MakeBucket(c, bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := mc.SetBucketEncryption(c, bucket, sse.NewConfigurationSSES3()); err != nil {
		t.Fatal(err)
	}
	sseOf := func(key string) string {
		t.Helper()
		st, err := mc.StatObject(c, bucket, key, minio.StatObjectOptions{})
		if err != nil {
			t.Fatalf("stat %s: %v", key, err)
		}
		return st.Metadata.Get("X-Amz-Server-Side-Encryption")
	}
	mc.PutObject(c, bucket, "put", bytes.NewReader([]byte("small")), 5, minio.PutObjectOptions{})
	mc.PutObject(c, bucket, "multipart", bytes.NewReader(markedBody(17<<20)), 17<<20, minio.PutObjectOptions{PartSize: 16 << 20})
	mc.PutObject(c, "defaults", "src", bytes.NewReader([]byte("x")), 1, minio.PutObjectOptions{})
	mc.CopyObject(c, minio.CopyDestOptions{Bucket: bucket, Object: "copy"}, minio.CopySrcOptions{Bucket: bucket, Object: "src"})

	policy := minio.NewPostPolicy()
	policy.SetBucket(bucket)
	policy.SetKeyStartsWith("form")
	policy.SetExpires(time.Now().UTC().Add(time.Hour))
	u, fields, err := mc.PresignedPostPolicy(c, policy)
	if err != nil {
		t.Fatal(err)
	}
	fields["key"] = "form-default"
	expectStatus(t, "form upload", do(t, formRequest(t, u.String(), fields, "f", []byte("form data"))), http.StatusNoContent)
	// A form that asks for its own encryption: the field must be in the
	// policy's conditions, as every form field must (kura's SDK can say
	// so; minio-go's SetEncryption adds the field without a condition).
	kc, err := kuraclient.New(s.addr, &kuraclient.Options{AccessKey: s.accessKey, SecretKey: s.secretKey})
	if err != nil {
		t.Fatal(err)
	}
	kmsForm := kuraclient.NewPostPolicy(bucket, time.Now().Add(time.Hour))
	kmsForm.SetKey("form-kms")
	if err := kmsForm.AddEqualsCondition("x-amz-server-side-encryption", "aws:kms"); err != nil {
		t.Fatal(err)
	}
	u, fields, err = kc.PresignedPostPolicy(c, kmsForm)
	if err != nil {
		t.Fatal(err)
	}
	expectStatus(t, "form upload with its own encryption", do(t, formRequest(t, u.String(), fields, "f", []byte("form data"))), http.StatusNoContent)

	archive := tarOf(t, false, map[string][]byte{"a": []byte("alpha"), "b": markedBody(300 << 10)}, "a", "b")
	req := s.signed(t, http.MethodPut, "/"+bucket+"/upload.tar", archive, s.secretKey, time.Now())
	req.Header.Set("X-Amz-Meta-Snowball-Auto-Extract", "true")
	req.Header.Set("X-Amz-Meta-Minio-Snowball-Prefix", "snow")
	expectStatus(t, "snowball upload", do(t, s.resign(t, req, archive)), http.StatusOK)

	for _, k := range []string{"put", "multipart", "copy", "form-default", "snow/a", "snow/b"} {
		if got := sseOf(k); got != "AES256" {
			t.Errorf("%s: x-amz-server-side-encryption %q, want AES256 from the bucket default", k, got)
		}
	}
	if got := sseOf("form-kms"); got != "aws:kms" {
		t.Errorf("form with its own encryption: %q, want aws:kms", got)
	}

	// A bucket policy that requires SSE-S3 on every PUT by a user.
	kuraAdmin(t, s, "user", "add", "writer", "writer-secret")
	kuraAdmin(t, s, "policy", "attach", "readwrite", "--user", "writer")
	require := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::` + bucket + `/*","Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"AES256"}}}]}`
	if err := mc.SetBucketPolicy(c, bucket, require); err != nil {
		t.Fatal(err)
	}
	writer := clientAs(s, "writer", "writer-secret")
	_, err = writer.PutObject(c, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("denied"), Body: strings.NewReader("x")})
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("PUT without the header under a require-encryption policy: %v", err)
	}
	_, err = writer.PutObject(c, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("allowed"), Body: strings.NewReader("x"), ServerSideEncryption: s3types.ServerSideEncryptionAes256})
	if err != nil {
		t.Fatalf("PUT with AES256 under a require-encryption policy: %v", err)
	}
}

// minioPy finds a minio-py checkout (MINIO_PY_DIR, or /tmp/minio-py as
// tests/compat/README.md makes it) and a python3 that can run it from
// there; it skips the test when there is none.
func minioPy(t *testing.T) (python string, env []string) {
	t.Helper()
	dir := os.Getenv("MINIO_PY_DIR")
	if dir == "" {
		dir = "/tmp/minio-py"
	}
	if _, err := os.Stat(filepath.Join(dir, "minio", "api.py")); err != nil {
		t.Skip("skipping: no minio-py checkout (set MINIO_PY_DIR; see tests/compat/README.md)")
	}
	python = "/usr/bin/python3"
	out, err := exec.Command(python, "-c", "import urllib3, certifi, argon2, typing_extensions, Cryptodome, os; print(os.path.dirname(Cryptodome.__file__))").Output()
	if err != nil {
		t.Skip("skipping: Debian's python3 lacks minio-py's dependencies (see tests/compat/README.md)")
	}
	// Debian ships pycryptodome as Cryptodome; minio-py imports Crypto.
	lib := t.TempDir()
	if err := os.Symlink(strings.TrimSpace(string(out)), filepath.Join(lib, "Crypto")); err != nil {
		t.Fatal(err)
	}
	return python, append(os.Environ(), "PYTHONPATH="+lib+":"+dir, "PYTHONDONTWRITEBYTECODE=1")
}

func TestSSEMinioPy(t *testing.T) {
	python, env := minioPy(t)
	s := startServer(t, "--tls-self-signed")
	kuraAdmin(t, s, "kms", "key", "create", "py-key")
	cmd := exec.Command(python, "testdata/minio_py_sse.py", s.addr, s.accessKey, s.secretKey, "py-key")
	cmd.Env = append(env, "SSL_CERT_FILE="+caFile(s))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK") {
		t.Fatalf("minio-py SSE: %v\n%s", err, out)
	}
}
