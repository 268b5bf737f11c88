package integration

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

var (
	gwmodelSeed     = flag.Uint64("gwmodel.seed", 0, "seed of TestGatewaysModel (0: a random one, printed)")
	gwmodelOps      = flag.Int("gwmodel.ops", 400, "operations TestGatewaysModel issues (ignored with -gwmodel.duration)")
	gwmodelDuration = flag.Duration("gwmodel.duration", 0, "run TestGatewaysModel this long instead of -gwmodel.ops operations, killing a gateway every quarter")
)

// The key space of the model run: a few keys in an unversioned and a
// versioned bucket, so that operations collide.
const (
	gwmPlain     = "gwm"
	gwmVersioned = "gwmv"
	gwmKeys      = 6
	gwmWorkers   = 6
	// gwmMinSize is the smallest body, so that a range starting below it
	// is always satisfiable.
	gwmMinSize = 64
	// gwmUnknownGrace is how long after a request failed without an S3
	// answer its effect may still land (a killed gateway's COMMIT already
	// on its way to PostgreSQL).
	gwmUnknownGrace = 2 * time.Second
)

type gwmStatus int

const (
	gwmPending gwmStatus = iota
	gwmOK                // acknowledged: it happened
	gwmFailed            // an S3 error answer: it did not happen
	gwmUnknown           // no answer, or a server error: it may have happened
)

func (s gwmStatus) String() string {
	return [...]string{"pending", "ok", "failed", "unknown"}[s]
}

// gwmObs is what a read saw of a key.
type gwmObs int

const (
	obsNone    gwmObs = iota // nothing to check
	obsValue                 // the value val (0: absent)
	obsPresent               // some value, which one unknown (a losing create-only PUT)
)

// gwmOp is one operation on one key in the history. Operations on several
// keys (listings, DeleteObjects) are recorded as one gwmOp per key with
// the same interval.
type gwmOp struct {
	id          int
	worker, gw  int
	kind        string
	bucket, key string
	inv, end    int64 // logical times: invocation, and answer (or answer + grace when unknown)
	status      gwmStatus
	write       bool // a write of the key's current value: val, 0 for a delete
	val         int
	obs         gwmObs
	vid         string // version id made by a write
	target      string // version id a version GET or delete names
	pinned      bool   // a version a version delete relies on: never deleted
	targeted    bool   // a version some version delete names
	casualty    bool   // failed because its gateway was killed
	err         string
	note        string // what is wrong with the answer itself
	// listedVersions, for a version listing: version id -> value (0: a
	// delete marker); latest is the value listed as the latest.
	listedVersions map[string]int
}

func (o *gwmOp) String() string {
	end := "…"
	if o.status != gwmPending {
		end = fmt.Sprint(o.end)
	}
	s := fmt.Sprintf("#%d [%d,%s] w%d gw%d %-14s %-7s", o.id, o.inv, end, o.worker, o.gw, o.kind, o.status)
	if o.write {
		s += " writes " + gwmValueName(o.val)
	}
	switch o.obs {
	case obsValue:
		s += " reads " + gwmValueName(o.val)
	case obsPresent:
		s += " reads present"
	}
	if o.vid != "" {
		s += " vid=" + o.vid
	}
	if o.target != "" {
		s += " target=" + o.target
	}
	if o.pinned {
		s += " pinned"
	}
	if o.casualty {
		s += " (gateway killed)"
	}
	if o.err != "" {
		s += " err=" + o.err
	}
	if o.note != "" {
		s += " !! " + o.note
	}
	return s
}

// gwmValue is one body written: its id, which the body starts with, its
// size and its parts' sizes when it is written by a multipart upload.
type gwmValue struct {
	id    int
	size  int
	parts []int
	etag  string
}

// gwmBody is value id's body: a header naming it, then bytes drawn from
// a generator seeded by the id, so that every value is different and can
// be rebuilt for comparison.
func gwmBody(id, size int) []byte {
	b := make([]byte, size)
	n := copy(b, fmt.Sprintf("gwm value %08d\n", id))
	var seed [32]byte
	copy(seed[:], fmt.Sprint(id))
	rand.NewChaCha8(seed).Read(b[n:])
	return b
}

func gwmETag(body []byte, parts []int) string {
	if len(parts) == 0 {
		sum := md5.Sum(body)
		return `"` + hex.EncodeToString(sum[:]) + `"`
	}
	var sums []byte
	for _, n := range parts {
		sum := md5.Sum(body[:n])
		sums = append(sums, sum[:]...)
		body = body[n:]
	}
	sum := md5.Sum(sums)
	return fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(sum[:]), len(parts))
}

// gwmHistory is everything the run did and saw, checked at the end.
type gwmHistory struct {
	clock    atomic.Int64
	requests atomic.Int64
	mu       sync.Mutex
	ops      []*gwmOp
	values   map[int]*gwmValue
	byETag   map[string]int
	late     sync.WaitGroup // unknown operations whose end is not set yet
}

func (h *gwmHistory) newValue(size int, parts []int) (*gwmValue, []byte) {
	h.mu.Lock()
	v := &gwmValue{id: len(h.values) + 1, size: size, parts: parts}
	h.values[v.id] = v
	h.mu.Unlock()
	body := gwmBody(v.id, size)
	v.etag = gwmETag(body, parts)
	h.mu.Lock()
	h.byETag[v.etag] = v.id
	h.mu.Unlock()
	return v, body
}

