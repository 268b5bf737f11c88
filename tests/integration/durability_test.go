package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestKillNineKeepsAcknowledgedWrites: every PUT that was answered 200
// survives kill -9 and reads back byte-identical with its metadata.
func TestKillNineKeepsAcknowledgedWrites(t *testing.T) {
	s := startServer(t)
	now := time.Now
	expectStatus(t, "create bucket", do(t, s.signed(t, "PUT", "/bkt", nil, s.secretKey, now())), 200)
	objects := map[string][]byte{"inline": []byte("small and inline"), "blob": pattern(2<<20, 5)}
	for k, data := range objects {
		req := s.signed(t, "PUT", "/bkt/"+k, data, s.secretKey, now())
		expectStatus(t, "put "+k, do(t, withSignedMeta(t, s, req, data)), 200)
	}
	s.kill9()
	s.start()
	for k, data := range objects {
		r := do(t, s.signed(t, "GET", "/bkt/"+k, nil, s.secretKey, now()))
		if r.status != 200 || !bytes.Equal(r.body, data) {
			t.Fatalf("%s after kill -9: %d, %d bytes", k, r.status, len(r.body))
		}
		if r.header.Get("X-Amz-Meta-Color") != "blue" || r.header.Get("Content-Type") != "text/x-kura" {
			t.Errorf("%s lost its metadata: %v", k, r.header)
		}
	}
}

// withSignedMeta re-signs req with metadata headers included.
func withSignedMeta(t *testing.T, s *server, req *http.Request, body []byte) *http.Request {
	r := s.signed(t, req.Method, strings.TrimPrefix(req.URL.String(), s.url()), body, s.secretKey, time.Now())
	r.Header.Set("X-Amz-Meta-Color", "blue")
	r.Header.Set("Content-Type", "text/x-kura")
	r.Header.Del("Authorization")
	return s.resign(t, r, body)
}

func TestGeneratedCredentialsPersist(t *testing.T) {
	s := startServer(t)
	s.env = nil // no KURA_ROOT_USER: kura must generate and keep credentials
	s.restart()
	path := filepath.Join(s.dir, "root-credentials.json")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode %v, want 0600", st.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	var creds struct{ AccessKey, SecretKey string }
	if err := json.Unmarshal(data, &creds); err != nil || len(creds.SecretKey) < 32 {
		t.Fatalf("credentials file: %v", err)
	}
	s.accessKey, s.secretKey = creds.AccessKey, creds.SecretKey
	expectStatus(t, "generated credentials work", do(t, s.signed(t, "PUT", "/bkt", nil, s.secretKey, time.Now())), 200)
	s.restart()
	expectStatus(t, "same credentials after restart", do(t, s.signed(t, "HEAD", "/bkt", nil, s.secretKey, time.Now())), 200)
}

func TestVirtualHostStyle(t *testing.T) {
	s := startServer(t, "--domain", "kura.test")
	expectStatus(t, "create bucket", do(t, s.signed(t, "PUT", "/vhost", nil, s.secretKey, time.Now())), 200)
	expectStatus(t, "put", do(t, s.signed(t, "PUT", "/vhost/key", []byte("by path"), s.secretKey, time.Now())), 200)
	// The same object addressed as vhost.kura.test/key, dialled to loopback.
	_, port, _ := net.SplitHostPort(s.addr)
	req := mustRequest(t, "GET", "http://vhost.kura.test:"+port+"/key", nil)
	req.Header.Set("X-Amz-Content-Sha256", sha256Hex(nil))
	req = s.resign(t, req, nil)
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx2 context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx2, network, s.addr)
	}}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	if resp.StatusCode != 200 || buf.String() != "by path" {
		t.Fatalf("virtual-host GET: %d %q", resp.StatusCode, buf.String())
	}
}

// TestKillNineDuringVersionedWrites: concurrent writers PUT versions of a
// few keys while kura is killed with SIGKILL. After a restart every
// acknowledged version is listed, reads back byte-identical, and the
// versions of each key are in the order their writes were acknowledged.
func TestKillNineDuringVersionedWrites(t *testing.T) {
	s := startServer(t)
	c := newAWSClient(s)
	bg := ctx(t)
	if _, err := c.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("vers")}); err != nil {
		t.Fatal(err)
	}
	_, err := c.PutBucketVersioning(bg, &s3.PutBucketVersioningInput{Bucket: aws.String("vers"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	if err != nil {
		t.Fatal(err)
	}
	type acked struct {
		key, vid   string
		data       []byte
		sent, done time.Time
	}
	var mu sync.Mutex
	var done []acked
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("k%d", w%3) // two writers share each key
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				data := []byte(fmt.Sprintf("writer %d write %d %s", w, i, strings.Repeat("x", (i%4)*30000)))
				sent := time.Now()
				out, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("vers"), Key: aws.String(key), Body: bytes.NewReader(data)})
				if err != nil {
					return // the server is gone
				}
				mu.Lock()
				done = append(done, acked{key, aws.ToString(out.VersionId), data, sent, time.Now()})
				mu.Unlock()
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	s.kill9()
	close(stop)
	wg.Wait()
	s.start()
	c = newAWSClient(s)
	if len(done) == 0 {
		t.Fatal("no write was acknowledged before the kill")
	}
	listed := map[string][]string{} // key → version ids, newest first
	var marker, vmarker *string
	for {
		page, err := c.ListObjectVersions(bg, &s3.ListObjectVersionsInput{Bucket: aws.String("vers"), KeyMarker: marker, VersionIdMarker: vmarker, MaxKeys: aws.Int32(100)})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Versions {
			listed[aws.ToString(v.Key)] = append(listed[aws.ToString(v.Key)], aws.ToString(v.VersionId))
		}
		if !aws.ToBool(page.IsTruncated) {
			break
		}
		marker, vmarker = page.NextKeyMarker, page.NextVersionIdMarker
	}
	position := map[string]int{}
	for key, ids := range listed {
		for i, id := range ids {
			position[key+"/"+id] = i
		}
	}
	for _, a := range done {
		pos, ok := position[a.key+"/"+a.vid]
		if !ok {
			t.Fatalf("acknowledged version %s of %s is not listed", a.vid, a.key)
		}
		// A write sent after another was acknowledged must be newer
		// (listed before it).
		for _, b := range done {
			if b.key == a.key && a.done.Before(b.sent) && position[b.key+"/"+b.vid] >= pos {
				t.Fatalf("%s: version %s, sent after %s was acknowledged, is listed as older", a.key, b.vid, a.vid)
			}
		}
		out, err := c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("vers"), Key: aws.String(a.key), VersionId: aws.String(a.vid)})
		if err != nil {
			t.Fatalf("version %s of %s: %v", a.vid, a.key, err)
		}
		got, _ := io.ReadAll(out.Body)
		out.Body.Close()
		if !bytes.Equal(got, a.data) {
			t.Fatalf("version %s of %s reads back different bytes", a.vid, a.key)
		}
	}
	t.Logf("%d acknowledged versions survived kill -9", len(done))
}
