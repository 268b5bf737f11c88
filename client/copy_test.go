package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/client"
)

// copySource stores the source object of the copy tests.
func copySource(t *testing.T, c *client.Client, key string, data []byte) client.UploadInfo {
	t.Helper()
	return putBytes(t, c, key, data, client.PutObjectOptions{
		ContentType: "text/plain", Metadata: map[string]string{"color": "blue"}, Tags: map[string]string{"t": "1"},
		PartSize: 5 * mib,
	})
}

type storedObject struct {
	data        []byte
	info        client.ObjectInfo
	tags        map[string]string
	contentType string
}

func readStored(t *testing.T, c *client.Client, key string) storedObject {
	t.Helper()
	data, info := getBytes(t, c, key, client.GetObjectOptions{})
	tags, err := c.GetObjectTags(context.Background(), testBucket, key, client.ObjectTagsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return storedObject{data: data, info: info, tags: tags, contentType: info.ContentType}
}

func TestCopyObjectDirectives(t *testing.T) {
	s := newObjectServer(t)
	data := []byte("copy me")
	copySource(t, s.Client, "src", data)
	src := client.CopySrcOptions{Bucket: testBucket, Key: "src"}
	tests := []struct {
		name     string
		dst      client.CopyDestOptions
		wantType string
		wantMeta map[string]string
		wantTags map[string]string
	}{
		{"copy everything", client.CopyDestOptions{}, "text/plain", map[string]string{"color": "blue"}, map[string]string{"t": "1"}},
		{"replace metadata", client.CopyDestOptions{ReplaceMetadata: true, ContentType: "application/json", Metadata: map[string]string{"shape": "round"}},
			"application/json", map[string]string{"shape": "round"}, map[string]string{"t": "1"}},
		{"replace tags", client.CopyDestOptions{ReplaceTags: true, Tags: map[string]string{"new": "yes"}},
			"text/plain", map[string]string{"color": "blue"}, map[string]string{"new": "yes"}},
		{"drop tags", client.CopyDestOptions{ReplaceTags: true}, "text/plain", map[string]string{"color": "blue"}, map[string]string{}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := tt.dst
			dst.Bucket, dst.Key = testBucket, "dst-"+strconv.Itoa(i)
			info, err := s.Client.CopyObject(context.Background(), dst, src)
			if err != nil {
				t.Fatal(err)
			}
			got := readStored(t, s.Client, dst.Key)
			if !bytes.Equal(got.data, data) || got.contentType != tt.wantType || !maps.Equal(got.info.Metadata, tt.wantMeta) || !maps.Equal(got.tags, tt.wantTags) {
				t.Errorf("copy %q type %q meta %v tags %v", got.data, got.contentType, got.info.Metadata, got.tags)
			}
			if info.ETag != got.info.ETag || info.LastModified.IsZero() || info.Size != int64(len(data)) {
				t.Errorf("UploadInfo %+v, stored ETag %s", info, got.info.ETag)
			}
		})
	}
}

func TestCopyObjectConditions(t *testing.T) {
	s := newObjectServer(t)
	small := copySource(t, s.Client, "small", []byte("conditional"))
	past, future := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	tests := []struct {
		name   string
		src    client.CopySrcOptions
		wantOK bool
	}{
		{"match etag", client.CopySrcOptions{MatchETag: small.ETag}, true},
		{"match etag fails", client.CopySrcOptions{MatchETag: "0123"}, false},
		{"no match etag fails", client.CopySrcOptions{NoMatchETag: small.ETag}, false},
		{"modified since fails", client.CopySrcOptions{MatchModifiedSince: future}, false},
		{"unmodified since fails", client.CopySrcOptions{MatchUnmodifiedSince: past}, false},
		{"unmodified since holds", client.CopySrcOptions{MatchUnmodifiedSince: future}, true},
	}
	for _, ranged := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/ranged=%v", tt.name, ranged), func(t *testing.T) {
				src := tt.src
				src.Bucket, src.Key = testBucket, "small"
				if ranged {
					src.Offset, src.Length = 2, 4
				}
				_, err := s.Client.CopyObject(context.Background(), client.CopyDestOptions{Bucket: testBucket, Key: "cond-dst"}, src)
				if tt.wantOK && err != nil {
					t.Fatal(err)
				}
				if !tt.wantOK && client.ErrorCode(err) != "PreconditionFailed" {
					t.Fatalf("error %v, want PreconditionFailed", err)
				}
			})
		}
	}
	if up := openUploads(t, s); len(up) != 0 {
		t.Errorf("uploads left open: %v", up)
	}
}

