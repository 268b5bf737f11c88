package object

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/blob/dirstore"
	"github.com/kurastore/kura/internal/manualclock"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/pebblestore"
	"github.com/kurastore/kura/internal/meta/pgstore"
	"github.com/kurastore/kura/internal/meta/pgstore/pgtest"
)

// threePartObject stores key as a multipart object of three 4 KiB parts
// and returns its bytes.
func threePartObject(t *testing.T, l testLayer, key string) []byte {
	t.Helper()
	l.opts.MinPartSize = 1
	id := newUpload(t, l, key, UploadOptions{})
	var data []byte
	var list []CompletePart
	for n := 1; n <= 3; n++ {
		part := bytes.Repeat([]byte{byte('a' + n)}, 4<<10)
		p := uploadPart(t, l, key, id, n, part)
		list = append(list, CompletePart{Number: n, ETag: p.ETag})
		data = append(data, part...)
	}
	if _, err := l.CompleteMultipartUpload(context.Background(), "bkt", key, id, list, CompleteOptions{}); err != nil {
		t.Fatal(err)
	}
	return data
}

// TestReadOutlivesCollection: a GET of a multipart object has read its
// first KiB when the object is replaced and the collector runs past its
// delay; the rest of the body still reads, because the read holds a
// lease on every blob it will read. Once the body is closed, the next
// pass collects the old blobs.
func TestReadOutlivesCollection(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	data := threePartObject(t, l, "mp")
	obj, err := l.GetObject(ctx, "bkt", "mp", GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 1<<10)
	if _, err := io.ReadFull(obj.Body, head); err != nil {
		t.Fatal(err)
	}
	put(t, l, "bkt", "mp", payload(5000))
	l.clock.Advance(l.opts.GCDelay + time.Second)
	if _, _, err := l.DrainQueue(ctx); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(obj.Body)
	if err != nil {
		t.Fatalf("the rest of the read: %v", err)
	}
	if !bytes.Equal(append(head, rest...), data) {
		t.Fatal("the read returned other bytes than the object it started on")
	}
	obj.Body.Close()
	if n, pending, err := l.DrainQueue(ctx); err != nil || n != 3 || pending {
		t.Fatalf("drain after the read: %d deleted, pending %v, err %v", n, pending, err)
	}
}

// clockedStore is a metadata store whose clock is the tests' fake one, as
// the database's clock is every gateway's.
type clockedStore struct {
	meta.Store
	clock interface{ Now() time.Time }
}

func (s clockedStore) Now(context.Context) (time.Time, error) { return s.clock.Now(), nil }

// skewedClock is a gateway's own clock, off the store's by skew.
type skewedClock struct {
	clock *fakeClock
	skew  time.Duration
}

func (c skewedClock) Now() time.Time { return c.clock.Now().Add(c.skew) }

