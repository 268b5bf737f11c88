package objectlock

import (
	"bytes"
	"testing"
)

// encoder is what the three documents share, for one round-trip check.
type encoder interface {
	Validate() error
	Encode() ([]byte, error)
}

// roundTrip checks that a valid document encodes to one that parses,
// validates and encodes to the same bytes. (Bytes, not values: a date
// with finer than millisecond precision is cut on the first encoding.)
func roundTrip[D encoder](t *testing.T, data []byte, parse func([]byte) (D, error)) {
	d, err := parse(data)
	if err != nil || d.Validate() != nil {
		return
	}
	enc, err := d.Encode()
	if err != nil {
		t.Fatalf("Encode of a valid document: %v", err)
	}
	again, err := parse(enc)
	if err != nil {
		t.Fatalf("Parse(Encode()) = %v for %s", err, enc)
	}
	if err := again.Validate(); err != nil {
		t.Fatalf("round trip made a valid document invalid: %v\n%s", err, enc)
	}
	enc2, err := again.Encode()
	if err != nil || !bytes.Equal(enc, enc2) {
		t.Fatalf("second round changed\n%s\ninto\n%s (%v)", enc, enc2, err)
	}
}

func FuzzParseConfiguration(f *testing.F) {
	f.Add([]byte(`<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>15</Days></DefaultRetention></Rule></ObjectLockConfiguration>`))
	f.Add([]byte(`<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		roundTrip(t, data, func(b []byte) (*Configuration, error) { return ParseConfiguration(bytes.NewReader(b)) })
	})
}

func FuzzParseRetention(f *testing.F) {
	f.Add([]byte(`<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>2030-01-02T03:04:05.123456+01:00</RetainUntilDate></Retention>`))
	f.Add([]byte(`<Retention/>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		roundTrip(t, data, func(b []byte) (*Retention, error) { return ParseRetention(bytes.NewReader(b)) })
	})
}

func FuzzParseLegalHold(f *testing.F) {
	f.Add([]byte(`<LegalHold><Status>ON</Status></LegalHold>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		roundTrip(t, data, func(b []byte) (*LegalHold, error) { return ParseLegalHold(bytes.NewReader(b)) })
	})
}
