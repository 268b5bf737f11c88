package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kurastore/kura/client"
)

// uploadsServer lists the uploads of keys (upload id "id-"+key) under
// the asked prefix, rolling keys up at the asked delimiter, and answers
// an abort with the error in abortErr for that key (204 when none).
type uploadsServer struct {
	keys     []string
	abortErr map[string]string

	mu      sync.Mutex
	aborted []string
	queries []string
}

func (s *uploadsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.URL.Path, "/bucket/")
	if r.Method == http.MethodDelete {
		s.mu.Lock()
		s.aborted = append(s.aborted, key)
		s.mu.Unlock()
		if code := s.abortErr[key]; code != "" {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte("<Error><Code>" + code + "</Code><Message>no</Message></Error>"))
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	s.queries = append(s.queries, "prefix="+q.Get("prefix")+" delimiter="+q.Get("delimiter"))
	s.mu.Unlock()
	var b strings.Builder
	b.WriteString("<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>")
	for _, k := range s.keys {
		rest, ok := strings.CutPrefix(k, q.Get("prefix"))
		if !ok || (q.Get("delimiter") != "" && strings.Contains(rest, q.Get("delimiter"))) {
			continue
		}
		b.WriteString("<Upload><Key>" + k + "</Key><UploadId>id-" + k + "</UploadId></Upload>")
	}
	b.WriteString("</ListMultipartUploadsResult>")
	w.Write([]byte(b.String()))
}

func uploadsTarget(t *testing.T, s *uploadsServer, key string) Target {
	t.Helper()
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	c, err := client.New(hs.URL, &client.Options{AccessKey: "AK", SecretKey: "SECRETKEY", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return Target{Alias: "a", Bucket: "bucket", Key: key, Client: c}
}

// TestListUploadsDelimiter: a listing that is not recursive asks the
// server for the keys directly under the prefix; a recursive one, and
// the whole-bucket fallback, for every key.
func TestListUploadsDelimiter(t *testing.T) {
	s := &uploadsServer{keys: []string{"dir/a", "dir/sub/b", "top"}}
	tg := uploadsTarget(t, s, "dir/")
	for _, tc := range []struct {
		recursive bool
		want      string
		query     string
	}{
		{false, "dir/a", "prefix=dir/ delimiter=/"},
		{true, "dir/a,dir/sub/b", "prefix=dir/ delimiter="},
	} {
		s.queries = nil
		ups, err := listUploads(context.Background(), tg.Client, "bucket", tg.Key, tc.recursive)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, u := range ups {
			if u.Bucket != "bucket" || u.UploadID != "id-"+u.Key {
				t.Errorf("upload %+v", u)
			}
			got = append(got, u.Key)
		}
		if strings.Join(got, ",") != tc.want || strings.Join(s.queries, ";") != tc.query {
			t.Errorf("recursive %v: uploads %v after %v, want %s after %s", tc.recursive, got, s.queries, tc.want, tc.query)
		}
	}
	// Nothing under "di" as a directory: the whole bucket is listed,
	// recursively, and filtered here.
	s.queries = nil
	ups, err := listUploads(context.Background(), tg.Client, "bucket", "di", false)
	if err != nil || len(ups) != 0 || strings.Join(s.queries, ";") != "prefix=di delimiter=/;prefix= delimiter=" {
		t.Errorf("fallback: %v, %v after %v", ups, err, s.queries)
	}
}

// TestAbortUploadsGoneIsDone: rm --incomplete counts an upload that is
// gone by the time it is aborted (NoSuchUpload) as aborted, and stops at
// any other error.
func TestAbortUploadsGoneIsDone(t *testing.T) {
	s := &uploadsServer{keys: []string{"a", "b", "c"}, abortErr: map[string]string{"b": "NoSuchUpload"}}
	var out, errOut strings.Builder
	e := NewEnv(&out, &errOut)
	if err := e.abortUploads(context.Background(), uploadsTarget(t, s, ""), uploadRemoval{}); err != nil {
		t.Fatalf("abort: %v", err)
	}
	if strings.Join(s.aborted, ",") != "a,b,c" || strings.Count(out.String(), "Removed") != 3 {
		t.Errorf("aborted %v, told:\n%s", s.aborted, out.String())
	}

	s = &uploadsServer{keys: []string{"a", "b", "c"}, abortErr: map[string]string{"b": "AccessDenied"}}
	err := e.abortUploads(context.Background(), uploadsTarget(t, s, ""), uploadRemoval{})
	if client.ErrorCode(err) != "AccessDenied" || strings.Join(s.aborted, ",") != "a,b" {
		t.Errorf("abort with a refusal: %v after aborting %v", err, s.aborted)
	}
}
