// Package pgtest runs a real PostgreSQL server for tests, from the
// binaries of the Debian postgresql package (or any other install found
// under /usr/lib/postgresql/*/bin, on PATH, or in $KURA_PG_BIN).
//
// A test binary shares one server: call Main from TestMain so the server is
// stopped and its files removed when the tests end, then Start in each test
// for a connection string to a new, empty database of its own:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestX(t *testing.T) {
//		conn := pgtest.Start(t)
//		...
//	}
//
// A test that needs a server to itself (to stop and restart it) uses
// NewServer. Tests skip, saying why, only when no PostgreSQL binaries are
// installed; any other failure to start one fails the test.
//
// PostgreSQL refuses to run as root. When the tests run as root the server
// runs as the system user "postgres" (which the Debian package creates) or,
// failing that, "nobody", and its data directory belongs to that user.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// superuser is the database superuser initdb creates; local connections on
// 127.0.0.1 are trusted, so no password is needed.
const superuser = "kura"

// BinDir returns the directory holding initdb and postgres, or "" when
// PostgreSQL is not installed.
func BinDir() string {
	if d := os.Getenv("KURA_PG_BIN"); d != "" {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d
		}
		return ""
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	// Newest major version first.
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		d := filepath.Dir(p)
		if isExec(filepath.Join(d, "postgres")) {
			return d
		}
	}
	return ""
}

func versionOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func isExec(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// SkipIfMissing skips t when PostgreSQL is not installed.
func SkipIfMissing(t testing.TB) {
	t.Helper()
	if BinDir() == "" {
		t.Skip("PostgreSQL is not installed (no initdb/postgres under /usr/lib/postgresql/*/bin, on PATH or in $KURA_PG_BIN); apt-get install postgresql to run this test")
	}
}

// Server is one PostgreSQL server with its own data directory, listening on
// 127.0.0.1 at a port chosen when it was created.
type Server struct {
	bin  string
	root string // removed by Close; holds data/ and server.log
	data string
	log  string
	port int
	cred *syscall.Credential // nil unless running as root
	// durable keeps PostgreSQL's fsync; without it the server skips
	// syncing, which makes CREATE DATABASE and commits far cheaper and
	// loses data only in an OS crash, which tests do not survive anyway.
	durable bool

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd exits
}

// NewServer initializes a data directory and starts a server on it, with
// fsync off. The server is stopped and its files removed at t's cleanup.
// It skips t when PostgreSQL is not installed.
func NewServer(t testing.TB) *Server {
	t.Helper()
	SkipIfMissing(t)
	s, err := newServer(false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func newServer(durable bool) (*Server, error) {
	bin := BinDir()
	if bin == "" {
		return nil, errors.New("pgtest: PostgreSQL is not installed")
	}
	root, err := os.MkdirTemp("", "kura-pgtest-")
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, root: root, data: filepath.Join(root, "data"), log: filepath.Join(root, "server.log"), durable: durable}
	if os.Geteuid() == 0 {
		if s.cred, err = unprivileged(); err != nil {
			os.RemoveAll(root)
			return nil, err
		}
		if err := os.Chown(root, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			os.RemoveAll(root)
			return nil, err
		}
	}
	if err := s.initdb(); err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	// A port that is free now may be taken before postgres binds it: try a
	// few.
	for attempt := 0; ; attempt++ {
		if s.port, err = freePort(); err == nil {
			if err = s.Start(); err == nil {
				return s, nil
			}
		}
		if attempt == 4 {
			os.RemoveAll(root)
			return nil, err
		}
	}
}

// unprivileged returns the credentials of the system user the server runs
// as when the tests run as root.
func unprivileged() (*syscall.Credential, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
	}
	return nil, errors.New("pgtest: running as root and found neither a postgres nor a nobody user to run PostgreSQL as")
}

func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.root
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	return cmd
}

