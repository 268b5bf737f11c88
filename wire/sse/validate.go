package sse

import (
	"strings"
	"unicode"

	"github.com/kurastore/kura/s3err"
)

// Validate checks the configuration as AWS does: exactly one rule, with a
// default naming AES256 or aws:kms; a KMS key ID only with aws:kms, of
// printable characters and at most MaxKeyIDLength bytes.
//
// What the S3 schema forbids (no rule, no default, an unknown algorithm)
// is MalformedXML; more than one rule and a misplaced key ID are
// InvalidRequest and InvalidArgument with AWS's messages.
func (c *Configuration) Validate() error {
	switch {
	case len(c.Rules) == 0:
		return s3err.ErrMalformedXML
	case len(c.Rules) > 1:
		return s3err.ErrInvalidRequest.WithMessage("The server side encryption configuration can only have one rule.")
	}
	d := c.Rules[0].Default
	if d == nil {
		return s3err.ErrMalformedXML.WithMessage("A rule must apply a server side encryption by default.")
	}
	switch d.Algorithm {
	case AES256:
		if d.KMSMasterKeyID != "" {
			return s3err.ErrInvalidArgument.WithMessage("a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms")
		}
	case KMS:
		if len(d.KMSMasterKeyID) > MaxKeyIDLength {
			return s3err.ErrInvalidArgument.WithMessage("The KMSMasterKeyID is longer than %d bytes.", MaxKeyIDLength)
		}
		// Key IDs end up in headers and key lookups: no spaces or
		// control characters.
		if strings.IndexFunc(d.KMSMasterKeyID, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0 {
			return s3err.ErrInvalidArgument.WithMessage("The KMSMasterKeyID is not valid.")
		}
	default:
		return s3err.ErrMalformedXML.WithMessage("The SSEAlgorithm must be AES256 or aws:kms.")
	}
	return nil
}
