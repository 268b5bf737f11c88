package modeltest

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/internal/blob/faultstore"
	"github.com/kurastore/kura/internal/manualclock"
	"github.com/kurastore/kura/internal/object"
)

var (
	flagSeed     = flag.Int64("model.seed", -1, "run only this seed")
	flagSeeds    = flag.Int("model.seeds", 3, "number of seeds to run")
	flagOps      = flag.Int("model.ops", 300, "operations per seed, over all workers")
	flagWorkers  = flag.Int("model.workers", 4, "concurrent workers")
	flagDuration = flag.Duration("model.duration", 0, "run fresh seeds until this much time has passed")
	flagLog      = flag.String("model.log", "", "append one line per seed to this file")
	flagGCRace   = flag.Bool("model.gcrace", false, "also collect during rounds with a clock ahead, past GCDelay, while readers read slowly")
)

func TestModel(t *testing.T) {
	var seeds []int64
	switch {
	case *flagSeed >= 0:
		seeds = []int64{*flagSeed}
	case *flagDuration > 0:
		// Seeds from the time, so that long runs explore new ground.
	default:
		for i := range *flagSeeds {
			seeds = append(seeds, int64(i+1))
		}
	}
	logf := func(string, ...any) {}
	if *flagLog != "" {
		f, err := os.OpenFile(*flagLog, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var mu sync.Mutex
		logf = func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(f, time.Now().UTC().Format(time.RFC3339)+" "+format+"\n", args...)
		}
	}
	var total struct{ seeds, ops, rounds, crashes, faultRounds, faultedOps, failures int64 }
	runOne := func(seed int64) bool {
		r := runSeed(seed, *flagOps, *flagWorkers)
		total.seeds++
		total.ops += r.ops.Load()
		total.rounds += r.rounds.Load()
		total.crashes += r.crashes.Load()
		total.faultRounds += r.faultRounds.Load()
		total.faultedOps += r.faultedOps.Load()
		result := "ok"
		if len(r.failures) > 0 {
			total.failures++
			result = "FAIL"
			msg := r.failures
			if len(msg) > 10 {
				msg = msg[:10]
			}
			t.Errorf("model test failed: seed %d, %d ops (rerun: go test ./internal/object/modeltest -run TestModel -model.seed=%d -model.ops=%d -model.workers=%d):\n%s",
				seed, *flagOps, seed, *flagOps, *flagWorkers, strings.Join(msg, "\n"))
			logf("seed=%d FAIL: %s", seed, strings.ReplaceAll(msg[0], "\n", " | "))
		}
		logf("seed=%d ops=%d rounds=%d crashes=%d faultRounds=%d faultedOps=%d gcDeleted=%d aheadDeleted=%d completes=%d multipartReads=%d result=%s",
			seed, r.ops.Load(), r.rounds.Load(), r.crashes.Load(), r.faultRounds.Load(), r.faultedOps.Load(), r.gcDeleted.Load(), r.aheadDeleted.Load(), r.completes.Load(), r.multipartReads.Load(), result)
		return len(r.failures) == 0
	}
	if *flagDuration > 0 {
		deadline := time.Now().Add(*flagDuration)
		base := time.Now().UnixNano() & (1<<40 - 1)
		for i := int64(0); time.Now().Before(deadline); i++ {
			runOne(base + i)
		}
	} else {
		for _, s := range seeds {
			runOne(s)
		}
	}
	logf("total: seeds=%d ops=%d rounds=%d crashes=%d faultRounds=%d faultedOps=%d failedSeeds=%d",
		total.seeds, total.ops, total.rounds, total.crashes, total.faultRounds, total.faultedOps, total.failures)
	t.Logf("seeds=%d ops=%d rounds=%d crashes=%d faultRounds=%d faultedOps=%d failedSeeds=%d",
		total.seeds, total.ops, total.rounds, total.crashes, total.faultRounds, total.faultedOps, total.failures)
}

// runSeed runs one seed and returns its run, whose failures are empty
// when the layer agreed with the model throughout.
func runSeed(seed int64, ops, workers int) *run {
	r := &run{
		seed: seed, workers: workers,
		rng:     rand.New(rand.NewPCG(uint64(seed), 0x5eed)),
		clk:     manualclock.New(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)),
		content: &contents{m: map[string][]byte{}},
		hist:    map[string]*history{},
		shared:  &sharedLog{writes: map[string]sharedWrite{}},
	}
	env, err := openEnv(vfs.NewCrashableMem(), newCrashBlobs(r.clk.Now), r.clk)
	if err != nil {
		r.fail("%v", err)
		return r
	}
	r.env = env
	if err := r.setup(); err != nil {
		r.fail("setup: %v", err)
		return r
	}
	defer func() { r.env.meta.Close() }()
	for r.ops.Load() < int64(ops) && !r.failed() {
		r.round()
		if r.failed() {
			return r
		}
		r.between()
	}
	if !r.failed() {
		r.finish()
	}
	return r
}

