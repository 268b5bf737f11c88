package client_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/client/internal/kuraproc"
)

// cuttingTransport cuts the bodies of object GETs: while cuts remain,
// an answer ends with io.ErrUnexpectedEOF after cutAfter bytes, as when
// the connection drops. It records the headers of every GET.
type cuttingTransport struct {
	next     http.RoundTripper
	cutAfter int64
	mu       sync.Mutex
	cuts     int
	// onCut, when set, runs when a body is cut.
	onCut func()
	gets  []http.Header
}

func (c *cuttingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if err != nil || r.Method != http.MethodGet || r.URL.RawQuery != "" || resp.StatusCode >= 300 {
		return resp, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gets = append(c.gets, r.Header.Clone())
	if c.cuts > 0 {
		c.cuts--
		resp.Body = &brokenBody{ReadCloser: resp.Body, left: c.cutAfter, onCut: c.onCut}
	}
	return resp, nil
}

func (c *cuttingTransport) getHeaders() []http.Header {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]http.Header(nil), c.gets...)
}

type brokenBody struct {
	io.ReadCloser
	left  int64
	onCut func()
}

func (b *brokenBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		if b.onCut != nil {
			b.onCut()
			b.onCut = nil
		}
		return 0, io.ErrUnexpectedEOF
	}
	n, err := b.ReadCloser.Read(p[:min(int64(len(p)), b.left)])
	b.left -= int64(n)
	return n, err
}

// cuttingClient is a client of s whose object GETs go through a
// cuttingTransport.
func cuttingClient(t testing.TB, s *kuraproc.Server, cuts int, cutAfter int64) (*client.Client, *cuttingTransport) {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: s.RootCAs}
	ct := &cuttingTransport{next: tr, cuts: cuts, cutAfter: cutAfter}
	c, err := client.New(s.Endpoint, &client.Options{
		AccessKey: s.AccessKey, SecretKey: s.SecretKey, Region: s.Region, Secure: s.RootCAs != nil, Transport: ct,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, ct
}

func openObject(t testing.TB, c *client.Client, key string, opts client.GetObjectOptions) *client.Object {
	t.Helper()
	obj, err := c.GetObject(context.Background(), testBucket, key, opts)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	t.Cleanup(func() { obj.Close() })
	return obj
}

// TestObjectSeekAndReadAt: the object reads from any position, with Read
// after Seek and with concurrent ReadAt calls, and ends where the data
// does.
func TestObjectSeekAndReadAt(t *testing.T) {
	s := newObjectServer(t)
	data := randomData(300000, 21)
	putBytes(t, s.Client, "seek", data, client.PutObjectOptions{})
	obj := openObject(t, s.Client, "seek", client.GetObjectOptions{})
	var _ interface {
		io.ReadSeekCloser
		io.ReaderAt
	} = obj
	if info, err := obj.Stat(); err != nil || info.Size != int64(len(data)) {
		t.Fatalf("Stat = %d, %v", info.Size, err)
	}
	if end, err := obj.Seek(0, io.SeekEnd); err != nil || end != int64(len(data)) {
		t.Fatalf("Seek end = %d, %v", end, err)
	}
	if n, err := obj.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Fatalf("Read at the end = %d, %v", n, err)
	}
	for _, pos := range []int64{200000, 5, int64(len(data)) - 1} {
		if _, err := obj.Seek(pos, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(io.LimitReader(obj, 1000))
		if want := data[pos:min(pos+1000, int64(len(data)))]; err != nil || !bytes.Equal(got, want) {
			t.Fatalf("read at %d: %d bytes, %v", pos, len(got), err)
		}
	}
	if _, err := obj.Seek(-1, io.SeekStart); err == nil {
		t.Fatal("seek before the start succeeded")
	}
	// ReadAt from several goroutines, the last byte (limit) and one
	// past it (limit+1).
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			off := int64(i * 37000)
			p := make([]byte, 20000)
			if n, err := obj.ReadAt(p, off); err != nil || !bytes.Equal(p[:n], data[off:off+20000]) {
				t.Errorf("ReadAt %d: %d, %v", off, n, err)
			}
		}()
	}
	// Read goes on beside them.
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := obj.Seek(0, io.SeekStart); err != nil {
			t.Error(err)
		}
		if got, err := io.ReadAll(obj); err != nil || !bytes.Equal(got, data) {
			t.Errorf("Read beside ReadAt: %d bytes, %v", len(got), err)
		}
	}()
	wg.Wait()
	p := make([]byte, 2)
	if n, err := obj.ReadAt(p[:1], int64(len(data))-1); n != 1 || err != nil || p[0] != data[len(data)-1] {
		t.Fatalf("ReadAt of the last byte = %d, %v", n, err)
	}
	if n, err := obj.ReadAt(p, int64(len(data))-1); n != 1 || err != io.EOF {
		t.Fatalf("ReadAt across the end = %d, %v", n, err)
	}
	if n, err := obj.ReadAt(p, int64(len(data))); n != 0 || err != io.EOF {
		t.Fatalf("ReadAt at the end = %d, %v", n, err)
	}
	obj.Close()
	if _, err := obj.Read(p); err == nil {
		t.Fatal("Read after Close succeeded")
	}
	if _, err := obj.ReadAt(p, 0); err == nil {
		t.Fatal("ReadAt after Close succeeded")
	}
}

