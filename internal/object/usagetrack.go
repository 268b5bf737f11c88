package object

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/outbox"
)

// usageStore is the metadata store as the layer uses it: every Update
// counts the change its closure makes to what each bucket holds, and
// writes it as a delta with the closure's writes (usage.go).
type usageStore struct {
	meta.Store
	seq *outbox.Sequencer
	now func() time.Time
	log func(msg string, args ...any)
	// requireLocks makes a commit that changes a bucket's usage without
	// holding the bucket's lock fail, rather than only log: countUsage
	// relies on that lock. Tests set it (checkUsageLocks).
	requireLocks bool
	warnOnce     sync.Once
}

// checkUsageLocks is usageStore.requireLocks for the layers New makes.
var checkUsageLocks = false

func (s *usageStore) Update(ctx context.Context, locks []meta.Lock, fn func(meta.Txn) error) error {
	return s.Store.Update(ctx, locks, func(tx meta.Txn) error {
		// A rerun starts from a new tracker: nothing is kept from a
		// discarded attempt.
		t := &usageTxn{Txn: tx, locks: locks}
		var wrapped meta.Txn = t
		if _, clocked := tx.(meta.TxnClock); clocked {
			wrapped = usageClockTxn{t}
		}
		if err := fn(wrapped); err != nil {
			return err
		}
		return s.flush(t)
	})
}

// flush writes the transaction's deltas, one per bucket whose usage it
// changed, under keys no other commit uses.
func (s *usageStore) flush(t *usageTxn) error {
	if t.unattributed != "" {
		if s.requireLocks {
			return fmt.Errorf("object: usage change of %q, whose bucket is unknown", t.unattributed)
		}
		s.warnOnce.Do(func() { s.log("usage change of a key whose bucket is unknown", "key", t.unattributed) })
	}
	if len(t.deltas) == 0 {
		return nil
	}
	var seq []byte
	for bucket, d := range t.deltas {
		if d.zero() || t.forgotten[bucket] {
			continue
		}
		if !t.holdsBucketLock(bucket) {
			if s.requireLocks {
				return fmt.Errorf("object: usage change of bucket %s without its lock", bucket)
			}
			s.warnOnce.Do(func() { s.log("usage change without the bucket's lock", "bucket", bucket) })
		}
		if seq == nil {
			seq = s.seq.Next(s.now())
		}
		if err := t.Txn.Set(append(usageDeltaPrefix(bucket), seq...), d.encode()); err != nil {
			return err
		}
	}
	return nil
}

// usageTracker is what a transaction of usageStore offers beyond meta.Txn.
type usageTracker interface {
	// forgetBucket drops what the transaction counted for bucket, and
	// what it will count: the bucket is being deleted or made.
	forgetBucket(bucket string)
}

// usageTxn tracks the keys of one transaction that count in a bucket's
// usage.
type usageTxn struct {
	meta.Txn
	locks []meta.Lock
	// known is what each tracked key read or written so far counts, as it
	// stands in the transaction.
	known map[string]usageCounts
	// uploads names the bucket of every upload whose U-key the
	// transaction saw: a P-key names only its upload.
	uploads map[string]string
	deltas  map[string]usageCounts
	// forgotten are buckets the transaction deletes or makes.
	forgotten map[string]bool
	// unattributed is a P-key written whose upload the transaction did
	// not read.
	unattributed string
}

// usageClockTxn is a usageTxn over a transaction with a clock
// (meta.TxnClock), which it keeps offering.
type usageClockTxn struct{ *usageTxn }

func (t usageClockTxn) Now() (time.Time, error) { return t.Txn.(meta.TxnClock).Now() }

// trackedKey reports whether a key counts in a bucket's usage.
func trackedKey(k []byte) bool {
	if len(k) == 0 {
		return false
	}
	switch k[0] {
	case tagObject, tagVersion, tagUpload, tagPart:
		return true
	}
	return false
}

func (t *usageTxn) Get(k []byte) ([]byte, error) {
	v, err := t.Txn.Get(k)
	if trackedKey(k) && (err == nil || errors.Is(err, meta.ErrNotFound)) {
		t.saw(k, v)
	}
	return v, err
}

func (t *usageTxn) NewIter(lower, upper []byte) (meta.Iterator, error) {
	it, err := t.Txn.NewIter(lower, upper)
	if err != nil {
		return nil, err
	}
	return &usageIter{Iterator: it, t: t}, nil
}

// usageIter lets its transaction see the tracked values it reads.
type usageIter struct {
	meta.Iterator
	t *usageTxn
}

func (it *usageIter) Value() ([]byte, error) {
	v, err := it.Iterator.Value()
	if err == nil {
		if k := it.Key(); trackedKey(k) {
			it.t.saw(k, v)
		}
	}
	return v, err
}

// saw notes the value (nil: none) of a tracked key that the transaction
// read, unless it knows it already: then it wrote it, or read it before.
func (t *usageTxn) saw(k, v []byte) {
	if k[0] == tagUpload {
		t.noteUpload(k)
	}
	if _, ok := t.known[string(k)]; ok {
		return
	}
	if t.known == nil {
		t.known = map[string]usageCounts{}
	}
	t.known[string(k)] = keyUsage(k, v)
}

