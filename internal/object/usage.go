package object

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/s3name"
)

// Storage usage per bucket is kept in the metadata store, so that reading
// it never scans a bucket:
//
//	N<bucket>\x00           the bucket's folded total
//	N<bucket>/<seq>         one commit's change to it (a delta)
//
// Every transaction of the layer runs through usageStore, which watches
// the writes to the keys that make up what a bucket holds (O-, V-, U- and
// P-keys): it knows the value each had before (from the transaction's own
// reads, or one extra Get) and the value written, and when the closure
// returns it writes one delta per bucket whose usage changed, under a key
// no other commit uses. No path of the layer can forget to count, and
// writers share no key: counting takes no lock and makes no conflict.
//
// The usage of a bucket is its total plus its deltas. The collector folds
// the deltas into the total (foldUsage), under a lock of its own that no
// write takes: it deletes exactly the deltas it read, so one committed
// meanwhile stays for the next fold.
//
// A bucket made before kura counted has no total. The first read of its
// usage, or the collector, counts it once (countUsage): under the bucket's
// exclusive lock, which every commit that changes a bucket's usage holds
// shared, it scans the bucket, deletes the deltas written so far (their
// commits are all in the scan) and stores the total. From then on the
// deltas count. CreateBucket stores a zero total, so a new bucket is never
// scanned, and DeleteBucket drops the total and the deltas, so a bucket
// made again under the same name starts from zero.
const tagUsage = 'N'

// usageFoldLimit bounds the deltas one fold transaction takes.
const usageFoldLimit = 4096

// usageFoldAt is how many deltas a read of a bucket's usage may find
// before it folds them itself rather than wait for the collector.
const usageFoldAt = 1024

// BucketUsage is what a bucket holds.
type BucketUsage struct {
	Bucket string
	// Objects counts current objects: the latest version of each key,
	// unless that is a delete marker.
	Objects int64
	// Versions counts every stored version, current and noncurrent,
	// delete markers included; in a bucket that was never versioned it
	// equals Objects.
	Versions int64
	// DeleteMarkers counts the delete markers among Versions.
	DeleteMarkers int64
	// Bytes is the size of every stored version, noncurrent ones
	// included: what the bucket occupies, counted as the objects' own
	// sizes (plaintext, before encryption). A version transitioned to a
	// tier still counts; a restored copy of one does not count again.
	Bytes int64
	// Uploads counts unfinished multipart uploads, and UploadParts and
	// UploadBytes their parts and the parts' sizes, which Bytes does not
	// include.
	Uploads, UploadParts, UploadBytes int64
}

// usageCounts are the counters of one bucket, or a change to them: each
// kind of key is counted on its own, and BucketUsage is made from them
// with the bucket's versioning state.
type usageCounts struct {
	objects, objectBytes        int64 // O-keys
	versions, versionBytes, dms int64 // V-keys
	uploads                     int64 // U-keys
	parts, partBytes            int64 // P-keys
}

// fields lists the counters in the order they are encoded. A counter added
// later goes at the end, and a value that lacks it reads as zero.
func (c *usageCounts) fields() []*int64 {
	return []*int64{&c.objects, &c.objectBytes, &c.versions, &c.versionBytes, &c.dms, &c.uploads, &c.parts, &c.partBytes}
}

func (c *usageCounts) add(d usageCounts) {
	f, g := c.fields(), d.fields()
	for i := range f {
		*f[i] += *g[i]
	}
}

func (c *usageCounts) zero() bool { return *c == usageCounts{} }

const usageVersion = 1

// encode writes the counters as zig-zag varints after a version byte.
func (c *usageCounts) encode() []byte {
	b := []byte{usageVersion}
	for _, f := range c.fields() {
		b = binary.AppendVarint(b, *f)
	}
	return b
}

var errBadUsage = errors.New("object: malformed usage counters")