// TestObjectRangeIsItsOwnSpan: an object read with a range seeks and
// reads at offsets within that range.
func TestObjectRangeIsItsOwnSpan(t *testing.T) {
	s := newObjectServer(t)
	data := randomData(100000, 22)
	putBytes(t, s.Client, "span", data, client.PutObjectOptions{})
	obj := openObject(t, s.Client, "span", client.GetObjectOptions{Offset: 1000, Length: 5000})
	if obj.Info.Size != int64(len(data)) || obj.Size() != 5000 {
		t.Fatalf("Info.Size %d, Size %d", obj.Info.Size, obj.Size())
	}
	if end, _ := obj.Seek(0, io.SeekEnd); end != 5000 {
		t.Fatalf("end at %d", end)
	}
	p := make([]byte, 100)
	if n, err := obj.ReadAt(p, 4950); n != 50 || err != io.EOF || !bytes.Equal(p[:n], data[5950:6000]) {
		t.Fatalf("ReadAt = %d, %v", n, err)
	}
	obj.Seek(10, io.SeekStart)
	if got, err := io.ReadAll(obj); err != nil || !bytes.Equal(got, data[1010:6000]) {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
}

// TestObjectZip: archive/zip reads an archive stored in the bucket
// through ReadAt.
func TestObjectZip(t *testing.T) {
	s := newObjectServer(t)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	files := map[string][]byte{}
	for i := range 5 {
		name := fmt.Sprintf("dir/file%d.bin", i)
		files[name] = randomData(10000*(i+1), uint64(i))
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[name])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	putBytes(t, s.Client, "archive.zip", buf.Bytes(), client.PutObjectOptions{})
	obj := openObject(t, s.Client, "archive.zip", client.GetObjectOptions{})
	zr, err := zip.NewReader(obj, obj.Size())
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != len(files) {
		t.Fatalf("%d files", len(zr.File))
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, files[f.Name]) {
			t.Fatalf("%s: %d bytes, %v", f.Name, len(got), err)
		}
	}
}

// TestObjectServeContent: http.ServeContent answers a Range request from
// the object.
func TestObjectServeContent(t *testing.T) {
	s := newObjectServer(t)
	data := randomData(200000, 23)
	putBytes(t, s.Client, "served", data, client.PutObjectOptions{})
	for _, tt := range []struct {
		rng        string
		status     int
		start, end int
	}{
		{"bytes=1000-1999", http.StatusPartialContent, 1000, 2000},
		{"bytes=-10", http.StatusPartialContent, len(data) - 10, len(data)},
		{"", http.StatusOK, 0, len(data)},
	} {
		obj := openObject(t, s.Client, "served", client.GetObjectOptions{})
		req := httptest.NewRequest(http.MethodGet, "/served", nil)
		if tt.rng != "" {
			req.Header.Set("Range", tt.rng)
		}
		rec := httptest.NewRecorder()
		http.ServeContent(rec, req, "served", obj.Info.LastModified, obj)
		if rec.Code != tt.status || !bytes.Equal(rec.Body.Bytes(), data[tt.start:tt.end]) {
			t.Fatalf("Range %q: HTTP %d, %d bytes", tt.rng, rec.Code, rec.Body.Len())
		}
	}
}

