package crash

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"
)

var kills = flag.Int("kills", 50, "how many times to kill -9 the server (CI runs the default)")

const (
	workers       = 6
	keysPerWorker = 8
	bucket        = "crash"
)

// state is what a key must read back as: its bytes, or absent. While an
// operation on the key is unacknowledged, either outcome is allowed.
type state struct {
	data    []byte // nil: absent
	pending *[]byte
	hasPend bool
}

type model struct {
	mu   sync.Mutex
	keys map[string]*state
}

func (m *model) begin(key string, next []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.keys[key]
	if s == nil {
		s = &state{}
		m.keys[key] = s
	}
	n := next
	s.pending, s.hasPend = &n, true
}

func (m *model) ack(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.keys[key]
	s.data, s.pending, s.hasPend = *s.pending, nil, false
}

func randInt(n int) int {
	v, _ := rand.Int(rand.Reader, big.NewInt(int64(n)))
	return int(v.Int64())
}

func payload(size int) []byte {
	b := make([]byte, size)
	rand.Read(b)
	return b
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type server struct {
	bin, dir, addr string
	env            []string
	cmd            *exec.Cmd
}

func (s *server) start(t *testing.T) {
	t.Helper()
	s.addr = freeAddr(t)
	s.cmd = exec.Command(s.bin, "server", "--address", s.addr, "--log-level", "error", s.dir)
	s.cmd.Env = append(os.Environ(), s.env...)
	s.cmd.Stderr = os.Stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get("http://" + s.addr + "/health/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
	}
	t.Fatal("kura did not start")
}

func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
}

// TestKillNine is the harness: -kills rounds of writes cut short by
// SIGKILL, each followed by a full check after restart.
func TestKillNine(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 harness skipped in -short mode")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "kura")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/kurastore/kura/cmd/kura").CombinedOutput(); err != nil {
		t.Fatalf("building kura: %v\n%s", err, out)
	}
	key := make([]byte, 10)
	rand.Read(key)
	access, secret := "CRASH"+hex.EncodeToString(key[:5]), hex.EncodeToString(key)
	s := &server{bin: bin, dir: filepath.Join(dir, "data"), env: []string{"KURA_ROOT_USER=" + access, "KURA_ROOT_PASSWORD=" + secret}}
	s.start(t)
	defer s.kill()
	client := func() *minio.Client {
		c, err := minio.New(s.addr, &minio.Options{Creds: miniocreds.NewStaticV4(access, secret, ""), MaxRetries: 1})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := context.Background()
	if err := client().MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	m := &model{keys: map[string]*state{}}
	acked := 0
	for round := range *kills {
		mc := client()
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					k := fmt.Sprintf("w%d/k%d", w, randInt(keysPerWorker))
					var err error
					switch op := randInt(10); {
					case op < 6: // small or inline PUT
						data := payload(randInt(3) * 40000)
						m.begin(k, data)
						_, err = mc.PutObject(ctx, bucket, k, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{DisableMultipart: true})
					case op < 7: // multipart PUT
						data := payload(5<<20 + randInt(1000))
						m.begin(k, data)
						_, err = mc.PutObject(ctx, bucket, k, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{PartSize: 5 << 20})
					case op < 8: // copy from another key of this worker
						src := fmt.Sprintf("w%d/k%d", w, randInt(keysPerWorker))
						m.mu.Lock()
						st := m.keys[src]
						var srcData []byte
						if st != nil && !st.hasPend {
							srcData = st.data
						}
						m.mu.Unlock()
						if srcData == nil || src == k {
							continue
						}
						m.begin(k, srcData)
						_, err = mc.CopyObject(ctx, minio.CopyDestOptions{Bucket: bucket, Object: k}, minio.CopySrcOptions{Bucket: bucket, Object: src})
					default: // DELETE
						m.begin(k, nil)
						err = mc.RemoveObject(ctx, bucket, k, minio.RemoveObjectOptions{})
					}
					if err != nil {
						return // the server is gone: this op stays pending
					}
					m.ack(k)
					mu.Lock()
					acked++
					mu.Unlock()
				}
			}()
		}
		time.Sleep(time.Duration(100+randInt(600)) * time.Millisecond)
		s.kill()
		close(stop)
		wg.Wait()
		s.start(t)
		check(t, client(), m, round)
	}
	t.Logf("%d kills, %d acknowledged operations, every one held", *kills, acked)
}

// check reads every key back: acknowledged state, or (for a key whose last
// operation was cut short) either the old or the new state; and lists the
// bucket: no key that the model does not allow.
func check(t *testing.T, mc *minio.Client, m *model, round int) {
	t.Helper()
	ctx := context.Background()
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, st := range m.keys {
		obj, err := mc.GetObject(ctx, bucket, k, minio.GetObjectOptions{})
		var got []byte
		if err == nil {
			got, err = io.ReadAll(obj)
		}
		present := err == nil
		if err != nil && minio.ToErrorResponse(err).Code != "NoSuchKey" {
			t.Fatalf("round %d: %s: %v", round, k, err)
		}
		matches := func(want []byte) bool {
			if want == nil {
				return !present
			}
			return present && bytes.Equal(got, want)
		}
		switch {
		case matches(st.data):
		case st.hasPend && matches(*st.pending):
			st.data = *st.pending // the cut-short operation did land
		default:
			t.Fatalf("round %d: %s reads back %d bytes (present %v); acknowledged %d bytes", round, k, len(got), present, len(st.data))
		}
		st.pending, st.hasPend = nil, false
	}
	for o := range mc.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		if st := m.keys[o.Key]; st == nil || st.data == nil || int64(len(st.data)) != o.Size {
			t.Fatalf("round %d: listing shows %s (%d bytes), which no acknowledged write left", round, o.Key, o.Size)
		}
	}
}
