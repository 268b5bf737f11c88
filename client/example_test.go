package client_test

// Examples of every exported method of client.Client. Those with an
// Output comment run as tests, each against a kura of its own that
// newClient starts (example_server_test.go); the others are compiled
// only, as they need keys or files of a real deployment. docs/sdk.md
// shows the same code.

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"iter"
	"log"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/wire/lifecycle"
	"github.com/kurastore/kura/wire/notification"
	"github.com/kurastore/kura/wire/objectlock"
	"github.com/kurastore/kura/wire/replication"
	"github.com/kurastore/kura/wire/s3select"
	"github.com/kurastore/kura/wire/sse"
	"github.com/kurastore/kura/wire/tagging"
	"github.com/kurastore/kura/wire/versioning"
)

// --- Constructing a client ---

func ExampleNew() {
	// Anonymous, plain HTTP, us-east-1.
	anon, err := client.New("127.0.0.1:9000", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(anon.Endpoint())

	// Static keys, HTTPS, another region.
	c, err := client.New("s3.example.com", &client.Options{
		AccessKey: "ACCESS-KEY",
		SecretKey: "SECRET-KEY",
		Secure:    true,
		Region:    "eu-west-2",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Endpoint(), c.Region())
	// Output:
	// http://127.0.0.1:9000
	// https://s3.example.com eu-west-2
}

func ExampleNew_credentialsProvider() {
	// Keys from the environment (kura's, then AWS's variables), then
	// from ~/.aws/credentials.
	c, err := client.New("127.0.0.1:9000", &client.Options{
		Credentials: client.Chain{Providers: []client.Provider{
			client.EnvKura{},
			client.EnvAWS{},
			&client.SharedFile{Profile: "default"},
		}},
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = c
}

func ExampleNew_assumeRole() {
	// Temporary credentials from STS, refreshed before they expire.
	c, err := client.New("127.0.0.1:9000", &client.Options{
		Credentials: &client.AssumeRole{
			Endpoint:  "http://127.0.0.1:9000",
			AccessKey: "ACCESS-KEY",
			SecretKey: "SECRET-KEY",
			Duration:  time.Hour,
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = c
}

func ExampleNew_customTransport() {
	// Requests go through a proxy; the transport is the caller's.
	proxy, _ := url.Parse("http://proxy.example.com:3128")
	c, err := client.New("s3.example.com", &client.Options{
		AccessKey:  "ACCESS-KEY",
		SecretKey:  "SECRET-KEY",
		Secure:     true,
		Transport:  &http.Transport{Proxy: http.ProxyURL(proxy)},
		MaxRetries: 5,
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = c
}

func ExampleClient_Endpoint() {
	c, err := client.New("127.0.0.1:9000", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Endpoint().String())
	// Output: http://127.0.0.1:9000
}

func ExampleClient_Region() {
	c, err := client.New("127.0.0.1:9000", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Region())
	// Output: us-east-1
}

func ExampleIsNotFound() {
	c := newClient()
	_, err := c.StatObject(context.Background(), "my-bucket", "missing", client.StatObjectOptions{})
	switch {
	case client.IsNotFound(err):
		fmt.Println("no such object")
	case err != nil:
		log.Fatal(err)
	}
}

func ExampleErrorCode() {
	c := newClient()
	err := c.MakeBucket(context.Background(), "my-bucket", client.MakeBucketOptions{})
	switch client.ErrorCode(err) {
	case "":
		if err != nil {
			log.Fatal(err) // a network error, or a refused argument
		}
	case "BucketAlreadyOwnedByYou":
		fmt.Println("already there")
	default:
		var e *client.ErrorResponse
		if errors.As(err, &e) {
			log.Fatalf("%s (HTTP %d, request %s)", e.Code, e.StatusCode, e.RequestID)
		}
	}
}

// --- Buckets ---

func ExampleClient_MakeBucket() {
	c := newClient()
	ctx := context.Background()

	if err := c.MakeBucket(ctx, "photos", client.MakeBucketOptions{}); err != nil {
		log.Fatal(err)
	}
	// With object lock (and so versioning).
	err := c.MakeBucket(ctx, "my-locked-bucket", client.MakeBucketOptions{ObjectLock: true})
	if err != nil {
		log.Fatal(err)
	}
	ok, err := c.BucketExists(ctx, "photos")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("photos exists:", ok)
	// Output: photos exists: true
}

func ExampleClient_MakeBucket_location() {
	c := newClient()
	// In a given region. AWS and kura create it there (kura holds
	// buckets of any region and accepts requests signed for its own
	// region or for the bucket's).
	err := c.MakeBucket(context.Background(), "my-bucket", client.MakeBucketOptions{Location: "eu-west-2"})
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_ListBuckets() {
	c := newClient()
	buckets, err := c.ListBuckets(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, b := range buckets {
		fmt.Println(b.Name, b.CreationDate)
	}
}

func ExampleClient_BucketExists() {
	c := newClient()
	ok, err := c.BucketExists(context.Background(), "my-bucket")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("my-bucket exists:", ok)
}

func ExampleClient_RemoveBucket() {
	c := newClient()
	if err := c.RemoveBucket(context.Background(), "my-bucket"); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_ListObjects() {
	c := newClient()
	ctx := context.Background()

	// Every key under my/prefix/, however deep.
	opts := client.ListObjectsOptions{Prefix: "my/prefix/", Recursive: true}
	for obj, err := range c.ListObjects(ctx, "my-bucket", opts) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(obj.Key, obj.Size)
	}

	// One level of the hierarchy: sub-"directories" come back as
	// prefixes.
	for obj, err := range c.ListObjects(ctx, "my-bucket", client.ListObjectsOptions{Prefix: "my/"}) {
		if err != nil {
			log.Fatal(err)
		}
		if obj.IsPrefix {
			fmt.Println("dir ", obj.Key)
		} else {
			fmt.Println("file", obj.Key)
		}
	}
	// Output:
	// my/prefix/a.txt 2
	// my/prefix/b/c.txt 2
	// file my/other.txt
	// dir  my/prefix/
}

func ExampleClient_ListObjects_versions() {
	c := newClient()
	opts := client.ListObjectsOptions{
		Recursive:      true,
		StartAfter:     "my/prefix/world/1",
		IncludeVersion: true,
	}
	for obj, err := range c.ListObjects(context.Background(), "my-bucket", opts) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(obj.Key, obj.VersionID, obj.IsLatest, obj.IsDeleteMarker)
	}
}

// --- Bucket policy ---

func ExampleClient_GetBucketPolicy() {
	c := newClient()
	policy, err := c.GetBucketPolicy(context.Background(), "my-bucket")
	if client.IsNotFound(err) {
		fmt.Println("no policy") // NoSuchBucketPolicy
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(policy)
}

func ExampleClient_SetBucketPolicy() {
	c := newClient()
	// Anyone may list my-bucket and read its objects.
	const readOnly = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": ["*"]},
     "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
     "Resource": ["arn:aws:s3:::my-bucket"]},
    {"Effect": "Allow", "Principal": {"AWS": ["*"]},
     "Action": ["s3:GetObject"],
     "Resource": ["arn:aws:s3:::my-bucket/*"]}
  ]
}`
	if err := c.SetBucketPolicy(context.Background(), "my-bucket", readOnly); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_DeleteBucketPolicy() {
	c := newClient()
	if err := c.DeleteBucketPolicy(context.Background(), "my-bucket"); err != nil {
		log.Fatal(err)
	}
}

// --- Bucket notification ---

func ExampleClient_GetBucketNotification() {
	c := newClient()
	cfg, err := c.GetBucketNotification(context.Background(), "my-bucket")
	if err != nil {
		log.Fatal(err)
	}
	for _, q := range cfg.Queues {
		fmt.Println(q.ID, q.ARN, q.Events)
	}
}

func ExampleClient_SetBucketNotification() {
	c := newClient()
	cfg := &notification.Configuration{
		Queues: []notification.QueueConfiguration{{
			ID:     "uploads",
			ARN:    "arn:minio:sqs::primary:webhook",
			Events: []string{"s3:ObjectCreated:*"},
			Filter: &notification.Filter{Key: notification.KeyFilter{
				Rules: []notification.FilterRule{{Name: "prefix", Value: "incoming/"}},
			}},
		}},
	}
	if err := c.SetBucketNotification(context.Background(), "my-bucket", cfg); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_DeleteBucketNotification() {
	c := newClient()
	if err := c.DeleteBucketNotification(context.Background(), "my-bucket"); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_ListenBucketNotification() {
	c := newClient()
	// Listen for a minute; breaking out of the loop also stops.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	events := []string{"s3:ObjectCreated:*", "s3:ObjectRemoved:*"}
	for ev, err := range c.ListenBucketNotification(ctx, "my-bucket", client.ListenOptions{Prefix: "my-prefix/", Events: events}) {
		if errors.Is(err, context.DeadlineExceeded) {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		key, _ := url.QueryUnescape(ev.S3.Object.Key)
		fmt.Println(ev.EventName, ev.S3.Bucket.Name, key)
	}
}

// --- Bucket encryption ---

func ExampleClient_GetBucketEncryption() {
	c := newClient()
	cfg, err := c.GetBucketEncryption(context.Background(), "my-bucket")
	if client.IsNotFound(err) {
		fmt.Println("no default encryption")
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.Rules[0].Default.Algorithm)
}

func ExampleClient_SetBucketEncryption() {
	c := newClient()
	// SSE-S3: server-managed keys. sse.NewKMS(keyID) selects SSE-KMS.
	if err := c.SetBucketEncryption(context.Background(), "my-bucket", sse.NewAES256()); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_DeleteBucketEncryption() {
	c := newClient()
	if err := c.DeleteBucketEncryption(context.Background(), "my-bucket"); err != nil {
		log.Fatal(err)
	}
}

// --- Server-side encryption ---

func ExampleSSEC() {
	// An SSE-C key travels with every request: the client needs HTTPS.
	c, err := client.New("s3.example.com", &client.Options{
		AccessKey: "ACCESS-KEY",
		SecretKey: "SECRET-KEY",
		Secure:    true,
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// A 32-byte AES-256 key. The server does not keep it: losing it
	// loses the object.
	key := make([]byte, client.SSECKeySize)
	if _, err := rand.Read(key); err != nil {
		log.Fatal(err)
	}
	ssec, err := client.SSEC(key)
	if err != nil {
		log.Fatal(err)
	}

	data := []byte("for my eyes only")
	_, err = c.PutObject(ctx, "my-bucket", "secret.txt", bytes.NewReader(data), int64(len(data)), client.PutObjectOptions{
		ServerSideEncryption: ssec,
	})
	if err != nil {
		log.Fatal(err)
	}

	// Every read of the object brings the same key.
	obj, err := c.GetObject(ctx, "my-bucket", "secret.txt", client.GetObjectOptions{ServerSideEncryption: ssec})
	if err != nil {
		log.Fatal(err)
	}
	defer obj.Close()
	if _, err := io.Copy(os.Stdout, obj); err != nil {
		log.Fatal(err)
	}
	fmt.Println(obj.Info.SSECustomerAlgorithm) // AES256

	// A copy opens the source with its key; the copy is encrypted with
	// server-managed keys instead.
	_, err = c.CopyObject(ctx,
		client.CopyDestOptions{Bucket: "my-bucket", Key: "shared.txt", Encryption: client.SSES3()},
		client.CopySrcOptions{Bucket: "my-bucket", Key: "secret.txt", Encryption: ssec},
	)
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleSSEKMS() {
	c := newClient()
	ctx := context.Background()

	// The KMS key "my-key" ("" for the server's default key), with an
	// encryption context bound to the object.
	kms, err := client.SSEKMS("my-key", map[string]string{"project": "demo"})
	if err != nil {
		log.Fatal(err)
	}
	info, err := c.FPutObject(ctx, "my-bucket", "report.pdf", "/tmp/report.pdf", client.PutObjectOptions{
		ServerSideEncryption: kms,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.ServerSideEncryption, info.KMSKeyID) // aws:kms my-key

	// Reads need nothing: the server knows the key.
	st, err := c.StatObject(ctx, "my-bucket", "report.pdf", client.StatObjectOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.ServerSideEncryption, st.KMSKeyID, st.EncryptionContext)
}

// --- Bucket versioning ---

func ExampleClient_GetBucketVersioning() {
	c := newClient()
	cfg, err := c.GetBucketVersioning(context.Background(), "my-bucket")
	if err != nil {
		log.Fatal(err)
	}
	if cfg.Status == "" {
		fmt.Println("never versioned")
	} else {
		fmt.Println(cfg.Status) // Enabled or Suspended
	}
}

func ExampleClient_SetBucketVersioning() {
	c := newClient()
	cfg := &versioning.Configuration{Status: versioning.Enabled}
	if err := c.SetBucketVersioning(context.Background(), "my-bucket", cfg); err != nil {
		log.Fatal(err)
	}
}

// --- Bucket replication ---

func ExampleClient_GetBucketReplication() {
	c := newClient()
	cfg, err := c.GetBucketReplication(context.Background(), "my-bucket")
	if client.IsNotFound(err) {
		fmt.Println("no replication")
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range cfg.Rules {
		fmt.Println(r.ID, r.Status, r.Destination.Bucket)
	}
}

func ExampleClient_SetBucketReplication() {
	c := newClient()
	cfg := &replication.Configuration{
		Role: "arn:aws:iam::123456789012:role/replication",
		Rules: []replication.Rule{{
			ID:       "tax-docs",
			Priority: 1,
			Status:   replication.Enabled,
			Filter: &replication.Filter{And: &replication.And{
				Prefix: "TaxDocs",
				Tags:   []tagging.Tag{{Key: "key1", Value: "value1"}, {Key: "key2", Value: "value2"}},
			}},
			DeleteMarkerReplication: &replication.Status{Status: replication.Disabled},
			Destination:             replication.Destination{Bucket: "arn:aws:s3:::my-replica"},
		}},
	}
	if err := c.SetBucketReplication(context.Background(), "my-bucket", cfg); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_DeleteBucketReplication() {
	c := newClient()
	if err := c.DeleteBucketReplication(context.Background(), "my-bucket"); err != nil {
		log.Fatal(err)
	}
}

// --- Bucket lifecycle ---

func ExampleClient_GetBucketLifecycle() {
	c := newClient()
	cfg, err := c.GetBucketLifecycle(context.Background(), "my-bucket")
	if client.IsNotFound(err) {
		fmt.Println("no lifecycle rules")
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range cfg.Rules {
		fmt.Println(r.ID, r.Status)
	}
}

func ExampleClient_SetBucketLifecycle() {
	c := newClient()
	documents, logs, days := "documents/", "logs/", 30
	cfg := &lifecycle.Configuration{Rules: []lifecycle.Rule{
		{
			ID:          "archive-documents",
			Status:      lifecycle.Enabled,
			Filter:      &lifecycle.Filter{Prefix: &documents},
			Transitions: []lifecycle.Transition{{Days: &days, StorageClass: "GLACIER"}},
		},
		{
			ID:         "expire-logs",
			Status:     lifecycle.Enabled,
			Filter:     &lifecycle.Filter{Prefix: &logs},
			Expiration: &lifecycle.Expiration{Days: 365},
		},
	}}
	if err := c.SetBucketLifecycle(context.Background(), "my-bucket", cfg); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_DeleteBucketLifecycle() {
	c := newClient()
	if err := c.DeleteBucketLifecycle(context.Background(), "my-bucket"); err != nil {
		log.Fatal(err)
	}
}

// --- Object lock configuration ---

func ExampleClient_GetObjectLockConfig() {
	c := newClient()
	cfg, err := c.GetObjectLockConfig(context.Background(), "my-locked-bucket")
	if err != nil {
		log.Fatal(err)
	}
	if cfg.Rule != nil {
		r := cfg.Rule.DefaultRetention
		fmt.Println(r.Mode, r.Days, r.Years)
	}
}

func ExampleClient_SetObjectLockConfig() {
	c := newClient()
	// New versions are kept for 15 days in GOVERNANCE mode.
	cfg := &objectlock.Configuration{Rule: &objectlock.Rule{
		DefaultRetention: objectlock.DefaultRetention{Mode: objectlock.Governance, Days: 15},
	}}
	if err := c.SetObjectLockConfig(context.Background(), "my-locked-bucket", cfg); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_DeleteObjectLockConfig() {
	c := newClient()
	if err := c.DeleteObjectLockConfig(context.Background(), "my-locked-bucket"); err != nil {
		log.Fatal(err)
	}
}

// --- Bucket tags ---

func ExampleClient_GetBucketTags() {
	c := newClient()
	tags, err := c.GetBucketTags(context.Background(), "my-bucket")
	if client.IsNotFound(err) {
		fmt.Println("no tags") // NoSuchTagSet
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tags["project"])
}

func ExampleClient_SetBucketTags() {
	c := newClient()
	tags := map[string]string{"project": "apollo", "owner": "data-team"}
	if err := c.SetBucketTags(context.Background(), "my-bucket", tags); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_DeleteBucketTags() {
	c := newClient()
	if err := c.DeleteBucketTags(context.Background(), "my-bucket"); err != nil {
		log.Fatal(err)
	}
}

// --- Reading objects ---

func ExampleClient_GetObject() {
	c := newClient()
	ctx := context.Background()

	obj, err := c.GetObject(ctx, "my-bucket", "my-object", client.GetObjectOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer obj.Close()
	n, err := io.Copy(os.Stdout, obj)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, "bytes of", obj.Info.Size, obj.Info.ContentType)
	// Output:
	// hello, kura
	// 12 bytes of 12 text/plain
}

func ExampleClient_GetObject_range() {
	c := newClient()
	// 1024 bytes from offset 512 of one version.
	obj, err := c.GetObject(context.Background(), "my-bucket", "my-object", client.GetObjectOptions{
		Offset:    512,
		Length:    1024,
		VersionID: "dfbd25b3-abec-4184-a4e8-5a35a5c1174d",
	})
	if err != nil {
		log.Fatal(err)
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(data))
}

func ExampleClient_SelectObjectContent() {
	c := newClient()
	req := &s3select.Request{
		Expression: "SELECT s.name FROM S3Object s WHERE CAST(s.age AS INT) > 30",
		Input: s3select.InputSerialization{
			CSV: &s3select.CSVInput{FileHeaderInfo: s3select.FileHeaderUse},
		},
		Output:          s3select.OutputSerialization{CSV: &s3select.CSVOutput{}},
		RequestProgress: true,
	}
	res, err := c.SelectObjectContent(context.Background(), "my-bucket", "people.csv", req)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Close()
	if _, err := io.Copy(os.Stdout, res); err != nil {
		log.Fatal(err)
	}
	if s := res.Stats(); s != nil {
		fmt.Println(s.BytesScanned, s.BytesProcessed, s.BytesReturned)
	}
}

func ExampleClient_FGetObject() {
	c := newClient()
	err := c.FGetObject(context.Background(), "my-bucket", "my-object", "/tmp/my-object", client.GetObjectOptions{})
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_StatObject() {
	c := newClient()
	info, err := c.StatObject(context.Background(), "my-bucket", "my-object", client.StatObjectOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("size: %d, etag: %s, type: %s\n", info.Size, info.ETag, info.ContentType)
	fmt.Println(info.Metadata) // user metadata, without x-amz-meta-
	// Output:
	// size: 12, etag: d91cc3d141c14a5abb365fbbaa389e25, type: text/plain
	// map[]
}

// --- Removing objects ---

func ExampleClient_RemoveObject() {
	c := newClient()
	ctx := context.Background()

	if err := c.RemoveObject(ctx, "my-bucket", "my-object", client.RemoveObjectOptions{}); err != nil {
		log.Fatal(err)
	}
	_, err := c.StatObject(ctx, "my-bucket", "my-object", client.StatObjectOptions{})
	fmt.Println(errors.Is(err, client.ErrNoSuchKey))
	// Output: true
}

func ExampleClient_RemoveObject_version() {
	c := newClient()
	// One version, for good.
	err := c.RemoveObject(context.Background(), "my-bucket", "my-object", client.RemoveObjectOptions{
		VersionID: "dfbd25b3-abec-4184-a4e8-5a35a5c1174d",
	})
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_RemoveObjects() {
	c := newClient()
	objects := slices.Values([]client.ObjectToDelete{
		{Key: "my-object"},
		{Key: "my/other.txt"},
		// Not a version id of this server: refused, for this key alone.
		{Key: "my/prefix/a.txt", VersionID: "13f88b18-8dcd-4c83-88f2-8631fdb6250c"},
	})
	err := c.RemoveObjects(context.Background(), "my-bucket", objects, client.RemoveObjectsOptions{})
	var partly *client.RemoveObjectsError
	switch {
	case errors.As(err, &partly) && partly.Err == nil:
		for _, failed := range partly.Failed {
			fmt.Println("not deleted:", failed.Key, failed.Code)
		}
	case err != nil:
		log.Fatal(err)
	}
	// Output: not deleted: my/prefix/a.txt InvalidArgument
}

func ExampleClient_RemoveObjects_prefix() {
	c := newClient()
	ctx := context.Background()

	// Delete everything under my/prefix/ while listing it: keys are
	// pulled from the listing as batches of 1000 are sent.
	var listErr error
	keys := func(yield func(client.ObjectToDelete) bool) {
		opts := client.ListObjectsOptions{Prefix: "my/prefix/", Recursive: true}
		for obj, err := range c.ListObjects(ctx, "my-bucket", opts) {
			if err != nil {
				listErr = err
				return
			}
			if !yield(client.ObjectToDelete{Key: obj.Key}) {
				return
			}
		}
	}
	if err := c.RemoveObjects(ctx, "my-bucket", iter.Seq[client.ObjectToDelete](keys), client.RemoveObjectsOptions{}); err != nil {
		log.Fatal(err)
	}
	if listErr != nil {
		log.Fatal(listErr)
	}
}

// --- Legal hold and retention ---

func ExampleClient_EnableObjectLegalHold() {
	c := newClient()
	err := c.EnableObjectLegalHold(context.Background(), "my-locked-bucket", "my-object", client.ObjectLockOptions{})
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_DisableObjectLegalHold() {
	c := newClient()
	err := c.DisableObjectLegalHold(context.Background(), "my-locked-bucket", "my-object", client.ObjectLockOptions{})
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_IsObjectLegalHoldEnabled() {
	c := newClient()
	on, err := c.IsObjectLegalHoldEnabled(context.Background(), "my-locked-bucket", "my-object", client.ObjectLockOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("legal hold:", on)
}

func ExampleClient_GetObjectRetention() {
	c := newClient()
	ret, err := c.GetObjectRetention(context.Background(), "my-locked-bucket", "my-object", client.ObjectLockOptions{})
	if client.IsNotFound(err) {
		fmt.Println("no retention")
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ret.Mode, ret.RetainUntilDate)
}

func ExampleClient_SetObjectRetention() {
	c := newClient()
	ret := &objectlock.Retention{
		Mode:            objectlock.Governance,
		RetainUntilDate: time.Now().Add(10 * 24 * time.Hour),
	}
	err := c.SetObjectRetention(context.Background(), "my-locked-bucket", "my-object", ret, client.ObjectLockOptions{})
	if err != nil {
		log.Fatal(err)
	}
}

// --- Presigned URLs and POST policies ---

func ExampleClient_PresignedGetObject() {
	c := newClient()
	u, err := c.PresignedGetObject(context.Background(), "my-bucket", "my-object", 2*time.Hour, client.PresignOptions{})
	if err != nil {
		log.Fatal(err)
	}
	// Anyone holding u can download the object for two hours, without
	// keys.
	resp, err := http.Get(u.String())
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(resp.Status, " ", string(body))
	// Output: 200 OK hello, kura
}

func ExampleClient_PresignedPutObject() {
	c := newClient()
	u, err := c.PresignedPutObject(context.Background(), "my-bucket", "my-object", 7*24*time.Hour, client.PresignOptions{})
	if err != nil {
		log.Fatal(err)
	}
	// Anyone holding u can now: curl -X PUT -T file "$u"
	fmt.Println(u.String())
}

func ExampleClient_PresignedPostPolicy() {
	c := newClient()
	p := client.NewPostPolicy("my-bucket", time.Now().Add(10*24*time.Hour))
	if err := p.SetKeyStartsWith("my/object/prefix/"); err != nil {
		log.Fatal(err)
	}
	if err := p.AddContentLengthRangeCondition(1<<20, 10<<20); err != nil {
		log.Fatal(err)
	}
	u, fields, err := c.PresignedPostPolicy(context.Background(), p)
	if err != nil {
		log.Fatal(err)
	}
	// A browser form posts to u with fields, then the "file" field.
	fmt.Println(u.String())
	for name, value := range fields {
		fmt.Printf("%s=%s\n", name, value)
	}
}

func ExampleClient_GetPresignedURL() {
	c := newClient()
	ctx := context.Background()

	// Delete, within a day.
	del, err := c.GetPresignedURL(ctx, http.MethodDelete, "my-bucket", "my-object", 24*time.Hour, client.PresignOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(del.String())

	// Download served as JSON.
	get, err := c.GetPresignedURL(ctx, http.MethodGet, "my-bucket", "my-object", 24*time.Hour, client.PresignOptions{
		ResponseHeaders: url.Values{"response-content-type": {"application/json"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(get.String())
}

// --- Writing objects ---

func ExampleClient_PutObject() {
	c := newClient()
	ctx := context.Background()

	data := []byte("hello, kura")
	info, err := c.PutObject(ctx, "my-bucket", "greeting.txt", bytes.NewReader(data), int64(len(data)), client.PutObjectOptions{
		ContentType: "text/plain",
		Metadata:    map[string]string{"origin": "example"},
		Tags:        map[string]string{"kind": "demo"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.Size, info.ETag)

	// A stream of unknown size (-1), such as os.Stdin, goes up in parts
	// of PartSize, read as they are sent.
	var sent int64
	info, err = c.PutObject(ctx, "my-bucket", "stream.txt", strings.NewReader("streamed\n"), -1, client.PutObjectOptions{
		PartSize: 64 << 20,
		Progress: func(n int64) { sent = n },
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.Size, sent)
	// Output:
	// 11 6cb398c63f65d190fd62095c3ab6fcf5
	// 9 9
}

func ExampleClient_FPutObject() {
	c := newClient()
	info, err := c.FPutObject(context.Background(), "my-bucket", "backup.tar.gz", "/tmp/backup.tar.gz", client.PutObjectOptions{
		NumThreads: 8,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.Key, info.Size, info.ETag)
}

func ExampleClient_CopyObject() {
	c := newClient()
	ctx := context.Background()

	// Plain copy: metadata and tags come along.
	info, err := c.CopyObject(ctx,
		client.CopyDestOptions{Bucket: "my-bucket", Key: "my-object-copy"},
		client.CopySrcOptions{Bucket: "my-bucket", Key: "my-object"},
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.ETag)

	// Copy only if unchanged since yesterday, with new metadata. The
	// source was written just now, so nothing is copied.
	_, err = c.CopyObject(ctx,
		client.CopyDestOptions{
			Bucket:          "my-bucket",
			Key:             "my-object-copy",
			ReplaceMetadata: true,
			ContentType:     "application/json",
			Metadata:        map[string]string{"reviewed": "yes"},
		},
		client.CopySrcOptions{
			Bucket:               "my-bucket",
			Key:                  "my-object",
			MatchUnmodifiedSince: time.Now().Add(-24 * time.Hour),
		},
	)
	fmt.Println(errors.Is(err, client.ErrPreconditionFailed))
	// Output:
	// d91cc3d141c14a5abb365fbbaa389e25
	// true
}

func ExampleClient_ComposeObject() {
	c := newClient()
	// Every source but the last must be at least 5 MiB.
	info, err := c.ComposeObject(context.Background(),
		client.CopyDestOptions{Bucket: "my-bucket", Key: "joined"},
		client.CopySrcOptions{Bucket: "my-job-bucket", Key: "part-1"},
		client.CopySrcOptions{Bucket: "my-job-bucket", Key: "part-2"},
		client.CopySrcOptions{Bucket: "my-job-bucket", Key: "part-3", Offset: 0, Length: 1 << 20},
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.Size)
}

// --- Object tags ---

func ExampleClient_GetObjectTags() {
	c := newClient()
	tags, err := c.GetObjectTags(context.Background(), "my-bucket", "my-object", client.ObjectTagsOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tags)
}

func ExampleClient_SetObjectTags() {
	c := newClient()
	tags := map[string]string{"Project": "Project One", "User": "jsmith"}
	err := c.SetObjectTags(context.Background(), "my-bucket", "my-object", tags, client.ObjectTagsOptions{})
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_DeleteObjectTags() {
	c := newClient()
	err := c.DeleteObjectTags(context.Background(), "my-bucket", "my-object", client.ObjectTagsOptions{})
	if err != nil {
		log.Fatal(err)
	}
}

// --- Snowball ---

func ExampleClient_UploadSnowballObjects() {
	c := newClient()
	objects := []client.SnowballObject{
		{Key: "notes/a.txt", Reader: strings.NewReader("first"), Size: 5},
		{Key: "notes/b.txt", Reader: strings.NewReader("second"), Size: 6},
		{Key: "images/logo.png", FilePath: "/tmp/logo.png"},
	}
	_, err := c.UploadSnowballObjects(context.Background(), "my-bucket", objects, client.SnowballOptions{
		Compression: true,
	})
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleReplicaOptions() {
	c := newClient()
	ctx := context.Background()

	// The source version: its id, its time, its data and its parts.
	data := make([]byte, 12<<20)
	source := client.ReplicaOptions{
		VersionID: "0193e9a1b2c3d4e5f60718293a4b5c6d",
		ModTime:   time.Date(2026, 3, 4, 6, 8, 9, 0, time.UTC),
	}
	// The copy gets the same version id, time, parts and ETag.
	_, err := c.PutObject(ctx, "replica-bucket", "video.mp4", bytes.NewReader(data), int64(len(data)), client.PutObjectOptions{
		PartSizes: []int64{5 << 20, 5 << 20, 2 << 20},
		Replica:   &source,
	})
	if err != nil {
		log.Fatal(err)
	}
	// A delete marker of the source, with its id and time.
	marker := client.ReplicaOptions{VersionID: "0193e9a1c0ffee000000000000000001", ModTime: time.Now(), DeleteMarker: true}
	if err := c.RemoveObject(ctx, "replica-bucket", "video.mp4", client.RemoveObjectOptions{Replica: &marker}); err != nil {
		log.Fatal(err)
	}
}
