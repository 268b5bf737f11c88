package integration

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
)

// TestReplicationGateways: a source of three gateways on one PostgreSQL
// replicates to a destination kura. Writes come in through every
// gateway at once while the destination is down; once it is back, the
// gateway that holds the target's lease (read from the database) is
// killed in the middle of the backlog. A survivor takes the lease over
// and carries the rest out: every acknowledged write reaches the
// destination with its version id, the version lists end equal, and at
// no time did two gateways send to the destination.
func TestReplicationGateways(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three gateways on PostgreSQL")
	}
	src := startGateways(t, 3, nil, nil)
	dst := startServer(t)
	dst.sameAddr = true
	var pids []int
	for _, g := range src.gws {
		pids = append(pids, g.cmd.Process.Pid)
	}
	relay := newSendRelay(t, dst.addr, pids)
	f := &replFixture{src: src, dst: dst, smc: newMinioClient(t, src), dmc: newMinioClient(t, dst)}
	ctx := ctx(t)
	if err := f.smc.MakeBucket(ctx, "src", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := f.dmc.MakeBucket(ctx, "dst", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, b := range []struct {
		mc   *minio.Client
		name string
	}{{f.smc, "src"}, {f.dmc, "dst"}} {
		if err := b.mc.EnableVersioning(ctx, b.name); err != nil {
			t.Fatal(err)
		}
	}
	// The destination is reached through the relay, which tells which
	// gateway sends what.
	out, err := kuraAdminOut(t, src, "replicate", "add", "src", "--endpoint", "http://"+relay.addr, "--bucket", "dst",
		"--access-key", dst.accessKey, "--secret-key", dst.secretKey)
	if err != nil {
		t.Fatalf("replicate add: %v\n%s", err, out)
	}
	f.arn = strings.TrimSpace(out)
	f.replicateEverything(t)
	targetID := strings.Split(f.arn, ":")[4]
	lease := newLeaseReader(t, metaURL(t, src.gws[0]), targetID)
	relay.reset() // the checks of the destination by replicate add

	dst.stop()
	w := newGatewayWriters(t, src)
	w.run(40) // a backlog of 120 changes while the destination is down
	if n := lease.pending(); n == 0 {
		t.Fatal("nothing is queued for the destination while it is down")
	}
	dst.start()
	w.start() // writes go on through every gateway
	// Killed in the middle of its work: after some replicas arrived,
	// before it settled them (it does at the end of a round).
	waitFor(t, "the first replicas", 30*time.Second, func() bool {
		return relay.sent() && len(versionList(t, f.dmc, "dst")) >= 10
	})
	holder := lease.holder()
	victim := gatewayOf(t, src, holder)
	backlog := lease.pending()
	src.gws[victim].kill9()
	killed := time.Now()
	t.Logf("killed gateway %d, the lease holder %s, with %d changes queued", victim, holder, backlog)
	if backlog == 0 {
		t.Fatal("the destination caught up before the holder was killed: no backlog was left to take over")
	}
	var survivors []string
	for i, g := range src.gws {
		if i != victim {
			survivors = append(survivors, g.addr)
		}
	}
	src.proxy.setBackends(survivors)
	time.Sleep(500 * time.Millisecond) // writes through the survivors while nobody may send
	w.stop()

	var successor string
	waitFor(t, "a survivor to take the lease over", 50*time.Second, func() bool {
		successor = lease.holder()
		return successor != holder
	})
	t.Logf("gateway %d took the lease over %v after the kill", gatewayOf(t, src, successor), time.Since(killed).Round(time.Second))
	waitFor(t, "the destination to catch up", 45*time.Second, func() bool { return sameVersions(t, f) })
	// The holder settles its round (statuses, then the queue) after the
	// round's last send.
	waitFor(t, "the queue to empty", 30*time.Second, func() bool { return lease.pending() == 0 })

	have := map[string]bool{}
	for _, v := range versionList(t, f.dmc, "dst") {
		key, rest, _ := strings.Cut(v, "@")
		id, _, _ := strings.Cut(rest, ":")
		have[key+"@"+id] = true
	}
	acked := w.acknowledged()
	for _, id := range acked {
		if !have[id] {
			t.Errorf("acknowledged version %s is not on the destination", id)
		}
	}
	if len(acked) < 110 { // 105 in the first round
		t.Fatalf("only %d writes were acknowledged", len(acked))
	}
	if h := lease.holder(); h != successor {
		t.Errorf("the lease moved again, from %s to %s, with its holder alive", successor, h)
	}
	relay.checkOneAtATime(t, holderPid(t, holder), holderPid(t, successor))
	st, err := adminFor(t, src).ReplicationStatus(ctx, "src")
	if err != nil || len(st) != 1 || st[0].Pending != 0 || st[0].Failed != 0 {
		t.Fatalf("status after catching up: %+v %v", st, err)
	}
}

// metaURL is the PostgreSQL connection string a gateway was started with.
func metaURL(t *testing.T, g *server) string {
	t.Helper()
	for i, a := range g.extra[:len(g.extra)-1] {
		if a == "--meta" {
			return g.extra[i+1]
		}
	}
	t.Fatal("the gateway was started without --meta")
	return ""
}

// gatewayOf is the index of the running gateway a lease holder names.
func gatewayOf(t *testing.T, s *server, holder string) int {
	t.Helper()
	pid := holderPid(t, holder)
	for i, g := range s.gws {
		if g.cmd != nil && g.cmd.Process.Pid == pid {
			return i
		}
	}
	t.Fatalf("the lease holder %q is none of the running gateways", holder)
	return -1
}

// leaseReader reads a replication target's lease and queue from the
// gateways' database.
type leaseReader struct {
	t        *testing.T
	pg       *pgx.Conn
	key      []byte
	queue    []byte
	queueEnd []byte
}

func newLeaseReader(t *testing.T, conn, targetID string) *leaseReader {
	t.Helper()
	pg, err := pgx.Connect(context.Background(), conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close(context.Background()) })
	// internal/replicate's keys: Ql<target id> is the lease of the
	// target's queue, Qq<target id>\x00<sequence> its queued changes.
	queue := []byte("Qq" + targetID + "\x00")
	end := bytes.Clone(queue)
	end[len(end)-1]++
	return &leaseReader{t: t, pg: pg, key: []byte("Ql" + targetID), queue: queue, queueEnd: end}
}

