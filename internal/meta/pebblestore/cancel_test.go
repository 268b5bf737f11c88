package pebblestore

import (
	"context"
	"errors"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/internal/meta"
)

func openMem(t *testing.T) *Store {
	t.Helper()
	s, err := Open("db", &Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// holdLock runs an Update holding lock until the returned release is
// called.
func holdLock(t *testing.T, s *Store, lock meta.Lock) (release func()) {
	t.Helper()
	inside, done, free := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		s.Update(context.Background(), []meta.Lock{lock}, func(meta.Txn) error {
			close(inside)
			<-free
			return nil
		})
	}()
	<-inside
	return func() { close(free); <-done }
}

// An Update waiting for a lock another transaction holds gives up when
// its context is cancelled, with the context's error, and its closure
// never runs.
func TestLockWaitHonoursContext(t *testing.T) {
	for _, c := range []struct {
		name         string
		held, wanted bool // shared?
	}{
		{"exclusive behind exclusive", false, false},
		{"shared behind exclusive", false, true},
		{"exclusive behind shared", true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := openMem(t)
			release := holdLock(t, s, meta.Lock{Name: []byte("L"), Shared: c.held})
			ctx, cancel := context.WithCancel(context.Background())
			waiting := make(chan struct{})
			s.locks.beforeWait = func(string) { close(waiting) }
			result := make(chan error, 1)
			ran := false
			go func() {
				result <- s.Update(ctx, []meta.Lock{{Name: []byte("L"), Shared: c.wanted}}, func(meta.Txn) error {
					ran = true
					return nil
				})
			}()
			<-waiting
			cancel()
			// Released only after the cancel: a waiter that ignored its
			// context would now get the lock and run.
			release()
			if err := <-result; !errors.Is(err, context.Canceled) || ran {
				t.Fatalf("Update = %v (closure ran: %v), want context.Canceled without running", err, ran)
			}
			// The lock is free again for others.
			s.locks.beforeWait = nil
			if err := s.Update(context.Background(), []meta.Lock{{Name: []byte("L")}}, func(meta.Txn) error { return nil }); err != nil {
				t.Fatal(err)
			}
			if n := len(s.locks.m); n != 0 {
				t.Fatalf("%d lock entries left", n)
			}
		})
	}
}

// View with a cancelled context reads nothing and returns its error.
func TestViewHonoursContext(t *testing.T) {
	s := openMem(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	if err := s.View(ctx, func(meta.Reader) error { ran = true; return nil }); !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("View = %v (closure ran: %v), want context.Canceled without running", err, ran)
	}
}
