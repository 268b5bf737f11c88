package website

import (
	"strconv"
	"strings"

	"github.com/kurastore/kura/s3err"
)

// Validate checks the configuration as AWS does. What the S3 schema
// forbids (RedirectAllRequestsTo beside anything else, a redirect without
// a host, a rule without a redirect, a code that is not a number) is
// MalformedXML; the rest is InvalidArgument or InvalidRequest with AWS's
// message.
func (c *Configuration) Validate() error {
	if c.RedirectAllRequestsTo != nil {
		if c.IndexDocument != nil || c.ErrorDocument != nil || len(c.RoutingRules) > 0 {
			return s3err.ErrMalformedXML
		}
		return c.RedirectAllRequestsTo.validate()
	}
	if c.IndexDocument == nil {
		return s3err.ErrInvalidArgument.WithMessage("A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty")
	}
	if s := c.IndexDocument.Suffix; s == "" || strings.Contains(s, "/") {
		return s3err.ErrInvalidArgument.WithMessage("The IndexDocument Suffix is not well formed")
	}
	if c.ErrorDocument != nil && c.ErrorDocument.Key == "" {
		return s3err.ErrInvalidArgument.WithMessage("The ErrorDocument Key is not well formed")
	}
	if n := len(c.RoutingRules); n > MaxRoutingRules {
		return s3err.ErrInvalidRequest.WithMessage("%d routing rules provided, the number of routing rules in a website configuration is limited to %d.", n, MaxRoutingRules)
	}
	for i := range c.RoutingRules {
		if err := c.RoutingRules[i].validate(); err != nil {
			return err
		}
	}
	return nil
}

func (r *RedirectAllRequestsTo) validate() error {
	if r.HostName == "" {
		return s3err.ErrMalformedXML
	}
	return validateProtocol(r.Protocol)
}

func validateProtocol(p string) error {
	if p == "" || p == "http" || p == "https" {
		return nil
	}
	return s3err.ErrInvalidRequest.WithMessage("Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.")
}

func (r *RoutingRule) validate() error {
	if r.Redirect == nil {
		return s3err.ErrMalformedXML
	}
	if c := r.Condition; c != nil {
		if c.KeyPrefixEquals == nil && c.HttpErrorCodeReturnedEquals == "" {
			return s3err.ErrInvalidRequest.WithMessage("Condition cannot be empty. To redirect all requests without a condition, the condition element shouldn't be present.")
		}
		if c.HttpErrorCodeReturnedEquals != "" {
			code, err := strconv.Atoi(c.HttpErrorCodeReturnedEquals)
			if err != nil {
				return s3err.ErrMalformedXML
			}
			if code < 400 || code > 599 {
				return s3err.ErrInvalidRequest.WithMessage("The provided HTTP error code (%d) is not valid. Valid codes are 4XX or 5XX.", code)
			}
		}
	}
	return r.Redirect.validate()
}

func (r *Redirect) validate() error {
	if r.Protocol == "" && r.HostName == nil && r.ReplaceKeyPrefixWith == nil && r.ReplaceKeyWith == nil && r.HttpRedirectCode == "" {
		return s3err.ErrInvalidRequest.WithMessage("Redirect must contain at least one of the following: Protocol, HostName, ReplaceKeyPrefixWith, ReplaceKeyWith or HttpRedirectCode.")
	}
	if err := validateProtocol(r.Protocol); err != nil {
		return err
	}
	if r.HostName != nil && *r.HostName == "" {
		return s3err.ErrInvalidArgument.WithMessage("The HostName cannot be blank. To redirect within the same domain, the element should not be present.")
	}
	if r.ReplaceKeyPrefixWith != nil && r.ReplaceKeyWith != nil {
		return s3err.ErrInvalidRequest.WithMessage("You can only define ReplaceKeyPrefix or ReplaceKey but not both.")
	}
	if r.HttpRedirectCode != "" {
		code, err := strconv.Atoi(r.HttpRedirectCode)
		if err != nil {
			return s3err.ErrMalformedXML
		}
		if code <= 300 || code > 399 {
			return s3err.ErrInvalidRequest.WithMessage("The provided HTTP redirect code (%d) is not valid. Valid codes are 3XX except 300.", code)
		}
	}
	return nil
}
