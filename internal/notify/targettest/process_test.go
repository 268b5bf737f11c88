package targettest

import (
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A server that exits at start fails Launch, and the error holds what it
// wrote.
func TestLaunchReportsEarlyExit(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "server.log")
	tries := 0
	_, err := Server{Name: "sh", Command: func(port int) (*exec.Cmd, string, error) {
		tries++
		return exec.Command("sh", "-c", "echo boom on port "+strconv.Itoa(port)+" >&2; exit 3"), logFile, nil
	}}.Launch()
	if err == nil || !strings.Contains(err.Error(), "sh exited at start") || !strings.Contains(err.Error(), "boom on port") {
		t.Errorf("Launch: %v, want the exit and the server's output", err)
	}
	if tries != portTries {
		t.Errorf("%d tries, want %d", tries, portTries)
	}
}

// Stop ends the server, and Start runs it again on the same port.
func TestStopStartSamePort(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skipf("python3 is not installed: %v", err)
	}
	dir := t.TempDir()
	p := Server{Name: "http.server", Command: func(port int) (*exec.Cmd, string, error) {
		cmd := exec.Command(python, "-m", "http.server", "--bind", "127.0.0.1", strconv.Itoa(port))
		cmd.Dir = dir
		return cmd, filepath.Join(dir, "server.log"), nil
	}}.Start(t)
	port := p.Port
	if err := acceptsTCP(port); err != nil {
		t.Fatalf("after Start: %v", err)
	}
	p.Stop()
	if c, err := net.Dial("tcp", p.Addr()); err == nil {
		c.Close()
		t.Fatal("the server still listens after Stop")
	}
	p.Stop() // nothing to do
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err == nil {
		t.Error("Start of a running server succeeded")
	}
	if p.Port != port || acceptsTCP(port) != nil {
		t.Errorf("after restart: port %d (was %d), listening: %v", p.Port, port, acceptsTCP(port))
	}
}
