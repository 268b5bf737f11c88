package accesslog

import (
	"context"
	"errors"
	"time"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/s3name"
	"github.com/kurastore/kura/wire/logging"
	"github.com/kurastore/kura/wire/policy"
)

// ServicePrincipal is the service that delivers server access logs, as
// bucket policies name it to let it write log objects.
const ServicePrincipal = "logging.s3.amazonaws.com"

// LogDeliveryGroup is the ACL group that stands for the log delivery
// service: a WRITE grant to it on the target bucket also permits
// delivery.
const LogDeliveryGroup = "http://acs.amazonaws.com/groups/s3/LogDelivery"

// policyConfig is the name of the bucket policy among a bucket's
// configuration documents.
const policyConfig = "policy"

// Targets decides whether a bucket may receive another's access log.
type Targets struct {
	Objects *object.Layer
	// Account is the account every bucket belongs to: the
	// aws:SourceAccount a delivery policy may require.
	Account string
	// LogDeliveryACL, when set, reports whether bucket's access control
	// list grants LogDeliveryGroup WRITE, which permits delivery just as
	// a bucket policy allowing ServicePrincipal does. Without it only
	// bucket policies permit delivery.
	LogDeliveryACL func(ctx context.Context, bucket string) (bool, error)
}

// Check decides whether source's access log may be delivered to the
// target e names, as PutBucketLogging does: the target must exist, be
// in the source's region, have no default retention (log objects are
// replaced by nobody, but S3 refuses to deliver into locked ones), and
// permit delivery of a log object named as the next one would be.
func (t Targets) Check(ctx context.Context, source string, e *logging.Enabled) error {
	if !s3name.ValidBucket(e.TargetBucket) {
		return invalidTarget("The target bucket for logging does not exist")
	}
	target, err := t.Objects.Bucket(ctx, e.TargetBucket)
	if errors.Is(err, s3err.ErrNoSuchBucket) {
		return invalidTarget("The target bucket for logging does not exist")
	}
	if err != nil {
		return err
	}
	src, err := t.Objects.Bucket(ctx, source)
	if err != nil {
		return err
	}
	if src.Region != target.Region {
		return s3err.ErrCrossLocationLogging
	}
	if target.LockDefault.Mode != "" {
		return invalidTarget("The target bucket for logging must not have a default retention period configured for Object Lock")
	}
	key := e.ObjectKey(logging.KeyParts{SourceAccount: t.Account, SourceRegion: src.Region, SourceBucket: source,
		Delivered: time.Now(), Event: time.Now(), Unique: "0123456789ABCDEF"})
	if err := s3name.CheckKey(key); err != nil {
		return invalidTarget("The target prefix makes log object names longer than an object key may be")
	}
	ok, err := t.permits(ctx, source, e.TargetBucket, key)
	if err != nil {
		return err
	}
	if !ok {
		return invalidTarget("The target bucket for logging does not permit log delivery: allow the service principal " +
			ServicePrincipal + " s3:PutObject on the target prefix in its bucket policy")
	}
	return nil
}

// Permits reports whether the log delivery service may write key into
// target for source's log.
func (t Targets) permits(ctx context.Context, source, target, key string) (bool, error) {
	doc, err := t.Objects.BucketConfig(ctx, target, policyConfig)
	if err != nil && !errors.Is(err, object.ErrNoConfig) {
		return false, err
	}
	decision := policy.NotApplicable
	if doc != nil {
		p, err := policy.Parse(doc)
		if err != nil {
			return false, err
		}
		decision = p.Evaluate(policy.Request{
			Action: "s3:PutObject", Resource: "arn:aws:s3:::" + target + "/" + key, Service: ServicePrincipal,
			Conditions: map[string][]string{
				"aws:sourcearn":     {"arn:aws:s3:::" + source},
				"aws:sourceaccount": {t.Account},
			},
		})
	}
	switch decision {
	case policy.Allowed:
		return true, nil
	case policy.Denied:
		return false, nil
	}
	if t.LogDeliveryACL != nil {
		return t.LogDeliveryACL(ctx, target)
	}
	return false, nil
}

func invalidTarget(msg string) error {
	return s3err.ErrInvalidTargetBucketForLogging.WithMessage("%s", msg)
}
