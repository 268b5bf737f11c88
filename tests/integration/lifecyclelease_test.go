package integration

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/kurastore/kura/admin"
)

// holderPid is the process id in a lifecycle lease holder's name, which
// kura server makes <hostname>-<pid>-<random>.
func holderPid(t *testing.T, holder string) int {
	t.Helper()
	parts := strings.Split(holder, "-")
	if len(parts) < 3 {
		t.Fatalf("lease holder %q is not <host>-<pid>-<random>", holder)
	}
	pid, err := strconv.Atoi(parts[len(parts)-2])
	if err != nil {
		t.Fatalf("lease holder %q: %v", holder, err)
	}
	return pid
}

// TestGatewaysLifecycleLease: three gateways on one PostgreSQL scan with
// one lease. Objects expire; the status names the holder, which is one
// of the gateways; once that gateway is killed, a survivor takes the
// lease over and expires what is written after.
func TestGatewaysLifecycleLease(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three gateways on PostgreSQL")
	}
	s := startGateways(t, 3, []string{"--lifecycle-day", lifecycleDay}, nil)
	ctx := ctx(t)
	mc := newMinioClient(t, s)
	if err := mc.MakeBucket(ctx, "lease", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	setRules(t, mc, "lease", expireAfter("tmp/", 1))
	put := func(keys ...string) {
		t.Helper()
		for _, key := range keys {
			if _, err := mc.PutObject(ctx, "lease", key, strings.NewReader(key), int64(len(key)), minio.PutObjectOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	expire := func(keys ...string) {
		t.Helper()
		waitFor(t, fmt.Sprint(keys, " to expire"), 45*time.Second, func() bool {
			for _, key := range keys {
				if !objectGone(ctx, mc, "lease", key) {
					return false
				}
			}
			return true
		})
	}
	status := func() admin.LifecycleStatus {
		t.Helper()
		var st admin.LifecycleStatus
		if err := json.Unmarshal([]byte(kuraAdmin(t, s, "lifecycle", "status", "--json")), &st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	put("tmp/a", "tmp/b", "keep/c")
	expire("tmp/a", "tmp/b")
	gateway := func(holder string) int {
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
	holder := status().Holder
	victim := gateway(holder)
	if out := kuraAdmin(t, s, "lifecycle", "status"); !strings.Contains(out, "scanner: "+holder+"\n") {
		t.Fatalf("the status does not name the holder %s:\n%s", holder, out)
	}
	s.gws[victim].kill9()
	var survivors []string
	for i, g := range s.gws {
		if i != victim {
			survivors = append(survivors, g.addr)
		}
	}
	s.proxy.setBackends(survivors)
	put("tmp/d", "tmp/e")
	// The dead holder's lease runs out (its term is 30 s) and a survivor
	// takes it.
	expire("tmp/d", "tmp/e")
	st := status()
	if st.Holder == "" || st.Holder == holder {
		t.Fatalf("after the holder died the status names holder %q (it was %q)", st.Holder, holder)
	}
	gateway(st.Holder) // a survivor: the dead gateway's cmd is gone
	if _, err := mc.StatObject(ctx, "lease", "keep/c", minio.StatObjectOptions{}); err != nil {
		t.Fatalf("an object no rule selects is gone: %v", err)
	}
	if len(st.Buckets) != 1 || st.Buckets[0].Actions["expire"] != 4 {
		t.Fatalf("status after the takeover: %+v", st)
	}
}

// TestLifecycleResumesAfterKill: a server alone on its store resumes its
// lifecycle scan at once after a crash. It is the only process that can
// open the store, so the lease it held before the crash is its own: it
// must not wait the lease's term (30 s) out as a gateway would wait out
// a dead peer's.
func TestLifecycleResumesAfterKill(t *testing.T) {
	if testGateways() > 1 {
		t.Skip("one server alone on its store")
	}
	s := startServer(t, "--lifecycle-day", "1s")
	ctx := ctx(t)
	mc := newMinioClient(t, s)
	if err := mc.MakeBucket(ctx, "resume", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	setRules(t, mc, "resume", expireAfter("", 1))
	if _, err := mc.PutObject(ctx, "resume", "a", strings.NewReader("a"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a to expire", 10*time.Second, func() bool { return objectGone(ctx, mc, "resume", "a") })
	s.kill9()
	s.start()
	mc = newMinioClient(t, s)
	if _, err := mc.PutObject(ctx, "resume", "b", strings.NewReader("b"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	// Two or three lifecycle days and a pass: well within the lease's
	// term, which a server waiting on its own dead lease would need.
	waitFor(t, "b to expire after the restart", 10*time.Second, func() bool { return objectGone(ctx, mc, "resume", "b") })
}
