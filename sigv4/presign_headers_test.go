package sigv4

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/kurastore/kura/s3err"
)

// A presigned URL covers the headers it names and no others: its holder
// may not add x-amz-* headers the signer never saw.
func TestPresignedUnsignedHeaders(t *testing.T) {
	presigned := func() *http.Request {
		r, _ := http.NewRequest("PUT", "http://127.0.0.1/b/k", nil)
		u := Presign(r, Credentials{AccessKey: testAK, SecretKey: testSK}, "us-east-1", "s3", testNow, time.Hour)
		out, _ := http.NewRequest("PUT", u.String(), nil)
		return out
	}
	if _, err := verifier().Verify(presigned()); err != nil {
		t.Fatalf("plain presigned request: %v", err)
	}
	for _, h := range []string{"X-Amz-Acl", "X-Amz-Copy-Source", "X-Amz-Meta-Owner", "X-Amz-Bypass-Governance-Retention"} {
		r := presigned()
		r.Header.Set(h, "x")
		if _, err := verifier().Verify(r); !errors.Is(err, s3err.ErrUnsignedHeaders) {
			t.Errorf("presigned with unsigned %s: %v, want UnsignedHeaders", h, err)
		}
	}
	// Other headers are not the signature's business.
	r := presigned()
	r.Header.Set("Content-Type", "text/plain")
	if _, err := verifier().Verify(r); err != nil {
		t.Errorf("presigned with an unsigned Content-Type: %v", err)
	}
}
