package lifecycle

import (
	"time"
	"unicode/utf8"

	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/tagging"
)

// Validate checks the configuration as AWS does. What the S3 schema
// forbids (no rules, more than MaxRules, a bad status, a rule with both or
// neither of Filter and Prefix, a filter with two predicates, an action
// without its required parts) is MalformedXML; bad values (IDs, days,
// dates, sizes) are InvalidArgument; combinations AWS refuses (no action,
// tags with AbortIncompleteMultipartUpload) are InvalidRequest, each with
// AWS's message where it has one.
func (c *Configuration) Validate() error {
	if len(c.Rules) == 0 {
		return s3err.ErrMalformedXML
	}
	if len(c.Rules) > MaxRules {
		return s3err.ErrMalformedXML.WithMessage("The number of lifecycle rules must not exceed %d.", MaxRules)
	}
	ids := make(map[string]bool, len(c.Rules))
	for i := range c.Rules {
		r := &c.Rules[i]
		if err := r.validate(); err != nil {
			return err
		}
		if r.ID != "" {
			if ids[r.ID] {
				return s3err.ErrInvalidArgument.WithMessage("Rule ID must be unique. Found same ID for more than one rule")
			}
			ids[r.ID] = true
		}
	}
	return nil
}

func (r *Rule) validate() error {
	if utf8.RuneCountInString(r.ID) > MaxIDLength {
		return s3err.ErrInvalidArgument.WithMessage("ID length should not exceed allowed limit of %d", MaxIDLength)
	}
	if r.Status != Enabled && r.Status != Disabled {
		return s3err.ErrMalformedXML.WithMessage("The rule status must be Enabled or Disabled.")
	}
	if (r.Filter == nil) == (r.Prefix == nil) {
		return s3err.ErrMalformedXML.WithMessage("A rule must have exactly one of Filter and Prefix.")
	}
	if r.Filter != nil {
		if err := r.Filter.validate(); err != nil {
			return err
		}
	}
	hasTags := len(r.Filter.Tags()) > 0
	if r.Expiration == nil && len(r.Transitions) == 0 && r.NoncurrentVersionExpiration == nil &&
		len(r.NoncurrentVersionTransitions) == 0 && r.AbortIncompleteMultipartUpload == nil {
		return s3err.ErrInvalidRequest.WithMessage("At least one action needs to be specified in a rule")
	}
	if e := r.Expiration; e != nil {
		if err := e.validate(); err != nil {
			return err
		}
		// A delete marker has no tags: a tag filter never selects one.
		if e.ExpiredObjectDeleteMarker && hasTags {
			return s3err.ErrInvalidRequest.WithMessage("ExpiredObjectDeleteMarker cannot be specified with tags.")
		}
	}
	if err := validateTransitions(r.Transitions); err != nil {
		return err
	}
	if err := r.validateExpirationAfterTransitions(); err != nil {
		return err
	}
	if n := r.NoncurrentVersionExpiration; n != nil {
		if n.NoncurrentDays <= 0 {
			return s3err.ErrInvalidArgument.WithMessage("'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer")
		}
		if err := validateNewer(n.NewerNoncurrentVersions); err != nil {
			return err
		}
	}
	for _, n := range r.NoncurrentVersionTransitions {
		if n.NoncurrentDays < 0 {
			return s3err.ErrInvalidArgument.WithMessage("'NoncurrentDays' for NoncurrentVersionTransition action must be nonnegative")
		}
		if n.StorageClass == "" {
			return s3err.ErrMalformedXML.WithMessage("A NoncurrentVersionTransition needs a StorageClass.")
		}
		if err := validateNewer(n.NewerNoncurrentVersions); err != nil {
			return err
		}
	}
	if a := r.AbortIncompleteMultipartUpload; a != nil {
		if a.DaysAfterInitiation <= 0 {
			return s3err.ErrInvalidArgument.WithMessage("'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer")
		}
		// Uploads have no tags yet, so a tag filter cannot select one.
		if hasTags {
			return s3err.ErrInvalidRequest.WithMessage("AbortIncompleteMultipartUpload cannot be specified with Tags.")
		}
	}
	return nil
}

func (f *Filter) validate() error {
	n := 0
	for _, set := range []bool{f.Prefix != nil, f.Tag != nil, f.ObjectSizeGreaterThan != nil, f.ObjectSizeLessThan != nil, f.And != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return s3err.ErrMalformedXML.WithMessage("A Filter must have exactly one of Prefix, Tag, ObjectSizeGreaterThan, ObjectSizeLessThan or And.")
	}
	if f.Tag != nil {
		if err := f.Tag.Validate(); err != nil {
			return err
		}
	}
	for _, size := range []*int64{f.ObjectSizeGreaterThan, f.ObjectSizeLessThan} {
		if size != nil && *size < 0 {
			return s3err.ErrInvalidArgument.WithMessage("Object size filters must not be negative.")
		}
	}
	if a := f.And; a != nil {
		return a.validate()
	}
	return nil
}

