package httpapi

import (
	"net/http"

	"github.com/kurastore/kura/s3err"
)

// accountID is the account every bucket belongs to, as STS's
// GetCallerIdentity reports it: one server (or one set of gateways) is
// one account.
func (s *Server) accountID() string { return s.ownerID[:12] }

// checkExpectedOwner refuses a request whose x-amz-expected-bucket-owner
// (or, for a copy's source, x-amz-source-expected-bucket-owner) names
// another account than the buckets': S3 answers 403 AccessDenied and
// changes nothing, so that a client that lost track of a bucket's owner
// cannot write into, or read from, someone else's bucket of that name.
// The account id and the canonical user id are both accepted.
func (s *Server) checkExpectedOwner(rq *request) error {
	for _, h := range []string{"x-amz-expected-bucket-owner", "x-amz-source-expected-bucket-owner"} {
		vs, ok := rq.http.Header[http.CanonicalHeaderKey(h)]
		if !ok {
			continue
		}
		for _, v := range vs {
			if v != s.accountID() && v != s.ownerID {
				return s3err.ErrAccessDenied
			}
		}
	}
	return nil
}