func (h *gwmHistory) begin(op *gwmOp) *gwmOp {
	h.mu.Lock()
	defer h.mu.Unlock()
	op.id = len(h.ops)
	op.inv = h.clock.Add(1)
	h.requests.Add(1)
	h.ops = append(h.ops, op)
	return op
}

// finish records op's answer. An operation without an S3 answer may
// still take effect for a moment, so its end comes after a grace.
func (h *gwmHistory) finish(op *gwmOp, st gwmStatus, errText string, casualty bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	op.status, op.err, op.casualty = st, errText, casualty
	if st != gwmUnknown {
		op.end = h.clock.Add(1)
		return
	}
	op.end = 1<<62 - 1
	h.late.Add(1)
	time.AfterFunc(gwmUnknownGrace, func() {
		h.mu.Lock()
		op.end = h.clock.Add(1)
		h.mu.Unlock()
		h.late.Done()
	})
}

// update changes a begun operation: others read the history meanwhile.
func (h *gwmHistory) update(f func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f()
}

func (h *gwmHistory) valueOfETag(etag string) (int, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	id, ok := h.byETag[etag]
	return id, ok
}

// gwmGateway is one gateway and a client of its current incarnation.
type gwmGateway struct {
	srv         *server
	client      atomic.Pointer[s3.Client]
	incarnation atomic.Int64
	down        atomic.Bool
	inFlight    atomic.Int64 // requests sent and not yet answered
}

type gwmRun struct {
	t        *testing.T
	seed     uint64
	h        *gwmHistory
	gws      []*gwmGateway
	issued   atomic.Int64
	multis   atomic.Int64 // multipart uploads started
	maxMulti int64
	// requestsRun is how many requests the random run made.
	requestsRun int64
	// unexpected counts error answers of gateways that were not killed.
	unexpected atomic.Int64
	errMu      sync.Mutex
	errSamples []string
}