// holder is the name of the lease's holder ("" when nobody took it).
func (l *leaseReader) holder() string {
	l.t.Helper()
	var v []byte
	err := l.pg.QueryRow(context.Background(), "SELECT v FROM kura_meta WHERE k = $1", l.key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return ""
	}
	if err != nil {
		l.t.Fatal(err)
	}
	holder, _, _ := strings.Cut(string(v), " ")
	return holder
}

// pending counts the changes queued for the target.
func (l *leaseReader) pending() int {
	l.t.Helper()
	var n int
	if err := l.pg.QueryRow(context.Background(), "SELECT count(*) FROM kura_meta WHERE k >= $1 AND k < $2", l.queue, l.queueEnd).Scan(&n); err != nil {
		l.t.Fatal(err)
	}
	return n
}

// gatewayWriters write through each gateway of a source at once: new
// versions of a few keys per gateway, and now and then a delete marker.
type gatewayWriters struct {
	t    *testing.T
	clis []*minio.Client
	gws  []*server

	mu    sync.Mutex
	next  []int // the next write of each gateway
	acked []string
	dead  []bool // the gateway stopped answering: its writer stopped

	ctx    context.Context
	cancel context.CancelFunc
	quit   chan struct{}
	wg     sync.WaitGroup
}

func newGatewayWriters(t *testing.T, s *server) *gatewayWriters {
	w := &gatewayWriters{t: t, gws: s.gws, next: make([]int, len(s.gws)), dead: make([]bool, len(s.gws))}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	t.Cleanup(w.cancel)
	for _, g := range s.gws {
		w.clis = append(w.clis, newMinioClient(t, g))
	}
	return w
}

// write makes gateway g's next write and reports whether it was answered.
func (w *gatewayWriters) write(g int) bool {
	w.mu.Lock()
	i := w.next[g]
	w.next[g]++
	w.mu.Unlock()
	ctx := w.ctx
	key := fmt.Sprintf("gw%d/k%02d", g, i%15)
	if i%7 == 6 {
		// A delete marker: checked by the version lists' equality.
		return w.clis[g].RemoveObject(ctx, "src", key, minio.RemoveObjectOptions{}) == nil
	}
	body := fmt.Sprintf("write %d of gateway %d", i, g)
	info, err := w.clis[g].PutObject(ctx, "src", key, strings.NewReader(body), int64(len(body)), minio.PutObjectOptions{})
	if err != nil {
		return false
	}
	w.mu.Lock()
	w.acked = append(w.acked, key+"@"+info.VersionID)
	w.mu.Unlock()
	return true
}

// run makes n writes through every gateway, the gateways at once.
func (w *gatewayWriters) run(n int) {
	var wg sync.WaitGroup
	for g := range w.clis {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				if !w.write(g) {
					w.t.Errorf("a write through gateway %d failed", g)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// start writes through every gateway until stop. A gateway's writer
// stops at its first unanswered write, which only the killed one may
// have.
func (w *gatewayWriters) start() {
	w.quit = make(chan struct{})
	for g := range w.clis {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			for {
				select {
				case <-w.quit:
					return
				default:
				}
				if !w.write(g) {
					select {
					case <-w.quit: // cut off by stop
					default:
						w.mu.Lock()
						w.dead[g] = true
						w.mu.Unlock()
					}
					return
				}
			}
		}()
	}
}

// stop ends the writes, cutting off the ones a client still retries
// against the killed gateway.
func (w *gatewayWriters) stop() {
	close(w.quit)
	w.cancel()
	w.wg.Wait()
	for g, dead := range w.dead {
		if dead && w.gws[g].cmd != nil {
			w.t.Errorf("a write through gateway %d, which is running, failed", g)
		}
	}
}

func (w *gatewayWriters) acknowledged() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.acked...)
}

