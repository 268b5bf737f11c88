package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

// TestObserveRecordsEveryRequest: each answered request reaches the
// observer once, with its operation, status, error code, bytes and
// caller; health checks do not.
func TestObserveRecordsEveryRequest(t *testing.T) {
	s := newFzServer(t)
	var got []*RequestRecord
	s.api.observer = func(r *RequestRecord) { got = append(got, r) }
	if rec := s.send(t, fzNewRequest(http.MethodPut, "/obs", nil, nil), false); rec.Code != 200 {
		t.Fatal(rec.Code)
	}
	got = nil

	put := s.send(t, fzNewRequest(http.MethodPut, "/obs/a/b.txt", nil, []byte("hello, world")), false)
	get := s.send(t, fzNewRequest(http.MethodGet, "/obs/a/b.txt", http.Header{"Range": {"bytes=0-4"}}, nil), false)
	missing := s.send(t, fzNewRequest(http.MethodGet, "/obs/missing", nil, nil), false)
	anon := s.send(t, fzNewRequest(http.MethodGet, "/obs?list-type=2", nil, nil), true)
	s.send(t, fzNewRequest(http.MethodGet, "/minio/health/live", nil, nil), true)
	bad := s.send(t, fzNewRequest(http.MethodGet, "/obs/x", http.Header{"Authorization": {"AWS4-HMAC-SHA256 nonsense"}}, nil), true)

	want := []struct {
		api, bucket, key, access, code string
		status                         int
		in, out                        int64
		rid                            string
	}{
		{"PutObject", "obs", "a/b.txt", s.creds.AccessKey, "", 200, 12, 0, put.Header().Get("x-amz-request-id")},
		{"GetObject", "obs", "a/b.txt", s.creds.AccessKey, "", 206, 0, 5, get.Header().Get("x-amz-request-id")},
		{"GetObject", "obs", "missing", s.creds.AccessKey, "NoSuchKey", 404, 0, int64(missing.Body.Len()), missing.Header().Get("x-amz-request-id")},
		{"ListObjectsV2", "obs", "", "", "AccessDenied", 403, 0, int64(anon.Body.Len()), anon.Header().Get("x-amz-request-id")},
		{"GetObject", "obs", "x", "", "AuthorizationHeaderMalformed", 400, 0, int64(bad.Body.Len()), bad.Header().Get("x-amz-request-id")},
	}
	if len(got) != len(want) {
		for _, r := range got {
			t.Logf("%+v", *r)
		}
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for i, w := range want {
		r := got[i]
		if r.API != w.api || r.Bucket != w.bucket || r.Key != w.key || r.AccessKey != w.access || r.Status != w.status ||
			r.BytesIn != w.in || r.BytesOut != w.out || r.RequestID != w.rid || r.HostID == "" || r.Method != http.MethodPut && i == 0 {
			t.Errorf("record %d: %+v\nwant %+v", i, *r, w)
		}
		if w.code != "" && r.ErrorCode != w.code || w.code == "" && r.ErrorCode != "" {
			t.Errorf("record %d: error code %q, want %q", i, r.ErrorCode, w.code)
		}
		if r.RemoteIP == "" || strings.Contains(r.RemoteIP, ":") && !strings.Contains(r.RemoteIP, "::") || r.Duration <= 0 || r.Time.IsZero() {
			t.Errorf("record %d: remote %q, duration %v, time %v", i, r.RemoteIP, r.Duration, r.Time)
		}
	}
}
