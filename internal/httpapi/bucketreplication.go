package httpapi

import (
	"bytes"
	"context"
	"errors"
	"net/http"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/internal/replicate"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/replication"
)

// ReplicationTargets is the registry of the buckets' replication
// targets (a *replicate.Targets): the admin API manages them, and a
// replication configuration may name only them.
type ReplicationTargets interface {
	Add(ctx context.Context, t replicate.Target) (replicate.Target, error)
	List(ctx context.Context, source string) ([]replicate.Target, error)
	Remove(ctx context.Context, source, arn string) error
}

var errNoReplication = s3err.ErrNotImplemented.WithMessage("Bucket replication is not enabled on this server.")

func (s *Server) getBucketReplication(rq *request) (response, error) {
	doc, err := s.storedConfig(rq, object.ReplicationConfigName, s3err.ErrNoSuchReplicationConfig)
	if err != nil {
		return nil, err
	}
	return rawXMLResponse(doc), nil
}

// putBucketReplication replaces the bucket's replication rules. S3
// requires an integrity header, versioning Enabled on the bucket, and a
// destination for every rule; here a destination is one of the bucket's
// replication targets.
func (s *Server) putBucketReplication(rq *request) (response, error) {
	if err := requireIntegrity(rq.http.Header); err != nil {
		return nil, err
	}
	if s.replTargets == nil {
		return nil, errNoReplication
	}
	// The layer checks it again as it stores the document; asking first
	// gives this answer before the document's own faults, as S3 does.
	status, err := s.objects.BucketVersioning(rq.ctx, rq.bucket)
	if err != nil {
		return nil, err
	}
	if status != object.VersioningEnabled {
		return nil, object.ErrReplicationNeedsVersioning
	}
	validate := func(c *replication.Configuration) error {
		if err := c.Validate(); err != nil {
			return err
		}
		return s.checkReplicationDestinations(rq.ctx, rq.bucket, c)
	}
	if err := putDocument(s, rq, object.ReplicationConfigName, replication.MaxDocumentSize, replication.Parse, validate); err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK}, nil
}

func (s *Server) deleteBucketReplication(rq *request) (response, error) {
	return s.deleteBucketConfig(rq, object.ReplicationConfigName)
}

// checkReplicationDestinations refuses a rule whose destination is not
// exactly one replication target of bucket.
func (s *Server) checkReplicationDestinations(ctx context.Context, bucket string, c *replication.Configuration) error {
	targets, err := s.replTargets.List(ctx, bucket)
	if err != nil {
		return err
	}
	for _, r := range c.Rules {
		dest := r.Destination.Bucket
		_, err := replicate.ResolveAmong(targets, bucket, dest)
		switch {
		case errors.Is(err, replicate.ErrNoSuchTarget):
			return s3err.ErrInvalidRequest.WithMessage("The destination %s is not a replication target of bucket %s: add the target first, then name its ARN.", dest, bucket)
		case errors.Is(err, replicate.ErrAmbiguousTarget):
			return s3err.ErrInvalidRequest.WithMessage("The destination %s names several replication targets of bucket %s: name one by its target ARN (%v).", dest, bucket, err)
		case err != nil:
			return err
		}
	}
	return nil
}

// storedReplication is the bucket's replication configuration; nil when
// it has none, or when the bucket is gone.
func (s *Server) storedReplication(ctx context.Context, bucket string) (*replication.Configuration, error) {
	doc, err := s.objects.BucketConfig(ctx, bucket, object.ReplicationConfigName)
	if errors.Is(err, object.ErrNoConfig) || errors.Is(err, s3err.ErrNoSuchBucket) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return replication.Parse(bytes.NewReader(doc))
}
