package httpapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/kurastore/kura/internal/replicate"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/adminapi"
	"github.com/kurastore/kura/wire/replication"
)

// ReplicationEngine is the replicator the admin API reports on and
// starts resyncs with.
type ReplicationEngine interface {
	// Status is how replication goes to each target of bucket.
	Status(ctx context.Context, bucket string) ([]adminapi.ReplicationTargetStatus, error)
	// Resync queues the existing objects of bucket for replication to
	// the target arn again, in the background.
	Resync(ctx context.Context, bucket, arn string) error
}

var errNoReplicationEngine = s3err.ErrNotImplemented.WithMessage("The replication engine is not running on this server.")

// adminReplicationTarget is what the admin API tells of a target: all
// but its secret key.
func adminReplicationTarget(t replicate.Target) adminapi.ReplicationTarget {
	return adminapi.ReplicationTarget{
		ARN: t.ARN, SourceBucket: t.SourceBucket, Endpoint: t.Endpoint, DestBucket: t.DestBucket,
		Region: t.Region, AccessKey: t.AccessKey, Bandwidth: t.Bandwidth, Created: t.Created,
	}
}

// adminListReplicationTargets lists a bucket's targets, without their
// secret keys.
func (s *Server) adminListReplicationTargets(rq *request, v map[string]string) (any, error) {
	if s.replTargets == nil {
		return nil, errNoReplication
	}
	if _, err := s.objects.Bucket(rq.ctx, v["bucket"]); err != nil {
		return nil, err
	}
	ts, err := s.replTargets.List(rq.ctx, v["bucket"])
	if err != nil {
		return nil, err
	}
	out := make([]adminapi.ReplicationTarget, len(ts))
	for i, t := range ts {
		out[i] = adminReplicationTarget(t)
	}
	return out, nil
}

// adminAddReplicationTarget adds a target once its bucket answers with
// versioning Enabled; why it does not goes to the admin, who chose it.
func (s *Server) adminAddReplicationTarget(rq *request, v map[string]string) (any, error) {
	if s.replTargets == nil {
		return nil, errNoReplication
	}
	source := v["bucket"]
	var body adminapi.ReplicationTarget
	if err := readAdminJSON(rq, &body); err != nil {
		return nil, err
	}
	if body.SourceBucket != "" && body.SourceBucket != source {
		return nil, s3err.ErrInvalidArgument.WithMessage("The source bucket in the body differs from the one in the path.")
	}
	if body.ARN != "" {
		return nil, s3err.ErrInvalidArgument.WithMessage("The server chooses a new target's ARN.")
	}
	if _, err := s.objects.Bucket(rq.ctx, source); err != nil {
		return nil, err
	}
	cfg, err := s.storedReplication(rq.ctx, source)
	if err != nil {
		return nil, err
	}
	// A rule naming arn:aws:s3:::DEST would name two targets.
	if rules := rulesNaming(cfg, replicate.AWSARNPrefix+body.DestBucket); len(rules) > 0 {
		return nil, s3err.ErrInvalidBucketState.WithMessage("Replication rule %q of bucket %s names %s%s, which would then name two targets: make it name its target's ARN first.",
			rules[0], source, replicate.AWSARNPrefix, body.DestBucket)
	}
	t, err := s.replTargets.Add(rq.ctx, replicate.Target{
		SourceBucket: source, Endpoint: body.Endpoint, DestBucket: body.DestBucket, Region: body.Region,
		AccessKey: body.AccessKey, SecretKey: body.SecretKey, Bandwidth: body.Bandwidth,
	})
	if err != nil {
		return nil, err
	}
	return adminapi.ReplicationTargetAdded{ARN: t.ARN}, nil
}

