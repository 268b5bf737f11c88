package replicate_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/tags"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/kuratest"
	"github.com/kurastore/kura/wire/replication"
	"github.com/kurastore/kura/wire/versioning"
)

// pair is a source kura replicating a bucket to a destination kura.
type pair struct {
	src, dst     *kuratest.Server
	srcMC, dstMC *minio.Client
	arn          string
}

func minioClient(t *testing.T, s *kuratest.Server) *minio.Client {
	t.Helper()
	mc, err := minio.New(s.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(s.AccessKey, s.SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	return mc
}

func versionedBucket(t *testing.T, s *kuratest.Server, bucket string) {
	t.Helper()
	ctx := context.Background()
	if err := s.Client.MakeBucket(ctx, bucket, client.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Client.SetBucketVersioning(ctx, bucket, &versioning.Configuration{Status: versioning.Enabled}); err != nil {
		t.Fatal(err)
	}
}

// addTarget registers dst's bucket (through endpoint, dst's own when "")
// as a target of src's bucket and returns its ARN.
func addTarget(t *testing.T, src, dst *kuratest.Server, srcBucket, dstBucket, endpoint string) string {
	t.Helper()
	if endpoint == "" {
		endpoint = dst.URL
	}
	arn, err := src.AddReplicationTarget(context.Background(), srcBucket, admin.ReplicationTarget{
		Endpoint: endpoint, DestBucket: dstBucket, AccessKey: dst.AccessKey, SecretKey: dst.SecretKey,
	})
	if err != nil {
		t.Fatal(err)
	}
	return arn
}

// replicateAll sets a configuration of one rule sending every change of
// bucket to arn.
func replicateAll(t *testing.T, s *kuratest.Server, bucket, arn string, extra func(*replication.Rule)) {
	t.Helper()
	enabled := &replication.Status{Status: replication.Enabled}
	r := replication.Rule{
		ID: "all", Priority: 1, Status: replication.Enabled, Filter: &replication.Filter{},
		DeleteMarkerReplication: enabled, DeleteReplication: enabled, ExistingObjectReplication: enabled,
		Destination: replication.Destination{Bucket: arn},
	}
	if extra != nil {
		extra(&r)
	}
	if err := s.Client.SetBucketReplication(context.Background(), bucket, &replication.Configuration{Rules: []replication.Rule{r}}); err != nil {
		t.Fatal(err)
	}
}

func newPair(t *testing.T) *pair {
	p := &pair{src: kuratest.NewServer(t), dst: kuratest.NewServer(t)}
	versionedBucket(t, p.src, "src")
	versionedBucket(t, p.dst, "dst")
	p.arn = addTarget(t, p.src, p.dst, "src", "dst", "")
	replicateAll(t, p.src, "src", p.arn, nil)
	p.srcMC, p.dstMC = minioClient(t, p.src), minioClient(t, p.dst)
	return p
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// versions lists a key's versions as "id:etag" or "id:marker", newest
// first.
func versions(t *testing.T, mc *minio.Client, bucket string) []string {
	t.Helper()
	var out []string
	for o := range mc.ListObjects(context.Background(), bucket, minio.ListObjectsOptions{WithVersions: true, Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		what := o.ETag
		if o.IsDeleteMarker {
			what = "marker"
		}
		out = append(out, fmt.Sprintf("%s@%s:%s:%v", o.Key, o.VersionID, what, o.IsLatest))
	}
	sort.Strings(out)
	return out
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func TestOneWayReplicationCopiesEveryChange(t *testing.T) {
	p := newPair(t)
	ctx := context.Background()
	small, err := p.srcMC.PutObject(ctx, "src", "small.txt", strings.NewReader("hello"), 5, minio.PutObjectOptions{
		ContentType: "text/plain", UserMetadata: map[string]string{"color": "blue"}, UserTags: map[string]string{"a": "1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	big := randomBytes(11<<20 + 7)
	multi, err := p.src.Client.PutObject(ctx, "src", "big.bin", bytes.NewReader(big), int64(len(big)), client.PutObjectOptions{PartSizes: []int64{5 << 20, 6 << 20, 7}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(multi.ETag, "-3") {
		t.Fatalf("multipart ETag %q", multi.ETag)
	}
	copied, err := p.src.Client.CopyObject(ctx, client.CopyDestOptions{Bucket: "src", Key: "copy.txt"}, client.CopySrcOptions{Bucket: "src", Key: "small.txt"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the three objects replicated", func() bool {
		for _, key := range []string{"small.txt", "big.bin", "copy.txt"} {
			if st, err := p.srcMC.StatObject(ctx, "src", key, minio.StatObjectOptions{}); err != nil || st.ReplicationStatus != "COMPLETED" {
				return false
			}
		}
		return true
	})
	gotCopy, err := p.dstMC.StatObject(ctx, "dst", "copy.txt", minio.StatObjectOptions{Checksum: true})
	srcCopy, _ := p.srcMC.StatObject(ctx, "src", "copy.txt", minio.StatObjectOptions{Checksum: true})
	if err != nil || gotCopy.VersionID != copied.VersionID || gotCopy.ReplicationStatus != "REPLICA" ||
		gotCopy.ChecksumCRC64NVME == "" || gotCopy.ChecksumCRC64NVME != srcCopy.ChecksumCRC64NVME {
		t.Fatalf("replica of the copy: %+v %v (source checksum %q)", gotCopy, err, srcCopy.ChecksumCRC64NVME)
	}
	got, err := p.dstMC.StatObject(ctx, "dst", "small.txt", minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.VersionID != small.VersionID || got.ETag != small.ETag || got.ReplicationStatus != "REPLICA" ||
		got.ContentType != "text/plain" || got.UserMetadata["Color"] != "blue" || got.UserTagCount != 1 {
		t.Fatalf("replica of small.txt: %+v", got)
	}
	src, _ := p.srcMC.StatObject(ctx, "src", "small.txt", minio.StatObjectOptions{})
	if !got.LastModified.Equal(src.LastModified) {
		t.Fatalf("replica modified %v, source %v", got.LastModified, src.LastModified)
	}
	gotBig, err := p.dstMC.StatObject(ctx, "dst", "big.bin", minio.StatObjectOptions{})
	if err != nil || gotBig.ETag != multi.ETag || gotBig.VersionID != multi.VersionID {
		t.Fatalf("replica of big.bin: %+v %v (want ETag %s)", gotBig, err, multi.ETag)
	}
	obj, err := p.dstMC.GetObject(ctx, "dst", "big.bin", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(obj)
	if err != nil || !bytes.Equal(data, big) {
		t.Fatalf("replica data differs (%d bytes, %v)", len(data), err)
	}

	// A tag change, a delete marker and a version delete follow.
	if err := p.srcMC.PutObjectTagging(ctx, "src", "small.txt", mustTags(t, map[string]string{"b": "2"}), minio.PutObjectTaggingOptions{VersionID: small.VersionID}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the tag change replicated", func() bool {
		tags, err := p.dstMC.GetObjectTagging(ctx, "dst", "small.txt", minio.GetObjectTaggingOptions{VersionID: small.VersionID})
		return err == nil && tags.ToMap()["b"] == "2" && len(tags.ToMap()) == 1
	})
	if err := p.srcMC.RemoveObject(ctx, "src", "small.txt", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := p.srcMC.RemoveObject(ctx, "src", "big.bin", minio.RemoveObjectOptions{VersionID: multi.VersionID}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the deletes replicated", func() bool {
		return strings.Join(versions(t, p.srcMC, "src"), "\n") == strings.Join(versions(t, p.dstMC, "dst"), "\n")
	})
	if v := versions(t, p.dstMC, "dst"); len(v) != 3 || !strings.Contains(strings.Join(v, " "), "small.txt@"+small.VersionID+":") || !strings.Contains(strings.Join(v, " "), ":marker:true") {
		t.Fatalf("destination versions: %v", v)
	}
}

func mustTags(t *testing.T, m map[string]string) *tagsT {
	t.Helper()
	tg, err := newTags(m)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func TestTwoWayReplicationConvergesWithoutLoops(t *testing.T) {
	a, b := kuratest.NewServer(t), kuratest.NewServer(t)
	versionedBucket(t, a, "one")
	versionedBucket(t, b, "two")
	arnAB := addTarget(t, a, b, "one", "two", "")
	arnBA := addTarget(t, b, a, "two", "one", "")
	mods := func(r *replication.Rule) {
		r.SourceSelectionCriteria = &replication.SourceSelectionCriteria{ReplicaModifications: &replication.Status{Status: replication.Enabled}}
	}
	replicateAll(t, a, "one", arnAB, mods)
	replicateAll(t, b, "two", arnBA, mods)
	ma, mb := minioClient(t, a), minioClient(t, b)
	ctx := context.Background()
	for i := range 20 {
		key := fmt.Sprintf("k%d", i%5)
		mc, bucket := ma, "one"
		if i%2 == 1 {
			mc, bucket = mb, "two"
		}
		body := fmt.Sprintf("write %d", i)
		if _, err := mc.PutObject(ctx, bucket, key, strings.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := mb.RemoveObject(ctx, "two", "k0", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "both sides to hold the same versions", func() bool {
		va, vb := versions(t, ma, "one"), versions(t, mb, "two")
		return len(va) == 21 && strings.Join(va, "\n") == strings.Join(vb, "\n")
	})
	// Nothing keeps bouncing: the version lists stay as they are.
	before := versions(t, ma, "one")
	time.Sleep(500 * time.Millisecond)
	if after := versions(t, mb, "two"); strings.Join(before, "\n") != strings.Join(after, "\n") {
		t.Fatalf("versions changed after convergence:\n%v\n%v", before, after)
	}
	// A tag change on a replica (ReplicaModifications) goes back to the
	// original, once.
	for o := range mb.ListObjects(ctx, "two", minio.ListObjectsOptions{WithMetadata: true, Recursive: true}) {
		if o.Key != "k1" {
			continue
		}
		st, err := mb.StatObject(ctx, "two", "k1", minio.StatObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := mb.PutObjectTagging(ctx, "two", "k1", mustTags(t, map[string]string{"from": "two"}), minio.PutObjectTaggingOptions{VersionID: st.VersionID}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the replica's tag change to reach the original", func() bool {
			tags, err := ma.GetObjectTagging(ctx, "one", "k1", minio.GetObjectTaggingOptions{VersionID: st.VersionID})
			return err == nil && tags.ToMap()["from"] == "two"
		})
	}
}

// flakyProxy forwards to a server, or drops every connection while down.
type flakyProxy struct {
	down  atomic.Bool
	proxy *httputil.ReverseProxy
}

func (f *flakyProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.down.Load() {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	f.proxy.ServeHTTP(w, r)
}

// flakyPair is a pair whose destination is reached through a flakyProxy.
func flakyPair(t *testing.T) (src, dst *kuratest.Server, fp *flakyProxy) {
	src, dst = kuratest.NewServer(t), kuratest.NewServer(t)
	versionedBucket(t, src, "src")
	versionedBucket(t, dst, "dst")
	u, _ := url.Parse(dst.URL)
	fp = &flakyProxy{proxy: httputil.NewSingleHostReverseProxy(u)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: fp}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	arn := addTarget(t, src, dst, "src", "dst", "http://"+ln.Addr().String())
	replicateAll(t, src, "src", arn, nil)
	return src, dst, fp
}

func TestBacklogDrainsInOrderWhenTheDestinationReturns(t *testing.T) {
	src, dst, fp := flakyPair(t)
	fp.down.Store(true)
	ctx := context.Background()
	smc, dmc := minioClient(t, src), minioClient(t, dst)
	for i := range 60 {
		key := fmt.Sprintf("key-%d", i%10)
		body := fmt.Sprintf("v%d", i)
		if _, err := smc.PutObject(ctx, "src", key, strings.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
		if i%7 == 0 {
			if err := smc.RemoveObject(ctx, "src", key, minio.RemoveObjectOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	ac := src
	waitFor(t, "the status to show the backlog and an error", func() bool {
		st, err := ac.ReplicationStatus(ctx, "src")
		return err == nil && len(st) == 1 && st[0].Pending > 0 && st[0].LastError != ""
	})
	fp.down.Store(false)
	waitFor(t, "the backlog to drain", func() bool {
		return strings.Join(versions(t, smc, "src"), "\n") == strings.Join(versions(t, dmc, "dst"), "\n")
	})
	waitFor(t, "the queue to empty", func() bool {
		st, err := ac.ReplicationStatus(ctx, "src")
		return err == nil && st[0].Pending == 0 && st[0].Completed == 69
	})
}

// A change that fails its third try is marked FAILED on the source, and
// still replicates (COMPLETED) once the destination answers again.
func TestRepeatedFailureMarksTheVersionFailedUntilItSucceeds(t *testing.T) {
	src, dst, fp := flakyPair(t)
	fp.down.Store(true)
	ctx := context.Background()
	smc, dmc := minioClient(t, src), minioClient(t, dst)
	info, err := smc.PutObject(ctx, "src", "k", strings.NewReader("body"), 4, minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	status := func() string {
		st, err := smc.StatObject(ctx, "src", "k", minio.StatObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return st.ReplicationStatus
	}
	if got := status(); got != "PENDING" {
		t.Fatalf("status before any try = %q, want PENDING", got)
	}
	waitFor(t, "the status to become FAILED", func() bool { return status() == "FAILED" })
	st, err := src.ReplicationStatus(ctx, "src")
	if err != nil || len(st) != 1 || st[0].Pending != 1 || st[0].LastError == "" {
		t.Fatalf("target status after the failures = %+v, %v; want the change still queued with its error", st, err)
	}
	fp.down.Store(false)
	waitFor(t, "the status to become COMPLETED", func() bool { return status() == "COMPLETED" })
	got, err := dmc.StatObject(ctx, "dst", "k", minio.StatObjectOptions{})
	if err != nil || got.VersionID != info.VersionID || got.ReplicationStatus != "REPLICA" {
		t.Fatalf("destination copy = %+v, %v", got, err)
	}
}

func TestResyncReplicatesExistingObjects(t *testing.T) {
	src, dst := kuratest.NewServer(t), kuratest.NewServer(t)
	versionedBucket(t, src, "src")
	versionedBucket(t, dst, "dst")
	ctx := context.Background()
	// The existing objects arrive in one Snowball archive.
	const n = 10000
	objs := make([]client.SnowballObject, n)
	for i := range objs {
		objs[i] = client.SnowballObject{Key: fmt.Sprintf("old/%05d", i), Reader: strings.NewReader("x"), Size: 1}
	}
	if _, err := src.Client.UploadSnowballObjects(ctx, "src", objs, client.SnowballOptions{}); err != nil {
		t.Fatal(err)
	}
	arn := addTarget(t, src, dst, "src", "dst", "")
	replicateAll(t, src, "src", arn, nil)
	ac := src
	if err := ac.ResyncReplication(ctx, "src", arn); err != nil {
		t.Fatal(err)
	}
	dmc := minioClient(t, dst)
	waitFor(t, "the resync to finish and its queue to empty", func() bool {
		st, err := ac.ReplicationStatus(ctx, "src")
		return err == nil && st[0].Resync != nil && st[0].Resync.State == "done" && st[0].Resync.Queued == n && st[0].Pending == 0
	})
	if got := len(versions(t, dmc, "dst")); got != n {
		t.Fatalf("the destination has %d versions, want %d", got, n)
	}
	// A second resync finds nothing left to send.
	if err := ac.ResyncReplication(ctx, "src", arn); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the second resync to finish", func() bool {
		st, err := ac.ReplicationStatus(ctx, "src")
		return err == nil && st[0].Resync.State == "done" && st[0].Resync.Queued == 0 && st[0].Resync.Scanned == n
	})
}

type tagsT = tags.Tags

func newTags(m map[string]string) (*tags.Tags, error) { return tags.NewTags(m, true) }