func TestCopyObjectRange(t *testing.T) {
	s := newObjectServer(t)
	data := randomData(12*mib, 20)
	copySource(t, s.Client, "big", data)
	tests := []struct {
		name           string
		offset, length int64
		want           []byte
	}{
		{"middle", mib, 3 * mib, data[mib : 4*mib]},
		{"from an offset to the end", 11 * mib, 0, data[11*mib:]},
		{"one byte", 5, 1, data[5:6]},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := client.CopyDestOptions{Bucket: testBucket, Key: "part-" + strconv.Itoa(i)}
			info, err := s.Client.CopyObject(context.Background(), dst, client.CopySrcOptions{Bucket: testBucket, Key: "big", Offset: tt.offset, Length: tt.length})
			if err != nil {
				t.Fatal(err)
			}
			got := readStored(t, s.Client, dst.Key)
			if !bytes.Equal(got.data, tt.want) || info.Size != int64(len(tt.want)) {
				t.Fatalf("copied %d bytes (UploadInfo %d), want %d", len(got.data), info.Size, len(tt.want))
			}
			// A ranged copy is a multipart upload, which still keeps
			// the source's attributes.
			if got.contentType != "text/plain" || got.info.Metadata["color"] != "blue" || got.tags["t"] != "1" {
				t.Errorf("attributes not carried over: %q %v %v", got.contentType, got.info.Metadata, got.tags)
			}
		})
	}
	for _, bad := range []client.CopySrcOptions{{Offset: 12 * mib}, {Offset: 12*mib - 1, Length: 2}} {
		bad.Bucket, bad.Key = testBucket, "big"
		if _, err := s.Client.CopyObject(context.Background(), client.CopyDestOptions{Bucket: testBucket, Key: "bad"}, bad); !errors.Is(err, client.ErrInvalidArgument) {
			t.Errorf("range %d+%d of a 12 MiB source: %v", bad.Offset, bad.Length, err)
		}
	}
}

