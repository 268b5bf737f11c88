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
	return checkOverlaps(c.destinations())
}

// checkOverlaps refuses two configurations of one destination that would
// both send it some event for some key, with S3's error: they share an
// event type (a name, or a group wildcard over it) and their key filters
// overlap (one prefix starts the other, and one suffix ends the other).
// AWS refuses such overlaps between any two destinations; kura, like
// MinIO, lets different destinations (a webhook and a queue) take the
// same events.
func checkOverlaps(ds []destination) error {
	for i := range ds {
		for j := i + 1; j < len(ds); j++ {
			if ds[i].arn == ds[j].arn && eventsOverlap(ds[i].events, ds[j].events) && ds[i].filter.overlaps(ds[j].filter) {
				return s3err.ErrInvalidArgument.WithMessage("Configurations overlap. Configurations on the same bucket cannot share a common event type.")
			}
		}
	}
	return nil
}

func eventsOverlap(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if eventMatches(x, y) || eventMatches(y, x) || x == y {
				return true
			}
		}
	}
	return false
}

func (f *Filter) rule(name string) string {
	if f == nil {
		return ""
	}
	for _, r := range f.Key.Rules {
		if strings.EqualFold(r.Name, name) {
			return r.Value
		}
	}
	return ""
}

func (f *Filter) overlaps(g *Filter) bool {
	p1, p2 := f.rule("prefix"), g.rule("prefix")
	s1, s2 := f.rule("suffix"), g.rule("suffix")
	return (strings.HasPrefix(p1, p2) || strings.HasPrefix(p2, p1)) &&
		(strings.HasSuffix(s1, s2) || strings.HasSuffix(s2, s1))
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
