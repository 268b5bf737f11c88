package crash

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/kurastore/kura/sigv4"
)

const (
	logSource   = "crashlogsrc"
	logTarget   = "crashlogs"
	logWorkers  = 4
	logDelivery = "150ms" // deliveries run while the kills strike
	// requestIDField is the request id's place in a record split on
	// spaces (the time holds one).
	requestIDField = 6
)

// signedDo sends a request signed with c and returns its status and
// request id; err when it was not answered.
func signedDo(addr string, c sigv4.Credentials, method, path string, body []byte) (int, string, error) {
	req, err := http.NewRequest(method, "http://"+addr+path, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	h := sha256.Sum256(body)
	sigv4.SignRequest(req, c, "us-east-1", "s3", hex.EncodeToString(h[:]), time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, "", err
	}
	return resp.StatusCode, resp.Header.Get("x-amz-request-id"), nil
}

// TestKillNineAccessLog kills the server while requests on a bucket with
// access logging run and their records are delivered: every request
// answered before a kill is in the log objects after the restarts, once,
// and each client's requests in the order it made them.
func TestKillNineAccessLog(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 harness skipped in -short mode")
	}
	dir := t.TempDir()
	bin := buildKura(t, dir)
	key := make([]byte, 10)
	rand.Read(key)
	creds := sigv4.Credentials{AccessKey: "CRASH" + hex.EncodeToString(key[:5]), SecretKey: hex.EncodeToString(key)}
	s := &server{
		bin: bin, dir: filepath.Join(dir, "data"),
		env:  []string{"KURA_ROOT_USER=" + creds.AccessKey, "KURA_ROOT_PASSWORD=" + creds.SecretKey},
		args: []string{"--access-log-interval", logDelivery},
	}
	s.start(t)
	defer s.kill()
	setup := func(method, path, body string, want int) {
		t.Helper()
		status, _, err := signedDo(s.addr, creds, method, path, []byte(body))
		if err != nil || status != want {
			t.Fatalf("%s %s: %d %v", method, path, status, err)
		}
	}
	setup("PUT", "/"+logSource, "", 200)
	setup("PUT", "/"+logTarget, "", 200)
	setup("PUT", "/"+logTarget+"?policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::`+logTarget+`/*"}]}`, 204)
	setup("PUT", "/"+logSource+"?logging", `<BucketLoggingStatus><LoggingEnabled><TargetBucket>`+logTarget+`</TargetBucket><TargetPrefix>log/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>`, 200)

	// answered[w] are worker w's answered requests, in the order made.
	var mu sync.Mutex
	answered := make([][]string, logWorkers)
	rounds := eventKills()
	for round := range rounds {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range logWorkers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					method, body := "PUT", []byte("x")
					if n%2 == 1 {
						method, body = "GET", nil
					}
					_, id, err := signedDo(s.addr, creds, method, fmt.Sprintf("/%s/r%d-w%d-%d", logSource, round, w, n/2), body)
					if err != nil {
						return // the server is gone: the record may or may not be there
					}
					mu.Lock()
					answered[w] = append(answered[w], id)
					mu.Unlock()
				}
			}()
		}
		time.Sleep(time.Duration(100+randInt(600)) * time.Millisecond)
		s.kill()
		close(stop)
		wg.Wait()
		s.start(t)
	}
	checkAccessLog(t, s, creds, answered)
}

// checkAccessLog waits until every answered request's record is
// delivered, then checks that no record is there twice and that each
// worker's are in order.
func checkAccessLog(t *testing.T, s *server, creds sigv4.Credentials, answered [][]string) {
	t.Helper()
	mc, err := minio.New(s.addr, &minio.Options{Creds: miniocreds.NewStaticV4(creds.AccessKey, creds.SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	total := 0
	for _, ids := range answered {
		total += len(ids)
	}
	var order []string // every delivered record's request id, in log order
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		order = order[:0]
		for o := range mc.ListObjects(ctx, logTarget, minio.ListObjectsOptions{Prefix: "log/", Recursive: true}) {
			if o.Err != nil {
				t.Fatal(o.Err)
			}
			obj, err := mc.GetObject(ctx, logTarget, o.Key, minio.GetObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(obj)
			obj.Close()
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
				if f := strings.Fields(line); len(f) > 8 && f[1] == logSource {
					order = append(order, f[requestIDField])
				}
			}
		}
		seen := map[string]int{}
		for i, id := range order {
			if j, dup := seen[id]; dup {
				t.Fatalf("request %s is in the log twice (records %d and %d)", id, j, i)
			}
			seen[id] = i
		}
		missing := 0
		for _, ids := range answered {
			for _, id := range ids {
				if _, ok := seen[id]; !ok {
					missing++
				}
			}
		}
		if missing == 0 {
			for w, ids := range answered {
				for i := 1; i < len(ids); i++ {
					if seen[ids[i]] < seen[ids[i-1]] {
						t.Fatalf("worker %d: request %s is logged before %s, made earlier", w, ids[i], ids[i-1])
					}
				}
			}
			t.Logf("%d answered requests over %d kills, all logged once, in order (%d records in all)", total, eventKills(), len(order))
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d answered requests are not in the log", missing, total)
		}
	}
}
