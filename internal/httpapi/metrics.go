package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kurastore/kura/internal/iam"
	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/adminapi"
)

// metricsAction is the admin action that reads the metrics, and issues
// tokens to read them with. Root has it, and so has anyone whose
// policies allow it (the canned "diagnostics" policy does).
const metricsAction = "admin:Prometheus"

// isMetricsRequest reports whether r is a scrape: a GET of one of the
// metrics paths on the server's own name, or of "/metrics" with a bearer
// token. No S3 request carries a Bearer authorization (S3's are AWS4-HMAC-
// SHA256 or AWS), so Prometheus' default path works with a token while
// S3 clients, signed or anonymous, still list the bucket "metrics".
func (s *Server) isMetricsRequest(rq *request) bool {
	if s.metrics == nil || rq.hostBucket != "" || rq.http.Method != http.MethodGet {
		return false
	}
	path := rq.http.URL.Path
	return slices.Contains(adminapi.MetricsPaths, path) ||
		path == adminapi.BearerMetricsPath && rq.http.URL.RawQuery == "" && isBearer(rq.http.Header.Get("Authorization"))
}

// isBearer reports whether an Authorization header has the Bearer scheme.
func isBearer(authorization string) bool {
	scheme, _, _ := strings.Cut(authorization, " ")
	return strings.EqualFold(scheme, "Bearer")
}

// serveMetrics answers a scrape: to anyone with Config.MetricsPublic,
// otherwise to a bearer token from kura admin metrics token whose
// identity still exists and may read the metrics. Scrapes bypass the
// request limits, like health checks, so that an overloaded server can
// still be watched.
func (s *Server) serveMetrics(w http.ResponseWriter, rq *request) {
	rq.bucket, rq.key = "", ""
	rq.obs.setAPI(metricsAction)
	if !s.metricsPublic {
		if err := s.authorizeScrape(rq); err != nil {
			s.writeError(w, rq, err)
			return
		}
	}
	s.metrics.ServeHTTP(w, rq.http)
}

// authorizeScrape checks a scrape's bearer token. Every refusal is 403
// AccessDenied, its message saying why.
func (s *Server) authorizeScrape(rq *request) error {
	if s.iam == nil {
		return s3err.ErrAccessDenied.WithMessage("Metrics tokens need the IAM store; serve the metrics publicly instead.")
	}
	authorization := rq.http.Header.Get("Authorization")
	_, token, _ := strings.Cut(authorization, " ")
	if !isBearer(authorization) || token == "" {
		return s3err.ErrAccessDenied.WithMessage("Reading the metrics needs a bearer token from kura admin metrics token.")
	}
	id, err := s.iam.MetricsIdentity(rq.ctx, strings.TrimSpace(token))
	switch {
	case errors.Is(err, s3err.ErrExpiredToken):
		return s3err.ErrAccessDenied.WithMessage("The metrics token has expired.")
	case errors.Is(err, s3err.ErrInvalidToken):
		return s3err.ErrAccessDenied.WithMessage("The metrics token is not valid here.")
	case errors.Is(err, s3err.ErrInvalidAccessKeyID):
		return s3err.ErrAccessDenied.WithMessage("The identity the metrics token names is disabled or deleted.")
	case err != nil:
		return err
	}
	rq.identity = id
	if !s.adminAllowed(rq, metricsAction, nil) {
		return s3err.ErrAccessDenied.WithMessage("The identity the metrics token names is not allowed %s.", metricsAction)
	}
	return nil
}

// adminMetricsToken issues a metrics token naming the caller.
func (s *Server) adminMetricsToken(rq *request, _ map[string]string) (any, error) {
	var in adminapi.MetricsTokenRequest
	data, err := readBounded(rq, maxAdminBody)
	if err != nil {
		return nil, err
	}
	// No body asks for the default expiry.
	if len(data) > 0 {
		if err := json.Unmarshal(data, &in); err != nil {
			return nil, s3err.ErrMalformedXML.WithMessage("The request body is not valid JSON: %v", err)
		}
	}
	expiry := iam.DefaultMetricsTokenExpiry
	if in.ExpirySeconds != 0 {
		expiry = time.Duration(in.ExpirySeconds) * time.Second
		if in.ExpirySeconds < 0 || expiry/time.Second != time.Duration(in.ExpirySeconds) {
			return nil, s3err.ErrInvalidArgument.WithMessage("A metrics token's expiry must be between %v and %v.", iam.MinMetricsTokenExpiry, iam.MaxMetricsTokenExpiry)
		}
	}
	token, expires, err := s.iam.IssueMetricsToken(rq.identity, expiry)
	if err != nil {
		return nil, err
	}
	return adminapi.MetricsToken{Token: token, AccessKey: rq.identity.AccessKey, Expires: expires}, nil
}
