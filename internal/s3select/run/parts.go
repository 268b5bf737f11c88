package run

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kurastore/kura/internal/s3select/input"
	"github.com/kurastore/kura/internal/s3select/output"
	"github.com/kurastore/kura/internal/s3select/sql"
)

// Part opens the records of one part of a split scan (see input.Split).
// The closer, when not nil, releases what the part holds; it is closed
// even when err is not nil.
type Part func() (Records, io.Closer, error)

// NewParts returns a runner of q over the records of parts taken in
// order, as one reader of them all would give them: up to workers
// goroutines scan parts at once, and the rows go out in part order, with
// aggregates combined and LIMIT counted over the whole scan. total is
// the bytes the parts cover; Stats report at most that, since a part's
// reader reads a little past its part to finish its last record.
//
// Memory stays bounded whatever the object's size: each part holds at
// most partChunks payloads of rows that wait for the parts before it.
func NewParts(q *sql.Query, parts []Part, total int64, workers int, out output.Writer, opts Options, send Send) *Runner {
	r := New(q, nil, out, opts, send)
	r.parts, r.total, r.workers = parts, total, max(workers, 1)
	r.scanned = make([]atomic.Int64, len(parts))
	r.processed = make([]atomic.Int64, len(parts))
	return r
}

// partChunks is how many payloads of rows a part may hold while the
// parts before it are still being sent.
const partChunks = 4

// partsAhead is how many parts, per worker, may be begun and not yet
// sent.
const partsAhead = 2

// chunk is a payload of rows from one part. ends, kept only under a
// LIMIT, holds where each row ends in data, so that the rows past the
// limit can be cut off.
type chunk struct {
	data []byte
	rows int64
	ends []int
}

// partResult is what one part gives: its rows through chunks, then, once
// chunks is closed, its aggregate state and its error.
type partResult struct {
	chunks chan chunk
	ev     *sql.Evaluator
	err    error
}

// runParts scans the parts with the workers and sends their rows in
// order: the rows of part i go out as they come, while later parts fill
// their few chunks and then wait.
func (r *Runner) runParts(ctx context.Context) error {
	if r.query.Limit() == 0 {
		return r.finish(r.query.NewEvaluator())
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	results := make([]partResult, len(r.parts))
	for i := range results {
		results[i].chunks = make(chan chunk, partChunks)
	}
	free := make(chan []byte, r.workers*(partChunks+1))
	// A worker takes a slot before it takes a part and the sender gives
	// it back once it has sent the part: the parts begun and not yet sent
	// are at most partsAhead, each holding at most partChunks payloads,
	// however far the workers could run ahead of a slow part. Taking the
	// slot first keeps the part the sender waits for startable.
	slots := make(chan struct{}, r.workers*partsAhead)
	var next atomic.Int64
	// Parts after a failed one are not started: their rows would never
	// be sent.
	var failed atomic.Int64
	failed.Store(int64(len(r.parts)))
	for range min(r.workers, len(r.parts)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case slots <- struct{}{}:
				case <-ctx.Done():
					return
				}
				i := next.Add(1) - 1
				if i >= int64(len(r.parts)) || i > failed.Load() {
					return
				}
				res := &results[i]
				res.ev, res.err = r.scanPart(ctx, int(i), res.chunks, free)
				if res.err != nil {
					for f := failed.Load(); i < f && !failed.CompareAndSwap(f, i); f = failed.Load() {
					}
				}
				close(res.chunks)
			}
		}()
	}

	now := r.opts.Now()
	r.lastSent, r.lastProg = now, now
	limit := r.query.Limit()
	var agg *sql.Evaluator
	rows := int64(0)
	for i := range results {
		res := &results[i]
		for {
			c, ok, err := r.receive(ctx, res.chunks)
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			data := c.data
			if limit >= 0 && rows+c.rows >= limit {
				data = data[:c.ends[limit-rows-1]]
			}
			rows += c.rows
			r.buf = append(r.buf, data...)
			select {
			case free <- c.data[:0]:
			default:
			}
			if len(r.buf) >= r.opts.PayloadSize {
				if err := r.flush(); err != nil {
					return err
				}
			}
			if limit >= 0 && rows >= limit {
				return r.finish(nil)
			}
		}
		<-slots
		if res.err != nil {
			return res.err
		}
		// A part's evaluator is dropped once merged: its row holds
		// strings into the part's last buffers, and keeping every
		// part's would keep memory growing with the object.
		ev := res.ev
		res.ev = nil
		if !r.query.Aggregate() {
			continue
		}
		if agg == nil {
			agg = ev
		} else if err := agg.Merge(ev); err != nil {
			return err
		}
	}
	return r.finish(agg)
}

