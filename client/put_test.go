package client_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/kurastore/kura/checksum"
	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/client/internal/kuraproc"
)

const mib = 1 << 20

// onlyReader hides every method of r but Read, so that PutObject takes
// it for a stream.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func newMinio(t testing.TB, s *kuraproc.Server) *minio.Client {
	t.Helper()
	c, err := minio.New(s.Endpoint, &minio.Options{Creds: miniocreds.NewStaticV4(s.AccessKey, s.SecretKey, ""), Region: s.Region})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// openUploads lists the multipart uploads the server still holds.
func openUploads(t testing.TB, s *kuraproc.Server) []string {
	t.Helper()
	res, err := minio.Core{Client: newMinio(t, s)}.ListMultipartUploads(context.Background(), testBucket, "", "", "", "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, u := range res.Uploads {
		keys = append(keys, u.Key+" "+u.UploadID)
	}
	return keys
}

func sumOf(alg checksum.Algorithm, data []byte) string {
	h := alg.New()
	h.Write(data)
	return checksum.Encode(h.Sum(nil))
}

// compositeOf is the COMPOSITE checksum of data sent in parts of
// partSize: the checksum of the parts' raw checksums, then "-N".
func compositeOf(alg checksum.Algorithm, data []byte, partSize int) string {
	whole := alg.New()
	n := 0
	for off := 0; off < len(data); off += partSize {
		h := alg.New()
		h.Write(data[off:min(off+partSize, len(data))])
		whole.Write(h.Sum(nil))
		n++
	}
	return checksum.Encode(whole.Sum(nil)) + "-" + strconv.Itoa(n)
}

func TestPutObjectSizes(t *testing.T) {
	s := newObjectServer(t)
	tests := []struct {
		name      string
		size      int
		unknown   bool
		wantParts int // 0 for a single PUT
	}{
		{"empty", 0, false, 0},
		{"empty of unknown size", 0, true, 0},
		{"one byte", 1, false, 0},
		{"4 KiB of unknown size", 4 << 10, true, 0},
		{"exactly one part", 5 * mib, false, 0},
		// A stream that fills the first part exactly cannot be told
		// from a longer one: it becomes a one-part upload.
		{"exactly one part of unknown size", 5 * mib, true, 1},
		{"three parts", 12 * mib, false, 3},
		{"three parts of unknown size", 12 * mib, true, 3},
		{"two full parts of unknown size", 10 * mib, true, 2},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := randomData(tt.size, uint64(i))
			size := int64(len(data))
			if tt.unknown {
				size = -1
			}
			key := "sized/" + tt.name
			info, err := s.Client.PutObject(context.Background(), testBucket, key, onlyReader{bytes.NewReader(data)}, size, client.PutObjectOptions{PartSize: 5 * mib})
			if err != nil {
				t.Fatal(err)
			}
			if info.Size != int64(len(data)) || info.Key != key || info.Bucket != testBucket {
				t.Errorf("UploadInfo %+v", info)
			}
			if got := info.Checksums[checksum.CRC32C]; got != crc32cOf(data) || info.ChecksumType != "FULL_OBJECT" {
				t.Errorf("checksum %s %s, want FULL_OBJECT %s", got, info.ChecksumType, crc32cOf(data))
			}
			if tt.wantParts == 0 {
				sum := md5.Sum(data)
				if info.ETag != hex.EncodeToString(sum[:]) {
					t.Errorf("single PUT ETag %s is not the MD5 of the data", info.ETag)
				}
			} else if !strings.HasSuffix(info.ETag, "-"+strconv.Itoa(tt.wantParts)) {
				t.Errorf("ETag %s, want %d parts", info.ETag, tt.wantParts)
			}
			got, st := getBytes(t, s.Client, key, client.GetObjectOptions{ChecksumMode: true})
			if !bytes.Equal(got, data) {
				t.Fatalf("read back %d bytes, want %d", len(got), len(data))
			}
			if st.PartsCount != tt.wantParts {
				t.Errorf("%d parts stored, want %d", st.PartsCount, tt.wantParts)
			}
			if st.ContentType != "application/octet-stream" {
				t.Errorf("default content type %q", st.ContentType)
			}
		})
	}
	if up := openUploads(t, s); len(up) != 0 {
		t.Errorf("uploads left open: %v", up)
	}
}

