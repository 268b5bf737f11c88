package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/auth"
	"github.com/kurastore/kura/internal/kms/localkms"
	"github.com/kurastore/kura/internal/object"
	"github.com/kurastore/kura/internal/tier"
	"github.com/kurastore/kura/sigv4"
)

// mapTier is a tier in memory that can be taken down.
type mapTier struct {
	mu   sync.Mutex
	objs map[string][]byte
	down bool
}

func (m *mapTier) Put(_ context.Context, name string, r io.Reader, size int64) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return tier.ErrUnavailable
	}
	m.objs[name] = data
	return nil
}

func (m *mapTier) Open(_ context.Context, name string, off, n int64) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return nil, fmt.Errorf("%w: connection refused", tier.ErrUnavailable)
	}
	data, ok := m.objs[name]
	if !ok {
		return nil, tier.ErrNotFound
	}
	return io.NopCloser(bytes.NewReader(data[off : off+n])), nil
}

func (m *mapTier) Delete(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objs, name)
	return nil
}

func (m *mapTier) Check(context.Context) error { return nil }

func (m *mapTier) Tier(_ context.Context, name string) (tier.Tier, error) {
	if name != "COLD" {
		return nil, tier.ErrNoSuchTier
	}
	return m, nil
}

// newTierServer is newFzServer whose layer has one tier, COLD.
func newTierServer(t *testing.T) (*fzServer, *mapTier) {
	t.Helper()
	m, blobs := memStores(t)
	keys, err := localkms.New(m, localkms.NewSecret("tier"))
	if err != nil {
		t.Fatal(err)
	}
	mt := &mapTier{objs: map[string][]byte{}}
	s := &fzServer{
		creds: sigv4.Credentials{AccessKey: "TIERACCESSKEY", SecretKey: "tier-secret-key-0123456789"},
		now:   time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC),
		log:   &fzLog{},
	}
	clock := func() time.Time { return s.now }
	log := slog.New(s.log)
	s.layer = object.New(m, blobs, object.Options{Region: fzRegion, Now: clock, Logger: log, KMS: keys, Tiers: mt})
	s.api = New(Config{
		Objects: s.layer, Region: fzRegion, Logger: log, Now: clock, KMS: keys,
		Credentials: auth.NewStatic(auth.Credentials{AccessKey: s.creds.AccessKey, SecretKey: s.creds.SecretKey}).Secret,
	})
	if err := s.layer.CreateBucket(context.Background(), "bkt", object.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	return s, mt
}

// serve signs and serves r, whatever its answer.
func (s *fzServer) serve(r *http.Request, body []byte) *httptest.ResponseRecorder {
	sum := sha256.Sum256(body)
	sigv4.SignRequest(r, s.creds, fzRegion, "s3", hex.EncodeToString(sum[:]), s.now)
	rec := httptest.NewRecorder()
	s.api.ServeHTTP(rec, r)
	return rec
}

