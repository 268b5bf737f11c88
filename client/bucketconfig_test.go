package client_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/client/internal/kuraproc"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/lifecycle"
	"github.com/kurastore/kura/wire/notification"
	"github.com/kurastore/kura/wire/objectlock"
	"github.com/kurastore/kura/wire/replication"
	"github.com/kurastore/kura/wire/s3select"
	"github.com/kurastore/kura/wire/sse"
	"github.com/kurastore/kura/wire/tagging"
	"github.com/kurastore/kura/wire/versioning"
)

// readOnlyPolicy grants anonymous callers read-only access to bucket.
func readOnlyPolicy(bucket string) string {
	return `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["s3:GetBucketLocation", "s3:ListBucket"], "Resource": "arn:aws:s3:::` + bucket + `"},
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::` + bucket + `/*"}
  ]
}`
}

func makeBucket(t *testing.T, c *client.Client, bucket string, lock bool) {
	t.Helper()
	if err := c.MakeBucket(context.Background(), bucket, client.MakeBucketOptions{ObjectLock: lock}); err != nil {
		t.Fatalf("MakeBucket %s: %v", bucket, err)
	}
}

// wantNotFound fails unless err is a 404 with the given code.
func wantNotFound(t *testing.T, what string, err error, code string) {
	t.Helper()
	if !client.IsNotFound(err) || client.ErrorCode(err) != code {
		t.Fatalf("%s: error = %v, want 404 %s", what, err, code)
	}
}

func TestBucketPolicyKura(t *testing.T) {
	c := kuraproc.Start(t, kuraproc.Options{}).Client
	ctx := context.Background()
	makeBucket(t, c, "policy", false)
	_, err := c.GetBucketPolicy(ctx, "policy")
	wantNotFound(t, "policy before set", err, "NoSuchBucketPolicy")

	want := readOnlyPolicy("policy")
	if err := c.SetBucketPolicy(ctx, "policy", want); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBucketPolicy(ctx, "policy")
	if err != nil || got != want {
		t.Fatalf("GetBucketPolicy = %q, %v; want the text set", got, err)
	}
	if err := c.DeleteBucketPolicy(ctx, "policy"); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBucketPolicy(ctx, "policy")
	wantNotFound(t, "policy after delete", err, "NoSuchBucketPolicy")
	_, err = c.GetBucketPolicy(ctx, "no-such-bucket")
	wantNotFound(t, "policy of a missing bucket", err, "NoSuchBucket")
}

func TestBucketNotificationKura(t *testing.T) {
	// The destination must be a target the server has; it need not answer.
	c := kuraproc.Start(t, kuraproc.Options{Webhooks: map[string]string{"1": "http://127.0.0.1:1/"}}).Client
	ctx := context.Background()
	makeBucket(t, c, "notify", false)
	cfg, err := c.GetBucketNotification(ctx, "notify")
	if err != nil || !reflect.DeepEqual(cfg, &notification.Configuration{}) {
		t.Fatalf("notification before set = %+v, %v; want empty", cfg, err)
	}
	want := &notification.Configuration{Queues: []notification.QueueConfiguration{{
		ID: "1", ARN: "arn:minio:sqs::1:webhook", Events: []string{"s3:ObjectCreated:*"},
		Filter: &notification.Filter{Key: notification.KeyFilter{Rules: []notification.FilterRule{{Name: "prefix", Value: "abc"}}}},
	}}}
	if err := c.SetBucketNotification(ctx, "notify", want); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBucketNotification(ctx, "notify")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("GetBucketNotification = %+v, %v; want %+v", got, err, want)
	}
	if err := c.DeleteBucketNotification(ctx, "notify"); err != nil {
		t.Fatal(err)
	}
	got, err = c.GetBucketNotification(ctx, "notify")
	if err != nil || !reflect.DeepEqual(got, &notification.Configuration{}) {
		t.Fatalf("notification after delete = %+v, %v; want empty", got, err)
	}
}

