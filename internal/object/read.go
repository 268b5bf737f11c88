package object

import (
	"context"
	"io"
	"sync"

	"github.com/klauspost/readahead"
	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/tier"
)

// openData opens [off, off+n) of a blob-backed record: one blob, or the
// parts of a multipart manifest read one after another. Offsets are in the
// plaintext; with objKey the blobs are sealed and decrypted on the way.
// The blobs it will read are leased (readlease.go) until the reader is
// closed, so the collector leaves them however long the read takes. A
// transitioned record's data is read from its restored copy while it has
// a valid one, else from its tier; the remote objects are leased then
// (remoteLease), and their deletion waits for the read in the same way.
func (l *Layer) openData(ctx context.Context, rec record, off, n int64, objKey []byte) (io.ReadCloser, error) {
	spans := dataSpans(rec, off, n)
	var src dataSource // nil: the local blobs
	switch {
	case !rec.remote():
	case rec.restoredCopyValid(l.gcNow()):
		for i := range spans {
			spans[i].local = blob.ID(rec.RestoreBlobs[spans[i].piece])
		}
	default:
		t, err := l.tierOf(ctx, rec.Info.Tier)
		if err != nil {
			return nil, tierReadError(rec.Info.Tier, err)
		}
		src = tierSource{t: t, name: rec.Info.Tier, uid: rec.UID}
	}
	ids := make([]blob.ID, len(spans))
	for i, s := range spans {
		ids[i] = s.local
		if src != nil {
			ids[i] = remoteLease(rec.Info.Tier, rec.UID, string(s.id))
		}
	}
	l.leaseBlobs(ids)
	r, err := l.openSpans(ctx, src, spans, objKey)
	if err != nil {
		l.releaseBlobs(ids)
		return nil, err
	}
	return readAhead(&leasedReader{ReadCloser: r, l: l, ids: ids}, n), nil
}

// A dataSource reads the stored bytes of a record's blobs from
// elsewhere than the blob store: the tier the record was transitioned to.
type dataSource interface {
	Open(ctx context.Context, id blob.ID, off, n int64) (io.ReadCloser, error)
}

// tierSource reads the remote objects of record uid from a tier.
type tierSource struct {
	t    tier.Tier
	name string
	uid  string
}

func (s tierSource) Open(ctx context.Context, id blob.ID, off, n int64) (io.ReadCloser, error) {
	rc, err := s.t.Open(ctx, remoteName(s.uid, string(id)), off, n)
	return rc, tierReadError(s.name, err)
}

// A span is the piece [off, off+len) of one blob that a read needs.
type span struct {
	id       blob.ID // the blob: its stream key, and its remote name
	off, len int64
	size     int64   // plaintext size of the blob
	piece    int     // the blob's index in the record's blobIDs
	local    blob.ID // the blob that holds it locally: id, or its restored copy
}

// dataSpans lists the pieces of rec's blobs that hold [off, off+n).
func dataSpans(rec record, off, n int64) []span {
	if len(rec.Parts) == 0 {
		id := blob.ID(rec.BlobID)
		return []span{{id, off, n, rec.Info.Size, 0, id}}
	}
	var spans []span
	for i, p := range rec.Parts {
		if n <= 0 {
			break
		}
		if off >= p.Size {
			off -= p.Size
			continue
		}
		take := min(p.Size-off, n)
		id := blob.ID(p.BlobID)
		spans = append(spans, span{id, off, take, p.Size, i, id})
		off, n = 0, n-take
	}
	return spans
}

func (l *Layer) openSpans(ctx context.Context, src dataSource, spans []span, objKey []byte) (io.ReadCloser, error) {
	openSpan := func(s span) (io.ReadCloser, error) {
		read := func(off, n int64) (io.ReadCloser, error) {
			if src == nil {
				return l.blobs.Open(ctx, s.local, off, n)
			}
			return src.Open(ctx, s.id, off, n)
		}
		if objKey == nil {
			return read(s.off, s.len)
		}
		return openSealed(read, s.id, objKey, s.off, s.len, s.size)
	}
	// Open the first part now, so a missing blob is reported before the
	// response starts; later parts open as the reader reaches them.
	var first io.ReadCloser
	if len(spans) > 0 {
		var err error
		if first, err = openSpan(spans[0]); err != nil {
			return nil, err
		}
	}
	if len(spans) == 1 {
		return first, nil
	}
	pr := &partsReader{cur: first}
	for _, s := range spans[min(1, len(spans)):] {
		pr.next = append(pr.next, func() (io.ReadCloser, error) { return openSpan(s) })
	}
	return pr, nil
}

// leasedReader gives its read leases back when it is first closed.
type leasedReader struct {
	io.ReadCloser
	l   *Layer
	ids []blob.ID
}

func (r *leasedReader) Close() error {
	err := r.ReadCloser.Close()
	if r.ids != nil {
		r.l.releaseBlobs(r.ids)
		r.ids = nil
	}
	return err
}

type partsReader struct {
	cur  io.ReadCloser
	next []func() (io.ReadCloser, error)
}

func (p *partsReader) Read(b []byte) (int, error) {
	for {
		if p.cur == nil {
			if len(p.next) == 0 {
				return 0, io.EOF
			}
			r, err := p.next[0]()
			if err != nil {
				return 0, err
			}
			p.cur, p.next = r, p.next[1:]
		}
		n, err := p.cur.Read(b)
		if err == io.EOF {
			p.cur.Close()
			p.cur = nil
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
}

func (p *partsReader) Close() error {
	if p.cur != nil {
		return p.cur.Close()
	}
	return nil
}

// Large reads are read ahead: a goroutine reads and verifies (and
// decrypts) the next chunk from disk while the caller writes the current
// one to the network, so one stream uses two cores instead of taking
// turns on one. Each large read holds readAheadBuffers buffers.
const (
	readAheadMin     = 1 << 20
	readAheadSize    = 1 << 20
	readAheadBuffers = 2
)

var readAheadPool = sync.Pool{New: func() any { b := make([]byte, readAheadSize); return &b }}

func readAhead(r io.ReadCloser, n int64) io.ReadCloser {
	if n < readAheadMin {
		return r
	}
	bufs := make([]*[]byte, readAheadBuffers)
	raw := make([][]byte, readAheadBuffers)
	for i := range bufs {
		bufs[i] = readAheadPool.Get().(*[]byte)
		raw[i] = *bufs[i]
	}
	ra, err := readahead.NewReadCloserBuffer(r, raw)
	if err != nil {
		for _, b := range bufs {
			readAheadPool.Put(b)
		}
		return r
	}
	return &aheadReader{ra: ra, bufs: bufs}
}

// aheadReader returns its buffers to the pool once closed (Close waits
// for the read-ahead goroutine to stop using them). It keeps WriteTo, so
// io.Copy writes straight from the read-ahead buffers.
type aheadReader struct {
	ra   io.ReadCloser
	bufs []*[]byte
}

func (a *aheadReader) Read(p []byte) (int, error) { return a.ra.Read(p) }

func (a *aheadReader) WriteTo(w io.Writer) (int64, error) { return a.ra.(io.WriterTo).WriteTo(w) }

func (a *aheadReader) Close() error {
	if a.bufs == nil {
		return nil
	}
	err := a.ra.Close()
	for _, b := range a.bufs {
		readAheadPool.Put(b)
	}
	a.bufs = nil
	return err
}
