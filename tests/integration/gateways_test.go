package integration

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/certs"
	"github.com/kurastore/kura/internal/kms/localkms"
	"github.com/kurastore/kura/internal/meta/pgstore/pgtest"
)

// The integration suite through several gateways. With KURA_TEST_GATEWAYS=n
// (n > 1), startServer starts n kura gateways on one new PostgreSQL
// database (on the test binary's shared PostgreSQL server) and one blob
// directory, with the same root credentials and KMS master key, and a
// reverse proxy on loopback that sends each request to the next gateway in
// turn. The proxy's address is the server's address, so every client the
// tests use (the Go SDK, minio-go, aws-sdk-go-v2, boto3, the aws CLI, raw
// HTTP) goes through it: a PUT lands on one gateway, the GET after it on
// another.
//
//	KURA_TEST_GATEWAYS=3 go test -count=1 ./tests/integration
//
// The proxy passes requests through unchanged (method, raw path and query,
// Host, every end-to-end header, the body as it comes) so signatures hold;
// with a TLS flag it serves TLS itself with the certificate every gateway
// serves. Tests that cannot mean the same thing through it skip (see
// notThroughGateways). TestSuiteThroughGateways runs a representative part
// of the suite that way on every test run.
const (
	envGateways = "KURA_TEST_GATEWAYS"
	envKuraBin  = "KURA_TEST_BIN"
)

func testGateways() int {
	n, _ := strconv.Atoi(os.Getenv(envGateways))
	return n
}

// notThroughGateways are the tests that skip with KURA_TEST_GATEWAYS, and
// why: they look at one server's process, files or connection handling,
// which a proxy in front of several gateways changes or hides.
var notThroughGateways = map[string]string{
	// The data directory: with gateways the metadata (and inline objects)
	// are rows in PostgreSQL, not files under the directory.
	"TestSSEBoto3":                    "looks for plaintext in the files of the server's Pebble directory",
	"TestScrub":                       "runs kura scrub on a stopped server's Pebble directory",
	"TestGeneratedCredentialsPersist": "edits the root credentials file one server generated",
	// One server process.
	"TestTLSSelfSignedAndReload": "replaces one server's certificate and sends that process SIGHUP",
	"TestGracefulShutdown":       "signals one server process and watches its requests in flight",
	"TestUploadStorm":            "measures one server process's memory",
	// Connection handling: these measure one server's limits on the
	// connections clients make to it, which the proxy holds instead.
	"TestSlowBody":    "one server's minimum body rate, on the client's own connection",
	"TestSlowloris":   "one server's header timeout and connection count, on the clients' own connections",
	"TestMaxRequests": "one server's limit of requests at once (each gateway has its own)",
	// A second listener of each process, which the proxy does not front.
	"TestWebsiteListener": "serves websites on one server's --website-address",
}