// TestObjectResumesBrokenRead: a read whose connection breaks goes on
// with a ranged GET pinned to the ETag, MaxResumes times and no more.
func TestObjectResumesBrokenRead(t *testing.T) {
	s := newObjectServer(t)
	data := randomData(1<<20, 24)
	info := putBytes(t, s.Client, "resumed", data, client.PutObjectOptions{})
	const cutAfter = 100000
	for _, tt := range []struct {
		maxResumes, cuts int
		ok               bool
	}{
		{2, 2, true}, {2, 3, false}, {0, 10, true}, {-1, 1, false},
	} {
		t.Run(fmt.Sprintf("max %d cuts %d", tt.maxResumes, tt.cuts), func(t *testing.T) {
			c, ct := cuttingClient(t, s, tt.cuts, cutAfter)
			obj := openObject(t, c, "resumed", client.GetObjectOptions{MaxResumes: tt.maxResumes, ChecksumMode: true})
			got, err := io.ReadAll(obj)
			if !tt.ok {
				if !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("read past the resumes: %v", err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("read %d bytes: %v", len(got), err)
			}
			gets := ct.getHeaders()
			if len(gets) != tt.cuts+1 {
				t.Fatalf("%d GETs, want %d", len(gets), tt.cuts+1)
			}
			for i, h := range gets[1:] {
				wantRange := fmt.Sprintf("bytes=%d-%d", (i+1)*cutAfter, len(data)-1)
				if h.Get("Range") != wantRange || h.Get("If-Match") != `"`+info.ETag+`"` {
					t.Errorf("resume %d: Range %q If-Match %q", i+1, h.Get("Range"), h.Get("If-Match"))
				}
			}
		})
	}
	t.Run("ReadAt", func(t *testing.T) {
		c, ct := cuttingClient(t, s, 0, cutAfter)
		obj := openObject(t, c, "resumed", client.GetObjectOptions{})
		ct.mu.Lock()
		ct.cuts = 2
		ct.mu.Unlock()
		p := make([]byte, 500000)
		if n, err := obj.ReadAt(p, 1000); n != len(p) || err != nil || !bytes.Equal(p, data[1000:501000]) {
			t.Fatalf("ReadAt = %d, %v", n, err)
		}
	})
}

// TestObjectChangedDuringRead: when the object is replaced before a
// broken read resumes, the read fails with PreconditionFailed instead of
// mixing two objects' data.
func TestObjectChangedDuringRead(t *testing.T) {
	s := newObjectServer(t)
	data := randomData(1<<20, 25)
	putBytes(t, s.Client, "changed", data, client.PutObjectOptions{})
	c, ct := cuttingClient(t, s, 1, 100000)
	ct.onCut = func() { putBytes(t, s.Client, "changed", randomData(1<<20, 26), client.PutObjectOptions{}) }
	obj := openObject(t, c, "changed", client.GetObjectOptions{})
	got, err := io.ReadAll(obj)
	if client.ErrorCode(err) != "PreconditionFailed" {
		t.Fatalf("read of a replaced object: %d bytes, %v", len(got), err)
	}
	if !bytes.Equal(got, data[:len(got)]) || len(got) != 100000 {
		t.Fatalf("read %d bytes before the change", len(got))
	}
	if _, err := obj.ReadAt(make([]byte, 10), 0); client.ErrorCode(err) != "PreconditionFailed" {
		t.Fatalf("ReadAt of a replaced object: %v", err)
	}
}

// TestObjectSSECResume: the ranged GETs of an SSE-C object carry its key.
func TestObjectSSECResume(t *testing.T) {
	s := newTLSObjectServer(t)
	key := bytes.Repeat([]byte{7}, 32)
	sse := mustSSEC(t, key)
	data := randomData(1<<20, 27)
	if _, err := s.Client.PutObject(context.Background(), testBucket, "secret", bytes.NewReader(data), int64(len(data)),
		client.PutObjectOptions{ServerSideEncryption: sse}); err != nil {
		t.Fatal(err)
	}
	c, ct := cuttingClient(t, s, 2, 200000)
	obj := openObject(t, c, "secret", client.GetObjectOptions{ServerSideEncryption: sse})
	got, err := io.ReadAll(obj)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes: %v", len(got), err)
	}
	p := make([]byte, 1000)
	if _, err := obj.ReadAt(p, 5000); err != nil || !bytes.Equal(p, data[5000:6000]) {
		t.Fatalf("ReadAt: %v", err)
	}
	gets := ct.getHeaders()
	if len(gets) != 4 {
		t.Fatalf("%d GETs", len(gets))
	}
	for i, h := range gets {
		if h.Get("X-Amz-Server-Side-Encryption-Customer-Key-Md5") != keyMD5(key) {
			t.Errorf("GET %d without the SSE-C key: %v", i, h)
		}
	}
}

