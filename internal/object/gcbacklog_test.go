package object

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestGCBacklog(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	if b, err := l.GCBacklog(ctx, 10); err != nil || b.Queued != 0 || b.Truncated || !b.Oldest.IsZero() {
		t.Fatalf("empty queue: %+v %v", b, err)
	}
	first := l.clock.Now()
	for i := range 3 {
		key := fmt.Sprintf("k%d", i)
		put(t, l, "bkt", key, payload(5000)) // above the inline limit: a blob
		if _, err := l.DeleteObject(ctx, "bkt", key, DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		l.clock.Advance(time.Second)
	}
	// Three blobs queued; the limit is tested at, under and over.
	for limit, want := range map[int]GCBacklog{
		2: {Queued: 2, Truncated: true},
		3: {Queued: 3},
		4: {Queued: 3},
	} {
		b, err := l.GCBacklog(ctx, limit)
		if err != nil || b.Queued != want.Queued || b.Truncated != want.Truncated {
			t.Errorf("limit %d: %+v %v, want %+v", limit, b, err, want)
		}
		if limit >= 3 && !b.Oldest.Equal(first) {
			t.Errorf("limit %d: oldest %v, want %v", limit, b.Oldest, first)
		}
	}
}
