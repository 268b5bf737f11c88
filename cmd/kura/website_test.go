package main

import "testing"

// The website domain must not be the API's: requests are told apart by
// their host name alone.
func TestWebsiteFlagsCheck(t *testing.T) {
	for _, tt := range []struct {
		website, api string
		ok           bool
	}{
		{"", "", true},
		{"", "s3.example", true},
		{"site.example", "", true},
		{"site.example", "s3.example", true},
		{"s3.example", "s3.example", false},
		{".S3.example", "s3.Example", false},
	} {
		err := websiteFlags{domain: tt.website}.check(tt.api)
		if (err == nil) != tt.ok {
			t.Errorf("--website-domain %q --domain %q: %v", tt.website, tt.api, err)
		}
	}
}
