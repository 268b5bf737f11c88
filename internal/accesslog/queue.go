package accesslog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/outbox"
	"github.com/kurastore/kura/wire/logging"
)

const (
	tagAccessLog = 'H'
	sortRecord   = 'r'
	sortLease    = 'l'
	sortDelivery = 'd'
)

func recordsPrefix() []byte { return []byte{tagAccessLog, sortRecord} }

func bucketPrefix(source string) []byte {
	return append(append(recordsPrefix(), source...), 0)
}

func recordKey(source string, seq []byte) []byte { return append(bucketPrefix(source), seq...) }

// sourceOf is the source bucket of a record key.
func sourceOf(key []byte) (string, bool) {
	rest := key[len(recordsPrefix()):]
	i := bytes.IndexByte(rest, 0)
	if i < 0 || len(rest)-i-1 != outbox.SequenceLen {
		return "", false
	}
	return string(rest[:i]), true
}

func leaseKey() []byte { return []byte{tagAccessLog, sortLease} }

// deliveryLock serializes the deliveries of one source bucket's records.
func deliveryLock(source string) meta.Lock {
	return meta.Lock{Name: append([]byte{tagAccessLog, sortDelivery}, source...)}
}

// queued is a record as the queue keeps it: its line and where it goes,
// as the source bucket's logging status said when it was made.
type queued struct {
	Target string `json:"t"`
	Prefix string `json:"p,omitempty"`
	// Format is "" for simple names, else the partition date source.
	Format string `json:"f,omitempty"`
	Line   string `json:"l"`
}

func (q queued) destination() destination {
	return destination{target: q.Target, prefix: q.Prefix, format: q.Format}
}

// destination is where a run of records is delivered.
type destination struct {
	target, prefix, format string
}

func (d destination) enabled() *logging.Enabled {
	return &logging.Enabled{TargetBucket: d.target, TargetPrefix: d.prefix, Partitioned: d.format != "", DateSource: d.format}
}

func newQueued(e *logging.Enabled, line string) queued {
	q := queued{Target: e.TargetBucket, Prefix: e.TargetPrefix, Line: line}
	if e.Partitioned {
		q.Format = e.DateSource
	}
	return q
}

// Append queues the record of a request on source, whose logging status
// is e, durably: once it returns nil the record will be delivered.
func (s *Service) Append(ctx context.Context, source string, e *logging.Enabled, r *Record) error {
	val, err := json.Marshal(newQueued(e, r.Line()))
	if err != nil {
		return err
	}
	key := recordKey(source, s.seq.Next(r.Time))
	err = s.opts.Meta.Update(ctx, nil, func(tx meta.Txn) error { return tx.Set(key, val) })
	if err != nil {
		return fmt.Errorf("accesslog: queueing a record: %w", err)
	}
	if s.appended.Add(1)%int64(s.opts.MaxRecords) == 0 {
		s.full.Poke()
	}
	return nil
}

// pending is one queued record read back.
type pending struct {
	key []byte
	queued
}

// readBatch reads up to max records of the first source bucket at or
// after from: its name and its records, oldest first. An empty source
// means the queue holds nothing there. Without values, only the records'
// keys are read: enough to count them.
func (s *Service) readBatch(ctx context.Context, from []byte, max int, values bool) (source string, batch []pending, err error) {
	err = s.opts.Meta.View(ctx, func(r meta.Reader) error {
		source, batch = "", nil // a rerun starts again
		it, err := r.NewIter(from, meta.PrefixEnd(recordsPrefix()))
		if err != nil {
			return err
		}
		defer it.Close()
		for ok := it.First(); ok && len(batch) < max; ok = it.Next() {
			src, valid := sourceOf(it.Key())
			if !valid {
				s.log.Warn("accesslog: skipping a malformed queue key", "key", fmt.Sprintf("%q", it.Key()))
				continue
			}
			if source == "" {
				source = src
			} else if src != source {
				break
			}
			if !values {
				batch = append(batch, pending{key: bytes.Clone(it.Key())})
				continue
			}
			v, err := it.Value()
			if err != nil {
				return err
			}
			var q queued
			if err := json.Unmarshal(v, &q); err != nil {
				s.log.Warn("accesslog: dropping an unreadable record", "bucket", src, "err", err)
				q = queued{}
			}
			batch = append(batch, pending{key: bytes.Clone(it.Key()), queued: q})
		}
		return it.Err()
	})
	return source, batch, err
}

// errDelivered: a record of the batch is no longer queued; another
// deliverer took it.
var errDelivered = errors.New("accesslog: records already delivered")

// takeRecords deletes the records of a delivery in its transaction,
// after checking that each is still queued.
func takeRecords(tx meta.Txn, run []pending) error {
	for _, p := range run {
		if _, err := tx.Get(p.key); errors.Is(err, meta.ErrNotFound) {
			return errDelivered
		} else if err != nil {
			return err
		}
		if err := tx.Delete(p.key); err != nil {
			return err
		}
	}
	return nil
}