func decodeUsage(b []byte) (usageCounts, error) {
	var c usageCounts
	if len(b) == 0 || b[0] != usageVersion {
		return c, errBadUsage
	}
	b = b[1:]
	for _, f := range c.fields() {
		if len(b) == 0 {
			break
		}
		v, n := binary.Varint(b)
		if n <= 0 {
			return c, errBadUsage
		}
		*f, b = v, b[n:]
	}
	return c, nil
}

// report turns the counters of bucket b into what BucketUsage says: in a
// versioned bucket every version has a V-key (the O-key repeats the
// latest), in one never versioned the O-keys are all there is.
func (c usageCounts) report(b BucketInfo) BucketUsage {
	u := BucketUsage{
		Bucket: b.Name, Objects: c.objects, Versions: c.objects, Bytes: c.objectBytes,
		Uploads: c.uploads, UploadParts: c.parts, UploadBytes: c.partBytes,
	}
	if b.Versioning != "" {
		u.Versions, u.Bytes, u.DeleteMarkers = c.versions, c.versionBytes, c.dms
	}
	return u
}

func usageTotalKey(bucket string) []byte {
	return append(append([]byte{tagUsage}, bucket...), 0)
}

func usageDeltaPrefix(bucket string) []byte {
	return append(append([]byte{tagUsage}, bucket...), keySeparate)
}

// usageBucketOf is the bucket an N-key counts.
func usageBucketOf(k []byte) string {
	k = k[1:]
	if i := bytes.IndexAny(k, "/\x00"); i >= 0 {
		k = k[:i]
	}
	return string(k)
}

// usageLockName is the lock a fold and a count hold, and CreateBucket and
// DeleteBucket, which replace a bucket's total.
func usageLockName(bucket string) []byte { return []byte("ln/" + bucket) }

// BucketUsage returns what bucket holds.
func (l *Layer) BucketUsage(ctx context.Context, bucket string) (BucketUsage, error) {
	if !s3name.ValidBucket(bucket) {
		return BucketUsage{}, s3err.ErrNoSuchBucket
	}
	for attempt := 0; ; attempt++ {
		var (
			b       BucketInfo
			c       usageCounts
			counted bool
			deltas  int
		)
		err := l.view(ctx, func(r meta.Reader) (err error) {
			if b, err = readBucket(r, bucket); err != nil {
				return err
			}
			c, counted, deltas, err = readUsage(r, bucket)
			return err
		})
		if err != nil {
			return BucketUsage{}, err
		}
		if !counted && attempt == 0 {
			if err := l.countUsage(ctx, bucket); err != nil {
				return BucketUsage{}, err
			}
			continue
		}
		if !counted {
			return BucketUsage{}, fmt.Errorf("object: usage of bucket %s is not counted", bucket)
		}
		l.foldIfMany(ctx, bucket, deltas)
		return c.report(l.withRegion(b)), nil
	}
}

// readUsage reads a bucket's total and adds its deltas. counted is false
// when the bucket has no total yet.
func readUsage(r meta.Reader, bucket string) (c usageCounts, counted bool, deltas int, err error) {
	v, err := r.Get(usageTotalKey(bucket))
	switch {
	case errors.Is(err, meta.ErrNotFound):
		return c, false, 0, nil
	case err != nil:
		return c, false, 0, err
	}
	if c, err = decodeUsage(v); err != nil {
		return c, false, 0, err
	}
	err = meta.EachEntry(r, usageDeltaPrefix(bucket), func(_, v []byte) error {
		d, err := decodeUsage(v)
		c.add(d)
		deltas++
		return err
	})
	return c, true, deltas, err
}