func TestPutObjectChecksumAlgorithms(t *testing.T) {
	s := newObjectServer(t)
	small, large := randomData(1000, 7), randomData(11*mib, 8)
	tests := []struct {
		alg      checksum.Algorithm
		wantType string
	}{
		{checksum.CRC32, "FULL_OBJECT"},
		{checksum.CRC32C, "FULL_OBJECT"},
		{checksum.CRC64NVME, "FULL_OBJECT"},
		{checksum.SHA1, "COMPOSITE"},
		{checksum.SHA256, "COMPOSITE"},
		{checksum.MD5, "COMPOSITE"},
		{checksum.SHA512, "COMPOSITE"},
		{checksum.XXHASH64, "COMPOSITE"},
		{checksum.XXHASH3, "COMPOSITE"},
		{checksum.XXHASH128, "COMPOSITE"},
	}
	for _, tt := range tests {
		t.Run(string(tt.alg), func(t *testing.T) {
			opts := client.PutObjectOptions{Checksum: tt.alg, PartSize: 5 * mib}
			info := putBytes(t, s.Client, "small-"+string(tt.alg), small, opts)
			if info.Checksums[tt.alg] != sumOf(tt.alg, small) {
				t.Errorf("single PUT: %v, want %s", info.Checksums, sumOf(tt.alg, small))
			}
			info = putBytes(t, s.Client, "large-"+string(tt.alg), large, opts)
			got := info.Checksums[tt.alg]
			if info.ChecksumType != tt.wantType {
				t.Errorf("multipart checksum type %s, want %s", info.ChecksumType, tt.wantType)
			}
			if tt.wantType == "FULL_OBJECT" && got != sumOf(tt.alg, large) {
				t.Errorf("multipart: %s, want the checksum of the data %s", got, sumOf(tt.alg, large))
			}
			if want := compositeOf(tt.alg, large, 5*mib); tt.wantType == "COMPOSITE" && got != want {
				t.Errorf("multipart: composite checksum %q, want %q", got, want)
			}
			st, err := s.Client.StatObject(context.Background(), testBucket, "large-"+string(tt.alg), client.StatObjectOptions{ChecksumMode: true})
			if err != nil || st.Checksums[tt.alg] != got {
				t.Errorf("stat: %v %v, want %s", st.Checksums, err, got)
			}
		})
	}
	t.Run("disabled", func(t *testing.T) {
		// The server adds S3's default checksum, a FULL_OBJECT CRC64NVME,
		// to the multipart object.
		info := putBytes(t, s.Client, "unsummed", large, client.PutObjectOptions{DisableChecksum: true, PartSize: 5 * mib})
		if len(info.Checksums) != 1 || info.Checksums[checksum.CRC64NVME] != sumOf(checksum.CRC64NVME, large) || info.ChecksumType != "FULL_OBJECT" {
			t.Errorf("checksums without any sent: %v %s, want the default CRC64NVME", info.Checksums, info.ChecksumType)
		}
	})
}

