package integration

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/meta/pgstore/pgtest"
)

var kuraBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kura-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	kuraBin = filepath.Join(dir, "kura")
	if prebuilt := os.Getenv(envKuraBin); prebuilt != "" {
		kuraBin = prebuilt // a run of this binary started by TestSuiteThroughGateways
	} else {
		args := []string{"build", "-o", kuraBin}
		if raceBuild {
			args = append(args, "-race")
		}
		build := exec.Command("go", append(args, "github.com/kurastore/kura/cmd/kura")...)
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building kura:", err)
			os.Exit(1)
		}
	}
	flag.Parse()
	startGatewayRunEarly()
	code := m.Run()
	if g := earlyGatewayRun; g != nil { // TestSuiteThroughGateways did not take it
		if g.cmd.Process != nil {
			g.cmd.Process.Kill()
		}
		<-g.done
	}
	pgtest.StopShared()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is one running kura.
type server struct {
	t         *testing.T
	dir       string
	addr      string
	accessKey string
	secretKey string
	extra     []string
	env       []string
	https     bool // started with a TLS flag
	cmd       *exec.Cmd
	exited    chan struct{}
	// gws, with KURA_TEST_GATEWAYS, are the gateways behind proxy, which
	// serves addr and hands requests to them in turn (gateways_test.go).
	gws   []*server
	proxy *roundRobin
	// sameAddr: a restart listens on the address the server had, as a
	// remote tier's endpoint must stay the same.
	sameAddr bool
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServer starts kura on a temp dir with random root credentials;
// with KURA_TEST_GATEWAYS=n, n gateways on one PostgreSQL database behind a
// round-robin proxy instead (gateways_test.go).
func startServer(t *testing.T, extra ...string) *server {
	t.Helper()
	return startServerEnv(t, nil, extra...)
}

// startServerEnv is startServer with environment variables for kura (on
// every gateway, with KURA_TEST_GATEWAYS).
func startServerEnv(t *testing.T, env []string, extra ...string) *server {
	t.Helper()
	if n := testGateways(); n > 1 {
		return startGateways(t, n, extra, env)
	}
	s := &server{
		t: t, dir: t.TempDir(), accessKey: "AK" + strings.ToUpper(randomHex(9)), secretKey: randomHex(20), extra: extra,
	}
	s.env = append([]string{"KURA_ROOT_USER=" + s.accessKey, "KURA_ROOT_PASSWORD=" + s.secretKey}, env...)
	for _, a := range extra {
		s.https = s.https || strings.HasPrefix(a, "--tls-")
	}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *server) start() {
	t := s.t
	t.Helper()
	if s.gws != nil {
		s.startGateways()
		return
	}
	if !s.sameAddr || s.addr == "" {
		s.addr = freeAddr(t)
	}
	args := append([]string{"server", "--address", s.addr, "--log-level", "warn"}, s.extra...)
	s.cmd = exec.Command(kuraBin, append(args, s.dir)...)
	s.cmd.Env = append(os.Environ(), s.env...)
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stderr = os.Stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.exited = make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			t.Log("kura: " + sc.Text())
		}
		s.cmd.Wait()
		close(s.exited)
	}()
	deadline := time.Now().Add(20 * time.Second)
	probe := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	for time.Now().Before(deadline) {
		resp, err := probe.Get(s.url() + "/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		select {
		case <-s.exited:
			t.Fatal("kura exited during start")
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatal("kura did not become ready")
}

func (s *server) url() string {
	if s.https {
		return "https://" + s.addr
	}
	return "http://" + s.addr
}

// stop shuts kura down with SIGTERM and waits.
func (s *server) stop() {
	for _, g := range s.gws {
		g.stop()
	}
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	if raceBuild && s.cmd.ProcessState != nil && s.cmd.ProcessState.ExitCode() == raceExitCode {
		s.t.Errorf("kura %s reported a data race on its standard error", s.dir)
	}
	s.cmd = nil
}

// raceExitCode is the status a -race build exits with after it reported
// a race (GORACE's exitcode, 66 unless the environment says otherwise).
const raceExitCode = 66

// kill9 kills kura without warning, as a crash would.
func (s *server) kill9() {
	if s.gws != nil {
		for _, g := range s.gws {
			g.kill9()
		}
		return
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
	s.cmd = nil
}

func (s *server) restart() {
	s.stop()
	s.start()
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}