// TestGatewaysModel: a seeded random run of concurrent clients against
// three gateways on one PostgreSQL, one gateway killed with SIGKILL and
// restarted midway, every answer checked against a model of S3. Each key
// is a register: a read returns the latest value acknowledged before it
// began or the value of a write overlapping it; a create-only PUT wins at
// most once between deletes; a version listing holds every acknowledged
// version not deleted; a body is always exactly the bytes of one write.
// An operation the kill cut off may or may not have happened. At the end
// every key, and every acknowledged version by its id, is read back.
// -gwmodel.seed repeats a run's choices (not its interleaving),
// -gwmodel.ops sets its length, -gwmodel.duration runs for a while.
func TestGatewaysModel(t *testing.T) {
	if testing.Short() {
		t.Skip("scale-out test skipped in -short mode")
	}
	seed := *gwmodelSeed
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("seed %d (rerun with -gwmodel.seed=%d)", seed, seed)
	servers, _ := gateways(t, 3)
	r := &gwmRun{t: t, seed: seed, h: &gwmHistory{values: map[int]*gwmValue{}, byETag: map[string]int{}}, maxMulti: 3}
	for _, s := range servers {
		g := &gwmGateway{srv: s}
		g.client.Store(noRetryClient(s))
		r.gws = append(r.gws, g)
	}
	c := ctx(t)
	admin := r.gws[0].client.Load()
	for _, b := range []string{gwmPlain, gwmVersioned} {
		if _, err := admin.CreateBucket(c, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := admin.PutBucketVersioning(c, &s3.PutBucketVersioningInput{Bucket: aws.String(gwmVersioned), VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	var deadline time.Time
	if *gwmodelDuration > 0 {
		deadline = start.Add(*gwmodelDuration)
		r.maxMulti = int64(*gwmodelDuration/time.Minute)*4 + 3
	}
	more := func() bool {
		if !deadline.IsZero() {
			return time.Now().Before(deadline)
		}
		return r.issued.Add(1) <= int64(*gwmodelOps)
	}
	var wg sync.WaitGroup
	for w := range gwmWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for more() {
				r.step(w, rng)
			}
		}()
	}
	kills := r.killer(seed, start, deadline)
	wg.Wait()
	elapsed := time.Since(start)

	r.requestsRun = r.h.requests.Load()
	r.h.late.Wait()
	r.final()
	r.h.late.Wait()
	r.check(kills, elapsed)
}

// killer kills a gateway with SIGKILL once half the operations are issued
// (with a duration, at every quarter of it), and restarts it.
func (r *gwmRun) killer(seed uint64, start, deadline time.Time) int {
	rng := rand.New(rand.NewPCG(seed, 1<<32))
	kills := 0
	var points []time.Time
	if !deadline.IsZero() {
		quarter := deadline.Sub(start) / 4
		points = []time.Time{start.Add(quarter), start.Add(2 * quarter), start.Add(3 * quarter)}
	}
	for {
		if deadline.IsZero() {
			for r.issued.Load() < int64(*gwmodelOps)/2 {
				time.Sleep(5 * time.Millisecond)
			}
		} else {
			if len(points) == 0 {
				return kills
			}
			time.Sleep(time.Until(points[0]))
			points = points[1:]
		}
		g := r.gws[rng.IntN(len(r.gws))]
		// Kill it in the middle of some requests, waiting a little for
		// a moment when several are in flight.
		for range 200 {
			if g.inFlight.Load() >= 3 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		g.down.Store(true)
		g.incarnation.Add(1)
		g.srv.kill9()
		kills++
		r.t.Logf("killed gateway %s after %d requests", g.srv.dir, r.h.requests.Load())
		time.Sleep(time.Duration(100+rng.IntN(400)) * time.Millisecond)
		g.srv.start()
		g.client.Store(noRetryClient(g.srv))
		g.incarnation.Add(1)
		g.down.Store(false)
		if deadline.IsZero() {
			return kills
		}
	}
}

// step does one random operation through one gateway: worker w's own
// gateway half of the time, any other time.
func (r *gwmRun) step(w int, rng *rand.Rand) {
	gw := w % len(r.gws)
	if rng.IntN(2) == 0 {
		gw = rng.IntN(len(r.gws))
	}
	bucket := gwmPlain
	if rng.IntN(2) == 0 {
		bucket = gwmVersioned
	}
	key := fmt.Sprintf("k%d", rng.IntN(gwmKeys))
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r.gws[gw].inFlight.Add(1)
	defer r.gws[gw].inFlight.Add(-1)
	o := &gwmCall{r: r, w: w, gw: gw, inc: r.gws[gw].incarnation.Load(), cl: r.gws[gw].client.Load(), bucket: bucket, key: key, rng: rng, c: c}
	switch n := rng.IntN(100); {
	case n < 18:
		o.put(gwmMinSize + rng.IntN(2000))
	case n < 25:
		o.put(64<<10 + 1 + rng.IntN(100<<10)) // a blob, not inline
	case n < 32:
		o.createOnly()
	case n < 34 && r.multis.Add(1) <= r.maxMulti:
		o.multipart()
	case n < 40:
		o.copy()
	case n < 47:
		o.delete()
	case n < 51:
		o.deleteMany()
	case n < 55:
		o.deleteVersion()
	case n < 70:
		o.get("")
	case n < 76:
		from := rng.IntN(gwmMinSize)
		o.get(fmt.Sprintf("bytes=%d-%d", from, from+rng.IntN(200<<10)))
	case n < 84:
		o.head()
	case n < 89:
		o.getVersion()
	case n < 94:
		o.list()
	default:
		o.listVersions()
	}
}

// gwmCall is one operation being made.
type gwmCall struct {
	r           *gwmRun
	w, gw       int
	inc         int64
	cl          *s3.Client
	bucket, key string
	rng         *rand.Rand
	c           context.Context
	// counted: an unexpected error of this request was counted already
	// (a listing settles one answer per key).
	counted bool
}

func (o *gwmCall) op(kind string) *gwmOp {
	return &gwmOp{worker: o.w, gw: o.gw, kind: kind, bucket: o.bucket, key: o.key}
}

// settle records how op ended: err nil is acknowledged; an S3 error
// answer below 500, or one of the codes in failed, means it did not
// happen; anything else may have happened. An error of a gateway that
// was not killed meanwhile is counted as unexpected unless the caller
// expects its code.
func (o *gwmCall) settle(op *gwmOp, err error, expected ...string) gwmStatus {
	h := o.r.h
	if err == nil {
		h.finish(op, gwmOK, "", false)
		return gwmOK
	}
	g := o.r.gws[o.gw]
	casualty := g.down.Load() || g.incarnation.Load() != o.inc
	code := apiCode(err)
	var re interface{ HTTPStatusCode() int }
	definite := errors.As(err, &re) && re.HTTPStatusCode() < 500 && code != ""
	if !casualty && !contains(expected, code) && !o.counted {
		o.counted = true
		o.r.unexpected.Add(1)
		o.r.sample(fmt.Sprintf("%s %s/%s via gateway %d: %v", op.kind, op.bucket, op.key, o.gw, err))
	}
	st := gwmUnknown
	if definite {
		st = gwmFailed
	}
	h.finish(op, st, errSummary(err), casualty)
	return st
}

func (r *gwmRun) sample(s string) {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	if len(r.errSamples) < 10 {
		r.errSamples = append(r.errSamples, s)
	}
}

func errSummary(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (o *gwmCall) put(size int) {
	v, body := o.r.h.newValue(size, nil)
	op := o.r.h.begin(&gwmOp{worker: o.w, gw: o.gw, kind: "PUT", bucket: o.bucket, key: o.key, write: true, val: v.id})
	out, err := o.cl.PutObject(o.c, &s3.PutObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(o.key), Body: bytes.NewReader(body)})
	if err == nil {
		o.acknowledged(op, aws.ToString(out.VersionId), aws.ToString(out.ETag), v)
	}
	o.settle(op, err)
}

// acknowledged notes what a write's answer says: the version it made,
// and the ETag, which must be the value's.
func (o *gwmCall) acknowledged(op *gwmOp, vid, etag string, v *gwmValue) {
	h := o.r.h
	h.update(func() {
		op.vid = vid
		if v != nil && etag != v.etag {
			op.note = fmt.Sprintf("answered ETag %s, want %s", etag, v.etag)
			h.byETag[etag] = v.id
		}
	})
}

// createOnly is a PUT with If-None-Match: *: it wins, or the key was
// there.
func (o *gwmCall) createOnly() {
	v, body := o.r.h.newValue(gwmMinSize+o.rng.IntN(500), nil)
	op := o.r.h.begin(&gwmOp{worker: o.w, gw: o.gw, kind: "PUT-IF-ABSENT", bucket: o.bucket, key: o.key, write: true, val: v.id})
	out, err := o.cl.PutObject(o.c, &s3.PutObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(o.key), Body: bytes.NewReader(body), IfNoneMatch: aws.String("*")})
	if err == nil {
		o.acknowledged(op, aws.ToString(out.VersionId), aws.ToString(out.ETag), v)
	}
	if o.settle(op, err, "PreconditionFailed", "ConditionalRequestConflict") == gwmFailed && apiCode(err) == "PreconditionFailed" {
		o.r.h.update(func() { op.obs = obsPresent })
	}
}

// multipart writes a 5 MiB part and a small one; only the completion is
// a write of the key.
func (o *gwmCall) multipart() {
	c := o.c
	parts := []int{5 << 20, gwmMinSize + o.rng.IntN(1000)}
	v, body := o.r.h.newValue(parts[0]+parts[1], parts)
	o.r.h.requests.Add(int64(1 + len(parts))) // the completion is counted as it begins
	up, err := o.cl.CreateMultipartUpload(c, &s3.CreateMultipartUploadInput{Bucket: aws.String(o.bucket), Key: aws.String(o.key)})
	if err != nil {
		o.settle(o.r.h.begin(o.op("MPU-CREATE")), err)
		return
	}
	var done []s3types.CompletedPart
	rest := body
	for i, n := range parts {
		p, err := o.cl.UploadPart(c, &s3.UploadPartInput{Bucket: aws.String(o.bucket), Key: aws.String(o.key), UploadId: up.UploadId, PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(rest[:n])})
		if err != nil {
			o.settle(o.r.h.begin(o.op("MPU-PART")), err)
			return
		}
		done = append(done, s3types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: p.ETag})
		rest = rest[n:]
	}
	op := o.r.h.begin(&gwmOp{worker: o.w, gw: o.gw, kind: "MPU-COMPLETE", bucket: o.bucket, key: o.key, write: true, val: v.id})
	out, err := o.cl.CompleteMultipartUpload(c, &s3.CompleteMultipartUploadInput{Bucket: aws.String(o.bucket), Key: aws.String(o.key), UploadId: up.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: done}})
	if err == nil {
		o.acknowledged(op, aws.ToString(out.VersionId), aws.ToString(out.ETag), v)
	}
	o.settle(op, err)
}