func TestPutObjectFromReaderAt(t *testing.T) {
	s := newObjectServer(t)
	data := randomData(12*mib, 9)
	r := bytes.NewReader(data)
	if _, err := r.Seek(100, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	c, log := loggedClient(t, s)
	want := data[100 : 100+11*mib]
	if _, err := c.PutObject(context.Background(), testBucket, "at", r, int64(len(want)), client.PutObjectOptions{PartSize: 5 * mib}); err != nil {
		t.Fatal(err)
	}
	if pos, _ := r.Seek(0, io.SeekCurrent); pos != 100+int64(len(want)) {
		t.Errorf("reader left at %d, want %d", pos, 100+len(want))
	}
	if got, _ := getBytes(t, s.Client, "at", client.GetObjectOptions{}); !bytes.Equal(got, want) {
		t.Fatal("data differs")
	}
	if n := log.count("PUT", "partNumber"); n != 3 {
		t.Errorf("%d parts sent, want 3", n)
	}
}

func TestPutObjectAttributes(t *testing.T) {
	s := newObjectServer(t)
	for _, size := range []int{10, 6 * mib} {
		key := "attrs-" + strconv.Itoa(size)
		putBytes(t, s.Client, key, randomData(size, 1), client.PutObjectOptions{
			ContentType: "image/png", CacheControl: "no-cache", ContentDisposition: "attachment",
			Metadata: map[string]string{"Origin": "camera"}, Tags: map[string]string{"kind": "photo"},
			StorageClass: "STANDARD", PartSize: 5 * mib, WebsiteRedirectLocation: "/elsewhere.html",
		})
		info, err := s.Client.StatObject(context.Background(), testBucket, key, client.StatObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if info.ContentType != "image/png" || info.CacheControl != "no-cache" || info.ContentDisposition != "attachment" ||
			info.Metadata["origin"] != "camera" || info.TagCount != 1 || info.WebsiteRedirectLocation != "/elsewhere.html" {
			t.Errorf("size %d: %+v", size, info)
		}
		// A copy takes the redirect location it is given, never the
		// source's.
		for _, want := range []string{"", "https://example.com/"} {
			dst := client.CopyDestOptions{Bucket: testBucket, Key: key + "-copy", WebsiteRedirectLocation: want}
			if _, err := s.Client.CopyObject(context.Background(), dst, client.CopySrcOptions{Bucket: testBucket, Key: key}); err != nil {
				t.Fatal(err)
			}
			copied, err := s.Client.StatObject(context.Background(), testBucket, key+"-copy", client.StatObjectOptions{})
			if err != nil || copied.WebsiteRedirectLocation != want {
				t.Errorf("size %d: copy's redirect location %q (%v), want %q", size, copied.WebsiteRedirectLocation, err, want)
			}
		}
	}
}

// TestPutObjectProgress: an upload reports its progress as the bytes are
// sent, many times, in increasing values ending at the size, whether it
// is one PUT or parts sent in parallel, from a stream, a ReaderAt or a
// file.
func TestPutObjectProgress(t *testing.T) {
	s := newObjectServer(t)
	data := randomData(20*mib, 10)
	file := filepath.Join(t.TempDir(), "upload.bin")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		put  func(opts client.PutObjectOptions) error
	}{
		{"single PUT", func(opts client.PutObjectOptions) error {
			opts.PartSize = 32 * mib
			_, err := s.Client.PutObject(context.Background(), testBucket, "progress", bytes.NewReader(data), int64(len(data)), opts)
			return err
		}},
		{"stream", func(opts client.PutObjectOptions) error {
			_, err := s.Client.PutObject(context.Background(), testBucket, "progress", onlyReader{bytes.NewReader(data)}, -1, opts)
			return err
		}},
		{"file", func(opts client.PutObjectOptions) error {
			_, err := s.Client.FPutObject(context.Background(), testBucket, "progress", file, opts)
			return err
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var calls []int64
			if err := tt.put(client.PutObjectOptions{PartSize: 5 * mib, Progress: func(n int64) { calls = append(calls, n) }}); err != nil {
				t.Fatal(err)
			}
			checkProgress(t, calls, int64(len(data)))
		})
	}
}

// TestPutObjectProgressTakesBackRetries: the bytes of a part whose
// request failed midway are taken back, and the last call still gives
// the size.
func TestPutObjectProgressTakesBackRetries(t *testing.T) {
	s := newObjectServer(t)
	data := randomData(12*mib, 11)
	c, log := loggedClient(t, s)
	var once sync.Once
	log.fail = func(r *http.Request) error {
		var err error
		if isPart("2")(r) {
			once.Do(func() {
				// Send a megabyte of the part, then lose the connection.
				io.CopyN(io.Discard, r.Body, mib)
				err = &net.OpError{Op: "write", Net: "tcp", Err: errors.New("connection reset by test")}
			})
		}
		return err
	}
	var calls []int64
	_, err := c.PutObject(context.Background(), testBucket, "retried", bytes.NewReader(data), int64(len(data)), client.PutObjectOptions{
		PartSize: 5 * mib, NumThreads: 1, Progress: func(n int64) { calls = append(calls, n) },
	})
	if err != nil {
		t.Fatal(err)
	}
	down := 0
	for i := 1; i < len(calls); i++ {
		if calls[i] < calls[i-1] {
			down++
		}
	}
	if down != 1 || calls[len(calls)-1] != int64(len(data)) {
		t.Fatalf("%d decreases, last call %d", down, calls[len(calls)-1])
	}
}

func TestPutObjectBoundsParallelism(t *testing.T) {
	s := newObjectServer(t)
	c, log := loggedClient(t, s)
	data := randomData(30*mib, 11)
	if _, err := c.PutObject(context.Background(), testBucket, "parallel", onlyReader{bytes.NewReader(data)}, -1,
		client.PutObjectOptions{PartSize: 5 * mib, NumThreads: 2}); err != nil {
		t.Fatal(err)
	}
	if peak := log.peakOf("PUT part"); peak < 1 || peak > 2 {
		t.Errorf("%d parts in flight at once, want at most 2", peak)
	}
}

// endlessReader yields bytes until onRead, called with the count read so
// far before each read, returns an error. It gives up at 200 MiB so that
// a broken test cannot fill the disk.
type endlessReader struct {
	read   int64
	onRead func(total int64) error
}

var errReaderExhausted = errors.New("endlessReader: 200 MiB read")

func (e *endlessReader) Read(p []byte) (int, error) {
	if e.read >= 200*mib {
		return 0, errReaderExhausted
	}
	if err := e.onRead(e.read); err != nil {
		return 0, err
	}
	for i := range p {
		p[i] = byte(e.read + int64(i))
	}
	e.read += int64(len(p))
	return len(p), nil
}

func TestPutObjectFailureAbortsUpload(t *testing.T) {
	errBroken := errors.New("source broke")
	tests := []struct {
		name    string
		size    int64
		onRead  func(cancel context.CancelFunc) func(int64) error
		wantErr error
	}{
		{"context canceled", -1, func(cancel context.CancelFunc) func(int64) error {
			return func(n int64) error {
				if n >= 12*mib {
					cancel()
				}
				return nil
			}
		}, context.Canceled},
		{"reader fails", -1, func(context.CancelFunc) func(int64) error {
			return func(n int64) error {
				if n >= 12*mib {
					return errBroken
				}
				return nil
			}
		}, errBroken},
		{"reader shorter than its size", 40 * mib, func(context.CancelFunc) func(int64) error {
			return func(n int64) error {
				if n >= 12*mib {
					return io.EOF
				}
				return nil
			}
		}, io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newObjectServer(t)
			c, log := loggedClient(t, s)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r := &endlessReader{onRead: tt.onRead(cancel)}
			_, err := c.PutObject(ctx, testBucket, "failed", r, tt.size, client.PutObjectOptions{PartSize: 5 * mib})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if log.count("POST", "uploads") != 1 || log.count("DELETE", "uploadId") != 1 {
				t.Errorf("requests %v: want one upload created and aborted", log.requests)
			}
			if up := openUploads(t, s); len(up) != 0 {
				t.Errorf("uploads left open: %v", up)
			}
			if _, err := s.Client.StatObject(context.Background(), testBucket, "failed", client.StatObjectOptions{}); !client.IsNotFound(err) {
				t.Errorf("object after a failed upload: %v", err)
			}
		})
	}
}