func TestBucketTagsKura(t *testing.T) {
	c := kuraproc.Start(t, kuraproc.Options{}).Client
	ctx := context.Background()
	makeBucket(t, c, "tags", false)
	_, err := c.GetBucketTags(ctx, "tags")
	wantNotFound(t, "tags before set", err, "NoSuchTagSet")

	want := map[string]string{"project": "kura", "cost center": "42", "empty": ""}
	for i := range tagging.MaxBucketTags - len(want) {
		want[fmt.Sprintf("k%02d", i)] = "v"
	}
	if err := c.SetBucketTags(ctx, "tags", want); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBucketTags(ctx, "tags")
	if err != nil || !maps.Equal(got, want) {
		t.Fatalf("GetBucketTags = %v, %v; want %v", got, err, want)
	}
	if err := c.DeleteBucketTags(ctx, "tags"); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBucketTags(ctx, "tags")
	wantNotFound(t, "tags after delete", err, "NoSuchTagSet")
}

func TestBucketVersioningKura(t *testing.T) {
	c := kuraproc.Start(t, kuraproc.Options{}).Client
	ctx := context.Background()
	makeBucket(t, c, "versions", false)
	got, err := c.GetBucketVersioning(ctx, "versions")
	if err != nil || got.Status != "" {
		t.Fatalf("versioning of a new bucket = %+v, %v; want no status", got, err)
	}
	steps := []*versioning.Configuration{
		{Status: versioning.Enabled, ExcludedPrefixes: []string{"tmp/", "cache/"}, ExcludeFolders: true},
		{Status: versioning.Suspended},
		{Status: versioning.Enabled},
	}
	for _, want := range steps {
		if err := c.SetBucketVersioning(ctx, "versions", want); err != nil {
			t.Fatalf("SetBucketVersioning %+v: %v", want, err)
		}
		got, err := c.GetBucketVersioning(ctx, "versions")
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("GetBucketVersioning = %+v, %v; want %+v", got, err, want)
		}
	}
}

