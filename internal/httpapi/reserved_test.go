package httpapi

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/auth"
)

// The buckets whose names are the first segment of a path the server
// answers itself (the health checks) cannot be created: their objects at
// those paths could never be read. Names next to them can, and the health
// checks still answer.
func TestBucketNamesShadowingServerRoutes(t *testing.T) {
	s := compatServer(t)
	for _, name := range []string{"health", "minio"} {
		rec := s.send(t, fzNewRequest(http.MethodPut, "/"+name, nil, nil), false)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "InvalidBucketName") || !strings.Contains(rec.Body.String(), "reserved") {
			t.Errorf("CreateBucket %s: %d %s", name, rec.Code, rec.Body)
		}
	}
	for _, name := range []string{"healthy", "minio-data", "kura"} {
		if rec := s.send(t, fzNewRequest(http.MethodPut, "/"+name, nil, nil), false); rec.Code != http.StatusOK {
			t.Fatalf("CreateBucket %s: %d %s", name, rec.Code, rec.Body)
		}
		put := s.send(t, fzNewRequest(http.MethodPut, "/"+name+"/health/live", nil, []byte("an object")), false)
		get := s.send(t, fzNewRequest(http.MethodGet, "/"+name+"/health/live", nil, nil), false)
		if put.Code != http.StatusOK || get.Code != http.StatusOK || get.Body.String() != "an object" {
			t.Fatalf("%s/health/live: PUT %d, GET %d %s", name, put.Code, get.Code, get.Body)
		}
	}
	for _, path := range []string{"/health/live", "/health/ready", "/minio/health/live", "/minio/health/ready"} {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			if rec := s.send(t, fzNewRequest(method, path, nil, nil), true); rec.Code != http.StatusOK {
				t.Errorf("%s %s: %d %s", method, path, rec.Code, rec.Body)
			}
		}
	}
}

// A request whose Host names a bucket addresses that bucket, whatever its
// path: keys that look like the server's own paths are objects like any
// other, while the same paths on the server's own name are answered by
// the server.
func TestVirtualHostedKeysLikeServerRoutes(t *testing.T) {
	s := compatServer(t, "bkt")
	s.api = New(Config{
		Objects: s.layer, Region: fzRegion, Now: func() time.Time { return s.now }, Domain: "s3.test",
		Credentials: auth.NewStatic(auth.Credentials{AccessKey: s.creds.AccessKey, SecretKey: s.creds.SecretKey}).Secret,
	})
	onHost := func(host string, r *http.Request) *http.Request {
		r.Host = host
		return r
	}
	for _, key := range []string{"health/live", "health/ready", "minio/health/live", ".kura/admin/v1/users"} {
		data := []byte("object " + key)
		put := s.send(t, onHost("bkt.s3.test", fzNewRequest(http.MethodPut, "/"+key, nil, data)), false)
		get := s.send(t, onHost("bkt.s3.test", fzNewRequest(http.MethodGet, "/"+key, nil, nil)), false)
		if put.Code != http.StatusOK || get.Code != http.StatusOK || !bytes.Equal(get.Body.Bytes(), data) {
			t.Errorf("bkt/%s: PUT %d %s, GET %d %s", key, put.Code, put.Body, get.Code, get.Body)
		}
	}
	if rec := s.send(t, onHost("s3.test", fzNewRequest(http.MethodGet, "/health/live", nil, nil)), true); rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("health check on the server's name: %d %s", rec.Code, rec.Body)
	}
}
