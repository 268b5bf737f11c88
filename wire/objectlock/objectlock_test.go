package objectlock

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kurastore/kura/s3err"
)

const ns = `xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`

func TestConfiguration(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want *Configuration
		err  error
	}{
		{"enabled only", `<ObjectLockConfiguration ` + ns + `><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>`,
			&Configuration{ObjectLockEnabled: Enabled}, nil},
		{"governance days", `<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>15</Days></DefaultRetention></Rule></ObjectLockConfiguration>`,
			&Configuration{ObjectLockEnabled: Enabled, Rule: &Rule{DefaultRetention{Mode: Governance, Days: 15}}}, nil},
		{"compliance years", `<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>COMPLIANCE</Mode><Years>1</Years></DefaultRetention></Rule></ObjectLockConfiguration>`,
			&Configuration{ObjectLockEnabled: Enabled, Rule: &Rule{DefaultRetention{Mode: Compliance, Years: 1}}}, nil},
		{"not enabled", `<ObjectLockConfiguration><ObjectLockEnabled>Disabled</ObjectLockEnabled></ObjectLockConfiguration>`, nil, s3err.ErrMalformedXML},
		{"missing enabled", `<ObjectLockConfiguration/>`, nil, s3err.ErrMalformedXML},
		{"bad mode", `<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>governance</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>`, nil, s3err.ErrMalformedXML},
		{"days and years", `<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days><Years>1</Years></DefaultRetention></Rule></ObjectLockConfiguration>`, nil, s3err.ErrMalformedXML},
		{"no period", `<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode></DefaultRetention></Rule></ObjectLockConfiguration>`, nil, s3err.ErrMalformedXML},
		{"negative days", `<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>-1</Days></DefaultRetention></Rule></ObjectLockConfiguration>`, nil, s3err.ErrInvalidArgument},
		// AWS answers an explicit zero as it answers a negative period.
		{"zero days", `<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>0</Days></DefaultRetention></Rule></ObjectLockConfiguration>`, nil, s3err.ErrInvalidArgument},
		{"zero years", `<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Years>0</Years></DefaultRetention></Rule></ObjectLockConfiguration>`, nil, s3err.ErrInvalidArgument},
		{"zero days and one year", `<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>0</Days><Years>1</Years></DefaultRetention></Rule></ObjectLockConfiguration>`, nil, s3err.ErrMalformedXML},
		{"too many days", `<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>36501</Days></DefaultRetention></Rule></ObjectLockConfiguration>`, nil, s3err.ErrInvalidRetentionPeriod},
		{"too many years", `<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Years>101</Years></DefaultRetention></Rule></ObjectLockConfiguration>`, nil, s3err.ErrInvalidRetentionPeriod},
		{"wrong root", `<LockConfiguration/>`, nil, s3err.ErrMalformedXML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfiguration(strings.NewReader(tt.doc))
			if err == nil {
				err = c.Validate()
			}
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("error = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c, tt.want) {
				t.Fatalf("Parse = %+v, want %+v", c, tt.want)
			}
			enc, err := c.Encode()
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParseConfiguration(strings.NewReader(string(enc)))
			if err != nil || !reflect.DeepEqual(back, c) {
				t.Fatalf("round trip of %s: %+v, %v", enc, back, err)
			}
		})
	}
}

func TestConfigurationLimits(t *testing.T) {
	for _, tt := range []struct {
		d  DefaultRetention
		ok bool
	}{
		{DefaultRetention{Mode: Governance, Days: MaxDays}, true},
		{DefaultRetention{Mode: Governance, Days: MaxDays + 1}, false},
		{DefaultRetention{Mode: Compliance, Years: MaxYears}, true},
		{DefaultRetention{Mode: Compliance, Years: MaxYears + 1}, false},
	} {
		c := &Configuration{ObjectLockEnabled: Enabled, Rule: &Rule{tt.d}}
		if err := c.Validate(); (err == nil) != tt.ok {
			t.Errorf("%+v: %v", tt.d, err)
		}
	}
}

