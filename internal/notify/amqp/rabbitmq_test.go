package amqp

import (
	"context"
	"errors"
	"fmt"
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

	"github.com/kurastore/kura/internal/notify/targettest"
)

// rabbitMQ is a RabbitMQ broker of the Debian rabbitmq-server package,
// run from a temporary directory with its own node name, ports and epmd,
// so that tests running side by side do not meet. It has one user, kura,
// with a password. The embedded Process is the broker; its Port takes
// AMQP.
type rabbitMQ struct {
	*targettest.Process
	root string
	epmd *targettest.Process
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
	if p := "/usr/lib/rabbitmq/bin/rabbitmq-server"; targettest.Executable(p) {
		server = p
	}
	epmd = targettest.FindExecutable("epmd", "/usr/bin", "/usr/lib/erlang/bin")
	if server == "" || epmd == "" {
		t.Skip("RabbitMQ is not installed (no /usr/lib/rabbitmq/bin/rabbitmq-server or no epmd); apt-get install rabbitmq-server to run this test")
	}
	return server, epmd
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
	r := &rabbitMQ{root: root}
	node := fmt.Sprintf("kura%d_%d@localhost", os.Getpid(), nodeSeq.Add(1))
	distPort := targettest.FreePort(t)
	logFile := filepath.Join(root, "server.log")
	if err := os.WriteFile(filepath.Join(root, "enabled_plugins"), []byte("[].\n"), 0o644); err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	// The Erlang port mapper the node registers with, on a port of its
	// own.
	r.epmd, err = targettest.Server{Name: "epmd", Command: func(port int) (*exec.Cmd, string, error) {
		cmd := exec.Command(epmd, "-port", strconv.Itoa(port), "-address", "127.0.0.1")
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		return cmd, logFile, nil
	}}.Launch()
	if err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	r.Process, err = targettest.Server{
		Name: "rabbitmq-server",
		Command: func(port int) (*exec.Cmd, string, error) {
			conf := fmt.Sprintf("listeners.tcp.default = 127.0.0.1:%d\ndefault_user = %s\ndefault_pass = %s\nloopback_users = none\n",
				port, rabbitUser, rabbitPassword)
			if err := os.WriteFile(filepath.Join(root, "rabbitmq.conf"), []byte(conf), 0o644); err != nil {
				return nil, "", err
			}
			cmd := exec.Command(server)
			cmd.Dir = root
			cmd.Env = append(os.Environ(),
				"HOME="+root, // the Erlang cookie goes there
				"RABBITMQ_NODENAME="+node,
				"RABBITMQ_NODE_IP_ADDRESS=127.0.0.1",
				"RABBITMQ_NODE_PORT="+strconv.Itoa(port),
				"RABBITMQ_DIST_PORT="+strconv.Itoa(distPort),
				"ERL_EPMD_PORT="+strconv.Itoa(r.epmd.Port),
				"RABBITMQ_MNESIA_BASE="+filepath.Join(root, "mnesia"),
				"RABBITMQ_LOG_BASE="+filepath.Join(root, "log"),
				"RABBITMQ_CONFIG_FILE="+filepath.Join(root, "rabbitmq.conf"),
				"RABBITMQ_ADVANCED_CONFIG_FILE="+filepath.Join(root, "advanced.config"),
				"RABBITMQ_CONF_ENV_FILE="+filepath.Join(root, "rabbitmq-env.conf"),
				"RABBITMQ_ENABLED_PLUGINS_FILE="+filepath.Join(root, "enabled_plugins"),
				"RABBITMQ_PID_FILE="+filepath.Join(root, "rabbitmq.pid"),
			)
			// Its own process group, so that Stop reaches the Erlang VM
			// the script starts.
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
			return cmd, logFile, nil
		},
		Ready:        ping,
		StartTimeout: 120 * time.Second,
		StopTimeout:  60 * time.Second,
	}.Launch()
	if err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

// ping reports whether the broker on port takes AMQP connections.
func ping(port int) error {
	c, err := amqp.DialConfig(amqpURL(port, rabbitPassword), amqp.Config{Dial: amqp.DefaultDial(time.Second)})
	if err != nil {
		return err
	}
	return c.Close()
}

func (r *rabbitMQ) close() {
	if r.Process != nil {
		r.Stop()
	}
	r.epmd.Stop()
	os.RemoveAll(r.root)
}

func (r *rabbitMQ) url(password string) string { return amqpURL(r.Port, password) }

func amqpURL(port int, password string) string {
	return fmt.Sprintf("amqp://%s:%s@127.0.0.1:%d/", rabbitUser, password, port)
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
	sharedRabbit.once.Do(func() {
		// Set first: a test that fails inside startNewRabbitMQ does not
		// return here.
		sharedRabbit.err = errors.New("the shared broker did not start")
		sharedRabbit.r, sharedRabbit.err = startNewRabbitMQ(t)
	})
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
