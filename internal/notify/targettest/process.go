package targettest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// FreePort returns a 127.0.0.1 port where nothing listens now.
func FreePort(t testing.TB) int {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// ClosedAddress returns a 127.0.0.1 host:port where nothing listens now.
func ClosedAddress(t testing.TB) string {
	t.Helper()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(FreePort(t)))
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Command makes the command that runs a server on 127.0.0.1:port, and
// names the file the server logs to. Output the command does not send
// elsewhere is appended to that file too.
type Command func(port int) (cmd *exec.Cmd, logFile string, err error)

// Server says how to run a server binary of a test's own.
type Server struct {
	Name    string // in errors
	Command Command
	// Ready reports whether the server on port takes connections; nil
	// waits until it accepts a TCP connection.
	Ready func(port int) error
	// StartTimeout is how long the server may take to be ready; 0 is 20 s.
	StartTimeout time.Duration
	// StopTimeout is how long Stop waits for the server to exit after
	// SIGTERM before it kills it; 0 kills it at once. A command with
	// SysProcAttr.Setpgid is signalled as a whole process group.
	StopTimeout time.Duration
}

// Process is a running (or stopped) Server, on a port of its own that
// stays the same across Stop and Start.
type Process struct {
	Port int
	s    Server

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{} // closed when cmd has exited
	logFile string
}

// portTries is how many free ports Launch tries: a port found free can
// be taken by someone else before the server binds it.
const portTries = 3

// StartProcess starts binary, skipping the test when it is not
// installed, and stops it when the test ends.
func StartProcess(t *testing.T, binary, debianPackage string, command Command) *Process {
	t.Helper()
	if _, err := os.Stat(binary); err != nil {
		t.Skipf("%s is not installed (Debian package %s): %v", binary, debianPackage, err)
	}
	return Server{Name: filepath.Base(binary), Command: command}.Start(t)
}

// Start starts the server and stops it when the test ends.
func (s Server) Start(t testing.TB) *Process {
	t.Helper()
	p, err := s.Launch()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return p
}

// Launch starts the server on a free port and waits until it is ready.
// The caller stops it.
func (s Server) Launch() (*Process, error) {
	var err error
	for range portTries {
		p := &Process{s: s}
		if p.Port, err = freePort(); err != nil {
			return nil, err
		}
		if err = p.Start(); err == nil {
			return p, nil
		}
	}
	return nil, err
}

// Addr is the server's host:port.
func (p *Process) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.Port)) }

// Start starts the server (again, after Stop) and waits until it is
// ready; on failure the error holds the end of the server's log.
func (p *Process) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return fmt.Errorf("%s is already running", p.s.Name)
	}
	cmd, logFile, err := p.s.Command(p.Port)
	if err != nil {
		return err
	}
	p.logFile = logFile
	if err := startLogging(cmd, logFile); err != nil {
		return fmt.Errorf("start %s: %w", p.s.Name, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	ready := p.s.Ready
	if ready == nil {
		ready = acceptsTCP
	}
	timeout := p.s.StartTimeout
	if timeout == 0 {
		timeout = 20 * time.Second
	}
	deadline := time.Now().Add(timeout)
	for {
		err := ready(p.Port)
		if err == nil {
			p.cmd, p.done = cmd, done
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("%s exited at start: %v\n%s", p.s.Name, cmd.ProcessState, p.logTail())
		default:
		}
		if time.Now().After(deadline) {
			kill(cmd, syscall.SIGKILL)
			<-done
			return fmt.Errorf("%s was not ready on port %d in %v: %v\n%s", p.s.Name, p.Port, timeout, err, p.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startLogging starts cmd with the output it does not send elsewhere
// appended to logFile.
func startLogging(cmd *exec.Cmd, logFile string) error {
	if logFile == "" || (cmd.Stdout != nil && cmd.Stderr != nil) {
		return cmd.Start()
	}
	f, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close() // the server has its own copy
	if cmd.Stdout == nil {
		cmd.Stdout = f
	}
	if cmd.Stderr == nil {
		cmd.Stderr = f
	}
	return cmd.Start()
}

func acceptsTCP(port int) error {
	c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	return c.Close()
}

// Stop stops the server and waits for it to exit; it does nothing when
// the server is not running.
func (p *Process) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	if p.s.StopTimeout > 0 {
		kill(p.cmd, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(p.s.StopTimeout):
		}
	}
	// With a process group, the command may be gone before the
	// processes it started are.
	kill(p.cmd, syscall.SIGKILL)
	<-p.done
	p.cmd, p.done = nil, nil
}

// kill sends sig to cmd's process, or to its process group when it has
// one of its own.
func kill(cmd *exec.Cmd, sig syscall.Signal) {
	if cmd.SysProcAttr != nil && cmd.SysProcAttr.Setpgid {
		syscall.Kill(-cmd.Process.Pid, sig)
		return
	}
	cmd.Process.Signal(sig)
}

// logTail is the end of the server's log, for an error.
func (p *Process) logTail() string {
	if p.logFile == "" {
		return ""
	}
	b, _ := os.ReadFile(p.logFile)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// Executable reports whether path is an executable file.
func Executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// FindExecutable returns the first executable name in dirs, else the one
// on $PATH, else "".
func FindExecutable(name string, dirs ...string) string {
	for _, d := range dirs {
		if p := filepath.Join(d, name); Executable(p) {
			return p
		}
	}
	p, _ := exec.LookPath(name)
	return p
}
