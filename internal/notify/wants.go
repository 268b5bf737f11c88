package notify

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/kurastore/kura/internal/meta"
)

// A read records its event only when something wants it (WantsAccess).
// With gateways sharing a store, a listener on one gateway wants the
// reads made through every other, so each gateway publishes what its
// listeners want of reads under Ew<process>, and reads what the others
// publish.
const (
	// wantsRefresh is how often a gateway reads the others' wants, and
	// the longest a new listener elsewhere waits to get reads from here.
	wantsRefresh = time.Second
	// wantsRepublish is how often a gateway publishes its wants again;
	// wantsTTL is how long they hold when it stops (it died).
	wantsRepublish = 10 * time.Second
	wantsTTL       = 3 * wantsRepublish
)

// publishedWants is the value of an Ew key.
type publishedWants struct {
	Until   time.Time      `json:"until"`
	Filters []ListenFilter `json:"filters"`
}

// remoteWants are the filters the listeners on other gateways publish.
type remoteWants struct {
	mu      sync.Mutex
	filters []ListenFilter
}

func (r *remoteWants) want(bucket, key, event string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.filters {
		if f.matches(bucket, key, event) {
			return true
		}
	}
	return false
}

func (r *remoteWants) set(fs []ListenFilter) {
	r.mu.Lock()
	r.filters = fs
	r.mu.Unlock()
}

func wantsKey(proc string) []byte { return append([]byte{tagOutbox, sortWants}, proc...) }

// shareWants publishes this gateway's wants when its listeners change and
// every wantsRepublish, and reads the others' every wantsRefresh, until
// ctx ends; then it withdraws its own.
func (s *Service) shareWants(ctx context.Context) {
	var published time.Time
	had, dirty := false, true
	for {
		mine := s.listeners.readFilters()
		if (len(mine) > 0 || had) && (dirty || time.Since(published) >= wantsRepublish) {
			if err := s.publishWants(ctx, mine); err != nil {
				if ctx.Err() == nil {
					s.log.Warn("notify: publishing what listeners want", "err", err)
				}
			} else {
				published, had, dirty = time.Now(), len(mine) > 0, false
			}
		}
		if err := s.readWants(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("notify: reading what other gateways' listeners want", "err", err)
		}
		select {
		case <-ctx.Done():
			if had {
				// Withdraw them; a gateway that dies lets them run out.
				wctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				_ = s.publishWants(wctx, nil)
				cancel()
			}
			return
		case <-s.listeners.changed:
			dirty = true
		case <-time.After(wantsRefresh):
		}
	}
}

// publishWants writes this gateway's wants, or removes them when it has
// none.
func (s *Service) publishWants(ctx context.Context, fs []ListenFilter) error {
	now, err := s.meta.Now(ctx)
	if err != nil {
		return err
	}
	val, err := json.Marshal(publishedWants{Until: now.Add(wantsTTL), Filters: fs})
	if err != nil {
		return err
	}
	return s.meta.Update(ctx, nil, func(tx meta.Txn) error {
		if len(fs) == 0 {
			return tx.Delete(wantsKey(s.id))
		}
		return tx.Set(wantsKey(s.id), val)
	})
}

// readWants reads the wants other gateways published and have not let
// run out.
func (s *Service) readWants(ctx context.Context) error {
	now, err := s.meta.Now(ctx)
	if err != nil {
		return err
	}
	var fs []ListenFilter
	p := wantsKey("")
	err = s.meta.View(ctx, func(r meta.Reader) error {
		fs = nil // a rerun starts again
		return meta.EachEntry(r, p, func(k, v []byte) error {
			if string(k[len(p):]) == s.id {
				return nil
			}
			var w publishedWants
			if json.Unmarshal(v, &w) != nil || w.Until.Before(now) {
				return nil
			}
			fs = append(fs, w.Filters...)
			return nil
		})
	})
	if err != nil {
		return err
	}
	s.elsewhere.set(fs)
	return nil
}
