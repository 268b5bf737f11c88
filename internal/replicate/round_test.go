package replicate_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/kuratest"
)

// holdingProxy forwards to a server but holds every request whose path
// contains hold until release is closed.
type holdingProxy struct {
	hold    string
	release chan struct{}
	proxy   *httputil.ReverseProxy
}

func (h *holdingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.Contains(r.URL.Path, h.hold) {
		<-h.release
	}
	h.proxy.ServeHTTP(w, r)
}

// A version's COMPLETED status is recorded as soon as it is replicated,
// not when the slowest change sent alongside it is done: the status
// writes of one round then overlap instead of following one another
// after it.
func TestStatusCompletesWithoutWaitingForTheRound(t *testing.T) {
	src, dst := kuratest.NewServer(t), kuratest.NewServer(t)
	versionedBucket(t, src, "src")
	versionedBucket(t, dst, "dst")
	u, _ := url.Parse(dst.URL)
	hp := &holdingProxy{hold: "/dst/slow", release: make(chan struct{}), proxy: httputil.NewSingleHostReverseProxy(u)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: hp}
	go hs.Serve(ln)
	released := false
	release := func() {
		if !released {
			released = true
			close(hp.release)
		}
	}
	t.Cleanup(func() { release(); hs.Close() })

	// Both objects exist before replication is set up, so that one
	// resync queues them together and one round sends them.
	ctx := context.Background()
	for _, key := range []string{"slow", "fast"} {
		if _, err := src.Client.PutObject(ctx, "src", key, strings.NewReader(key), int64(len(key)), client.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	arn := addTarget(t, src, dst, "src", "dst", "http://"+ln.Addr().String())
	replicateAll(t, src, "src", arn, nil)
	if err := src.ResyncReplication(ctx, "src", arn); err != nil {
		t.Fatal(err)
	}
	smc := minioClient(t, src)
	status := func(key string) string {
		st, err := smc.StatObject(ctx, "src", key, minio.StatObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return st.ReplicationStatus
	}
	waitFor(t, "fast to be COMPLETED while slow is held", func() bool { return status("fast") == "COMPLETED" })
	// A resync leaves the status a version had until its change is
	// carried out: "" here.
	if got := status("slow"); got == "COMPLETED" {
		t.Fatalf("slow is %q while its replication is held", got)
	}
	release()
	waitFor(t, "slow to be COMPLETED", func() bool { return status("slow") == "COMPLETED" })
}
