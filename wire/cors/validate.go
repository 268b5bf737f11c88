package cors

import (
	"strings"
	"unicode/utf8"

	"github.com/kurastore/kura/s3err"
)

// allowedMethods are the methods a rule may allow; AWS compares them
// case-sensitively.
var allowedMethods = map[string]bool{"GET": true, "PUT": true, "HEAD": true, "POST": true, "DELETE": true}

// Validate checks the configuration as AWS does: 1 to MaxRules rules, each
// with at least one origin and one method; methods among GET, PUT, HEAD,
// POST and DELETE; at most one '*' in an origin or allowed header; no
// wildcard in exposed headers; IDs of at most MaxIDLength characters.
//
// What the S3 schema forbids (no rules, too many, a rule without origin or
// method) is MalformedXML; the rest is InvalidRequest or InvalidArgument
// with AWS's message.
func (c *Configuration) Validate() error {
	if len(c.Rules) == 0 || len(c.Rules) > MaxRules {
		return s3err.ErrMalformedXML
	}
	for i := range c.Rules {
		if err := c.Rules[i].validate(); err != nil {
			return err
		}
	}
	return nil
}

func (r *Rule) validate() error {
	if len(r.AllowedOrigins) == 0 || len(r.AllowedMethods) == 0 {
		return s3err.ErrMalformedXML
	}
	if utf8.RuneCountInString(r.ID) > MaxIDLength {
		return s3err.ErrInvalidArgument.WithMessage("The ID of a CORSRule cannot be longer than %d characters", MaxIDLength)
	}
	for _, m := range r.AllowedMethods {
		if !allowedMethods[m] {
			return s3err.ErrInvalidRequest.WithMessage("Found unsupported HTTP method in CORS config. Unsupported method is %s", m)
		}
	}
	for _, o := range r.AllowedOrigins {
		if o == "" {
			return s3err.ErrMalformedXML
		}
		if strings.Count(o, "*") > 1 {
			return s3err.ErrInvalidRequest.WithMessage("AllowedOrigin %q can not have more than one wildcard.", o)
		}
	}
	for _, h := range r.AllowedHeaders {
		if strings.Count(h, "*") > 1 {
			return s3err.ErrInvalidRequest.WithMessage("AllowedHeader %q can not have more than one wildcard.", h)
		}
	}
	for _, h := range r.ExposeHeaders {
		if strings.Contains(h, "*") {
			return s3err.ErrInvalidRequest.WithMessage("ExposeHeader %q contains wildcard. We currently do not support wildcard for ExposeHeader.", h)
		}
	}
	return nil
}
