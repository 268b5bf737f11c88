package object

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/kurastore/kura/internal/tier"
	"github.com/kurastore/kura/s3err"
)

// memTier is a tier in memory whose operations can be made to fail, as
// an unreachable tier does.
type memTier struct {
	mu      sync.Mutex
	objs    map[string][]byte
	failPut bool
	// putsLeft, when >= 0, is how many more puts succeed before puts
	// fail.
	putsLeft   int
	failOpen   bool
	failDelete bool
	// afterPut, when set, runs after each stored put, outside the lock.
	afterPut func(name string)
}

func newMemTier() *memTier { return &memTier{objs: map[string][]byte{}, putsLeft: -1} }

var errTierDown = fmt.Errorf("%w: connection refused", tier.ErrUnavailable)

func (m *memTier) Put(ctx context.Context, name string, r io.Reader, size int64) error {
	m.mu.Lock()
	fail := m.failPut || m.putsLeft == 0
	if m.putsLeft > 0 {
		m.putsLeft--
	}
	m.mu.Unlock()
	if fail {
		return errTierDown
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if int64(len(data)) != size {
		return fmt.Errorf("memTier: put of %d bytes, said %d", len(data), size)
	}
	m.mu.Lock()
	m.objs[name] = data
	hook := m.afterPut
	m.mu.Unlock()
	if hook != nil {
		hook(name)
	}
	return nil
}

func (m *memTier) Open(ctx context.Context, name string, off, n int64) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failOpen {
		return nil, errTierDown
	}
	data, ok := m.objs[name]
	if !ok {
		return nil, tier.ErrNotFound
	}
	if off < 0 || n < 0 || off+n > int64(len(data)) {
		return nil, fmt.Errorf("memTier: range %d+%d of a %d-byte object", off, n, len(data))
	}
	return io.NopCloser(bytes.NewReader(bytes.Clone(data[off : off+n]))), nil
}

func (m *memTier) Delete(ctx context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failDelete {
		return errTierDown
	}
	delete(m.objs, name)
	return nil
}

func (m *memTier) Check(ctx context.Context) error { return nil }

func (m *memTier) set(f func(*memTier)) {
	m.mu.Lock()
	f(m)
	m.mu.Unlock()
}

func (m *memTier) names() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for n := range m.objs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// memTiers is a tier.Source of memTiers by name.
type memTiers map[string]*memTier

func (s memTiers) Tier(ctx context.Context, name string) (tier.Tier, error) {
	if t, ok := s[name]; ok {
		return t, nil
	}
	return nil, tier.ErrNoSuchTier
}

const testTier = "COLD"

// newTierLayer is a test layer with one tier, testTier.
func newTierLayer(t *testing.T) (testLayer, *memTier) {
	t.Helper()
	l := newTestLayer(t)
	l.opts.MinPartSize = 1
	mt := newMemTier()
	l.opts.Tiers = memTiers{testTier: mt}
	mustCreateBucket(t, l, "bkt")
	return l, mt
}

// uidOf is the record uid of the latest version of bucket/key, as the
// lifecycle scanner sees it.
func uidOf(t *testing.T, l testLayer, bucket, key string) string {
	t.Helper()
	rec, _, err := l.lookup(context.Background(), bucket, key, "", false)
	if err != nil {
		t.Fatal(err)
	}
	return rec.UID
}

func transition(t *testing.T, l testLayer, key string) ObjectInfo {
	t.Helper()
	info, err := l.TransitionObject(context.Background(), "bkt", key, "", uidOf(t, l, "bkt", key), testTier)
	if err != nil {
		t.Fatalf("transition %s: %v", key, err)
	}
	return info
}

// putMultipart stores data as a multipart object of parts of partSize.
func putMultipart(t *testing.T, l testLayer, key string, data []byte, partSize int, opts UploadOptions, customerKey []byte) {
	t.Helper()
	ctx := context.Background()
	id, err := l.CreateMultipartUpload(ctx, "bkt", key, opts)
	if err != nil {
		t.Fatal(err)
	}
	var parts []CompletePart
	for i := 0; i*partSize < len(data); i++ {
		chunk := data[i*partSize : min(len(data), (i+1)*partSize)]
		p, err := l.UploadPart(ctx, "bkt", key, id, i+1, bytes.NewReader(chunk), PartOptions{Size: int64(len(chunk)), CustomerKey: customerKey})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, CompletePart{Number: i + 1, ETag: p.ETag})
	}
	if _, err := l.CompleteMultipartUpload(ctx, "bkt", key, id, parts, CompleteOptions{}); err != nil {
		t.Fatal(err)
	}
}

// isTierUnavailable reports whether err is the 503 of a tier that cannot
// be read, naming testTier.
func isTierUnavailable(err error) bool {
	return errors.Is(err, s3err.ErrServiceUnavailable) && strings.Contains(err.Error(), testTier)
}