// adminRemoveReplicationTarget removes a target no replication rule of
// its bucket names. A bucket that is gone can still lose its targets.
func (s *Server) adminRemoveReplicationTarget(rq *request, v map[string]string) (any, error) {
	if s.replTargets == nil {
		return nil, errNoReplication
	}
	source, arn := v["bucket"], rq.http.URL.Query().Get("arn")
	if arn == "" {
		return nil, s3err.ErrInvalidArgument.WithMessage("Name the target to remove with ?arn=.")
	}
	t, err := s.replicationTarget(rq.ctx, source, arn)
	if err != nil {
		return nil, err
	}
	cfg, err := s.storedReplication(rq.ctx, source)
	if err != nil {
		return nil, err
	}
	if rules := rulesNaming(cfg, t.ARN, replicate.AWSARNPrefix+t.DestBucket); len(rules) > 0 {
		return nil, s3err.ErrInvalidBucketState.WithMessage("Replication rule %q of bucket %s replicates to %s: change or delete the replication configuration first.", rules[0], source, arn)
	}
	return nil, s.replTargets.Remove(rq.ctx, source, arn)
}

// replicationTarget is the target arn of source, or ErrNoSuchTarget.
func (s *Server) replicationTarget(ctx context.Context, source, arn string) (replicate.Target, error) {
	ts, err := s.replTargets.List(ctx, source)
	if err != nil {
		return replicate.Target{}, err
	}
	if i := slices.IndexFunc(ts, func(t replicate.Target) bool { return t.ARN == arn }); i >= 0 {
		return ts[i], nil
	}
	return replicate.Target{}, errNoSuchReplicationTarget(source, arn)
}

func errNoSuchReplicationTarget(source, arn string) error {
	return s3err.ErrNoSuchKey.WithMessage("Bucket %s has no replication target %s.", source, arn)
}

// adminReplicationStatus reports how replication goes to each target of
// the bucket.
func (s *Server) adminReplicationStatus(rq *request, v map[string]string) (any, error) {
	if s.replication == nil {
		return nil, errNoReplicationEngine
	}
	if _, err := s.objects.Bucket(rq.ctx, v["bucket"]); err != nil {
		return nil, err
	}
	sts, err := s.replication.Status(rq.ctx, v["bucket"])
	if err != nil {
		return nil, err
	}
	if sts == nil {
		sts = []adminapi.ReplicationTargetStatus{}
	}
	return sts, nil
}

// adminReplicationResync queues the bucket's existing objects for
// replication to one of its targets again.
func (s *Server) adminReplicationResync(rq *request, v map[string]string) (any, error) {
	if s.replication == nil || s.replTargets == nil {
		return nil, errNoReplicationEngine
	}
	source, arn := v["bucket"], rq.http.URL.Query().Get("arn")
	if arn == "" {
		return nil, s3err.ErrInvalidArgument.WithMessage("Name the target to resync with ?arn=.")
	}
	if _, err := s.objects.Bucket(rq.ctx, source); err != nil {
		return nil, err
	}
	if _, err := s.replicationTarget(rq.ctx, source, arn); err != nil {
		return nil, err
	}
	return nil, s.replication.Resync(rq.ctx, source, arn)
}

// rulesNaming returns the IDs (or positions) of the rules of cfg whose
// destination is one of dests.
func rulesNaming(cfg *replication.Configuration, dests ...string) []string {
	if cfg == nil {
		return nil
	}
	var out []string
	for i, r := range cfg.Rules {
		if slices.Contains(dests, r.Destination.Bucket) {
			out = append(out, cmp.Or(r.ID, fmt.Sprintf("#%d", i+1)))
		}
	}
	return out
}

// replicationAdminError maps the registry's errors to S3-style errors.
func replicationAdminError(err error) (error, bool) {
	switch {
	case errors.Is(err, replicate.ErrNoSuchTarget):
		return s3err.ErrNoSuchKey.WithMessage("%v", err), true
	case errors.Is(err, replicate.ErrTargetExists):
		return s3err.ErrBucketAlreadyExists.WithMessage("%v", err), true
	case errors.Is(err, replicate.ErrInvalid), errors.Is(err, replicate.ErrTooManyTargets), errors.Is(err, replicate.ErrAmbiguousTarget):
		return s3err.ErrInvalidArgument.WithMessage("%v", err), true
	}
	return err, false
}