// copy copies another key, of either bucket, onto this one, pinned to the
// source value a HEAD saw by x-amz-copy-source-if-match, so that the value
// written is known.
func (o *gwmCall) copy() {
	srcBucket := gwmPlain
	if o.rng.IntN(2) == 0 {
		srcBucket = gwmVersioned
	}
	srcKey := fmt.Sprintf("k%d", o.rng.IntN(gwmKeys))
	if srcBucket == o.bucket && srcKey == o.key {
		return
	}
	src := &gwmCall{r: o.r, w: o.w, gw: o.gw, inc: o.inc, cl: o.cl, bucket: srcBucket, key: srcKey, rng: o.rng, c: o.c}
	val, etag := src.head()
	if val <= 0 {
		return
	}
	op := o.r.h.begin(&gwmOp{worker: o.w, gw: o.gw, kind: "COPY", bucket: o.bucket, key: o.key, write: true, val: val, target: srcBucket + "/" + srcKey})
	out, err := o.cl.CopyObject(o.c, &s3.CopyObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(o.key), CopySource: aws.String(srcBucket + "/" + srcKey), CopySourceIfMatch: aws.String(etag)})
	if err == nil {
		o.acknowledged(op, aws.ToString(out.VersionId), "", nil)
	}
	o.settle(op, err, "PreconditionFailed", "NoSuchKey")
}

func (o *gwmCall) delete() {
	op := o.r.h.begin(&gwmOp{worker: o.w, gw: o.gw, kind: "DELETE", bucket: o.bucket, key: o.key, write: true})
	out, err := o.cl.DeleteObject(o.c, &s3.DeleteObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(o.key)})
	if err == nil {
		o.acknowledged(op, aws.ToString(out.VersionId), "", nil)
	}
	o.settle(op, err)
}

// deleteMany deletes two or three keys with one DeleteObjects.
func (o *gwmCall) deleteMany() {
	keys := map[string]*gwmOp{}
	var objs []s3types.ObjectIdentifier
	for range 2 + o.rng.IntN(2) {
		k := fmt.Sprintf("k%d", o.rng.IntN(gwmKeys))
		if _, dup := keys[k]; !dup {
			keys[k] = nil
			objs = append(objs, s3types.ObjectIdentifier{Key: aws.String(k)})
		}
	}
	h := o.r.h
	h.mu.Lock()
	inv := h.clock.Add(1)
	h.requests.Add(1)
	var ops []*gwmOp
	for _, obj := range objs {
		k := aws.ToString(obj.Key)
		op := &gwmOp{id: len(h.ops), inv: inv, worker: o.w, gw: o.gw, kind: "DELETE-OBJECTS", bucket: o.bucket, key: k, write: true}
		h.ops = append(h.ops, op)
		keys[k] = op
		ops = append(ops, op)
	}
	h.mu.Unlock()
	out, err := o.cl.DeleteObjects(o.c, &s3.DeleteObjectsInput{Bucket: aws.String(o.bucket), Delete: &s3types.Delete{Objects: objs}})
	if err != nil {
		for _, op := range ops {
			o.settle(op, err)
		}
		return
	}
	answered := map[string]bool{}
	for _, d := range out.Deleted {
		if op := keys[aws.ToString(d.Key)]; op != nil && !answered[op.key] {
			answered[op.key] = true
			o.acknowledged(op, aws.ToString(d.DeleteMarkerVersionId), "", nil)
			o.settle(op, nil)
		}
	}
	for _, op := range ops {
		if !answered[op.key] {
			why := "not in the answer"
			for _, e := range out.Errors {
				if aws.ToString(e.Key) == op.key {
					why = aws.ToString(e.Code)
				}
			}
			o.r.unexpected.Add(1)
			o.r.sample(fmt.Sprintf("DeleteObjects %s/%s via gateway %d: %s", op.bucket, op.key, o.gw, why))
			h.finish(op, gwmUnknown, why, false)
		}
	}
}

