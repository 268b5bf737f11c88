package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

// The storage class a writer names is recorded and reported as AWS
// reports it: a header on GET and HEAD unless STANDARD, and in listings,
// version listings, multipart listings and object attributes. A copy
// takes the class its request names, STANDARD otherwise; a class AWS
// does not define is InvalidStorageClass.
func TestStorageClassRecorded(t *testing.T) {
	s := compatServer(t, "bkt")
	put := func(key, class string) {
		t.Helper()
		h := http.Header{}
		if class != "" {
			h.Set("x-amz-storage-class", class)
		}
		if rec := s.send(t, fzNewRequest(http.MethodPut, "/bkt/"+key, h, []byte("data")), false); rec.Code != http.StatusOK {
			t.Fatalf("PUT %s (%s): %d %s", key, class, rec.Code, rec.Body)
		}
	}
	put("rr", "REDUCED_REDUNDANCY")
	put("std", "STANDARD")
	put("plain", "")
	for key, want := range map[string]string{"rr": "REDUCED_REDUNDANCY", "std": "", "plain": ""} {
		for _, m := range []string{http.MethodGet, http.MethodHead} {
			rec := s.send(t, fzNewRequest(m, "/bkt/"+key, nil, nil), false)
			if got := rec.Header().Get("X-Amz-Storage-Class"); got != want {
				t.Errorf("%s %s: x-amz-storage-class %q, want %q", m, key, got, want)
			}
		}
	}
	for _, q := range []string{"", "?list-type=2", "?versions"} {
		body := s.send(t, fzNewRequest(http.MethodGet, "/bkt"+q, nil, nil), false).Body.String()
		if strings.Count(body, "<StorageClass>REDUCED_REDUNDANCY</StorageClass>") != 1 || strings.Count(body, "<StorageClass>STANDARD</StorageClass>") != 2 {
			t.Errorf("listing %q:\n%s", q, body)
		}
	}
	attrs := s.send(t, fzNewRequest(http.MethodGet, "/bkt/rr?attributes", http.Header{"X-Amz-Object-Attributes": {"StorageClass"}}, nil), false)
	if !strings.Contains(attrs.Body.String(), "<StorageClass>REDUCED_REDUNDANCY</StorageClass>") {
		t.Errorf("GetObjectAttributes: %s", attrs.Body)
	}

	// Copies: STANDARD unless the request names a class; a copy onto
	// itself that names one is a change, not an illegal copy.
	copyTo := func(dst, class string) int {
		h := http.Header{"X-Amz-Copy-Source": {"/bkt/rr"}}
		if class != "" {
			h.Set("x-amz-storage-class", class)
		}
		return s.send(t, fzNewRequest(http.MethodPut, "/bkt/"+dst, h, nil), false).Code
	}
	head := func(key string) string {
		return s.send(t, fzNewRequest(http.MethodHead, "/bkt/"+key, nil, nil), false).Header().Get("X-Amz-Storage-Class")
	}
	if code := copyTo("copy-default", ""); code != http.StatusOK || head("copy-default") != "" {
		t.Errorf("copy without a class: %d, class %q, want STANDARD", code, head("copy-default"))
	}
	if code := copyTo("copy-ia", "STANDARD_IA"); code != http.StatusOK || head("copy-ia") != "STANDARD_IA" {
		t.Errorf("copy to STANDARD_IA: %d, class %q", code, head("copy-ia"))
	}
	if code := copyTo("rr", "STANDARD"); code != http.StatusOK || head("rr") != "" {
		t.Errorf("copy onto itself to STANDARD: %d, class %q", code, head("rr"))
	}
	if code := copyTo("rr", ""); code != http.StatusBadRequest {
		t.Errorf("copy onto itself changing nothing: %d, want 400", code)
	}

	// Multipart: the upload's class is listed and becomes the object's.
	h := http.Header{"X-Amz-Storage-Class": {"ONEZONE_IA"}}
	rec := s.send(t, fzNewRequest(http.MethodPost, "/bkt/mp?uploads", h, nil), false)
	var created struct{ UploadId string }
	decodeXML(t, rec.Body, &created)
	if body := s.send(t, fzNewRequest(http.MethodGet, "/bkt?uploads", nil, nil), false).Body.String(); !strings.Contains(body, "<StorageClass>ONEZONE_IA</StorageClass>") {
		t.Errorf("ListMultipartUploads:\n%s", body)
	}
	part := s.send(t, fzNewRequest(http.MethodPut, "/bkt/mp?partNumber=1&uploadId="+created.UploadId, nil, []byte("p")), false)
	if body := s.send(t, fzNewRequest(http.MethodGet, "/bkt/mp?uploadId="+created.UploadId, nil, nil), false).Body.String(); !strings.Contains(body, "<StorageClass>ONEZONE_IA</StorageClass>") {
		t.Errorf("ListParts:\n%s", body)
	}
	done := `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>` + part.Header().Get("ETag") + `</ETag></Part></CompleteMultipartUpload>`
	if rec := s.send(t, fzNewRequest(http.MethodPost, "/bkt/mp?uploadId="+created.UploadId, nil, []byte(done)), false); rec.Code != http.StatusOK {
		t.Fatalf("complete: %d %s", rec.Code, rec.Body)
	}
	if head("mp") != "ONEZONE_IA" {
		t.Errorf("completed upload has class %q", head("mp"))
	}

	// Classes AWS does not define, on each write.
	bad := http.Header{"X-Amz-Storage-Class": {"FAST"}}
	for _, r := range []*http.Request{
		fzNewRequest(http.MethodPut, "/bkt/x", bad, []byte("d")),
		fzNewRequest(http.MethodPost, "/bkt/x?uploads", bad, nil),
		fzNewRequest(http.MethodPut, "/bkt/x", http.Header{"X-Amz-Copy-Source": {"/bkt/rr"}, "X-Amz-Storage-Class": {"FAST"}}, nil),
	} {
		if rec := s.send(t, r, false); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "InvalidStorageClass") {
			t.Errorf("%s %s with class FAST: %d %s", r.Method, r.URL, rec.Code, rec.Body)
		}
	}
}
