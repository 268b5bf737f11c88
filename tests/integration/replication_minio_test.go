package integration

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/tags"
)

// envMinio names a MinIO server binary for the tests that replicate to
// MinIO; without it they look for minio on PATH.
const envMinio = "KURA_TEST_MINIO"

// minioServer is a running MinIO server on a temp dir.
type minioServer struct {
	addr, accessKey, secretKey string
}

// startMinio starts MinIO on 127.0.0.1 with random root credentials, or
// skips the test when no MinIO binary is found.
func startMinio(t *testing.T) *minioServer {
	t.Helper()
	bin := os.Getenv(envMinio)
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("minio"); err != nil {
			t.Skipf("no MinIO server binary: set %s=/path/to/minio or put minio on PATH", envMinio)
		}
	}
	m := &minioServer{addr: freeAddr(t), accessKey: "MK" + strings.ToUpper(randomHex(9)), secretKey: randomHex(20)}
	cmd := exec.Command(bin, "server", "--quiet", "--address", m.addr, "--console-address", freeAddr(t), t.TempDir())
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+m.accessKey, "MINIO_ROOT_PASSWORD="+m.secretKey,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting MinIO %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + m.addr + "/minio/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return m
			}
		}
		select {
		case <-exited:
			t.Fatal("MinIO exited during start")
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("MinIO did not become ready")
		}
	}
}

