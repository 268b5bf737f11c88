package integration

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"
)

// A kura serving us-east-1 holds buckets of other regions, as AWS's
// global endpoint creates them: clients create a bucket in another region,
// signing for it, and work with it.

// regionRecorder is a transport that notes the region each request is
// signed for.
type regionRecorder struct {
	mu      sync.Mutex
	regions []string
}

func (rr *regionRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	auth := r.Header.Get("Authorization")
	if _, cred, ok := strings.Cut(auth, "Credential="); ok {
		if parts := strings.Split(cred, "/"); len(parts) > 2 {
			rr.mu.Lock()
			rr.regions = append(rr.regions, parts[2])
			rr.mu.Unlock()
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// take returns the regions noted since the last take.
func (rr *regionRecorder) take() []string {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	out := rr.regions
	rr.regions = nil
	return out
}

func TestRegionsMinioGo(t *testing.T) {
	s := startServer(t)
	ctx := ctx(t)
	rec := &regionRecorder{}
	// No Region: minio-go signs CreateBucket for the bucket's region and
	// asks GetBucketLocation (signed for us-east-1) which region to sign
	// the bucket's requests for (testMakeBucketRegions does this).
	mc, err := minio.New(s.addr, &minio.Options{Creds: miniocreds.NewStaticV4(s.accessKey, s.secretKey, ""), Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	const eu, bucket = "eu-central-1", "mgo-regions"
	if err := mc.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: eu}); err != nil {
		t.Fatalf("MakeBucket in %s: %v", eu, err)
	}
	if got := rec.take(); len(got) != 1 || got[0] != eu {
		t.Fatalf("MakeBucket signed for %v, want %s", got, eu)
	}
	err = mc.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: eu})
	if code := minio.ToErrorResponse(err).Code; code != "BucketAlreadyOwnedByYou" {
		t.Fatalf("MakeBucket again: %v", err)
	}
	if loc, err := mc.GetBucketLocation(ctx, bucket); err != nil || loc != eu {
		t.Fatalf("GetBucketLocation: %q %v", loc, err)
	}
	data := []byte("in eu-central-1")
	if _, err := mc.PutObject(ctx, bucket, "k", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	obj, err := mc.GetObject(ctx, bucket, "k", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(obj)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("GetObject: %q %v", got, err)
	}
	for o := range mc.ListObjects(ctx, bucket, minio.ListObjectsOptions{}) {
		if o.Err != nil || o.Key != "k" {
			t.Fatalf("ListObjects: %+v", o)
		}
	}
	// The bucket's region is cached from MakeBucket: every request of
	// the bucket is signed for it.
	if got := rec.take(); len(got) < 3 || strings.Count(strings.Join(got, " "), eu) != len(got) {
		t.Fatalf("requests signed for %v, want all %s", got, eu)
	}
	// A client that does not know the bucket asks its location, signed
	// for us-east-1, then signs for eu-central-1.
	fresh, err := minio.New(s.addr, &minio.Options{Creds: miniocreds.NewStaticV4(s.accessKey, s.secretKey, ""), Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fresh.StatObject(ctx, bucket, "k", minio.StatObjectOptions{}); err != nil {
		t.Fatalf("StatObject from a new client: %v", err)
	}
	if got := rec.take(); strings.Join(got, " ") != "us-east-1 "+eu {
		t.Fatalf("new client signed for %v, want us-east-1 (GetBucketLocation) then %s", got, eu)
	}
	u, err := mc.PresignedGetObject(ctx, bucket, "k", time.Hour, nil)
	if err != nil || !strings.Contains(u.RawQuery, "%2F"+eu+"%2F") {
		t.Fatalf("PresignedGetObject: %v %v", u, err)
	}
	resp, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(body, data) {
		t.Fatalf("presigned GET for %s: %d %s", eu, resp.StatusCode, body)
	}

	// A client fixed on another region is refused, and told the bucket's.
	west, err := minio.New(s.addr, &minio.Options{Creds: miniocreds.NewStaticV4(s.accessKey, s.secretKey, ""), Region: "us-west-2"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = west.PutObject(ctx, bucket, "k", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{})
	if e := minio.ToErrorResponse(err); e.Code != "AuthorizationHeaderMalformed" || e.Region != eu {
		t.Fatalf("PutObject signed for us-west-2: %+v", e)
	}

	// A name with a period, in us-west-2 (path style).
	const dotted = "mgo-regions.withperiod"
	if err := mc.MakeBucket(ctx, dotted, minio.MakeBucketOptions{Region: "us-west-2"}); err != nil {
		t.Fatalf("MakeBucket %s in us-west-2: %v", dotted, err)
	}
	if _, err := mc.PutObject(ctx, dotted, "k", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
		t.Fatalf("PutObject to %s: %v", dotted, err)
	}
	// Signature Version 2 names no region: a V2 client (the suite's
	// testMakeBucketRegionsV2) creates and uses a bucket of any region.
	v2, err := minio.New(s.addr, &minio.Options{Creds: miniocreds.NewStaticV2(s.accessKey, s.secretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	const v2Bucket = "mgo-regions-v2"
	if err := v2.MakeBucket(ctx, v2Bucket, minio.MakeBucketOptions{Region: eu}); err != nil {
		t.Fatalf("V2 MakeBucket in %s: %v", eu, err)
	}
	if _, err := v2.PutObject(ctx, v2Bucket, "k", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
		t.Fatalf("V2 PutObject: %v", err)
	}
	if loc, err := mc.GetBucketLocation(ctx, v2Bucket); err != nil || loc != eu {
		t.Fatalf("location of the V2 bucket: %q %v", loc, err)
	}
	buckets, err := mc.ListBuckets(ctx)
	if err != nil || len(buckets) != 3 {
		t.Fatalf("ListBuckets: %v %v", buckets, err)
	}
	for _, b := range []string{bucket, dotted, v2Bucket} {
		if err := mc.RemoveObject(ctx, b, "k", minio.RemoveObjectOptions{}); err != nil {
			t.Fatalf("RemoveObject %s: %v", b, err)
		}
		if err := mc.RemoveBucket(ctx, b); err != nil {
			t.Fatalf("RemoveBucket %s: %v", b, err)
		}
	}
}

// The admin API has no bucket: it takes only the server's region.
func TestRegionsAdmin(t *testing.T) {
	s := startServer(t)
	get := func(region string) *http.Response {
		req, err := http.NewRequest("GET", s.url()+"/.kura/admin/v1/info", nil)
		if err != nil {
			t.Fatal(err)
		}
		const emptySHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
		req.Header.Set("X-Amz-Content-Sha256", emptySHA)
		creds := aws.Credentials{AccessKeyID: s.accessKey, SecretAccessKey: s.secretKey}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, emptySHA, "s3", region, time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if resp := get("us-east-1"); resp.StatusCode != 200 {
		t.Fatalf("admin info signed for us-east-1: %d", resp.StatusCode)
	}
	resp := get("eu-central-1")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !bytes.Contains(body, []byte("<Region>us-east-1</Region>")) {
		t.Fatalf("admin info signed for eu-central-1: %d %s", resp.StatusCode, body)
	}
}

func TestRegionsBoto3(t *testing.T) {
	py := pythonWithBoto3(t)
	s := startServer(t)
	runScript(t, py, s, "boto3_regions.py", "boto3 regions")
}