// Usage returns what every bucket holds, in bucket name order.
func (l *Layer) Usage(ctx context.Context) ([]BucketUsage, error) {
	for attempt := 0; ; attempt++ {
		var (
			buckets []BucketInfo
			sums    map[string]*bucketSum
		)
		err := l.view(ctx, func(r meta.Reader) (err error) {
			buckets, sums = nil, map[string]*bucketSum{}
			err = meta.EachEntry(r, []byte{tagBucket}, func(_, v []byte) error {
				var b BucketInfo
				if err := json.Unmarshal(v, &b); err != nil {
					return err
				}
				buckets = append(buckets, b)
				return nil
			})
			if err != nil {
				return err
			}
			return meta.EachEntry(r, []byte{tagUsage}, func(k, v []byte) error {
				c, err := decodeUsage(v)
				if err != nil {
					return err
				}
				name := usageBucketOf(k)
				if len(k) <= len(name)+1 {
					return errBadUsage
				}
				s := sums[name]
				if s == nil {
					s = &bucketSum{}
					sums[name] = s
				}
				s.c.add(c)
				if k[len(name)+1] == 0 {
					s.counted = true
				} else {
					s.deltas++
				}
				return nil
			})
		})
		if err != nil {
			return nil, err
		}
		var uncounted []string
		out := make([]BucketUsage, 0, len(buckets))
		for _, b := range buckets {
			s := sums[b.Name]
			if s == nil || !s.counted {
				uncounted = append(uncounted, b.Name)
				continue
			}
			l.foldIfMany(ctx, b.Name, s.deltas)
			out = append(out, s.c.report(l.withRegion(b)))
		}
		if len(uncounted) == 0 {
			return out, nil
		}
		if attempt > 0 {
			return nil, fmt.Errorf("object: usage of bucket %s is not counted", uncounted[0])
		}
		for _, name := range uncounted {
			if err := l.countUsage(ctx, name); err != nil {
				return nil, err
			}
		}
	}
}

// bucketSum adds up the N-keys of one bucket.
type bucketSum struct {
	c       usageCounts
	counted bool // its total was among them
	deltas  int
}

// foldIfMany folds a bucket's deltas when a read found many: the
// collector folds them too, but it may be slow, or not run here.
func (l *Layer) foldIfMany(ctx context.Context, bucket string, deltas int) {
	if deltas < usageFoldAt {
		return
	}
	if err := l.foldUsage(ctx, bucket); err != nil && ctx.Err() == nil {
		l.log.Warn("folding usage counters", "bucket", bucket, "err", err)
	}
}

