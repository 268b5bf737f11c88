package crash

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/encrypt"

	"github.com/kurastore/kura/internal/blob/dirstore"
	"github.com/kurastore/kura/internal/meta/pebblestore"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/sigv4"
)

// transitionKills is how many kills TestKillNineTransitions makes: -kills
// when it is given, or a count small enough for every CI run.
func transitionKills() int {
	n := 8
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "kills" {
			n = *kills
		}
	})
	return n
}

const (
	coldTier = "COLD"
	// orphanGrace is the server's --orphan-grace: the remote objects of
	// transitions cut short, and orphan blobs, go after it rather than
	// after six hours.
	orphanGrace = 2 * time.Second
)

// buildKura builds the server, with -race when this test runs with it.
func buildKura(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "kura")
	args := []string{"build", "-o", bin}
	if raceBuild {
		args = append(args, "-race")
	}
	if out, err := exec.Command("go", append(args, "github.com/kurastore/kura/cmd/kura")...).CombinedOutput(); err != nil {
		t.Fatalf("building kura: %v\n%s", err, out)
	}
	return bin
}

// raceLog keeps a server's standard error, and reports a data race the
// race detector printed on it (a killed server never exits with its
// status).
type raceLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (r *raceLog) Write(p []byte) (int, error) {
	os.Stderr.Write(p)
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.Write(p)
}

func (r *raceLog) raced() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Contains(r.buf.Bytes(), []byte("WARNING: DATA RACE"))
}

// TestKillNineTransitions is the kill -9 harness with lifecycle
// transitions: a rule moves objects to a directory tier a lifecycle day
// (one second) after they are written, while writers put, overwrite,
// copy and delete them (inline, single-blob, multipart, some SSE-S3), and
// the server is killed at random moments. After every kill, before the
// restart, every remote object a version references is on the tier and
// every file of the tier is such an object or queued for deletion; after
// every restart, every acknowledged write reads back. At the end, once
// the queues drained, the tier holds exactly the referenced objects and
// the blob directory exactly the referenced blobs.
func TestKillNineTransitions(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 harness skipped in -short mode")
	}
	dir := t.TempDir()
	bin := buildKura(t, dir)
	tierDir := filepath.Join(dir, "tier")
	if err := os.Mkdir(tierDir, 0o700); err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 10)
	rand.Read(key)
	access, secret := "CRASH"+hex.EncodeToString(key[:5]), hex.EncodeToString(key)
	races := &raceLog{}
	s := &server{
		bin: bin, dir: filepath.Join(dir, "data"), stderr: races,
		env:  []string{"KURA_ROOT_USER=" + access, "KURA_ROOT_PASSWORD=" + secret},
		args: []string{"--lifecycle-day", "1s", "--orphan-grace", orphanGrace.String()},
	}
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
	admin := exec.Command(bin, "admin", "--server", "http://"+s.addr, "tier", "add", "dir", coldTier, "--path", tierDir)
	admin.Env = append(os.Environ(), "KURA_ACCESS_KEY="+access, "KURA_SECRET_KEY="+secret)
	if out, err := admin.CombinedOutput(); err != nil {
		t.Fatalf("tier add: %v\n%s", err, out)
	}
	for _, b := range []string{bucket, vbucket} {
		if err := client().MakeBucket(ctx, b, minio.MakeBucketOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := client().EnableVersioning(ctx, vbucket); err != nil {
		t.Fatal(err)
	}
	creds := sigv4.Credentials{AccessKey: access, SecretKey: secret}
	putLifecycle(t, s.addr, creds, bucket, `<Rule><ID>cold</ID><Filter><Prefix>cold/</Prefix></Filter><Status>Enabled</Status>`+
		`<Transition><Days>1</Days><StorageClass>`+coldTier+`</StorageClass></Transition></Rule>`)
	putLifecycle(t, s.addr, creds, vbucket, `<Rule><ID>all</ID><Filter></Filter><Status>Enabled</Status>`+
		`<Transition><Days>1</Days><StorageClass>`+coldTier+`</StorageClass></Transition>`+
		`<NoncurrentVersionTransition><NoncurrentDays>1</NoncurrentDays><StorageClass>`+coldTier+`</StorageClass></NoncurrentVersionTransition></Rule>`)

	m := &model{keys: map[string]*state{}}
	vm := &vmodel{keys: map[string]*vkey{}}
	acked := 0
	rounds := transitionKills()
	for round := range rounds {
		mc := client()
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		for w := range workers {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					if err := transitionStep(t, ctx, mc, m, vm, w); err != nil {
						return // the server is gone: the operation stays pending
					}
					mu.Lock()
					acked++
					mu.Unlock()
				}
			})
		}
		// Long enough for objects to come of age (a lifecycle day) and
		// move while writers run, so that kills land amid transitions.
		time.Sleep(time.Duration(300+randInt(2500)) * time.Millisecond)
		s.kill()
		close(stop)
		wg.Wait()
		inv := inspect(t, s.dir, tierDir, false)
		t.Logf("round %d: %d remote objects referenced, %d queued for deletion", round, len(inv.Live), len(inv.Queued))
		s.start(t)
		check(t, client(), m, round)
		vm.check(t, client(), round)
	}
	// The queues drain: the remote objects of transitions cut short go
	// after orphanGrace, dropped data after the collector's delay, and
	// orphan blobs in the sweep at the start of a server.
	converged := false
	for try := 0; try < 8 && !converged; try++ {
		time.Sleep(orphanGrace + time.Second)
		s.stop(t)
		converged = inspect(t, s.dir, tierDir, true).Live != nil
		s.start(t)
	}
	if !converged {
		t.Fatal("the tier and the blob directory never came to hold exactly what the versions reference")
	}
	check(t, client(), m, rounds)
	vm.check(t, client(), rounds)
	moved := 0
	for _, b := range []string{bucket, vbucket} {
		for o := range client().ListObjects(ctx, b, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
			if o.Err != nil {
				t.Fatal(o.Err)
			}
			if o.StorageClass == coldTier {
				moved++
				if b == bucket && !strings.HasPrefix(o.Key, "cold/") {
					t.Errorf("%s moved to the tier, which no rule selects", o.Key)
				}
			}
		}
	}
	if moved == 0 {
		t.Fatal("no version was transitioned: the test tested nothing")
	}
	if races.raced() {
		t.Fatal("the server reported a data race")
	}
	t.Logf("%d kills, %d acknowledged operations, every one held; %d versions on the tier at the end", rounds, acked, moved)
}

