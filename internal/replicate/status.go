package replicate

import (
	"context"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/wire/adminapi"
)

// Status reports the replication of bucket to each of its targets: the
// changes queued and their bytes, how many were carried out, how many
// are failing (their versions' status is FAILED), the last error, the
// lag (the age of the oldest queued change) and the last resync.
func (s *Service) Status(ctx context.Context, bucket string) ([]adminapi.ReplicationTargetStatus, error) {
	targets, err := s.opts.Targets.List(ctx, bucket)
	if err != nil {
		return nil, err
	}
	now := s.opts.Now()
	out := make([]adminapi.ReplicationTargetStatus, 0, len(targets))
	for _, t := range targets {
		ts := adminapi.ReplicationTargetStatus{ARN: t.ARN, Endpoint: t.Endpoint, DestBucket: t.DestBucket}
		err := s.opts.Meta.View(ctx, func(r meta.Reader) error {
			ts.Pending, ts.PendingBytes, ts.Failed, ts.LagSeconds = 0, 0, 0, 0
			st, err := readStats(r, t.ID)
			if err != nil {
				return err
			}
			ts.Completed, ts.LastError, ts.LastErrorTime = st.Completed, st.LastError, st.LastErrorTime
			rs, found, err := readResync(r, t.ID)
			if err != nil {
				return err
			}
			ts.Resync = nil
			if found {
				ts.Resync = &adminapi.ReplicationResync{State: rs.State, Scanned: rs.Scanned, Queued: rs.Queued, Started: rs.Started, Finished: rs.Finished}
			}
			p := queuePrefix(t.ID)
			it, err := r.NewIter(p, meta.PrefixEnd(p))
			if err != nil {
				return err
			}
			defer it.Close()
			for ok := it.First(); ok; ok = it.Next() {
				if ts.Pending == 0 {
					q := queued{key: it.Key()}
					ts.LagSeconds = max(0, now.Sub(q.enqueued()).Seconds())
				}
				ts.Pending++
				v, err := it.Value()
				if err != nil {
					return err
				}
				task, err := decodeTask(v)
				if err != nil {
					continue
				}
				ts.PendingBytes += task.Size
				if task.Failed {
					ts.Failed++
				}
			}
			return it.Err()
		})
		if err != nil {
			return nil, err
		}
		out = append(out, ts)
	}
	return out, nil
}