func (t *usageTxn) noteUpload(k []byte) {
	bucket, id, ok := splitUploadKey(k)
	if !ok {
		return
	}
	if t.uploads == nil {
		t.uploads = map[string]string{}
	}
	t.uploads[id] = bucket
}

func (t *usageTxn) Set(k, v []byte) error {
	if trackedKey(k) {
		if err := t.change(k, v); err != nil {
			return err
		}
	}
	return t.Txn.Set(k, v)
}

func (t *usageTxn) Delete(k []byte) error {
	if trackedKey(k) {
		if err := t.change(k, nil); err != nil {
			return err
		}
	}
	return t.Txn.Delete(k)
}

// change counts the write of v (nil: a delete) to tracked key k.
func (t *usageTxn) change(k, v []byte) error {
	before, ok := t.known[string(k)]
	if !ok {
		old, err := t.Txn.Get(k)
		if err != nil && !errors.Is(err, meta.ErrNotFound) {
			return err
		}
		before = keyUsage(k, old)
	}
	if k[0] == tagUpload {
		t.noteUpload(k)
	}
	after := keyUsage(k, v)
	if t.known == nil {
		t.known = map[string]usageCounts{}
	}
	t.known[string(k)] = after
	if before == after {
		return nil
	}
	bucket, ok := t.bucketOf(k)
	if !ok {
		t.unattributed = string(k)
		return nil
	}
	if t.deltas == nil {
		t.deltas = map[string]usageCounts{}
	}
	d := t.deltas[bucket]
	d.add(after)
	d.add(before.negated())
	t.deltas[bucket] = d
	return nil
}

// markFresh tells the transaction's usage tracker, if it has one, that
// key k holds nothing, so that writing it needs no read of what it
// replaces (a round trip on a shared store). Only for keys that cannot
// exist yet: a new version's V-key, a new upload's U-key.
func markFresh(tx meta.Txn, k []byte) {
	if t, ok := tx.(interface{ fresh([]byte) }); ok {
		t.fresh(k)
	}
}

func (t *usageTxn) fresh(k []byte) {
	if _, ok := t.known[string(k)]; ok || !trackedKey(k) {
		return
	}
	if t.known == nil {
		t.known = map[string]usageCounts{}
	}
	t.known[string(k)] = usageCounts{}
}

func (t *usageTxn) forgetBucket(bucket string) {
	if t.forgotten == nil {
		t.forgotten = map[string]bool{}
	}
	t.forgotten[bucket] = true
}

// bucketOf is the bucket a tracked key counts in.
func (t *usageTxn) bucketOf(k []byte) (string, bool) {
	i := bytes.IndexByte(k, keySeparate)
	if i < 1 {
		return "", false
	}
	if k[0] != tagPart {
		return string(k[1:i]), true
	}
	bucket, ok := t.uploads[string(k[1:i])]
	return bucket, ok
}

func (t *usageTxn) holdsBucketLock(bucket string) bool {
	name := bucketLockName(bucket)
	for _, l := range t.locks {
		if bytes.Equal(l.Name, name) {
			return true
		}
	}
	return false
}

func (c usageCounts) negated() usageCounts {
	f := c.fields()
	for _, p := range f {
		*p = -*p
	}
	return c
}

// keyUsage is what tracked key k holding v (nil: absent) counts. A value
// that does not decode counts as a present key of size 0, the same way in
// every commit and in countUsage.
func keyUsage(k, v []byte) usageCounts {
	var c usageCounts
	if v == nil {
		return c
	}
	switch k[0] {
	case tagObject:
		size, marker := recordUsage(v)
		if !marker {
			c.objects, c.objectBytes = 1, size
		}
	case tagVersion:
		size, marker := recordUsage(v)
		c.versions, c.versionBytes = 1, size
		if marker {
			c.dms = 1
		}
	case tagUpload:
		c.uploads = 1
	case tagPart:
		var p struct {
			Size int64 `json:"size"`
		}
		_ = json.Unmarshal(v, &p)
		c.parts, c.partBytes = 1, p.Size
	}
	return c
}

// recordUsage reads an encoded record's size and whether it is a delete
// marker, without decoding the rest.
func recordUsage(b []byte) (size int64, marker bool) {
	if len(b) == 0 || b[0] != recordVersion {
		return 0, false
	}
	b = b[1:]
	for len(b) > 0 {
		tag, v, rest, ok := nextField(b)
		if !ok {
			return size, marker
		}
		b = rest
		switch tag {
		case fSize:
			if u, err := decodeUint(v); err == nil {
				size = int64(u)
			}
		case fDeleteMarker:
			marker = true
		}
	}
	return size, marker
}

// splitUploadKey parses U<bucket>/<key>\x00<upload id>.
func splitUploadKey(k []byte) (bucket, id string, ok bool) {
	rest := k[1:]
	slash := bytes.IndexByte(rest, keySeparate)
	if slash < 0 {
		return "", "", false
	}
	zero := bytes.IndexByte(rest[slash:], 0)
	if zero < 0 {
		return "", "", false
	}
	return string(rest[:slash]), string(rest[slash+zero+1:]), true
}
