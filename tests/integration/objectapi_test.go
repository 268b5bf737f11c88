package integration

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash/crc32"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	kuraclient "github.com/kurastore/kura/client"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/tags"
)

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestCopyTagsAndPartsAWS(t *testing.T) {
	s := startServer(t)
	c := newAWSClient(s)
	ctx := context.Background()
	bucket := "objapi"
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	data := pattern(6<<20+17, 3)
	_, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("src"), Body: bytes.NewReader(data),
		ContentType: aws.String("text/x-src"), Metadata: map[string]string{"origin": "test"}, Tagging: aws.String("a=1&b=two"),
	})
	if err != nil {
		t.Fatal(err)
	}

	// CopyObject with the COPY directives keeps metadata and tags.
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("copy"), CopySource: aws.String(bucket + "/src")}); err != nil {
		t.Fatal(err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("copy")})
	if err != nil || aws.ToString(head.ContentType) != "text/x-src" || head.Metadata["origin"] != "test" || aws.ToInt32(head.TagCount) != 2 {
		t.Fatalf("copy head: %v %+v", err, head)
	}
	// REPLACE directives, and a copy-source condition that fails.
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("copy2"), CopySource: aws.String(bucket + "/src"),
		MetadataDirective: types.MetadataDirectiveReplace, ContentType: aws.String("text/new"),
		TaggingDirective: types.TaggingDirectiveReplace, Tagging: aws.String("c=3"),
	})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String("copy2")})
	if err != nil || len(tg.TagSet) != 1 || aws.ToString(tg.TagSet[0].Key) != "c" {
		t.Fatalf("replaced tags: %v %+v", err, tg)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("copy3"), CopySource: aws.String(bucket + "/src"), CopySourceIfMatch: aws.String(`"nope"`)})
	if apiCode(err) != "PreconditionFailed" {
		t.Fatalf("copy-source-if-match: %v", err)
	}
	// A copy onto itself needs REPLACE.
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("src"), CopySource: aws.String(bucket + "/src")})
	if apiCode(err) != "InvalidRequest" {
		t.Fatalf("self copy: %v", err)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("src"), CopySource: aws.String(bucket + "/src"), MetadataDirective: types.MetadataDirectiveReplace, ContentType: aws.String("text/self")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := awsClient{c}.get(ctx, bucket, "src", "")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("self copy damaged data: %v", err)
	}

	// Tagging limits: 10 tags, key 128 characters, value 256.
	tagSet := func(n, keyLen, valLen int) []types.Tag {
		var ts []types.Tag
		for i := range n {
			k := strings.Repeat("k", keyLen-1) + string(rune('a'+i))
			ts = append(ts, types.Tag{Key: aws.String(k), Value: aws.String(strings.Repeat("v", valLen))})
		}
		return ts
	}
	for _, c2 := range []struct {
		name string
		set  []types.Tag
		ok   bool
	}{
		{"10 tags", tagSet(10, 5, 5), true}, {"11 tags", tagSet(11, 5, 5), false},
		{"key 128", tagSet(1, 128, 1), true}, {"key 129", tagSet(1, 129, 1), false},
		{"value 256", tagSet(1, 1, 256), true}, {"value 257", tagSet(1, 1, 257), false},
	} {
		_, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String("copy"), Tagging: &types.Tagging{TagSet: c2.set}})
		if c2.ok && err != nil || !c2.ok && apiCode(err) != "InvalidTag" {
			t.Errorf("%s: %v", c2.name, err)
		}
	}
	if _, err := c.DeleteObjectTagging(ctx, &s3.DeleteObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String("copy")}); err != nil {
		t.Fatal(err)
	}
	if tg, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String("copy")}); err != nil || len(tg.TagSet) != 0 {
		t.Fatalf("after delete: %v %+v", err, tg)
	}

	// Multipart with UploadPartCopy ranges, then GET by part number.
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("composed")})
	if err != nil {
		t.Fatal(err)
	}
	p1, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String(bucket), Key: aws.String("composed"), UploadId: up.UploadId, PartNumber: aws.Int32(1),
		CopySource: aws.String(bucket + "/src"), CopySourceRange: aws.String("bytes=0-5242879")})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("composed"), UploadId: up.UploadId, PartNumber: aws.Int32(2), Body: bytes.NewReader([]byte("end"))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("composed"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{
			{PartNumber: aws.Int32(1), ETag: p1.CopyPartResult.ETag}, {PartNumber: aws.Int32(2), ETag: p2.ETag},
		}}})
	if err != nil {
		t.Fatal(err)
	}
	part2, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("composed"), PartNumber: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(part2.Body)
	part2.Body.Close()
	if string(body) != "end" || aws.ToInt32(part2.PartsCount) != 2 {
		t.Fatalf("part 2: %q, parts count %d", body, aws.ToInt32(part2.PartsCount))
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("composed"), PartNumber: aws.Int32(3)}); err == nil {
		t.Fatal("HEAD of part 3 of 2 succeeded")
	}
}

