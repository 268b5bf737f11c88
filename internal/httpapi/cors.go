package httpapi

import (
	"bytes"
	"net/http"

	"github.com/kurastore/kura/s3err"
	"github.com/kurastore/kura/wire/cors"
)

// bucketCORS returns the bucket's CORS configuration, nil when it has
// none or the bucket does not exist.
func (s *Server) bucketCORS(rq *request) *cors.Configuration {
	doc, err := s.objects.BucketConfig(rq.ctx, rq.bucket, configCORS)
	if err != nil {
		return nil
	}
	cfg, err := cors.Parse(bytes.NewReader(doc))
	if err != nil {
		return nil
	}
	return cfg
}

func copyHeaders(dst, src http.Header) {
	for k, v := range src {
		dst[k] = v
	}
}

// applyCORS adds CORS headers to an actual (not preflight) request from a
// browser, when the bucket's rules allow its origin and method.
func (s *Server) applyCORS(rq *request) {
	origin := rq.http.Header.Get("Origin")
	if origin == "" || rq.bucket == "" {
		return
	}
	cfg := s.bucketCORS(rq)
	if cfg == nil {
		return
	}
	// S3 evaluates an actual request that carries the preflight headers
	// as their preflight: against Access-Control-Request-Method (and
	// -Headers) rather than the request's own method.
	method, reqHeaders := rq.http.Method, []string(nil)
	if m := rq.http.Header.Get("Access-Control-Request-Method"); m != "" {
		method, reqHeaders = m, rq.http.Header.Values("Access-Control-Request-Headers")
	}
	if rule, ok := cfg.Match(origin, method, reqHeaders); ok {
		copyHeaders(rq.out, rule.ResponseHeaders(origin, nil, false))
	}
}

// preflight answers a CORS preflight (OPTIONS) from the bucket's rules.
func (s *Server) preflight(rq *request) (response, error) {
	h := rq.http.Header
	origin, method := h.Get("Origin"), h.Get("Access-Control-Request-Method")
	if origin == "" {
		return nil, s3err.ErrInvalidRequest.WithMessage("Insufficient information. Origin request header needed.")
	}
	if method == "" {
		return nil, s3err.ErrInvalidRequest.WithMessage("Invalid Access-Control-Request-Method: null")
	}
	cfg := s.bucketCORS(rq)
	if cfg == nil {
		return nil, s3err.ErrCORSForbidden
	}
	reqHeaders := h.Values("Access-Control-Request-Headers")
	rule, ok := cfg.Match(origin, method, reqHeaders)
	if !ok {
		return nil, s3err.ErrCORSForbidden
	}
	copyHeaders(rq.out, rule.ResponseHeaders(origin, reqHeaders, true))
	return emptyResponse{status: http.StatusOK}, nil
}