func TestCopyObjectVersion(t *testing.T) {
	s := newObjectServer(t)
	bucket := versionedBucket(t, s.Client, s.AccessKey, s.SecretKey)
	var oldest string
	for info, err := range s.Client.ListObjects(context.Background(), bucket, client.ListObjectsOptions{Prefix: "doc", IncludeVersion: true}) {
		if err != nil {
			t.Fatal(err)
		}
		if !info.IsDeleteMarker {
			oldest = info.VersionID
		}
	}
	ctx := context.Background()
	if _, err := s.Client.CopyObject(ctx, client.CopyDestOptions{Bucket: bucket, Key: "restored"}, client.CopySrcOptions{Bucket: bucket, Key: "doc"}); client.ErrorCode(err) != "NoSuchKey" {
		t.Errorf("copy of a deleted object: %v", err)
	}
	if _, err := s.Client.CopyObject(ctx, client.CopyDestOptions{Bucket: bucket, Key: "restored"}, client.CopySrcOptions{Bucket: bucket, Key: "doc", VersionID: oldest}); err != nil {
		t.Fatal(err)
	}
	obj, err := s.Client.GetObject(ctx, bucket, "restored", client.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	if got, _ := io.ReadAll(obj); string(got) != "doc" {
		t.Errorf("restored %q", got)
	}
}

func TestComposeObject(t *testing.T) {
	s := newObjectServer(t)
	a, b, c := randomData(6*mib, 21), randomData(7*mib, 22), randomData(100, 23)
	copySource(t, s.Client, "a", a)
	putBytes(t, s.Client, "b", b, client.PutObjectOptions{Metadata: map[string]string{"from": "b"}})
	putBytes(t, s.Client, "c", c, client.PutObjectOptions{})
	srcs := []client.CopySrcOptions{
		{Bucket: testBucket, Key: "a"},
		{Bucket: testBucket, Key: "b", Offset: mib, Length: 5 * mib},
		{Bucket: testBucket, Key: "c"},
	}
	want := slices.Concat(a, b[mib:6*mib], c)
	tests := []struct {
		name     string
		dst      client.CopyDestOptions
		wantMeta map[string]string
		wantTags map[string]string
	}{
		{"attributes of the first source", client.CopyDestOptions{}, map[string]string{"color": "blue"}, map[string]string{"t": "1"}},
		{"attributes replaced", client.CopyDestOptions{ReplaceMetadata: true, Metadata: map[string]string{"made": "here"}, ReplaceTags: true, Tags: map[string]string{"x": "y"}},
			map[string]string{"made": "here"}, map[string]string{"x": "y"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := tt.dst
			dst.Bucket, dst.Key = testBucket, "composed-"+strconv.Itoa(i)
			info, err := s.Client.ComposeObject(context.Background(), dst, srcs...)
			if err != nil {
				t.Fatal(err)
			}
			got := readStored(t, s.Client, dst.Key)
			if !bytes.Equal(got.data, want) || info.Size != int64(len(want)) {
				t.Fatalf("composed %d bytes (UploadInfo %d), want %d", len(got.data), info.Size, len(want))
			}
			if got.info.PartsCount != 3 || !strings.HasSuffix(info.ETag, "-3") {
				t.Errorf("%d parts, ETag %s", got.info.PartsCount, info.ETag)
			}
			if !maps.Equal(got.info.Metadata, tt.wantMeta) || !maps.Equal(got.tags, tt.wantTags) {
				t.Errorf("metadata %v tags %v", got.info.Metadata, got.tags)
			}
		})
	}
}

func TestComposeObjectRefusals(t *testing.T) {
	s := newObjectServer(t)
	big, small := randomData(6*mib, 24), []byte("tiny")
	putBytes(t, s.Client, "big", big, client.PutObjectOptions{})
	putBytes(t, s.Client, "small", small, client.PutObjectOptions{})
	putBytes(t, s.Client, "empty", nil, client.PutObjectOptions{})
	src := func(key string) client.CopySrcOptions { return client.CopySrcOptions{Bucket: testBucket, Key: key} }
	tests := []struct {
		name        string
		srcs        []client.CopySrcOptions
		wantInvalid bool
		wantCode    string
	}{
		{"small source before the last", []client.CopySrcOptions{src("small"), src("big")}, true, ""},
		{"empty source", []client.CopySrcOptions{src("big"), src("empty")}, true, ""},
		{"missing source", []client.CopySrcOptions{src("big"), src("nothere")}, false, "NoSuchKey"},
		{"source condition fails", []client.CopySrcOptions{src("big"), {Bucket: testBucket, Key: "small", MatchETag: "0123"}}, false, "PreconditionFailed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, log := loggedClient(t, s)
			_, err := c.ComposeObject(context.Background(), client.CopyDestOptions{Bucket: testBucket, Key: "composed"}, tt.srcs...)
			if tt.wantInvalid != errors.Is(err, client.ErrInvalidArgument) || client.ErrorCode(err) != tt.wantCode {
				t.Fatalf("error %v", err)
			}
			if tt.wantInvalid && log.count("POST", "uploads") != 0 {
				t.Errorf("an upload was started for refused sources")
			}
			if up := openUploads(t, s); len(up) != 0 {
				t.Errorf("uploads left open: %v", up)
			}
		})
	}
}

// fakeS3 answers just enough of S3 to copy a huge source: HEAD of any
// key says it has size bytes, and multipart calls succeed. It records
// the UploadPartCopy requests.
type fakeS3 struct {
	size int64
	// completeBody, when set, is the body of a 200 answer to
	// CompleteMultipartUpload.
	completeBody string

	mu      sync.Mutex
	ranges  []string
	pinned  []string
	created http.Header
	aborted int
}