// FoldUsage folds the deltas of every bucket into its total, and counts
// the buckets that have none (made before kura counted). The collector
// runs it.
func (l *Layer) FoldUsage(ctx context.Context) error {
	var uncounted, pending []string
	err := l.view(ctx, func(r meta.Reader) error {
		uncounted, pending = nil, nil
		counted, seen := map[string]bool{}, map[string]bool{}
		err := meta.EachEntry(r, []byte{tagUsage}, func(k, _ []byte) error {
			name := usageBucketOf(k)
			if len(k) == len(name)+2 && k[len(k)-1] == 0 {
				counted[name] = true
			} else if !seen[name] {
				seen[name] = true
				pending = append(pending, name)
			}
			return nil
		})
		if err != nil {
			return err
		}
		return meta.EachEntry(r, []byte{tagBucket}, func(k, _ []byte) error {
			if name := string(k[1:]); !counted[name] {
				uncounted = append(uncounted, name)
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, name := range uncounted {
		if err := l.countUsage(ctx, name); err != nil {
			return err
		}
	}
	for _, name := range pending {
		if err := l.foldUsage(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

// foldUsage adds a bucket's deltas to its total and deletes them, as
// many transactions as it takes. It holds the bucket's usage lock, which
// no write takes; it deletes only the deltas it read, so one committed
// meanwhile waits for the next fold. Deltas of a bucket that has no total
// (it was deleted while a commit that counted in it was under way, or was
// never counted) are left to countUsage.
func (l *Layer) foldUsage(ctx context.Context, bucket string) error {
	for {
		var more, uncounted bool
		err := l.rawMeta.Update(ctx, []meta.Lock{{Name: usageLockName(bucket)}}, func(tx meta.Txn) error {
			more, uncounted = false, false
			v, err := tx.Get(usageTotalKey(bucket))
			if errors.Is(err, meta.ErrNotFound) {
				uncounted = true
				return nil
			}
			if err != nil {
				return err
			}
			total, err := decodeUsage(v)
			if err != nil {
				return err
			}
			var folded [][]byte
			err = meta.EachEntry(tx, usageDeltaPrefix(bucket), func(k, v []byte) error {
				if len(folded) == usageFoldLimit {
					more = true
					return errStopFold
				}
				d, err := decodeUsage(v)
				total.add(d)
				folded = append(folded, bytes.Clone(k))
				return err
			})
			if err != nil && !errors.Is(err, errStopFold) {
				return err
			}
			if len(folded) == 0 {
				return nil
			}
			for _, k := range folded {
				if err := tx.Delete(k); err != nil {
					return err
				}
			}
			return tx.Set(usageTotalKey(bucket), total.encode())
		})
		if err != nil {
			return err
		}
		if uncounted {
			return l.countUsage(ctx, bucket)
		}
		if !more {
			return nil
		}
	}
}

var errStopFold = errors.New("object: fold has taken enough deltas")

// countUsage gives a bucket that has no total one, by scanning it. It
// holds the bucket's lock exclusively: every commit that changes what a
// bucket holds holds it shared (usageStore checks that in tests), so none
// is under way, every delta written so far is of a commit the scan sees,
// and the deltas are deleted with the total's write. A bucket that no
// longer exists loses its stray deltas instead.
func (l *Layer) countUsage(ctx context.Context, bucket string) error {
	locks := []meta.Lock{{Name: bucketLockName(bucket)}, {Name: usageLockName(bucket)}}
	return l.rawMeta.Update(ctx, locks, func(tx meta.Txn) error {
		if _, err := tx.Get(usageTotalKey(bucket)); err == nil {
			return nil // counted meanwhile
		} else if !errors.Is(err, meta.ErrNotFound) {
			return err
		}
		_, err := readBucket(tx, bucket)
		exists := err == nil
		if err != nil && !errors.Is(err, s3err.ErrNoSuchBucket) {
			return err
		}
		if err := deleteKeys(tx, usageDeltaPrefix(bucket)); err != nil {
			return err
		}
		if !exists {
			return nil
		}
		c, err := scanUsage(tx, bucket)
		if err != nil {
			return err
		}
		return tx.Set(usageTotalKey(bucket), c.encode())
	})
}

// scanUsage counts what a bucket holds by reading all of it.
func scanUsage(r meta.Reader, bucket string) (usageCounts, error) {
	var c usageCounts
	for _, p := range [][]byte{objectPrefix(bucket), versionsPrefix(bucket)} {
		err := meta.EachEntry(r, p, func(k, v []byte) error {
			c.add(keyUsage(k, v))
			return nil
		})
		if err != nil {
			return c, err
		}
	}
	var ids []string
	err := meta.EachEntry(r, uploadPrefix(bucket), func(k, v []byte) error {
		c.add(keyUsage(k, v))
		if _, id, ok := splitUploadKey(k); ok {
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	for _, id := range ids {
		err := meta.EachEntry(r, partPrefix(id), func(k, v []byte) error {
			c.add(keyUsage(k, v))
			return nil
		})
		if err != nil {
			return c, err
		}
	}
	return c, nil
}

// deleteKeys deletes every key that starts with p.
func deleteKeys(tx meta.Txn, p []byte) error {
	var doomed [][]byte
	if err := eachKey(tx, p, func(k []byte) { doomed = append(doomed, k) }); err != nil {
		return err
	}
	for _, k := range doomed {
		if err := tx.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// resetUsage gives bucket a zero total (counted, when a bucket is made) or
// none (when it is deleted), drops its deltas, and has the transaction
// write none for it. The caller holds the bucket's lock exclusively and
// its usage lock.
func resetUsage(tx meta.Txn, bucket string, counted bool) error {
	if t, ok := tx.(usageTracker); ok {
		t.forgetBucket(bucket)
	}
	if err := deleteKeys(tx, usageDeltaPrefix(bucket)); err != nil {
		return err
	}
	if !counted {
		return tx.Delete(usageTotalKey(bucket))
	}
	var zero usageCounts
	return tx.Set(usageTotalKey(bucket), zero.encode())
}