// setup creates one bucket per worker: never versioned, versioned, or
// with object lock.
func (r *run) setup() error {
	ctx := context.Background()
	for i := range r.workers {
		name := bucketName(i)
		m := &bucketModel{Name: name, Keys: map[string][]version{}, Uploads: map[string]*upload{}}
		kind := r.rng.IntN(3)
		if err := r.env.layer.CreateBucket(ctx, name, object.CreateBucketOptions{ObjectLock: kind == 2}); err != nil {
			return err
		}
		switch kind {
		case 1:
			if err := r.env.layer.SetBucketVersioning(ctx, name, object.VersioningConfig{Status: object.VersioningEnabled}); err != nil {
				return err
			}
			m.Versioning = object.VersioningEnabled
		case 2:
			m.Versioning, m.Lock = object.VersioningEnabled, true
		}
		r.ws = append(r.ws, &worker{r: r, id: i, rng: rand.New(rand.NewPCG(uint64(seed64(r.seed)), uint64(i+1))), m: m})
		for _, k := range keys {
			r.hist[name+"/"+k] = &history{}
		}
	}
	if err := r.env.layer.CreateBucket(ctx, sharedBucket, object.CreateBucketOptions{}); err != nil {
		return err
	}
	if err := r.env.layer.SetBucketVersioning(ctx, sharedBucket, object.VersioningConfig{Status: object.VersioningEnabled}); err != nil {
		return err
	}
	r.resetHistories()
	return nil
}

func seed64(s int64) uint64 { return uint64(s) * 0x9e3779b97f4a7c15 }

func (r *run) resetHistories() {
	for _, w := range r.ws {
		for _, k := range keys {
			r.hist[w.m.Name+"/"+k].reset(w.m.latestETag(k))
		}
	}
}

// faults are the blob faults a round may run under.
var faults = []faultstore.Fault{
	{Op: faultstore.Create, Err: faultstore.ErrNoSpace},
	{Op: faultstore.Write, After: 100, Err: faultstore.ErrIO},
	{Op: faultstore.Write, After: 2000, Err: faultstore.ErrNoSpace},
	{Op: faultstore.Write, After: 10, Short: true},
	{Op: faultstore.Commit, Err: faultstore.ErrIO},
	{Op: faultstore.Open, Err: faultstore.ErrIO},
	{Op: faultstore.Read, After: 500, Err: faultstore.ErrIO},
	{Op: faultstore.Delete, Err: faultstore.ErrIO},
}

// round runs every worker's operations concurrently, with a collector,
// under a fault or towards a crash.
func (r *run) round() {
	r.rounds.Add(1)
	if r.rng.IntN(5) == 0 {
		f := faults[r.rng.IntN(len(faults))]
		r.env.faults.Set(f)
		r.faultOn.Store(true)
		r.faultRounds.Add(1)
	}
	steps := make([]int, r.workers)
	for i := range steps {
		steps[i] = 4 + r.rng.IntN(12)
	}
	crashAt := -1
	crashPct := 0
	if r.rng.IntN(6) == 0 {
		crashAt = r.rng.IntN(steps[0] + 1)
		if r.rng.IntN(2) == 0 {
			crashPct = r.rng.IntN(101)
		}
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	for _, w := range r.ws {
		w.prev, w.inv, w.resp = nil, 0, 0
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range steps[w.id] {
				if w.id == 0 && i == crashAt {
					r.crash(crashPct)
				}
				if r.crashed.Load() || r.failed() {
					return
				}
				w.step()
			}
			if w.id == 0 && crashAt == steps[0] {
				r.crash(crashPct)
			}
		}()
	}
	var gcwg sync.WaitGroup
	gcwg.Add(1)
	go func() {
		defer gcwg.Done()
		r.collect(done)
	}()
	wg.Wait()
	close(done)
	gcwg.Wait()
	r.env.aheadClock.Set(time.Time{})
	r.env.faults.Clear()
	r.faultOn.Store(false)
	if r.crashed.Load() {
		r.recover()
	}
}