func (m *minioServer) client(t *testing.T) *minio.Client {
	t.Helper()
	c, err := minio.New(m.addr, &minio.Options{Creds: miniocreds.NewStaticV4(m.accessKey, m.secretKey, ""), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sameVersionID reports whether a kura version id (32 hex digits) and
// the id MinIO shows for it (the same 128 bits as a dashed UUID) name
// the same version.
func sameVersionID(kura, minioID string) bool {
	return kura != "" && strings.EqualFold(kura, strings.ReplaceAll(minioID, "-", ""))
}

// TestReplicationToMinIO: a kura bucket replicates to a versioned MinIO
// bucket added with kura admin replicate add. A PUT, a multipart PUT
// (the same parts, so the same ETag), a change of tags and a delete
// marker arrive, with the source's version ids and times, and MinIO
// marks the versions REPLICA.
func TestReplicationToMinIO(t *testing.T) {
	m := startMinio(t)
	mmc := m.client(t)
	src := startServer(t)
	f := &replFixture{src: src, smc: newMinioClient(t, src)}
	ctx := ctx(t)
	if err := f.smc.MakeBucket(ctx, "src", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := f.smc.EnableVersioning(ctx, "src"); err != nil {
		t.Fatal(err)
	}
	if err := mmc.MakeBucket(ctx, "dst", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := mmc.EnableVersioning(ctx, "dst"); err != nil {
		t.Fatal(err)
	}
	out, err := kuraAdminOut(t, src, "replicate", "add", "src", "--endpoint", "http://"+m.addr, "--bucket", "dst",
		"--access-key", m.accessKey, "--secret-key", m.secretKey)
	if err != nil {
		t.Fatalf("replicate add: %v\n%s", err, out)
	}
	f.arn = strings.TrimSpace(out)
	f.replicateEverything(t)

	// A PUT.
	small, err := f.smc.PutObject(ctx, "src", "small.txt", strings.NewReader("to MinIO"), 8, minio.PutObjectOptions{
		ContentType: "text/plain", UserMetadata: map[string]string{"Color": "blue"},
	})
	if err != nil {
		t.Fatal(err)
	}
	// A multipart PUT: three parts of 5 MiB, 5 MiB and 1 MiB.
	big := make([]byte, 11<<20)
	rand.Read(big)
	multi, err := f.smc.PutObject(ctx, "src", "big.bin", bytes.NewReader(big), int64(len(big)), minio.PutObjectOptions{
		PartSize: 5 << 20, DisableContentSha256: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(multi.ETag, "-3") {
		t.Fatalf("the multipart PUT has ETag %q, not one of three parts", multi.ETag)
	}
	for _, w := range []minio.UploadInfo{small, multi} {
		waitFor(t, w.Key+" to be replicated", 30*time.Second, func() bool { return completed(ctx, f, w.Key) })
		sst, err := f.smc.StatObject(ctx, "src", w.Key, minio.StatObjectOptions{VersionID: w.VersionID})
		if err != nil {
			t.Fatal(err)
		}
		dst, err := mmc.StatObject(ctx, "dst", w.Key, minio.StatObjectOptions{})
		if err != nil {
			t.Fatalf("%s on MinIO: %v", w.Key, err)
		}
		if !sameVersionID(w.VersionID, dst.VersionID) {
			t.Errorf("%s: version %s on kura is %s on MinIO", w.Key, w.VersionID, dst.VersionID)
		}
		if dst.ReplicationStatus != "REPLICA" {
			t.Errorf("%s: MinIO says replication status %q, not REPLICA", w.Key, dst.ReplicationStatus)
		}
		if dst.ETag != sst.ETag || dst.Size != sst.Size || !dst.LastModified.Equal(sst.LastModified) {
			t.Errorf("%s: MinIO has ETag %s, %d bytes, modified %v; kura %s, %d bytes, modified %v",
				w.Key, dst.ETag, dst.Size, dst.LastModified, sst.ETag, sst.Size, sst.LastModified)
		}
	}
	st, err := mmc.StatObject(ctx, "dst", "small.txt", minio.StatObjectOptions{})
	if err != nil || st.ContentType != "text/plain" || st.UserMetadata["Color"] != "blue" {
		t.Errorf("small.txt on MinIO: type %q, metadata %v, %v", st.ContentType, st.UserMetadata, err)
	}
	obj, err := mmc.GetObject(ctx, "dst", "big.bin", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(obj); err != nil || !bytes.Equal(got, big) {
		t.Errorf("big.bin on MinIO: %d bytes, %v", len(got), err)
	}

	// A change of tags.
	tagSet, err := tags.NewTags(map[string]string{"stage": "replicated"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.smc.PutObjectTagging(ctx, "src", "small.txt", tagSet, minio.PutObjectTaggingOptions{VersionID: small.VersionID}); err != nil {
		t.Fatal(err)
	}
	minioVersion := func(id string) string {
		return id[:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:]
	}
	waitFor(t, "the tags on MinIO", 30*time.Second, func() bool {
		got, err := mmc.GetObjectTagging(ctx, "dst", "small.txt", minio.GetObjectTaggingOptions{VersionID: minioVersion(small.VersionID)})
		return err == nil && got.ToMap()["stage"] == "replicated" && len(got.ToMap()) == 1
	})

	// A delete marker.
	if err := f.smc.RemoveObject(ctx, "src", "small.txt", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	var marker minio.ObjectInfo
	for o := range f.smc.ListObjects(ctx, "src", minio.ListObjectsOptions{WithVersions: true, Prefix: "small.txt"}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		if o.IsDeleteMarker {
			marker = o
		}
	}
	if marker.VersionID == "" {
		t.Fatal("no delete marker on the source")
	}
	waitFor(t, "the delete marker on MinIO", 30*time.Second, func() bool {
		for o := range mmc.ListObjects(ctx, "dst", minio.ListObjectsOptions{WithVersions: true, Prefix: "small.txt"}) {
			if o.Err == nil && o.IsDeleteMarker && o.IsLatest && sameVersionID(marker.VersionID, o.VersionID) && o.LastModified.Equal(marker.LastModified) {
				return true
			}
		}
		return false
	})
	// The version under the marker is still there, the same.
	if _, err := mmc.StatObject(ctx, "dst", "small.txt", minio.StatObjectOptions{VersionID: minioVersion(small.VersionID)}); err != nil {
		t.Errorf("the version under the delete marker on MinIO: %v", err)
	}
	sts, err := adminFor(t, src).ReplicationStatus(context.Background(), "src")
	if err != nil || len(sts) != 1 || sts[0].Failed != 0 {
		t.Fatalf("status: %+v %v", sts, err)
	}
}