func TestPutObjectConditionalWrite(t *testing.T) {
	s := newObjectServer(t)
	for _, size := range []int{10, 6 * mib} {
		key := "once-" + strconv.Itoa(size)
		data := randomData(size, 12)
		opts := client.PutObjectOptions{IfNoneMatch: "*", PartSize: 5 * mib}
		first := putBytes(t, s.Client, key, data, opts)
		_, err := s.Client.PutObject(context.Background(), testBucket, key, bytes.NewReader(data), int64(size), opts)
		if client.ErrorCode(err) != "PreconditionFailed" {
			t.Errorf("size %d: second create-only write: %v", size, err)
		}
		_, err = s.Client.PutObject(context.Background(), testBucket, key, bytes.NewReader(data), int64(size),
			client.PutObjectOptions{IfMatch: first.ETag, PartSize: 5 * mib})
		if err != nil {
			t.Errorf("size %d: write if the ETag matches: %v", size, err)
		}
	}
	if up := openUploads(t, s); len(up) != 0 {
		t.Errorf("uploads left open: %v", up)
	}
}

func TestPutObjectErrorInCompleteAnswer(t *testing.T) {
	s := newObjectServer(t)
	c, log := loggedClient(t, s)
	const failure = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>`
	log.alter = func(r *http.Request, resp *http.Response) {
		if r.Method == http.MethodPost && r.URL.Query().Has("uploadId") {
			resp.Body.Close()
			resp.Body, resp.ContentLength = io.NopCloser(strings.NewReader(failure)), int64(len(failure))
		}
	}
	_, err := c.PutObject(context.Background(), testBucket, "completed", bytes.NewReader(randomData(6*mib, 14)), 6*mib, client.PutObjectOptions{PartSize: 5 * mib})
	var e *client.ErrorResponse
	if !errors.As(err, &e) || e.Code != "InternalError" || e.StatusCode != http.StatusOK {
		t.Fatalf("error %v, want the InternalError of the 200 answer", err)
	}
	if n := log.count("POST", "uploadId"); n != 1 {
		t.Errorf("CompleteMultipartUpload sent %d times; it must not be retried", n)
	}
	if n := log.count("DELETE", "uploadId"); n != 1 {
		t.Errorf("%d aborts after the failed complete, want 1", n)
	}
}

func TestUploadSnowballObjects(t *testing.T) {
	dir := t.TempDir()
	fileData := randomData(70000, 15)
	file := filepath.Join(dir, "source.bin")
	if err := os.WriteFile(file, fileData, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, staged := range []bool{false, true} {
		for _, compressed := range []bool{false, true} {
			t.Run("staged="+strconv.FormatBool(staged)+"/gzip="+strconv.FormatBool(compressed), func(t *testing.T) {
				s := newObjectServer(t)
				want := map[string][]byte{
					"docs/readme.txt": []byte("read me"),
					"docs/empty":      nil,
					"data/from-file":  fileData,
					"data/" + strings.Repeat("long-name/", 20) + "end": []byte("a name over 100 bytes needs PAX headers"),
				}
				objects := []client.SnowballObject{{Key: "data/from-file", FilePath: file}}
				for k, v := range want {
					if k != "data/from-file" {
						objects = append(objects, client.SnowballObject{Key: k, Reader: bytes.NewReader(v), Size: int64(len(v)), ModTime: time.Unix(1e9, 0)})
					}
				}
				opts := client.SnowballOptions{Compression: compressed, Prefix: "batch"}
				if staged {
					opts.StagingFile = filepath.Join(t.TempDir(), "staging.tar")
				}
				info, err := s.Client.UploadSnowballObjects(context.Background(), testBucket, objects, opts)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(info.Key, "snowball.") || info.Size == 0 {
					t.Errorf("UploadInfo %+v", info)
				}
				for k, v := range want {
					if got, _ := getBytes(t, s.Client, "batch/"+k, client.GetObjectOptions{}); !bytes.Equal(got, v) {
						t.Errorf("%s: %d bytes, want %d", k, len(got), len(v))
					}
				}
				if n := countObjects(t, s.Client, ""); n != len(want) {
					t.Errorf("%d objects stored, want %d", n, len(want))
				}
				if staged {
					fi, err := os.Stat(opts.StagingFile)
					if err != nil {
						t.Fatalf("staging file: %v", err)
					}
					if fi.Size() != info.Size {
						t.Errorf("staging file of %d bytes for an archive of %d", fi.Size(), info.Size)
					}
				}
			})
		}
	}
	t.Run("short reader", func(t *testing.T) {
		s := newObjectServer(t)
		_, err := s.Client.UploadSnowballObjects(context.Background(), testBucket,
			[]client.SnowballObject{{Key: "short", Reader: strings.NewReader("abc"), Size: 10}}, client.SnowballOptions{})
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("error %v", err)
		}
	})
}

// failOnce makes the first request matching match fail with a network
// error before it is sent.
func failOnce(match func(*http.Request) bool) func(*http.Request) error {
	var once sync.Once
	return func(r *http.Request) error {
		var err error
		if match(r) {
			once.Do(func() { err = &net.OpError{Op: "write", Net: "tcp", Err: errors.New("connection reset by test")} })
		}
		return err
	}
}

func isPart(n string) func(*http.Request) bool {
	return func(r *http.Request) bool { return r.Method == http.MethodPut && r.URL.Query().Get("partNumber") == n }
}

func TestPutObjectRetriesParts(t *testing.T) {
	data := randomData(12*mib, 13)
	file := filepath.Join(t.TempDir(), "upload.bin")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	opts := client.PutObjectOptions{PartSize: 5 * mib}
	tests := []struct {
		name string
		put  func(c *client.Client) (client.UploadInfo, error)
	}{
		{"stream", func(c *client.Client) (client.UploadInfo, error) {
			return c.PutObject(context.Background(), testBucket, "retried", onlyReader{bytes.NewReader(data)}, -1, opts)
		}},
		{"reader at", func(c *client.Client) (client.UploadInfo, error) {
			return c.PutObject(context.Background(), testBucket, "retried", bytes.NewReader(data), int64(len(data)), opts)
		}},
		{"file", func(c *client.Client) (client.UploadInfo, error) {
			return c.FPutObject(context.Background(), testBucket, "retried", file, opts)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newObjectServer(t)
			c, log := loggedClient(t, s)
			log.fail = failOnce(isPart("2"))
			if _, err := tt.put(c); err != nil {
				t.Fatal(err)
			}
			if n := log.count("PUT", "partNumber=2"); n != 2 {
				t.Errorf("part 2 sent %d times, want 2", n)
			}
			if got, _ := getBytes(t, s.Client, "retried", client.GetObjectOptions{}); !bytes.Equal(got, data) {
				t.Fatal("data differs")
			}
		})
	}
}

func TestFPutObject(t *testing.T) {
	s := newObjectServer(t)
	dir := t.TempDir()
	tests := []struct {
		name, file  string
		size        int
		opts        client.PutObjectOptions
		wantType    string
		wantPartsOf int
	}{
		{"small json", "doc.json", 100, client.PutObjectOptions{}, "application/json", 0},
		{"multipart", "big.bin", 11 * mib, client.PutObjectOptions{PartSize: 5 * mib}, "application/octet-stream", 3},
		{"content type given", "page.html", 10, client.PutObjectOptions{ContentType: "text/x-custom"}, "text/x-custom", 0},
		{"empty", "empty.txt", 0, client.PutObjectOptions{}, "text/plain; charset=utf-8", 0},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := randomData(tt.size, uint64(100+i))
			path := filepath.Join(dir, tt.file)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			info, err := s.Client.FPutObject(context.Background(), testBucket, tt.file, path, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if info.Checksums[checksum.CRC32C] != crc32cOf(data) {
				t.Errorf("checksum %v", info.Checksums)
			}
			got, st := getBytes(t, s.Client, tt.file, client.GetObjectOptions{})
			if !bytes.Equal(got, data) || st.ContentType != tt.wantType || st.PartsCount != tt.wantPartsOf {
				t.Errorf("%d bytes, type %q, %d parts", len(got), st.ContentType, st.PartsCount)
			}
		})
	}
	if _, err := s.Client.FPutObject(context.Background(), testBucket, "k", filepath.Join(dir, "nothere"), client.PutObjectOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// patternReader is a stream of n bytes made on the fly, hashed as they
// are produced.
type patternReader struct {
	n, off int64
	sum    hash.Hash
}

func newPatternReader(n int64) *patternReader {
	return &patternReader{n: n, sum: checksum.CRC32C.New()}
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	b = b[:min(int64(len(b)), p.n-p.off)]
	for i := range b {
		x := uint64(p.off + int64(i))
		b[i] = byte(x ^ x>>11 ^ x>>23)
	}
	p.off += int64(len(b))
	p.sum.Write(b)
	return len(b), nil
}

// heapSampler records the peak of HeapInuse until stopped.
type heapSampler struct {
	stop chan struct{}
	done chan uint64
}

func sampleHeap() *heapSampler {
	h := &heapSampler{stop: make(chan struct{}), done: make(chan uint64)}
	go func() {
		var peak uint64
		var ms runtime.MemStats
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-h.stop:
				h.done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return h
}

func (h *heapSampler) peak() uint64 {
	close(h.stop)
	return <-h.done
}

// heapInuse is HeapInuse after two collections: the second frees what
// sync.Pool only moved to its victim cache in the first.
func heapInuse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// withMemoryLimit runs f under a soft memory limit, so that HeapInuse
// follows the live heap rather than the collector's pacing, which lets
// garbage grow to twice the live heap before collecting it.
func withMemoryLimit(limit int64, f func()) {
	old := debug.SetMemoryLimit(limit)
	defer debug.SetMemoryLimit(old)
	f()
}

// TestPutObjectMemoryIsBounded uploads 1 GiB from a stream and checks
// that the client's heap (kura runs in a process of its own) stays
// under 64 MiB with the default options: the upload holds at most NumThreads+1
// parts, 5 of 8 MiB.
// The soft memory limit of 48 MiB keeps garbage from hiding the live
// heap; if the client held more than the limit, the heap would pass it.
func TestPutObjectMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 1 GiB")
	}
	s := newObjectServer(t)
	const size = 1 << 30
	base := heapInuse()
	r := newPatternReader(size)
	var info client.UploadInfo
	var err error
	var peak uint64
	withMemoryLimit(48*mib, func() {
		sampler := sampleHeap()
		info, err = s.Client.PutObject(context.Background(), testBucket, "big", r, -1, client.PutObjectOptions{})
		peak = sampler.peak()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("heap in use: %d MiB before, peak %d MiB during a 1 GiB upload with default options", base/mib, peak/mib)
	if info.Size != size || info.Checksums[checksum.CRC32C] != checksum.Encode(r.sum.Sum(nil)) {
		t.Fatalf("upload %+v", info)
	}
	if peak >= 64*mib {
		t.Errorf("heap peaked at %d MiB, want under 64 MiB", peak/mib)
	}
}

// TestGetObjectStreams reads 256 MiB and checks the heap stays low: the
// body is not buffered.
func TestGetObjectStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 256 MiB")
	}
	s := newObjectServer(t)
	const size = 256 << 20
	r := newPatternReader(size)
	if _, err := s.Client.PutObject(context.Background(), testBucket, "stream", r, size, client.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	want := checksum.Encode(r.sum.Sum(nil))
	base := heapInuse()
	var n int64
	var err error
	var peak uint64
	h := checksum.CRC32C.New()
	withMemoryLimit(int64(base)+16*mib, func() {
		sampler := sampleHeap()
		defer func() { peak = sampler.peak() }()
		obj, gerr := s.Client.GetObject(context.Background(), testBucket, "stream", client.GetObjectOptions{ChecksumMode: true})
		if gerr != nil {
			err = gerr
			return
		}
		defer obj.Close()
		n, err = io.Copy(h, obj)
	})
	if err != nil || n != size || checksum.Encode(h.Sum(nil)) != want {
		t.Fatalf("read %d bytes: %v", n, err)
	}
	t.Logf("heap in use: %d MiB before, peak %d MiB while reading 256 MiB", base/mib, peak/mib)
	if peak > base+16*mib {
		t.Errorf("heap grew by %d MiB while streaming 256 MiB", (peak-base)/mib)
	}
}

// TestPutObjectPartSizesKura checks that an upload with PartSizes stores
// the parts given, and so gets the ETag of any multipart upload of the
// same parts: the one a copy of a multipart object must keep.
func TestPutObjectPartSizesKura(t *testing.T) {
	s := newObjectServer(t)
	ctx := context.Background()
	sizes := []int64{6*mib + 5, 5 * mib, 123}
	var total int64
	for _, n := range sizes {
		total += n
	}
	data := randomData(int(total), 42)

	// The reference: a multipart upload of the same parts by another
	// client.
	core := minio.Core{Client: newMinio(t, s)}
	uploadID, err := core.NewMultipartUpload(ctx, testBucket, "reference", minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var parts []minio.CompletePart
	rest := data
	for i, n := range sizes {
		p, err := core.PutObjectPart(ctx, testBucket, "reference", uploadID, i+1, bytes.NewReader(rest[:n]), n, minio.PutObjectPartOptions{})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, minio.CompletePart{PartNumber: i + 1, ETag: p.ETag})
		rest = rest[n:]
	}
	ref, err := core.CompleteMultipartUpload(ctx, testBucket, "reference", uploadID, parts, minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := multipartETag(data, sizes); ref.ETag != want {
		t.Fatalf("reference ETag %s, want %s", ref.ETag, want)
	}

	for _, stream := range []bool{false, true} {
		key := fmt.Sprintf("laid-out-stream=%v", stream)
		var r io.Reader = bytes.NewReader(data)
		if stream {
			r = onlyReader{r}
		}
		info, err := s.Client.PutObject(ctx, testBucket, key, r, total, client.PutObjectOptions{PartSizes: sizes})
		if err != nil {
			t.Fatal(err)
		}
		if info.ETag != ref.ETag {
			t.Errorf("%s: ETag %s, want the reference's %s", key, info.ETag, ref.ETag)
		}
		got, st := getBytes(t, s.Client, key, client.GetObjectOptions{})
		if !bytes.Equal(got, data) || st.PartsCount != len(sizes) {
			t.Errorf("%s: read back %d bytes in %d parts, want %d in %d", key, len(got), st.PartsCount, len(data), len(sizes))
		}
		for i, n := range sizes {
			part, err := core.StatObject(ctx, testBucket, key, minio.StatObjectOptions{PartNumber: i + 1})
			if err != nil {
				t.Fatal(err)
			}
			if part.Size != n {
				t.Errorf("%s: part %d has %d bytes, want %d", key, i+1, part.Size, n)
			}
		}
	}
	if up := openUploads(t, s); len(up) != 0 {
		t.Errorf("uploads left: %v", up)
	}
}
