package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kurastore/kura/wire/adminapi"
)

// usageAnswers answers the usage call with two buckets, or with the one
// ?bucket= names.
func usageAnswers(queries *[]string) http.Handler {
	all := []adminapi.BucketUsage{
		{Bucket: "big", Objects: 1500, Versions: 1500, Bytes: 3 << 20},
		{Bucket: "small", Objects: 2, Versions: 3, DeleteMarkers: 1, Bytes: 10, Uploads: 1, UploadBytes: 5},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*queries = append(*queries, r.URL.RawQuery)
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Has("bucket") {
			_ = json.NewEncoder(w).Encode(all[1:])
			return
		}
		_ = json.NewEncoder(w).Encode(all)
	})
}

func TestAdminUsageCLI(t *testing.T) {
	var queries []string
	srv := httptest.NewServer(usageAnswers(&queries))
	defer srv.Close()

	out, err := runAdmin(t, srv.URL, "usage")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "BUCKET") {
		t.Fatalf("table:\n%s", out)
	}
	for i, want := range []string{
		"big 1500 3.0 MiB 3145728 1500 0 0 0",
		"small 2 10 B 10 3 1 1 5",
		"(total) 1502 3.0 MiB 3145738 1503 1 1 5",
	} {
		if got := strings.Join(strings.Fields(lines[i+1]), " "); got != want {
			t.Errorf("row %d: %q, want %q", i+1, got, want)
		}
	}

	out, err = runAdmin(t, srv.URL, "usage", "small")
	if err != nil || strings.Count(strings.TrimSpace(out), "\n") != 1 || strings.Contains(out, "(total)") || queries[len(queries)-1] != "bucket=small" {
		t.Fatalf("usage small: %q %v (query %q)", out, err, queries[len(queries)-1])
	}
	out, err = runAdmin(t, srv.URL, "usage", "--json")
	var decoded []adminapi.BucketUsage
	if err != nil || json.Unmarshal([]byte(out), &decoded) != nil || len(decoded) != 2 || decoded[0].Objects != 1500 {
		t.Fatalf("usage --json: %q %v", out, err)
	}
	if _, err := runAdmin(t, srv.URL, "usage", "a", "b"); err == nil {
		t.Fatal("two buckets were taken")
	}
}
