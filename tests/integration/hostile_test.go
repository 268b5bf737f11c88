package integration

import (
	"bufio"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Hostile clients: slow bodies, too many headers, too many requests,
// slowloris connections and an upload storm. The server must shed or cut
// them off with S3 errors and keep serving everyone else.

// signedPayload signs req with the payload hash given as is (UNSIGNED-
// PAYLOAD, a streaming mode), for bodies the test does not hold in memory.
func (s *server) signedPayload(t *testing.T, req *http.Request, payloadHash string) *http.Request {
	t.Helper()
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	creds := aws.Credentials{AccessKeyID: s.accessKey, SecretAccessKey: s.secretKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, payloadHash, "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	return req
}

// unsignedPut is a PUT of length bytes from body, signed with
// UNSIGNED-PAYLOAD.
func (s *server) unsignedPut(t *testing.T, path string, body io.Reader, length int64) *http.Request {
	t.Helper()
	req, err := http.NewRequest("PUT", s.url()+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = length
	return s.signedPayload(t, req, "UNSIGNED-PAYLOAD")
}

// trickle yields step bytes every interval, up to total, until stop is
// closed.
type trickle struct {
	step, left int
	interval   time.Duration
	stop       <-chan struct{}
}

func (r *trickle) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	select {
	case <-time.After(r.interval):
	case <-r.stop:
		return 0, io.ErrClosedPipe
	}
	n := min(len(p), r.step, r.left)
	for i := range p[:n] {
		p[i] = 'a'
	}
	r.left -= n
	return n, nil
}

// rawExchange writes req on a new connection, body and all, from another
// goroutine, and reads the answer: the server may answer before the body
// is complete, as it does to a client it cuts off.
func rawExchange(t *testing.T, addr string, req *http.Request) (rawResponse, time.Duration) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	go req.Write(conn)
	conn.SetReadDeadline(time.Now().Add(2 * time.Minute))
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatalf("no answer after %v: %v", time.Since(start), err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	r := rawResponse{status: resp.StatusCode, header: resp.Header, body: body}
	if resp.StatusCode >= 300 && len(body) > 0 {
		if err := xml.Unmarshal(body, &r.err); err != nil {
			t.Fatalf("error body is not S3 XML: %q", body)
		}
	}
	return r, time.Since(start)
}

// TestSlowBody: a body that arrives slower than --min-body-rate, averaged
// over --body-rate-window, is cut off with 400 RequestTimeout and stores
// nothing; a body just above the rate goes through however long it takes.
func TestSlowBody(t *testing.T) {
	const window = 2 * time.Second
	s := startServer(t, "--min-body-rate", "1024", "--body-rate-window", window.String())
	expectStatus(t, "create bucket", do(t, s.signed(t, "PUT", "/bkt", nil, s.secretKey, time.Now())), 200)
	stop := make(chan struct{})
	defer close(stop)

	// 100 bytes every 200 ms is 500 B/s: under the floor.
	slow := &trickle{step: 100, left: 1 << 20, interval: 200 * time.Millisecond, stop: stop}
	r, took := rawExchange(t, s.addr, s.unsignedPut(t, "/bkt/slow", slow, 1<<20))
	expectError(t, "slow body", r, 400, "RequestTimeout")
	t.Logf("slow body cut off after %v (window %v)", took, window)
	if took < window || took > window+20*time.Second {
		t.Errorf("slow body cut off after %v, want about %v", took, window)
	}
	expectError(t, "slow object not stored", do(t, s.signed(t, "GET", "/bkt/slow", nil, s.secretKey, time.Now())), 404, "NoSuchKey")

	// 1 KiB every 250 ms is 4 KiB/s: over the floor, and the upload lasts
	// twice the window.
	steady := &trickle{step: 1024, left: 16 << 10, interval: 250 * time.Millisecond, stop: stop}
	r, took = rawExchange(t, s.addr, s.unsignedPut(t, "/bkt/steady", steady, 16<<10))
	expectStatus(t, fmt.Sprintf("steady body (%v)", took), r, 200)

	// aws-chunked bodies are read through the same check.
	chunked := func(stop <-chan struct{}) io.Reader {
		return io.MultiReader(strings.NewReader("10000\r\n"), &trickle{step: 50, left: 1 << 16, interval: 200 * time.Millisecond, stop: stop})
	}
	req, _ := http.NewRequest("PUT", s.url()+"/bkt/slow-chunked", chunked(stop))
	req.ContentLength = 1 << 20
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(1<<16))
	req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
	r, _ = rawExchange(t, s.addr, s.signedPayload(t, req, "STREAMING-UNSIGNED-PAYLOAD-TRAILER"))
	expectError(t, "slow aws-chunked body", r, 400, "RequestTimeout")
	expectError(t, "slow chunked object not stored", do(t, s.signed(t, "GET", "/bkt/slow-chunked", nil, s.secretKey, time.Now())), 404, "NoSuchKey")
}

// TestHeaderLimits: more than 200 header lines is 400
// RequestHeaderSectionTooLarge; more than 64 KiB of headers is refused by
// net/http with 431 before any handler runs.
func TestHeaderLimits(t *testing.T) {
	s := startServer(t)
	expectStatus(t, "create bucket", do(t, s.signed(t, "PUT", "/bkt", nil, s.secretKey, time.Now())), 200)
	withPadding := func(n int) *http.Request {
		req := s.signed(t, "GET", "/bkt", nil, s.secretKey, time.Now())
		for i := range n {
			req.Header.Set("X-Pad-"+strconv.Itoa(i), "p")
		}
		return req
	}
	expectStatus(t, "150 more header lines", do(t, withPadding(150)), 200)
	expectError(t, "201 more header lines", do(t, withPadding(201)), 400, "RequestHeaderSectionTooLarge")
	expectError(t, "1000 header lines", do(t, withPadding(1000)), 400, "RequestHeaderSectionTooLarge")

	req := s.signed(t, "GET", "/bkt", nil, s.secretKey, time.Now())
	req.Header.Set("X-Big", strings.Repeat("b", 80<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("80 KiB header: %d, want 431", resp.StatusCode)
	}
	expectStatus(t, "server still serves", do(t, s.signed(t, "GET", "/bkt", nil, s.secretKey, time.Now())), 200)
}

// TestMaxRequests: with --max-requests in flight, another request waits
// --max-requests-wait and is refused with 503 SlowDown; health checks are
// never refused; once the slots free up, requests are served again.
func TestMaxRequests(t *testing.T) {
	s := startServer(t, "--max-requests", "2", "--max-requests-wait", "300ms")
	expectStatus(t, "create bucket", do(t, s.signed(t, "PUT", "/bkt", nil, s.secretKey, time.Now())), 200)
	release := make(chan struct{})
	var wg sync.WaitGroup
	results := make([]rawResponse, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// 1 KiB at once, then nothing until release: well within
			// the default body rate's 30 s window.
			body := io.MultiReader(&trickle{step: 1024, left: 1024, interval: time.Millisecond, stop: release},
				&holdReader{release: release, r: strings.NewReader("end")})
			req := s.unsignedPut(t, "/bkt/held"+strconv.Itoa(i), body, 1024+3)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			io.Copy(io.Discard, resp.Body)
			results[i] = rawResponse{status: resp.StatusCode}
		}()
	}
	// Wait until both uploads hold their slots: a third request is shed.
	var shed rawResponse
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		shed = do(t, s.signed(t, "GET", "/bkt", nil, s.secretKey, time.Now()))
		if shed.status == http.StatusServiceUnavailable {
			break
		}
	}
	expectError(t, "request over --max-requests", shed, 503, "SlowDown")
	health, err := http.Get(s.url() + "/health/live")
	if err != nil {
		t.Fatal(err)
	}
	health.Body.Close()
	if health.StatusCode != 200 {
		t.Errorf("health check while saturated: %d", health.StatusCode)
	}
	close(release)
	wg.Wait()
	for i, r := range results {
		expectStatus(t, "held upload "+strconv.Itoa(i), r, 200)
	}
	expectStatus(t, "served again", do(t, s.signed(t, "GET", "/bkt", nil, s.secretKey, time.Now())), 200)
}