func (s *Server) initdb() error {
	cmd := s.command("initdb", "-D", s.data, "-U", superuser, "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-instructions")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: initdb: %v\n%s", err, out)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start starts the server (again, after Stop) on its port and waits until
// it accepts connections.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("pgtest: server already running")
	}
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	args := []string{"-D", s.data,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "port=" + strconv.Itoa(s.port),
		"-c", "unix_socket_directories=", // TCP only: no socket in /var/run
		"-c", "max_connections=200",
		"-c", "shared_buffers=32MB",
		"-c", "logging_collector=off",
	}
	if !s.durable {
		args = append(args, "-c", "fsync=off", "-c", "full_page_writes=off")
	}
	cmd := s.command("postgres", args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Take the server down with the test binary if it dies without
	// cleaning up; SIGINT is PostgreSQL's fast shutdown.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGINT
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()

	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := pgx.Connect(ctx, s.ConnString("postgres"))
		if err == nil {
			c.Close(ctx)
			cancel()
			break
		}
		cancel()
		select {
		case <-done:
			return fmt.Errorf("pgtest: postgres exited at start: %v\n%s", cmd.ProcessState, s.LogTail())
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-done
			return fmt.Errorf("pgtest: postgres did not accept connections in 30s: %v\n%s", err, s.LogTail())
		}
		time.Sleep(25 * time.Millisecond)
	}
	s.cmd, s.done = cmd, done
	return nil
}

// Stop shuts the server down (fast shutdown: clients are disconnected,
// committed work is kept) and waits for it to exit.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return nil
	}
	s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd, s.done = nil, nil
	return nil
}

// Close stops the server and removes its files.
func (s *Server) Close() {
	s.Stop()
	os.RemoveAll(s.root)
}

// Port is the TCP port the server listens on, on 127.0.0.1.
func (s *Server) Port() int { return s.port }

// ConnString returns a connection string for database db as the
// superuser.
func (s *Server) ConnString(db string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", superuser, s.port, db)
}

// LogTail returns the end of the server's log, for failure messages.
func (s *Server) LogTail() string {
	b, _ := os.ReadFile(s.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

var dbSeq atomic.Int64

// CreateDatabase creates a new, empty database and returns its connection
// string.
func (s *Server) CreateDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("kt_%d_%d", os.Getpid(), dbSeq.Add(1))
	c, err := pgx.Connect(ctx, s.ConnString("postgres"))
	if err != nil {
		return "", err
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("pgtest: create database: %w", err)
	}
	return s.ConnString(name), nil
}

// NewDatabase is CreateDatabase for a test: it fails t on error.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := s.CreateDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// The servers a test binary shares, started on first use.
var shared, durable sharedServer

type sharedServer struct {
	once sync.Once
	srv  *Server
	err  error
}

func (sh *sharedServer) database(t testing.TB, durable bool) string {
	t.Helper()
	SkipIfMissing(t)
	sh.once.Do(func() { sh.srv, sh.err = newServer(durable) })
	if sh.err != nil {
		t.Fatal(sh.err)
	}
	return sh.srv.NewDatabase(t)
}

// Start returns a connection string to a new, empty database on the server
// this test binary shares, starting the server on first use. The server
// runs with fsync off. It skips t when PostgreSQL is not installed. Call
// Main from TestMain so the server is stopped when the tests end.
func Start(t testing.TB) string { return shared.database(t, false) }

// StartDurable is Start on a second shared server that keeps PostgreSQL's
// default, durable settings (fsync on), for benchmarks whose commits
// should cost what they cost in production.
func StartDurable(t testing.TB) string { return durable.database(t, true) }

// Main runs the tests and then stops the shared server, if one was
// started, and removes its files.
func Main(m *testing.M) {
	code := m.Run()
	StopShared()
	os.Exit(code)
}

// StopShared stops the shared servers that were started and removes their
// files, for a TestMain that does more than Main.
func StopShared() {
	for _, sh := range []*sharedServer{&shared, &durable} {
		if sh.srv != nil {
			sh.srv.Close()
		}
	}
}
