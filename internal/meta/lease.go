package meta

import (
	"context"
	"errors"
	"strings"
	"time"
)

// A lease lets one process at a time, of all those sharing a Store, do
// some background work (collect blobs, deliver a target's events, scan
// lifecycle rules). The holder renews it before it runs out; when the
// holder dies it runs out and another process takes it. Its value is
// "<holder> <expiry, RFC 3339>", on the store's clock (Store.Now), so
// processes whose own clocks disagree still agree on who holds it.

// Lease is one named lease.
type Lease struct {
	// Key is where the lease is stored; the key's own lock serializes
	// the processes that take it.
	Key []byte
	// Holder names this process.
	Holder string
	// Term is how long a take or renewal lasts.
	Term time.Duration
	// Clock, when set, is the store's clock as the caller reads it (a
	// clock it keeps in step with Store.Now, or a test's fake one); the
	// deadline Take returns is then on this clock too.
	Clock func() time.Time
}

// Take takes or renews the lease unless another holder has it. It
// returns until when this process may act on it, measured on the local
// clock (or Clock) from before the lease was written, so that it never outlasts the
// stored expiry.
func (l Lease) Take(ctx context.Context, s Store) (held bool, until time.Time, err error) {
	start, now := time.Now(), time.Time{}
	if l.Clock != nil {
		start = l.Clock()
		now = start
	} else if now, err = s.Now(ctx); err != nil {
		return false, time.Time{}, err
	}
	expiry := now.Add(l.Term)
	err = s.Update(ctx, []Lock{{Name: l.Key}}, func(tx Txn) error {
		held = false // a rerun may find another holder
		v, err := tx.Get(l.Key)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if err == nil {
			if holder, exp, ok := ParseLease(v); ok && holder != l.Holder && exp.After(now) {
				return nil
			}
		}
		held = true
		return tx.Set(l.Key, []byte(l.Holder+" "+expiry.Format(time.RFC3339Nano)))
	})
	if err != nil || !held {
		return false, time.Time{}, err
	}
	return true, start.Add(l.Term), nil
}

// Holds reports whether this process holds the lease at now (a time on
// the store's clock), reading it through r.
func (l Lease) Holds(r Reader, now time.Time) (bool, error) {
	v, err := r.Get(l.Key)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	holder, exp, ok := ParseLease(v)
	return ok && holder == l.Holder && exp.After(now), nil
}

// ParseLease reads a lease's value: its holder and when it runs out.
func ParseLease(v []byte) (holder string, expiry time.Time, ok bool) {
	holder, text, ok := strings.Cut(string(v), " ")
	if !ok {
		return "", time.Time{}, false
	}
	expiry, err := time.Parse(time.RFC3339Nano, text)
	return holder, expiry, err == nil
}
