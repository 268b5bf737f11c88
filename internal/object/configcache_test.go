package object

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kurastore/kura/internal/meta"
)

// TestConfigCacheReadsItsWrites: once SetBucketConfig returns, every read
// sees the new document, even while other readers keep filling the cache
// with what they read before the change.
func TestConfigCacheReadsItsWrites(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := l.BucketConfig(ctx, "bkt", "policy"); err != nil && !errors.Is(err, ErrNoConfig) {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := range 300 {
		want := fmt.Sprintf(`{"v":%d}`, i)
		var doc []byte
		if i%10 == 9 {
			doc, want = nil, ""
		} else {
			doc = []byte(want)
		}
		if err := l.SetBucketConfig(ctx, "bkt", "policy", doc); err != nil {
			t.Fatal(err)
		}
		got, err := l.BucketConfig(ctx, "bkt", "policy")
		if want == "" && !errors.Is(err, ErrNoConfig) || want != "" && (err != nil || string(got) != want) {
			t.Fatalf("after setting %q: read %q, %v", want, got, err)
		}
	}
	close(stop)
	wg.Wait()
	if err := l.DeleteBucket(ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.BucketConfig(ctx, "bkt", "policy"); err == nil || errors.Is(err, ErrNoConfig) {
		t.Fatalf("config of a deleted bucket: %v", err)
	}
}

// TestSharedLayerSkipsConfigCache: a layer that shares its metadata
// store with other servers sees their configuration changes at once; a
// caching layer (the single-server default) would not, which is why
// gateways set Shared.
func TestSharedLayerSkipsConfigCache(t *testing.T) {
	a := newTestLayer(t)
	mustCreateBucket(t, a, "bkt")
	ctx := context.Background()
	caching := New(a.meta, a.blobs, Options{KMS: a.kms})
	shared := New(a.meta, a.blobs, Options{KMS: a.kms, Shared: true})
	for _, l := range []*Layer{caching, shared} {
		if _, err := l.BucketConfig(ctx, "bkt", "cors"); !errors.Is(err, ErrNoConfig) {
			t.Fatal(err)
		}
	}
	if err := a.SetBucketConfig(ctx, "bkt", "cors", []byte("<CORS/>")); err != nil {
		t.Fatal(err)
	}
	if doc, err := shared.BucketConfig(ctx, "bkt", "cors"); err != nil || string(doc) != "<CORS/>" {
		t.Fatalf("shared layer: %q %v", doc, err)
	}
	if _, err := caching.BucketConfig(ctx, "bkt", "cors"); !errors.Is(err, ErrNoConfig) {
		t.Fatalf("the caching layer should still answer from its cache: %v", err)
	}
}

// TestConfigCacheKeepsNoReadOlderThanAWrite: a reader that read the old
// document before a change committed, and caches it only after the
// change was acknowledged, must not make later reads see the old one.
func TestConfigCacheKeepsNoReadOlderThanAWrite(t *testing.T) {
	base := newTestLayer(t)
	store := &pausingStore{Store: base.meta, key: configKey("bkt", "policy")}
	l := New(store, base.blobs, Options{KMS: base.kms})
	mustCreateBucket(t, testLayer{Layer: l}, "bkt")
	ctx := context.Background()
	if err := l.SetBucketConfig(ctx, "bkt", "policy", []byte("old")); err != nil {
		t.Fatal(err)
	}
	read, resume := make(chan struct{}), make(chan struct{})
	store.arm(func() { // only the first reader pauses
		close(read)
		<-resume
	})
	done := make(chan []byte)
	go func() {
		doc, _ := l.BucketConfig(ctx, "bkt", "policy")
		done <- doc
	}()
	<-read
	if err := l.SetBucketConfig(ctx, "bkt", "policy", []byte("new")); err != nil {
		t.Fatal(err)
	}
	close(resume)
	if doc := <-done; string(doc) != "old" {
		t.Fatalf("the paused reader read %q before the change", doc)
	}
	if doc, err := l.BucketConfig(ctx, "bkt", "policy"); err != nil || string(doc) != "new" {
		t.Fatalf("after the change: %q %v", doc, err)
	}
}

// pausingStore is a meta.Store whose View, once armed, runs pause after
// the first read that got key: when the read is done and the reader has
// yet to act on it.
type pausingStore struct {
	meta.Store
	key   []byte
	pause atomic.Pointer[func()]
}

func (s *pausingStore) arm(pause func()) { s.pause.Store(&pause) }

func (s *pausingStore) View(ctx context.Context, fn func(meta.Reader) error) error {
	r := &keyWatcher{key: s.key}
	err := s.Store.View(ctx, func(inner meta.Reader) error {
		r.Reader = inner
		return fn(r)
	})
	if r.got {
		if pause := s.pause.Swap(nil); pause != nil {
			(*pause)()
		}
	}
	return err
}

// keyWatcher notes whether a Get asked for key.
type keyWatcher struct {
	meta.Reader
	key []byte
	got bool
}

func (r *keyWatcher) Get(key []byte) ([]byte, error) {
	r.got = r.got || bytes.Equal(key, r.key)
	return r.Reader.Get(key)
}