// transitionStep runs one random operation of worker w.
func transitionStep(t *testing.T, ctx context.Context, mc *minio.Client, m *model, vm *vmodel, w int) error {
	prefix := "cold/"
	if randInt(4) == 0 {
		prefix = "hot/"
	}
	k := fmt.Sprintf("%sw%d/k%d", prefix, w, randInt(keysPerWorker))
	if randInt(4) == 0 {
		return vm.step(ctx, mc, fmt.Sprintf("w%d/k%d", w, randInt(keysPerWorker)))
	}
	var err error
	switch op := randInt(12); {
	case op < 6: // inline or single-blob PUT, some SSE-S3
		data := payload([]int{0, 1000, 40000, 100000, 300000}[randInt(5)])
		opts := putOpts(data, false)
		if randInt(3) == 0 {
			opts.ServerSideEncryption = encrypt.NewSSE()
		}
		m.begin(k, data)
		_, err = mc.PutObject(ctx, bucket, k, bytes.NewReader(data), int64(len(data)), opts)
	case op < 7: // multipart PUT
		data := payload(5<<20 + randInt(1000))
		m.begin(k, data)
		_, err = mc.PutObject(ctx, bucket, k, bytes.NewReader(data), int64(len(data)), putOpts(data, true))
	case op < 9: // copy, which reads a transitioned source through
		src := fmt.Sprintf("cold/w%d/k%d", w, randInt(keysPerWorker))
		m.mu.Lock()
		st := m.keys[src]
		var srcData []byte
		if st != nil && !st.hasPend {
			srcData = st.data
		}
		m.mu.Unlock()
		if srcData == nil || src == k {
			return nil
		}
		m.begin(k, srcData)
		_, err = mc.CopyObject(ctx, minio.CopyDestOptions{Bucket: bucket, Object: k}, minio.CopySrcOptions{Bucket: bucket, Object: src})
	case op < 10: // a read through, which must not fail
		m.mu.Lock()
		st := m.keys[k]
		var want []byte
		if st != nil && !st.hasPend {
			want = st.data
		}
		m.mu.Unlock()
		if want == nil {
			return nil
		}
		got, s, err := readVersion(ctx, mc, bucket, k, "")
		if err == nil && (!bytes.Equal(got, want) || s != sum(want)) {
			t.Errorf("%s read %d bytes, sum %q, while the writers ran; acknowledged %d bytes", k, len(got), s, len(want))
		}
		return err
	default: // DELETE
		m.begin(k, nil)
		err = mc.RemoveObject(ctx, bucket, k, minio.RemoveObjectOptions{})
	}
	if err != nil {
		return err
	}
	m.ack(k)
	return nil
}