func TestRetention(t *testing.T) {
	until := time.Date(2030, 1, 2, 3, 4, 5, 6e6, time.UTC)
	tests := []struct {
		name string
		doc  string
		want *Retention
		err  error
	}{
		{"governance", `<Retention ` + ns + `><Mode>GOVERNANCE</Mode><RetainUntilDate>2030-01-02T03:04:05.006Z</RetainUntilDate></Retention>`, &Retention{Governance, until}, nil},
		{"offset date", `<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>2030-01-02T05:04:05.006+02:00</RetainUntilDate></Retention>`, &Retention{Compliance, until}, nil},
		{"empty removes", `<Retention/>`, &Retention{}, nil},
		{"mode without date", `<Retention><Mode>GOVERNANCE</Mode></Retention>`, nil, s3err.ErrMalformedXML},
		{"date without mode", `<Retention><RetainUntilDate>2030-01-02T03:04:05Z</RetainUntilDate></Retention>`, nil, s3err.ErrMalformedXML},
		{"bad mode", `<Retention><Mode>LOCKED</Mode><RetainUntilDate>2030-01-02T03:04:05Z</RetainUntilDate></Retention>`, nil, s3err.ErrMalformedXML},
		{"bad date", `<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>tomorrow</RetainUntilDate></Retention>`, nil, s3err.ErrMalformedXML},
		{"date out of range in UTC", `<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>9999-12-31T23:00:00-02:00</RetainUntilDate></Retention>`, nil, s3err.ErrMalformedXML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseRetention(strings.NewReader(tt.doc))
			if err == nil {
				err = r.Validate()
			}
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("error = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r, tt.want) {
				t.Fatalf("Parse = %+v, want %+v", r, tt.want)
			}
			enc, err := r.Encode()
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParseRetention(strings.NewReader(string(enc)))
			if err != nil || !reflect.DeepEqual(back, r) {
				t.Fatalf("round trip of %s: %+v, %v", enc, back, err)
			}
		})
	}
	if err := (&Retention{Governance, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}).Validate(); !errors.Is(err, s3err.ErrInvalidArgument) {
		t.Fatalf("retention to the year 10000: %v", err)
	}
	enc, _ := (&Retention{Governance, until}).Encode()
	if want := `<Retention ` + ns + `><Mode>GOVERNANCE</Mode><RetainUntilDate>2030-01-02T03:04:05.006Z</RetainUntilDate></Retention>`; string(enc) != want {
		t.Fatalf("Encode = %s, want %s", enc, want)
	}
}

func TestLegalHold(t *testing.T) {
	for _, tt := range []struct {
		doc string
		err error
	}{
		{`<LegalHold ` + ns + `><Status>ON</Status></LegalHold>`, nil},
		{`<LegalHold><Status>OFF</Status></LegalHold>`, nil},
		{`<LegalHold><Status>on</Status></LegalHold>`, s3err.ErrMalformedXML},
		{`<LegalHold/>`, s3err.ErrMalformedXML},
		{`<Hold><Status>ON</Status></Hold>`, s3err.ErrMalformedXML},
	} {
		h, err := ParseLegalHold(strings.NewReader(tt.doc))
		if err == nil {
			err = h.Validate()
		}
		if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("%s: error = %v, want %v", tt.doc, err, tt.err)
			continue
		}
		if err == nil {
			enc, _ := h.Encode()
			back, err := ParseLegalHold(strings.NewReader(string(enc)))
			if err != nil || *back != *h {
				t.Errorf("round trip of %s: %+v, %v", enc, back, err)
			}
		}
	}
}

func TestDocumentSizeLimit(t *testing.T) {
	parsers := map[string]func(string) error{
		"configuration": func(s string) error { _, err := ParseConfiguration(strings.NewReader(s)); return err },
		"retention":     func(s string) error { _, err := ParseRetention(strings.NewReader(s)); return err },
		"legal hold":    func(s string) error { _, err := ParseLegalHold(strings.NewReader(s)); return err },
	}
	docs := map[string]string{
		"configuration": `<ObjectLockConfiguration/>`,
		"retention":     `<Retention/>`,
		"legal hold":    `<LegalHold/>`,
	}
	for name, parse := range parsers {
		d := docs[name]
		padded := func(size int) string { return d + strings.Repeat(" ", size-len(d)) }
		if err := parse(padded(MaxDocumentSize)); err != nil {
			t.Errorf("%s of MaxDocumentSize: %v", name, err)
		}
		if err := parse(padded(MaxDocumentSize + 1)); !errors.Is(err, s3err.ErrRequestBodyTooLarge) {
			t.Errorf("%s of MaxDocumentSize+1: %v", name, err)
		}
	}
}