// TestFGetObjectProgress: a download reports its progress as it goes,
// ending at the size, and survives a broken connection.
func TestFGetObjectProgress(t *testing.T) {
	s := newObjectServer(t)
	data := randomData(3<<20, 28)
	putBytes(t, s.Client, "download", data, client.PutObjectOptions{})
	c, _ := cuttingClient(t, s, 1, 1<<20)
	var calls []int64
	file := t.TempDir() + "/download.bin"
	err := c.FGetObject(context.Background(), testBucket, "download", file, client.GetObjectOptions{
		Progress: func(n int64) { calls = append(calls, n) },
	})
	if err != nil {
		t.Fatal(err)
	}
	checkProgress(t, calls, int64(len(data)))
}

// checkProgress wants many calls, each with more than the previous, the
// last with the size.
func checkProgress(t *testing.T, calls []int64, size int64) {
	t.Helper()
	if len(calls) < int(size/(1<<20)) || calls[len(calls)-1] != size {
		t.Fatalf("%d progress calls ending %v, size %d", len(calls), calls[max(0, len(calls)-3):], size)
	}
	for i := 1; i < len(calls); i++ {
		if calls[i] <= calls[i-1] {
			t.Fatalf("progress went from %d to %d", calls[i-1], calls[i])
		}
	}
}

// TestUploadPartProgress: UploadPart reports the part's bytes as they are
// sent, ending at its size.
func TestUploadPartProgress(t *testing.T) {
	s := newObjectServer(t)
	ctx := context.Background()
	u, err := s.Client.CreateMultipartUpload(ctx, testBucket, "part-progress", client.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data := randomData(6<<20, 29)
	var calls []int64
	if _, err := s.Client.UploadPart(ctx, u, 1, bytes.NewReader(data), int64(len(data)), client.UploadPartOptions{
		Progress: func(n int64) { calls = append(calls, n) },
	}); err != nil {
		t.Fatal(err)
	}
	checkProgress(t, calls, int64(len(data)))
	if err := s.Client.AbortMultipartUpload(ctx, u); err != nil {
		t.Fatal(err)
	}
}

// TestObjectEmpty: an empty object ends at once for Read, ReadAt and
// Seek, with one progress call of 0.
func TestObjectEmpty(t *testing.T) {
	s := newObjectServer(t)
	putBytes(t, s.Client, "empty", nil, client.PutObjectOptions{})
	var calls []int64
	obj := openObject(t, s.Client, "empty", client.GetObjectOptions{Progress: func(n int64) { calls = append(calls, n) }})
	if n, err := obj.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("Read = %d, %v", n, err)
	}
	if n, err := obj.ReadAt(make([]byte, 1), 0); n != 0 || err != io.EOF {
		t.Fatalf("ReadAt = %d, %v", n, err)
	}
	if end, err := obj.Seek(0, io.SeekEnd); end != 0 || err != nil {
		t.Fatalf("Seek end = %d, %v", end, err)
	}
	if len(calls) != 1 || calls[0] != 0 {
		t.Fatalf("progress calls %v", calls)
	}
}

// TestObjectPartSeeks: a part read seeks and reads at offsets within the
// part, and resumes within it.
func TestObjectPartSeeks(t *testing.T) {
	s := newObjectServer(t)
	data := randomData(12<<20, 31)
	putBytes(t, s.Client, "parts", data, client.PutObjectOptions{PartSize: 5 << 20})
	c, _ := cuttingClient(t, s, 1, 1<<20)
	obj := openObject(t, c, "parts", client.GetObjectOptions{PartNumber: 2})
	part := data[5<<20 : 10<<20]
	if obj.Size() != int64(len(part)) {
		t.Fatalf("Size %d", obj.Size())
	}
	got, err := io.ReadAll(obj)
	if err != nil || !bytes.Equal(got, part) {
		t.Fatalf("read %d bytes: %v", len(got), err)
	}
	p := make([]byte, 100)
	if n, err := obj.ReadAt(p, int64(len(part))-50); n != 50 || err != io.EOF || !bytes.Equal(p[:n], part[len(part)-50:]) {
		t.Fatalf("ReadAt = %d, %v", n, err)
	}
}