func TestChecksumsAWS(t *testing.T) {
	s := startServer(t)
	c := newAWSClient(s)
	ctx := context.Background()
	bucket := "sums"
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	data := pattern(200000, 9)
	// SHA512 is the one of the 2026 algorithms this SDK computes.
	for _, alg := range []types.ChecksumAlgorithm{types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmCrc32c, types.ChecksumAlgorithmCrc64nvme,
		types.ChecksumAlgorithmSha1, types.ChecksumAlgorithmSha256, types.ChecksumAlgorithmSha512} {
		key := "k-" + string(alg)
		// The SDK sends the checksum in an aws-chunked trailer.
		put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data), ChecksumAlgorithm: alg})
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil {
			t.Fatal(err)
		}
		stored := map[types.ChecksumAlgorithm]*string{
			types.ChecksumAlgorithmCrc32: head.ChecksumCRC32, types.ChecksumAlgorithmCrc32c: head.ChecksumCRC32C,
			types.ChecksumAlgorithmCrc64nvme: head.ChecksumCRC64NVME, types.ChecksumAlgorithmSha1: head.ChecksumSHA1, types.ChecksumAlgorithmSha256: head.ChecksumSHA256,
			types.ChecksumAlgorithmSha512: head.ChecksumSHA512,
		}[alg]
		sent := map[types.ChecksumAlgorithm]*string{
			types.ChecksumAlgorithmCrc32: put.ChecksumCRC32, types.ChecksumAlgorithmCrc32c: put.ChecksumCRC32C,
			types.ChecksumAlgorithmCrc64nvme: put.ChecksumCRC64NVME, types.ChecksumAlgorithmSha1: put.ChecksumSHA1, types.ChecksumAlgorithmSha256: put.ChecksumSHA256,
			types.ChecksumAlgorithmSha512: put.ChecksumSHA512,
		}[alg]
		if aws.ToString(stored) == "" || aws.ToString(stored) != aws.ToString(sent) {
			t.Errorf("%s: stored %q, put returned %q", alg, aws.ToString(stored), aws.ToString(sent))
		}
	}
	// A wrong checksum in a header: BadDigest, nothing stored.
	crc := crc32.ChecksumIEEE(data) + 1
	wrong := []byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)}
	req := s.signed(t, http.MethodPut, "/"+bucket+"/bad", data, s.secretKey, time.Now())
	req.Header.Set("x-amz-checksum-crc32", base64std(wrong))
	r := do(t, s.resign(t, req, data))
	expectError(t, "wrong crc32", r, http.StatusBadRequest, "BadDigest")
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("bad")}); err == nil {
		t.Fatal("an object with a wrong checksum was stored")
	}
	sum := sha256.Sum256(data)
	req = s.signed(t, http.MethodPut, "/"+bucket+"/good", data, s.secretKey, time.Now())
	req.Header.Set("x-amz-checksum-sha256", base64std(sum[:]))
	expectStatus(t, "right sha256", do(t, s.resign(t, req, data)), http.StatusOK)
}

