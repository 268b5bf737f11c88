package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

// User metadata that is not ASCII goes out as RFC 2047 encoded words, as
// S3 documents; a value sent as encoded words is stored as its text (a
// listing with metadata shows the text); ASCII values are untouched.
func TestUserMetadataRFC2047(t *testing.T) {
	s := compatServer(t, "bkt")
	put := func(key, value string) {
		t.Helper()
		h := http.Header{}
		h["X-Amz-Meta-Greeting"] = []string{value}
		if rec := s.send(t, fzNewRequest(http.MethodPut, "/bkt/"+key, h, []byte("d")), false); rec.Code != http.StatusOK {
			t.Fatalf("PUT %s: %d %s", key, rec.Code, rec.Body)
		}
	}
	put("raw", "Hello World\u00e9")                 // raw UTF-8, as boto3 sends it
	put("encoded", "=?UTF-8?Q?Hello_World=C3=A9?=") // encoded words, Q form
	put("ascii", "=?looks like a word but is not")
	for key, want := range map[string]string{
		"raw":     "=?UTF-8?B?SGVsbG8gV29ybGTDqQ==?=",
		"encoded": "=?UTF-8?B?SGVsbG8gV29ybGTDqQ==?=",
		"ascii":   "=?looks like a word but is not",
	} {
		for _, m := range []string{http.MethodGet, http.MethodHead} {
			rec := s.send(t, fzNewRequest(m, "/bkt/"+key, nil, nil), false)
			//lint:ignore SA1008 S3 sends user metadata headers in lower case, as kura writes them
			if got := strings.Join(rec.Header()["x-amz-meta-greeting"], ","); got != want {
				t.Errorf("%s %s: x-amz-meta-greeting %q, want %q", m, key, got, want)
			}
		}
	}
	list := s.send(t, fzNewRequest(http.MethodGet, "/bkt?list-type=2&metadata=true", nil, nil), false).Body.String()
	if strings.Count(list, "Hello World\u00e9") != 2 {
		t.Errorf("listing with metadata does not show the stored text twice:\n%s", list)
	}
}