// sendRelay passes TCP connections on to a destination and records when
// each source process sent bytes through them. It finds the process of
// a connection from the socket tables of /proc (Linux); elsewhere it
// only passes the bytes on.
type sendRelay struct {
	t          *testing.T
	addr       string
	backend    string
	candidates []int // the processes that may send
	ln         net.Listener
	proc       bool // /proc/net/tcp can be read

	mu      sync.Mutex
	spans   map[int]*sendSpan // by process id; 0: a process not found
	conns   map[net.Conn]bool
	stopped bool
	wg      sync.WaitGroup
}

// sendSpan is when a process first and last sent bytes to the
// destination.
type sendSpan struct{ first, last time.Time }

func newSendRelay(t *testing.T, backend string, candidates []int) *sendRelay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, err = os.Stat("/proc/net/tcp")
	r := &sendRelay{
		t: t, addr: ln.Addr().String(), backend: backend, candidates: candidates, ln: ln, proc: err == nil,
		spans: map[int]*sendSpan{}, conns: map[net.Conn]bool{},
	}
	r.wg.Add(1)
	go r.serve()
	t.Cleanup(r.close)
	return r
}

func (r *sendRelay) serve() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.mu.Lock()
		if r.stopped {
			r.mu.Unlock()
			c.Close()
			return
		}
		r.conns[c] = true
		r.wg.Add(1)
		r.mu.Unlock()
		go r.pass(c)
	}
}

// pass carries one connection. While the destination is down the
// connection is closed at once, as a source sees a server that is gone.
func (r *sendRelay) pass(c net.Conn) {
	defer r.wg.Done()
	defer func() {
		c.Close()
		r.mu.Lock()
		delete(r.conns, c)
		r.mu.Unlock()
	}()
	pid := 0
	if r.proc {
		pid = socketOwner(c, r.candidates)
	}
	b, err := net.Dial("tcp", r.backend)
	if err != nil {
		return
	}
	defer b.Close()
	go func() {
		io.Copy(c, b)
		c.Close()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			r.record(pid)
			if _, werr := b.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (r *sendRelay) record(pid int) {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.spans[pid]
	if s == nil {
		s = &sendSpan{first: now}
		r.spans[pid] = s
	}
	s.last = now
}

// reset forgets what was sent so far.
func (r *sendRelay) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.spans)
}

// sent reports whether anything was sent since the last reset.
func (r *sendRelay) sent() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.spans) > 0
}

// checkOneAtATime checks that only first and then second sent, and
// that second started after first's last byte.
func (r *sendRelay) checkOneAtATime(t *testing.T, first, second int) {
	t.Helper()
	if !r.proc {
		t.Log("no /proc/net/tcp: which gateway sent what is not known")
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for pid, s := range r.spans {
		if pid == 0 {
			t.Errorf("a process that is none of the gateways sent to the destination from %v to %v", s.first, s.last)
		} else if pid != first && pid != second {
			t.Errorf("process %d, not a holder of the lease, sent to the destination from %v to %v", pid, s.first, s.last)
		}
	}
	a, b := r.spans[first], r.spans[second]
	if a == nil || b == nil {
		t.Fatalf("the first holder (%d) sent %v and the second (%d) %v", first, a != nil, second, b != nil)
	}
	if !b.first.After(a.last) {
		t.Errorf("the new holder sent from %v while the old one sent until %v", b.first, a.last)
	}
	t.Logf("the first holder sent for %v; the second began %v after its last byte", a.last.Sub(a.first).Round(time.Millisecond), b.first.Sub(a.last).Round(time.Millisecond))
}

func (r *sendRelay) close() {
	r.mu.Lock()
	r.stopped = true
	for c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.ln.Close()
	r.wg.Wait()
}

// socketOwner finds which of pids holds the other end of c, a
// connection accepted on 127.0.0.1: the socket /proc/net/tcp lists with
// c's addresses swapped, among the processes' open files. 0 when none.
func socketOwner(c net.Conn, pids []int) int {
	inode := socketInode(c.RemoteAddr().(*net.TCPAddr), c.LocalAddr().(*net.TCPAddr))
	if inode == "" {
		return 0
	}
	want := "socket:[" + inode + "]"
	for _, pid := range pids {
		dir := fmt.Sprintf("/proc/%d/fd", pid)
		fds, _ := os.ReadDir(dir)
		for _, fd := range fds {
			if l, _ := os.Readlink(dir + "/" + fd.Name()); l == want {
				return pid
			}
		}
	}
	return 0
}

// socketInode is the inode of the IPv4 TCP socket from local to remote.
func socketInode(local, remote *net.TCPAddr) string {
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return ""
	}
	l, rm := procAddr(local), procAddr(remote)
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 9 && f[1] == l && f[2] == rm {
			return f[9]
		}
	}
	return ""
}

// procAddr writes an address as /proc/net/tcp does: the IPv4 address as
// the host's 32-bit integer, then the port, both in hex.
func procAddr(a *net.TCPAddr) string {
	ip := a.IP.To4()
	if ip == nil {
		return ""
	}
	return fmt.Sprintf("%08X:%04X", binary.NativeEndian.Uint32(ip), a.Port)
}
