package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/lifecycle"

	"github.com/kurastore/kura/admin"
)

// lifecycleDay is the lifecycle day of the servers these tests start: a
// rule's "1 day" passes in two seconds.
const lifecycleDay = "2s"

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// setRules sets a bucket's lifecycle rules through minio-go.
func setRules(t *testing.T, mc *minio.Client, bucket string, rules ...lifecycle.Rule) {
	t.Helper()
	cfg := lifecycle.NewConfiguration()
	cfg.Rules = rules
	if err := mc.SetBucketLifecycle(context.Background(), bucket, cfg); err != nil {
		t.Fatal(err)
	}
}

// expireAfter is a rule expiring the objects under prefix after days.
func expireAfter(prefix string, days int) lifecycle.Rule {
	return lifecycle.Rule{
		ID: "expire-" + strings.TrimSuffix(prefix, "/"), Status: "Enabled", RuleFilter: lifecycle.Filter{Prefix: prefix},
		Expiration: lifecycle.Expiration{Days: lifecycle.ExpirationDays(days)},
	}
}

func objectGone(ctx context.Context, mc *minio.Client, bucket, key string) bool {
	_, err := mc.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
	return minio.ToErrorResponse(err).Code == "NoSuchKey"
}

// TestLifecycleExpiration: with a two-second lifecycle day, a rule's
// objects expire within a few days' worth of seconds, the others stay,
// HEAD announces the expiry, and the status reports the action.
func TestLifecycleExpiration(t *testing.T) {
	s := startServer(t, "--lifecycle-day", lifecycleDay)
	ctx := ctx(t)
	mc := newMinioClient(t, s)
	if err := mc.MakeBucket(ctx, "lcb", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	setRules(t, mc, "lcb", expireAfter("tmp/", 1))
	got, err := mc.GetBucketLifecycle(ctx, "lcb")
	if err != nil || len(got.Rules) != 1 || got.Rules[0].ID != "expire-tmp" || got.Rules[0].Expiration.Days != 1 {
		t.Fatalf("lifecycle read back: %+v %v", got, err)
	}
	for _, key := range []string{"tmp/a", "tmp/b", "keep/c"} {
		if _, err := mc.PutObject(ctx, "lcb", key, strings.NewReader(key), int64(len(key)), minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	info, err := mc.StatObject(ctx, "lcb", "tmp/a", minio.StatObjectOptions{})
	if err != nil || info.ExpirationRuleID != "expire-tmp" || info.Expiration.IsZero() {
		t.Fatalf("HEAD of an expiring object: rule %q expiry %v, %v", info.ExpirationRuleID, info.Expiration, err)
	}
	waitFor(t, "tmp/ to expire", 30*time.Second, func() bool {
		return objectGone(ctx, mc, "lcb", "tmp/a") && objectGone(ctx, mc, "lcb", "tmp/b")
	})
	if _, err := mc.StatObject(ctx, "lcb", "keep/c", minio.StatObjectOptions{}); err != nil {
		t.Fatalf("an object no rule selects is gone: %v", err)
	}
	var st admin.LifecycleStatus
	if err := json.Unmarshal([]byte(kuraAdmin(t, s, "lifecycle", "status", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Buckets) != 1 || st.Buckets[0].Actions["expire"] != 2 {
		t.Fatalf("status: %+v", st)
	}
	if err := mc.SetBucketLifecycle(ctx, "lcb", lifecycle.NewConfiguration()); err != nil {
		t.Fatal(err)
	}
	if _, err := mc.GetBucketLifecycle(ctx, "lcb"); minio.ToErrorResponse(err).Code != "NoSuchLifecycleConfiguration" {
		t.Fatalf("after delete: %v", err)
	}
}

// tierFixture is a kura serving a bucket that another kura uses as its
// tier WARM.
type tierFixture struct {
	tier, main *server
	tierClient *minio.Client
	mainClient *minio.Client
}

func newTierFixture(t *testing.T, bucket string) *tierFixture {
	t.Helper()
	ctx := ctx(t)
	f := &tierFixture{tier: startServer(t)}
	f.tier.sameAddr = true
	f.tierClient = newMinioClient(t, f.tier)
	if err := f.tierClient.MakeBucket(ctx, "cold", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	f.main = startServer(t, "--lifecycle-day", lifecycleDay)
	f.mainClient = newMinioClient(t, f.main)
	if out, err := kuraAdminOut(t, f.main, "tier", "add", "s3", "WARM", "--endpoint", f.tier.url(), "--bucket", "cold",
		"--prefix", "kura/", "--access-key", f.tier.accessKey, "--secret-key", f.tier.secretKey); err != nil {
		t.Fatalf("tier add: %v %s", err, out)
	}
	if err := f.mainClient.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	setRules(t, f.mainClient, bucket, lifecycle.Rule{
		ID: "warm", Status: "Enabled", RuleFilter: lifecycle.Filter{Prefix: "big/"},
		Transition: lifecycle.Transition{Days: 1, StorageClass: "WARM"},
	})
	return f
}

// remoteObjects counts the objects on the tier.
func (f *tierFixture) remoteObjects(ctx context.Context) int {
	n := 0
	for o := range f.tierClient.ListObjects(ctx, "cold", minio.ListObjectsOptions{Recursive: true}) {
		if o.Err == nil {
			n++
		}
	}
	return n
}

func (f *tierFixture) storageClass(ctx context.Context, bucket, key string) string {
	info, err := f.mainClient.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return "error: " + err.Error()
	}
	// minio-go's StatObject leaves ObjectInfo.StorageClass to listings.
	return info.Metadata.Get("X-Amz-Storage-Class")
}

// TestLifecycleTransitionToKura: objects move to a tier on another kura;
// GETs read them through, ranges too; a restore brings a local copy; a
// delete removes the remote copy; small objects stay.
func TestLifecycleTransitionToKura(t *testing.T) {
	f := newTierFixture(t, "data")
	ctx := ctx(t)
	big := pattern(300<<10, 7)
	small := []byte("small objects do not move")
	if _, err := f.mainClient.PutObject(ctx, "data", "big/one", bytes.NewReader(big), int64(len(big)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.mainClient.PutObject(ctx, "data", "big/small", bytes.NewReader(small), int64(len(small)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the transition", 30*time.Second, func() bool { return f.storageClass(ctx, "data", "big/one") == "WARM" })
	if f.remoteObjects(ctx) == 0 {
		t.Fatal("nothing on the tier")
	}
	if sc := f.storageClass(ctx, "data", "big/small"); sc != "" && sc != "STANDARD" {
		t.Fatalf("a 25-byte object moved to %q", sc)
	}
	obj, err := f.mainClient.GetObject(ctx, "data", "big/one", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(obj)
	if err != nil || !bytes.Equal(data, big) {
		t.Fatalf("read-through: %d bytes, %v", len(data), err)
	}
	ranged := minio.GetObjectOptions{}
	ranged.SetRange(100_000, 200_000)
	if obj, err = f.mainClient.GetObject(ctx, "data", "big/one", ranged); err != nil {
		t.Fatal(err)
	}
	if data, err = io.ReadAll(obj); err != nil || !bytes.Equal(data, big[100_000:200_001]) {
		t.Fatalf("ranged read-through: %d bytes, %v", len(data), err)
	}
	// A listing reports the tier as the storage class.
	for o := range f.mainClient.ListObjects(ctx, "data", minio.ListObjectsOptions{Prefix: "big/one"}) {
		if o.Err != nil || o.StorageClass != "WARM" {
			t.Fatalf("listing: %+v", o)
		}
	}

	days := 1
	if err := f.mainClient.RestoreObject(ctx, "data", "big/one", "", minio.RestoreRequest{Days: &days}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the restore", 30*time.Second, func() bool {
		info, err := f.mainClient.StatObject(ctx, "data", "big/one", minio.StatObjectOptions{})
		return err == nil && info.Restore != nil && !info.Restore.OngoingRestore && !info.Restore.ExpiryTime.IsZero()
	})
	// The restored copy is served even with the tier down.
	f.tier.stop()
	if obj, err = f.mainClient.GetObject(ctx, "data", "big/one", minio.GetObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if data, err = io.ReadAll(obj); err != nil || !bytes.Equal(data, big) {
		t.Fatalf("restored copy: %d bytes, %v", len(data), err)
	}
	// Once the copy expires, a read needs the tier again: with the tier
	// down it fails with 503, and nothing is lost.
	waitFor(t, "the restored copy to expire", 30*time.Second, func() bool {
		info, err := f.mainClient.StatObject(ctx, "data", "big/one", minio.StatObjectOptions{})
		return err == nil && info.Restore == nil
	})
	resp, err := http.Get(presign(t, f.mainClient, "data", "big/one"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("GET with the tier down: %d", resp.StatusCode)
	}
	f.tier.start()
	if obj, err = f.mainClient.GetObject(ctx, "data", "big/one", minio.GetObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if data, err = io.ReadAll(obj); err != nil || !bytes.Equal(data, big) {
		t.Fatalf("read-through after the tier came back: %d bytes, %v", len(data), err)
	}

	if err := f.mainClient.RemoveObject(ctx, "data", "big/one", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the remote copy to be deleted", 60*time.Second, func() bool { return f.remoteObjects(ctx) == 0 })
}

func presign(t *testing.T, mc *minio.Client, bucket, key string) string {
	t.Helper()
	u, err := mc.PresignedGetObject(context.Background(), bucket, key, time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	return u.String()
}

// TestLifecycleTierDownDuringTransition: while the tier is unreachable
// nothing moves and nothing is lost; once it is back the transition is
// retried and succeeds.
func TestLifecycleTierDownDuringTransition(t *testing.T) {
	f := newTierFixture(t, "retry")
	ctx := ctx(t)
	big := pattern(200<<10, 3)
	f.tier.stop()
	if _, err := f.mainClient.PutObject(ctx, "retry", "big/x", bytes.NewReader(big), int64(len(big)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(6 * time.Second) // three lifecycle days: the transition is due and tried
	if sc := f.storageClass(ctx, "retry", "big/x"); sc == "WARM" {
		t.Fatal("moved to a tier that is down")
	}
	obj, err := f.mainClient.GetObject(ctx, "retry", "big/x", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if data, err := io.ReadAll(obj); err != nil || !bytes.Equal(data, big) {
		t.Fatalf("local copy while the tier is down: %d bytes, %v", len(data), err)
	}
	f.tier.start()
	waitFor(t, "the retried transition", 30*time.Second, func() bool { return f.storageClass(ctx, "retry", "big/x") == "WARM" })
	if obj, err = f.mainClient.GetObject(ctx, "retry", "big/x", minio.GetObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if data, err := io.ReadAll(obj); err != nil || !bytes.Equal(data, big) {
		t.Fatalf("after the retry: %d bytes, %v", len(data), err)
	}
}

// TestLifecycleMinioPy: minio-py's lifecycle calls against kura with
// their effect: an expiration rule set with set_bucket_lifecycle removes
// objects, and a transition rule moves one to a tier it then reads back.
func TestLifecycleMinioPy(t *testing.T) {
	python, env := minioPy(t)
	f := newTierFixture(t, "pyprep")
	script := `
import io, sys, time
from minio import Minio
from minio.commonconfig import ENABLED, Filter
from minio.lifecycleconfig import LifecycleConfig, Rule, Expiration, Transition
addr, ak, sk = sys.argv[1:4]
c = Minio(addr, access_key=ak, secret_key=sk, secure=False)
c.make_bucket("py-lc")
c.set_bucket_lifecycle("py-lc", LifecycleConfig([
    Rule(ENABLED, rule_filter=Filter(prefix="documents/"), rule_id="rule1", transition=Transition(days=30, storage_class="GLACIER")),
    Rule(ENABLED, rule_filter=Filter(prefix="tmp/"), rule_id="tmp", expiration=Expiration(days=1)),
    Rule(ENABLED, rule_filter=Filter(prefix="big/"), rule_id="warm", transition=Transition(days=1, storage_class="WARM")),
]))
cfg = c.get_bucket_lifecycle("py-lc")
assert [r.rule_id for r in cfg.rules] == ["rule1", "tmp", "warm"], cfg.rules
c.put_object("py-lc", "tmp/a", io.BytesIO(b"a"), 1)
big = bytes(range(256)) * 1024
c.put_object("py-lc", "big/b", io.BytesIO(big), len(big))
deadline = time.time() + 40
gone = moved = False
while time.time() < deadline and not (gone and moved):
    time.sleep(0.5)
    try:
        c.stat_object("py-lc", "tmp/a")
    except Exception:
        gone = True
    # minio-py reports the storage class in listings, not in stat_object.
    moved = [o.storage_class for o in c.list_objects("py-lc", prefix="big/b")] == ["WARM"]
assert gone, "tmp/a did not expire"
assert moved, "big/b did not move to WARM"
assert c.get_object("py-lc", "big/b").read() == big
c.delete_bucket_lifecycle("py-lc")
assert c.get_bucket_lifecycle("py-lc") is None
print("ok")
`
	cmd := exec.Command(python, "-c", script, f.main.addr, f.main.accessKey, f.main.secretKey)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("minio-py: %v\n%s", err, out)
	}
}