// TestBucketConfigMoto runs the configurations kura does not serve yet
// (lifecycle, replication) against moto_server, one server for all of
// them, and encryption, which TestBucketEncryptionKura runs against kura
// too.
func TestBucketConfigMoto(t *testing.T) {
	c := startMoto(t)
	ctx := context.Background()

	t.Run("encryption", func(t *testing.T) {
		makeBucket(t, c, "encrypted", false)
		_, err := c.GetBucketEncryption(ctx, "encrypted")
		wantNotFound(t, "encryption before set", err, "ServerSideEncryptionConfigurationNotFoundError")
		for _, want := range []*sse.Configuration{
			sse.NewAES256(),
			{Rules: []sse.Rule{{Default: &sse.Default{Algorithm: sse.KMS, KMSMasterKeyID: "arn:aws:kms:us-east-1:123456789012:key/k"}, BucketKeyEnabled: true}}},
		} {
			if err := c.SetBucketEncryption(ctx, "encrypted", want); err != nil {
				t.Fatal(err)
			}
			got, err := c.GetBucketEncryption(ctx, "encrypted")
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("GetBucketEncryption = %+v, %v; want %+v", got, err, want)
			}
		}
		if err := c.DeleteBucketEncryption(ctx, "encrypted"); err != nil {
			t.Fatal(err)
		}
		_, err = c.GetBucketEncryption(ctx, "encrypted")
		wantNotFound(t, "encryption after delete", err, "ServerSideEncryptionConfigurationNotFoundError")
	})

	t.Run("lifecycle", func(t *testing.T) {
		makeBucket(t, c, "lifecycle", false)
		_, err := c.GetBucketLifecycle(ctx, "lifecycle")
		wantNotFound(t, "lifecycle before set", err, "NoSuchLifecycleConfiguration")
		// The spec's example, and the other actions.
		want := &lifecycle.Configuration{Rules: []lifecycle.Rule{
			{ID: "rule1", Status: lifecycle.Enabled, Filter: &lifecycle.Filter{Prefix: ptr("documents/")},
				Transitions: []lifecycle.Transition{{Days: ptr(30), StorageClass: "GLACIER"}}},
			{ID: "rule2", Status: lifecycle.Enabled, Filter: &lifecycle.Filter{Prefix: ptr("logs/")},
				Expiration: &lifecycle.Expiration{Days: 365}},
			{ID: "rule3", Status: lifecycle.Disabled, Filter: &lifecycle.Filter{And: &lifecycle.And{
				Prefix: "tmp/", Tags: []tagging.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}}},
				NoncurrentVersionExpiration: &lifecycle.NoncurrentVersionExpiration{NoncurrentDays: 30}},
			{ID: "rule4", Status: lifecycle.Enabled, Filter: &lifecycle.Filter{Prefix: ptr("uploads/")},
				AbortIncompleteMultipartUpload: &lifecycle.AbortIncompleteMultipartUpload{DaysAfterInitiation: 7}},
		}}
		if err := c.SetBucketLifecycle(ctx, "lifecycle", want); err != nil {
			t.Fatal(err)
		}
		got, err := c.GetBucketLifecycle(ctx, "lifecycle")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			a, _ := got.Encode()
			b, _ := want.Encode()
			t.Fatalf("GetBucketLifecycle =\n%s\nwant\n%s", a, b)
		}
		if err := c.DeleteBucketLifecycle(ctx, "lifecycle"); err != nil {
			t.Fatal(err)
		}
		_, err = c.GetBucketLifecycle(ctx, "lifecycle")
		wantNotFound(t, "lifecycle after delete", err, "NoSuchLifecycleConfiguration")
	})

	t.Run("replication", func(t *testing.T) {
		makeBucket(t, c, "source", false)
		makeBucket(t, c, "destination", false)
		for _, b := range []string{"source", "destination"} {
			if err := c.SetBucketVersioning(ctx, b, &versioning.Configuration{Status: versioning.Enabled}); err != nil {
				t.Fatal(err)
			}
		}
		_, err := c.GetBucketReplication(ctx, "source")
		wantNotFound(t, "replication before set", err, "ReplicationConfigurationNotFoundError")
		// The spec's example.
		want := &replication.Configuration{
			Role: "arn:aws:iam::123456789012:role/replication",
			Rules: []replication.Rule{{
				ID: "rule1", Priority: 1, Status: replication.Enabled,
				DeleteMarkerReplication: &replication.Status{Status: replication.Disabled},
				Filter: &replication.Filter{And: &replication.And{
					Prefix: "TaxDocs", Tags: []tagging.Tag{{Key: "key1", Value: "value1"}, {Key: "key2", Value: "value2"}}}},
				Destination: replication.Destination{Bucket: "arn:aws:s3:::destination", StorageClass: "STANDARD"},
			}},
		}
		if err := c.SetBucketReplication(ctx, "source", want); err != nil {
			t.Fatal(err)
		}
		got, err := c.GetBucketReplication(ctx, "source")
		if err != nil {
			t.Fatal(err)
		}
		// moto answers every rule with an empty prefix filter and
		// delete-marker replication disabled, whatever was set: compare
		// the rest.
		want.Rules[0].Filter = &replication.Filter{Prefix: ptr("")}
		if !reflect.DeepEqual(got, want) {
			a, _ := got.Encode()
			b, _ := want.Encode()
			t.Fatalf("GetBucketReplication =\n%s\nwant\n%s", a, b)
		}
		if err := c.DeleteBucketReplication(ctx, "source"); err != nil {
			t.Fatal(err)
		}
		_, err = c.GetBucketReplication(ctx, "source")
		wantNotFound(t, "replication after delete", err, "ReplicationConfigurationNotFoundError")
	})
}

