package outbox

import (
	"context"
	"time"
)

// Wake is a coalescing wake-up: any number of Pokes before the waiter
// receives from it count as one.
type Wake chan struct{}

// NewWake returns a wake-up no one poked yet.
func NewWake() Wake { return make(Wake, 1) }

// Poke wakes the waiter, or leaves it to be woken when it next waits.
// It never blocks.
func (w Wake) Poke() {
	select {
	case w <- struct{}{}:
	default:
	}
}

// RelayDelay is how long Relay waits before it passes a poke on: long
// enough for the transaction that queued the work to commit.
const RelayDelay = 2 * time.Millisecond

// Relay calls fan a moment (RelayDelay) after each poke of in, until ctx
// ends: fan pokes the workers. Pokes that arrive meanwhile are taken
// together.
func Relay(ctx context.Context, in Wake, fan func()) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-in:
		}
		time.Sleep(RelayDelay)
		fan()
	}
}

// Sleep waits for d, or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
