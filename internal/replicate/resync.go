package replicate

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
)

// A resync replicates a bucket's existing versions to one target: the
// target's worker reads the bucket a page at a time, after a checkpoint
// kept with the resync's state, and queues every version a rule with
// ExistingObjectReplication selects that the target does not have yet.
// It survives restarts and moves with the target's lease.

// Resync states.
const (
	ResyncRunning = "running"
	ResyncDone    = "done"
	ResyncFailed  = "failed"
)

// resyncPage is about how many versions one step reads.
const resyncPage = 500

type resyncState struct {
	State    string    `json:"state"`
	After    string    `json:"after,omitempty"`
	Scanned  int64     `json:"scanned"`
	Queued   int64     `json:"queued"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitzero"`
	Error    string    `json:"error,omitempty"`
}

func readResync(r meta.Reader, target string) (resyncState, bool, error) {
	var st resyncState
	v, err := r.Get(resyncKey(target))
	if errors.Is(err, meta.ErrNotFound) {
		return st, false, nil
	}
	if err != nil {
		return st, false, err
	}
	return st, true, json.Unmarshal(v, &st)
}

func writeResync(tx meta.Txn, target string, st resyncState) error {
	v, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return tx.Set(resyncKey(target), v)
}

// ErrNoExistingObjectReplication refuses a resync to a target no rule
// with ExistingObjectReplication sends to.
var ErrNoExistingObjectReplication = s3err.ErrInvalidRequest.WithMessage("No replication rule for this target has ExistingObjectReplication enabled.")

// Resync starts (or restarts from the beginning) the replication of
// bucket's existing versions to the target arn, and makes every change
// of the target waiting out a backoff due now.
func (s *Service) Resync(ctx context.Context, bucket, arn string) error {
	layer := s.layer.Load()
	if layer == nil {
		return errNotRunning
	}
	var t Target
	err := s.opts.Meta.View(ctx, func(r meta.Reader) error {
		var ok bool
		var err error
		t, ok, err = s.opts.Targets.Get(r, bucket, arn)
		if err == nil && !ok {
			err = ErrNoSuchTarget
		}
		return err
	})
	if err != nil {
		return err
	}
	doc, err := layer.BucketConfig(ctx, bucket, object.ReplicationConfigName)
	if errors.Is(err, object.ErrNoConfig) {
		return ErrNoExistingObjectReplication
	}
	if err != nil {
		return err
	}
	rs, err := s.rules.get(doc)
	if err != nil {
		return err
	}
	any := false
	for _, r := range rs {
		any = any || (r.existing && t.names(r.dest))
	}
	if !any {
		return ErrNoExistingObjectReplication
	}
	now := s.opts.Now()
	if err := s.opts.Meta.Update(ctx, nil, func(tx meta.Txn) error {
		return writeResync(tx, t.ID, resyncState{State: ResyncRunning, Started: now})
	}); err != nil {
		return err
	}
	if err := s.retryNow(ctx, t.ID); err != nil {
		return err
	}
	s.kickSoon()
	return nil
}

// errNotRunning refuses work asked of a service whose Run has not
// started.
var errNotRunning = errors.New("replicate: the service is not running")

// retryNow makes every change of a target that waits out a backoff due.
func (s *Service) retryNow(ctx context.Context, target string) error {
	p := queuePrefix(target)
	after := p
	for {
		keys, vals, err := meta.Scan(ctx, s.opts.Meta, after, meta.PrefixEnd(p), 1000)
		if err != nil || len(keys) == 0 {
			return err
		}
		after = append(keys[len(keys)-1], 0)
		err = s.opts.Meta.Update(ctx, nil, func(tx meta.Txn) error {
			for i, k := range keys {
				t, err := decodeTask(vals[i])
				if err != nil || t.NotBefore.IsZero() {
					continue
				}
				if _, err := tx.Get(k); errors.Is(err, meta.ErrNotFound) {
					continue // carried out meanwhile
				} else if err != nil {
					return err
				}
				t.NotBefore = time.Time{}
				v, err := encodeTask(t)
				if err != nil {
					return err
				}
				if err := tx.Set(k, v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
}

// resyncStep does one page of a running resync of r's target. It
// reports whether a resync is running.
func (s *Service) resyncStep(ctx context.Context, layer *object.Layer, r *targetRun) (bool, error) {
	var st resyncState
	var found bool
	err := s.opts.Meta.View(ctx, func(rd meta.Reader) error {
		var err error
		st, found, err = readResync(rd, r.t.ID)
		return err
	})
	if err != nil || !found || st.State != ResyncRunning {
		return false, err
	}
	bucket := r.t.SourceBucket
	finish := func(state, msg string) error {
		st.State, st.Finished, st.Error = state, s.opts.Now(), msg
		return s.opts.Meta.Update(ctx, nil, func(tx meta.Txn) error { return writeResync(tx, r.t.ID, st) })
	}
	doc, err := layer.BucketConfig(ctx, bucket, object.ReplicationConfigName)
	if errors.Is(err, object.ErrNoConfig) {
		return false, finish(ResyncFailed, "the bucket has no replication configuration")
	}
	if err != nil {
		return false, err
	}
	rs, err := s.rules.get(doc)
	if err != nil {
		return false, finish(ResyncFailed, err.Error())
	}
	page, err := layer.ScanVersions(ctx, bucket, object.ScanOptions{After: st.After, Limit: resyncPage, WithTags: true})
	if errors.Is(err, s3err.ErrNoSuchBucket) {
		return false, finish(ResyncFailed, "the bucket is gone")
	}
	if err != nil {
		return false, err
	}
	var todo []task
	for _, kv := range page.Keys {
		// Oldest first, as they were written.
		for i := len(kv.Versions) - 1; i >= 0; i-- {
			v := kv.Versions[i]
			st.Scanned++
			if t, ok := s.existingTask(rs, r, bucket, kv.Key, v); ok {
				todo = append(todo, t)
			}
		}
	}
	now := s.opts.Now()
	err = s.opts.Meta.Update(ctx, nil, func(tx meta.Txn) error {
		for _, t := range todo {
			v, err := encodeTask(t)
			if err != nil {
				return err
			}
			if err := tx.Set(queueKey(r.t.ID, s.seq.Next(now)), v); err != nil {
				return err
			}
		}
		next := st
		next.Queued += int64(len(todo))
		next.After = page.Next
		if page.Done {
			next.State, next.Finished = ResyncDone, now
		}
		return writeResync(tx, r.t.ID, next)
	})
	// The versions keep the status they have until their change is
	// carried out: stamping each PENDING would cost a transaction per
	// version, and one that failed before stays FAILED until it is sent.
	return !page.Done, err
}

// existingTask decides whether a resync queues an existing version: a
// rule for the target with ExistingObjectReplication selects it, it is
// not itself a replica, and the target does not have it yet.
func (s *Service) existingTask(rs ruleSet, r *targetRun, bucket, key string, v object.ScannedVersion) (task, bool) {
	if v.Replica || v.Replication[r.t.ARN] == object.ReplicationCompleted {
		return task{}, false
	}
	kind := object.ChangeVersion
	if v.IsDeleteMarker {
		kind = object.ChangeDeleteMarker
	}
	c := object.Change{Kind: kind, Bucket: bucket, Key: key, Object: v.ObjectInfo}
	for _, ru := range rs.decide(key, v.Tags) {
		if ru.existing && r.t.names(ru.dest) && ru.carries(c) {
			return task{Kind: kind, Bucket: bucket, Key: key, VersionID: v.VersionID, Size: v.Size}, true
		}
	}
	return task{}, false
}
