package object

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/meta"
)

// TestReadAheadReturnsExactBytes reads objects around the read-ahead
// threshold, whole and by ranges, through Read and through WriteTo, many
// at once (so pooled buffers are reused while others are in use).
func TestReadAheadReturnsExactBytes(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	sizes := []int{readAheadMin - 1, readAheadMin, readAheadMin + 1, 3*readAheadSize + 17}
	data := map[int][]byte{}
	for _, n := range sizes {
		data[n] = payload(n)
		put(t, l, "bkt", fmt.Sprint(n), data[n])
	}
	var wg sync.WaitGroup
	for worker := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, n := range sizes {
				for _, rg := range []*Range{nil, {Start: 1, End: int64(n) - 2}, {Start: int64(max(0, n-readAheadMin)), End: -1}} {
					obj, err := l.GetObject(context.Background(), "bkt", fmt.Sprint(n), GetOptions{Range: rg})
					if err != nil {
						t.Error(err)
						return
					}
					var got bytes.Buffer
					if worker%2 == 0 {
						_, err = io.Copy(&got, obj.Body) // WriteTo when read ahead
					} else {
						_, err = io.Copy(&got, struct{ io.Reader }{obj.Body}) // Read only
					}
					obj.Body.Close()
					want := data[n][obj.Offset : obj.Offset+obj.Length]
					if err != nil || !bytes.Equal(got.Bytes(), want) {
						t.Errorf("size %d range %+v: %d bytes, %v", n, rg, got.Len(), err)
					}
				}
			}
		}()
	}
	wg.Wait()
}

// TestReadAheadReportsDamage: a damaged block far into a large object
// still fails the read after the sound bytes before it, never passing a
// short or altered object as whole.
func TestReadAheadReportsDamage(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	n := 3*readAheadSize + 17
	want := payload(n)
	put(t, l, "bkt", "big", want)
	var rec record
	l.meta.View(context.Background(), func(r meta.Reader) (err error) {
		rec, _, err = getRecord(r, "bkt", "big")
		return err
	})
	flipByte(t, blobFile(t, l, rec.BlobID), int64(2*readAheadSize+5000))
	got, _, err := get(t, l, "bkt", "big", GetOptions{})
	if !errors.Is(err, blob.ErrCorrupt) {
		t.Fatalf("read of a damaged object: %d bytes, %v", len(got), err)
	}
	if len(got) >= n || !bytes.Equal(got, want[:len(got)]) {
		t.Fatalf("the bytes before the damage differ or run past it (%d of %d)", len(got), n)
	}
}
