package crash

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
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
	// vbucket has versioning on: every PUT is a new version to keep.
	vbucket = "crashv"
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

// vkey is the model of one key of the versioned bucket: the versions
// acknowledged (by id), those acknowledged as deleted for good, and the
// payloads of PUTs that were cut short, any of which may have landed as a
// version whose id the client never learned.
type vkey struct {
	acked map[string][]byte
	// gone maps a version deleted for good to the round it was deleted
	// in; it is checked for a few rounds after.
	gone    map[string]int
	maybe   [][]byte
	pending string // a version whose permanent delete is in flight
}

type vmodel struct {
	mu    sync.Mutex
	keys  map[string]*vkey
	round int
}

// Bounds that keep each check's work flat over a thousand rounds: a key
// keeps at most maxVersions versions (older ones are deleted for good),
// and a permanent delete is re-checked for goneRounds rounds.
const (
	maxVersions = 4
	goneRounds  = 3
)

func (m *vmodel) get(key string) *vkey {
	k := m.keys[key]
	if k == nil {
		k = &vkey{acked: map[string][]byte{}, gone: map[string]int{}}
		m.keys[key] = k
	}
	return k
}

// sum is what every PUT stores as user metadata, so that a read checks
// the metadata came back with the data.
func sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:8])
}

func putOpts(data []byte, multipart bool) minio.PutObjectOptions {
	o := minio.PutObjectOptions{UserMetadata: map[string]string{"Sum": sum(data)}, DisableMultipart: !multipart}
	if multipart {
		o.PartSize = 5 << 20
	}
	return o
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
	// args are more flags of kura server; stderr, when set, takes the
	// server's standard error instead of the test's.
	args   []string
	stderr io.Writer
	cmd    *exec.Cmd
}

