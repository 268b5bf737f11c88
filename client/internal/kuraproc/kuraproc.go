// Package kuraproc starts real kura servers as child processes for the
// SDK's tests and examples.
//
// The SDK is its own Go module, and a module that imports it must not get
// the server's dependencies. So its tests do not link the server in: Main
// builds the kura command from the checkout they run in, with the go tool,
// and Start runs it on a free loopback port with fresh root keys and a
// temporary data directory. Where no checkout is at hand (the SDK read
// from the module cache), the build fails, and the tests that need a
// server skip with the reason; KURA_BIN names a kura binary to use instead.
package kuraproc

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kurastore/kura/client"
)

// Command is the import path of the kura command that Main builds.
const Command = "github.com/kurastore/kura/cmd/kura"

var (
	binary      string // the kura binary, once Main found or built it
	unavailable error  // why there is none
	detachedMu  sync.Mutex
	detached    []*Server // servers of StartDetached, stopped when Main ends
)

// Main builds kura (or takes KURA_BIN), calls setup when it has a binary,
// runs m, stops the servers StartDetached started, and exits with m's
// code. Without a kura binary it still runs the tests, whose Start calls
// skip, but not the examples: an example has no way to skip, and its
// output needs a server.
func Main(m *testing.M, setup func()) {
	flag.Parse()
	work, err := os.MkdirTemp("", "kuraproc-")
	if err != nil {
		log.Fatal(err)
	}
	binary, unavailable = build(work)
	if unavailable != nil {
		fmt.Fprintf(os.Stderr, "kuraproc: no kura server, so tests that need one skip and examples do not run: %v\n", unavailable)
		if flag.Lookup("test.run").Value.String() == "" {
			// Every test's name starts with Test, and no example's does.
			flag.Set("test.run", "^Test")
		}
	} else if setup != nil {
		setup()
	}
	code := m.Run()
	detachedMu.Lock()
	for _, s := range slices.Backward(detached) {
		s.Close()
	}
	detachedMu.Unlock()
	os.RemoveAll(work)
	os.Exit(code)
}

func build(work string) (string, error) {
	if bin := os.Getenv("KURA_BIN"); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			return "", fmt.Errorf("KURA_BIN: %w", err)
		}
		return bin, nil
	}
	bin := filepath.Join(work, "kura")
	cmd := exec.Command("go", "build", "-o", bin, Command)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s: %v: %s (set KURA_BIN to a kura binary)", Command, err, firstLine(out.String()))
	}
	return bin, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// Options tune Start. The zero value is fine.
type Options struct {
	// Region is the server's region (--region); default us-east-1.
	Region string
	// TLS serves HTTPS with a self-signed certificate for 127.0.0.1
	// (--tls-self-signed); RootCAs trusts it. SSE-C needs it.
	TLS bool
	// Webhooks are event notification targets: name to the URL events are
	// POSTed to, configured as kura's KURA_NOTIFY_WEBHOOK_* variables. A
	// bucket's notification configuration names one by the ARN
	// arn:minio:sqs::NAME:webhook.
	Webhooks map[string]string
	// Args are more flags of kura server; Env more environment variables.
	Args, Env []string
}

// Server is a running kura.
type Server struct {
	// Endpoint is "127.0.0.1:port", as client.New takes it; URL has the
	// scheme too.
	Endpoint, URL        string
	AccessKey, SecretKey string
	Region               string
	// RootCAs trusts the server's certificate (Options.TLS), which CertPEM
	// holds.
	RootCAs *x509.CertPool
	CertPEM []byte
	// Client is a client with the root credentials.
	Client *client.Client

	cmd    *exec.Cmd
	out    *lockedWriter // the server's standard output and error
	dir    string
	exited chan struct{}
	once   sync.Once
}

