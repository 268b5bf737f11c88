package amqp

import (
	"context"
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

	amqp "github.com/rabbitmq/amqp091-go"
)

// rabbitMQ is a RabbitMQ broker of the Debian rabbitmq-server package,
// run from a temporary directory with its own node name, ports and epmd,
// so that tests running side by side do not meet. It has one user, kura,
// with a password.
type rabbitMQ struct {
	server, epmd string // binaries
	root         string
	node         string
	port         int // AMQP
	distPort     int
	epmdPort     int

	mu       sync.Mutex
	epmdCmd  *exec.Cmd
	cmd      *exec.Cmd
	done     chan struct{}
	epmdDone chan struct{}
}

const (
	rabbitUser     = "kura"
	rabbitPassword = "rabbit-S3cret"
)

// rabbitBinaries finds the broker's start script and epmd. The script in
// /usr/sbin switches to the rabbitmq user and its system directories; the
// one it wraps runs the broker as whoever starts it.
func rabbitBinaries(t testing.TB) (server, epmd string) {
	t.Helper()
	for _, p := range []string{"/usr/lib/rabbitmq/bin/rabbitmq-server"} {
		if isExecutable(p) {
			server = p
		}
	}
	for _, p := range []string{"/usr/bin/epmd", "/usr/lib/erlang/bin/epmd"} {
		if isExecutable(p) {
			epmd = p
			break
		}
	}
	if epmd == "" {
		epmd, _ = exec.LookPath("epmd")
	}
	if server == "" || epmd == "" {
		t.Skip("RabbitMQ is not installed (no /usr/lib/rabbitmq/bin/rabbitmq-server or no epmd); apt-get install rabbitmq-server to run this test")
	}
	return server, epmd
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

var nodeSeq atomic.Int64

// newRabbitMQ starts a broker that is stopped, and its files removed, at
// t's cleanup.
func newRabbitMQ(t testing.TB) *rabbitMQ {
	t.Helper()
	r, err := startNewRabbitMQ(t)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.close)
	return r
}

func startNewRabbitMQ(t testing.TB) (*rabbitMQ, error) {
	server, epmd := rabbitBinaries(t)
	root, err := os.MkdirTemp("", "kura-rabbitmq-")
	if err != nil {
		return nil, err
	}
	r := &rabbitMQ{server: server, epmd: epmd, root: root,
		node: fmt.Sprintf("kura%d_%d@localhost", os.Getpid(), nodeSeq.Add(1))}
	for _, p := range []*int{&r.port, &r.distPort, &r.epmdPort} {
		if *p, err = freePort(); err != nil {
			os.RemoveAll(root)
			return nil, err
		}
	}
	conf := fmt.Sprintf("listeners.tcp.default = 127.0.0.1:%d\ndefault_user = %s\ndefault_pass = %s\nloopback_users = none\n",
		r.port, rabbitUser, rabbitPassword)
	if err := os.WriteFile(filepath.Join(root, "rabbitmq.conf"), []byte(conf), 0o644); err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(root, "enabled_plugins"), []byte("[].\n"), 0o644); err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	if err := r.startEPMD(); err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	if err := r.start(); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

