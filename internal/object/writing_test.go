package object

import (
	"bytes"
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/blob/dirstore"
	"github.com/kurastore/kura/internal/manualclock"
	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/pgstore"
	"github.com/kurastore/kura/internal/meta/pgstore/pgtest"
)

// gatedBody delivers its first half, then waits for release before the
// rest: a client uploading slowly. reached is closed once the writer has
// asked for bytes past the first half, so the blob exists by then.
type gatedBody struct {
	data    []byte
	off     int
	reached chan struct{}
	release chan struct{}
	once    sync.Once
}

func newGatedBody(n int) *gatedBody {
	return &gatedBody{data: payload(n), reached: make(chan struct{}), release: make(chan struct{})}
}

func (g *gatedBody) Read(p []byte) (int, error) {
	half := len(g.data) / 2
	if g.off == half {
		g.once.Do(func() { close(g.reached) })
		<-g.release
	}
	if g.off >= len(g.data) {
		return 0, io.EOF
	}
	end := len(g.data)
	if g.off < half {
		end = half
	}
	n := copy(p, g.data[g.off:end])
	g.off += n
	return n, nil
}

// collectorPair is a writing server and a collecting one (the same one,
// for a single server) on one metadata store and one blob directory.
type collectorPair struct {
	writer, collector *Layer
	blobs             blob.Store
	meta              meta.Store
	clock             *fakeClock
}

func pebblePair(t *testing.T, shared, oneServer bool) collectorPair {
	t.Helper()
	m := openTestMeta(t)
	b, err := dirstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	clock := manualclock.New(time.Now())
	opts := Options{InlineLimit: 1024, Now: clock.Now, OrphanGrace: time.Hour, Shared: shared}
	ms := clockedStore{m, clock}
	p := collectorPair{writer: New(ms, b, opts), blobs: b, meta: m, clock: clock}
	p.collector = p.writer
	if !oneServer {
		p.collector = New(ms, b, opts)
	}
	return p
}