// refusingClient returns a client whose server fails the test if any
// request reaches it: the calls given it must refuse their input first.
func refusingClient(t *testing.T) *client.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request sent: %s %s", r.Method, r.URL)
		http.Error(w, "refuse", http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL, &client.Options{AccessKey: "a", SecretKey: "b", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBucketConfigRefusesBadInput(t *testing.T) {
	c := refusingClient(t)
	ctx := context.Background()
	tooManyTags := map[string]string{}
	for i := range tagging.MaxBucketTags + 1 {
		tooManyTags[fmt.Sprint(i)] = "v"
	}
	tests := []struct {
		name string
		call func() error
		also error // an S3 error also in the chain, or nil
	}{
		{"bad bucket name", func() error { return c.SetBucketPolicy(ctx, "Bad_Bucket", readOnlyPolicy("Bad_Bucket")) }, nil},
		{"bad bucket name on get", func() error { _, err := c.GetBucketLifecycle(ctx, "a"); return err }, nil},
		{"bad bucket name on delete", func() error { return c.DeleteBucketEncryption(ctx, "..") }, nil},
		{"policy not JSON", func() error { return c.SetBucketPolicy(ctx, "bucket", "allow all") }, s3err.ErrMalformedPolicy},
		{"empty policy", func() error { return c.SetBucketPolicy(ctx, "bucket", "") }, s3err.ErrMalformedPolicy},
		{"policy of another bucket", func() error { return c.SetBucketPolicy(ctx, "bucket", readOnlyPolicy("other")) }, s3err.ErrMalformedPolicy},
		{"nil notification", func() error { return c.SetBucketNotification(ctx, "bucket", nil) }, nil},
		{"notification ARN", func() error {
			return c.SetBucketNotification(ctx, "bucket", &notification.Configuration{Queues: []notification.QueueConfiguration{{ARN: "queue", Events: []string{"s3:ObjectCreated:*"}}}})
		}, s3err.ErrInvalidTargetARN},
		{"notification event", func() error {
			return c.SetBucketNotification(ctx, "bucket", &notification.Configuration{Queues: []notification.QueueConfiguration{{ARN: "arn:minio:sqs::1:webhook", Events: []string{"s3:Nothing"}}}})
		}, s3err.ErrInvalidArgument},
		{"nil encryption", func() error { return c.SetBucketEncryption(ctx, "bucket", nil) }, nil},
		{"encryption algorithm", func() error {
			return c.SetBucketEncryption(ctx, "bucket", &sse.Configuration{Rules: []sse.Rule{{Default: &sse.Default{Algorithm: "DES"}}}})
		}, s3err.ErrMalformedXML},
		{"nil versioning", func() error { return c.SetBucketVersioning(ctx, "bucket", nil) }, nil},
		{"versioning status", func() error {
			return c.SetBucketVersioning(ctx, "bucket", &versioning.Configuration{Status: "On"})
		}, s3err.ErrMalformedXML},
		{"nil lifecycle", func() error { return c.SetBucketLifecycle(ctx, "bucket", nil) }, nil},
		{"lifecycle without rules", func() error { return c.SetBucketLifecycle(ctx, "bucket", &lifecycle.Configuration{}) }, s3err.ErrMalformedXML},
		{"lifecycle rule without action", func() error {
			return c.SetBucketLifecycle(ctx, "bucket", &lifecycle.Configuration{Rules: []lifecycle.Rule{{Status: lifecycle.Enabled, Filter: &lifecycle.Filter{}}}})
		}, s3err.ErrInvalidRequest},
		{"nil replication", func() error { return c.SetBucketReplication(ctx, "bucket", nil) }, nil},
		{"replication destination", func() error {
			return c.SetBucketReplication(ctx, "bucket", &replication.Configuration{Rules: []replication.Rule{{
				Status: replication.Enabled, Prefix: ptr(""), Destination: replication.Destination{Bucket: "destination"}}}})
		}, s3err.ErrInvalidArgument},
		{"too many tags", func() error { return c.SetBucketTags(ctx, "bucket", tooManyTags) }, s3err.ErrInvalidTag},
		{"bad tag key", func() error { return c.SetBucketTags(ctx, "bucket", map[string]string{"a*b": "v"}) }, s3err.ErrInvalidTag},
		{"listen to no events", func() error {
			return firstError(c.ListenBucketNotification(ctx, "bucket", client.ListenOptions{Events: []string{}}))
		}, nil},
		{"listen to an unknown event", func() error {
			return firstError(c.ListenBucketNotification(ctx, "bucket", client.ListenOptions{Events: []string{"s3:ObjectCreated:*", "s3:Sneezed"}}))
		}, nil},
		{"listen on a bad bucket", func() error { return firstError(c.ListenBucketNotification(ctx, "B", client.ListenOptions{})) }, nil},
		{"nil lock configuration", func() error { return c.SetObjectLockConfig(ctx, "bucket", nil) }, nil},
		{"nil select", func() error { _, err := c.SelectObjectContent(ctx, "bucket", "key", nil); return err }, nil},
		{"select without output", func() error {
			_, err := c.SelectObjectContent(ctx, "bucket", "key", &s3select.Request{Expression: "SELECT 1", Input: s3select.InputSerialization{CSV: &s3select.CSVInput{}}})
			return err
		}, s3err.ErrMissingRequiredParameter},
		{"lock configuration", func() error {
			return c.SetObjectLockConfig(ctx, "bucket", &objectlock.Configuration{Rule: &objectlock.Rule{DefaultRetention: objectlock.DefaultRetention{Mode: objectlock.Governance, Days: 1, Years: 1}}})
		}, s3err.ErrMalformedXML},
		{"retention mode", func() error {
			return c.SetObjectRetention(ctx, "bucket", "key", &objectlock.Retention{Mode: "FOREVER", RetainUntilDate: time.Now().Add(time.Hour)}, client.ObjectLockOptions{})
		}, s3err.ErrMalformedXML},
		{"retention without date", func() error {
			return c.SetObjectRetention(ctx, "bucket", "key", &objectlock.Retention{Mode: objectlock.Governance}, client.ObjectLockOptions{})
		}, s3err.ErrMalformedXML},
		{"nil retention", func() error { return c.SetObjectRetention(ctx, "bucket", "key", nil, client.ObjectLockOptions{}) }, nil},
		{"legal hold on an empty key", func() error { return c.EnableObjectLegalHold(ctx, "bucket", "", client.ObjectLockOptions{}) }, nil},
		{"retention on a bad bucket", func() error { _, err := c.GetObjectRetention(ctx, "x", "key", client.ObjectLockOptions{}); return err }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, client.ErrInvalidArgument) {
				t.Fatalf("error = %v, want ErrInvalidArgument", err)
			}
			if tt.also != nil && !errors.Is(err, tt.also) {
				t.Fatalf("error = %v, want it to carry %v", err, tt.also)
			}
		})
	}
}

