package notification

import (
	"strings"

	"github.com/kurastore/kura/s3err"
)

// Validate checks the configuration: every destination has a
// well-formed ARN (s3err.ErrInvalidTargetARN) and at least one event, all
// of them known; filters hold only prefix and suffix rules, at most one of
// each; non-empty IDs are unique across all destinations. What the S3
// schema forbids (a missing ARN or event) is MalformedXML; the rest is
// InvalidArgument, as AWS answers.
//
// It does not check that destinations exist: the server knows its
// targets.
func (c *Configuration) Validate() error {
	ids := make(map[string]bool)
	for _, d := range c.destinations() {
		if d.arn == "" || len(d.events) == 0 {
			return s3err.ErrMalformedXML
		}
		if _, err := ParseARN(d.arn); err != nil {
			return err
		}
		for _, e := range d.events {
			if !ValidEvent(e) {
				return s3err.ErrInvalidArgument.WithMessage("The event %q is not supported for notifications", e)
			}
		}
		if err := d.filter.validate(); err != nil {
			return err
		}
		if d.id != "" {
			if ids[d.id] {
				return s3err.ErrInvalidArgument.WithMessage("Configurations must have unique IDs; %q is used twice", d.id)
			}
			ids[d.id] = true
		}
	}
	return nil
}

func (f *Filter) validate() error {
	if f == nil {
		return nil
	}
	var prefixes, suffixes int
	for _, r := range f.Key.Rules {
		switch strings.ToLower(r.Name) {
		case "prefix":
			prefixes++
		case "suffix":
			suffixes++
		default:
			return s3err.ErrInvalidArgument.WithMessage("filter rule name must be either prefix or suffix")
		}
	}
	if prefixes > 1 {
		return s3err.ErrInvalidArgument.WithMessage("Cannot specify more than one prefix rule in a filter.")
	}
	if suffixes > 1 {
		return s3err.ErrInvalidArgument.WithMessage("Cannot specify more than one suffix rule in a filter.")
	}
	return nil
}
