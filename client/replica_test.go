package client_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/sigv4"
	"github.com/kurastore/kura/wire/objectlock"
)

const (
	recAccessKey = "recorder-ak"
	recSecretKey = "recorder-secret-key"
	// replicaID is a source version id as kura makes them.
	replicaID = "0193e9a1b2c3d4e5f60718293a4b5c6d"
)

// replicaTime has nanoseconds and a zone, which the request must carry
// as RFC 3339 in UTC.
var replicaTime = time.Date(2026, 3, 4, 7, 8, 9, 123456789, time.FixedZone("CET", 3600))

const replicaTimeText = "2026-03-04T06:08:09.123456789Z"

// recorded is one request as a recording server received it.
type recorded struct {
	method string
	query  url.Values
	header http.Header
	size   int64
	// signedHeaders are the names the signature covers.
	signedHeaders []string
}

// recorder is an S3 endpoint that checks every request's SigV4
// signature and payload, records it, and answers just enough for the
// client to go on: ETags are the MD5 of what was received, a multipart
// upload's the MD5 of its parts' MD5s.
type recorder struct {
	t        *testing.T
	verifier *sigv4.Verifier

	mu    sync.Mutex
	reqs  []recorded
	parts map[int][]byte // part number → MD5
}

func newRecorder(t *testing.T) (*recorder, *client.Client) {
	t.Helper()
	rec := &recorder{t: t, parts: map[int][]byte{}, verifier: &sigv4.Verifier{
		Region: "us-east-1",
		Lookup: func(ak string) (string, error) {
			if ak != recAccessKey {
				return "", s3err.ErrInvalidAccessKeyID
			}
			return recSecretKey, nil
		},
	}}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL, &client.Options{AccessKey: recAccessKey, SecretKey: recSecretKey, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return rec, c
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	res, err := rec.verifier.Verify(r)
	if err != nil {
		rec.t.Errorf("%s %s: signature refused: %v", r.Method, r.URL, err)
		http.Error(w, "bad signature", http.StatusForbidden)
		return
	}
	sum := md5.New()
	n, err := io.Copy(sum, res.Body)
	if err != nil {
		rec.t.Errorf("%s %s: payload refused: %v", r.Method, r.URL, err)
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	auth := r.Header.Get("Authorization")
	signed := auth[strings.Index(auth, "SignedHeaders=")+len("SignedHeaders="):]
	signed = signed[:strings.IndexByte(signed, ',')]
	q := r.URL.Query()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.reqs = append(rec.reqs, recorded{
		method: r.Method, query: q, header: r.Header.Clone(), size: n, signedHeaders: strings.Split(signed, ";"),
	})
	switch {
	case r.Method == http.MethodPost && q.Has("uploads"):
		fmt.Fprint(w, `<InitiateMultipartUploadResult><UploadId>upload-1</UploadId></InitiateMultipartUploadResult>`)
	case r.Method == http.MethodPut && q.Has("partNumber"):
		number, _ := strconv.Atoi(q.Get("partNumber"))
		rec.parts[number] = sum.Sum(nil)
		w.Header().Set("ETag", `"`+hex.EncodeToString(sum.Sum(nil))+`"`)
	case r.Method == http.MethodPost && q.Has("uploadId"):
		whole := md5.New()
		for i := 1; i <= len(rec.parts); i++ {
			whole.Write(rec.parts[i])
		}
		etag := hex.EncodeToString(whole.Sum(nil)) + "-" + strconv.Itoa(len(rec.parts))
		fmt.Fprintf(w, `<CompleteMultipartUploadResult><ETag>"%s"</ETag></CompleteMultipartUploadResult>`, etag)
	case r.Method == http.MethodPut && !q.Has("tagging") && !q.Has("retention") && !q.Has("legal-hold"):
		w.Header().Set("ETag", `"`+hex.EncodeToString(sum.Sum(nil))+`"`)
	case r.Method == http.MethodGet && q.Has("tagging"):
		fmt.Fprint(w, `<Tagging><TagSet></TagSet></Tagging>`)
	case r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (rec *recorder) requests() []recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.reqs)
}

// wantQuery checks a request's query parameters, all of them.
func wantQuery(t *testing.T, what string, r recorded, want url.Values) {
	t.Helper()
	if r.query.Encode() != want.Encode() {
		t.Errorf("%s: query %q, want %q", what, r.query.Encode(), want.Encode())
	}
}

// wantReplicaHeaders checks that r is a replication request with the
// given headers (the values; "" for absent), all of them signed.
func wantReplicaHeaders(t *testing.T, what string, r recorded, status, mtime, deleteMarker string) {
	t.Helper()
	for name, want := range map[string]string{
		"X-Minio-Source-Replication-Request": "true",
		"X-Amz-Replication-Status":           status,
		"X-Minio-Source-Mtime":               mtime,
		"X-Minio-Source-DeleteMarker":        deleteMarker,
	} {
		if got := r.header.Get(name); got != want {
			t.Errorf("%s: %s is %q, want %q", what, name, got, want)
		}
		if want != "" && !slices.Contains(r.signedHeaders, strings.ToLower(name)) {
			t.Errorf("%s: %s is not signed (signed: %v)", what, name, r.signedHeaders)
		}
	}
}

// wantPlain checks that r is no replication request.
func wantPlain(t *testing.T, what string, r recorded) {
	t.Helper()
	for _, name := range []string{"X-Minio-Source-Replication-Request", "X-Amz-Replication-Status", "X-Minio-Source-Mtime", "X-Minio-Source-DeleteMarker"} {
		if got := r.header.Get(name); got != "" {
			t.Errorf("%s: %s is %q, want none", what, name, got)
		}
	}
}

func TestReplicaPutObjectSingle(t *testing.T) {
	rec, c := newRecorder(t)
	data := []byte("replicated")
	info, err := c.PutObject(context.Background(), "dst", "k", bytes.NewReader(data), int64(len(data)), client.PutObjectOptions{
		Replica: &client.ReplicaOptions{VersionID: replicaID, ModTime: replicaTime},
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum := md5.Sum(data); info.ETag != hex.EncodeToString(sum[:]) {
		t.Errorf("ETag %s", info.ETag)
	}
	reqs := rec.requests()
	if len(reqs) != 1 || reqs[0].method != http.MethodPut {
		t.Fatalf("requests %+v, want one PUT", reqs)
	}
	wantQuery(t, "PUT", reqs[0], url.Values{"versionId": {replicaID}})
	wantReplicaHeaders(t, "PUT", reqs[0], "REPLICA", replicaTimeText, "")
}

func TestReplicaPutObjectWithoutModTime(t *testing.T) {
	rec, c := newRecorder(t)
	_, err := c.PutObject(context.Background(), "dst", "k", strings.NewReader("x"), 1, client.PutObjectOptions{
		Replica: &client.ReplicaOptions{VersionID: "null"},
	})
	if err != nil {
		t.Fatal(err)
	}
	reqs := rec.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	wantQuery(t, "PUT", reqs[0], url.Values{"versionId": {"null"}})
	wantReplicaHeaders(t, "PUT", reqs[0], "REPLICA", "", "")
}

// TestReplicaPutObjectMultipart checks that a replicated multipart upload
// names the version on CreateMultipartUpload only, its time there and on
// CompleteMultipartUpload, and that its parts
// follow PartSizes, from a file-like reader and from a stream.
func TestReplicaPutObjectMultipart(t *testing.T) {
	sizes := []int64{5 * mib, 5*mib + 1, 7}
	data := randomData(int(5*mib+5*mib+1+7), 7)
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			rec, c := newRecorder(t)
			var r io.Reader = bytes.NewReader(data)
			if stream {
				r = onlyReader{r}
			}
			info, err := c.PutObject(context.Background(), "dst", "k", r, int64(len(data)), client.PutObjectOptions{
				PartSizes: sizes, NumThreads: 1,
				Replica: &client.ReplicaOptions{VersionID: replicaID, ModTime: replicaTime},
			})
			if err != nil {
				t.Fatal(err)
			}
			if want := multipartETag(data, sizes); info.ETag != want {
				t.Errorf("ETag %s, want %s", info.ETag, want)
			}
			reqs := rec.requests()
			if len(reqs) != 5 {
				t.Fatalf("%d requests, want create, 3 parts, complete", len(reqs))
			}
			create, parts, complete := reqs[0], reqs[1:4], reqs[4]
			if create.method != http.MethodPost {
				t.Errorf("first request %s", create.method)
			}
			wantQuery(t, "CreateMultipartUpload", create, url.Values{"uploads": {""}, "versionId": {replicaID}})
			wantReplicaHeaders(t, "CreateMultipartUpload", create, "REPLICA", replicaTimeText, "")
			for i, p := range parts {
				what := "part " + strconv.Itoa(i+1)
				wantQuery(t, what, p, url.Values{"partNumber": {strconv.Itoa(i + 1)}, "uploadId": {"upload-1"}})
				wantReplicaHeaders(t, what, p, "", "", "")
				if p.size != sizes[i] {
					t.Errorf("%s has %d bytes, want %d", what, p.size, sizes[i])
				}
			}
			if complete.method != http.MethodPost {
				t.Errorf("last request %s", complete.method)
			}
			wantQuery(t, "CompleteMultipartUpload", complete, url.Values{"uploadId": {"upload-1"}})
			// The time again: MinIO dates a multipart replica by its
			// completion.
			wantReplicaHeaders(t, "CompleteMultipartUpload", complete, "", replicaTimeText, "")
		})
	}
}

// multipartETag is the ETag S3 gives data uploaded in parts of sizes.
func multipartETag(data []byte, sizes []int64) string {
	whole := md5.New()
	for _, n := range sizes {
		sum := md5.Sum(data[:n])
		whole.Write(sum[:])
		data = data[n:]
	}
	return hex.EncodeToString(whole.Sum(nil)) + "-" + strconv.Itoa(len(sizes))
}

func TestPutObjectPartSizesLayout(t *testing.T) {
	tests := []struct {
		name  string
		sizes []int64
	}{
		{"one size is a single PUT", []int64{5*mib + 3}},
		{"parts of exactly 5 MiB and a 1-byte last part", []int64{5 * mib, 5 * mib, 1}},
		{"uneven parts", []int64{6*mib + 17, 5 * mib, 9 * mib}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var total int64
			for _, n := range tt.sizes {
				total += n
			}
			data := randomData(int(total), uint64(i))
			rec, c := newRecorder(t)
			info, err := c.PutObject(context.Background(), "dst", "k", onlyReader{bytes.NewReader(data)}, total, client.PutObjectOptions{PartSizes: tt.sizes})
			if err != nil {
				t.Fatal(err)
			}
			reqs := rec.requests()
			if len(tt.sizes) == 1 {
				if len(reqs) != 1 || reqs[0].method != http.MethodPut || len(reqs[0].query) != 0 || reqs[0].size != total {
					t.Fatalf("requests %+v, want one PUT of %d bytes", reqs, total)
				}
				return
			}
			if info.ETag != multipartETag(data, tt.sizes) {
				t.Errorf("ETag %s, want %s", info.ETag, multipartETag(data, tt.sizes))
			}
			// Parts go out in parallel: they are put in order here.
			got := make([]int64, len(tt.sizes))
			for _, r := range reqs {
				if n, err := strconv.Atoi(r.query.Get("partNumber")); err == nil && n >= 1 && n <= len(got) {
					got[n-1] = r.size
				}
				wantPlain(t, r.method+" "+r.query.Encode(), r)
			}
			if !slices.Equal(got, tt.sizes) {
				t.Errorf("parts of %v bytes, want %v", got, tt.sizes)
			}
		})
	}
}

