// Package metatest is the conformance suite every meta.Store
// implementation runs: pebblestore today, PostgreSQL later.
package metatest

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kurastore/kura/internal/meta"
)

// Run runs the suite. open returns a new, empty store; Run closes it.
func Run(t *testing.T, open func(t *testing.T) meta.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s meta.Store)
	}{
		{"GetSetDelete", testGetSetDelete},
		{"Order", testOrder},
		{"Iterators", testIterators},
		{"OwnWrites", testOwnWrites},
		{"Rollback", testRollback},
		{"LockedIncrements", testLockedIncrements},
		{"LockOrder", testLockOrder},
		{"SharedLocks", testSharedLocks},
		{"ViewConsistency", testViewConsistency},
		{"LargeValues", testLargeValues},
		{"Clock", testClock},
		{"Lease", testLease},
		{"Sync", testSync},
		{"Closed", testClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			tc.fn(t, s)
		})
	}
}

var bg = context.Background()

func set(t *testing.T, s meta.Store, kv ...string) {
	t.Helper()
	err := s.Update(bg, nil, func(tx meta.Txn) error {
		for i := 0; i < len(kv); i += 2 {
			if err := tx.Set([]byte(kv[i]), []byte(kv[i+1])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, s meta.Store, key string) (string, error) {
	t.Helper()
	var v []byte
	err := s.View(bg, func(r meta.Reader) (err error) {
		v, err = r.Get([]byte(key))
		return err
	})
	return string(v), err
}

func scan(t *testing.T, r meta.Reader, lower, upper []byte) []string {
	t.Helper()
	it, err := r.NewIter(lower, upper)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var keys []string
	for ok := it.First(); ok; ok = it.Next() {
		keys = append(keys, string(it.Key()))
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	return keys
}

func testGetSetDelete(t *testing.T, s meta.Store) {
	if _, err := get(t, s, "missing"); !errors.Is(err, meta.ErrNotFound) {
		t.Fatalf("missing key: %v", err)
	}
	set(t, s, "a", "1", "empty", "")
	if v, err := get(t, s, "a"); err != nil || v != "1" {
		t.Fatalf("get a = %q, %v", v, err)
	}
	if v, err := get(t, s, "empty"); err != nil || v != "" {
		t.Fatalf("an empty value must exist: %q, %v", v, err)
	}
	set(t, s, "a", "2")
	if v, _ := get(t, s, "a"); v != "2" {
		t.Fatalf("overwrite: %q", v)
	}
	if err := s.Update(bg, nil, func(tx meta.Txn) error {
		if err := tx.Delete([]byte("nothing")); err != nil {
			return err
		}
		return tx.Delete([]byte("a"))
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := get(t, s, "a"); !errors.Is(err, meta.ErrNotFound) {
		t.Fatalf("deleted key: %v", err)
	}
}

func testOrder(t *testing.T, s meta.Store) {
	keys := []string{"\x00", "\x00\x00", "a", "a\x00", "ab", "a\xff", "b", "\xff", "\xff\xff"}
	for i := len(keys) - 1; i >= 0; i-- {
		set(t, s, keys[i], "v")
	}
	s.View(bg, func(r meta.Reader) error {
		if got := scan(t, r, nil, nil); fmt.Sprint(got) != fmt.Sprint(keys) {
			t.Errorf("order %q, want %q", got, keys)
		}
		if got := scan(t, r, []byte("a"), []byte("b")); fmt.Sprint(got) != fmt.Sprint(keys[2:6]) {
			t.Errorf("bounded %q", got)
		}
		return nil
	})
}

func testIterators(t *testing.T, s meta.Store) {
	for i := range 2000 {
		set(t, s, fmt.Sprintf("k%05d", i), "v")
	}
	s.View(bg, func(r meta.Reader) error {
		it, err := r.NewIter([]byte("k00100"), []byte("k00200"))
		if err != nil {
			t.Fatal(err)
		}
		defer it.Close()
		if !it.SeekGE([]byte("k00150")) || string(it.Key()) != "k00150" {
			t.Errorf("SeekGE inside bounds")
		}
		if !it.SeekGE([]byte("a")) || string(it.Key()) != "k00100" {
			t.Errorf("SeekGE below lower bound must clamp")
		}
		if it.SeekGE([]byte("k00200")) {
			t.Errorf("SeekGE at upper bound must be invalid")
		}
		if v, err := func() ([]byte, error) { it.First(); return it.Value() }(); err != nil || string(v) != "v" {
			t.Errorf("Value: %q %v", v, err)
		}
		n := 0
		for ok := it.First(); ok; ok = it.Next() {
			n++
		}
		if n != 100 {
			t.Errorf("iterated %d keys, want 100", n)
		}
		return nil
	})
}

func testOwnWrites(t *testing.T, s meta.Store) {
	set(t, s, "a", "old", "c", "x")
	err := s.Update(bg, nil, func(tx meta.Txn) error {
		tx.Set([]byte("a"), []byte("new"))
		tx.Set([]byte("b"), []byte("added"))
		tx.Delete([]byte("c"))
		if v, err := tx.Get([]byte("a")); err != nil || string(v) != "new" {
			t.Errorf("own write invisible: %q %v", v, err)
		}
		if _, err := tx.Get([]byte("c")); !errors.Is(err, meta.ErrNotFound) {
			t.Errorf("own delete invisible: %v", err)
		}
		if got := scan(t, tx, nil, nil); fmt.Sprint(got) != "[a b]" {
			t.Errorf("iterator in txn: %q", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testRollback(t *testing.T, s meta.Store) {
	boom := errors.New("boom")
	err := s.Update(bg, nil, func(tx meta.Txn) error {
		tx.Set([]byte("x"), []byte("1"))
		tx.Set([]byte("y"), []byte("2"))
		return boom
	})
	if err != boom {
		t.Fatalf("Update returned %v, want fn's error unchanged", err)
	}
	for _, k := range []string{"x", "y"} {
		if _, err := get(t, s, k); !errors.Is(err, meta.ErrNotFound) {
			t.Errorf("failed txn wrote %s", k)
		}
	}
}

func increment(s meta.Store, locks []meta.Lock, key string) error {
	return s.Update(bg, locks, func(tx meta.Txn) error {
		var n uint64
		if v, err := tx.Get([]byte(key)); err == nil {
			n = binary.BigEndian.Uint64(v)
		} else if !errors.Is(err, meta.ErrNotFound) {
			return err
		}
		return tx.Set([]byte(key), binary.BigEndian.AppendUint64(nil, n+1))
	})
}

func testLockedIncrements(t *testing.T, s meta.Store) {
	const workers, each = 8, 50
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if err := increment(s, []meta.Lock{{Name: []byte("counter")}}, "n"); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	v, err := get(t, s, "n")
	if err != nil || binary.BigEndian.Uint64([]byte(v)) != workers*each {
		t.Fatalf("counter = %x, want %d (lost updates)", v, workers*each)
	}
}

func testLockOrder(t *testing.T, s meta.Store) {
	a, b := meta.Lock{Name: []byte("A")}, meta.Lock{Name: []byte("B")}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			locks := []meta.Lock{a, b}
			if i%2 == 1 {
				locks = []meta.Lock{b, a, b} // other order, and a duplicate
			}
			for range 25 {
				if err := increment(s, locks, "n"); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait() // a deadlock would hang here
	v, _ := get(t, s, "n")
	if binary.BigEndian.Uint64([]byte(v)) != 200 {
		t.Fatalf("counter = %x", v)
	}
}

func testSharedLocks(t *testing.T, s meta.Store) {
	shared := []meta.Lock{{Name: []byte("L"), Shared: true}}
	inside := make(chan struct{})
	release := make(chan struct{})
	var entered sync.Once // a store may run the closure more than once
	go s.Update(bg, shared, func(meta.Txn) error {
		entered.Do(func() { close(inside) })
		<-release
		return nil
	})
	<-inside
	// A second shared holder gets in while the first holds the lock.
	if err := s.Update(bg, shared, func(meta.Txn) error { return nil }); err != nil {
		t.Fatal(err)
	}
	// An exclusive holder waits for the shared one.
	done := make(chan struct{})
	var order []string
	var mu sync.Mutex
	go func() {
		s.Update(bg, []meta.Lock{{Name: []byte("L")}}, func(meta.Txn) error {
			mu.Lock()
			if len(order) == 0 || order[len(order)-1] != "exclusive" {
				order = append(order, "exclusive")
			}
			mu.Unlock()
			return nil
		})
		close(done)
	}()
	mu.Lock()
	order = append(order, "shared released")
	mu.Unlock()
	close(release)
	<-done
	if fmt.Sprint(order) != "[shared released exclusive]" {
		t.Fatalf("exclusive lock entered while shared was held: %v", order)
	}
}

func testViewConsistency(t *testing.T, s meta.Store) {
	set(t, s, "x", "0", "y", "0")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			v := fmt.Sprint(i)
			s.Update(bg, nil, func(tx meta.Txn) error {
				tx.Set([]byte("x"), []byte(v))
				return tx.Set([]byte("y"), []byte(v))
			})
		}
	}()
	for range 200 {
		s.View(bg, func(r meta.Reader) error {
			x, _ := r.Get([]byte("x"))
			y, _ := r.Get([]byte("y"))
			if !bytes.Equal(x, y) {
				t.Errorf("torn view: x=%s y=%s", x, y)
			}
			return nil
		})
	}
	close(stop)
	wg.Wait()
}

func testLargeValues(t *testing.T, s meta.Store) {
	big := bytes.Repeat([]byte{0xab}, 1<<20)
	set(t, s, "big", string(big))
	if v, err := get(t, s, "big"); err != nil || v != string(big) {
		t.Fatalf("1 MiB value: %d bytes, %v", len(v), err)
	}
}

func testClosed(t *testing.T, s meta.Store) {
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.View(bg, func(meta.Reader) error { return nil }); !errors.Is(err, meta.ErrClosed) {
		t.Errorf("View after Close: %v", err)
	}
	if err := s.Update(bg, nil, func(meta.Txn) error { return nil }); !errors.Is(err, meta.ErrClosed) {
		t.Errorf("Update after Close: %v", err)
	}
	if _, err := s.Now(bg); !errors.Is(err, meta.ErrClosed) {
		t.Errorf("Now after Close: %v", err)
	}
	if err := s.Sync(bg); !errors.Is(err, meta.ErrClosed) {
		t.Errorf("Sync after Close: %v", err)
	}
}

// testSync: Sync succeeds after writes and with none, and honours a
// done context.
func testSync(t *testing.T, s meta.Store) {
	if err := s.Sync(bg); err != nil {
		t.Fatalf("Sync with nothing written: %v", err)
	}
	if err := s.Update(bg, nil, func(tx meta.Txn) error { return tx.Set([]byte("sync"), []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(bg); err != nil {
		t.Fatalf("Sync after a write: %v", err)
	}
	done, cancel := context.WithCancel(bg)
	cancel()
	if err := s.Sync(done); !errors.Is(err, context.Canceled) {
		t.Errorf("Sync with a done context: %v", err)
	}
}

// testClock: the store's clock reads a real time (the test machine's
// clock and the store's agree within a day: a clock in the wrong unit or
// epoch does not) and does not run backwards between two readings.
func testClock(t *testing.T, s meta.Store) {
	first, err := s.Now(bg)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(first); d > 24*time.Hour || d < -24*time.Hour {
		t.Fatalf("the store's clock reads %v, %v from this machine's", first, d)
	}
	second, err := s.Now(bg)
	if err != nil {
		t.Fatal(err)
	}
	if second.Before(first) {
		t.Fatalf("the store's clock ran backwards: %v then %v", first, second)
	}
}

// testLease: of two holders, one has the lease until it runs out; the
// holder renews it; after it runs out the other takes it.
func testLease(t *testing.T, s meta.Store) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	a := meta.Lease{Key: []byte("Ltest"), Holder: "a", Term: time.Minute, Clock: clock}
	b := a
	b.Holder = "b"
	take := func(l meta.Lease) bool {
		t.Helper()
		held, until, err := l.Take(bg, s)
		if err != nil {
			t.Fatal(err)
		}
		if held && !until.Equal(now.Add(l.Term)) {
			t.Fatalf("deadline %v, want %v", until, now.Add(l.Term))
		}
		return held
	}
	holds := func(l meta.Lease) (held bool) {
		t.Helper()
		if err := s.View(bg, func(r meta.Reader) (err error) { held, err = l.Holds(r, now); return err }); err != nil {
			t.Fatal(err)
		}
		return held
	}
	if !take(a) || take(b) || !holds(a) || holds(b) {
		t.Fatal("the first taker does not hold the lease alone")
	}
	now = now.Add(time.Minute - time.Nanosecond)
	if take(b) || !take(a) {
		t.Fatal("a lease one nanosecond before its end was taken over, or not renewed")
	}
	now = now.Add(time.Minute)
	if !take(b) || holds(a) || take(a) {
		t.Fatal("a lease that ran out was not taken over")
	}
	// Without a Clock the lease is on the store's clock.
	c := meta.Lease{Key: []byte("Ltest2"), Holder: "c", Term: time.Minute}
	if held, until, err := c.Take(bg, s); err != nil || !held || time.Until(until) > time.Minute {
		t.Fatalf("take on the store's clock: %v %v %v", held, until, err)
	}
}
