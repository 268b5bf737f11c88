package client_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/client"
)

func md5Hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

// TestMultipartLowLevel drives an upload by hand: parts out of order,
// listed, one re-sent, then completed, and checks the object and its
// checksum.
func TestMultipartLowLevel(t *testing.T) {
	s := newObjectServer(t)
	c := s.Client
	ctx := context.Background()
	data := randomData(11*mib+3, 21)
	chunks := [][]byte{data[:5*mib], data[5*mib : 10*mib], data[10*mib:]}
	u, err := c.CreateMultipartUpload(ctx, testBucket, "dir/by-hand", client.PutObjectOptions{
		ContentType: "text/plain", Metadata: map[string]string{"kura-mtime": "1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if u.Checksum != client.DefaultChecksum || u.UploadID == "" {
		t.Fatalf("upload %+v", u)
	}
	parts := make([]client.Part, 3)
	for _, i := range []int{2, 0, 1} {
		p, err := c.UploadPart(ctx, u, i+1, bytes.NewReader(chunks[i]), int64(len(chunks[i])), client.UploadPartOptions{})
		if err != nil {
			t.Fatalf("part %d: %v", i+1, err)
		}
		if p.ETag != md5Hex(chunks[i]) || p.Size != int64(len(chunks[i])) || p.Checksum != sumOf(u.Checksum, chunks[i]) {
			t.Fatalf("part %d: %+v", i+1, p)
		}
		parts[i] = p
	}
	var uploads []client.MultipartUpload
	for up, err := range c.ListMultipartUploads(ctx, testBucket, client.ListMultipartUploadsOptions{Prefix: "dir/"}) {
		if err != nil {
			t.Fatal(err)
		}
		uploads = append(uploads, up)
	}
	if len(uploads) != 1 || uploads[0].UploadID != u.UploadID || uploads[0].Key != "dir/by-hand" || uploads[0].Initiated.IsZero() {
		t.Fatalf("uploads %+v", uploads)
	}
	var listed []client.Part
	for p, err := range c.ListParts(ctx, u) {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, p)
	}
	if len(listed) != 3 {
		t.Fatalf("listed %d parts", len(listed))
	}
	for i, p := range listed {
		if p.Number != i+1 || p.ETag != parts[i].ETag || p.Size != parts[i].Size || p.Checksum != parts[i].Checksum {
			t.Errorf("listed part %+v, uploaded %+v", p, parts[i])
		}
	}
	info, err := c.CompleteMultipartUpload(ctx, u, listed, client.CompleteMultipartUploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Checksums[u.Checksum] != sumOf(u.Checksum, data) {
		t.Errorf("object checksum %v, want the whole data's %s", info.Checksums, sumOf(u.Checksum, data))
	}
	got, oi := getBytes(t, c, "dir/by-hand", client.GetObjectOptions{})
	if !bytes.Equal(got, data) || oi.ContentType != "text/plain" || oi.Metadata["kura-mtime"] != "1" {
		t.Fatalf("object: %d bytes, %q, %v", len(got), oi.ContentType, oi.Metadata)
	}
}

func TestMultipartAbort(t *testing.T) {
	s := newObjectServer(t)
	ctx := context.Background()
	u, err := s.Client.CreateMultipartUpload(ctx, testBucket, "aborted", client.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Client.AbortMultipartUpload(ctx, u); err != nil {
		t.Fatal(err)
	}
	if ids := openUploads(t, s); len(ids) != 0 {
		t.Fatalf("uploads left: %v", ids)
	}
	// Gone already: S3's NoSuchUpload.
	if err := s.Client.AbortMultipartUpload(ctx, u); client.ErrorCode(err) != "NoSuchUpload" {
		t.Fatalf("aborting an aborted upload = %v, want NoSuchUpload", err)
	}
	for _, err := range s.Client.ListParts(ctx, u) {
		if client.ErrorCode(err) != "NoSuchUpload" {
			t.Fatalf("parts of an aborted upload: %v", err)
		}
	}
}

func TestMultipartBadArguments(t *testing.T) {
	s := newObjectServer(t)
	ctx := context.Background()
	u, err := s.Client.CreateMultipartUpload(ctx, testBucket, "bad", client.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 10001} {
		if _, err := s.Client.UploadPart(ctx, u, n, bytes.NewReader(nil), 0, client.UploadPartOptions{}); err == nil {
			t.Errorf("part number %d accepted", n)
		}
	}
	for _, n := range []int{1, 10000} {
		if _, err := s.Client.UploadPart(ctx, u, n, bytes.NewReader([]byte("x")), 1, client.UploadPartOptions{}); err != nil {
			t.Errorf("part number %d: %v", n, err)
		}
	}
	p := client.Part{Number: 2, ETag: "x"}
	if _, err := s.Client.CompleteMultipartUpload(ctx, u, []client.Part{p, {Number: 1}}, client.CompleteMultipartUploadOptions{}); err == nil {
		t.Error("parts out of order accepted")
	}
	if _, err := s.Client.CompleteMultipartUpload(ctx, u, nil, client.CompleteMultipartUploadOptions{}); err == nil {
		t.Error("no parts accepted")
	}
	if _, err := s.Client.CreateMultipartUpload(ctx, testBucket, "bad", client.PutObjectOptions{IfNoneMatch: "*"}); err == nil {
		t.Error("a condition on CreateMultipartUpload accepted")
	}
}

// cutBody is a transport that, once, reads half of a part's body and then
// fails as a reset connection would.
type cutBody struct {
	next http.RoundTripper
	once sync.Once
}

func (c *cutBody) RoundTrip(r *http.Request) (*http.Response, error) {
	cut := false
	if r.Method == http.MethodPut && r.URL.Query().Get("partNumber") == "1" {
		c.once.Do(func() { cut = true })
	}
	if cut {
		_, _ = io.CopyN(io.Discard, r.Body, r.ContentLength/2)
		r.Body.Close()
		return nil, &net.OpError{Op: "write", Net: "tcp", Err: errors.New("connection reset by test")}
	}
	return c.next.RoundTrip(r)
}

// TestUploadPartSentCountsRetries: the bytes a failed attempt had sent
// are taken back, so the total is the part's size.
func TestUploadPartSentCountsRetries(t *testing.T) {
	s := newObjectServer(t)
	c, err := client.New(s.Endpoint, &client.Options{
		AccessKey: s.AccessKey, SecretKey: s.SecretKey, Transport: &cutBody{next: http.DefaultTransport},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	u, err := c.CreateMultipartUpload(ctx, testBucket, "counted", client.PutObjectOptions{Checksum: checksum.CRC64NVME})
	if err != nil {
		t.Fatal(err)
	}
	data := randomData(6*mib, 22)
	var total, lowest, peak atomic.Int64
	sent := func(n int64) {
		v := total.Add(n)
		if n < 0 {
			lowest.Store(n)
		}
		if v > peak.Load() {
			peak.Store(v)
		}
	}
	p, err := c.UploadPart(ctx, u, 1, bytes.NewReader(data), int64(len(data)), client.UploadPartOptions{Sent: sent})
	if err != nil {
		t.Fatal(err)
	}
	if total.Load() != int64(len(data)) || lowest.Load() >= 0 || peak.Load() > int64(len(data)) {
		t.Fatalf("sent total %d, a take-back of %d, peak %d; want %d, a negative one, at most the size",
			total.Load(), lowest.Load(), peak.Load(), len(data))
	}
	if _, err := c.CompleteMultipartUpload(ctx, u, []client.Part{p}, client.CompleteMultipartUploadOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestPutObjectSent: PutObject tells Sent of every byte, single PUT or
// parts.
func TestPutObjectSent(t *testing.T) {
	s := newObjectServer(t)
	for _, size := range []int{0, 1, 5*mib + 1} {
		var total atomic.Int64
		data := randomData(size, 23)
		putBytes(t, s.Client, "sent", data, client.PutObjectOptions{PartSize: 5 * mib, Sent: func(n int64) { total.Add(n) }})
		if total.Load() != int64(size) {
			t.Errorf("size %d: Sent told of %d bytes", size, total.Load())
		}
	}
}