// TestPutObjectReplicaAndLayoutRefusals checks that bad layouts and replica options are
// refused before any request.
func TestPutObjectReplicaAndLayoutRefusals(t *testing.T) {
	tests := []struct {
		name string
		size int64
		opts client.PutObjectOptions
	}{
		{"replica without version id", 1, client.PutObjectOptions{Replica: &client.ReplicaOptions{ModTime: replicaTime}}},
		{"replica delete marker", 1, client.PutObjectOptions{Replica: &client.ReplicaOptions{VersionID: replicaID, DeleteMarker: true}}},
		{"part of 5 MiB - 1 before the last", 5*mib - 1 + 1, client.PutObjectOptions{PartSizes: []int64{5*mib - 1, 1}}},
		{"empty last part", 5 * mib, client.PutObjectOptions{PartSizes: []int64{5 * mib, 0}}},
		{"sizes short of the size", 5*mib + 2, client.PutObjectOptions{PartSizes: []int64{5 * mib, 1}}},
		{"sizes past the size", 5 * mib, client.PutObjectOptions{PartSizes: []int64{5 * mib, 1}}},
		{"unknown size", -1, client.PutObjectOptions{PartSizes: []int64{5 * mib, 1}}},
		{"no sizes", 0, client.PutObjectOptions{PartSizes: []int64{}}},
		{"negative size", 0, client.PutObjectOptions{PartSizes: []int64{-1}}},
		{"PartSize too", 5*mib + 1, client.PutObjectOptions{PartSize: 5 * mib, PartSizes: []int64{5 * mib, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, c := newRecorder(t)
			_, err := c.PutObject(context.Background(), "dst", "k", onlyReader{strings.NewReader("")}, tt.size, tt.opts)
			if !errors.Is(err, client.ErrInvalidArgument) {
				t.Errorf("error %v, want ErrInvalidArgument", err)
			}
			if n := len(rec.requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

func TestReplicaRemoveObject(t *testing.T) {
	rec, c := newRecorder(t)
	ctx := context.Background()
	if err := c.RemoveObject(ctx, "dst", "k", client.RemoveObjectOptions{
		Replica: &client.ReplicaOptions{VersionID: replicaID, ModTime: replicaTime, DeleteMarker: true},
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveObject(ctx, "dst", "k", client.RemoveObjectOptions{
		VersionID: replicaID, Replica: &client.ReplicaOptions{VersionID: replicaID},
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveObject(ctx, "dst", "k", client.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	reqs := rec.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for _, r := range reqs {
		if r.method != http.MethodDelete {
			t.Errorf("method %s", r.method)
		}
	}
	wantQuery(t, "delete marker", reqs[0], url.Values{"versionId": {replicaID}})
	wantReplicaHeaders(t, "delete marker", reqs[0], "REPLICA", replicaTimeText, "true")
	wantQuery(t, "version delete", reqs[1], url.Values{"versionId": {replicaID}})
	wantReplicaHeaders(t, "version delete", reqs[1], "REPLICA", "", "")
	wantQuery(t, "plain delete", reqs[2], url.Values{})
	wantPlain(t, "plain delete", reqs[2])
}

func TestReplicaTagsAndLock(t *testing.T) {
	rec, c := newRecorder(t)
	ctx := context.Background()
	replica := &client.ReplicaOptions{VersionID: replicaID, ModTime: replicaTime}
	calls := []struct {
		name  string
		call  func() error
		query url.Values
	}{
		{"SetObjectTags", func() error {
			return c.SetObjectTags(ctx, "dst", "k", map[string]string{"a": "b"}, client.ObjectTagsOptions{Replica: replica})
		}, url.Values{"tagging": {""}, "versionId": {replicaID}}},
		{"DeleteObjectTags with the version in the options", func() error {
			return c.DeleteObjectTags(ctx, "dst", "k", client.ObjectTagsOptions{VersionID: replicaID, Replica: &client.ReplicaOptions{ModTime: replicaTime}})
		}, url.Values{"tagging": {""}, "versionId": {replicaID}}},
		{"EnableObjectLegalHold", func() error {
			return c.EnableObjectLegalHold(ctx, "dst", "k", client.ObjectLockOptions{Replica: replica})
		}, url.Values{"legal-hold": {""}, "versionId": {replicaID}}},
		{"DisableObjectLegalHold", func() error {
			return c.DisableObjectLegalHold(ctx, "dst", "k", client.ObjectLockOptions{VersionID: replicaID, Replica: replica})
		}, url.Values{"legal-hold": {""}, "versionId": {replicaID}}},
		{"SetObjectRetention", func() error {
			ret := &objectlock.Retention{Mode: objectlock.Governance, RetainUntilDate: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
			return c.SetObjectRetention(ctx, "dst", "k", ret, client.ObjectLockOptions{Replica: replica})
		}, url.Values{"retention": {""}, "versionId": {replicaID}}},
	}
	for i, tc := range calls {
		if err := tc.call(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		reqs := rec.requests()
		if len(reqs) != i+1 {
			t.Fatalf("%s: %d requests in all, want %d", tc.name, len(reqs), i+1)
		}
		wantQuery(t, tc.name, reqs[i], tc.query)
		wantReplicaHeaders(t, tc.name, reqs[i], "REPLICA", replicaTimeText, "")
	}
	// Reading tags is no replication request.
	if _, err := c.GetObjectTags(ctx, "dst", "k", client.ObjectTagsOptions{Replica: replica}); err != nil {
		t.Fatal(err)
	}
	reqs := rec.requests()
	wantQuery(t, "GetObjectTags", reqs[len(reqs)-1], url.Values{"tagging": {""}})
	wantPlain(t, "GetObjectTags", reqs[len(reqs)-1])
}

func TestReplicaRefusedBeforeAnyRequest(t *testing.T) {
	rec, c := newRecorder(t)
	ctx := context.Background()
	noVersion := &client.ReplicaOptions{ModTime: replicaTime}
	other := &client.ReplicaOptions{VersionID: "null"}
	marker := &client.ReplicaOptions{VersionID: replicaID, DeleteMarker: true}
	ret := &objectlock.Retention{Mode: objectlock.Governance, RetainUntilDate: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	for name, err := range map[string]error{
		"RemoveObject without version":          c.RemoveObject(ctx, "dst", "k", client.RemoveObjectOptions{Replica: noVersion}),
		"RemoveObject with two versions":        c.RemoveObject(ctx, "dst", "k", client.RemoveObjectOptions{VersionID: replicaID, Replica: other}),
		"SetObjectTags without version":         c.SetObjectTags(ctx, "dst", "k", map[string]string{"a": "b"}, client.ObjectTagsOptions{Replica: noVersion}),
		"SetObjectTags with two versions":       c.SetObjectTags(ctx, "dst", "k", map[string]string{"a": "b"}, client.ObjectTagsOptions{VersionID: replicaID, Replica: other}),
		"DeleteObjectTags with a delete marker": c.DeleteObjectTags(ctx, "dst", "k", client.ObjectTagsOptions{Replica: marker}),
		"EnableObjectLegalHold without version": c.EnableObjectLegalHold(ctx, "dst", "k", client.ObjectLockOptions{Replica: noVersion}),
		"SetObjectRetention without version":    c.SetObjectRetention(ctx, "dst", "k", ret, client.ObjectLockOptions{Replica: noVersion}),
		"SetObjectRetention with two versions":  c.SetObjectRetention(ctx, "dst", "k", ret, client.ObjectLockOptions{VersionID: replicaID, Replica: other}),
	} {
		if !errors.Is(err, client.ErrInvalidArgument) {
			t.Errorf("%s: error %v, want ErrInvalidArgument", name, err)
		}
	}
	if n := len(rec.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
