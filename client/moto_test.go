package client_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/kurastore/kura/client"
)

// startMoto starts moto_server (the moto library's stand-alone S3 mock) on
// a free loopback port for the calls kura does not serve yet, and returns
// a client for it. The server is killed when t ends. The test is skipped
// when moto_server is not installed.
func startMoto(t testing.TB) *client.Client {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server is not installed (pip install 'moto[server]')")
	}
	port := freePort(t)
	var output bytes.Buffer
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = &output, &output
	// Its own process group: the pyenv shim and werkzeug may leave
	// children, and all of them must go at cleanup.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Skipf("moto_server does not start: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})
	endpoint := "127.0.0.1:" + strconv.Itoa(port)
	if err := waitForHTTP(endpoint, exited); err != nil {
		t.Fatalf("moto_server on %s: %v\n%s", endpoint, err, output.String())
	}
	c, err := client.New(endpoint, &client.Options{AccessKey: "testing", SecretKey: "testing", Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// freePort asks the kernel for a port nobody listens on. Another process
// could take it before moto binds it; on loopback in a test run that race
// is rare enough.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// motoStartLimit is how long moto_server may take to import its
// dependencies and listen; a loaded machine needs several seconds.
const motoStartLimit = 60 * time.Second

// waitForHTTP polls endpoint until it answers HTTP, the process exits or
// motoStartLimit passes.
func waitForHTTP(endpoint string, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), motoStartLimit)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+endpoint+"/", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-exited:
			return errProcessExited
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

var errProcessExited = errors.New("moto_server exited before answering")

func TestMotoHarnessServesBuckets(t *testing.T) {
	c := startMoto(t)
	ctx := context.Background()
	if err := c.MakeBucket(ctx, "moto-harness", client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	ok, err := c.BucketExists(ctx, "moto-harness")
	if err != nil || !ok {
		t.Fatalf("exists: %v %v", ok, err)
	}
}
