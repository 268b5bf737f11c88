package s3err

import (
	"errors"
	"testing"
)

// WithRegion and WithMessage make copies that still match the table entry
// and keep what the other set; the table entry itself is untouched.
func TestWithRegion(t *testing.T) {
	e := ErrAuthorizationHeaderMalformed.WithRegion("eu-central-1").WithMessage("m")
	if !errors.Is(e, ErrAuthorizationHeaderMalformed) || errors.Is(e, ErrAuthorizationQueryMalformed) {
		t.Fatalf("errors.Is broken for %v", e)
	}
	if e.Region != "eu-central-1" || e.Message != "m" || e.HTTPStatus != ErrAuthorizationHeaderMalformed.HTTPStatus {
		t.Fatalf("copy %+v", e)
	}
	if ErrAuthorizationHeaderMalformed.Region != "" {
		t.Fatal("the table entry was changed")
	}
}
