package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/jackc/pgx/v5"

	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/blob/dirstore"
	"github.com/kurastore/kura/internal/kms/localkms"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/pgstore"
	"github.com/kurastore/kura/internal/meta/pgstore/pgtest"
	"github.com/kurastore/kura/internal/object"
)

// gateways starts n kura servers on one PostgreSQL database and one
// shared blob directory, with the same root credentials and KMS master
// key: one namespace.
func gateways(t *testing.T, n int) ([]*server, *pgtest.Server) {
	t.Helper()
	return gatewaysEnv(t, n, nil)
}

// gatewaysEnv is gateways with environment variables for every gateway.
func gatewaysEnv(t *testing.T, n int, env []string) ([]*server, *pgtest.Server) {
	t.Helper()
	pg := pgtest.NewServer(t)
	conn := pg.NewDatabase(t)
	blobs := t.TempDir()
	access, secret := "AKGW"+strings.ToUpper(randomHex(6)), randomHex(20)
	kmsKey := localkms.NewSecret("gateway-key")
	iamKey := localkms.NewSecret("gateway-iam-key")
	var gws []*server
	for range n {
		s := &server{t: t, dir: t.TempDir(), accessKey: access, secretKey: secret, extra: []string{"--meta", conn, "--blobs", blobs}}
		s.env = append([]string{"KURA_ROOT_USER=" + access, "KURA_ROOT_PASSWORD=" + secret, "KURA_KMS_SECRET_KEY=" + kmsKey, "KURA_IAM_SECRET_KEY=" + iamKey}, env...)
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

// noRetryClient is an aws-sdk-go-v2 client of g that makes every request
// once: a failure is counted, not hidden by the SDK's retries.
func noRetryClient(g *server) *s3.Client {
	return s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(g.url()), UsePathStyle: true,
		Credentials:      awscreds.NewStaticCredentialsProvider(g.accessKey, g.secretKey, ""),
		RetryMaxAttempts: 1,
	})
}

