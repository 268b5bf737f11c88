package integration

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/encrypt"
	mreplication "github.com/minio/minio-go/v7/pkg/replication"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/wire/replication"
)

// replFixture is a source kura whose bucket "src" replicates to bucket
// "dst" of a destination kura, both versioned, through a target added
// with kura admin replicate add.
type replFixture struct {
	src, dst *server
	smc, dmc *minio.Client
	arn      string
}

var arnPattern = regexp.MustCompile(`^arn:minio:replication:us-east-1:[0-9a-f]{16}:dst\n$`)

func newReplFixture(t *testing.T, objectLock bool) *replFixture {
	t.Helper()
	f := &replFixture{src: startServer(t), dst: startServer(t)}
	f.dst.sameAddr, f.src.sameAddr = true, true
	f.smc, f.dmc = newMinioClient(t, f.src), newMinioClient(t, f.dst)
	ctx := context.Background()
	for _, b := range []struct {
		mc   *minio.Client
		name string
	}{{f.smc, "src"}, {f.dmc, "dst"}} {
		if err := b.mc.MakeBucket(ctx, b.name, minio.MakeBucketOptions{ObjectLocking: objectLock}); err != nil {
			t.Fatal(err)
		}
		if !objectLock {
			if err := b.mc.EnableVersioning(ctx, b.name); err != nil {
				t.Fatal(err)
			}
		}
	}
	out, err := kuraAdminOut(t, f.src, "replicate", "add", "src", "--endpoint", f.dst.url(), "--bucket", "dst",
		"--access-key", f.dst.accessKey, "--secret-key", f.dst.secretKey)
	if err != nil {
		t.Fatalf("replicate add: %v\n%s", err, out)
	}
	if !arnPattern.MatchString(out) {
		t.Fatalf("replicate add printed %q, not the ARN alone", out)
	}
	f.arn = strings.TrimSpace(out)
	return f
}

// replicateEverything puts a rule sending every change of src (delete
// markers and version deletes too) to the fixture's target, through
// minio-go.
func (f *replFixture) replicateEverything(t *testing.T) {
	t.Helper()
	cfg := mreplication.Config{Rules: []mreplication.Rule{{
		ID: "all", Status: mreplication.Enabled, Priority: 1,
		DeleteMarkerReplication:   mreplication.DeleteMarkerReplication{Status: mreplication.Enabled},
		DeleteReplication:         mreplication.DeleteReplication{Status: mreplication.Enabled},
		ExistingObjectReplication: mreplication.ExistingObjectReplication{Status: mreplication.Enabled},
		Destination:               mreplication.Destination{Bucket: f.arn},
	}}}
	if err := f.smc.SetBucketReplication(context.Background(), "src", cfg); err != nil {
		t.Fatal(err)
	}
}

// versionList is every version of a bucket as "key@id:etag-or-marker:latest",
// sorted.
func versionList(t *testing.T, mc *minio.Client, bucket string) []string {
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

func sameVersions(t *testing.T, f *replFixture) bool {
	a, b := versionList(t, f.smc, "src"), versionList(t, f.dmc, "dst")
	return len(a) > 0 && strings.Join(a, "\n") == strings.Join(b, "\n")
}

// TestReplicationMinioPy: minio-py's set/get/delete_bucket_replication
// with their effect, naming the target by the ARN kura admin replicate
// add printed: an object written to the source is read from the
// destination with the same version id and REPLICA status, while the
// source says COMPLETED.
func TestReplicationMinioPy(t *testing.T) {
	python, env := minioPy(t)
	f := newReplFixture(t, false)
	script := `
import io, sys, time
from minio import Minio
from minio.commonconfig import ENABLED, DISABLED, Filter
from minio.replicationconfig import ReplicationConfig, Rule, Destination, DeleteMarkerReplication
src_addr, sak, ssk, dst_addr, dak, dsk, arn = sys.argv[1:8]
src = Minio(src_addr, access_key=sak, secret_key=ssk, secure=False)
dst = Minio(dst_addr, access_key=dak, secret_key=dsk, secure=False)
src.set_bucket_replication("src", ReplicationConfig("REPLACE-WITH-ACTUAL-ROLE", [Rule(
    Destination(arn), ENABLED, delete_marker_replication=DeleteMarkerReplication(DISABLED),
    rule_filter=Filter(prefix=""), rule_id="rule1", priority=1)]))
cfg = src.get_bucket_replication("src")
assert [r.rule_id for r in cfg.rules] == ["rule1"], cfg.rules
assert cfg.rules[0].destination.bucket_arn == arn
w = src.put_object("src", "doc.txt", io.BytesIO(b"replicate me"), 12, content_type="text/plain")
deadline = time.time() + 30
status = None
while time.time() < deadline and status != "COMPLETED":
    time.sleep(0.2)
    status = src.stat_object("src", "doc.txt").metadata.get("x-amz-replication-status")
assert status == "COMPLETED", status
st = dst.stat_object("dst", "doc.txt")
assert st.version_id == w.version_id, (st.version_id, w.version_id)
assert st.metadata.get("x-amz-replication-status") == "REPLICA", st.metadata
assert dst.get_object("dst", "doc.txt").read() == b"replicate me"
src.delete_bucket_replication("src")
assert src.get_bucket_replication("src") is None
print("ok")
`
	cmd := exec.Command(python, "-c", script, f.src.addr, f.src.accessKey, f.src.secretKey, f.dst.addr, f.dst.accessKey, f.dst.secretKey, f.arn)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("minio-py: %v\n%s", err, out)
	}
}

