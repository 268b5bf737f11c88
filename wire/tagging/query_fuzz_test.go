package tagging

import (
	"errors"
	"testing"

	"github.com/kurastore/kura/s3err/s3errtest"

	"github.com/kurastore/kura/s3err"
)

// FuzzParseQuery reads x-amz-tagging header values. A refusal is an S3
// error (InvalidArgument); a valid tag set written back with
// QueryString parses to the same tags, and writes the same string again.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"a=1", "k1=v1&k2=v2", "a+b=c%20d", "key%3D=%26value", "only-key", "=v", "&&a=1&", "a=1&a=2",
		"%E2%82%AC=%F0%9F%98%80", "%zz=1", "a=%", "a=b=c", "k=" + "%2B-%3D._%3A%2F%40", "%00=x", "ключ=値",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		defer s3errtest.Watchdog()()
		tg, err := ParseQuery(s)
		if err != nil {
			var e *s3err.Error
			if !errors.As(err, &e) || !errors.Is(err, s3err.ErrInvalidArgument) {
				t.Fatalf("ParseQuery(%q): %v", s, err)
			}
			return
		}
		if err := tg.ValidateObject(); err != nil {
			var e *s3err.Error
			if !errors.As(err, &e) {
				t.Fatalf("ValidateObject: %v is not an S3 error", err)
			}
			return
		}
		q := tg.QueryString()
		again, err := ParseQuery(q)
		if err != nil || !equalMaps(tg.Map(), again.Map()) || len(again.TagSet) != len(tg.TagSet) {
			t.Fatalf("%q is %q; written as %q it is %q (%v)", s, tg.TagSet, q, again, err)
		}
		if q2 := again.QueryString(); q2 != q {
			t.Fatalf("QueryString not stable: %q, then %q", q, q2)
		}
	})
}