// deleteVersion deletes, for good, an acknowledged version of a versioned
// key that a later acknowledged version follows, and pins that later one
// so that no version delete takes it: the deleted version is never the
// latest, and the key's current value stays what it was.
func (o *gwmCall) deleteVersion() {
	if o.bucket != gwmVersioned {
		return
	}
	h := o.r.h
	h.mu.Lock()
	var versions []*gwmOp
	for _, op := range h.ops {
		if op.write && op.bucket == o.bucket && op.key == o.key && op.status == gwmOK && op.vid != "" && !op.targeted {
			versions = append(versions, op)
		}
	}
	var victim, witness *gwmOp
	for _, i := range o.rng.Perm(len(versions)) {
		v := versions[i]
		if v.pinned {
			continue
		}
		for _, w := range versions {
			if w.inv > v.end {
				victim, witness = v, w
				break
			}
		}
		if victim != nil {
			break
		}
	}
	if victim == nil {
		h.mu.Unlock()
		return
	}
	victim.targeted, witness.pinned = true, true
	h.mu.Unlock()
	op := h.begin(&gwmOp{worker: o.w, gw: o.gw, kind: "DELETE-VERSION", bucket: o.bucket, key: o.key, target: victim.vid})
	_, err := o.cl.DeleteObject(o.c, &s3.DeleteObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(o.key), VersionId: aws.String(victim.vid)})
	o.settle(op, err)
}

// identify names the value a read was served by its ETag and checks the
// bytes served are that value's: all of them, or those of the range
// from-to (to -1: the whole body). It returns -1 and why when they are not.
func (o *gwmCall) identify(etag string, data []byte, from, to int) (int, string) {
	h := o.r.h
	h.mu.Lock()
	id, ok := h.byETag[etag]
	v := h.values[id]
	h.mu.Unlock()
	if !ok {
		return -1, fmt.Sprintf("ETag %s of no value written", etag)
	}
	want := gwmBody(v.id, v.size)
	if to >= 0 {
		want = want[min(from, len(want)):min(to+1, len(want))]
	}
	if !bytes.Equal(data, want) {
		return -1, fmt.Sprintf("%d bytes for %d-%d that are not v%d's (%d bytes)", len(data), from, to, id, v.size)
	}
	return id, ""
}

// get reads the key, whole or a range of it.
func (o *gwmCall) get(rng string) {
	kind := "GET"
	var in = &s3.GetObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(o.key)}
	from, to := 0, -1
	if rng != "" {
		kind = "GET-RANGE"
		in.Range = aws.String(rng)
		fmt.Sscanf(rng, "bytes=%d-%d", &from, &to)
	}
	op := o.r.h.begin(o.op(kind))
	o.read(op, in, from, to, "NoSuchKey")
}

// read runs a GET and records the value it served: 0 for NoSuchKey (or
// NoSuchVersion), -1 for bytes of no write.
func (o *gwmCall) read(op *gwmOp, in *s3.GetObjectInput, from, to int, absent string) {
	out, err := o.cl.GetObject(o.c, in)
	val, note := 0, ""
	if err == nil {
		var data []byte
		data, err = io.ReadAll(out.Body)
		out.Body.Close()
		if err == nil {
			val, note = o.identify(aws.ToString(out.ETag), data, from, to)
		}
	}
	st := o.settle(op, err, absent)
	if st == gwmOK || apiCode(err) == absent {
		o.r.h.update(func() { op.obs, op.val, op.note = obsValue, val, note })
	}
}

// head reads the key's ETag; it returns the value (0: absent, -1: no
// answer or no value written) and the ETag.
func (o *gwmCall) head() (int, string) {
	op := o.r.h.begin(o.op("HEAD"))
	out, err := o.cl.HeadObject(o.c, &s3.HeadObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(o.key)})
	st := o.settle(op, err, "NotFound")
	if apiCode(err) == "NotFound" {
		o.r.h.update(func() { op.obs, op.val = obsValue, 0 })
		return 0, ""
	}
	if st != gwmOK {
		return -1, ""
	}
	etag := aws.ToString(out.ETag)
	val, note := -1, fmt.Sprintf("ETag %s of no value written", etag)
	if id, ok := o.r.h.valueOfETag(etag); ok {
		val, note = id, ""
	}
	o.r.h.update(func() { op.obs, op.val, op.note = obsValue, val, note })
	return val, etag
}

// getVersion reads an acknowledged version by its id.
func (o *gwmCall) getVersion() {
	if o.bucket != gwmVersioned {
		return
	}
	h := o.r.h
	h.mu.Lock()
	var versions []string
	for _, op := range h.ops {
		if op.write && op.val != 0 && op.bucket == o.bucket && op.key == o.key && op.status == gwmOK && op.vid != "" {
			versions = append(versions, op.vid)
		}
	}
	h.mu.Unlock()
	if len(versions) == 0 {
		return
	}
	o.readVersion(versions[o.rng.IntN(len(versions))])
}

