package client_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/wire/versioning"
)

func TestErrorResponseIs(t *testing.T) {
	all := []error{
		client.ErrNoSuchBucket, client.ErrNoSuchKey, client.ErrNoSuchVersion, client.ErrNoSuchUpload,
		client.ErrAccessDenied, client.ErrPreconditionFailed, client.ErrNotModified,
		client.ErrBucketAlreadyExists, client.ErrBucketAlreadyOwnedByYou, client.ErrBucketNotEmpty,
		client.ErrInvalidRange, client.ErrInvalidRequest, client.ErrMethodNotAllowed, client.ErrInvalidPart,
		client.ErrEntityTooSmall, client.ErrEntityTooLarge, client.ErrSlowDown, client.ErrInvalidArgument,
	}
	tests := []struct {
		code     string
		status   int
		want     error // the one sentinel it matches; nil for none
		notExist bool
	}{
		{"NoSuchBucket", 404, client.ErrNoSuchBucket, true},
		{"NoSuchKey", 404, client.ErrNoSuchKey, true},
		{"NoSuchVersion", 404, client.ErrNoSuchVersion, true},
		{"NoSuchUpload", 404, client.ErrNoSuchUpload, true},
		// CompleteMultipartUpload can fail in the body of a 200 answer.
		{"NoSuchUpload", 200, client.ErrNoSuchUpload, true},
		{"NoSuchBucketPolicy", 404, nil, true},
		{"ObjectLockConfigurationNotFoundError", 404, nil, true},
		{"AccessDenied", 403, client.ErrAccessDenied, false},
		{"PreconditionFailed", 412, client.ErrPreconditionFailed, false},
		{"NotModified", 304, client.ErrNotModified, false},
		{"BucketAlreadyExists", 409, client.ErrBucketAlreadyExists, false},
		{"BucketAlreadyOwnedByYou", 409, client.ErrBucketAlreadyOwnedByYou, false},
		{"BucketNotEmpty", 409, client.ErrBucketNotEmpty, false},
		{"InvalidRange", 416, client.ErrInvalidRange, false},
		{"InvalidRequest", 400, client.ErrInvalidRequest, false},
		{"MethodNotAllowed", 405, client.ErrMethodNotAllowed, false},
		{"InvalidPart", 400, client.ErrInvalidPart, false},
		{"EntityTooSmall", 400, client.ErrEntityTooSmall, false},
		{"EntityTooLarge", 400, client.ErrEntityTooLarge, false},
		{"SlowDown", 503, client.ErrSlowDown, false},
		{"InvalidArgument", 400, client.ErrInvalidArgument, false},
		{"SignatureDoesNotMatch", 403, nil, false},
		{"InternalError", 500, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			// Wrapped, as a caller's own code would return it.
			err := error(&client.ErrorResponse{Code: tt.code, StatusCode: tt.status})
			err = errors.Join(errors.New("context"), err)
			for _, s := range all {
				if got := errors.Is(err, s); got != (s == tt.want) {
					t.Errorf("errors.Is(%s, %v) = %v", tt.code, s, got)
				}
			}
			if got := errors.Is(err, fs.ErrNotExist); got != tt.notExist {
				t.Errorf("errors.Is(%s, fs.ErrNotExist) = %v, want %v", tt.code, got, tt.notExist)
			}
		})
	}
}

// TestErrorSentinelsKura: answers of a real server, with and without a
// body, match their sentinels.
func TestErrorSentinelsKura(t *testing.T) {
	s := newObjectServer(t)
	c := s.Client
	ctx := context.Background()
	putBytes(t, c, "there", []byte("data"), client.PutObjectOptions{})
	putBytes(t, c, "full/x", []byte("data"), client.PutObjectOptions{})
	if err := c.MakeBucket(ctx, "versioned", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.SetBucketVersioning(ctx, "versioned", &versioning.Configuration{Status: versioning.Enabled}); err != nil {
		t.Fatal(err)
	}
	gone, err := c.PutObject(ctx, "versioned", "gone", strings.NewReader("v"), 1, client.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveObject(ctx, "versioned", "gone", client.RemoveObjectOptions{VersionID: gone.VersionID}); err != nil {
		t.Fatal(err)
	}
	info, err := c.StatObject(ctx, testBucket, "there", client.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	anonymous, err := client.New(s.Endpoint, &client.Options{Region: s.Region})
	if err != nil {
		t.Fatal(err)
	}
	stat := func(bucket, key string, o client.StatObjectOptions) func() error {
		return func() error { _, err := c.StatObject(ctx, bucket, key, o); return err }
	}
	tests := []struct {
		name     string
		call     func() error
		want     error
		notExist bool
	}{
		{"HEAD of a missing key", stat(testBucket, "missing", client.StatObjectOptions{}), client.ErrNoSuchKey, true},
		{"HEAD of a missing version", stat("versioned", "gone", client.StatObjectOptions{VersionID: gone.VersionID}), client.ErrNoSuchVersion, true},
		{"HEAD whose If-Match fails", stat(testBucket, "there", client.StatObjectOptions{IfMatch: `"0123"`}), client.ErrPreconditionFailed, false},
		{"HEAD whose If-None-Match holds", stat(testBucket, "there", client.StatObjectOptions{IfNoneMatch: info.ETag}), client.ErrNotModified, false},
		{"HEAD refused", func() error {
			_, err := anonymous.StatObject(ctx, testBucket, "there", client.StatObjectOptions{})
			return err
		}, client.ErrAccessDenied, false},
		{"GET of a missing key", func() error { return drainObject(c.GetObject(ctx, testBucket, "missing", client.GetObjectOptions{})) }, client.ErrNoSuchKey, true},
		{"GET in a missing bucket", func() error { return drainObject(c.GetObject(ctx, "no-such-bucket", "k", client.GetObjectOptions{})) }, client.ErrNoSuchBucket, true},
		{"GET of an unsatisfiable range", func() error {
			return drainObject(c.GetObject(ctx, testBucket, "there", client.GetObjectOptions{Offset: 100}))
		}, client.ErrInvalidRange, false},
		{"GET refused", func() error {
			return drainObject(anonymous.GetObject(ctx, testBucket, "there", client.GetObjectOptions{}))
		}, client.ErrAccessDenied, false},
		{"a bucket not empty", func() error { return c.RemoveBucket(ctx, testBucket) }, client.ErrBucketNotEmpty, false},
		{"abort of a missing upload", func() error {
			return c.AbortMultipartUpload(ctx, client.MultipartUpload{Bucket: testBucket, Key: "k", UploadID: "no-such-upload"})
		}, client.ErrNoSuchUpload, true},
		{"a missing bucket policy", func() error { _, err := c.GetBucketPolicy(ctx, testBucket); return err }, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("%v (code %s) does not match %v", err, client.ErrorCode(err), tt.want)
			}
			if got := errors.Is(err, fs.ErrNotExist); got != tt.notExist {
				t.Errorf("errors.Is(%v, fs.ErrNotExist) = %v, want %v", err, got, tt.notExist)
			}
		})
	}
}

// drainObject reads a GetObject result to the end: a failure may come from
// the call or from the first read.
func drainObject(obj io.ReadCloser, err error) error {
	if err != nil {
		return err
	}
	defer obj.Close()
	_, err = io.Copy(io.Discard, obj)
	return err
}
