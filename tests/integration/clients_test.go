package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"
)

// s3Client is the handful of operations the workflow test needs, so that
// one workflow runs through every Go client.
type s3Client interface {
	makeBucket(ctx context.Context, bucket string) error
	put(ctx context.Context, bucket, key string, data []byte) error
	// get reads a byte range; rng "" reads everything.
	get(ctx context.Context, bucket, key, rng string) ([]byte, error)
	size(ctx context.Context, bucket, key string) (int64, error)
	list(ctx context.Context, bucket, prefix, delimiter string, v1 bool) (keys, prefixes []string, err error)
	remove(ctx context.Context, bucket, key string) error
	removeMany(ctx context.Context, bucket string, keys []string) error
	removeBucket(ctx context.Context, bucket string) error
}

func newAWSClient(s *server) *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.url()),
		UsePathStyle: true,
		Credentials:  awscreds.NewStaticCredentialsProvider(s.accessKey, s.secretKey, ""),
	})
}

type awsClient struct{ c *s3.Client }

func (a awsClient) makeBucket(ctx context.Context, b string) error {
	_, err := a.c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &b})
	return err
}

func (a awsClient) put(ctx context.Context, b, k string, data []byte) error {
	_, err := a.c.PutObject(ctx, &s3.PutObjectInput{Bucket: &b, Key: &k, Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data)))})
	return err
}

func (a awsClient) get(ctx context.Context, b, k, rng string) ([]byte, error) {
	in := &s3.GetObjectInput{Bucket: &b, Key: &k}
	if rng != "" {
		in.Range = &rng
	}
	out, err := a.c.GetObject(ctx, in)
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

func (a awsClient) size(ctx context.Context, b, k string) (int64, error) {
	out, err := a.c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &b, Key: &k})
	if err != nil {
		return 0, err
	}
	return aws.ToInt64(out.ContentLength), nil
}

func (a awsClient) list(ctx context.Context, b, prefix, delim string, v1 bool) (keys, prefixes []string, err error) {
	if v1 {
		in := &s3.ListObjectsInput{Bucket: &b, Prefix: &prefix, Delimiter: &delim}
		for {
			out, err := a.c.ListObjects(ctx, in)
			if err != nil {
				return nil, nil, err
			}
			for _, o := range out.Contents {
				keys = append(keys, *o.Key)
			}
			for _, p := range out.CommonPrefixes {
				prefixes = append(prefixes, *p.Prefix)
			}
			if !aws.ToBool(out.IsTruncated) {
				return keys, prefixes, nil
			}
			in.Marker = out.NextMarker
		}
	}
	p := s3.NewListObjectsV2Paginator(a.c, &s3.ListObjectsV2Input{Bucket: &b, Prefix: &prefix, Delimiter: &delim})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, o := range out.Contents {
			keys = append(keys, *o.Key)
		}
		for _, cp := range out.CommonPrefixes {
			prefixes = append(prefixes, *cp.Prefix)
		}
	}
	return keys, prefixes, nil
}

func (a awsClient) remove(ctx context.Context, b, k string) error {
	_, err := a.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &b, Key: &k})
	return err
}

func (a awsClient) removeMany(ctx context.Context, b string, keys []string) error {
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		var objs []types.ObjectIdentifier
		for _, k := range keys[:n] {
			objs = append(objs, types.ObjectIdentifier{Key: aws.String(k)})
		}
		out, err := a.c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: &b, Delete: &types.Delete{Objects: objs, Quiet: aws.Bool(true)}})
		if err != nil {
			return err
		}
		if len(out.Errors) > 0 {
			return fmt.Errorf("DeleteObjects: %d errors, first %s", len(out.Errors), aws.ToString(out.Errors[0].Code))
		}
		keys = keys[n:]
	}
	return nil
}

func (a awsClient) removeBucket(ctx context.Context, b string) error {
	_, err := a.c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &b})
	return err
}

func newMinioClient(t *testing.T, s *server) *minio.Client {
	c, err := minio.New(s.addr, &minio.Options{Creds: miniocreds.NewStaticV4(s.accessKey, s.secretKey, ""), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type minioClient struct{ c *minio.Client }

func (m minioClient) makeBucket(ctx context.Context, b string) error {
	return m.c.MakeBucket(ctx, b, minio.MakeBucketOptions{})
}

func (m minioClient) put(ctx context.Context, b, k string, data []byte) error {
	_, err := m.c.PutObject(ctx, b, k, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{})
	return err
}

func (m minioClient) get(ctx context.Context, b, k, rng string) ([]byte, error) {
	opts := minio.GetObjectOptions{}
	if rng != "" {
		opts.Set("Range", rng)
	}
	obj, err := m.c.GetObject(ctx, b, k, opts)
	if err != nil {
		return nil, err
	}
	defer obj.Close()
	return io.ReadAll(obj)
}

func (m minioClient) size(ctx context.Context, b, k string) (int64, error) {
	info, err := m.c.StatObject(ctx, b, k, minio.StatObjectOptions{})
	return info.Size, err
}

func (m minioClient) list(ctx context.Context, b, prefix, delim string, v1 bool) (keys, prefixes []string, err error) {
	if delim != "" && delim != "/" {
		return nil, nil, errors.New("minio-go lists with '/' only")
	}
	for o := range m.c.ListObjects(ctx, b, minio.ListObjectsOptions{Prefix: prefix, Recursive: delim == "", UseV1: v1}) {
		if o.Err != nil {
			return nil, nil, o.Err
		}
		if len(o.Key) > 0 && o.Key[len(o.Key)-1] == '/' && delim != "" && o.Size == 0 && o.ETag == "" {
			prefixes = append(prefixes, o.Key)
			continue
		}
		keys = append(keys, o.Key)
	}
	return keys, prefixes, nil
}

func (m minioClient) remove(ctx context.Context, b, k string) error {
	return m.c.RemoveObject(ctx, b, k, minio.RemoveObjectOptions{})
}

func (m minioClient) removeMany(ctx context.Context, b string, keys []string) error {
	ch := make(chan minio.ObjectInfo, len(keys))
	for _, k := range keys {
		ch <- minio.ObjectInfo{Key: k}
	}
	close(ch)
	for e := range m.c.RemoveObjects(ctx, b, ch, minio.RemoveObjectsOptions{}) {
		return e.Err
	}
	return nil
}

func (m minioClient) removeBucket(ctx context.Context, b string) error {
	return m.c.RemoveBucket(ctx, b)
}

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31) ^ seed ^ byte(i>>9)
	}
	return b
}