func (o *gwmCall) readVersion(vid string) {
	op := o.r.h.begin(&gwmOp{worker: o.w, gw: o.gw, kind: "GET-VERSION", bucket: o.bucket, key: o.key, target: vid})
	o.read(op, &s3.GetObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(o.key), VersionId: aws.String(vid)}, 0, -1, "NoSuchVersion")
}

// list lists the bucket: a read of every key.
func (o *gwmCall) list() {
	ops := o.beginAll("LIST")
	out, err := o.cl.ListObjectsV2(o.c, &s3.ListObjectsV2Input{Bucket: aws.String(o.bucket)})
	listed := map[string]int{}
	if err == nil {
		for _, obj := range out.Contents {
			id, ok := o.r.h.valueOfETag(aws.ToString(obj.ETag))
			if !ok {
				id = -1
			}
			listed[aws.ToString(obj.Key)] = id
		}
	}
	for _, op := range ops {
		if o.settle(op, err) == gwmOK {
			o.r.h.update(func() { op.obs, op.val = obsValue, listed[op.key] })
		}
	}
}

// listVersions lists every version of the versioned bucket, in pages of
// a random size: a read of every key's latest value, and of its versions.
func (o *gwmCall) listVersions() {
	o.bucket = gwmVersioned
	ops := o.beginAll("LIST-VERSIONS")
	byKey := map[string]map[string]int{}
	latest := map[string]int{}
	var err error
	var keyMarker, vidMarker *string
	pageSize := int32(1000)
	if o.rng.IntN(3) == 0 {
		pageSize = int32(1 + o.rng.IntN(20))
	}
	for {
		var out *s3.ListObjectVersionsOutput
		out, err = o.cl.ListObjectVersions(o.c, &s3.ListObjectVersionsInput{Bucket: aws.String(o.bucket), KeyMarker: keyMarker, VersionIdMarker: vidMarker, MaxKeys: aws.Int32(pageSize)})
		if err != nil {
			break
		}
		note := func(key, vid string, id int, isLatest bool) {
			if byKey[key] == nil {
				byKey[key] = map[string]int{}
			}
			byKey[key][vid] = id
			if isLatest {
				latest[key] = id
			}
		}
		for _, v := range out.Versions {
			id, ok := o.r.h.valueOfETag(aws.ToString(v.ETag))
			if !ok {
				id = -1
			}
			note(aws.ToString(v.Key), aws.ToString(v.VersionId), id, aws.ToBool(v.IsLatest))
		}
		for _, m := range out.DeleteMarkers {
			note(aws.ToString(m.Key), aws.ToString(m.VersionId), 0, aws.ToBool(m.IsLatest))
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		keyMarker, vidMarker = out.NextKeyMarker, out.NextVersionIdMarker
	}
	for _, op := range ops {
		if o.settle(op, err) == gwmOK {
			listed := byKey[op.key]
			if listed == nil {
				listed = map[string]int{}
			}
			o.r.h.update(func() { op.obs, op.val, op.listedVersions = obsValue, latest[op.key], listed })
		}
	}
}

// beginAll begins one operation per key of the bucket, at one time.
func (o *gwmCall) beginAll(kind string) []*gwmOp {
	h := o.r.h
	h.mu.Lock()
	defer h.mu.Unlock()
	inv := h.clock.Add(1)
	h.requests.Add(1)
	var ops []*gwmOp
	for i := range gwmKeys {
		op := &gwmOp{id: len(h.ops), inv: inv, worker: o.w, gw: o.gw, kind: kind, bucket: o.bucket, key: fmt.Sprintf("k%d", i)}
		h.ops = append(h.ops, op)
		ops = append(ops, op)
	}
	return ops
}

// final reads everything back through every gateway once the run is
// over: every key, both listings, and every acknowledged version by id.
func (r *gwmRun) final() {
	c := ctx(r.t)
	for gw, g := range r.gws {
		call := func(bucket, key string) *gwmCall {
			return &gwmCall{r: r, w: -1, gw: gw, inc: g.incarnation.Load(), cl: g.client.Load(), bucket: bucket, key: key, rng: rand.New(rand.NewPCG(r.seed, 7)), c: c}
		}
		for _, b := range []string{gwmPlain, gwmVersioned} {
			for k := range gwmKeys {
				call(b, fmt.Sprintf("k%d", k)).get("")
				call(b, fmt.Sprintf("k%d", k)).head()
			}
			call(b, "").list()
		}
		call(gwmVersioned, "").listVersions()
	}
	r.h.mu.Lock()
	var versions []*gwmOp
	for _, op := range r.h.ops {
		if op.write && op.val != 0 && op.bucket == gwmVersioned && op.status == gwmOK && op.vid != "" {
			versions = append(versions, op)
		}
	}
	r.h.mu.Unlock()
	for i, v := range versions {
		g := r.gws[i%len(r.gws)]
		call := &gwmCall{r: r, w: -1, gw: i % len(r.gws), inc: g.incarnation.Load(), cl: g.client.Load(), bucket: v.bucket, key: v.key, c: c}
		call.readVersion(v.vid)
	}
}

// gwmViolation is an answer the model does not allow.
type gwmViolation struct {
	key  string
	op   *gwmOp
	what string
}

// check decides the whole history, and on a violation prints the seed
// and the history of the key it concerns.
func (r *gwmRun) check(kills int, elapsed time.Duration) {
	t, h := r.t, r.h
	h.mu.Lock()
	defer h.mu.Unlock()
	byKey := map[string][]*gwmOp{}
	var keys []string
	for _, op := range h.ops {
		k := op.bucket + "/" + op.key
		if byKey[k] == nil {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], op)
	}
	sort.Strings(keys)
	var bad []gwmViolation
	for _, k := range keys {
		for _, what := range gwmCheckKey(byKey[k]) {
			bad = append(bad, gwmViolation{k, what.op, what.what})
		}
	}

	counts := map[string]map[gwmStatus]int{}
	var kinds []string
	casualties, inFlight := 0, 0
	for _, op := range h.ops {
		if counts[op.kind] == nil {
			counts[op.kind] = map[gwmStatus]int{}
			kinds = append(kinds, op.kind)
		}
		counts[op.kind][op.status]++
		if op.casualty {
			casualties++
			if op.err != "connection refused" {
				inFlight++ // sent before the kill, not refused after it
			}
		}
	}
	sort.Strings(kinds)
	var summary []string
	for _, k := range kinds {
		c := counts[k]
		summary = append(summary, fmt.Sprintf("%s %d ok/%d failed/%d unknown", k, c[gwmOK], c[gwmFailed], c[gwmUnknown]))
	}
	t.Logf("seed %d: %d requests in %v, then %d to read everything back; %d gateway kills; %d answers on %d keys checked (a listing answers for every key), %d cut off by a kill (%d of them in flight at the kill); %d unexpected errors; %d violations\n  %s",
		r.seed, r.requestsRun, elapsed.Round(time.Millisecond), h.requests.Load()-r.requestsRun, kills, len(h.ops), len(keys), casualties, inFlight, r.unexpected.Load(), len(bad), strings.Join(summary, "\n  "))

	if n := r.unexpected.Load(); n > 0 {
		t.Errorf("seed %d: %d error answers to requests from gateways that were not killed, such as:\n  %s", r.seed, n, strings.Join(r.errSamples, "\n  "))
	}
	shown := map[string]bool{}
	for i, v := range bad {
		if i >= 10 {
			t.Errorf("seed %d: %d more violations", r.seed, len(bad)-i)
			break
		}
		t.Errorf("seed %d: %s: %s\n  in %s", r.seed, v.key, v.what, v.op)
		if !shown[v.key] && len(shown) < 3 {
			shown[v.key] = true
			t.Errorf("seed %d: history of %s (logical time [invocation,answer]):\n%s", r.seed, v.key, gwmHistoryText(byKey[v.key], v.op))
		}
	}
}

