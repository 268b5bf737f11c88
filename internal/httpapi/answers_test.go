package httpapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"net/http"
	"net/url"
	"testing"

	"github.com/kurastore/kura/internal/object"
)

// completeUpload uploads data as the one part of a new upload of
// bkt/key and returns the CompleteMultipartUpload request for it, sent
// to host.
func completeUpload(t *testing.T, s *fzServer, key, host string, data []byte) *http.Request {
	t.Helper()
	ctx := context.Background()
	id, err := s.layer.CreateMultipartUpload(ctx, "bkt", key, object.UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.layer.UploadPart(ctx, "bkt", key, id, 1, bytes.NewReader(data), object.PartOptions{Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	body := "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"" + p.ETag + "\"</ETag></Part></CompleteMultipartUpload>"
	target := (&url.URL{Path: "/bkt/" + key}).EscapedPath()
	if host != "" {
		target = (&url.URL{Path: "/" + key}).EscapedPath()
	}
	r := fzNewRequest(http.MethodPost, target+"?uploadId="+id, nil, []byte(body))
	if host != "" {
		r.Host = host
	}
	return r
}

// CompleteMultipartUpload's Location is the object's absolute URL, as on
// AWS, on the host the request came to: path-style or virtual-host style
// as the request was, https when the connection was TLS, and with the key
// percent-encoded.
func TestCompleteMultipartUploadLocation(t *testing.T) {
	s := compatServer(t, "bkt")
	s.api.domain = "s3.example.test"
	for _, c := range []struct {
		name, key, host string
		tls             bool
		want            string
	}{
		{"path-style", "dir/a b", "", false, "http://127.0.0.1:9000/bkt/dir/a%20b"},
		{"path-style over TLS", "k", "", true, "https://127.0.0.1:9000/bkt/k"},
		{"virtual-host style", "dir/k", "bkt.s3.example.test:9000", false, "http://bkt.s3.example.test:9000/dir/k"},
	} {
		r := completeUpload(t, s, c.key, c.host, []byte("data"))
		if c.tls {
			r.TLS = &tls.ConnectionState{}
		}
		rec := s.send(t, r, false)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", c.name, rec.Code, rec.Body)
		}
		var res completeResult
		decodeXML(t, rec.Body, &res)
		if res.Location != c.want {
			t.Errorf("%s: Location %q, want %q", c.name, res.Location, c.want)
		}
	}
}
