package lifecycle

import (
	"context"

	"github.com/kurastore/kura/internal/object"
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
		var cache Cache
		for _, b := range buckets {
			rules, err := bucketRules(ctx, l, &cache, b.Name)
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