func TestRestoreObjectHandler(t *testing.T) {
	ctx := context.Background()
	s, mt := newTierServer(t)
	data := bytes.Repeat([]byte("cold data "), 10000)
	info, err := s.layer.PutObject(ctx, "bkt", "obj", bytes.NewReader(data), object.PutOptions{Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.layer.PutObject(ctx, "bkt", "warm", bytes.NewReader(data), object.PutOptions{Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
	head, err := s.layer.HeadObject(ctx, "bkt", "obj", object.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.layer.TransitionObject(ctx, "bkt", "obj", info.VersionID, head.Info.UID, "COLD"); err != nil {
		t.Fatal(err)
	}
	restore := func(key, doc string) *httptest.ResponseRecorder {
		return s.serve(fzNewRequest(http.MethodPost, "/bkt/"+key+"?restore", nil, []byte(doc)), []byte(doc))
	}
	get := func(method string) *httptest.ResponseRecorder {
		return s.serve(fzNewRequest(method, "/bkt/obj", nil, nil), nil)
	}

	// A transitioned object reads through, and names its class.
	rec := get(http.MethodGet)
	if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), data) || rec.Header().Get("x-amz-storage-class") != "COLD" || rec.Header().Get("x-amz-restore") != "" {
		t.Fatalf("GET: %d, class %q, restore %q", rec.Code, rec.Header().Get("x-amz-storage-class"), rec.Header().Get("x-amz-restore"))
	}

	// Bad requests.
	for _, c := range []struct {
		key, doc, code string
	}{
		{"obj", "", "MissingRequestBodyError"},
		{"obj", "<RestoreRequest><Days>x</Days></RestoreRequest>", "MalformedXML"},
		{"obj", "<RestoreRequest></RestoreRequest>", "MalformedXML"},
		{"obj", "<RestoreRequest><Days>0</Days></RestoreRequest>", "InvalidArgument"},
		{"obj", "<RestoreRequest><Days>1</Days><GlacierJobParameters><Tier>Fast</Tier></GlacierJobParameters></RestoreRequest>", "MalformedXML"},
		{"obj", "<RestoreRequest><Type>SELECT</Type></RestoreRequest>", "NotImplemented"},
		{"warm", "<RestoreRequest><Days>1</Days></RestoreRequest>", "InvalidObjectState"},
		{"missing", "<RestoreRequest><Days>1</Days></RestoreRequest>", "NoSuchKey"},
	} {
		if rec := restore(c.key, c.doc); errorCode(t, rec) != c.code {
			t.Fatalf("restore %s %q: %d %s, want %s", c.key, c.doc, rec.Code, rec.Body, c.code)
		}
	}
	// The body limit: a document padded to maxRestoreBody is read, one
	// byte more is refused.
	padded := func(n int) string {
		doc := "<RestoreRequest><Days>1</Days></RestoreRequest>"
		return doc + strings.Repeat(" ", n-len(doc))
	}
	if rec := restore("warm", padded(maxRestoreBody)); errorCode(t, rec) != "InvalidObjectState" {
		t.Fatalf("restore with a body of the limit: %d %s", rec.Code, rec.Body)
	}
	if rec := restore("warm", padded(maxRestoreBody+1)); errorCode(t, rec) != "MaxMessageLengthExceeded" {
		t.Fatalf("restore with a body over the limit: %d %s", rec.Code, rec.Body)
	}
	if rec := restore("warm", "<RestoreRequest><Days>1</Days></RestoreRequest>"); rec.Code != http.StatusForbidden {
		t.Fatalf("restore of a local object: %d", rec.Code)
	}

	doc := `<RestoreRequest xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Days>2</Days><GlacierJobParameters><Tier>Standard</Tier></GlacierJobParameters></RestoreRequest>`
	if rec := restore("obj", doc); rec.Code != http.StatusAccepted {
		t.Fatalf("first restore: %d %s", rec.Code, rec.Body)
	}
	if rec := restore("obj", doc); rec.Code != http.StatusConflict || errorCode(t, rec) != "RestoreAlreadyInProgress" {
		t.Fatalf("restore in progress: %d %s", rec.Code, rec.Body)
	}
	if rec := get(http.MethodHead); rec.Header().Get("x-amz-restore") != `ongoing-request="true"` {
		t.Fatalf("HEAD during the restore: x-amz-restore %q", rec.Header().Get("x-amz-restore"))
	}
	if n, err := s.layer.DrainRestores(ctx); n != 1 || err != nil {
		t.Fatalf("restore: %d, %v", n, err)
	}
	want := `ongoing-request="false", expiry-date="Fri, 27 Nov 2026 00:00:00 GMT"`
	for _, m := range []string{http.MethodHead, http.MethodGet} {
		if rec := get(m); rec.Header().Get("x-amz-restore") != want || rec.Header().Get("x-amz-storage-class") != "COLD" {
			t.Fatalf("%s after the restore: x-amz-restore %q", m, rec.Header().Get("x-amz-restore"))
		}
	}
	if rec := restore("obj", doc); rec.Code != http.StatusOK {
		t.Fatalf("restore of a restored object: %d %s", rec.Code, rec.Body)
	}
	// Listings show the tier as the class, and the restore when asked to.
	for _, target := range []string{"/bkt?list-type=2", "/bkt", "/bkt?versions"} {
		h := http.Header{"X-Amz-Optional-Object-Attributes": {"RestoreStatus"}}
		rec := s.serve(fzNewRequest(http.MethodGet, target, h, nil), nil)
		body := rec.Body.String()
		if rec.Code != http.StatusOK || !strings.Contains(body, "<Key>obj</Key>") ||
			!strings.Contains(body, "<StorageClass>COLD</StorageClass>") ||
			!strings.Contains(body, "<RestoreStatus><IsRestoreInProgress>false</IsRestoreInProgress><RestoreExpiryDate>2026-11-27T00:00:00.000Z</RestoreExpiryDate></RestoreStatus>") ||
			strings.Count(body, "<RestoreStatus>") != 1 {
			t.Fatalf("GET %s: %d %s", target, rec.Code, body)
		}
		rec = s.serve(fzNewRequest(http.MethodGet, target, nil, nil), nil)
		if strings.Contains(rec.Body.String(), "RestoreStatus") || !strings.Contains(rec.Body.String(), "<StorageClass>COLD</StorageClass>") {
			t.Fatalf("GET %s without the header: %s", target, rec.Body)
		}
	}

	// A tier that cannot be reached is a 503 naming it; with the
	// restored copy there is no need to reach it.
	mt.mu.Lock()
	mt.down = true
	mt.mu.Unlock()
	if rec := get(http.MethodGet); rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), data) {
		t.Fatalf("GET of the restored copy: %d", rec.Code)
	}
	s.now = s.now.Add(4 * 24 * time.Hour)
	if n, err := s.layer.DrainRestores(ctx); n != 1 || err != nil {
		t.Fatalf("expiry: %d, %v", n, err)
	}
	rec = get(http.MethodGet)
	if rec.Code != http.StatusServiceUnavailable || errorCode(t, rec) != "ServiceUnavailable" || !strings.Contains(rec.Body.String(), "COLD") {
		t.Fatalf("GET on a tier that is down: %d %s", rec.Code, rec.Body)
	}
	if rec := get(http.MethodHead); rec.Code != http.StatusOK || rec.Header().Get("x-amz-restore") != "" {
		t.Fatalf("HEAD after the expiry: %d, x-amz-restore %q", rec.Code, rec.Header().Get("x-amz-restore"))
	}
}
