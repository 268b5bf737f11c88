package objectlock

import "github.com/kurastore/kura/s3err"

// Validate checks a configuration as AWS does: ObjectLockEnabled is
// Enabled; a rule has a known mode and exactly one of Days and Years,
// positive (InvalidArgument, with AWS's message, for zero or less) and
// at most 100 years (InvalidRetentionPeriod beyond). Shape errors are
// MalformedXML.
func (c *Configuration) Validate() error {
	if c.ObjectLockEnabled != Enabled {
		return s3err.ErrMalformedXML.WithMessage("ObjectLockEnabled must be Enabled.")
	}
	if c.Rule == nil {
		return nil
	}
	d := c.Rule.DefaultRetention
	if err := validMode(d.Mode); err != nil {
		return err
	}
	switch {
	case d.Days != 0 && d.Years != 0:
		return errBothPeriods
	case d.Days == 0 && d.Years == 0:
		return s3err.ErrMalformedXML.WithMessage("A default retention needs Days or Years.")
	case d.Days < 0 || d.Years < 0:
		return errPeriodNotPositive
	case d.Days > MaxDays || d.Years > MaxYears:
		return s3err.ErrInvalidRetentionPeriod.WithMessage("The default retention period may be at most %d days or %d years.", MaxDays, MaxYears)
	}
	return nil
}

// Validate checks a retention: a known mode and a date together, or
// neither (which removes a retention). Whether the date lies in the
// future is for the server, which has the clock.
func (r *Retention) Validate() error {
	if r.Mode == "" && r.RetainUntilDate.IsZero() {
		return nil
	}
	if r.Mode == "" || r.RetainUntilDate.IsZero() {
		return s3err.ErrMalformedXML.WithMessage("A retention needs both Mode and RetainUntilDate.")
	}
	if !writableYear(r.RetainUntilDate.UTC()) {
		return s3err.ErrInvalidArgument.WithMessage("RetainUntilDate must lie between the years 1 and 9999.")
	}
	return validMode(r.Mode)
}

// Validate checks that the status is ON or OFF.
func (h *LegalHold) Validate() error {
	if h.Status != On && h.Status != Off {
		return s3err.ErrMalformedXML.WithMessage("Legal hold status must be ON or OFF.")
	}
	return nil
}

func validMode(m string) error {
	if m != Governance && m != Compliance {
		return s3err.ErrMalformedXML.WithMessage("Retention mode must be GOVERNANCE or COMPLIANCE.")
	}
	return nil
}