// Start starts kura for t and stops it when t ends. Without a kura binary
// (see Main) it skips t.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if binary == "" {
		if unavailable == nil {
			t.Fatal("kuraproc: Start before Main: call kuraproc.Main from the package's TestMain")
		}
		t.Skipf("kuraproc: %v", unavailable)
	}
	s, err := start(opts)
	if err != nil {
		t.Fatalf("kuraproc: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// StartDetached starts kura for an example, which has no testing.TB; Main
// stops it once every test and example has run.
func StartDetached(opts Options) (*Server, error) {
	if binary == "" {
		return nil, fmt.Errorf("kuraproc: no kura server: %v", unavailable)
	}
	s, err := start(opts)
	if err != nil {
		return nil, err
	}
	detachedMu.Lock()
	detached = append(detached, s)
	detachedMu.Unlock()
	return s, nil
}

// start runs kura on a port that was free a moment before. Another
// process may take the port in between; kura then exits at once, and
// start tries a new port.
func start(opts Options) (*Server, error) {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	var err error
	for range 3 {
		var s *Server
		if s, err = startOnce(opts); err == nil {
			return s, nil
		}
		if !errors.Is(err, errExited) {
			return nil, err
		}
	}
	return nil, err
}

var errExited = errors.New("kura exited while starting")

func startOnce(opts Options) (*Server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "kuraproc-data-")
	if err != nil {
		return nil, err
	}
	s := &Server{
		Endpoint: addr, URL: "http://" + addr, Region: opts.Region,
		AccessKey: "KP" + strings.ToUpper(randomHex(9)), SecretKey: randomHex(20),
		dir: dir, exited: make(chan struct{}), out: &lockedWriter{w: &bytes.Buffer{}},
	}
	args := []string{"server", "--address", addr, "--region", opts.Region, "--log-level", "warn"}
	if opts.TLS {
		args = append(args, "--tls-self-signed")
		s.URL = "https://" + addr
	}
	args = append(append(args, opts.Args...), filepath.Join(dir, "data"))
	s.cmd = exec.Command(binary, args...)
	s.cmd.Env = append(os.Environ(), "KURA_ROOT_USER="+s.AccessKey, "KURA_ROOT_PASSWORD="+s.SecretKey)
	for name, url := range opts.Webhooks {
		s.cmd.Env = append(s.cmd.Env, "KURA_NOTIFY_WEBHOOK_ENDPOINT_"+name+"="+url)
	}
	s.cmd.Env = append(s.cmd.Env, opts.Env...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	// The server dies with the test process even when that is killed.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	go func() { s.cmd.Wait(); close(s.exited) }()
	if err := s.waitReady(opts.TLS); err != nil {
		s.Close()
		return nil, err
	}
	if s.Client, err = client.New(s.Endpoint, &client.Options{
		AccessKey: s.AccessKey, SecretKey: s.SecretKey, Region: s.Region, Secure: opts.TLS, RootCAs: s.RootCAs,
	}); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// waitReady polls /health/ready for up to a minute, reading the server's
// certificate first when it serves HTTPS.
func (s *Server) waitReady(secure bool) error {
	deadline := time.Now().Add(time.Minute)
	probe := &http.Client{Timeout: 5 * time.Second}
	for time.Now().Before(deadline) {
		if secure && s.RootCAs == nil {
			if pem, err := os.ReadFile(filepath.Join(s.dir, "data", "tls", "public.crt")); err == nil {
				s.CertPEM, s.RootCAs = pem, x509.NewCertPool()
				s.RootCAs.AppendCertsFromPEM(pem)
				probe.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.RootCAs}}
			}
		}
		if !secure || s.RootCAs != nil {
			if resp, err := probe.Get(s.URL + "/health/ready"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return nil
				}
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("%w: %s", errExited, s.output())
		case <-time.After(25 * time.Millisecond):
		}
	}
	return fmt.Errorf("kura did not become ready in a minute: %s", s.output())
}

func (s *Server) output() string {
	s.out.mu.Lock()
	defer s.out.mu.Unlock()
	return strings.TrimSpace(s.out.w.String())
}

// Close stops the server (SIGTERM, then SIGKILL after 30 seconds) and
// removes its data.
func (s *Server) Close() {
	s.once.Do(func() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		select {
		case <-s.exited:
		case <-ctx.Done():
			s.cmd.Process.Kill()
			<-s.exited
		}
		os.RemoveAll(s.dir)
	})
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
