package cli

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kurastore/kura/client"
)

// deleteServer answers DeleteObjects, refusing the keys in refuse, and
// records how many keys each request carried.
type deleteServer struct {
	mu      sync.Mutex
	batches []int
	refuse  map[string]bool
	// single are the keys deleted one by one.
	single []string
}

func (d *deleteServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodDelete {
		d.mu.Lock()
		d.single = append(d.single, strings.TrimPrefix(r.URL.Path, "/bucket/"))
		d.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if _, ok := r.URL.Query()["delete"]; !ok || r.Method != http.MethodPost {
		http.Error(w, "unexpected", http.StatusBadRequest)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var doc struct {
		Objects []struct{ Key string } `xml:"Object"`
	}
	xml.Unmarshal(body, &doc)
	d.mu.Lock()
	d.batches = append(d.batches, len(doc.Objects))
	d.mu.Unlock()
	var b strings.Builder
	b.WriteString("<DeleteResult>")
	for _, o := range doc.Objects {
		if d.refuse[o.Key] {
			fmt.Fprintf(&b, "<Error><Key>%s</Key><Code>AccessDenied</Code><Message>locked</Message></Error>", o.Key)
		}
	}
	b.WriteString("</DeleteResult>")
	w.Write([]byte(b.String()))
}

func runDeleter(t *testing.T, n int, refuse map[string]bool) (*deleteServer, *deleter, string) {
	return runDeleterKeys(t, n, refuse, func(i int) string { return fmt.Sprintf("k%05d", i) })
}

func runDeleterKeys(t *testing.T, n int, refuse map[string]bool, key func(int) string) (*deleteServer, *deleter, string) {
	t.Helper()
	srv := &deleteServer{refuse: refuse}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	c, err := client.New(hs.URL, &client.Options{AccessKey: "AK", SecretKey: "SECRETKEY", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut strings.Builder
	e := NewEnv(&out, &errOut)
	d := &deleter{e: e, t: Target{Alias: "a", Bucket: "bucket", Client: c}}
	ctx := context.Background()
	for i := 0; i < n; i++ {
		if err := d.add(ctx, key(i), "", false); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(out.String(), "Removed"); got != n-len(refuse) {
		t.Errorf("%d removals confirmed, want %d", got, n-len(refuse))
	}
	return srv, d, errOut.String()
}

func TestDeleterBatches(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{
		{1, "[1]"},
		{deleteBatch, "[1000]"},
		{deleteBatch + 1, "[1000 1]"},
	} {
		srv, _, _ := runDeleter(t, c.n, nil)
		if got := fmt.Sprint(srv.batches); got != c.want {
			t.Errorf("%d keys went in batches %s, want %s", c.n, got, c.want)
		}
	}
}

func TestDeleterReportsEachFailure(t *testing.T) {
	_, d, errOut := runDeleter(t, 5, map[string]bool{"k00001": true, "k00003": true})
	if d.failed != 2 {
		t.Errorf("failed = %d, want 2", d.failed)
	}
	if !strings.Contains(errOut, "a/bucket/k00001") || !strings.Contains(errOut, "a/bucket/k00003") || !strings.Contains(errOut, "AccessDenied") {
		t.Errorf("errors reported: %q", errOut)
	}
}

func TestRmFlagsCheck(t *testing.T) {
	for _, c := range []struct {
		f  rmFlags
		ok bool
	}{
		{rmFlags{}, true},
		{rmFlags{recursive: true}, false},
		{rmFlags{recursive: true, force: true}, true},
		{rmFlags{recursive: true, dryRun: true}, true},
		{rmFlags{versionID: "v", recursive: true, force: true}, false},
		{rmFlags{versionID: "v", versions: true}, false},
		{rmFlags{incomplete: true, versions: true}, false},
	} {
		if err := c.f.check(); (err == nil) != c.ok {
			t.Errorf("%+v: check = %v", c.f, err)
		}
	}
}

func TestDeleterSendsUnsafeKeysAlone(t *testing.T) {
	keys := []string{"plain", "ctl\x01key", "other"}
	srv, d, errOut := runDeleterKeys(t, len(keys), nil, func(i int) string { return keys[i] })
	if d.failed != 0 || errOut != "" {
		t.Errorf("failed %d: %q", d.failed, errOut)
	}
	if fmt.Sprint(srv.batches) != "[2]" || fmt.Sprint(srv.single) != "[ctl\x01key]" {
		t.Errorf("batches %v, single deletes %q", srv.batches, srv.single)
	}
}
