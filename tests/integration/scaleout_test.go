package integration

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/kurastore/kura/internal/kms/localkms"
	"github.com/kurastore/kura/internal/meta/pgstore/pgtest"
)

// gateways starts n kura servers on one PostgreSQL database and one
// shared blob directory, with the same root credentials and KMS master
// key: one namespace.
func gateways(t *testing.T, n int) ([]*server, *pgtest.Server) {
	t.Helper()
	pg := pgtest.NewServer(t)
	conn := pg.NewDatabase(t)
	blobs := t.TempDir()
	access, secret := "AKGW"+strings.ToUpper(randomHex(6)), randomHex(20)
	kmsKey := localkms.NewSecret("gateway-key")
	var gws []*server
	for range n {
		s := &server{t: t, dir: t.TempDir(), accessKey: access, secretKey: secret, extra: []string{"--meta", conn, "--blobs", blobs}}
		s.env = []string{"KURA_ROOT_USER=" + access, "KURA_ROOT_PASSWORD=" + secret, "KURA_KMS_SECRET_KEY=" + kmsKey}
		s.start()
		t.Cleanup(s.stop)
		gws = append(gws, s)
	}
	return gws, pg
}

func getBody(t *testing.T, c *s3.Client, bucket, key string) ([]byte, error) {
	t.Helper()
	out, err := c.GetObject(ctx(t), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

// TestGatewaysShareOneNamespace: writes through one gateway are read and
// listed through the others at once; of concurrent create-only PUTs of a
// key through different gateways exactly one wins; versioned writes from
// every gateway keep every version; IAM and policy changes reach every
// gateway within a second; and after a gateway is killed the others keep
// serving everything it acknowledged.
func TestGatewaysShareOneNamespace(t *testing.T) {
	if testing.Short() {
		t.Skip("scale-out test skipped in -short mode")
	}
	gws, _ := gateways(t, 3)
	c := ctx(t)
	clients := make([]*s3.Client, len(gws))
	for i, g := range gws {
		clients[i] = newAWSClient(g)
	}
	if _, err := clients[0].CreateBucket(c, &s3.CreateBucketInput{Bucket: aws.String("shared")}); err != nil {
		t.Fatal(err)
	}

	// Read-your-writes across gateways: write through one, read and list
	// through the next, at once.
	stale := 0
	for i := range 300 {
		w, r := clients[i%3], clients[(i+1)%3]
		key := fmt.Sprintf("k%03d", i%50)
		body := []byte(fmt.Sprintf("value %d", i))
		if i%7 == 0 {
			body = bytes.Repeat(body, 10000) // a blob, not inline
		}
		if _, err := w.PutObject(c, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
		if got, err := getBody(t, r, "shared", key); err != nil || !bytes.Equal(got, body) {
			stale++
		}
	}
	list, err := clients[2].ListObjectsV2(c, &s3.ListObjectsV2Input{Bucket: aws.String("shared")})
	if err != nil || len(list.Contents) != 50 {
		t.Fatalf("listing through another gateway: %v, %d keys", err, len(list.Contents))
	}
	if stale != 0 {
		t.Fatalf("%d stale reads of 300", stale)
	}

	// Create-only races: exactly one winner per key.
	for round := range 20 {
		key := fmt.Sprintf("race-%d", round)
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := clients[i].PutObject(c, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String(key), Body: strings.NewReader(fmt.Sprint(i)), IfNoneMatch: aws.String("*")})
				if err == nil {
					mu.Lock()
					wins++
					mu.Unlock()
				} else if code := apiCode(err); code != "PreconditionFailed" && code != "ConditionalRequestConflict" {
					t.Errorf("losing create-only PUT: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("round %d: %d create-only PUTs won", round, wins)
		}
	}

	// Versioned writes from every gateway keep every version.
	clients[1].CreateBucket(c, &s3.CreateBucketInput{Bucket: aws.String("versions")})
	clients[1].PutBucketVersioning(c, &s3.PutBucketVersioningInput{Bucket: aws.String("versions"), VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}})
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 30 {
				if _, err := clients[i].PutObject(c, &s3.PutObjectInput{Bucket: aws.String("versions"), Key: aws.String("doc"), Body: strings.NewReader(fmt.Sprint(i, j))}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	vs, err := clients[0].ListObjectVersions(c, &s3.ListObjectVersionsInput{Bucket: aws.String("versions")})
	if err != nil || len(vs.Versions) != 90 {
		t.Fatalf("versions kept: %d of 90 (%v)", len(vs.Versions), err)
	}

	// IAM and bucket policy changes through one gateway reach the others.
	kuraAdmin(t, gws[0], "user", "add", "gwuser", "gwuser-secret")
	kuraAdmin(t, gws[0], "policy", "attach", "readonly", "--user", "gwuser")
	user := clientAs(gws[2], "gwuser", "gwuser-secret")
	within := func(what string, ok func() bool) {
		t.Helper()
		start := time.Now()
		for !ok() {
			if time.Since(start) > time.Second {
				t.Fatalf("%s did not reach the other gateway within 1 s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	within("a new user", func() bool {
		_, err := user.GetObject(c, &s3.GetObjectInput{Bucket: aws.String("shared"), Key: aws.String("k001")})
		return err == nil
	})
	anon := func(g *server) int {
		resp, err := http.Get(g.url() + "/shared/k001")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if anon(gws[1]) != http.StatusForbidden {
		t.Fatal("anonymous read allowed before any policy")
	}
	anonRead := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}]}`
	if _, err := clients[0].PutBucketPolicy(c, &s3.PutBucketPolicyInput{Bucket: aws.String("shared"), Policy: aws.String(anonRead)}); err != nil {
		t.Fatal(err)
	}
	within("a bucket policy", func() bool { return anon(gws[1]) == http.StatusOK })
	clients[2].DeleteBucketPolicy(c, &s3.DeleteBucketPolicyInput{Bucket: aws.String("shared")})
	within("a deleted bucket policy", func() bool { return anon(gws[1]) == http.StatusForbidden })

	// kill -9 one gateway in the middle of writes: what it acknowledged
	// is served by the others.
	acked := map[string][]byte{}
	var amu sync.Mutex
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			key, body := fmt.Sprintf("kill/%d", i), bytes.Repeat([]byte{byte(i)}, 1000*(i%100))
			if _, err := clients[0].PutObject(c, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
				return
			}
			amu.Lock()
			acked[key] = body
			amu.Unlock()
		}
	}()
	time.Sleep(700 * time.Millisecond)
	gws[0].kill9()
	close(stop)
	<-done
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged before the kill")
	}
	for key, body := range acked {
		if got, err := getBody(t, clients[1], "shared", key); err != nil || !bytes.Equal(got, body) {
			t.Fatalf("%s, acknowledged by the killed gateway: %v", key, err)
		}
	}
	t.Logf("%d writes acknowledged by the killed gateway, all served by the others", len(acked))
}

// TestGatewayPostgresRestart: while PostgreSQL is down requests fail with
// a server error, never a wrong answer (a 404 for an object that exists),
// and they succeed again by themselves once it is back.
func TestGatewayPostgresRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("scale-out test skipped in -short mode")
	}
	gws, pg := gateways(t, 1)
	cl := newAWSClient(gws[0])
	c := ctx(t)
	cl.CreateBucket(c, &s3.CreateBucketInput{Bucket: aws.String("pgb")})
	if _, err := cl.PutObject(c, &s3.PutObjectInput{Bucket: aws.String("pgb"), Key: aws.String("there"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	raw := func(method, key string) int {
		req := gws[0].signed(t, method, "/pgb/"+key, nil, gws[0].secretKey, time.Now())
		return do(t, req).status
	}
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPut} {
		if st := raw(m, "there"); st != http.StatusInternalServerError && st != http.StatusServiceUnavailable {
			t.Fatalf("%s while PostgreSQL is down: %d, want 500 or 503", m, st)
		}
	}
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		got, err := getBody(t, cl, "pgb", "there")
		if err == nil && string(got) == "x" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery after PostgreSQL came back: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := cl.PutObject(c, &s3.PutObjectInput{Bucket: aws.String("pgb"), Key: aws.String("after"), Body: strings.NewReader("y")}); err != nil {
		t.Fatalf("PUT after recovery: %v", err)
	}
}