// gwmHistoryText is a key's history around op: all of it when short.
func gwmHistoryText(ops []*gwmOp, around *gwmOp) string {
	at := 0
	for i, op := range ops {
		if op == around {
			at = i
		}
	}
	from, to := max(0, at-150), min(len(ops), at+50)
	var b strings.Builder
	if from > 0 {
		fmt.Fprintf(&b, "  … %d earlier operations\n", from)
	}
	for _, op := range ops[from:to] {
		mark := "  "
		if op == around {
			mark = "=>"
		}
		fmt.Fprintf(&b, "%s %s\n", mark, op)
	}
	if to < len(ops) {
		fmt.Fprintf(&b, "  … %d later operations\n", len(ops)-to)
	}
	return b.String()
}

type gwmFinding struct {
	op   *gwmOp
	what string
}

// gwmCheckKey checks every answer about one key against its writes.
func gwmCheckKey(ops []*gwmOp) []gwmFinding {
	var writes, winners []*gwmOp
	for _, op := range ops {
		if op.write && op.status != gwmFailed {
			writes = append(writes, op)
		}
		if op.kind == "PUT-IF-ABSENT" && op.status == gwmOK {
			winners = append(winners, op)
		}
	}
	deletes := gwmVersionDeletes(ops)
	var found []gwmFinding
	bad := func(op *gwmOp, format string, args ...any) {
		found = append(found, gwmFinding{op, fmt.Sprintf(format, args...)})
	}
	for _, op := range ops {
		if op.note != "" {
			bad(op, "%s", op.note)
			continue
		}
		if op.status != gwmOK && !(op.status == gwmFailed && op.obs != obsNone) {
			continue
		}
		switch {
		case op.kind == "GET-VERSION":
			if what := gwmCheckVersionRead(ops, deletes, op); what != "" {
				bad(op, "%s", what)
			}
		case op.obs == obsValue:
			if op.val < 0 {
				bad(op, "served something no write wrote")
			} else if allowed := gwmAllowed(writes, op); !allowed[op.val] {
				bad(op, "read %s; the model allows %s", gwmValueName(op.val), gwmAllowedText(allowed))
			}
		case op.obs == obsPresent:
			allowed := gwmAllowed(writes, op)
			present := false
			for v := range allowed {
				present = present || v != 0
			}
			if !present {
				bad(op, "create-only PUT refused as if the key existed; the model allows only %s", gwmAllowedText(allowed))
			}
		}
		if op.kind == "PUT-IF-ABSENT" && op.status == gwmOK {
			if allowed := gwmAllowed(writes, op); !allowed[0] {
				bad(op, "create-only PUT won while the key existed: the model allows only %s", gwmAllowedText(allowed))
			}
		}
		if op.listedVersions != nil {
			for _, what := range gwmCheckVersionListing(ops, deletes, op) {
				bad(op, "%s", what)
			}
		}
	}
	// At most one create-only winner between deletes.
	for i, a := range winners {
		for _, b := range winners[i+1:] {
			if !gwmDeleteBetween(writes, a, b) && !gwmDeleteBetween(writes, b, a) {
				bad(b, "second create-only winner (the first is #%d) without a delete that could come between", a.id)
			}
		}
	}
	return found
}