// TestReplicationSurvivesKill9AndDestinationDowntime: with the
// destination down, writes pile up on the source; the source is killed
// without warning in the middle of them and restarted; when the
// destination comes back, every acknowledged write is there, versions
// and delete markers the same as the source's, in the same order.
func TestReplicationSurvivesKill9AndDestinationDowntime(t *testing.T) {
	f := newReplFixture(t, false)
	f.replicateEverything(t)
	ctx := context.Background()
	f.dst.stop()
	var mu sync.Mutex
	acked := map[string]bool{}
	write := func(ctx context.Context, i int) {
		key := fmt.Sprintf("k%03d", i%40)
		body := fmt.Sprintf("write %d", i)
		var id string
		if i%9 == 4 {
			if err := f.smc.RemoveObject(ctx, "src", key, minio.RemoveObjectOptions{}); err != nil {
				return
			}
			id = key + "@marker"
		} else {
			info, err := f.smc.PutObject(ctx, "src", key, strings.NewReader(body), int64(len(body)), minio.PutObjectOptions{})
			if err != nil {
				return // in flight when the source died: not acknowledged
			}
			id = key + "@" + info.VersionID
		}
		mu.Lock()
		acked[id] = true
		mu.Unlock()
	}
	ackedCount := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(acked)
	}
	// Four writers until the source is killed, once 60 writes were
	// acknowledged; the writes in flight then fail, unacknowledged.
	writing, stopWriting := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; writing.Err() == nil; i += 4 {
				write(writing, i)
			}
		}()
	}
	waitFor(t, "60 acknowledged writes", 60*time.Second, func() bool { return ackedCount() >= 60 })
	f.src.kill9()
	stopWriting()
	wg.Wait()
	f.src.start()
	for i := 1000; i < 1040; i++ {
		write(ctx, i)
	}
	f.dst.start()
	waitFor(t, "the destination to catch up", 90*time.Second, func() bool { return sameVersions(t, f) })
	have := map[string]bool{}
	for _, v := range versionList(t, f.dmc, "dst") {
		key, rest, _ := strings.Cut(v, "@")
		id, _, _ := strings.Cut(rest, ":")
		have[key+"@"+id] = true
	}
	n := 0
	for id := range acked {
		if strings.HasSuffix(id, "@marker") {
			continue
		}
		n++
		if !have[id] {
			t.Errorf("acknowledged version %s is not on the destination", id)
		}
	}
	if n < 50 {
		t.Fatalf("only %d versions were acknowledged", n)
	}
	st, err := adminFor(t, f.src).ReplicationStatus(ctx, "src")
	if err != nil || len(st) != 1 || st[0].Pending != 0 {
		t.Fatalf("status after catching up: %+v %v", st, err)
	}
}

func adminFor(t *testing.T, s *server) *admin.Client {
	t.Helper()
	ac, err := admin.New(s.addr, s.accessKey, s.secretKey, false)
	if err != nil {
		t.Fatal(err)
	}
	return ac
}