// settled reports whether ok holds after a change to IAM or a bucket's
// configuration: at once on a single server; through gateways, once every
// gateway has dropped its caches, which happens within a poll (500 ms) of
// the change, not at once (TestGatewaysShareOneNamespace holds gateways to
// one second). Here ok is asked again until it holds; the 30 s ceiling
// only keeps a broken build from hanging the test.
func settled(ok func() bool) bool {
	if testGateways() <= 1 {
		return ok()
	}
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// startGateways is startServer with n gateways behind a round-robin proxy.
func startGateways(t *testing.T, n int, extra, extraEnv []string) *server {
	t.Helper()
	name, _, _ := strings.Cut(t.Name(), "/")
	if why, ok := notThroughGateways[name]; ok {
		t.Skipf("not run through %d gateways: %s", n, why)
	}
	conn := pgtest.Start(t)
	s := &server{t: t, dir: t.TempDir(), accessKey: "AK" + strings.ToUpper(randomHex(9)), secretKey: randomHex(20), extra: extra}
	var gwExtra []string
	for _, a := range extra {
		if a == "--tls-self-signed" {
			// One certificate for every gateway and the proxy, where the
			// tests look for it (caFile).
			cert, key, err := certs.SelfSigned(filepath.Join(s.dir, "tls"))
			if err != nil {
				t.Fatal(err)
			}
			gwExtra = append(gwExtra, "--tls-cert", cert, "--tls-key", key)
			s.https = true
			continue
		}
		s.https = s.https || strings.HasPrefix(a, "--tls-")
		gwExtra = append(gwExtra, a)
	}
	env := []string{"KURA_ROOT_USER=" + s.accessKey, "KURA_ROOT_PASSWORD=" + s.secretKey, "KURA_KMS_SECRET_KEY=" + localkms.NewSecret("gateways-key"),
		"KURA_IAM_SECRET_KEY=" + localkms.NewSecret("gateways-iam-key")}
	env = append(env, extraEnv...)
	for i := range n {
		s.gws = append(s.gws, &server{
			t: t, dir: filepath.Join(s.dir, fmt.Sprintf("gw%d", i)), accessKey: s.accessKey, secretKey: s.secretKey,
			extra: append(append([]string{}, gwExtra...), "--meta", conn, "--blobs", filepath.Join(s.dir, "blobs")),
			env:   env, https: s.https,
		})
	}
	s.proxy = newRoundRobin(t, s.https, filepath.Join(s.dir, "tls"))
	s.start()
	t.Cleanup(s.stop)
	return s
}

// startGateways starts every gateway and points the proxy at them; the
// proxy keeps its address across restarts.
func (s *server) startGateways() {
	var addrs []string
	for _, g := range s.gws {
		g.start()
		addrs = append(addrs, g.addr)
	}
	s.proxy.setBackends(addrs)
	s.addr = s.proxy.addr
}

// roundRobin is a reverse proxy that sends each request to the next
// backend, passing the request and the response through as they are.
type roundRobin struct {
	addr     string
	srv      *http.Server
	mu       sync.Mutex
	backends []string
	next     atomic.Uint64
}

func newRoundRobin(t *testing.T, useTLS bool, tlsDir string) *roundRobin {
	t.Helper()
	p := &roundRobin{}
	scheme := "http"
	if useTLS {
		scheme = "https"
	}
	transport := &rawTransport{tls: useTLS}
	handler := http.HandlerFunc(func(w http.ResponseWriter, in *http.Request) {
		out := in.Clone(in.Context())
		out.RequestURI = ""
		out.URL.Scheme, out.URL.Host = scheme, p.pick()
		out.Host = in.Host // signed
		if in.ContentLength == 0 {
			out.Body = nil
			// Go's server sends 100 Continue when the handler reads the
			// body, which an empty one never is; kura sends it itself
			// then, and clients (botocore) stall without it.
			if strings.EqualFold(in.Header.Get("Expect"), "100-continue") {
				w.WriteHeader(http.StatusContinue)
			}
		}
		for _, h := range []string{"Connection", "Keep-Alive", "Proxy-Connection", "Upgrade"} {
			out.Header.Del(h)
		}
		resp, err := transport.RoundTrip(out)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, vs := range resp.Header {
			w.Header()[k] = vs // as written, not canonicalized
		}
		w.WriteHeader(resp.StatusCode)
		// Stream (event listeners, Select) as the gateway sends.
		f, _ := w.(http.Flusher)
		buf := make([]byte, 64<<10)
		for {
			n, err := resp.Body.Read(buf)
			if n > 0 {
				if _, werr := w.Write(buf[:n]); werr != nil {
					return
				}
				if f != nil {
					f.Flush()
				}
			}
			if err != nil {
				return
			}
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.srv = &http.Server{Handler: handler}
	go func() {
		if useTLS {
			p.srv.ServeTLS(ln, filepath.Join(tlsDir, certs.SelfSignedCert), filepath.Join(tlsDir, certs.SelfSignedKey))
			return
		}
		p.srv.Serve(ln)
	}()
	t.Cleanup(func() { p.srv.Close() })
	return p
}

// rawTransport sends one request on a new connection and reads the
// response keeping its header names as the gateway wrote them.
// http.Transport would canonicalize them (x-amz-meta-color becomes
// X-Amz-Meta-Color), which clients that take user metadata names from the
// headers (boto3) would see, and which load balancers in production do not
// do.
type rawTransport struct{ tls bool }

func (rt *rawTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	conn, err := net.Dial("tcp", req.URL.Host)
	if err != nil {
		return nil, err
	}
	if rt.tls {
		conn = tls.Client(conn, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}}) // our own gateways on loopback
	}
	req.Close = true // one request per connection: the body ends at most where the connection does
	if err := req.Write(conn); err != nil {
		conn.Close()
		return nil, err
	}
	br := bufio.NewReader(conn)
	for {
		resp, err := readRawResponse(br, req)
		if err != nil {
			conn.Close()
			return nil, err
		}
		if resp.StatusCode == http.StatusContinue {
			continue // the proxy's own server answered the client's Expect
		}
		resp.Body = &connBody{Reader: resp.Body.(io.Reader), conn: conn}
		return resp, nil
	}
}

type connBody struct {
	io.Reader
	conn net.Conn
}

func (b *connBody) Close() error { return b.conn.Close() }

// readRawResponse reads a status line and headers, keeping header names
// as they were sent, and frames the body as HTTP/1.1 says.
func readRawResponse(br *bufio.Reader, req *http.Request) (*http.Response, error) {
	tp := textproto.NewReader(br)
	line, err := tp.ReadLine()
	if err != nil {
		return nil, err
	}
	proto, status, ok := strings.Cut(line, " ")
	code, err := strconv.Atoi(strings.SplitN(status, " ", 2)[0])
	if !ok || err != nil {
		return nil, fmt.Errorf("proxy: malformed status line %q", line)
	}
	resp := &http.Response{Status: status, StatusCode: code, Proto: proto, ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{}, Request: req, ContentLength: -1}
	for {
		l, err := tp.ReadLine()
		if err != nil {
			return nil, err
		}
		if l == "" {
			break
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("proxy: malformed header line %q", l)
		}
		resp.Header[name] = append(resp.Header[name], strings.TrimSpace(value))
	}
	chunked := false
	for name, vs := range resp.Header {
		switch strings.ToLower(name) {
		case "transfer-encoding":
			chunked = strings.EqualFold(vs[0], "chunked")
			delete(resp.Header, name)
		case "content-length":
			resp.ContentLength, _ = strconv.ParseInt(vs[0], 10, 64)
		case "connection":
			delete(resp.Header, name)
		}
	}
	switch {
	case req.Method == http.MethodHead || code < 200 || code == http.StatusNoContent || code == http.StatusNotModified:
		resp.Body = http.NoBody
	case chunked:
		resp.Body = io.NopCloser(httputil.NewChunkedReader(br))
		resp.ContentLength = -1
	case resp.ContentLength >= 0:
		resp.Body = io.NopCloser(io.LimitReader(br, resp.ContentLength))
	default:
		resp.Body = io.NopCloser(br)
	}
	return resp, nil
}

func (p *roundRobin) setBackends(addrs []string) {
	p.mu.Lock()
	p.backends = addrs
	p.mu.Unlock()
}

func (p *roundRobin) pick() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.backends[int(p.next.Add(1)%uint64(len(p.backends)))]
}

// throughGateways is the part of the suite TestSuiteThroughGateways runs
// through three gateways (names are prefixes): every client
// (aws-sdk-go-v2, minio-go, boto3, the Python minio client, the aws CLI,
// rclone, s3cmd), and the object API, versions and object lock,
// multipart, copies, checksums, presigned URLs and POST forms, policies,
// STS, SSE, streaming signatures, bad input, archives, and kill -9.
var throughGateways = []string{
	"TestAdminCLI",
	"TestWorkflow",
	"TestBoto3",
	"TestAWSCLI",
	"TestMinioGo",
	"TestCopyTagsAndPartsAWS",
	"TestChecksumsAWS",
	"TestPresigned",
	"TestPost",
	"TestPolicyEnforcement",
	"TestSSE",
	"TestStreaming",
	"TestBadInput",
	"TestSnowballExtract",
	"TestKillNine",
	"TestVirtualHostStyle",
	"TestToolsRclone",
	"TestToolsS3cmd",
}

// gatewayRun is one run of the suite through gateways in a child test
// process.
type gatewayRun struct {
	cmd  *exec.Cmd
	done chan struct{}
	out  bytes.Buffer
	err  error
	took time.Duration
}

// startGatewayRun starts the child process; its result is ready when done
// is closed.
func startGatewayRun() *gatewayRun {
	run := "^(" + strings.Join(throughGateways, "|") + ")"
	if os.Getenv("KURA_TEST_GATEWAYS_ALL") == "1" {
		run = "."
	}
	cmd := exec.Command(os.Args[0], "-test.run", run, "-test.v", "-test.count=1", "-test.timeout=20m")
	cmd.Env = append(os.Environ(), envGateways+"=3", envKuraBin+"="+kuraBin)
	g := &gatewayRun{cmd: cmd, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &g.out, &g.out
	start := time.Now()
	if g.err = cmd.Start(); g.err != nil {
		close(g.done)
		return g
	}
	go func() {
		g.err = cmd.Wait()
		g.took = time.Since(start)
		close(g.done)
	}()
	return g
}

// earlyGatewayRun is the run TestMain started before the rest of the
// package, so that it overlaps the package's own tests (most of whose time
// is spent waiting on servers) instead of adding its minutes after them;
// TestSuiteThroughGateways takes it. Nil when TestMain did not start one.
var earlyGatewayRun *gatewayRun

// startGatewayRunEarly starts earlyGatewayRun when this test binary will
// run TestSuiteThroughGateways and it would not skip.
func startGatewayRunEarly() {
	if testing.Short() || testGateways() > 1 || pgtest.BinDir() == "" || !testSelected("TestSuiteThroughGateways") {
		return
	}
	earlyGatewayRun = startGatewayRun()
}

// testSelected reports whether -test.run (and -test.skip) select the
// top-level test name, as the testing package would.
func testSelected(name string) bool {
	match := func(flagName string) (bool, bool) {
		f := flag.Lookup(flagName)
		if f == nil || f.Value.String() == "" {
			return false, false
		}
		top, _, _ := strings.Cut(f.Value.String(), "/")
		ok, err := regexp.MatchString(top, name)
		return ok, err == nil
	}
	if f := flag.Lookup("test.list"); f != nil && f.Value.String() != "" {
		return false
	}
	if ok, set := match("test.run"); set && !ok {
		return false
	}
	if ok, set := match("test.skip"); set && ok {
		return false
	}
	return true
}

// TestSuiteThroughGateways runs tests of this package again, in a child
// test process with KURA_TEST_GATEWAYS=3: each test's server is three
// gateways on one PostgreSQL behind a round-robin proxy. By default it
// runs the tests whose names start with those in throughGateways; with
// KURA_TEST_GATEWAYS_ALL=1, the whole package. It fails if any of them
// fails, and reports how many passed and skipped. The first run of it in
// a test binary was started by TestMain (earlyGatewayRun).
func TestSuiteThroughGateways(t *testing.T) {
	if testing.Short() {
		t.Skip("scale-out test skipped in -short mode")
	}
	if testGateways() > 1 {
		t.Skip("already running through gateways")
	}
	pgtest.SkipIfMissing(t)
	g := earlyGatewayRun
	earlyGatewayRun = nil // a second run (-count) starts its own
	if g == nil {
		g = startGatewayRun()
	}
	<-g.done
	out, err, took := g.out.Bytes(), g.err, g.took
	result := regexp.MustCompile(`^\s*--- (PASS|FAIL|SKIP): (\S+)`)
	counts := map[string]int{}
	var failed []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		m := result.FindStringSubmatch(sc.Text())
		if m == nil || m[2] == "TestSuiteThroughGateways" || strings.Contains(m[2], "/") {
			continue
		}
		counts[m[1]]++
		if m[1] == "FAIL" {
			failed = append(failed, m[2])
		}
	}
	t.Logf("through 3 gateways in %v: %d tests passed, %d failed %v, %d skipped", took.Round(time.Second), counts["PASS"], counts["FAIL"], failed, counts["SKIP"])
	if err != nil || counts["FAIL"] > 0 || counts["PASS"] == 0 {
		tail := out
		if len(tail) > 20000 {
			tail = tail[len(tail)-20000:]
		}
		t.Fatalf("the suite through gateways: %v\n%s", err, tail)
	}
}