// TestHourLongRead: a GET streams for an hour (the fake clock moves ten
// minutes between reads of 1 KiB) while its object is replaced, then
// deleted, and the collector drains its queue and sweeps for orphans
// after every step; the read returns the old bytes to the end.
func TestHourLongRead(t *testing.T) {
	l := newTestLayer(t)
	mustCreateBucket(t, l, "bkt")
	ctx := context.Background()
	data := threePartObject(t, l, "mp")
	obj, err := l.GetObject(ctx, "bkt", "mp", GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Body.Close()
	var got []byte
	step := make([]byte, 1<<10)
	for i := 0; len(got) < len(data); i++ {
		n, err := io.ReadFull(obj.Body, step)
		if err != nil {
			t.Fatalf("after %d bytes: %v", len(got), err)
		}
		got = append(got, step[:n]...)
		switch i {
		case 0:
			put(t, l, "bkt", "mp", payload(5000))
		case 1:
			if _, err := l.DeleteObject(ctx, "bkt", "mp", DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		l.clock.Advance(10 * time.Minute)
		if _, _, err := l.DrainQueue(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := l.SweepOrphans(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got, data) {
		t.Fatal("the read returned other bytes than the object it started on")
	}
	if n := countBlobs(t, l.blobs); n != 3 {
		t.Fatalf("%d blobs while the read is open, want its 3", n)
	}
	obj.Body.Close()
	if n, pending, err := l.DrainQueue(ctx); err != nil || n != 3 || pending {
		t.Fatalf("drain after the read: %d deleted, pending %v, err %v", n, pending, err)
	}
	if n := countBlobs(t, l.blobs); n != 0 {
		t.Fatalf("%d blobs left", n)
	}
}

// gateways are servers sharing one metadata store and one blob directory
// (Options.Shared), each with its own Layer, all on one fake clock.
type gateways struct {
	layers []*Layer
	blobs  blob.Store
	meta   meta.Store
	clock  *fakeClock
}

func gatewayOptions(clock interface{ Now() time.Time }) Options {
	return Options{InlineLimit: 1024, Now: clock.Now, OrphanGrace: time.Hour, MinPartSize: 1, Shared: true}
}

// pebbleGateways is n Layers over one Pebble store, as a test stands in
// for gateways.
func pebbleGateways(t *testing.T, n int) gateways {
	t.Helper()
	m, err := pebblestore.Open("meta", &pebblestore.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	b, err := dirstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	g := gateways{blobs: b, meta: m, clock: manualclock.New(time.Now())}
	for range n {
		g.layers = append(g.layers, New(clockedStore{m, g.clock}, b, gatewayOptions(g.clock)))
	}
	return g
}

// postgresGateways is n gateways on one PostgreSQL database, each with
// its own pgstore Store and its own dirstore Store on one directory.
func postgresGateways(t *testing.T, n int) gateways {
	t.Helper()
	conn := pgtest.NewServer(t).NewDatabase(t)
	dir := t.TempDir()
	g := gateways{clock: manualclock.New(time.Now())}
	for range n {
		m, err := pgstore.Open(context.Background(), conn, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		b, err := dirstore.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		g.meta, g.blobs = m, b
		g.layers = append(g.layers, New(clockedStore{m, g.clock}, b, gatewayOptions(g.clock)))
	}
	return g
}

var gatewayKinds = []struct {
	name string
	new  func(t *testing.T, n int) gateways
}{
	{"pebble", pebbleGateways},
	{"postgres", postgresGateways},
}

// threePartObjectOn is threePartObject through layer l.
func threePartObjectOn(t *testing.T, l *Layer, key string) []byte {
	t.Helper()
	return threePartObject(t, testLayer{Layer: l}, key)
}

func countReadLeaseRecords(t *testing.T, m meta.Store) int {
	t.Helper()
	n := 0
	err := m.View(context.Background(), func(r meta.Reader) error {
		return meta.EachEntry(r, []byte(readLeasePrefix), func(k, v []byte) error { n++; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestGatewaysHourLongRead: gateway A streams a GET of a multipart object
// for an hour while gateway B replaces and then deletes the object and
// gateway C collects every ten seconds; A's heartbeat renews its lease
// record each time. The read returns the old bytes; once it ends and A
// publishes again, C collects every blob.
func TestGatewaysHourLongRead(t *testing.T) {
	for _, kind := range gatewayKinds {
		t.Run(kind.name, func(t *testing.T) {
			g := kind.new(t, 3)
			reader, writer, collector := g.layers[0], g.layers[1], g.layers[2]
			ctx := context.Background()
			if err := writer.CreateBucket(ctx, "bkt", CreateBucketOptions{}); err != nil {
				t.Fatal(err)
			}
			data := threePartObjectOn(t, writer, "mp")
			obj, err := reader.GetObject(ctx, "bkt", "mp", GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer obj.Body.Close()
			got := make([]byte, 0, len(data))
			step := make([]byte, 64)
			for i := range 360 { // an hour of heartbeats
				if len(got) < len(data) && i%2 == 0 {
					n, err := io.ReadFull(obj.Body, step[:min(len(step), len(data)-len(got))])
					if err != nil {
						t.Fatalf("after %d bytes: %v", len(got), err)
					}
					got = append(got, step[:n]...)
				}
				switch i {
				case 1:
					if _, err := writer.PutObject(ctx, "bkt", "mp", bytes.NewReader(payload(5000)), PutOptions{Size: 5000}); err != nil {
						t.Fatal(err)
					}
				case 2:
					if _, err := writer.DeleteObject(ctx, "bkt", "mp", DeleteOptions{}); err != nil {
						t.Fatal(err)
					}
				}
				g.clock.Advance(readLeaseRenew)
				if err := reader.publishReadLease(ctx, true); err != nil { // A's heartbeat
					t.Fatal(err)
				}
				if _, _, err := collector.DrainQueue(ctx); err != nil {
					t.Fatal(err)
				}
			}
			rest, err := io.ReadAll(obj.Body)
			if err != nil {
				t.Fatalf("after %d bytes: %v", len(got), err)
			}
			if !bytes.Equal(append(got, rest...), data) {
				t.Fatal("the read returned other bytes than the object it started on")
			}
			if n := countBlobs(t, g.blobs); n != 3 {
				t.Fatalf("%d blobs while the read is open, want its 3", n)
			}
			obj.Body.Close()
			g.clock.Advance(readLeaseRenew)
			if err := reader.publishReadLease(ctx, true); err != nil {
				t.Fatal(err)
			}
			if n, pending, err := collector.DrainQueue(ctx); err != nil || n != 3 || pending {
				t.Fatalf("drain after the read: %d deleted, pending %v, err %v", n, pending, err)
			}
			if n := countBlobs(t, g.blobs); n != 0 {
				t.Fatalf("%d blobs left", n)
			}
		})
	}
}

// TestReadLeaseOfADeadGateway: gateway A dies in the middle of a read.
// Its lease record keeps the blobs while it has not expired; then the
// collector deletes them and the record.
func TestReadLeaseOfADeadGateway(t *testing.T) {
	for _, kind := range gatewayKinds {
		t.Run(kind.name, func(t *testing.T) {
			g := kind.new(t, 3)
			reader, writer, collector := g.layers[0], g.layers[1], g.layers[2]
			ctx := context.Background()
			if err := writer.CreateBucket(ctx, "bkt", CreateBucketOptions{}); err != nil {
				t.Fatal(err)
			}
			threePartObjectOn(t, writer, "mp")
			obj, err := reader.GetObject(ctx, "bkt", "mp", GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer obj.Body.Close()
			if _, err := io.ReadFull(obj.Body, make([]byte, 1<<10)); err != nil {
				t.Fatal(err)
			}
			if err := reader.publishReadLease(ctx, true); err != nil { // its last heartbeat
				t.Fatal(err)
			}
			published := g.clock.Now()
			if _, err := writer.PutObject(ctx, "bkt", "mp", bytes.NewReader(payload(5000)), PutOptions{Size: 5000}); err != nil {
				t.Fatal(err)
			}
			// The last moment of the record's term, then the first after.
			g.clock.Advance(readLeaseTerm - time.Nanosecond)
			if n, pending, err := collector.DrainQueue(ctx); err != nil || n != 0 || !pending {
				t.Fatalf("drain while the lease lasts: %d deleted, pending %v, err %v", n, pending, err)
			}
			if n := countReadLeaseRecords(t, g.meta); n != 1 {
				t.Fatalf("%d lease records, want the reader's", n)
			}
			g.clock.Advance(time.Nanosecond)
			if !g.clock.Now().Equal(published.Add(readLeaseTerm)) {
				t.Fatal("the test's clock is off")
			}
			if n, pending, err := collector.DrainQueue(ctx); err != nil || n != 3 || pending {
				t.Fatalf("drain once the lease expired: %d deleted, pending %v, err %v", n, pending, err)
			}
			if n := countReadLeaseRecords(t, g.meta); n != 0 {
				t.Fatalf("%d lease records left, want none", n)
			}
			// What the dead gateway's read would have met.
			if _, err := io.ReadAll(obj.Body); !errors.Is(err, blob.ErrNotFound) {
				t.Fatalf("the rest of the read after expiry: %v, want blob not found", err)
			}
		})
	}
}

// TestGatewayClocksOffTheStore: gateways whose own clocks are an hour
// off the store's, the writer's behind and the collector's ahead, still
// keep a replaced blob for GCDelay on the store's clock, for a reader
// that looked the object up just before the replacement.
func TestGatewayClocksOffTheStore(t *testing.T) {
	for _, kind := range gatewayKinds {
		t.Run(kind.name, func(t *testing.T) {
			g := kind.new(t, 3)
			ctx := context.Background()
			skews := []time.Duration{0, -time.Hour, time.Hour}
			for i, l := range g.layers {
				l.opts.Now = skewedClock{g.clock, skews[i]}.Now
				// Each gateway's heartbeat at its start.
				if err := l.publishReadLease(ctx, true); err != nil {
					t.Fatal(err)
				}
			}
			writer, collector := g.layers[1], g.layers[2]
			if err := writer.CreateBucket(ctx, "bkt", CreateBucketOptions{}); err != nil {
				t.Fatal(err)
			}
			put(t, testLayer{Layer: writer}, "bkt", "obj", payload(5000))
			put(t, testLayer{Layer: writer}, "bkt", "obj", payload(6000))
			g.clock.Advance(time.Second)
			if n, pending, err := collector.DrainQueue(ctx); err != nil || n != 0 || !pending {
				t.Fatalf("drain within GCDelay: %d deleted, pending %v, err %v", n, pending, err)
			}
			g.clock.Advance(time.Second + readLeaseRenew)
			for _, l := range g.layers {
				if err := l.publishReadLease(ctx, true); err != nil {
					t.Fatal(err)
				}
			}
			if n, pending, err := collector.DrainQueue(ctx); err != nil || n != 1 || pending {
				t.Fatalf("drain past GCDelay: %d deleted, pending %v, err %v", n, pending, err)
			}
		})
	}
}

// TestCollectorWaitsForLeasePublication: gateway A has leased the blobs
// of a read but not yet published them (its record was written at its
// lookup, before the lease). The collector does not take a blob dropped
// at T while a live record was published before T+GCDelay; once A's
// heartbeat names the blob it waits for the read, and once the read ends
// and A publishes again it collects.
func TestCollectorWaitsForLeasePublication(t *testing.T) {
	g := pebbleGateways(t, 3)
	reader, writer, collector := g.layers[0], g.layers[1], g.layers[2]
	ctx := context.Background()
	if err := writer.CreateBucket(ctx, "bkt", CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	put(t, testLayer{Layer: writer}, "bkt", "obj", payload(5000))
	obj, err := reader.GetObject(ctx, "bkt", "obj", GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Body.Close()
	put(t, testLayer{Layer: writer}, "bkt", "obj", payload(6000))
	g.clock.Advance(writer.opts.GCDelay + time.Second)
	if n, pending, err := collector.DrainQueue(ctx); err != nil || n != 0 || !pending {
		t.Fatalf("drain before the lease is published: %d deleted, pending %v, err %v", n, pending, err)
	}
	if err := reader.publishReadLease(ctx, true); err != nil {
		t.Fatal(err)
	}
	if n, pending, err := collector.DrainQueue(ctx); err != nil || n != 0 || !pending {
		t.Fatalf("drain with the lease published: %d deleted, pending %v, err %v", n, pending, err)
	}
	if got, err := io.ReadAll(obj.Body); err != nil || !bytes.Equal(got, payload(5000)) {
		t.Fatalf("the read: %v", err)
	}
	obj.Body.Close()
	if err := reader.publishReadLease(ctx, true); err != nil {
		t.Fatal(err)
	}
	if n, pending, err := collector.DrainQueue(ctx); err != nil || n != 1 || pending {
		t.Fatalf("drain after the read: %d deleted, pending %v, err %v", n, pending, err)
	}
}

// TestReadLeaseRecordRoundTrip: a lease record decodes to what was
// encoded, and a damaged one is refused.
func TestReadLeaseRecordRoundTrip(t *testing.T) {
	published := time.Unix(1700000000, 5)
	ids := []blob.ID{blob.NewID(), blob.NewID()}
	for _, want := range [][]blob.ID{nil, ids[:1], ids} {
		v := encodeReadLease(published, published.Add(readLeaseTerm), want)
		p, e, got, err := decodeReadLease(v)
		if err != nil || !p.Equal(published) || !e.Equal(published.Add(readLeaseTerm)) || len(got) != len(want) {
			t.Fatalf("%d blobs: %v %v %v %v", len(want), p, e, got, err)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("blob %d: %s, want %s", i, got[i], want[i])
			}
		}
		if len(want) > 0 {
			if _, _, _, err := decodeReadLease(v[:len(v)-1]); err == nil {
				t.Fatal("a cut record decoded")
			}
		}
	}
	if _, _, _, err := decodeReadLease(make([]byte, 15)); err == nil {
		t.Fatal("a 15-byte record decoded")
	}
	if _, _, _, err := decodeReadLease(make([]byte, 16)); err != nil {
		t.Fatalf("a 16-byte record: %v", err)
	}
}

// TestCollectorKeepsReadLeasePublished: a gateway's RunCollector
// publishes its lease record (every gateway's, whether or not it holds
// the collector lease) and deletes it when it stops, so that collectors
// need not wait for the record of a gateway shut down cleanly to expire.
func TestCollectorKeepsReadLeasePublished(t *testing.T) {
	g := pebbleGateways(t, 1)
	l := g.layers[0]
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.RunCollector(ctx) }()
	// The first record is written at once; the bound only turns a
	// missing one into a failure instead of a hang.
	giveUp := time.After(time.Minute)
	for countReadLeaseRecords(t, g.meta) == 0 {
		select {
		case <-done:
			t.Fatal("the collector stopped")
		case <-giveUp:
			t.Fatal("no lease record published")
		case <-time.After(10 * time.Millisecond):
		}
	}
	stop()
	<-done
	if n := countReadLeaseRecords(t, g.meta); n != 0 {
		t.Fatalf("%d lease records after the collector stopped", n)
	}
}
