package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/client/internal/kuraproc"
)

// regionLog records, for each request, its path, the region it was
// signed for and the status of the answer.
type regionLog struct {
	mu   sync.Mutex
	sent []string
	next http.RoundTripper
}

func (l *regionLog) RoundTrip(r *http.Request) (*http.Response, error) {
	region := "unsigned"
	if auth := r.Header.Get("Authorization"); auth != "" {
		// Credential=AK/20260101/<region>/s3/aws4_request
		scope := strings.Split(strings.SplitN(auth, "Credential=", 2)[1], "/")
		region = scope[2]
	} else if cred := r.URL.Query().Get("X-Amz-Credential"); cred != "" {
		region = strings.Split(cred, "/")[2]
	}
	resp, err := l.next.RoundTrip(r)
	status := 0
	if err == nil {
		status = resp.StatusCode
	}
	l.mu.Lock()
	l.sent = append(l.sent, fmt.Sprintf("%s %s %s %d", r.Method, r.URL.Path, region, status))
	l.mu.Unlock()
	return resp, err
}

// take returns the requests recorded since the last call.
func (l *regionLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.sent
	l.sent = nil
	return out
}

// TestRegionLookup: a client with no region talks to a server of
// another region holding buckets of two regions. Each first request is
// refused for its region and sent again, signed for the region the
// server named; later ones are signed right at once.
func TestRegionLookup(t *testing.T) {
	s := kuraproc.Start(t, kuraproc.Options{Region: "eu-central-1"})
	ctx := context.Background()
	if err := s.Client.MakeBucket(ctx, "home", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Client.MakeBucket(ctx, "far", client.MakeBucketOptions{Location: "ap-south-1"}); err != nil {
		t.Fatal(err)
	}
	log := &regionLog{next: http.DefaultTransport}
	c, err := client.New(s.Endpoint, &client.Options{AccessKey: s.AccessKey, SecretKey: s.SecretKey, Transport: log})
	if err != nil {
		t.Fatal(err)
	}
	put := func(bucket string) error {
		_, err := c.PutObject(ctx, bucket, "k", strings.NewReader("data"), 4, client.PutObjectOptions{})
		return err
	}
	stat := func(bucket string) error {
		_, err := c.StatObject(ctx, bucket, "k", client.StatObjectOptions{})
		return err
	}
	steps := []struct {
		name string
		call func() error
		want []string
	}{
		{"first put to far", func() error { return put("far") }, []string{"PUT /far/k us-east-1 400", "PUT /far/k ap-south-1 200"}},
		{"second call to far", func() error { return stat("far") }, []string{"HEAD /far/k ap-south-1 200"}},
		// A HEAD has no body: the region comes from x-amz-bucket-region.
		{"first HEAD of home", func() error {
			if err := stat("home"); !errors.Is(err, client.ErrNoSuchKey) {
				return fmt.Errorf("stat of a missing key: %v", err)
			}
			return nil
		}, []string{"HEAD /home/k us-east-1 400", "HEAD /home/k eu-central-1 404"}},
		{"put to home", func() error { return put("home") }, []string{"PUT /home/k eu-central-1 200"}},
		{"list buckets", func() error { _, err := c.ListBuckets(ctx); return err }, []string{"GET / us-east-1 400", "GET / eu-central-1 200"}},
		// A new bucket is signed for the server's region, now known.
		{"make a bucket", func() error { return c.MakeBucket(ctx, "made", client.MakeBucketOptions{}) }, []string{"PUT /made eu-central-1 200"}},
		// CreateBucket is signed for the region it creates the bucket in.
		{"make a bucket elsewhere", func() error {
			return c.MakeBucket(ctx, "tokyo", client.MakeBucketOptions{Location: "ap-northeast-1"})
		}, []string{"PUT /tokyo ap-northeast-1 200"}},
		{"put to the new bucket", func() error { return put("tokyo") }, []string{"PUT /tokyo/k ap-northeast-1 200"}},
	}
	for _, step := range steps {
		if err := step.call(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if got := log.take(); strings.Join(got, "; ") != strings.Join(step.want, "; ") {
			t.Errorf("%s: sent %q, want %q", step.name, got, step.want)
		}
	}

	// A presigned URL is signed for the bucket's region once known.
	u, err := c.PresignedGetObject(ctx, "far", "k", time.Minute, client.PresignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "data" {
		t.Errorf("presigned GET: %d %q", resp.StatusCode, body)
	}
}

// TestRegionSetIsKept: a client given a region signs for it and never
// switches, even when the server names another.
func TestRegionSetIsKept(t *testing.T) {
	s := kuraproc.Start(t, kuraproc.Options{Region: "eu-central-1"})
	ctx := context.Background()
	if err := s.Client.MakeBucket(ctx, "far", client.MakeBucketOptions{Location: "ap-south-1"}); err != nil {
		t.Fatal(err)
	}
	log := &regionLog{next: http.DefaultTransport}
	c, err := client.New(s.Endpoint, &client.Options{AccessKey: s.AccessKey, SecretKey: s.SecretKey, Region: "us-west-2", Transport: log, MaxRetries: client.NoRetries})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := c.StatObject(ctx, "far", "k", client.StatObjectOptions{}); err == nil || log.take()[0] != "HEAD /far/k us-west-2 400" {
			t.Fatalf("stat: %v", err)
		}
	}
}
