package httpapi

import (
	"net/http"
	"testing"
)

// TestExpectedBucketOwner: a request naming another account in
// x-amz-expected-bucket-owner (or x-amz-source-expected-bucket-owner for
// a copy's source) is refused with 403 and changes nothing; the
// buckets' account, by account id or canonical id, passes.
func TestExpectedBucketOwner(t *testing.T) {
	s := newAuthzServer(t)
	s.asRoot(t, "PUT", "/obk", nil, "")
	s.asRoot(t, "PUT", "/obk/k", nil, "data")
	account := s.api.accountID()
	wrong := http.Header{"X-Amz-Expected-Bucket-Owner": {"111122223333"}}
	right := http.Header{"X-Amz-Expected-Bucket-Owner": {account}}
	canonical := http.Header{"X-Amz-Expected-Bucket-Owner": {s.api.ownerID}}

	for _, c := range []struct{ method, target string }{
		{"DELETE", "/obk/k"},
		{"DELETE", "/obk"},
		{"PUT", "/obk/other"},
		{"GET", "/obk/k"},
		{"GET", "/obk?list-type=2"},
		{"PUT", "/obk?tagging"},
	} {
		if rec := s.do(&s.root, c.method, c.target, wrong, nil); rec.Code != http.StatusForbidden {
			t.Errorf("%s %s with another expected owner: %d, want 403: %s", c.method, c.target, rec.Code, rec.Body)
		}
	}
	if !s.exists(t, "/obk/k") || s.exists(t, "/obk/other") {
		t.Fatal("a request with another expected owner changed something")
	}
	if rec := s.do(&s.root, "GET", "/obk", nil, nil); rec.Code != http.StatusOK {
		t.Fatalf("the bucket is gone: %d", rec.Code)
	}
	for _, h := range []http.Header{right, canonical} {
		if rec := s.do(&s.root, "GET", "/obk/k", h, nil); rec.Code != http.StatusOK {
			t.Errorf("GET with the right expected owner %v: %d", h, rec.Code)
		}
	}
	copyWrong := http.Header{"X-Amz-Copy-Source": {"/obk/k"}, "X-Amz-Source-Expected-Bucket-Owner": {"111122223333"}}
	if rec := s.do(&s.root, "PUT", "/obk/copy", copyWrong, nil); rec.Code != http.StatusForbidden || s.exists(t, "/obk/copy") {
		t.Errorf("copy from a source of another expected owner: %d", rec.Code)
	}
	copyRight := http.Header{"X-Amz-Copy-Source": {"/obk/k"}, "X-Amz-Source-Expected-Bucket-Owner": {account}}
	if rec := s.do(&s.root, "PUT", "/obk/copy", copyRight, nil); rec.Code != http.StatusOK {
		t.Errorf("copy with the right source owner: %d %s", rec.Code, rec.Body)
	}
	if rec := s.do(&s.root, "DELETE", "/obk/k", right, nil); rec.Code != http.StatusNoContent {
		t.Errorf("DELETE with the right expected owner: %d", rec.Code)
	}
}