func (r *rabbitMQ) logFile() (*os.File, error) {
	return os.OpenFile(filepath.Join(r.root, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
}

// startEPMD runs the Erlang port mapper the node registers with, on a
// port of its own.
func (r *rabbitMQ) startEPMD() error {
	logf, err := r.logFile()
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(r.epmd, "-port", strconv.Itoa(r.epmdPort), "-address", "127.0.0.1")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start epmd: %w", err)
	}
	r.epmdDone = make(chan struct{})
	go func() { cmd.Wait(); close(r.epmdDone) }()
	r.epmdCmd = cmd
	return nil
}

// start starts the broker (again, after stop) and waits until it takes
// AMQP connections.
func (r *rabbitMQ) start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	logf, err := r.logFile()
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(r.server)
	cmd.Dir = r.root
	cmd.Env = append(os.Environ(),
		"HOME="+r.root, // the Erlang cookie goes there
		"RABBITMQ_NODENAME="+r.node,
		"RABBITMQ_NODE_IP_ADDRESS=127.0.0.1",
		"RABBITMQ_NODE_PORT="+strconv.Itoa(r.port),
		"RABBITMQ_DIST_PORT="+strconv.Itoa(r.distPort),
		"ERL_EPMD_PORT="+strconv.Itoa(r.epmdPort),
		"RABBITMQ_MNESIA_BASE="+filepath.Join(r.root, "mnesia"),
		"RABBITMQ_LOG_BASE="+filepath.Join(r.root, "log"),
		"RABBITMQ_CONFIG_FILE="+filepath.Join(r.root, "rabbitmq.conf"),
		"RABBITMQ_ADVANCED_CONFIG_FILE="+filepath.Join(r.root, "advanced.config"),
		"RABBITMQ_CONF_ENV_FILE="+filepath.Join(r.root, "rabbitmq-env.conf"),
		"RABBITMQ_ENABLED_PLUGINS_FILE="+filepath.Join(r.root, "enabled_plugins"),
		"RABBITMQ_PID_FILE="+filepath.Join(r.root, "rabbitmq.pid"),
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group, so that stop reaches the Erlang VM the
	// script starts.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start rabbitmq-server: %w", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	deadline := time.Now().Add(120 * time.Second)
	for {
		err := r.ping()
		if err == nil {
			break
		}
		select {
		case <-done:
			return fmt.Errorf("rabbitmq-server exited at start: %v\n%s", cmd.ProcessState, r.logTail())
		default:
		}
		if time.Now().After(deadline) {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
			return fmt.Errorf("rabbitmq-server took no connections in 120s: %v\n%s", err, r.logTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
	r.cmd, r.done = cmd, done
	return nil
}

func (r *rabbitMQ) ping() error {
	c, err := amqp.DialConfig(r.url(rabbitPassword), amqp.Config{Dial: amqp.DefaultDial(time.Second)})
	if err != nil {
		return err
	}
	return c.Close()
}

// stop shuts the broker down and waits for its processes to exit.
func (r *rabbitMQ) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return
	}
	pgid := r.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(60 * time.Second):
	}
	// The script may be gone before the VM and its helpers are.
	syscall.Kill(-pgid, syscall.SIGKILL)
	<-r.done
	r.cmd, r.done = nil, nil
}

func (r *rabbitMQ) close() {
	r.stop()
	if r.epmdCmd != nil {
		r.epmdCmd.Process.Kill()
		<-r.epmdDone
	}
	os.RemoveAll(r.root)
}

func (r *rabbitMQ) logTail() string {
	b, _ := os.ReadFile(filepath.Join(r.root, "server.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func (r *rabbitMQ) url(password string) string {
	return fmt.Sprintf("amqp://%s:%s@127.0.0.1:%d/", rabbitUser, password, r.port)
}

// The broker the tests of this binary share, started on first use and
// stopped by TestMain.
var sharedRabbit struct {
	once sync.Once
	r    *rabbitMQ
	err  error
}

func sharedRabbitMQ(t testing.TB) *rabbitMQ {
	t.Helper()
	rabbitBinaries(t)
	sharedRabbit.once.Do(func() { sharedRabbit.r, sharedRabbit.err = startNewRabbitMQ(t) })
	if sharedRabbit.err != nil {
		t.Fatal(sharedRabbit.err)
	}
	return sharedRabbit.r
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedRabbit.r != nil {
		sharedRabbit.r.close()
	}
	os.Exit(code)
}

// consumer reads what the broker holds, from its own connection.
type consumer struct {
	ch *amqp.Channel
}

func newConsumer(t *testing.T, r *rabbitMQ) *consumer {
	t.Helper()
	conn, err := amqp.Dial(r.url(rabbitPassword))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	return &consumer{ch: ch}
}

var queueSeq atomic.Int64

// queue declares a new queue bound to exchange (declared durable, direct)
// with the queue's name as its key, and returns the name.
func (c *consumer) queue(t *testing.T, exchange string) string {
	t.Helper()
	name := fmt.Sprintf("q%d", queueSeq.Add(1))
	if _, err := c.ch.QueueDeclare(name, true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if exchange != "" {
		if err := c.ch.ExchangeDeclare(exchange, "direct", true, false, false, false, nil); err != nil {
			t.Fatal(err)
		}
		if err := c.ch.QueueBind(name, name, exchange, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	return name
}

// drain takes every message the queue holds now.
func (c *consumer) drain(t *testing.T, queue string) []amqp.Delivery {
	t.Helper()
	var got []amqp.Delivery
	for {
		d, ok, err := c.ch.Get(queue, true)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return got
		}
		got = append(got, d)
	}
}

func inTime(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
