package httpapi

import (
	"errors"
	"testing"

	"github.com/kurastore/kura/s3err"
)

// FuzzRequestedEncryption: whatever the encryption headers of a write
// say, parsing them never panics, and a refusal is an S3 error.
func FuzzRequestedEncryption(f *testing.F) {
	key := "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	sum := "t9eBt/1FIUh+uOAR7wJmiA=="
	f.Add("", "", "", "", "", "", true)
	f.Add("AES256", "", "", "", "", "", false)
	f.Add("aws:kms", "arn:aws:kms:us-east-1:1:key/app", "eyJhIjoiYiJ9", "", "", "", false)
	f.Add("", "", "", "AES256", key, sum, true)
	f.Add("AES256", "", "", "AES256", key, sum, true)
	f.Add("", "", "", "AES256", "bm90IDMyIGJ5dGVz", sum, true)
	f.Fuzz(func(t *testing.T, alg, keyID, ctx, cAlg, cKey, cMD5 string, secure bool) {
		h := map[string]string{
			hdrSSE: alg, hdrSSEKMSKeyID: keyID, hdrSSEContext: ctx,
			objectPrefix + sseCAlgorithm: cAlg, objectPrefix + sseCKey: cKey, objectPrefix + sseCKeyMD5: cMD5,
		}
		enc, err := requestedEncryption(func(name string) string { return h[name] }, secure)
		var s3e *s3err.Error
		switch {
		case err != nil && !errors.As(err, &s3e):
			t.Fatalf("error %v is not an S3 error", err)
		case err == nil && enc.Type == "SSE-C" && (len(enc.CustomerKey) != 32 || !secure):
			t.Fatalf("accepted an SSE-C key of %d bytes (secure %v)", len(enc.CustomerKey), secure)
		}
	})
}