func firstError[V any](seq func(func(V, error) bool)) error {
	for _, err := range seq {
		return err
	}
	return nil
}

// listenServer is a stand-in for MinIO's listen API, which neither kura
// nor moto serves yet: it checks the query, then writes lines, flushing
// each, and reports when the client goes away. It tests the client's
// reading of the stream (JSON lines, keep-alive blank lines and spaces,
// several records per line), not a server.
func listenServer(t *testing.T, lines []string, hold bool) (*client.Client, <-chan listenRequest) {
	t.Helper()
	queries := make(chan listenRequest, 1)
	gone := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries <- listenRequest{r.URL.Path, r.URL.Query()["prefix"], r.URL.Query()["suffix"], r.URL.Query()["events"]}
		w.Header().Set("Content-Type", "application/json")
		for _, l := range lines {
			io.WriteString(w, l)
			w.(http.Flusher).Flush()
		}
		if hold {
			// Keep the stream open until the client closes it.
			<-r.Context().Done()
			close(gone)
		}
	}))
	t.Cleanup(srv.Close)
	if hold {
		t.Cleanup(func() {
			select {
			case <-gone:
			case <-time.After(10 * time.Second):
				t.Error("the client did not close the event stream")
			}
		})
	}
	c, err := client.New(srv.URL, &client.Options{AccessKey: "a", SecretKey: "b", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c, queries
}

// listenRequest is what listenServer saw of a request.
type listenRequest struct {
	path                   string
	prefix, suffix, events []string
}

func eventLine(t *testing.T, keys ...string) string {
	t.Helper()
	var msg struct{ Records []client.NotificationEvent }
	for _, k := range keys {
		var e client.NotificationEvent
		e.EventName, e.EventTime = "s3:ObjectCreated:Put", "2030-01-01T00:00:00.000Z"
		e.S3.Bucket.Name, e.S3.Object.Key, e.S3.Object.Size = "bucket", k, 3
		msg.Records = append(msg.Records, e)
	}
	data, err := json.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	return string(data) + "\n"
}

func TestListenBucketNotification(t *testing.T) {
	lines := []string{"\n", " ", "  " + eventLine(t, "a.jpg"), "\n\n", eventLine(t, "b.jpg", "c.jpg"), " \r\n"}
	c, queries := listenServer(t, lines, false)
	var keys []string
	for e, err := range c.ListenBucketNotification(context.Background(), "bucket", client.ListenOptions{Prefix: "p/", Suffix: ".jpg", Events: []string{"s3:ObjectCreated:*"}}) {
		if err != nil {
			t.Fatal(err)
		}
		if e.EventName != "s3:ObjectCreated:Put" || e.S3.Bucket.Name != "bucket" || e.S3.Object.Size != 3 {
			t.Fatalf("event = %+v", e)
		}
		keys = append(keys, e.S3.Object.Key)
	}
	if want := []string{"a.jpg", "b.jpg", "c.jpg"}; !slices.Equal(keys, want) {
		t.Fatalf("keys = %v, want %v", keys, want)
	}
	q := <-queries
	if q.path != "/bucket" || !slices.Equal(q.prefix, []string{"p/"}) || !slices.Equal(q.suffix, []string{".jpg"}) || !slices.Equal(q.events, []string{"s3:ObjectCreated:*"}) {
		t.Fatalf("request = %+v", q)
	}
}

func TestListenBucketNotificationDefaults(t *testing.T) {
	c, queries := listenServer(t, nil, false)
	for _, err := range c.ListenBucketNotification(context.Background(), "bucket", client.ListenOptions{}) {
		t.Fatalf("yielded from an empty stream: %v", err)
	}
	want := []string{"s3:ObjectCreated:*", "s3:ObjectRemoved:*", "s3:ObjectAccessed:*"}
	if q := <-queries; !slices.Equal(q.events, want) || !slices.Equal(q.prefix, []string{""}) {
		t.Fatalf("request = %+v, want events %v", q, want)
	}
}

func TestListenBucketNotificationBreakCloses(t *testing.T) {
	c, _ := listenServer(t, []string{eventLine(t, "a", "b"), eventLine(t, "c")}, true)
	n := 0
	for _, err := range c.ListenBucketNotification(context.Background(), "bucket", client.ListenOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 2 {
			break
		}
	}
	// listenServer's cleanup checks that the connection was closed.
}

func TestListenBucketNotificationCancel(t *testing.T) {
	c, _ := listenServer(t, []string{eventLine(t, "a")}, true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var last error
	for _, err := range c.ListenBucketNotification(ctx, "bucket", client.ListenOptions{}) {
		if err != nil {
			last = err
			break
		}
		cancel() // after the first event, while the stream idles
	}
	if !errors.Is(last, context.Canceled) {
		t.Fatalf("error after cancel = %v, want context.Canceled", last)
	}
}

func TestListenBucketNotificationBadLine(t *testing.T) {
	c, _ := listenServer(t, []string{eventLine(t, "a"), "{not json\n", eventLine(t, "b")}, false)
	var keys []string
	var last error
	for e, err := range c.ListenBucketNotification(context.Background(), "bucket", client.ListenOptions{}) {
		if err != nil {
			last = err
			continue
		}
		keys = append(keys, e.S3.Object.Key)
	}
	if last == nil || !slices.Equal(keys, []string{"a"}) || !strings.Contains(last.Error(), "event stream") {
		t.Fatalf("keys %v, error %v; want one event, then the parse error", keys, last)
	}
}

// TestListenBucketNotificationKura: the listen API streams the bucket's
// events as they happen; a missing bucket is the server's error.
func TestListenBucketNotificationKura(t *testing.T) {
	c := kuraproc.Start(t, kuraproc.Options{}).Client
	makeBucket(t, c, "listen", false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := firstError(c.ListenBucketNotification(ctx, "no-such-bucket", client.ListenOptions{})); client.ErrorCode(err) != "NoSuchBucket" {
		t.Fatalf("listening to a missing bucket: %v, want NoSuchBucket", err)
	}
	go func() {
		// Write until the listener has heard one: it starts listening
		// at some point after this begins.
		for i := 0; ctx.Err() == nil; i++ {
			_, _ = c.PutObject(ctx, "listen", fmt.Sprintf("in/%d", i), strings.NewReader("x"), 1, client.PutObjectOptions{})
			time.Sleep(20 * time.Millisecond)
		}
	}()
	for e, err := range c.ListenBucketNotification(ctx, "listen", client.ListenOptions{Prefix: "in/", Events: []string{"s3:ObjectCreated:*"}}) {
		if err != nil {
			t.Fatal(err)
		}
		if e.EventName != "s3:ObjectCreated:Put" || !strings.HasPrefix(e.S3.Object.Key, "in/") || e.S3.Bucket.Name != "listen" || e.S3.Object.Sequencer == "" {
			t.Fatalf("event %+v", e)
		}
		return
	}
	t.Fatal("the stream ended without an event")
}

// TestConfigPutsSendContentMD5 checks the request every configuration
// PUT sends: a Content-MD5 that matches the body (S3 requires it of
// several of them), and the sub-resource. The server only records.
func TestConfigPutsSendContentMD5(t *testing.T) {
	type seen struct {
		query, md5, bypass string
		body               []byte
	}
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sum := md5.Sum(body)
		if r.Header.Get("Content-MD5") != base64.StdEncoding.EncodeToString(sum[:]) {
			t.Errorf("%s: Content-MD5 %q does not match the body", r.URL.RawQuery, r.Header.Get("Content-MD5"))
		}
		got = append(got, seen{r.URL.RawQuery, r.Header.Get("Content-MD5"), r.Header.Get("x-amz-bypass-governance-retention"), body})
	}))
	defer srv.Close()
	c, err := client.New(srv.URL, &client.Options{AccessKey: "a", SecretKey: "b", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	calls := []struct {
		query string
		call  func() error
	}{
		{"policy=", func() error { return c.SetBucketPolicy(ctx, "bucket", readOnlyPolicy("bucket")) }},
		{"notification=", func() error { return c.DeleteBucketNotification(ctx, "bucket") }},
		{"encryption=", func() error { return c.SetBucketEncryption(ctx, "bucket", sse.NewKMS("")) }},
		{"versioning=", func() error {
			return c.SetBucketVersioning(ctx, "bucket", &versioning.Configuration{Status: versioning.Suspended})
		}},
		{"replication=", func() error {
			return c.SetBucketReplication(ctx, "bucket", &replication.Configuration{Rules: []replication.Rule{{
				Status: replication.Enabled, Prefix: ptr(""), Destination: replication.Destination{Bucket: "arn:aws:s3:::d"}}}})
		}},
		{"lifecycle=", func() error {
			return c.SetBucketLifecycle(ctx, "bucket", &lifecycle.Configuration{Rules: []lifecycle.Rule{{
				Status: lifecycle.Enabled, Filter: &lifecycle.Filter{}, Expiration: &lifecycle.Expiration{Days: 1}}}})
		}},
		{"tagging=", func() error { return c.SetBucketTags(ctx, "bucket", map[string]string{"k": "v"}) }},
		{"object-lock=", func() error { return c.DeleteObjectLockConfig(ctx, "bucket") }},
		{"legal-hold=&versionId=v1", func() error {
			return c.EnableObjectLegalHold(ctx, "bucket", "key", client.ObjectLockOptions{VersionID: "v1"})
		}},
		{"retention=", func() error {
			return c.SetObjectRetention(ctx, "bucket", "key", &objectlock.Retention{}, client.ObjectLockOptions{BypassGovernance: true})
		}},
	}
	for i, tt := range calls {
		if err := tt.call(); err != nil {
			t.Fatalf("%s: %v", tt.query, err)
		}
		if len(got) != i+1 || got[i].query != tt.query || got[i].md5 == "" {
			t.Fatalf("request %d = %+v, want ?%s with Content-MD5", i, got[len(got)-1], tt.query)
		}
	}
	lock, err := objectlock.ParseConfiguration(bytes.NewReader(got[7].body))
	if err != nil || lock.ObjectLockEnabled != objectlock.Enabled || lock.Rule != nil {
		t.Fatalf("DeleteObjectLockConfig sent %s (%v); want enabled without a rule", got[7].body, err)
	}
	if got[9].bypass != "true" {
		t.Fatalf("SetObjectRetention with BypassGovernance sent bypass header %q", got[9].bypass)
	}
	notify, err := notification.Parse(bytes.NewReader(got[1].body))
	if err != nil || !reflect.DeepEqual(notify, &notification.Configuration{}) {
		t.Fatalf("DeleteBucketNotification sent %s (%v); want an empty configuration", got[1].body, err)
	}
}

// ptr returns a pointer to v, for the optional fields of a configuration.
func ptr[T any](v T) *T { return &v }