// postgresPair is two gateways: two pgstore Stores on one database and two
// dirstore Stores on one directory.
func postgresPair(t *testing.T) collectorPair {
	t.Helper()
	pg := pgtest.NewServer(t)
	conn := pg.NewDatabase(t)
	dir := t.TempDir()
	clock := manualclock.New(time.Now())
	var layers [2]*Layer
	var stores [2]meta.Store
	var blobs [2]blob.Store
	for i := range layers {
		m, err := pgstore.Open(context.Background(), conn, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		b, err := dirstore.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		stores[i], blobs[i] = wrapTestMeta(t, m), b
		layers[i] = New(clockedStore{stores[i], clock}, b, Options{InlineLimit: 1024, Now: clock.Now, OrphanGrace: time.Hour, Shared: true})
	}
	return collectorPair{writer: layers[0], collector: layers[1], blobs: blobs[1], meta: stores[1], clock: clock}
}

func countWriteRecords(t *testing.T, m meta.Store) int {
	t.Helper()
	n := 0
	err := m.View(context.Background(), func(r meta.Reader) error {
		it, err := r.NewIter([]byte{tagWriting}, []byte{tagWriting + 1})
		if err != nil {
			return err
		}
		defer it.Close()
		for ok := it.First(); ok; ok = it.Next() {
			n++
		}
		return it.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSweepSparesBlobsBeingWritten: the orphan sweep runs, with every blob
// older than its grace, while an object and a multipart part are half
// written, and deletes neither; once they are committed it deletes a real
// orphan and nothing else. On one server the record of writes in flight
// is in memory; gateways sharing the stores (Options.Shared) record them
// in the metadata store, so another gateway's collector sees them too.
func TestSweepSparesBlobsBeingWritten(t *testing.T) {
	cases := []struct {
		name string
		pair func(t *testing.T) collectorPair
	}{
		{"one server", func(t *testing.T) collectorPair { return pebblePair(t, false, true) }},
		{"two servers on one Pebble", func(t *testing.T) collectorPair { return pebblePair(t, true, false) }},
		{"two gateways on PostgreSQL", postgresPair},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.pair(t)
			ctx := context.Background()
			if err := p.writer.CreateBucket(ctx, "bkt", CreateBucketOptions{}); err != nil {
				t.Fatal(err)
			}
			upload, err := p.writer.CreateMultipartUpload(ctx, "bkt", "parts", UploadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			object, part := newGatedBody(300<<10), newGatedBody(200<<10)
			var wg sync.WaitGroup
			var putErr, partErr error
			var partInfo PartInfo
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, putErr = p.writer.PutObject(ctx, "bkt", "obj", object, PutOptions{Size: int64(len(object.data))})
			}()
			go func() {
				defer wg.Done()
				partInfo, partErr = p.writer.UploadPart(ctx, "bkt", "parts", upload, 1, part, PartOptions{Size: int64(len(part.data))})
			}()
			<-object.reached
			<-part.reached
			if n := countBlobs(t, p.blobs); n != 2 {
				t.Fatalf("%d blobs while two are being written", n)
			}
			// Every blob is now past the grace: only the record of the
			// writes keeps them.
			p.clock.Advance(2 * time.Hour)
			if n, err := p.collector.SweepOrphans(ctx); err != nil || n != 0 {
				t.Fatalf("sweep during the writes: %d deleted, %v", n, err)
			}
			close(object.release)
			close(part.release)
			wg.Wait()
			if putErr != nil || partErr != nil {
				t.Fatalf("writes: %v, %v", putErr, partErr)
			}
			if _, err := p.writer.CompleteMultipartUpload(ctx, "bkt", "parts", upload, []CompletePart{{Number: 1, ETag: partInfo.ETag}}, CompleteOptions{}); err != nil {
				t.Fatal(err)
			}
			if n := countWriteRecords(t, p.meta); n != 0 {
				t.Fatalf("%d records of writes left after the commits", n)
			}

			// A real orphan, as a write cut short by a crash leaves.
			w, err := p.blobs.Create(ctx, blob.NewID())
			if err != nil {
				t.Fatal(err)
			}
			w.Write(payload(100))
			if _, err := w.Commit(); err != nil {
				t.Fatal(err)
			}
			p.clock.Advance(2 * time.Hour)
			if n, err := p.collector.SweepOrphans(ctx); err != nil || n != 1 {
				t.Fatalf("sweep after the commits: %d deleted, %v; want the orphan", n, err)
			}
			for key, want := range map[string][]byte{"obj": object.data, "parts": part.data} {
				obj, err := p.collector.GetObject(ctx, "bkt", key, GetOptions{})
				if err != nil {
					t.Fatalf("%s after the sweep: %v", key, err)
				}
				got, err := io.ReadAll(obj.Body)
				obj.Body.Close()
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("%s after the sweep: %v", key, err)
				}
			}
		})
	}
}

// TestSweepWithoutWriteRecords is the control of the test above: two
// servers that do not share their writes (Options.Shared off) on one
// store. The collecting one takes the other's half-written blob, which
// is the failure the record of writes prevents.
func TestSweepWithoutWriteRecords(t *testing.T) {
	p := pebblePair(t, false, false)
	ctx := context.Background()
	if err := p.writer.CreateBucket(ctx, "bkt", CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	body := newGatedBody(300 << 10)
	done := make(chan error, 1)
	go func() {
		_, err := p.writer.PutObject(ctx, "bkt", "obj", body, PutOptions{Size: int64(len(body.data))})
		done <- err
	}()
	<-body.reached
	p.clock.Advance(2 * time.Hour)
	n, err := p.collector.SweepOrphans(ctx)
	close(body.release)
	<-done
	if err != nil || n != 1 {
		t.Fatalf("sweep without the record: %d deleted, %v; want the blob being written", n, err)
	}
}

// TestWriteRecordOfADeadGateway: a gateway that dies mid-write leaves its
// record; the blob is kept while the record is younger than a day, then
// collected, and the record dropped.
func TestWriteRecordOfADeadGateway(t *testing.T) {
	p := pebblePair(t, true, false)
	ctx := context.Background()
	w, err := p.writer.createBlob(ctx) // and then the writer dies
	if err != nil {
		t.Fatal(err)
	}
	w.Write(payload(100))
	w.Commit()
	p.clock.Advance(2 * time.Hour)
	if n, err := p.collector.SweepOrphans(ctx); err != nil || n != 0 {
		t.Fatalf("sweep with a fresh record: %d deleted, %v", n, err)
	}
	p.clock.Advance(writeRecordExpiry)
	if n, err := p.collector.SweepOrphans(ctx); err != nil || n != 1 {
		t.Fatalf("sweep with an expired record: %d deleted, %v; want the blob", n, err)
	}
	if n := countWriteRecords(t, p.meta); n != 0 {
		t.Fatalf("%d expired records kept", n)
	}
	// A record whose blob was never created expires the same way.
	if err := p.meta.Update(ctx, nil, func(tx meta.Txn) error {
		return tx.Set(writingKey(blob.NewID()), p.writer.writeRecord())
	}); err != nil {
		t.Fatal(err)
	}
	p.clock.Advance(writeRecordExpiry + time.Second)
	if _, err := p.collector.SweepOrphans(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countWriteRecords(t, p.meta); n != 0 {
		t.Fatalf("%d expired records kept", n)
	}
}