// collect drains the GC queue and sweeps orphans until done, as the
// collector would, but often.
func (r *run) collect(done chan struct{}) {
	for i := 0; ; i++ {
		select {
		case <-done:
			return
		default:
		}
		if r.crashed.Load() {
			return
		}
		ctx, cancel := ctxOp()
		n, _, err := r.env.layer.DrainQueue(ctx)
		r.gcDeleted.Add(int64(n))
		if err != nil && !r.faultOn.Load() {
			r.fail("collector: drain: %v", err)
		}
		if *flagGCRace {
			r.env.aheadClock.Advance(gcDelay + time.Millisecond)
			n, _, err := r.env.ahead.DrainQueue(ctx)
			r.gcDeleted.Add(int64(n))
			r.aheadDeleted.Add(int64(n))
			if err != nil && !r.faultOn.Load() {
				r.fail("collector ahead: drain: %v", err)
			}
			if i%4 == 3 {
				// Past the orphan grace: only the W-keys of the blobs the
				// other layer is writing keep them.
				r.env.aheadClock.Advance(orphanGrace + time.Minute)
				n, err := r.env.ahead.SweepOrphans(ctx)
				r.gcDeleted.Add(int64(n))
				r.aheadDeleted.Add(int64(n))
				if err != nil && !r.faultOn.Load() {
					r.fail("collector ahead: sweep: %v", err)
				}
			}
		}
		if i%4 == 0 {
			n, err := r.env.layer.SweepOrphans(ctx)
			r.gcDeleted.Add(int64(n))
			if err != nil && !r.faultOn.Load() {
				r.fail("collector: sweep: %v", err)
			}
		}
		cancel()
		time.Sleep(time.Millisecond)
	}
}

// recover reopens after a crash and finds, for each bucket, which of the
// two states its worker may have left (before or after the operation it
// had in flight) the layer holds.
func (r *run) recover() {
	if err := r.reopen(); err != nil {
		r.fail("reopen after crash: %v", err)
		return
	}
	ctx, cancel := ctxOp()
	defer cancel()
	for _, w := range r.ws {
		after := checkBucket(ctx, r.env.layer, r.content, w.m, 1000)
		if len(after) == 0 {
			continue
		}
		// The last operation may be lost only if it had not returned
		// when the crash began.
		if w.prev != nil && w.resp > r.crashStart {
			if before := checkBucket(ctx, r.env.layer, r.content, w.prev, 1000); len(before) == 0 {
				w.m = w.prev
				continue
			} else {
				w.fail("after a crash (unsynced kept %d%%, seq %d-%d; last op %d-%d) the bucket is neither the state before nor after the operation in flight:\n    after: %s\n    before: %s", r.crashPct, r.crashStart, r.crashEnd, w.inv, w.resp, after, before)
				return
			}
		}
		if w.prev != nil && w.inv > r.crashEnd {
			w.fail("after a crash the bucket differs from the model (its last operation began after the crash):\n    %s", after)
		} else {
			w.fail("after a crash (unsynced kept %d%%, seq %d-%d; last op %d-%d) an acknowledged change is lost or an unacknowledged one shows:\n    %s", r.crashPct, r.crashStart, r.crashEnd, w.inv, w.resp, after)
		}
		return
	}
	if probs := r.checkShared(ctx, true); len(probs) > 0 {
		r.fail("after a crash (unsynced kept %d%%, seq %d-%d) the shared bucket differs from the acknowledged writes:\n    %s", r.crashPct, r.crashStart, r.crashEnd, probs)
	}
}

// between runs between rounds, with nothing in flight: the whole state
// against the model, the clock moved on, and sometimes a full collection.
func (r *run) between() {
	ctx, cancel := ctxOp()
	defer cancel()
	for _, w := range r.ws {
		if probs := checkBucket(ctx, r.env.layer, r.content, w.m, 1+r.rng.IntN(5)); len(probs) > 0 {
			w.fail("after the round the bucket differs from the model:\n    %s", probs)
			return
		}
	}
	if probs := r.checkShared(ctx, false); len(probs) > 0 {
		r.fail("after round %d the shared bucket differs from the acknowledged writes:\n    %s", r.rounds.Load(), probs)
		return
	}
	r.resetHistories()
	steps := []time.Duration{time.Millisecond, 500 * time.Millisecond, 1500 * time.Millisecond, 10 * time.Minute, 2 * time.Hour}
	r.clk.Advance(steps[r.rng.IntN(len(steps))])
	if r.rng.IntN(10) == 0 {
		r.expireUploads()
	}
	if r.rounds.Load()%5 == 0 {
		r.fullCollect()
	}
}

