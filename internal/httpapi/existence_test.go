package httpapi

import (
	"net/http"
	"testing"
)

// TestMissingKeyNeedsListBucket: as on S3, a read of a key that does not
// exist is NoSuchKey only for a caller that may list the bucket; anyone
// else gets AccessDenied, the answer it gets for a key it may not read,
// so probing does not tell which keys exist.
func TestMissingKeyNeedsListBucket(t *testing.T) {
	s := newAuthzServer(t)
	s.asRoot(t, "PUT", "/ebk", nil, "")
	s.asRoot(t, "PUT", "/ebk/present", nil, "data")
	readOnly := s.user(t, "reader", allowDeny(statement("Allow", `"s3:GetObject","s3:GetObjectAttributes"`, `"arn:aws:s3:::ebk/*"`), ""))
	lister := s.user(t, "lister", allowDeny(
		statement("Allow", `"s3:GetObject","s3:GetObjectAttributes"`, `"arn:aws:s3:::ebk/*"`)+","+
			statement("Allow", `"s3:ListBucket"`, `"arn:aws:s3:::ebk"`), ""))
	attrs := http.Header{"X-Amz-Object-Attributes": {"ETag"}}
	for _, c := range []struct {
		who              string
		method, target   string
		h                http.Header
		reader, listerSt int
	}{
		{"GET", "GET", "/ebk/missing", nil, http.StatusForbidden, http.StatusNotFound},
		{"HEAD", "HEAD", "/ebk/missing", nil, http.StatusForbidden, http.StatusNotFound},
		{"attributes", "GET", "/ebk/missing?attributes", attrs, http.StatusForbidden, http.StatusNotFound},
		{"present", "GET", "/ebk/present", nil, http.StatusOK, http.StatusOK},
	} {
		if rec := s.do(readOnly, c.method, c.target, c.h, nil); rec.Code != c.reader {
			t.Errorf("%s without s3:ListBucket: %d, want %d: %s", c.who, rec.Code, c.reader, rec.Body)
		}
		if rec := s.do(lister, c.method, c.target, c.h, nil); rec.Code != c.listerSt {
			t.Errorf("%s with s3:ListBucket: %d, want %d: %s", c.who, rec.Code, c.listerSt, rec.Body)
		}
	}
	if rec := s.do(&s.root, "GET", "/ebk/missing", nil, nil); rec.Code != http.StatusNotFound {
		t.Errorf("root: %d, want 404", rec.Code)
	}
	// Anonymous callers under a public read policy likewise.
	s.asRoot(t, "PUT", "/ebk?policy", nil, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::ebk/*"}]}`)
	if rec := s.do(nil, "GET", "/ebk/missing", nil, nil); rec.Code != http.StatusForbidden {
		t.Errorf("anonymous without s3:ListBucket: %d, want 403", rec.Code)
	}
	if rec := s.do(nil, "GET", "/ebk/present", nil, nil); rec.Code != http.StatusOK {
		t.Errorf("anonymous read of a present key: %d, want 200", rec.Code)
	}
}
