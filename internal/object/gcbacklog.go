package object

import (
	"context"
	"encoding/binary"
	"errors"
	"time"

	"github.com/kurastore/kura/internal/meta"
)

// GCBacklog is the collector queue's backlog as one bounded read sees
// it.
type GCBacklog struct {
	// Queued counts the blobs queued for deletion, up to the read's
	// limit; Truncated says the limit was reached.
	Queued    int
	Truncated bool
	// Oldest is when the longest-waiting of the blobs read was queued
	// (zero when none is). Queued blobs wait GCDelay at least.
	Oldest time.Time
}

// errEnough stops a bounded scan.
var errEnough = errors.New("enough")

// GCBacklog reads the collector queue, at most limit entries of it: the
// queue is kept in blob order, so its size and oldest entry need a walk,
// bounded for a caller (a metrics scrape) that runs often.
func (l *Layer) GCBacklog(ctx context.Context, limit int) (GCBacklog, error) {
	var b GCBacklog
	err := l.view(ctx, func(r meta.Reader) error {
		b = GCBacklog{}
		err := meta.EachEntry(r, []byte{tagGCQueue}, func(_, val []byte) error {
			if b.Queued == limit {
				b.Truncated = true
				return errEnough
			}
			b.Queued++
			if len(val) == gcQueueValueBytes {
				when := time.Unix(0, int64(binary.BigEndian.Uint64(val)))
				if b.Oldest.IsZero() || when.Before(b.Oldest) {
					b.Oldest = when
				}
			}
			return nil
		})
		if errors.Is(err, errEnough) {
			return nil
		}
		return err
	})
	return b, err
}
