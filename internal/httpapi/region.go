package httpapi

import (
	"errors"

	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/s3name"
	"github.com/kurastore/kura/sigv4"
)

// A kura server answers like AWS's us-east-1 (global) endpoint: it holds
// buckets of any region, each created with its LocationConstraint and
// remembering it. A request may be signed for the server's region, for
// the region of the bucket it addresses, or, for CreateBucket, for the
// region its LocationConstraint names. The verifier checks the signature
// with the scope's own region (the signing key is derived from it) and
// only for region names (s3name.ValidRegion); whether the region fits the
// request is decided here, once the bucket is known.

// legacyEULocation is the LocationConstraint S3 still takes for
// eu-west-1.
const legacyEULocation = "EU"

// locationRegion is the region a CreateBucket LocationConstraint names:
// "" for none (the server's region), eu-west-1 for the legacy "EU", the
// server's own region whatever its form, or any valid region name.
// Anything else is InvalidLocationConstraint.
func (s *Server) locationRegion(constraint string) (string, error) {
	switch {
	case constraint == "" || constraint == s.region:
		return constraint, nil
	case constraint == legacyEULocation:
		return "eu-west-1", nil
	case s3name.ValidRegion(constraint):
		return constraint, nil
	}
	return "", s3err.ErrInvalidLocationConstraint.WithMessage("The specified location constraint is not valid: %q is not a region name.", constraint)
}

// checkSignedRegion refuses a request signed for a region that is
// neither the server's nor that of the bucket it addresses. The server's
// region, the common case, is decided without looking anything up. A
// refusal for an existing bucket names the bucket's region, also as the
// x-amz-bucket-region header that boto3 follows (a HEAD has no body).
// CreateBucket is checked by its handler, which alone reads the
// LocationConstraint.
func (s *Server) checkSignedRegion(rq *request, sig *sigv4.Result) error {
	if sig == nil || sig.Region == s.region {
		return nil
	}
	expected := s.region
	if rq.bucket != "" {
		info, err := s.objects.Bucket(rq.ctx, rq.bucket)
		switch {
		case err == nil && info.Region == sig.Region:
			return nil
		case err == nil:
			expected = info.Region
			rq.out.Set("x-amz-bucket-region", info.Region)
		case !errors.Is(err, s3err.ErrNoSuchBucket):
			return err
		}
	}
	return sig.WrongRegion(expected)
}

// checkCreateRegion refuses a CreateBucket signed for a region that is
// neither the server's nor the one the bucket is to be created in
// (region, "" for the server's).
func (s *Server) checkCreateRegion(rq *request, region string) error {
	sig := rq.signedV4
	if sig == nil || sig.Region == s.region || (region != "" && sig.Region == region) {
		return nil
	}
	if region == "" {
		region = s.region
	}
	return sig.WrongRegion(region)
}