func (s *server) start(t *testing.T) {
	t.Helper()
	s.addr = freeAddr(t)
	args := append([]string{"server", "--address", s.addr, "--log-level", "error"}, s.args...)
	s.cmd = exec.Command(s.bin, append(args, s.dir)...)
	s.cmd.Env = append(os.Environ(), s.env...)
	s.cmd.Stderr = os.Stderr
	if s.stderr != nil {
		s.cmd.Stderr = s.stderr
	}
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

// stop shuts the server down cleanly.
func (s *server) stop(t *testing.T) {
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("kura did not stop on SIGTERM")
	}
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
	for _, b := range []string{bucket, vbucket} {
		if err := client().MakeBucket(ctx, b, minio.MakeBucketOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := client().EnableVersioning(ctx, vbucket); err != nil {
		t.Fatal(err)
	}
	m := &model{keys: map[string]*state{}}
	vm := &vmodel{keys: map[string]*vkey{}}
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
					if randInt(4) == 0 {
						if vm.step(ctx, mc, k) != nil {
							return // the server is gone
						}
						mu.Lock()
						acked++
						mu.Unlock()
						continue
					}
					var err error
					switch op := randInt(11); {
					case op < 6: // small or inline PUT
						data := payload(randInt(3) * 40000)
						m.begin(k, data)
						_, err = mc.PutObject(ctx, bucket, k, bytes.NewReader(data), int64(len(data)), putOpts(data, false))
					case op < 7: // multipart PUT
						data := payload(5<<20 + randInt(1000))
						m.begin(k, data)
						_, err = mc.PutObject(ctx, bucket, k, bytes.NewReader(data), int64(len(data)), putOpts(data, true))
					case op < 8: // DeleteObjects of two or three keys of this worker
						keys := []string{k}
						for range 1 + randInt(2) {
							if other := fmt.Sprintf("w%d/k%d", w, randInt(keysPerWorker)); other != keys[len(keys)-1] && other != k {
								keys = append(keys, other)
							}
						}
						if err = removeMany(ctx, mc, m, keys); err != nil {
							return
						}
						mu.Lock()
						acked++
						mu.Unlock()
						continue
					case op < 9: // copy from another key of this worker
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
		vm.check(t, client(), round)
	}
	// The collector, run at once on the stopped server, leaves no orphan
	// blob, damages nothing, and every acknowledged write still holds.
	s.stop(t)
	out, err := exec.Command(bin, "scrub", "--collect", s.dir).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte(" 0 damaged, 0 orphan blobs")) {
		t.Fatalf("kura scrub --collect after the last kill: %v\n%s", err, out)
	}
	t.Logf("after the last round: %s", bytes.TrimSpace(out))
	s.start(t)
	check(t, client(), m, *kills)
	vm.check(t, client(), *kills)
	t.Logf("%d kills, %d acknowledged operations, every one held", *kills, acked)
}

// removeMany deletes keys with one DeleteObjects call; the deletes are
// acknowledged only when the call reports no error at all.
func removeMany(ctx context.Context, mc *minio.Client, m *model, keys []string) error {
	for _, k := range keys {
		m.begin(k, nil)
	}
	objs := make(chan minio.ObjectInfo, len(keys))
	for _, k := range keys {
		objs <- minio.ObjectInfo{Key: k}
	}
	close(objs)
	for e := range mc.RemoveObjects(ctx, bucket, objs, minio.RemoveObjectsOptions{}) {
		if e.Err != nil {
			return e.Err
		}
	}
	for _, k := range keys {
		m.ack(k)
	}
	return nil
}

// step runs one operation on a versioned key: usually a PUT of a new
// version, sometimes the permanent delete of an acknowledged version.
func (vm *vmodel) step(ctx context.Context, mc *minio.Client, key string) error {
	vm.mu.Lock()
	k := vm.get(key)
	var victim string
	if randInt(3) == 0 || len(k.acked) > maxVersions {
		for vid := range k.acked {
			victim = vid
			break
		}
	}
	if victim != "" {
		k.pending = victim
		vm.mu.Unlock()
		err := mc.RemoveObject(ctx, vbucket, key, minio.RemoveObjectOptions{VersionID: victim})
		vm.mu.Lock()
		defer vm.mu.Unlock()
		if err == nil {
			delete(k.acked, victim)
			k.gone[victim] = vm.round
			k.pending = ""
		}
		return err
	}
	data := payload(randInt(3) * 30000)
	k.maybe = append(k.maybe, data)
	vm.mu.Unlock()
	info, err := mc.PutObject(ctx, vbucket, key, bytes.NewReader(data), int64(len(data)), putOpts(data, false))
	vm.mu.Lock()
	defer vm.mu.Unlock()
	if err == nil {
		k.maybe = k.maybe[:len(k.maybe)-1]
		k.acked[info.VersionID] = data
	}
	return err
}

// notFound: a 404 (a HEAD's error has no body, so minio-go names any 404
// NoSuchKey).
func notFound(err error) bool {
	code := minio.ToErrorResponse(err).Code
	return code == "NoSuchKey" || code == "NoSuchVersion"
}

// readVersion reads one version with its metadata sum.
func readVersion(ctx context.Context, mc *minio.Client, b, key, vid string) ([]byte, string, error) {
	obj, err := mc.GetObject(ctx, b, key, minio.GetObjectOptions{VersionID: vid})
	if err != nil {
		return nil, "", err
	}
	defer obj.Close()
	st, err := obj.Stat()
	if err != nil {
		return nil, "", err
	}
	data, err := io.ReadAll(obj)
	return data, st.UserMetadata["Sum"], err
}

// check: every acknowledged version reads back with its metadata, every
// version deleted for good stays gone, and every version listed is
// acknowledged or is one whole cut-short PUT (which from then on must
// hold like an acknowledged one).
func (vm *vmodel) check(t *testing.T, mc *minio.Client, round int) {
	t.Helper()
	ctx := context.Background()
	vm.mu.Lock()
	defer vm.mu.Unlock()
	vm.round = round + 1
	listed := map[string]map[string]bool{}
	for o := range mc.ListObjects(ctx, vbucket, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		if o.IsDeleteMarker {
			t.Fatalf("round %d: %s has a delete marker, which no operation makes", round, o.Key)
		}
		if listed[o.Key] == nil {
			listed[o.Key] = map[string]bool{}
		}
		listed[o.Key][o.VersionID] = true
	}
	for key, k := range vm.keys {
		for vid, want := range k.acked {
			got, s, err := readVersion(ctx, mc, vbucket, key, vid)
			if err != nil && vid == k.pending && notFound(err) {
				delete(k.acked, vid) // its cut-short delete landed
				k.gone[vid] = round
				continue
			}
			if err != nil || !bytes.Equal(got, want) || s != sum(want) {
				t.Fatalf("round %d: %s version %s: %v, %d bytes, sum %q", round, key, vid, err, len(got), s)
			}
			if !listed[key][vid] {
				t.Fatalf("round %d: %s version %s reads back but is not listed", round, key, vid)
			}
		}
		k.pending = ""
		for vid, when := range k.gone {
			if when < round-goneRounds {
				delete(k.gone, vid)
				continue
			}
			if _, _, err := readVersion(ctx, mc, vbucket, key, vid); !notFound(err) {
				t.Fatalf("round %d: %s version %s was deleted for good but reads: %v", round, key, vid, err)
			}
		}
		for vid := range listed[key] {
			if _, ok := k.acked[vid]; ok {
				continue
			}
			got, s, err := readVersion(ctx, mc, vbucket, key, vid)
			if err != nil {
				t.Fatalf("round %d: %s lists version %s, which does not read: %v", round, key, vid, err)
			}
			landed := -1
			for i, m := range k.maybe {
				if bytes.Equal(got, m) && s == sum(m) {
					landed = i
				}
			}
			if landed < 0 {
				t.Fatalf("round %d: %s lists version %s (%d bytes), which is no PUT's whole data", round, key, vid, len(got))
			}
			k.acked[vid] = got
			k.maybe = append(k.maybe[:landed], k.maybe[landed+1:]...)
		}
	}
	for key := range listed {
		if vm.keys[key] == nil {
			t.Fatalf("round %d: listing shows versions of %s, which nothing wrote", round, key)
		}
	}
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
		got, metaSum, err := readVersion(ctx, mc, bucket, k, "")
		present := err == nil
		if err != nil && !notFound(err) {
			t.Fatalf("round %d: %s: %v", round, k, err)
		}
		matches := func(want []byte) bool {
			if want == nil {
				return !present
			}
			return present && bytes.Equal(got, want) && metaSum == sum(want)
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
