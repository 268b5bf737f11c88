package lifecycle

import (
	"time"

	wire "github.com/kurastore/kura/wire/lifecycle"
)

// Version is what a rule looks at: one version of an object (or the
// only record of a key in a bucket that was never versioned).
type Version struct {
	Key       string
	VersionID string
	Size      int64
	Tags      map[string]string
	// ModTime is when the version was written.
	ModTime time.Time
	// IsLatest marks the current version of its key.
	IsLatest     bool
	DeleteMarker bool
	// NoncurrentSince is when a noncurrent version stopped being current:
	// the ModTime of the next newer version. Zero for the latest.
	NoncurrentSince time.Time
	// NewerNoncurrent counts the noncurrent versions of the key that are
	// newer than this one (0 for the newest noncurrent version).
	NewerNoncurrent int
	// OnlyVersion marks a delete marker that is the only version of its
	// key: an expired object delete marker.
	OnlyVersion bool
	// StorageClass is "" (STANDARD) or the tier the data moved to.
	StorageClass string
}

// Kind is what a rule does to a version.
type Kind int

const (
	// None: nothing is due.
	None Kind = iota
	// Expire the current version: delete it in a bucket that was never
	// versioned, put a delete marker on it in a versioned one.
	Expire
	// DeleteVersion removes a noncurrent version for good.
	DeleteVersion
	// DeleteMarker removes an expired object delete marker.
	DeleteMarker
	// Transition moves the version's data to Action.StorageClass.
	Transition
)

// Action is what is due for a version, and the rule that asks for it.
type Action struct {
	Kind         Kind
	RuleID       string
	StorageClass string
}

// MinSize says which objects are too small to transition, as the
// x-amz-transition-default-minimum-object-size header does.
type MinSize string

const (
	// MinSize128K keeps objects under 128 KiB from transitioning (S3's
	// default) unless a rule's size filter says otherwise.
	MinSize128K MinSize = "all_storage_classes_128K"
	// MinSizeByClass lets each storage class decide; kura's tiers take
	// objects of any size.
	MinSizeByClass MinSize = "varies_by_storage_class"
)

// Rules is a bucket's lifecycle configuration, ready to evaluate.
type Rules struct {
	cfg     *wire.Configuration
	minSize MinSize
}

// Compile prepares a validated configuration for evaluation.
func Compile(cfg *wire.Configuration, minSize MinSize) *Rules {
	return &Rules{cfg: cfg, minSize: minSize}
}

// Evaluate returns the action due for v at now, where day is the length
// of a lifecycle day (24h, shorter for tests). When several rules apply,
// expiration wins over transition, as in S3.
func (r *Rules) Evaluate(v Version, now time.Time, day time.Duration) Action {
	panic("lifecycle: Evaluate not written yet")
}

// Expiration returns when the current version v will expire and the rule
// that expires it (x-amz-expiration), if a rule expires it.
func (r *Rules) Expiration(v Version, day time.Duration) (at time.Time, ruleID string, ok bool) {
	panic("lifecycle: Expiration not written yet")
}

// AbortUpload returns the rule that aborts an incomplete multipart
// upload of key begun at initiated, and when it is due.
func (r *Rules) AbortUpload(key string, initiated time.Time, day time.Duration) (at time.Time, ruleID string, ok bool) {
	panic("lifecycle: AbortUpload not written yet")
}

// DayAfter returns t plus n lifecycle days, rounded up to the next day
// boundary (midnight UTC for 24-hour days).
func DayAfter(t time.Time, n int, day time.Duration) time.Time {
	panic("lifecycle: DayAfter not written yet")
}