// receive returns the next chunk of a part, or ok false once the part
// is done. While it waits it sends Progress and Cont messages when they
// are due.
func (r *Runner) receive(ctx context.Context, chunks <-chan chunk) (c chunk, ok bool, err error) {
	for {
		now := r.opts.Now()
		if err := r.due(now); err != nil {
			return chunk{}, false, err
		}
		select {
		case c, ok = <-chunks:
			return c, ok, nil
		default:
		}
		wait := r.lastSent.Add(r.opts.KeepAlive).Sub(now)
		if r.opts.Progress {
			wait = min(wait, r.lastProg.Add(r.opts.ProgressEvery).Sub(now))
		}
		timer := time.NewTimer(max(wait, time.Millisecond))
		select {
		case c, ok = <-chunks:
			timer.Stop()
			return c, ok, nil
		case <-ctx.Done():
			timer.Stop()
			return chunk{}, false, ctx.Err()
		case <-timer.C:
		}
	}
}

// scanPart reads part i and sends its rows in chunks. It returns the
// part's evaluator, whose aggregate state the caller merges.
func (r *Runner) scanPart(ctx context.Context, i int, chunks chan<- chunk, free chan []byte) (ev *sql.Evaluator, err error) {
	defer func() {
		// A worker's panic would end the process; it ends the request.
		if p := recover(); p != nil {
			ev, err = nil, fmt.Errorf("s3select: scanning part %d: %v\n%s", i, p, debug.Stack())
		}
	}()
	recs, closer, err := r.parts[i]()
	if closer != nil {
		defer closer.Close()
	}
	if err != nil {
		return nil, err
	}
	defer r.publish(i, recs)
	ev = r.query.NewEvaluator()
	csv, _ := recs.(*input.CSVReader)
	limit := r.query.Limit()
	newChunk := func() chunk {
		select {
		case b := <-free:
			return chunk{data: b}
		default:
			return chunk{data: make([]byte, 0, r.opts.PayloadSize+r.opts.PayloadSize/4)}
		}
	}
	c := newChunk()
	var current sql.Record
	rows := int64(0)
	emit := func(row []sql.Column) error {
		if limit >= 0 && rows >= limit {
			return nil // no part sends more rows than the whole scan may
		}
		if csv != nil {
			if err := csv.Ambiguous(); err != nil {
				return err
			}
		}
		if row == nil {
			c.data = r.out.AppendRecord(c.data, current)
		} else {
			c.data = r.out.AppendRow(c.data, row)
		}
		rows++
		c.rows++
		if limit >= 0 {
			c.ends = append(c.ends, len(c.data))
		}
		return nil
	}
	send := func() error {
		select {
		case chunks <- c:
			c = newChunk()
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for n := 0; limit < 0 || rows < limit; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			r.publish(i, recs)
		}
		rec, err := recs.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		current = rec
		if err := ev.EvalEach(rec, emit); err != nil {
			return nil, err
		}
		if len(c.data) >= r.opts.PayloadSize {
			if err := send(); err != nil {
				return nil, err
			}
		}
	}
	if c.rows > 0 {
		if err := send(); err != nil {
			return nil, err
		}
	}
	return ev, nil
}

// publish records how far part i's reader has read, for Stats and
// Progress, which the sending goroutine reads.
func (r *Runner) publish(i int, recs Records) {
	r.scanned[i].Store(recs.BytesScanned())
	r.processed[i].Store(recs.BytesProcessed())
}

// partStats sums the parts' counts, at most the bytes they cover.
func (r *Runner) partStats() (scanned, processed int64) {
	for i := range r.scanned {
		scanned += r.scanned[i].Load()
		processed += r.processed[i].Load()
	}
	return min(scanned, r.total), min(processed, r.total)
}
