package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/wire/adminapi"
)

// The scanner's state is in the metadata store, in keys that start with
// 'S':
//
//	Sp          the pass in progress: its buckets to go and position
//	Sb<bucket>  one bucket's figures (BucketStatus)
//	Sl          the scanner's lease
//
// The checkpoint and the figures of a page are written in one
// transaction, so a crash never counts a page twice or loses its place.
const tagScanner = 'S'

var (
	passKey  = []byte{tagScanner, 'p'}
	leaseKey = []byte{tagScanner, 'l'}
)

func bucketStatusKey(bucket string) []byte {
	return append([]byte{tagScanner, 'b'}, bucket...)
}

// checkpoint is where the pass in progress is.
type checkpoint struct {
	// Started is when the pass in progress began; zero when none is.
	Started time.Time `json:"started,omitzero"`
	// LastStarted is when the latest pass began.
	LastStarted time.Time `json:"lastStarted,omitzero"`
	// Buckets are those still to scan, the first in progress, and After
	// the last of its keys done.
	Buckets []string `json:"buckets,omitempty"`
	After   string   `json:"after,omitempty"`
}

func (c checkpoint) active() bool { return !c.Started.IsZero() && len(c.Buckets) > 0 }

// BucketStatus is what the scanner knows of one bucket; it is stored
// as the admin API reports it.
type BucketStatus = adminapi.LifecycleBucketStatus

// bucketTally is what one page did.
type bucketTally struct {
	Scanned, Locked, Failed, Aborted int64
	done                             map[Kind]int64
	// finished: the page was the bucket's last in this pass.
	finished bool
}

func (t *bucketTally) count(k Kind) {
	if t.done == nil {
		t.done = map[Kind]int64{}
	}
	t.done[k]++
}

// add folds a page's tally into the bucket's status at now.
func (t *bucketTally) addTo(b *BucketStatus, position string, now time.Time) {
	if b.Actions == nil {
		b.Actions = map[string]int64{}
	}
	for k, n := range t.done {
		b.Actions[k.String()] += n
	}
	for name, n := range map[string]int64{"abort-upload": t.Aborted, "locked": t.Locked, "failed": t.Failed} {
		if n > 0 {
			b.Actions[name] += n
		}
	}
	if !b.InProgress {
		b.InProgress, b.Started, b.Scanned = true, now, 0
	}
	b.Scanned += t.Scanned
	b.Position = position
	if t.finished {
		b.LastPassStarted, b.LastPassCompleted, b.LastPassScanned = b.Started, now, b.Scanned
		b.InProgress, b.Started, b.Position, b.Scanned = false, time.Time{}, "", 0
	}
}

func (s *Scanner) checkpoint(ctx context.Context) (checkpoint, error) {
	var cp checkpoint
	err := s.opts.Meta.View(ctx, func(r meta.Reader) error {
		cp = checkpoint{}
		v, err := r.Get(passKey)
		if errors.Is(err, meta.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return json.Unmarshal(v, &cp)
	})
	return cp, err
}

// saveCheckpoint stores cp and, when bucket is set, folds tally into that
// bucket's status, in one transaction.
func (s *Scanner) saveCheckpoint(ctx context.Context, cp checkpoint, bucket string, tally *bucketTally) error {
	encoded, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	now := s.opts.Now()
	return s.opts.Meta.Update(ctx, []meta.Lock{{Name: passKey}}, func(tx meta.Txn) error {
		if err := tx.Set(passKey, encoded); err != nil {
			return err
		}
		if bucket == "" {
			return nil
		}
		st, err := readBucketStatus(tx, bucket)
		if err != nil {
			return err
		}
		tally.addTo(&st, cp.After, now)
		v, err := json.Marshal(st)
		if err != nil {
			return err
		}
		return tx.Set(bucketStatusKey(bucket), v)
	})
}

func readBucketStatus(r meta.Reader, bucket string) (BucketStatus, error) {
	st := BucketStatus{Bucket: bucket}
	v, err := r.Get(bucketStatusKey(bucket))
	if errors.Is(err, meta.ErrNotFound) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	return st, json.Unmarshal(v, &st)
}

// Status is the scanner's state, for `kura admin lifecycle status`.
type Status = adminapi.LifecycleStatus

// Status reads the scanner's state and every bucket's figures.
func (s *Scanner) Status(ctx context.Context) (Status, error) {
	st := Status{Now: s.opts.Now(), Interval: s.opts.Interval.String(), Day: s.opts.Day.String()}
	storeNow, err := s.opts.Meta.Now(ctx)
	if err != nil {
		return st, err
	}
	err = s.opts.Meta.View(ctx, func(r meta.Reader) error {
		st.Buckets, st.Holder = nil, ""
		if v, err := r.Get(leaseKey); err == nil {
			if holder, expiry, ok := meta.ParseLease(v); ok && expiry.After(storeNow) {
				st.Holder = holder
			}
		} else if !errors.Is(err, meta.ErrNotFound) {
			return err
		}
		return meta.EachEntry(r, []byte{tagScanner, 'b'}, func(_, v []byte) error {
			var b BucketStatus
			if err := json.Unmarshal(v, &b); err != nil {
				return err
			}
			st.Buckets = append(st.Buckets, b)
			return nil
		})
	})
	if err != nil {
		return st, err
	}
	cp, err := s.checkpoint(ctx)
	if err != nil {
		return st, err
	}
	st.LastPassStarted = cp.LastStarted
	if cp.active() {
		st.PassStarted, st.Pending = cp.Started, slices.Clone(cp.Buckets)
	}
	return st, nil
}
