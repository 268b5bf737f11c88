package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/blob/dirstore"
	"github.com/kurastore/kura/internal/httpapi"
	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/internal/kms/localkms"
	"github.com/kurastore/kura/internal/meta/pebblestore"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/sigv4"
)

type target struct {
	url    string
	creds  sigv4.Credentials
	client *http.Client
}

func startKura(b *testing.B) *target {
	b.Helper()
	t, _, _ := startKuraIn(b, b.TempDir())
	return t
}

// startKuraIn serves a new kura from dir on a random loopback port, with
// a bucket "bench", and returns its layer and metadata store too.
func startKuraIn(b testing.TB, dir string) (*target, *object.Layer, *pebblestore.Store) {
	b.Helper()
	m, err := pebblestore.Open(dir+"/meta", nil)
	if err != nil {
		b.Fatal(err)
	}
	blobs, err := dirstore.Open(dir + "/blobs")
	if err != nil {
		b.Fatal(err)
	}
	keys, err := localkms.New(m, localkms.NewSecret("bench-key"))
	if err != nil {
		b.Fatal(err)
	}
	layer := object.New(m, blobs, object.Options{KMS: keys})
	creds := auth.Credentials{AccessKey: "benchkey", SecretKey: "benchsecret"}
	identities, err := iam.NewStore(m, creds, make([]byte, iam.SealKeySize), nil)
	if err != nil {
		b.Fatal(err)
	}
	// A user with the readwrite policy, for measuring what authorization
	// costs compared with the root user.
	if err := identities.AddUser(context.Background(), "benchuser", "benchusersecret"); err != nil {
		b.Fatal(err)
	}
	if err := identities.AttachPolicy(context.Background(), "readwrite", "benchuser", ""); err != nil {
		b.Fatal(err)
	}
	api := httpapi.New(httpapi.Config{Objects: layer, Region: "us-east-1", Credentials: auth.NewStatic(creds).Secret, IAM: identities})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: api}
	go srv.Serve(ln)
	b.Cleanup(func() {
		srv.Shutdown(context.Background())
		m.Close()
	})
	t := &target{
		url:    "http://" + ln.Addr().String(),
		creds:  sigv4.Credentials{AccessKey: creds.AccessKey, SecretKey: creds.SecretKey},
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
	}
	t.do(b, "PUT", "/bench", nil)
	return t, layer, m
}

func (t *target) do(b testing.TB, method, path string, body []byte) []byte {
	req, err := http.NewRequest(method, t.url+path, bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	hash := sigv4.UnsignedPayload
	if body != nil {
		s := sha256.Sum256(body)
		hash = hex.EncodeToString(s[:])
	}
	sigv4.SignRequest(req, t.creds, "us-east-1", "s3", hash, time.Now())
	resp, err := t.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode >= 300 {
		b.Fatalf("%s %s: %d %v %s", method, path, resp.StatusCode, err, data)
	}
	return data
}

// drain reads a response body without keeping it.
func (t *target) drain(b *testing.B, path string) int64 {
	req, _ := http.NewRequest("GET", t.url+path, nil)
	sigv4.SignRequest(req, t.creds, "us-east-1", "s3", sigv4.UnsignedPayload, time.Now())
	resp, err := t.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
	}
	return n
}

const concurrency = 16

// parallel runs fn b.N times over 16 goroutines.
func parallel(b *testing.B, fn func(i int64)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
}

func BenchmarkPut4KiB(b *testing.B) {
	t := startKura(b)
	body := bytes.Repeat([]byte("k"), 4096)
	parallel(b, func(i int64) { t.do(b, "PUT", "/bench/put/"+strconv.FormatInt(i, 10), body) })
}

func BenchmarkGet4KiB(b *testing.B) {
	t := startKura(b)
	body := bytes.Repeat([]byte("g"), 4096)
	for i := range 256 {
		t.do(b, "PUT", "/bench/get/"+strconv.Itoa(i), body)
	}
	parallel(b, func(i int64) { t.drain(b, "/bench/get/"+strconv.FormatInt(i%256, 10)) })
}

// BenchmarkGet4KiBAuthorized compares 4 KiB GETs by the root user, which
// skips policy evaluation, with GETs by a user whose readwrite policy is
// evaluated on every request.
func BenchmarkGet4KiBAuthorized(b *testing.B) {
	for _, who := range []string{"root", "user"} {
		b.Run(who, func(b *testing.B) {
			t := startKura(b)
			body := bytes.Repeat([]byte("g"), 4096)
			for i := range 256 {
				t.do(b, "PUT", "/bench/get/"+strconv.Itoa(i), body)
			}
			if who == "user" {
				t.creds = sigv4.Credentials{AccessKey: "benchuser", SecretKey: "benchusersecret"}
			}
			parallel(b, func(i int64) { t.drain(b, "/bench/get/"+strconv.FormatInt(i%256, 10)) })
		})
	}
}

func BenchmarkGet64MiB(b *testing.B) {
	t := startKura(b)
	body := make([]byte, 64<<20)
	for i := range body {
		body[i] = byte(i)
	}
	t.do(b, "PUT", "/bench/big", body)
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for range b.N {
		if n := t.drain(b, "/bench/big"); n != int64(len(body)) {
			b.Fatalf("read %d bytes", n)
		}
	}
}

func BenchmarkList100k(b *testing.B) {
	t := startKura(b)
	const keys = 100_000
	// Fill through HTTP in parallel; only the listing is timed.
	var wg sync.WaitGroup
	var next atomic.Int64
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < keys; i = next.Add(1) - 1 {
				t.do(b, "PUT", fmt.Sprintf("/bench/list/%06d", i), []byte{})
			}
		}()
	}
	wg.Wait()
	b.ResetTimer()
	start := time.Now()
	total := 0
	for range b.N {
		token := ""
		for {
			path := "/bench?list-type=2&prefix=list/"
			if token != "" {
				path += "&continuation-token=" + token
			}
			page := t.do(b, "GET", path, nil)
			total += bytes.Count(page, []byte("<Key>"))
			i := bytes.Index(page, []byte("<NextContinuationToken>"))
			if i < 0 {
				break
			}
			rest := page[i+len("<NextContinuationToken>"):]
			token = string(rest[:bytes.IndexByte(rest, '<')])
		}
	}
	if total != keys*b.N {
		b.Fatalf("listed %d keys, want %d", total, keys*b.N)
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "keys/s")
}