// gwmAllowed is the set of values a read r may return (0: absent): the
// value of each write that may be the latest one done before r began, and
// of each write that may have happened during r. A write may be the
// latest done before r if it ended before r began and no acknowledged
// write began after it ended and ended before r began; a write cut off
// without an answer may have happened or not, so it never hides another.
func gwmAllowed(writes []*gwmOp, r *gwmOp) map[int]bool {
	allowed := map[int]bool{}
	var lastInv int64 = -1
	for _, w := range writes {
		if w != r && w.status == gwmOK && w.end < r.inv {
			lastInv = max(lastInv, w.inv)
		}
	}
	if lastInv < 0 {
		allowed[0] = true // nothing certainly written yet
	}
	for _, w := range writes {
		if w == r {
			continue
		}
		if w.end < r.inv {
			if w.end > lastInv {
				allowed[w.val] = true
			}
		} else if w.inv < r.end {
			allowed[w.val] = true
		}
	}
	return allowed
}

// gwmDeleteBetween: some delete of the key may come after create-only
// winner a and before winner b.
func gwmDeleteBetween(writes []*gwmOp, a, b *gwmOp) bool {
	if a.inv >= b.end {
		return false
	}
	for _, d := range writes {
		if d.val == 0 && a.inv < d.end && d.inv < b.end {
			return true
		}
	}
	return false
}

// gwmVersionDeletes are the deletes, not refused, of each version.
func gwmVersionDeletes(ops []*gwmOp) map[string][]*gwmOp {
	ds := map[string][]*gwmOp{}
	for _, op := range ops {
		if op.kind == "DELETE-VERSION" && op.status != gwmFailed {
			ds[op.target] = append(ds[op.target], op)
		}
	}
	return ds
}

// gwmCheckVersionRead: a version read by id is that version's bytes, or
// missing only if a delete of it may have happened first.
func gwmCheckVersionRead(ops []*gwmOp, deletes map[string][]*gwmOp, r *gwmOp) string {
	var w *gwmOp
	for _, op := range ops {
		if op.write && op.status == gwmOK && op.vid == r.target {
			w = op
		}
	}
	if w == nil {
		return "read of a version no write made"
	}
	mayBeGone, gone := false, false
	for _, d := range deletes[r.target] {
		mayBeGone = mayBeGone || d.inv < r.end
		gone = gone || (d.status == gwmOK && d.end < r.inv)
	}
	switch {
	case r.val < 0:
		return "served something no write wrote"
	case r.val == 0 && !mayBeGone:
		return fmt.Sprintf("version %s (#%d) missing, never deleted", r.target, w.id)
	case r.val != 0 && r.val != w.val:
		return fmt.Sprintf("version %s read %s, it is %s", r.target, gwmValueName(r.val), gwmValueName(w.val))
	case r.val != 0 && gone:
		return fmt.Sprintf("version %s served after its delete was acknowledged", r.target)
	}
	return ""
}

// gwmCheckVersionListing: a listing of versions holds every version
// acknowledged before it began that no delete may have removed, with its
// value; none that an acknowledged delete removed before it began; and
// only versions that some write may have made.
func gwmCheckVersionListing(ops []*gwmOp, deletes map[string][]*gwmOp, l *gwmOp) []string {
	var found []string
	known := map[string]*gwmOp{}
	for _, w := range ops {
		if !w.write || w.status != gwmOK || w.vid == "" {
			continue
		}
		known[w.vid] = w
		got, listed := l.listedVersions[w.vid]
		mayBeGone, gone := false, false
		for _, d := range deletes[w.vid] {
			mayBeGone = mayBeGone || d.inv < l.end
			gone = gone || (d.status == gwmOK && d.end < l.inv)
		}
		switch {
		case w.end < l.inv && !mayBeGone && !listed:
			found = append(found, fmt.Sprintf("version %s of #%d (%s) not listed", w.vid, w.id, gwmValueName(w.val)))
		case listed && got != w.val:
			found = append(found, fmt.Sprintf("version %s of #%d listed as %s, it is %s", w.vid, w.id, gwmValueName(got), gwmValueName(w.val)))
		case listed && gone:
			found = append(found, fmt.Sprintf("version %s of #%d listed after its delete was acknowledged", w.vid, w.id))
		}
	}
	for vid, val := range l.listedVersions {
		if known[vid] != nil {
			continue
		}
		explained := false
		for _, w := range ops {
			explained = explained || (w.write && w.status == gwmUnknown && w.val == val && w.inv < l.end)
		}
		if !explained {
			found = append(found, fmt.Sprintf("listed version %s (%s) that no write made", vid, gwmValueName(val)))
		}
	}
	return found
}

func gwmValueName(v int) string {
	switch {
	case v == 0:
		return "absent"
	case v < 0:
		return "bytes of no write"
	}
	return fmt.Sprintf("v%d", v)
}

func gwmAllowedText(allowed map[int]bool) string {
	var vs []int
	for v := range allowed {
		vs = append(vs, v)
	}
	sort.Ints(vs)
	var names []string
	for _, v := range vs {
		names = append(names, gwmValueName(v))
	}
	return "{" + strings.Join(names, ", ") + "}"
}
