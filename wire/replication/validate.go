package replication

import (
	"strings"
	"unicode/utf8"

	"github.com/kurastore/kura/s3err"
)

// Validate checks the configuration as AWS does. What the S3 schema
// forbids (no rules, more than MaxRules, a bad status, a rule with both or
// neither of Filter and Prefix, a filter with two predicates, no
// destination bucket) is MalformedXML; bad values (IDs, ARNs) are
// InvalidArgument; combinations AWS refuses (no DeleteMarkerReplication
// with a Filter, the same priority twice, delete markers with a tag
// filter) are InvalidRequest.
func (c *Configuration) Validate() error {
	if len(c.Rules) == 0 {
		return s3err.ErrMalformedXML
	}
	if len(c.Rules) > MaxRules {
		return s3err.ErrMalformedXML.WithMessage("The number of replication rules must not exceed %d.", MaxRules)
	}
	// Role names the IAM role AWS's replication assumes. kura's targets
	// carry their own credentials, so, as MinIO does, it keeps the role
	// as written and uses none (its clients' examples send a placeholder).
	ids := make(map[string]bool, len(c.Rules))
	priorities := make(map[int]bool, len(c.Rules))
	for i := range c.Rules {
		r := &c.Rules[i]
		if err := r.validate(); err != nil {
			return err
		}
		if r.ID != "" {
			if ids[r.ID] {
				return s3err.ErrInvalidArgument.WithMessage("Rule Id must be unique")
			}
			ids[r.ID] = true
		}
		// Priorities order the current schema's rules; legacy rules
		// have none.
		if r.Filter != nil {
			if priorities[r.Priority] {
				return s3err.ErrInvalidRequest.WithMessage("Found duplicate priority %d in the replication configuration", r.Priority)
			}
			priorities[r.Priority] = true
		}
	}
	return nil
}

func (r *Rule) validate() error {
	if utf8.RuneCountInString(r.ID) > MaxIDLength {
		return s3err.ErrInvalidArgument.WithMessage("ID length should not exceed allowed limit of %d", MaxIDLength)
	}
	if err := validStatus(r.Status); err != nil {
		return err
	}
	if (r.Filter == nil) == (r.Prefix == nil) {
		return s3err.ErrMalformedXML.WithMessage("A rule must have exactly one of Filter and Prefix.")
	}
	if r.Priority < 0 {
		return s3err.ErrInvalidArgument.WithMessage("Priority must not be negative.")
	}
	if f := r.Filter; f != nil {
		if err := f.validate(); err != nil {
			return err
		}
		if r.DeleteMarkerReplication == nil {
			return s3err.ErrInvalidRequest.WithMessage("DeleteMarkerReplication must be specified for this version of Cross Region Replication configuration schema.")
		}
		// A delete marker has no tags: a tag filter never selects one.
		if r.DeleteMarkerReplication.Status == Enabled && (f.Tag != nil || (f.And != nil && len(f.And.Tags) > 0)) {
			return s3err.ErrInvalidRequest.WithMessage("Delete marker replication is not supported if any Tag filter is specified.")
		}
	}
	for _, s := range []*Status{r.DeleteMarkerReplication, r.DeleteReplication, r.ExistingObjectReplication} {
		if s != nil {
			if err := validStatus(s.Status); err != nil {
				return err
			}
		}
	}
	if s := r.SourceSelectionCriteria; s != nil {
		for _, st := range []*Status{s.SSEKMSEncryptedObjects, s.ReplicaModifications} {
			if st != nil {
				if err := validStatus(st.Status); err != nil {
					return err
				}
			}
		}
	}
	return r.Destination.validate()
}

func (f *Filter) validate() error {
	n := 0
	for _, set := range []bool{f.Prefix != nil, f.Tag != nil, f.And != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return s3err.ErrMalformedXML.WithMessage("A Filter must have exactly one of Prefix, Tag or And.")
	}
	if f.Tag != nil {
		if err := f.Tag.Validate(); err != nil {
			return err
		}
	}
	if a := f.And; a != nil {
		if a.Prefix == "" && len(a.Tags) == 0 {
			return s3err.ErrMalformedXML.WithMessage("An And filter needs a prefix or tags.")
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
	}
	return nil
}

func (d *Destination) validate() error {
	if d.Bucket == "" {
		return s3err.ErrMalformedXML.WithMessage("A Destination needs a Bucket.")
	}
	if !strings.HasPrefix(d.Bucket, "arn:aws:s3:::") && !strings.HasPrefix(d.Bucket, "arn:minio:replication:") {
		return s3err.ErrInvalidArgument.WithMessage("Invalid bucket ARN %q: it must be arn:aws:s3:::NAME or arn:minio:replication:REGION:ID:NAME.", d.Bucket)
	}
	if t := d.AccessControlTranslation; t != nil && t.Owner != "Destination" {
		return s3err.ErrMalformedXML.WithMessage("AccessControlTranslation Owner must be Destination.")
	}
	if m := d.Metrics; m != nil {
		if err := validStatus(m.Status); err != nil {
			return err
		}
	}
	if t := d.ReplicationTime; t != nil {
		if err := validStatus(t.Status); err != nil {
			return err
		}
	}
	return nil
}

func validStatus(s string) error {
	if s != Enabled && s != Disabled {
		return s3err.ErrMalformedXML.WithMessage("A status must be Enabled or Disabled.")
	}
	return nil
}
