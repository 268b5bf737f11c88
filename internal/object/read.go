package object

import (
	"context"
	"io"

	"github.com/kurastore/kura/internal/blob"
)

// openData opens [off, off+n) of a blob-backed record: one blob, or the
// parts of a multipart manifest read one after another. Offsets are in the
// plaintext; with objKey the blobs are sealed and decrypted on the way.
func (l *Layer) openData(ctx context.Context, rec record, off, n int64, objKey []byte) (io.ReadCloser, error) {
	type span struct {
		id       blob.ID
		off, len int64
		size     int64 // plaintext size of the blob
	}
	openSpan := func(s span) (io.ReadCloser, error) {
		if objKey == nil {
			return l.blobs.Open(ctx, s.id, s.off, s.len)
		}
		return l.openSealedBlob(ctx, s.id, objKey, s.off, s.len, s.size)
	}
	if len(rec.Parts) == 0 {
		return openSpan(span{blob.ID(rec.BlobID), off, n, rec.Info.Size})
	}
	var spans []span
	for _, p := range rec.Parts {
		if n <= 0 {
			break
		}
		if off >= p.Size {
			off -= p.Size
			continue
		}
		take := min(p.Size-off, n)
		spans = append(spans, span{blob.ID(p.BlobID), off, take, p.Size})
		off, n = 0, n-take
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
	pr := &partsReader{cur: first}
	for _, s := range spans[min(1, len(spans)):] {
		pr.next = append(pr.next, func() (io.ReadCloser, error) { return openSpan(s) })
	}
	return pr, nil
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