// holdReader blocks until release, then reads r.
type holdReader struct {
	release <-chan struct{}
	r       io.Reader
}

func (h *holdReader) Read(p []byte) (int, error) {
	<-h.release
	return h.r.Read(p)
}

// TestSlowloris: 2,000 connections trickle request headers one byte
// every 2 s; a normal client still PUTs and GETs within 1 s each, and the
// server drops the trickling connections after --read-header-timeout.
func TestSlowloris(t *testing.T) {
	if testing.Short() {
		t.Skip("slowloris: -short")
	}
	const conns = 2000
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	// Go raises the soft limit to the hard one at start; the server,
	// also Go, does the same. Both need conns descriptors and some.
	if need := uint64(conns + 512); lim.Cur < need {
		lim.Cur = min(need, lim.Max)
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
		if lim.Cur < need {
			t.Skipf("slowloris: needs %d file descriptors, the limit is %d (hard %d)", need, lim.Cur, lim.Max)
		}
	}
	s := startServer(t, "--read-header-timeout", "10s")
	expectStatus(t, "create bucket", do(t, s.signed(t, "PUT", "/bkt", nil, s.secretKey, time.Now())), 200)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer func() { close(stop); wg.Wait() }()
	var dropped atomic.Int64
	head := []byte("GET /bkt/obj HTTP/1.1\r\nHost: " + s.addr + "\r\nX-Slow: " + strings.Repeat("z", 100))
	dialStart := time.Now()
	for i := range conns {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		wg.Add(2)
		go func() { // the server closes: Read returns
			defer wg.Done()
			var one [1]byte
			c.Read(one[:])
			dropped.Add(1)
		}()
		go func() {
			defer wg.Done()
			defer c.Close()
			for j := 0; ; j++ {
				if _, err := c.Write(head[j%len(head) : j%len(head)+1]); err != nil {
					return
				}
				select {
				case <-stop:
					return
				case <-time.After(2 * time.Second):
				}
			}
		}()
	}
	t.Logf("%d trickling connections open after %v", conns, time.Since(dialStart))

	// A fresh connection per request: the normal client also has to be
	// accepted while the trickling ones are held.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	data := pattern(256<<10, 3)
	var worstPut, worstGet time.Duration
	for round := range 3 {
		start := time.Now()
		resp, err := client.Do(s.signed(t, "PUT", "/bkt/obj", data, s.secretKey, time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		put := time.Since(start)
		if resp.StatusCode != 200 {
			t.Fatalf("PUT: %d", resp.StatusCode)
		}
		start = time.Now()
		resp, err = client.Do(s.signed(t, "GET", "/bkt/obj", nil, s.secretKey, time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		get := time.Since(start)
		if resp.StatusCode != 200 || len(got) != len(data) {
			t.Fatalf("GET: %d, %d bytes", resp.StatusCode, len(got))
		}
		t.Logf("round %d with %d trickling connections (%d dropped): PUT %v, GET %v", round, conns, dropped.Load(), put, get)
		worstPut, worstGet = max(worstPut, put), max(worstGet, get)
		time.Sleep(time.Second)
	}
	if worstPut > time.Second || worstGet > time.Second {
		t.Errorf("with %d slowloris connections: PUT took %v, GET %v; want under 1 s each", conns, worstPut, worstGet)
	}
	// The server drops them once --read-header-timeout passes.
	deadline := time.Now().Add(30 * time.Second)
	for dropped.Load() < conns && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%d of %d trickling connections dropped by the server %v after they opened", dropped.Load(), conns, time.Since(dialStart))
	if dropped.Load() < conns {
		t.Errorf("only %d of %d trickling connections dropped", dropped.Load(), conns)
	}
}

// genReader yields n bytes of a repeating pattern without holding them.
type genReader struct {
	block []byte
	off   int64
	n     int64
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.off >= g.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), g.n-g.off)]
	total := 0
	for len(p) > 0 {
		c := copy(p, g.block[g.off%int64(len(g.block)):])
		p, g.off, total = p[c:], g.off+int64(c), total+c
	}
	return total, nil
}

// procStatus returns the VmHWM and VmRSS of process pid, in bytes.
func procStatus(pid int) (hwm, rss int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(val), "kB")), 10, 64)
		switch name {
		case "VmHWM":
			hwm = kb << 10
		case "VmRSS":
			rss = kb << 10
		}
	}
	return hwm, rss, nil
}