func (a *And) validate() error {
	if a.Prefix == "" && len(a.Tags) == 0 && a.ObjectSizeGreaterThan == 0 && a.ObjectSizeLessThan == 0 {
		return s3err.ErrMalformedXML.WithMessage("An And filter needs at least one predicate.")
	}
	seen := make(map[string]bool, len(a.Tags))
	for _, t := range a.Tags {
		if err := t.Validate(); err != nil {
			return err
		}
		if seen[t.Key] {
			return s3err.ErrInvalidRequest.WithMessage("Duplicate Tag Keys are not allowed.")
		}
		seen[t.Key] = true
	}
	if a.ObjectSizeGreaterThan < 0 || a.ObjectSizeLessThan < 0 {
		return s3err.ErrInvalidArgument.WithMessage("Object size filters must not be negative.")
	}
	if a.ObjectSizeLessThan > 0 && a.ObjectSizeGreaterThan >= a.ObjectSizeLessThan {
		return s3err.ErrInvalidRequest.WithMessage("ObjectSizeGreaterThan must be less than ObjectSizeLessThan.")
	}
	return nil
}

func (e *Expiration) validate() error {
	n := 0
	for _, set := range []bool{e.Days != 0, e.Date != nil, e.ExpiredObjectDeleteMarker} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return s3err.ErrMalformedXML.WithMessage("An Expiration needs Days, Date or ExpiredObjectDeleteMarker.")
	case e.ExpiredObjectDeleteMarker && n > 1:
		return s3err.ErrInvalidArgument.WithMessage("ExpiredObjectDeleteMarker cannot be specified with Days or Date in a Lifecycle Expiration Policy")
	case n > 1:
		return s3err.ErrMalformedXML.WithMessage("An Expiration cannot have both Days and Date.")
	case e.Days < 0:
		return errExpirationDays
	case e.Date != nil:
		return validateDate(*e.Date)
	}
	return nil
}

// validateTransitions checks each transition and that they all use Days
// or all use Date, as AWS requires of one rule.
func validateTransitions(ts []Transition) error {
	days, dates := 0, 0
	for _, t := range ts {
		switch {
		case t.Days != nil && t.Date != nil, t.Days == nil && t.Date == nil:
			return s3err.ErrMalformedXML.WithMessage("A Transition needs exactly one of Days and Date.")
		case t.Days != nil:
			if *t.Days < 0 {
				return s3err.ErrInvalidArgument.WithMessage("'Days' in Transition action must be nonnegative")
			}
			days++
		default:
			if err := validateDate(*t.Date); err != nil {
				return err
			}
			dates++
		}
		if t.StorageClass == "" {
			return s3err.ErrMalformedXML.WithMessage("A Transition needs a StorageClass.")
		}
	}
	if days > 0 && dates > 0 {
		return s3err.ErrInvalidRequest.WithMessage("Found mixed 'Date' and 'Days' based Transition actions in lifecycle rule")
	}
	return nil
}

var errExpirationDays = s3err.ErrInvalidArgument.WithMessage("'Days' for Expiration action must be a positive integer")

// validateExpirationAfterTransitions: S3 refuses a rule whose objects
// would expire on the day of one of its transitions, or before it, when
// both count days.
func (r *Rule) validateExpirationAfterTransitions() error {
	if r.Expiration == nil || r.Expiration.Days <= 0 {
		return nil
	}
	for _, t := range r.Transitions {
		if t.Days != nil && *t.Days >= r.Expiration.Days {
			return s3err.ErrInvalidArgument.WithMessage("'Days' in the Expiration action must be greater than 'Days' in the Transition action")
		}
	}
	return nil
}

func validateNewer(n int) error {
	if n < 0 || n > MaxNewerNoncurrentVersions {
		return s3err.ErrInvalidArgument.WithMessage("'NewerNoncurrentVersions' must be between 1 and %d", MaxNewerNoncurrentVersions)
	}
	return nil
}

// validateDate: lifecycle actions run on whole days, so AWS takes only
// midnight UTC.
func validateDate(t time.Time) error {
	// Dates are written in their own zone, with a four-digit year.
	if t.Year() < 0 || t.Year() > 9999 {
		return s3err.ErrInvalidArgument.WithMessage("'Date' must lie between the years 0 and 9999")
	}
	u := t.UTC()
	if u.Hour() != 0 || u.Minute() != 0 || u.Second() != 0 || u.Nanosecond() != 0 {
		return s3err.ErrInvalidArgument.WithMessage("'Date' must be at midnight GMT")
	}
	return nil
}

// Tags returns the tags a filter selects on, from Tag or And, so that a
// caller matching objects need not look in both places. A nil filter has
// none.
func (f *Filter) Tags() []tagging.Tag {
	switch {
	case f == nil:
		return nil
	case f.Tag != nil:
		return []tagging.Tag{*f.Tag}
	case f.And != nil:
		return f.And.Tags
	}
	return nil
}
