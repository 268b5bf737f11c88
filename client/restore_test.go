package client

import (
	"testing"
	"time"
)

func TestParseRestore(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want *RestoreStatus
	}{
		{"", nil},
		{`ongoing-request="true"`, &RestoreStatus{Ongoing: true}},
		{`ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"`, &RestoreStatus{Expiry: time.Date(2012, 12, 21, 0, 0, 0, 0, time.UTC)}},
	} {
		got := parseRestore(tc.in)
		if (got == nil) != (tc.want == nil) || (got != nil && (got.Ongoing != tc.want.Ongoing || !got.Expiry.Equal(tc.want.Expiry))) {
			t.Errorf("parseRestore(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}
