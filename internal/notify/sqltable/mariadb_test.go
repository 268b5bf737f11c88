package sqltable

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// mariaDB is a MariaDB server of the Debian mariadb-server package,
// started in a temporary directory on a random 127.0.0.1 port. Tests reach
// it over TCP as user "kura" with a password; the root account, reached
// over the server's socket, only sets that user up.
type mariaDB struct {
	bin        string // mariadbd
	root, sock string
	port       int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

const (
	mariaUser     = "kura"
	mariaPassword = "s3cret-Pa55"
)

func mariaBinaries(t testing.TB) (mariadbd, installDB string) {
	t.Helper()
	find := func(name string, dirs ...string) string {
		for _, d := range dirs {
			if p := filepath.Join(d, name); isExecutable(p) {
				return p
			}
		}
		p, _ := exec.LookPath(name)
		return p
	}
	mariadbd = find("mariadbd", "/usr/sbin")
	installDB = find("mariadb-install-db", "/usr/bin")
	if mariadbd == "" || installDB == "" {
		t.Skip("MariaDB is not installed (no mariadbd or mariadb-install-db); apt-get install mariadb-server to run this test")
	}
	return mariadbd, installDB
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// newMariaDB initializes a data directory and starts a server on it; it is
// stopped and its files removed at t's cleanup.
func newMariaDB(t testing.TB) *mariaDB {
	t.Helper()
	m, err := startNewMariaDB(t)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.close)
	return m
}

func startNewMariaDB(t testing.TB) (*mariaDB, error) {
	mariadbd, installDB := mariaBinaries(t)
	root, err := os.MkdirTemp("", "kura-mariadb-")
	if err != nil {
		return nil, err
	}
	m := &mariaDB{bin: mariadbd, root: root, sock: filepath.Join(root, "mysqld.sock")}
	args := []string{"--no-defaults", "--datadir=" + m.data(), "--auth-root-authentication-method=normal", "--skip-test-db"}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	if out, err := exec.Command(installDB, args...).CombinedOutput(); err != nil {
		os.RemoveAll(root)
		return nil, fmt.Errorf("mariadb-install-db: %v\n%s", err, out)
	}
	// A port free now may be taken before the server binds it: try a few.
	for attempt := 0; ; attempt++ {
		if m.port, err = freePort(); err == nil {
			if err = m.start(); err == nil {
				break
			}
		}
		if attempt == 4 {
			os.RemoveAll(root)
			return nil, err
		}
	}
	if err := m.createUser(); err != nil {
		m.close()
		return nil, err
	}
	return m, nil
}

func (m *mariaDB) data() string { return filepath.Join(m.root, "data") }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start starts the server (again, after stop) and waits until it takes
// connections.
func (m *mariaDB) start() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	logf, err := os.OpenFile(filepath.Join(m.root, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	args := []string{"--no-defaults", "--datadir=" + m.data(), "--socket=" + m.sock,
		"--port=" + strconv.Itoa(m.port), "--bind-address=127.0.0.1",
		"--pid-file=" + filepath.Join(m.root, "mysqld.pid"), "--skip-log-bin",
		"--innodb-buffer-pool-size=16M", "--innodb-flush-log-at-trx-commit=0",
		"--skip-name-resolve"}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	cmd := exec.Command(m.bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start mariadbd: %w", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := m.pingRoot()
		if err == nil {
			break
		}
		select {
		case <-done:
			return fmt.Errorf("mariadbd exited at start: %v\n%s", cmd.ProcessState, m.logTail())
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-done
			return fmt.Errorf("mariadbd took no connections in 60s: %v\n%s", err, m.logTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
	m.cmd, m.done = cmd, done
	return nil
}

func (m *mariaDB) rootDB() (*sql.DB, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr = "root", "unix", m.sock
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(conn), nil
}

func (m *mariaDB) pingRoot() error {
	db, err := m.rootDB()
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

func (m *mariaDB) rootExec(stmts ...string) error {
	db, err := m.rootDB()
	if err != nil {
		return err
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

func (m *mariaDB) createUser() error {
	return m.rootExec(
		fmt.Sprintf("CREATE USER '%s'@'127.0.0.1' IDENTIFIED BY '%s'", mariaUser, mariaPassword),
		fmt.Sprintf("GRANT ALL PRIVILEGES ON *.* TO '%s'@'127.0.0.1'", mariaUser),
	)
}

// stop shuts the server down and waits for it to exit.
func (m *mariaDB) stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cmd == nil {
		return
	}
	m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(30 * time.Second):
		m.cmd.Process.Kill()
		<-m.done
	}
	m.cmd, m.done = nil, nil
}

func (m *mariaDB) close() {
	m.stop()
	os.RemoveAll(m.root)
}

func (m *mariaDB) logTail() string {
	b, _ := os.ReadFile(filepath.Join(m.root, "server.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// dsn is the DSN of database db as the password user, with password pw.
func (m *mariaDB) dsn(db, pw string) string {
	return fmt.Sprintf("%s:%s@tcp(127.0.0.1:%d)/%s", mariaUser, pw, m.port, db)
}

var mariaSeq atomic.Int64

// newDatabase creates an empty database and returns its DSN.
func (m *mariaDB) newDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("kt_%d_%d", os.Getpid(), mariaSeq.Add(1))
	if err := m.rootExec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	return m.dsn(name, mariaPassword)
}

// The server the tests of this binary share, started on first use and
// stopped by TestMain.
var sharedMaria struct {
	once sync.Once
	m    *mariaDB
	err  error
}

func mariaDatabase(t testing.TB) string {
	t.Helper()
	mariaBinaries(t)
	sharedMaria.once.Do(func() { sharedMaria.m, sharedMaria.err = startNewMariaDB(t) })
	if sharedMaria.err != nil {
		t.Fatal(sharedMaria.err)
	}
	return sharedMaria.m.newDatabase(t)
}

func stopSharedMaria() {
	if sharedMaria.m != nil {
		sharedMaria.m.close()
	}
}