// workflow is the end-to-end scenario every client must pass.
func workflow(t *testing.T, c s3Client) {
	ctx := ctx(t)
	const bucket = "workflow"
	if err := c.makeBucket(ctx, bucket); err != nil {
		t.Fatal("make bucket:", err)
	}
	objects := map[string][]byte{
		"empty":       {},
		"small.txt":   []byte("hello kura"),
		"inline-edge": pattern(64<<10, 1),
		"blob-1m":     pattern(1<<20+17, 2),
		"blob-20m":    pattern(20<<20, 3), // minio-go and aws-cli send this as multipart
	}
	for k, data := range objects {
		if err := c.put(ctx, bucket, k, data); err != nil {
			t.Fatalf("put %s: %v", k, err)
		}
	}
	for k, data := range objects {
		got, err := c.get(ctx, bucket, k, "")
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("get %s: %d bytes, err %v", k, len(got), err)
		}
		if n, err := c.size(ctx, bucket, k); err != nil || n != int64(len(data)) {
			t.Fatalf("stat %s: %d, %v", k, n, err)
		}
	}
	big := objects["blob-1m"]
	for rng, want := range map[string][]byte{
		"bytes=0-0":      big[:1],
		"bytes=100-1999": big[100:2000],
		"bytes=65530-":   big[65530:],
		"bytes=-70000":   big[len(big)-70000:],
	} {
		got, err := c.get(ctx, bucket, "blob-1m", rng)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("range %s: %d bytes (want %d), err %v", rng, len(got), len(want), err)
		}
	}

	// 1,100 keys: pagination past 1000, with and without a delimiter.
	var many []string
	for i := range 1100 {
		many = append(many, fmt.Sprintf("many/d%d/k%04d", i%3, i))
	}
	for i := 0; i < len(many); i++ {
		if err := c.put(ctx, bucket, many[i], []byte(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(many)
	for _, v1 := range []bool{false, true} {
		keys, prefixes, err := c.list(ctx, bucket, "many/", "", v1)
		if err != nil || !slices.Equal(keys, many) || len(prefixes) != 0 {
			t.Fatalf("v1=%v recursive list: %d keys, %v", v1, len(keys), err)
		}
		keys, prefixes, err = c.list(ctx, bucket, "many/", "/", v1)
		if err != nil || len(keys) != 0 || !slices.Equal(prefixes, []string{"many/d0/", "many/d1/", "many/d2/"}) {
			t.Fatalf("v1=%v delimiter list: keys %d prefixes %v, %v", v1, len(keys), prefixes, err)
		}
		keys, prefixes, err = c.list(ctx, bucket, "", "/", v1)
		want := []string{"blob-1m", "blob-20m", "empty", "inline-edge", "small.txt"}
		if err != nil || !slices.Equal(keys, want) || !slices.Equal(prefixes, []string{"many/"}) {
			t.Fatalf("v1=%v top-level list: %v %v, %v", v1, keys, prefixes, err)
		}
	}

	if err := c.removeBucket(ctx, bucket); err == nil {
		t.Fatal("removing a non-empty bucket succeeded")
	}
	if err := c.removeMany(ctx, bucket, many); err != nil {
		t.Fatal("remove many:", err)
	}
	for k := range objects {
		if err := c.remove(ctx, bucket, k); err != nil {
			t.Fatalf("remove %s: %v", k, err)
		}
	}
	if _, err := c.get(ctx, bucket, "small.txt", ""); err == nil {
		t.Fatal("deleted object still readable")
	}
	if keys, _, err := c.list(ctx, bucket, "", "", false); err != nil || len(keys) != 0 {
		t.Fatalf("bucket not empty after deletes: %v %v", keys, err)
	}
	if err := c.removeBucket(ctx, bucket); err != nil {
		t.Fatal("remove bucket:", err)
	}
}

func TestWorkflowAWSSDKGoV2(t *testing.T) {
	s := startServer(t)
	workflow(t, awsClient{newAWSClient(s)})
}

func TestWorkflowMinioGo(t *testing.T) {
	s := startServer(t)
	workflow(t, minioClient{newMinioClient(t, s)})
}