func TestMinioGoCopyComposeTags(t *testing.T) {
	s := startServer(t)
	mc := newMinioClient(t, s)
	ctx := context.Background()
	if err := mc.MakeBucket(ctx, "mgo", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	a, b := pattern(5<<20, 1), pattern(1000, 2)
	for k, d := range map[string][]byte{"a": a, "b": b} {
		if _, err := mc.PutObject(ctx, "mgo", k, bytes.NewReader(d), int64(len(d)), minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := mc.ComposeObject(ctx, minio.CopyDestOptions{Bucket: "mgo", Object: "ab"},
		minio.CopySrcOptions{Bucket: "mgo", Object: "a"}, minio.CopySrcOptions{Bucket: "mgo", Object: "b"})
	if err != nil {
		t.Fatal(err)
	}
	obj, err := mc.GetObject(ctx, "mgo", "ab", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(obj)
	if err != nil || !bytes.Equal(got, append(append([]byte(nil), a...), b...)) {
		t.Fatalf("composed: %v, %d bytes", err, len(got))
	}
	ts, _ := tags.NewTags(map[string]string{"x": "1"}, true)
	if err := mc.PutObjectTagging(ctx, "mgo", "ab", ts, minio.PutObjectTaggingOptions{}); err != nil {
		t.Fatal(err)
	}
	back, err := mc.GetObjectTagging(ctx, "mgo", "ab", minio.GetObjectTaggingOptions{})
	if err != nil || back.ToMap()["x"] != "1" {
		t.Fatalf("tags: %v %v", back, err)
	}
	bt, _ := tags.NewTags(map[string]string{"team": "kura"}, false)
	if err := mc.SetBucketTagging(ctx, "mgo", bt); err != nil {
		t.Fatal(err)
	}
	if got, err := mc.GetBucketTagging(ctx, "mgo"); err != nil || got.ToMap()["team"] != "kura" {
		t.Fatalf("bucket tags: %v %v", got, err)
	}
	if err := mc.RemoveBucketTagging(ctx, "mgo"); err != nil {
		t.Fatal(err)
	}
	if _, err := mc.GetBucketTagging(ctx, "mgo"); minio.ToErrorResponse(err).Code != "NoSuchTagSet" {
		t.Fatalf("bucket tags after delete: %v", err)
	}
}

func TestPostPolicyUpload(t *testing.T) {
	s := startServer(t)
	mc := newMinioClient(t, s)
	ctx := context.Background()
	if err := mc.MakeBucket(ctx, "forms", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	policy := minio.NewPostPolicy()
	policy.SetBucket("forms")
	policy.SetKeyStartsWith("uploads/")
	policy.SetExpires(time.Now().UTC().Add(time.Hour))
	policy.SetContentLengthRange(1, 100)
	u, fields, err := mc.PresignedPostPolicy(ctx, policy)
	if err != nil {
		t.Fatal(err)
	}
	post := func(key string, file []byte, change func(map[string]string)) rawResponse {
		f := map[string]string{}
		for k, v := range fields {
			f[k] = v
		}
		f["key"] = key
		if change != nil {
			change(f)
		}
		return do(t, formRequest(t, u.String(), f, "hello.txt", file))
	}
	expectStatus(t, "valid form", post("uploads/${filename}", []byte("hello"), nil), http.StatusNoContent)
	obj, err := mc.GetObject(ctx, "forms", "uploads/hello.txt", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(obj); string(got) != "hello" {
		t.Fatalf("uploaded %q", got)
	}
	expectError(t, "key outside the prefix", post("other/x", []byte("hello"), nil), http.StatusForbidden, "AccessDenied")
	expectError(t, "file over the length range", post("uploads/big", bytes.Repeat([]byte("x"), 101), nil), http.StatusBadRequest, "EntityTooLarge")
	expectStatus(t, "file at the length range's top", post("uploads/top", bytes.Repeat([]byte("x"), 100), nil), http.StatusNoContent)
	expectError(t, "forged policy", post("uploads/forged", []byte("x"), func(f map[string]string) {
		f["policy"] = f["policy"][:len(f["policy"])-4] + "AAAA"
	}), http.StatusForbidden, "SignatureDoesNotMatch")
	for _, k := range []string{"other/x", "uploads/big", "uploads/forged"} {
		if _, err := mc.StatObject(ctx, "forms", k, minio.StatObjectOptions{}); err == nil {
			t.Errorf("refused upload %s was stored", k)
		}
	}

	expired := minio.NewPostPolicy()
	expired.SetBucket("forms")
	expired.SetKey("late")
	expired.SetExpires(time.Now().UTC().Add(-time.Minute))
	u2, f2, err := mc.PresignedPostPolicy(ctx, expired)
	if err != nil {
		t.Fatal(err)
	}
	expectError(t, "expired policy", do(t, formRequest(t, u2.String(), f2, "late", []byte("x"))), http.StatusForbidden, "AccessDenied")

	created := minio.NewPostPolicy()
	created.SetBucket("forms")
	created.SetKey("created")
	created.SetExpires(time.Now().UTC().Add(time.Hour))
	created.SetSuccessStatusAction("201")
	u3, f3, err := mc.PresignedPostPolicy(ctx, created)
	if err != nil {
		t.Fatal(err)
	}
	r := do(t, formRequest(t, u3.String(), f3, "c.txt", []byte("made")))
	if r.status != http.StatusCreated || !strings.Contains(string(r.body), "<Key>created</Key>") {
		t.Fatalf("success_action_status 201: %d %s", r.status, r.body)
	}
}

func base64std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// formRequest builds a browser upload: the fields, then the file last.
func formRequest(t *testing.T, target string, fields map[string]string, filename string, file []byte) *http.Request {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(file)
	w.Close()
	req := mustRequest(t, http.MethodPost, target, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return req
}

func TestMinioGoVersions(t *testing.T) {
	s := startServer(t)
	mc := newMinioClient(t, s)
	ctx := context.Background()
	if err := mc.MakeBucket(ctx, "mgv", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := mc.EnableVersioning(ctx, "mgv"); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 3 {
		data := []byte(strings.Repeat("v", i+1))
		info, err := mc.PutObject(ctx, "mgv", "obj", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, info.VersionID)
	}
	if err := mc.RemoveObject(ctx, "mgv", "obj", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	var listed []string
	markers := 0
	for o := range mc.ListObjects(ctx, "mgv", minio.ListObjectsOptions{WithVersions: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		if o.IsDeleteMarker {
			markers++
			continue
		}
		listed = append(listed, o.VersionID)
	}
	if markers != 1 || len(listed) != 3 || listed[0] != ids[2] || listed[2] != ids[0] {
		t.Fatalf("versions %v (markers %d), put %v", listed, markers, ids)
	}
	obj, err := mc.GetObject(ctx, "mgv", "obj", minio.GetObjectOptions{VersionID: ids[1]})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(obj); string(got) != "vv" {
		t.Fatalf("version 2: %q", got)
	}
	cfg, err := mc.GetBucketVersioning(ctx, "mgv")
	if err != nil || !cfg.Enabled() {
		t.Fatalf("versioning config: %+v %v", cfg, err)
	}
}

// TestPostFormACL: a form's acl field is held to the same rule as
// x-amz-acl on PUT: private is fine, a grant to others is refused and
// nothing is stored.
func TestPostFormACL(t *testing.T) {
	s := startServer(t)
	c := ctx(t)
	kc, err := kuraclient.New(s.addr, &kuraclient.Options{AccessKey: s.accessKey, SecretKey: s.secretKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := kc.MakeBucket(c, "forms", kuraclient.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, acl := range []string{"private", "public-read"} {
		p := kuraclient.NewPostPolicy("forms", time.Now().Add(time.Hour))
		p.SetKey("acl-" + acl)
		if err := p.AddEqualsCondition("acl", acl); err != nil {
			t.Fatal(err)
		}
		u, fields, err := kc.PresignedPostPolicy(c, p)
		if err != nil {
			t.Fatal(err)
		}
		r := do(t, formRequest(t, u.String(), fields, "f", []byte("data")))
		_, statErr := kc.StatObject(c, "forms", "acl-"+acl, kuraclient.StatObjectOptions{})
		if acl == "private" {
			expectStatus(t, "form with acl=private", r, http.StatusNoContent)
			if statErr != nil {
				t.Fatalf("private form upload not stored: %v", statErr)
			}
			continue
		}
		expectError(t, "form with acl=public-read", r, http.StatusBadRequest, "AccessControlListNotSupported")
		if statErr == nil {
			t.Fatal("a form refused for its acl was stored")
		}
	}
}
