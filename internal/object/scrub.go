package object

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/kurastore/kura/internal/blob"
	"github.com/kurastore/kura/internal/cipherstream"
	"github.com/kurastore/kura/internal/meta"
)

// Damage is one damaged object (or part of an unfinished upload) that
// Scrub found.
type Damage struct {
	Bucket, Key string
	VersionID   string // "" for the latest or an unversioned object
	UploadID    string // set for a part of an unfinished upload
	Blob        string // the damaged blob, "" for inline data
	Problem     string
}

func (d Damage) String() string {
	where := d.Bucket + "/" + d.Key
	if d.VersionID != "" {
		where += " version " + d.VersionID
	}
	if d.UploadID != "" {
		where += " upload " + d.UploadID
	}
	if d.Blob != "" {
		where += " blob " + d.Blob
	}
	return where + ": " + d.Problem
}

// ScrubStats counts what Scrub read.
type ScrubStats struct {
	Records int64 // object versions and upload parts checked
	Inline  int64 // inline values verified
	Blobs   int64 // blobs read through
	Bytes   int64 // stored bytes read
	Damaged int64
	// Orphans are blobs that no record references: left by writes that
	// failed or were cut short, and deleted by the collector once they
	// are older than Options.OrphanGrace. On a running server, blobs
	// being written count too.
	Orphans int64
}

const scrubPage = 256

// scrubItem is one record to verify, read in one view with its inline
// value.
type scrubItem struct {
	d      Damage // names the record; Problem empty
	rec    record
	inline []byte
	// part is set for a part of an unfinished upload.
	part *PartInfo
}

// Scrub reads every object version and every uploaded part, verifying
// inline values against their checksums and blobs block by block against
// theirs, and the stored sizes against the records. It calls report for
// each damaged one. Encrypted data is verified as stored; its
// authentication tags are checked when it is read with its key.
func (l *Layer) Scrub(ctx context.Context, report func(Damage)) (ScrubStats, error) {
	var st ScrubStats
	seen := make(map[string]bool) // record uids: the latest version has an O- and a V-key
	for _, tag := range []byte{tagObject, tagVersion, tagPart} {
		start := []byte{tag}
		end := []byte{tag + 1}
		for start != nil {
			var items []scrubItem
			var err error
			if items, start, err = l.scrubPage(ctx, start, end, seen); err != nil {
				return st, err
			}
			for _, it := range items {
				if err := ctx.Err(); err != nil {
					return st, err
				}
				if problem := l.scrubItem(ctx, it, &st); problem != nil {
					d := *problem
					st.Damaged++
					report(d)
				}
			}
		}
	}
	err := l.blobs.Walk(ctx, func(id blob.ID, _ time.Time) error {
		var referenced bool
		err := l.view(ctx, func(r meta.Reader) (err error) {
			referenced, err = hasRef(r, string(id))
			return err
		})
		if err == nil && !referenced {
			st.Orphans++
		}
		return err
	})
	return st, err
}

// scrubPage reads up to scrubPage records from start and returns where the
// next page starts (nil at end).
func (l *Layer) scrubPage(ctx context.Context, start, end []byte, seen map[string]bool) ([]scrubItem, []byte, error) {
	var items []scrubItem
	var next []byte
	var added map[string]bool // uids this page saw, joined to seen once it is read
	err := l.view(ctx, func(r meta.Reader) error {
		items, next, added = nil, nil, make(map[string]bool)
		it, err := r.NewIter(start, end)
		if err != nil {
			return err
		}
		defer it.Close()
		for ok := it.First(); ok; ok = it.Next() {
			if len(items) == scrubPage {
				next = bytes.Clone(it.Key())
				break
			}
			val, err := it.Value()
			if err != nil {
				return err
			}
			item, ok, err := scrubRecord(r, it.Key(), val, seen, added)
			if err != nil {
				return err
			}
			if ok {
				items = append(items, item)
			}
		}
		return it.Err()
	})
	for uid := range added {
		seen[uid] = true
	}
	return items, next, err
}