// expireUploads aborts the uploads older than a random age, as the
// collector does with Options.UploadExpiry.
func (r *run) expireUploads() {
	ctx, cancel := ctxOp()
	defer cancel()
	ages := []time.Duration{time.Second, 30 * time.Minute, 3 * time.Hour, 24 * time.Hour}
	age := ages[r.rng.IntN(len(ages))]
	cutoff := r.clk.Now().Add(-age)
	want := 0
	for _, w := range r.ws {
		for id, u := range w.m.Uploads {
			if u.Initiated.Before(cutoff) {
				delete(w.m.Uploads, id)
				want++
			}
		}
	}
	// The shared bucket's uploads are not modelled: those a crash cut
	// short are still there.
	res, err := r.env.layer.ListMultipartUploads(ctx, sharedBucket, object.ListUploadsOptions{MaxUploads: 1000})
	if err != nil {
		r.fail("list uploads of %s: %v", sharedBucket, err)
		return
	}
	for _, u := range res.Uploads {
		if u.Initiated.Before(cutoff) {
			want++
		}
	}
	n, err := r.env.layer.ExpireUploads(ctx, age)
	if err != nil || n != want {
		r.fail("expire uploads older than %v: %d expired (%v), model %d", age, n, err, want)
	}
}

// fullCollect collects everything collectable and scrubs: no record may
// be damaged (a missing or short blob) and no blob left unreferenced.
func (r *run) fullCollect() {
	ctx, cancel := ctxOp()
	defer cancel()
	r.clk.Advance(orphanGrace + gcDelay)
	if *flagGCRace {
		// With Options.Shared, a write cut short by a crash leaves its
		// record, which keeps its blob from the sweep for a day.
		r.clk.Advance(writeRecordExpiry)
	}
	l := r.env.layer
	for {
		n, pending, err := l.DrainQueue(ctx)
		r.gcDeleted.Add(int64(n))
		if err != nil {
			r.fail("full collection: drain: %v", err)
			return
		}
		if !pending {
			break
		}
		r.clk.Advance(gcDelay)
	}
	n, err := l.SweepOrphans(ctx)
	r.gcDeleted.Add(int64(n))
	if err != nil {
		r.fail("full collection: sweep: %v", err)
		return
	}
	var damage []string
	st, err := l.Scrub(ctx, func(d object.Damage) { damage = append(damage, d.String()) })
	if err != nil || len(damage) > 0 || st.Orphans > 0 {
		r.fail("scrub after a full collection: %d damaged %v, %d orphan blobs, err %v (stats %+v)", len(damage), damage, st.Orphans, err, st)
	}
}

// finish crashes once more with nothing in flight, aborts the uploads
// left unfinished, collects, and checks everything.
func (r *run) finish() {
	r.crash(r.rng.IntN(101))
	for _, w := range r.ws {
		w.prev = nil
	}
	r.recover()
	if r.failed() {
		return
	}
	ctx, cancel := ctxOp()
	defer cancel()
	for _, w := range r.ws {
		if err := r.abortAll(ctx, w.m.Name); err != nil {
			r.fail("%v", err)
			return
		}
		clear(w.m.Uploads)
	}
	if err := r.abortAll(ctx, sharedBucket); err != nil {
		r.fail("%v", err)
		return
	}
	r.fullCollect()
	for _, w := range r.ws {
		if probs := checkBucket(ctx, r.env.layer, r.content, w.m, 2); len(probs) > 0 {
			w.fail("at the end the bucket differs from the model:\n    %s", probs)
		}
	}
	if probs := r.checkShared(ctx, false); len(probs) > 0 {
		r.fail("at the end the shared bucket differs from the acknowledged writes:\n    %s", probs)
	}
	if n := r.env.blobs.count(); n > 0 && r.allInline() {
		r.fail("%d blobs left when no object needs one", n)
	}
}

// abortAll aborts every unfinished upload of bucket.
func (r *run) abortAll(ctx context.Context, bucket string) error {
	res, err := r.env.layer.ListMultipartUploads(ctx, bucket, object.ListUploadsOptions{MaxUploads: 1000})
	if err != nil {
		return fmt.Errorf("list uploads of %s: %w", bucket, err)
	}
	for _, u := range res.Uploads {
		if err := r.env.layer.AbortMultipartUpload(ctx, bucket, u.Key, u.UploadID); err != nil {
			return fmt.Errorf("abort %s/%s: %w", bucket, u.Key, err)
		}
	}
	return nil
}

// allInline reports whether every version in the model fits inline, so
// that no blob should remain.
func (r *run) allInline() bool {
	if len(r.shared.writes) > 0 {
		return false
	}
	for _, w := range r.ws {
		for _, vs := range w.m.Keys {
			for _, v := range vs {
				if !v.DM && (v.Size > inlineLimit || v.Parts > 0) {
					return false
				}
			}
		}
	}
	return true
}
