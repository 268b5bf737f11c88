package lifecycle

import (
	"context"
	"errors"

	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/s3err"
)

// TierInUse returns the check the tier registry makes before it removes
// a tier: a tier is in use while an enabled lifecycle rule of any bucket
// moves data to it, or while any version's data is on it.
func TierInUse(l *object.Layer) func(ctx context.Context, name string) (bool, error) {
	return func(ctx context.Context, name string) (bool, error) {
		buckets, err := l.ListBuckets(ctx)
		if err != nil {
			return false, err
		}
		for _, b := range buckets {
			doc, err := l.BucketConfig(ctx, b.Name, ConfigName)
			if errors.Is(err, object.ErrNoConfig) || errors.Is(err, s3err.ErrNoSuchBucket) {
				continue
			}
			if err != nil {
				return false, err
			}
			rules, err := Parse(doc)
			if err != nil {
				return false, err
			}
			if rules.NamesClass(name) {
				return true, nil
			}
		}
		return l.TierHolds(ctx, name)
	}
}