// TestUploadStorm: concurrent 64 MiB uploads must not push the server's
// resident memory past 1 GiB: no handler buffers a body. 50 uploads by
// default; KURA_STORM=1 runs the full 200.
func TestUploadStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("upload storm: -short")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("upload storm: no /proc to measure memory")
	}
	uploads := 50
	if os.Getenv("KURA_STORM") != "" {
		uploads = 200
	}
	const size = 64 << 20
	const limit = 1 << 30
	s := startServer(t)
	expectStatus(t, "create bucket", do(t, s.signed(t, "PUT", "/storm", nil, s.secretKey, time.Now())), 200)
	pid := s.cmd.Process.Pid

	var peakRSS atomic.Int64
	sampled := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if _, rss, err := procStatus(pid); err == nil && rss > peakRSS.Load() {
				peakRSS.Store(rss)
			}
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: uploads}}
	block := pattern(1<<20+13, 5) // odd length: no two MiBs alike
	start := time.Now()
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := range uploads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := s.unsignedPut(t, "/storm/obj"+strconv.Itoa(i), &genReader{block: block, n: size}, size)
			resp, err := client.Do(req)
			if err != nil {
				t.Errorf("upload %d: %v", i, err)
				failed.Add(1)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("upload %d: status %d", i, resp.StatusCode)
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	close(done)
	<-sampled
	hwm, _, err := procStatus(pid)
	if err != nil {
		t.Fatal(err)
	}
	total := float64(uploads) * size / (1 << 30)
	t.Logf("%d concurrent uploads of 64 MiB (%.1f GiB) in %v (%.0f MiB/s): server peak RSS sampled %d MiB, VmHWM %d MiB",
		uploads, total, took.Round(time.Millisecond), total*1024/took.Seconds(), peakRSS.Load()>>20, hwm>>20)
	if hwm > limit {
		t.Errorf("server VmHWM %d MiB during the storm, want under 1 GiB", hwm>>20)
	}
	if failed.Load() > 0 {
		t.Fatalf("%d of %d uploads failed", failed.Load(), uploads)
	}
	// One of them reads back whole.
	resp, err := http.DefaultClient.Do(s.signed(t, "GET", "/storm/obj0", nil, s.secretKey, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || n != size {
		t.Errorf("reading an upload back: %d bytes, %v", n, err)
	}
}

// TestStalledBodyOfRefusedRequest: requests refused before their body is
// read (anonymous, unknown route), announcing 100000 bytes and sending
// one, are each answered and their connections closed, many at once;
// none waits for the rest of the body.
func TestStalledBodyOfRefusedRequest(t *testing.T) {
	s := startServer(t)
	heads := []string{"PUT /bkt/k HTTP/1.1\r\n", "PUT / HTTP/1.1\r\n", "POST /bkt/k?select HTTP/1.1\r\n"}
	const conns = 60
	errs := make(chan error, conns)
	for i := range conns {
		go func() {
			errs <- stalledBodyAnswered(s.addr, heads[i%len(heads)])
		}()
	}
	for range conns {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// stalledBodyAnswered sends head with a 100000-byte body of which one byte
// arrives, and checks that an answer comes and the connection then
// closes (the deadline is generous: it is no timing check).
func stalledBodyAnswered(addr, head string) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, head+"Host: "+addr+"\r\nContent-Length: 100000\r\n\r\nx"); err != nil {
		return err
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, &http.Request{Method: "PUT"})
	if err != nil {
		return fmt.Errorf("%q: no answer: %v", head, err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return fmt.Errorf("%q: answer's body: %v", head, err)
	}
	if resp.StatusCode < 400 {
		return fmt.Errorf("%q: status %d", head, resp.StatusCode)
	}
	if n, err := br.Read(make([]byte, 1)); n != 0 || err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("%q: connection open after the answer: read %d, %v", head, n, err)
	}
	return nil
}