// TestGatewaysConsistencyUnderLoad: more than 10,000 requests from 16
// concurrent clients spread over three gateways. Each client owns some
// keys and, after every acknowledged write or delete through one gateway,
// reads the key through a second and its ETag through a third, and now
// and then lists its keys through another: any answer other than the last
// acknowledged write is a stale read. All clients also write versions of
// a few shared keys of a versioned bucket, each version read back by id
// through another gateway; at the end the bucket's version listing must
// hold exactly the acknowledged versions. Then rounds of create-only
// (If-None-Match: *) and compare-and-swap (If-Match) PUT races, six
// contenders over three gateways each, must have exactly one winner, whose
// body a third gateway serves.
func TestGatewaysConsistencyUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("scale-out test skipped in -short mode")
	}
	gws, _ := gateways(t, 3)
	c := ctx(t)
	clients := make([]*s3.Client, len(gws))
	for i, g := range gws {
		clients[i] = noRetryClient(g)
	}
	for _, b := range []string{"load", "loadv"} {
		if _, err := clients[0].CreateBucket(c, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := clients[1].PutBucketVersioning(c, &s3.PutBucketVersioningInput{Bucket: aws.String("loadv"), VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}

	const (
		workers    = 16
		iterations = 135
		ownKeys    = 8
		sharedKeys = 4
	)
	var ops, stale, failed atomic.Int64
	report := func(format string, args ...any) {
		if failed.Add(1) <= 10 {
			t.Errorf(format, args...)
		}
	}
	type version struct{ key, id, etag string }
	var vmu sync.Mutex
	var versions []version
	final := make([]map[string]string, workers) // key -> ETag, of each worker's keys

	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 11))
			expect := map[string]string{}
			prefix := fmt.Sprintf("own/w%02d/", w)
			for i := range iterations {
				a, b, h := clients[(w+i)%3], clients[(w+i+1)%3], clients[(w+i+2)%3]
				key := fmt.Sprintf("%sk%d", prefix, i%ownKeys)
				if i%5 == 4 {
					ops.Add(2)
					if _, err := a.DeleteObject(c, &s3.DeleteObjectInput{Bucket: aws.String("load"), Key: aws.String(key)}); err != nil {
						report("DELETE %s: %v", key, err)
						continue
					}
					delete(expect, key)
					if _, err := getBody(t, b, "load", key); apiCode(err) != "NoSuchKey" {
						stale.Add(1)
						report("GET %s after its DELETE through another gateway: %v", key, err)
					}
				} else {
					body := []byte(fmt.Sprintf("%s %d %x", key, i, rng.Uint64()))
					if rng.IntN(12) == 0 {
						body = bytes.Repeat(body, 80<<10/len(body)+1) // a blob, not inline
					}
					ops.Add(3)
					out, err := a.PutObject(c, &s3.PutObjectInput{Bucket: aws.String("load"), Key: aws.String(key), Body: bytes.NewReader(body)})
					if err != nil {
						report("PUT %s: %v", key, err)
						continue
					}
					expect[key] = aws.ToString(out.ETag)
					if got, err := getBody(t, b, "load", key); err != nil || !bytes.Equal(got, body) {
						stale.Add(1)
						report("GET %s through another gateway after its PUT: %v", key, err)
					}
					head, err := h.HeadObject(c, &s3.HeadObjectInput{Bucket: aws.String("load"), Key: aws.String(key)})
					if err != nil || aws.ToString(head.ETag) != expect[key] {
						stale.Add(1)
						report("HEAD %s through a third gateway: %v", key, err)
					}
				}
				if i%10 == 9 {
					ops.Add(1)
					list, err := h.ListObjectsV2(c, &s3.ListObjectsV2Input{Bucket: aws.String("load"), Prefix: aws.String(prefix)})
					if err != nil {
						report("LIST %s: %v", prefix, err)
					} else {
						got := map[string]string{}
						for _, o := range list.Contents {
							got[aws.ToString(o.Key)] = aws.ToString(o.ETag)
						}
						if !maps.Equal(got, expect) {
							stale.Add(1)
							report("LIST %s through another gateway: %v, want %v", prefix, got, expect)
						}
					}
				}
				// A version of a key every client writes.
				vkey := fmt.Sprintf("v%d", i%sharedKeys)
				vbody := []byte(fmt.Sprintf("%d/%d", w, i))
				ops.Add(2)
				out, err := a.PutObject(c, &s3.PutObjectInput{Bucket: aws.String("loadv"), Key: aws.String(vkey), Body: bytes.NewReader(vbody)})
				if err != nil || aws.ToString(out.VersionId) == "" {
					report("versioned PUT %s: %v", vkey, err)
					continue
				}
				vmu.Lock()
				versions = append(versions, version{vkey, aws.ToString(out.VersionId), aws.ToString(out.ETag)})
				vmu.Unlock()
				got, err := b.GetObject(c, &s3.GetObjectInput{Bucket: aws.String("loadv"), Key: aws.String(vkey), VersionId: out.VersionId})
				if err != nil {
					stale.Add(1)
					report("GET version %s of %s through another gateway: %v", aws.ToString(out.VersionId), vkey, err)
					continue
				}
				data, err := io.ReadAll(got.Body)
				got.Body.Close()
				if err != nil || !bytes.Equal(data, vbody) {
					stale.Add(1)
					report("version %s of %s reads %q, want %q (%v)", aws.ToString(out.VersionId), vkey, data, vbody, err)
				}
			}
			final[w] = expect
		}()
	}
	wg.Wait()
	mixed := time.Since(start)

	// Every acknowledged version is listed, and nothing else.
	listed := map[string]string{}
	var keyMarker, vidMarker *string
	for {
		ops.Add(1)
		out, err := clients[2].ListObjectVersions(c, &s3.ListObjectVersionsInput{Bucket: aws.String("loadv"), KeyMarker: keyMarker, VersionIdMarker: vidMarker})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range out.Versions {
			listed[aws.ToString(v.Key)+"\x00"+aws.ToString(v.VersionId)] = aws.ToString(v.ETag)
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		keyMarker, vidMarker = out.NextKeyMarker, out.NextVersionIdMarker
	}
	lost := 0
	for _, v := range versions {
		if etag, ok := listed[v.key+"\x00"+v.id]; !ok || etag != v.etag {
			lost++
		}
	}
	if lost != 0 || len(listed) != len(versions) {
		t.Errorf("versions: %d acknowledged, %d listed, %d lost", len(versions), len(listed), lost)
	}
	// And the owned keys, listed whole through each gateway.
	want := map[string]string{}
	for _, m := range final {
		maps.Copy(want, m)
	}
	for i, cl := range clients {
		got := map[string]string{}
		p := s3.NewListObjectsV2Paginator(cl, &s3.ListObjectsV2Input{Bucket: aws.String("load")})
		for p.HasMorePages() {
			ops.Add(1)
			page, err := p.NextPage(c)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range page.Contents {
				got[aws.ToString(o.Key)] = aws.ToString(o.ETag)
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("final listing through gateway %d: %d keys, want %d", i, len(got), len(want))
		}
	}

	// Conditional races, four rounds at a time.
	const rounds, contenders = 160, 6
	var badRounds atomic.Int64
	race := func(round int) {
		key := fmt.Sprintf("race/%d", round)
		contend := func(phase string, condition func(*s3.PutObjectInput)) (winner int, etag string) {
			var mu sync.Mutex
			winner = -1
			wins := 0
			var who []string
			var rg sync.WaitGroup
			for i := range contenders {
				rg.Add(1)
				go func() {
					defer rg.Done()
					in := &s3.PutObjectInput{Bucket: aws.String("load"), Key: aws.String(key), Body: strings.NewReader(fmt.Sprintf("%s by %d, %s", key, i, phase))}
					condition(in)
					ops.Add(1)
					out, err := clients[i%3].PutObject(c, in)
					if err != nil {
						if code := apiCode(err); code != "PreconditionFailed" && code != "ConditionalRequestConflict" {
							report("losing conditional PUT of %s: %v", key, err)
						}
						return
					}
					mu.Lock()
					wins++
					winner, etag = i, aws.ToString(out.ETag)
					who = append(who, fmt.Sprintf("%d via gateway %d (ETag %s)", i, i%3, etag))
					mu.Unlock()
				}()
			}
			rg.Wait()
			if wins != 1 {
				badRounds.Add(1)
				report("%s, %s: %d winners of %d contenders: %v", key, phase, wins, contenders, who)
				return -1, ""
			}
			return winner, etag
		}
		// Every contender's body differs from every other's in both
		// phases, so each winning PUT changes the ETag.
		check := func(winner int, phase string) {
			ops.Add(1)
			got, err := getBody(t, clients[(winner+2)%3], "load", key)
			if want := fmt.Sprintf("%s by %d, %s", key, winner, phase); err != nil || string(got) != want {
				stale.Add(1)
				report("%s after the race reads %q, want %q (%v)", key, got, want, err)
			}
		}
		winner, etag := contend("If-None-Match: *", func(in *s3.PutObjectInput) { in.IfNoneMatch = aws.String("*") })
		if winner < 0 {
			return
		}
		check(winner, "If-None-Match: *")
		if winner, _ = contend("If-Match", func(in *s3.PutObjectInput) { in.IfMatch = aws.String(etag) }); winner >= 0 {
			check(winner, "If-Match")
		}
	}
	raceStart := time.Now()
	next := make(chan int)
	var rw sync.WaitGroup
	for range 4 {
		rw.Add(1)
		go func() {
			defer rw.Done()
			for r := range next {
				race(r)
			}
		}()
	}
	for r := range rounds {
		next <- r
	}
	close(next)
	rw.Wait()

	// Every blob write's record (W-key, internal/object/writing.go) went
	// with its commit.
	pg, err := pgx.Connect(c, gws[0].extra[1])
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close(c)
	var writing int
	if err := pg.QueryRow(c, "SELECT count(*) FROM kura_meta WHERE k >= 'W'::bytea AND k < 'X'::bytea").Scan(&writing); err != nil {
		t.Fatal(err)
	}
	if writing != 0 {
		t.Errorf("%d records of blob writes left after every write was answered", writing)
	}

	total := ops.Load()
	t.Logf("%d requests over 3 gateways (mixed phase %v with %d clients, %d race rounds %v): %d stale reads, %d of %d versions lost, %d races without exactly one winner, %d failures",
		total, mixed.Round(time.Millisecond), workers, 2*rounds, time.Since(raceStart).Round(time.Millisecond), stale.Load(), lost, len(versions), badRounds.Load(), failed.Load())
	if total < 10000 {
		t.Errorf("only %d requests, want at least 10,000", total)
	}
}

// TestGatewaysDisjointKeysDoNotSerialize: there is no global lock. While
// a transaction holds the metadata locks of key A (taken through a
// PostgreSQL store of its own, as a gateway in the middle of a commit of A
// would), writes, copies and deletes of other keys through every gateway
// complete, and a write of A through a gateway waits: PostgreSQL shows its
// advisory lock request waiting, and the write completes only after A's
// locks are released.
func TestGatewaysDisjointKeysDoNotSerialize(t *testing.T) {
	if testing.Short() {
		t.Skip("scale-out test skipped in -short mode")
	}
	gws, _ := gateways(t, 3)
	conn := gws[0].extra[1]
	c := ctx(t)
	clients := make([]*s3.Client, len(gws))
	for i, g := range gws {
		clients[i] = noRetryClient(g)
	}
	if _, err := clients[0].CreateBucket(c, &s3.CreateBucketInput{Bucket: aws.String("cont")}); err != nil {
		t.Fatal(err)
	}
	if _, err := clients[0].PutObject(c, &s3.PutObjectInput{Bucket: aws.String("cont"), Key: aws.String("A"), Body: strings.NewReader("old A")}); err != nil {
		t.Fatal(err)
	}

	store, err := pgstore.Open(c, conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	held, release := make(chan struct{}), make(chan struct{})
	holder := make(chan error, 1)
	go func() {
		holder <- store.Update(c, keyLocks(t, store, "cont", "A"), func(meta.Txn) error {
			close(held)
			<-release
			return nil
		})
	}()
	<-held

	// Disjoint keys, through every gateway, 48 writers at once, while A's
	// locks are held: none may wait for them. Were there a global lock,
	// these would block until release, which comes only after they end,
	// and the test would hang instead of passing.
	var wg sync.WaitGroup
	var failures atomic.Int64
	for i := range 48 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := clients[i%3]
			key := fmt.Sprintf("B%d", i)
			body := fmt.Sprintf("body of %s", key)
			if i%4 == 0 {
				body = strings.Repeat(body, 10000) // a blob
			}
			_, err := cl.PutObject(c, &s3.PutObjectInput{Bucket: aws.String("cont"), Key: aws.String(key), Body: strings.NewReader(body)})
			if err == nil && i%3 == 1 {
				_, err = cl.CopyObject(c, &s3.CopyObjectInput{Bucket: aws.String("cont"), Key: aws.String(key + "-copy"), CopySource: aws.String("cont/" + key)})
			}
			if err == nil && i%3 == 2 {
				_, err = cl.DeleteObject(c, &s3.DeleteObjectInput{Bucket: aws.String("cont"), Key: aws.String(key)})
			}
			if err != nil {
				failures.Add(1)
				t.Errorf("%s while A is locked: %v", key, err)
			}
		}()
	}
	wg.Wait()
	if failures.Load() != 0 {
		t.Fatalf("%d writes of other keys failed while A was locked", failures.Load())
	}
	// Reads of A itself take no lock either.
	if got, err := getBody(t, clients[1], "cont", "A"); err != nil || string(got) != "old A" {
		t.Fatalf("GET A while it is locked: %q, %v", got, err)
	}

	// A write of A waits for the lock.
	pg, err := pgx.Connect(c, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close(c)
	waitingLocks := func() int {
		var n int
		if err := pg.QueryRow(c, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := waitingLocks(); n != 0 {
		t.Fatalf("%d lock requests waiting before the write of A", n)
	}
	wroteA := make(chan error, 1)
	go func() {
		_, err := clients[2].PutObject(c, &s3.PutObjectInput{Bucket: aws.String("cont"), Key: aws.String("A"), Body: strings.NewReader("new A")})
		wroteA <- err
	}()
	for waitingLocks() == 0 {
		select {
		case err := <-wroteA:
			t.Fatalf("the write of A completed while its lock was held: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	select {
	case err := <-wroteA:
		t.Fatalf("the write of A completed while its lock was held: %v", err)
	default:
	}
	close(release)
	if err := <-holder; err != nil {
		t.Fatal(err)
	}
	if err := <-wroteA; err != nil {
		t.Fatalf("the write of A after release: %v", err)
	}
	if got, err := getBody(t, clients[0], "cont", "A"); err != nil || string(got) != "new A" {
		t.Fatalf("A after its write: %q, %v", got, err)
	}
}

// keyLocks returns the metadata locks a change of bucket/key holds while
// it commits, learnt from the object layer itself: a layer over store
// deletes the key, and the Update it asks for is recorded and not run.
func keyLocks(t *testing.T, store meta.Store, bucket, key string) []meta.Lock {
	t.Helper()
	rec := &lockRecorder{Store: store}
	l := object.New(rec, blob.Store(nil), object.Options{Shared: true})
	if _, err := l.DeleteObject(ctx(t), bucket, key, object.DeleteOptions{}); !errors.Is(err, errRecorded) {
		t.Fatalf("DeleteObject through the recorder: %v", err)
	}
	if len(rec.locks) == 0 {
		t.Fatal("DeleteObject took no locks")
	}
	return rec.locks
}

// lockRecorder is a meta.Store whose Update notes its locks and returns
// errRecorded without running anything.
type lockRecorder struct {
	meta.Store
	locks []meta.Lock
}

var errRecorded = errors.New("locks recorded")

func (r *lockRecorder) Update(_ context.Context, locks []meta.Lock, _ func(meta.Txn) error) error {
	r.locks = slices.Clone(locks)
	return errRecorded
}

// TestGatewayCollectorSparesAnotherGatewaysUpload: a gateway is in the
// middle of a PUT (half the body sent, its blob file in the shared
// directory) when another gateway's collector sweeps for orphans with a
// clock seven hours ahead, so that every blob is past the six-hour grace.
// The clock is the metadata store's, which gateways sharing it go by.
// The collector here runs in the test process, on its own PostgreSQL
// connection and its own view of the blob directory, as another gateway's
// would. It deletes a real orphan and leaves the blob being written; the
// PUT then completes and the object reads back through a third gateway.
func TestGatewayCollectorSparesAnotherGatewaysUpload(t *testing.T) {
	if testing.Short() {
		t.Skip("scale-out test skipped in -short mode")
	}
	gws, _ := gateways(t, 3)
	conn, blobDir := gws[0].extra[1], gws[0].extra[3]
	c := ctx(t)
	cl := noRetryClient(gws[0])
	if _, err := cl.CreateBucket(c, &s3.CreateBucketInput{Bucket: aws.String("slow")}); err != nil {
		t.Fatal(err)
	}
	store, err := pgstore.Open(c, conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	blobs, err := dirstore.Open(blobDir)
	if err != nil {
		t.Fatal(err)
	}
	collector := object.New(aheadStore{store, 7 * time.Hour}, blobs, object.Options{Shared: true})
	countBlobs := func() int {
		n := 0
		if err := blobs.Walk(c, func(blob.ID, time.Time) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Half of a 4 MiB body through gateway 0, then a pause.
	body := bytes.Repeat([]byte("slow upload "), 4<<20/12)
	pr, pw := io.Pipe()
	req, err := http.NewRequest(http.MethodPut, gws[0].url()+"/slow/big", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	req = gws[0].signedPayload(t, req, "UNSIGNED-PAYLOAD")
	answered := make(chan rawResponse, 1)
	go func() { answered <- do(t, req) }()
	half := len(body) / 2
	if _, err := pw.Write(body[:half]); err != nil {
		t.Fatal(err)
	}
	for countBlobs() == 0 { // the gateway has created its blob
		select {
		case r := <-answered:
			t.Fatalf("the PUT ended with half its body: %d %s", r.status, r.body)
		case <-time.After(10 * time.Millisecond):
		}
	}

	// A real orphan next to it, as a crash before a commit leaves.
	w, err := blobs.Create(c, blob.NewID())
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("orphan"))
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if n, err := collector.SweepOrphans(c); err != nil || n != 1 {
		t.Fatalf("sweep during another gateway's upload: %d deleted, %v; want the orphan only", n, err)
	}
	if n := countBlobs(); n != 1 {
		t.Fatalf("%d blobs after the sweep, want the one being written", n)
	}

	if _, err := pw.Write(body[half:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if r := <-answered; r.status != http.StatusOK {
		t.Fatalf("the PUT after the sweep: %d %s", r.status, r.body)
	}
	if got, err := getBody(t, noRetryClient(gws[2]), "slow", "big"); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("the object through another gateway: %d bytes, %v", len(got), err)
	}
	// Committed, it is referenced: the next sweep keeps it too.
	if n, err := collector.SweepOrphans(c); err != nil || n != 0 {
		t.Fatalf("sweep after the commit: %d deleted, %v", n, err)
	}
}

// aheadStore is a metadata store whose clock runs ahead of the database's.
type aheadStore struct {
	meta.Store
	ahead time.Duration
}

func (s aheadStore) Now(ctx context.Context) (time.Time, error) {
	now, err := s.Store.Now(ctx)
	return now.Add(s.ahead), err
}
