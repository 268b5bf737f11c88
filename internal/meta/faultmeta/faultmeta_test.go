package faultmeta

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/kurastore/kura/internal/meta"
	"github.com/kurastore/kura/internal/meta/metatest"
	"github.com/kurastore/kura/internal/meta/pebblestore"
)

func openInner(t *testing.T) meta.Store {
	t.Helper()
	s, err := pebblestore.Open("db", &pebblestore.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The wrapper is itself a conformant store, whether it reruns every
// closure or a random half of them.
func TestConformanceAlwaysRerun(t *testing.T) {
	metatest.Run(t, func(t *testing.T) meta.Store { return New(openInner(t), Options{Rerun: 1}) })
}

func TestConformanceRandomRerun(t *testing.T) {
	metatest.Run(t, func(t *testing.T) meta.Store { return New(openInner(t), Options{Rerun: 0.5, Seed: 7}) })
}

var bg = context.Background()

func get(t *testing.T, s meta.Store, key string) (string, error) {
	t.Helper()
	var v []byte
	err := s.View(bg, func(r meta.Reader) (err error) { v, err = r.Get([]byte(key)); return err })
	return string(v), err
}

// A rerun discards the first run's writes: a closure that appends to the
// value it reads appends once.
func TestRerunDiscardsFirstRun(t *testing.T) {
	s := New(openInner(t), Options{Rerun: 1})
	defer s.Close()
	runs := 0
	err := s.Update(bg, nil, func(tx meta.Txn) error {
		runs++
		v, err := tx.Get([]byte("k"))
		if err != nil && !errors.Is(err, meta.ErrNotFound) {
			return err
		}
		return tx.Set([]byte("k"), append(v, 'x'))
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Reruns() != 1 {
		t.Fatalf("Reruns = %d, want 1", s.Reruns())
	}
	if v, _ := get(t, s, "k"); v != "x" || runs != 2 {
		t.Fatalf("value %q after %d runs, want \"x\" after 2", v, runs)
	}
}

// A closure that keeps state outside itself is caught: the kind of bug
// the wrapper exists to find.
func TestRerunExposesOutsideState(t *testing.T) {
	s := New(openInner(t), Options{Rerun: 1})
	defer s.Close()
	var parts []string
	err := s.Update(bg, nil, func(tx meta.Txn) error {
		parts = append(parts, "p")
		return tx.Set([]byte("k"), []byte(strings.Join(parts, ",")))
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := get(t, s, "k"); v != "p,p" {
		t.Fatalf("value %q, want the doubled \"p,p\" a rerun makes", v)
	}
}

func TestRerunNever(t *testing.T) {
	s := New(openInner(t), Options{})
	defer s.Close()
	runs := 0
	s.Update(bg, nil, func(meta.Txn) error { runs++; return nil })
	s.View(bg, func(meta.Reader) error { runs++; return nil })
	if runs != 2 || s.Reruns() != 0 {
		t.Fatalf("%d runs, %d reruns; want 2 and 0", runs, s.Reruns())
	}
}

func TestFaultBeforeCommit(t *testing.T) {
	s := New(openInner(t), Options{})
	defer s.Close()
	s.Inject(Fault{When: BeforeCommit})
	err := s.Update(bg, nil, func(tx meta.Txn) error { return tx.Set([]byte("k"), []byte("v")) })
	if !errors.Is(err, ErrInjected) {
		t.Fatalf("Update = %v, want ErrInjected", err)
	}
	if _, err := get(t, s, "k"); !errors.Is(err, meta.ErrNotFound) {
		t.Fatalf("a failed commit wrote: %v", err)
	}
	if s.Armed() {
		t.Fatal("fault not spent")
	}
	// Spent: the next Update commits.
	if err := s.Update(bg, nil, func(tx meta.Txn) error { return tx.Set([]byte("k"), []byte("v")) }); err != nil {
		t.Fatal(err)
	}
}

func TestFaultAfterCommit(t *testing.T) {
	s := New(openInner(t), Options{})
	defer s.Close()
	mine := errors.New("connection lost during COMMIT")
	s.Inject(Fault{When: AfterCommit, Err: mine})
	err := s.Update(bg, nil, func(tx meta.Txn) error { return tx.Set([]byte("k"), []byte("v")) })
	if !errors.Is(err, mine) {
		t.Fatalf("Update = %v, want the injected error", err)
	}
	if v, err := get(t, s, "k"); err != nil || v != "v" {
		t.Fatalf("an ambiguous commit did not write: %q %v", v, err)
	}
}

// A fault with Match passes over Updates that write no matching key, and
// over closures that fail on their own.
func TestFaultMatch(t *testing.T) {
	s := New(openInner(t), Options{})
	defer s.Close()
	s.Inject(Fault{When: BeforeCommit, Match: func(k []byte) bool { return string(k) == "target" }})
	if err := s.Update(bg, nil, func(tx meta.Txn) error { return tx.Set([]byte("other"), nil) }); err != nil {
		t.Fatalf("unmatched Update: %v", err)
	}
	own := errors.New("own")
	if err := s.Update(bg, nil, func(tx meta.Txn) error { tx.Set([]byte("target"), nil); return own }); err != own {
		t.Fatalf("failing closure: %v, want its own error", err)
	}
	if !s.Armed() {
		t.Fatal("fault spent on an Update that did not match or did not commit")
	}
	if err := s.Update(bg, nil, func(tx meta.Txn) error { return tx.Delete([]byte("target")) }); !errors.Is(err, ErrInjected) {
		t.Fatalf("matching Update: %v, want ErrInjected", err)
	}
}