func (f *fakeS3) RoundTrip(r *http.Request) (*http.Response, error) {
	q := r.URL.Query()
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodHead:
		h := http.Header{"Etag": {`"source-etag"`}, "Content-Type": {"video/mp4"}, "X-Amz-Meta-Camera": {"one"}}
		return &http.Response{StatusCode: 200, Header: h, ContentLength: f.size, Body: http.NoBody, Request: r}, nil
	case r.Method == http.MethodPost && q.Has("uploads"):
		f.created = r.Header.Clone()
		return xmlAnswer(r, `<InitiateMultipartUploadResult><UploadId>up-1</UploadId></InitiateMultipartUploadResult>`), nil
	case r.Method == http.MethodPut && q.Has("partNumber"):
		f.ranges = append(f.ranges, q.Get("partNumber")+" "+r.Header.Get("x-amz-copy-source-range"))
		f.pinned = append(f.pinned, r.Header.Get("x-amz-copy-source-if-match"))
		return xmlAnswer(r, `<CopyPartResult><ETag>"p`+q.Get("partNumber")+`"</ETag></CopyPartResult>`), nil
	case r.Method == http.MethodPost && q.Has("uploadId"):
		if f.completeBody != "" {
			return xmlAnswer(r, f.completeBody), nil
		}
		return xmlAnswer(r, `<CompleteMultipartUploadResult><ETag>"whole-3"</ETag></CompleteMultipartUploadResult>`), nil
	case r.Method == http.MethodDelete && q.Has("uploadId"):
		f.aborted++
		return &http.Response{StatusCode: 204, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
	}
	return &http.Response{StatusCode: 501, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
}

func xmlAnswer(r *http.Request, body string) *http.Response {
	return &http.Response{
		StatusCode: 200, Header: http.Header{"Content-Type": {"application/xml"}}, Request: r,
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)),
	}
}

func fakeClient(t *testing.T, f *fakeS3) *client.Client {
	t.Helper()
	c, err := client.New("s3.fake.invalid:9000", &client.Options{AccessKey: "ak", SecretKey: "sk", Transport: f, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCopyObjectSplitsSourcesOver5GiB(t *testing.T) {
	const gib = 1 << 30
	f := &fakeS3{size: 12 * gib}
	info, err := fakeClient(t, f).CopyObject(context.Background(),
		client.CopyDestOptions{Bucket: "dst", Key: "movie"}, client.CopySrcOptions{Bucket: "src", Key: "movie"})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(f.ranges)
	want := []string{
		"1 bytes=0-4294967295",
		"2 bytes=4294967296-8589934591",
		"3 bytes=8589934592-12884901887",
	}
	if !slices.Equal(f.ranges, want) {
		t.Errorf("part copies %q\nwant %q", f.ranges, want)
	}
	for _, p := range f.pinned {
		if p != `"source-etag"` {
			t.Errorf("part copy pinned to %q, want the described ETag", p)
		}
	}
	if f.created.Get("X-Amz-Meta-Camera") != "one" || f.created.Get("Content-Type") != "video/mp4" {
		t.Errorf("the upload did not take the source's attributes: %v", f.created)
	}
	if info.ETag != "whole-3" || info.Size != 12*gib {
		t.Errorf("UploadInfo %+v", info)
	}
}

func TestComposeObjectErrorInOKAnswer(t *testing.T) {
	f := &fakeS3{size: 6 << 20, completeBody: `<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>`}
	c := fakeClient(t, f)
	src := client.CopySrcOptions{Bucket: "src", Key: "part"}
	_, err := c.ComposeObject(context.Background(), client.CopyDestOptions{Bucket: "dst", Key: "whole"}, src, src)
	var e *client.ErrorResponse
	if !errors.As(err, &e) || e.Code != "InternalError" || e.StatusCode != http.StatusOK {
		t.Fatalf("error %v, want the InternalError of the 200 answer", err)
	}
	if f.aborted != 1 {
		t.Errorf("%d aborts after a failed complete, want 1", f.aborted)
	}
}