// putLifecycle sets a bucket's rules with the header that lets objects
// of every size transition (minio-go cannot send it).
func putLifecycle(t *testing.T, addr string, c sigv4.Credentials, b, rules string) {
	t.Helper()
	body := []byte(`<LifecycleConfiguration>` + rules + `</LifecycleConfiguration>`)
	req, err := http.NewRequest(http.MethodPut, "http://"+addr+"/"+b+"?lifecycle", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	md := md5.Sum(body)
	req.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(md[:]))
	req.Header.Set("X-Amz-Transition-Default-Minimum-Object-Size", "varies_by_storage_class")
	h := sha256.Sum256(body)
	sigv4.SignRequest(req, c, "us-east-1", "s3", hex.EncodeToString(h[:]), time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT lifecycle of %s: %s", b, resp.Status)
	}
}

// inspect reads a stopped server's metadata, blob directory and tier.
// Always: every remote object a version references is a file of the
// tier, and every file of the tier is such an object or queued for
// deletion (the file a Put left when it was cut short, .put-<name>-*, as
// name). With strict, the queue must be empty and the blob
// directory must hold no orphan: it returns a zero inventory when either
// is not so yet, and fails on damage.
func inspect(t *testing.T, dataDir, tierDir string, strict bool) object.TierInventory {
	t.Helper()
	ctx := context.Background()
	m, err := pebblestore.Open(filepath.Join(dataDir, "meta"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	blobs, err := dirstore.Open(filepath.Join(dataDir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	layer := object.New(m, blobs, object.Options{})
	inv, err := layer.TierInventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	files, temps := tierFiles(t, tierDir)
	var lost, leaked []string
	for o := range inv.Live {
		if o.Tier != coldTier || !files[o.Name] || queued(inv, o) {
			lost = append(lost, o.Tier+":"+o.Name)
		}
	}
	for name := range files {
		if o := (object.RemoteObject{Tier: coldTier, Name: name}); !inv.Live[o] && !queued(inv, o) {
			leaked = append(leaked, name)
		}
	}
	for _, tmp := range temps {
		// .put-<base>-<random>: what a Put of <base> left when the server
		// died, which the Delete of the queued name removes.
		base := strings.TrimPrefix(filepath.Base(tmp), ".put-")
		if i := strings.LastIndexByte(base, '-'); i > 0 {
			base = base[:i]
		}
		// Beside a live object it stays until that object is deleted
		// (a Put may not remove the temporary files of concurrent Puts
		// of its name).
		o := object.RemoteObject{Tier: coldTier, Name: filepath.Dir(tmp) + "/" + base}
		if !inv.Live[o] && (strict || !queued(inv, o)) {
			leaked = append(leaked, tmp)
		}
	}
	sort.Strings(lost)
	sort.Strings(leaked)
	if len(lost) > 0 {
		t.Fatalf("remote objects of live versions missing from the tier or queued for deletion: %v", lost)
	}
	if len(leaked) > 0 && !strict {
		t.Fatalf("files of the tier that nothing references or will delete: %v", leaked)
	}
	if !strict {
		return inv
	}
	st, err := layer.Scrub(ctx, func(d object.Damage) { t.Errorf("damaged: %s", d) })
	if err != nil {
		t.Fatal(err)
	}
	if st.Damaged > 0 {
		t.FailNow()
	}
	if len(leaked) > 0 || len(inv.Queued) > 0 || st.Orphans > 0 {
		t.Logf("not drained yet: %d files of the tier unreferenced %v, remote deletions queued %v, %d orphan blobs",
			len(leaked), leaked, inv.Queued, st.Orphans)
		return object.TierInventory{}
	}
	t.Logf("drained: the tier holds exactly the %d remote objects of live versions; %d records, %d blobs, no orphan",
		len(inv.Live), st.Records, st.Blobs)
	return inv
}

func queued(inv object.TierInventory, o object.RemoteObject) bool {
	_, ok := inv.Queued[o]
	return ok
}

// tierFiles lists the objects of a dir tier by name, and apart the
// temporary files of writes.
func tierFiles(t *testing.T, root string) (map[string]bool, []string) {
	t.Helper()
	files := map[string]bool{}
	var temps []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") {
			temps = append(temps, filepath.ToSlash(rel))
			return nil
		}
		files[filepath.ToSlash(rel)] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files, temps
}