// scrubRecord turns one O-, V- or P-key into an item to verify; ok is
// false for what holds no data (delete markers, a version already seen).
func scrubRecord(r meta.Reader, key, val []byte, seen, added map[string]bool) (scrubItem, bool, error) {
	var item scrubItem
	switch key[0] {
	case tagPart:
		var p PartInfo
		if err := json.Unmarshal(val, &p); err != nil {
			item.d.Problem = "unreadable part record"
			return item, true, nil
		}
		item.part = &p
		upload, _, _ := bytes.Cut(key[1:], []byte{keySeparate})
		item.d.UploadID, item.d.Key = string(upload), fmt.Sprint("part ", p.Number)
		return item, true, nil
	case tagObject:
		bucket, name, _ := bytes.Cut(key[1:], []byte{keySeparate})
		item.d.Bucket, item.d.Key = string(bucket), string(name)
	case tagVersion:
		bucket, rest, _ := bytes.Cut(key[1:], []byte{keySeparate})
		item.d.Bucket = string(bucket)
		if len(rest) > 1+8+versionIDLength {
			item.d.Key = string(rest[:len(rest)-1-8-versionIDLength])
			item.d.VersionID = string(rest[len(rest)-versionIDLength:])
		}
	}
	rec, err := decodeRecord(val, false)
	if err != nil {
		item.d.Problem = "unreadable metadata record: " + err.Error()
		return item, true, nil
	}
	if rec.Info.IsDeleteMarker || seen[rec.UID] || added[rec.UID] {
		return item, false, nil
	}
	added[rec.UID] = true
	item.rec = rec
	if rec.Inline && !rec.remote() {
		item.inline, err = r.Get(inlineKey(rec.UID))
		if errors.Is(err, meta.ErrNotFound) {
			item.d.Problem = "inline data is missing"
			return item, true, nil
		}
		if err != nil {
			return item, false, err
		}
	}
	return item, true, nil
}

// storedSize is how many bytes plain bytes take in a blob or inline value.
func storedSize(plain int64, encrypted bool) int64 {
	if encrypted {
		return cipherstream.SealedSize(plain)
	}
	return plain
}

// scrubItem verifies one item; nil when it is sound.
func (l *Layer) scrubItem(ctx context.Context, it scrubItem, st *ScrubStats) *Damage {
	d := it.d
	st.Records++
	if d.Problem != "" {
		return &d
	}
	if it.part != nil {
		if problem, id := l.scrubBlob(ctx, it.part.BlobID, -1, st); problem != "" {
			d.Blob, d.Problem = id, problem
			return &d
		}
		return nil
	}
	rec := it.rec
	if rec.remote() {
		return nil // its data is on a tier, which keeps it
	}
	encrypted := rec.Info.SSE.Type != ""
	if rec.Inline {
		st.Inline++
		st.Bytes += int64(len(it.inline))
		switch {
		case rec.checkInline(it.inline) != nil:
			d.Problem = "inline data fails its checksum"
		case int64(len(it.inline)) != storedSize(rec.Info.Size, encrypted):
			d.Problem = fmt.Sprintf("inline data is %d bytes, the record says %d", len(it.inline), storedSize(rec.Info.Size, encrypted))
		default:
			return nil
		}
		return &d
	}
	parts := rec.Parts
	if len(parts) == 0 {
		parts = []partRef{{Size: rec.Info.Size, BlobID: rec.BlobID}}
	}
	for _, p := range parts {
		if problem, id := l.scrubBlob(ctx, p.BlobID, storedSize(p.Size, encrypted), st); problem != "" {
			d.Blob, d.Problem = id, problem
			return &d
		}
	}
	return nil
}

// scrubBlob reads a whole blob, which verifies every block, and compares
// its size with want (unless want is -1).
func (l *Layer) scrubBlob(ctx context.Context, id string, want int64, st *ScrubStats) (problem, blobID string) {
	st.Blobs++
	size, err := l.blobs.Size(ctx, blob.ID(id))
	switch {
	case errors.Is(err, blob.ErrNotFound):
		return "blob is missing", id
	case err != nil:
		return "blob is unreadable: " + err.Error(), id
	case want >= 0 && size != want:
		return fmt.Sprintf("blob holds %d bytes, the record says %d", size, want), id
	}
	rc, err := l.blobs.Open(ctx, blob.ID(id), 0, size)
	if err != nil {
		return "blob is unreadable: " + err.Error(), id
	}
	defer rc.Close()
	bp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bp)
	n, err := io.CopyBuffer(io.Discard, rc, *bp)
	st.Bytes += n
	if err != nil {
		return "blob fails its checksum: " + err.Error(), id
	}
	return "", ""
}
