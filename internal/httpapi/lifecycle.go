package httpapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/kurastore/kura/internal/lifecycle"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/internal/tier"
	"github.com/kurastore/kura/s3err"
	wire "github.com/kurastore/kura/wire/lifecycle"
)

// minSizeHeader chooses, on PutBucketLifecycleConfiguration, which
// objects are too small to transition; both Put and Get answer with it.
const minSizeHeader = "x-amz-transition-default-minimum-object-size"

func (s *Server) getBucketLifecycle(rq *request) (response, error) {
	stored, err := s.storedConfig(rq, lifecycle.ConfigName, s3err.ErrNoSuchLifecycleConfiguration)
	if err != nil {
		return nil, err
	}
	doc, minSize, err := lifecycle.DecodeStored(stored)
	if err != nil {
		return nil, err
	}
	rq.out.Set(minSizeHeader, string(minSize))
	return rawXMLResponse(doc), nil
}

// storedLifecycle is a configuration with the minimum size mode it was
// put with, encoded as lifecycle.EncodeStored keeps them.
type storedLifecycle struct {
	cfg     *wire.Configuration
	minSize lifecycle.MinSize
}

func (l storedLifecycle) Encode() ([]byte, error) { return lifecycle.EncodeStored(l.cfg, l.minSize) }

// putBucketLifecycle replaces the bucket's rules. S3 requires an
// integrity header, as for object lock: a damaged body could expire
// data.
func (s *Server) putBucketLifecycle(rq *request) (response, error) {
	h := rq.http.Header
	if err := requireIntegrity(h); err != nil {
		return nil, err
	}
	minSize := lifecycle.MinSize(h.Get(minSizeHeader))
	if minSize == "" {
		minSize = lifecycle.MinSize128K
	}
	if !lifecycle.ValidMinSize(minSize) {
		return nil, s3err.ErrInvalidArgument.WithMessage("Invalid value for %s: %s", minSizeHeader, minSize)
	}
	parse := func(r io.Reader) (storedLifecycle, error) {
		cfg, err := wire.Parse(r)
		return storedLifecycle{cfg: cfg, minSize: minSize}, err
	}
	validate := func(l storedLifecycle) error {
		if err := l.cfg.Validate(); err != nil {
			return err
		}
		if err := s.checkTransitionClasses(rq.ctx, l.cfg); err != nil {
			return err
		}
		l.cfg.NameRules()
		return nil
	}
	if err := putDocument(s, rq, lifecycle.ConfigName, wire.MaxDocumentSize, parse, validate); err != nil {
		return nil, err
	}
	return emptyResponse{status: http.StatusOK, headers: headers{{minSizeHeader, string(minSize)}}}, nil
}

func (s *Server) deleteBucketLifecycle(rq *request) (response, error) {
	return s.deleteBucketConfig(rq, lifecycle.ConfigName)
}

// checkTransitionClasses refuses a transition to a storage class that is
// neither one of the server's tiers nor one of AWS's classes (which kura
// records as a label when no tier has its name), and to STANDARD, where
// data already is.
func (s *Server) checkTransitionClasses(ctx context.Context, cfg *wire.Configuration) error {
	checked := map[string]bool{}
	check := func(class string) error {
		if checked[class] {
			return nil
		}
		checked[class] = true
		if class == lifecycle.Standard {
			return unknownTier(class)
		}
		if s.tiers == nil {
			if object.LabelClass(class) {
				return nil
			}
			return unknownTier(class)
		}
		_, err := s.tiers.Tier(ctx, class)
		if errors.Is(err, tier.ErrNoSuchTier) && object.LabelClass(class) {
			return nil
		}
		if errors.Is(err, tier.ErrNoSuchTier) {
			return unknownTier(class)
		}
		return err
	}
	for _, r := range cfg.Rules {
		for _, t := range r.Transitions {
			if err := check(t.StorageClass); err != nil {
				return err
			}
		}
		for _, t := range r.NoncurrentVersionTransitions {
			if err := check(t.StorageClass); err != nil {
				return err
			}
		}
	}
	return nil
}

func unknownTier(class string) error {
	return s3err.ErrInvalidStorageClass.WithMessage("The storage class %q names no tier of this server, nor an AWS storage class; lifecycle rules transition objects only to those.", class)
}

// bucketRules returns the bucket's compiled lifecycle rules; nil when it
// has none, or when they cannot be read: the headers they give are
// advice, and a request does not fail for them.
func (s *Server) bucketRules(ctx context.Context, bucket string) *lifecycle.Rules {
	stored, err := s.objects.BucketConfig(ctx, bucket, lifecycle.ConfigName)
	if err != nil {
		// No rules, or no bucket: nothing to remember.
		s.lifecycleRules.Forget(bucket)
		return nil
	}
	rules, err := s.lifecycleRules.Rules(bucket, stored)
	if err != nil {
		return nil
	}
	return rules
}

// expirationHeaders are x-amz-expiration for the current version info of
// key, when a rule expires it:
//
//	x-amz-expiration: expiry-date="Fri, 23 Dec 2012 00:00:00 GMT", rule-id="picture-deletion-rule"
func (s *Server) expirationHeaders(rq *request, key string, info object.ObjectInfo) headers {
	if info.IsDeleteMarker {
		return nil
	}
	rules := s.bucketRules(rq.ctx, rq.bucket)
	if rules == nil {
		return nil
	}
	v := lifecycle.Version{Key: key, VersionID: info.VersionID, Size: info.Size, Tags: info.Tags, ModTime: info.LastModified, IsLatest: true}
	at, id, ok := rules.Expiration(v, s.lifecycleDay)
	if !ok {
		return nil
	}
	return headers{{"x-amz-expiration", `expiry-date="` + at.UTC().Format(http.TimeFormat) + `", rule-id="` + id + `"`}}
}

// abortHeaders are x-amz-abort-date and x-amz-abort-rule-id for an
// upload of key begun at initiated, when a rule aborts it.
func (s *Server) abortHeaders(rq *request, key string, initiated time.Time) headers {
	rules := s.bucketRules(rq.ctx, rq.bucket)
	if rules == nil {
		return nil
	}
	at, id, ok := rules.AbortUpload(key, initiated, s.lifecycleDay)
	if !ok {
		return nil
	}
	return headers{{"x-amz-abort-date", at.UTC().Format(http.TimeFormat)}, {"x-amz-abort-rule-id", id}}
}