// TestReplicationLocksAndEncryption: on object-lock buckets, a version's
// retention and legal hold reach its replica, later changes of them too,
// and the replica then refuses deletion; SSE-S3 objects are encrypted
// again by the destination.
func TestReplicationLocksAndEncryption(t *testing.T) {
	f := newReplFixture(t, true)
	for _, s := range []*server{f.src, f.dst} {
		kuraAdmin(t, s, "kms", "key", "create", "repl-key")
	}
	// SSE-KMS objects replicate only when the rule selects them, under
	// the destination's key the rule names: minio-go cannot say that,
	// kura's client can.
	kc, err := client.New(f.src.addr, &client.Options{AccessKey: f.src.accessKey, SecretKey: f.src.secretKey})
	if err != nil {
		t.Fatal(err)
	}
	enabled := &replication.Status{Status: replication.Enabled}
	if err := kc.SetBucketReplication(context.Background(), "src", &replication.Configuration{Rules: []replication.Rule{{
		ID: "all", Priority: 1, Status: replication.Enabled, Filter: &replication.Filter{},
		DeleteMarkerReplication: enabled, SourceSelectionCriteria: &replication.SourceSelectionCriteria{SSEKMSEncryptedObjects: enabled},
		Destination: replication.Destination{Bucket: f.arn, EncryptionConfiguration: &replication.EncryptionConfiguration{ReplicaKMSKeyID: "repl-key"}},
	}}}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	kms, err := encrypt.NewSSEKMS("repl-key", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.smc.PutObject(ctx, "src", "kms", strings.NewReader("under kms"), 9, minio.PutObjectOptions{ServerSideEncryption: kms}); err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	mode := minio.Governance
	locked, err := f.smc.PutObject(ctx, "src", "locked", strings.NewReader("keep"), 4, minio.PutObjectOptions{
		Mode: mode, RetainUntilDate: until, LegalHold: minio.LegalHoldEnabled,
	})
	if err != nil {
		t.Fatal(err)
	}
	secret := bytes.Repeat([]byte("s"), 100<<10)
	enc, err := f.smc.PutObject(ctx, "src", "secret", bytes.NewReader(secret), int64(len(secret)), minio.PutObjectOptions{
		ServerSideEncryption: encrypt.NewSSE(),
	})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "all three replicated", 30*time.Second, func() bool {
		return sameVersions(t, f) && completed(ctx, f, "locked") && completed(ctx, f, "secret") && completed(ctx, f, "kms")
	})
	if st, err := f.dmc.StatObject(ctx, "dst", "kms", minio.StatObjectOptions{}); err != nil ||
		st.Metadata.Get("X-Amz-Server-Side-Encryption") != "aws:kms" || !strings.HasSuffix(st.Metadata.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"), "repl-key") {
		t.Fatalf("SSE-KMS replica: %+v %v", st.Metadata, err)
	}
	m, u, err := f.dmc.GetObjectRetention(ctx, "dst", "locked", locked.VersionID)
	if err != nil || m == nil || *m != mode || !u.Equal(until) {
		t.Fatalf("replica retention: %v %v %v", m, u, err)
	}
	hold, err := f.dmc.GetObjectLegalHold(ctx, "dst", "locked", minio.GetObjectLegalHoldOptions{VersionID: locked.VersionID})
	if err != nil || *hold != minio.LegalHoldEnabled {
		t.Fatalf("replica legal hold: %v %v", hold, err)
	}
	if err := f.dmc.RemoveObject(ctx, "dst", "locked", minio.RemoveObjectOptions{VersionID: locked.VersionID}); err == nil {
		t.Fatal("a replica under legal hold was deleted")
	}
	// Later lock changes follow.
	later := until.Add(time.Hour)
	if err := f.smc.PutObjectRetention(ctx, "src", "locked", minio.PutObjectRetentionOptions{VersionID: locked.VersionID, Mode: &mode, RetainUntilDate: &later}); err != nil {
		t.Fatal(err)
	}
	off := minio.LegalHoldDisabled
	if err := f.smc.PutObjectLegalHold(ctx, "src", "locked", minio.PutObjectLegalHoldOptions{VersionID: locked.VersionID, Status: &off}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the lock changes replicated", 30*time.Second, func() bool {
		_, u, err := f.dmc.GetObjectRetention(ctx, "dst", "locked", locked.VersionID)
		hold, herr := f.dmc.GetObjectLegalHold(ctx, "dst", "locked", minio.GetObjectLegalHoldOptions{VersionID: locked.VersionID})
		return err == nil && u.Equal(later) && herr == nil && *hold == minio.LegalHoldDisabled
	})
	st, err := f.dmc.StatObject(ctx, "dst", "secret", minio.StatObjectOptions{})
	if err != nil || st.VersionID != enc.VersionID || st.Metadata.Get("X-Amz-Server-Side-Encryption") != "AES256" {
		t.Fatalf("encrypted replica: %+v %v", st.Metadata, err)
	}
	obj, err := f.dmc.GetObject(ctx, "dst", "secret", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(obj); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("encrypted replica reads %d bytes, %v", len(got), err)
	}
}

func completed(ctx context.Context, f *replFixture, key string) bool {
	st, err := f.smc.StatObject(ctx, "src", key, minio.StatObjectOptions{})
	return err == nil && st.ReplicationStatus == "COMPLETED"
}
