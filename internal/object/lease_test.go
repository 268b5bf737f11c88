package object

import (
	"context"
	"testing"
	"time"
)

// TestCollectorLease: of two servers on one metadata store, one collects;
// the other takes over only once the holder stops renewing.
func TestCollectorLease(t *testing.T) {
	ctx := context.Background()
	a := newTestLayer(t)
	b := New(a.meta, a.blobs, Options{Now: a.clock.Now})
	if !a.collectorLease(ctx) {
		t.Fatal("the first server did not get the free lease")
	}
	if b.collectorLease(ctx) {
		t.Fatal("a second server got a held lease")
	}
	a.clock.Advance(leaseTerm * 3 / 4)
	if !a.collectorLease(ctx) || b.collectorLease(ctx) {
		t.Fatal("the holder's renewal did not keep the lease")
	}
	// The holder dies: its lease runs out and the other takes it.
	a.clock.Advance(leaseTerm + time.Second)
	if !b.collectorLease(ctx) {
		t.Fatal("the lease of a dead holder was not taken over")
	}
	a.leaseUntil = time.Time{} // a's process would have restarted
	if a.collectorLease(ctx) {
		t.Fatal("two servers hold the lease")
	}
}
